//! `--shard K/N`: shard K of N runs the runs whose global index i (point-major,
//! then replicate, then design) has i mod N = K − 1. Dealing runs out like
//! cards keeps shards within one run of each other in size, and mixes slow
//! and fast points, so shards also take about the same time.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Shard `k` of `n` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    /// Parses `K/N` (1 ≤ K ≤ N).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let usage = || {
            format!("{s:?} is not a shard: expected K/N with whole numbers 1 <= K <= N, e.g. 2/8")
        };
        let (k, n) = s.split_once('/').ok_or_else(usage)?;
        let (k, n): (u64, u64) = match (k.trim().parse(), n.trim().parse()) {
            (Ok(k), Ok(n)) => (k, n),
            _ => return Err(usage()),
        };
        if n == 0 {
            return Err(format!("{s:?}: N must be at least 1"));
        }
        if k == 0 || k > n {
            return Err(format!("{s:?}: K must be between 1 and N = {n}, got {k}"));
        }
        Ok(Shard { k, n })
    }

    /// Whether the run with global index `i` belongs to this shard.
    pub fn owns(self, i: u64) -> bool {
        i % self.n == self.k - 1
    }

    /// Global index of this shard's `j`-th run.
    pub fn global(self, j: u64) -> u64 {
        j * self.n + (self.k - 1)
    }

    /// How many of `total` runs are this shard's.
    pub fn runs_of(self, total: u64) -> u64 {
        if total < self.k {
            0
        } else {
            (total - self.k) / self.n + 1
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { k: 2, n: 3 }));
        assert_eq!(Shard::parse("1/1"), Ok(Shard::ALL));
        for bad in ["0/3", "4/3", "a/b", "3", "1/0", "-1/3", "1/3/4", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert!(
            Shard::parse("0/3")
                .unwrap_err()
                .contains("between 1 and N = 3")
        );
    }

    #[test]
    fn shards_partition_the_runs() {
        for total in [0u64, 1, 2, 7, 10] {
            for n in 1..5 {
                let mut seen = vec![0; total as usize];
                for k in 1..=n {
                    let s = Shard { k, n };
                    let mine: Vec<u64> = (0..s.runs_of(total)).map(|j| s.global(j)).collect();
                    assert!(mine.iter().all(|&i| i < total && s.owns(i)));
                    assert_eq!(
                        mine.len() as u64,
                        (0..total).filter(|&i| s.owns(i)).count() as u64
                    );
                    for i in mine {
                        seen[i as usize] += 1;
                    }
                }
                assert!(seen.iter().all(|&c| c == 1), "total {total}, n {n}");
            }
        }
    }
}
