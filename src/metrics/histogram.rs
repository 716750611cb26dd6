//! A streaming log-bucketed histogram of integer milliseconds (HDR-style),
//! so that wait quantiles cost memory that grows with the logarithm of the
//! longest wait, not with the number of jobs.
//!
//! **Buckets.** With `P` = [`PRECISION_BITS`], a value `v < 2^P` has its own
//! bucket (exact). A larger value with `m` significant bits is shifted right
//! by `s = m − P`, keeping its top `P` bits `v >> s ∈ [2^(P−1), 2^P)`; its
//! bucket is `[ (v >> s) << s, ((v >> s) + 1) << s )`, of width `2^s`, which
//! is at most `2^(1−P)` of the bucket's lower bound.
//!
//! **Error bound.** A quantile is the nearest-rank quantile of the recorded
//! values (rank `⌈p·n⌉`, at least 1), reported as the midpoint of its
//! bucket and then clamped to the exact minimum and maximum (rank 1 and
//! rank n are the exact minimum and maximum). If `q` is the
//! exact nearest-rank quantile and `q̂` the reported one,
//! `|q̂ − q| ≤ q / 2^P` (the midpoint is at most half a width, `2^(s−1)`,
//! from any value of the bucket, and every value of it is at least
//! `2^(P−1+s)`), so with `P = 11` within 0.049%; values below 2,048 ms, the
//! minimum and the maximum are exact. `tests` below check the bound against
//! exact quantiles of random samples.
//!
//! **Cost.** `record` is O(1) (a shift, an add, and the array grows only when
//! a value of a new magnitude arrives); memory is `2^(P−1)` counters per
//! power of two up to the largest value: 8 bytes × 1,024 × 26 ≈ 213 kB for
//! waits of up to a year. A quantile walks the counters once.

/// Significant bits kept per value: the relative error bound is `2^-P`.
pub const PRECISION_BITS: u32 = 11;

/// Sub-buckets per power of two above the exact range.
const HALF: u64 = 1 << (PRECISION_BITS - 1);

/// Counts of recorded values by log-spaced bucket, with their exact count,
/// minimum and maximum. See the module doc for the buckets and the bound.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogHistogram {
    counts: Vec<u64>,
    n: u64,
    min: u64,
    max: u64,
}

/// The bucket of `v`.
#[inline]
fn index(v: u64) -> usize {
    let bits = 64 - v.leading_zeros();
    if bits <= PRECISION_BITS {
        v as usize
    } else {
        let shift = bits - PRECISION_BITS;
        // v >> shift ∈ [HALF, 2·HALF): each shift adds HALF buckets.
        (shift as u64 * HALF + (v >> shift)) as usize
    }
}

/// The smallest value of bucket `i` and the bucket's width.
#[inline]
fn bounds(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < 2 * HALF {
        (i, 1)
    } else {
        let shift = i / HALF - 1;
        let sub = i - shift * HALF;
        (sub << shift, 1 << shift)
    }
}

impl LogHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one value. O(1) amortised.
    #[inline]
    pub fn record(&mut self, v: u64) {
        let i = index(v);
        if i >= self.counts.len() {
            // Exactly: the counters of a new magnitude, no doubling slack.
            self.counts.reserve_exact(i + 1 - self.counts.len());
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        // An empty histogram's max is 0, so `max` needs no test of `n`; the
        // first value sets `min` (a select, not a branch).
        self.min = if self.n == 0 { v } else { self.min.min(v) };
        self.max = self.max.max(v);
        self.n += 1;
    }

    /// Adds every value `other` recorded (as if recorded here). O(buckets).
    pub fn merge(&mut self, other: &Self) {
        if other.n == 0 {
            return;
        }
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        if self.n == 0 {
            (self.min, self.max) = (other.min, other.max);
        } else {
            self.min = self.min.min(other.min);
            self.max = self.max.max(other.max);
        }
        self.n += other.n;
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The nearest-rank quantiles at `probs` (each in [0, 1], in any order),
    /// within the module's error bound; empty when nothing was recorded.
    /// O(buckets + probs · log probs).
    pub fn quantiles(&self, probs: &[f64]) -> Vec<u64> {
        if self.n == 0 {
            return Vec::new();
        }
        let n = self.n;
        // (rank, position in probs), visited in rank order in one walk.
        let mut ranks: Vec<(u64, usize)> = (probs.iter().enumerate())
            .map(|(k, &p)| (((p * n as f64).ceil() as u64).clamp(1, n), k))
            .collect();
        ranks.sort_unstable();
        let mut out = vec![0; probs.len()];
        let mut seen = 0u64;
        let mut r = ranks.iter().peekable();
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            seen += c;
            while let Some(&&(rank, k)) = r.peek() {
                if rank > seen {
                    break;
                }
                let (low, width) = bounds(i);
                out[k] = match rank {
                    1 => self.min,
                    _ if rank == n => self.max,
                    _ => (low + width / 2).clamp(self.min, self.max),
                };
                r.next();
            }
            if r.peek().is_none() {
                break;
            }
        }
        out
    }

    /// Bytes of counters held (for tests and docs).
    pub fn heap_bytes(&self) -> usize {
        self.counts.capacity() * std::mem::size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Exact nearest-rank quantile of sorted values.
    fn exact(sorted: &[u64], p: f64) -> u64 {
        let n = sorted.len();
        sorted[((p * n as f64).ceil() as usize).clamp(1, n) - 1]
    }

    #[test]
    fn buckets_tile_the_line_with_the_stated_width() {
        // Every value falls in the bucket whose bounds contain it, buckets
        // are contiguous, and a width is at most 2^(1−P) of its lower bound.
        let mut next = 0u64;
        for i in 0..(40 * HALF as usize) {
            let (low, width) = bounds(i);
            assert_eq!(low, next, "bucket {i} starts where {} ended", i - 1);
            assert_eq!(index(low), i);
            assert_eq!(index(low + width - 1), i);
            if low >= 1 << PRECISION_BITS {
                assert!(width as f64 <= low as f64 / HALF as f64);
            }
            next = low + width;
        }
        let (low, width) = bounds(index(u64::MAX));
        assert_eq!(low.wrapping_add(width), 0, "the last bucket ends at 2^64");
    }

    #[test]
    fn quantiles_are_within_the_bound_of_exact_nearest_rank() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let probs: Vec<f64> = (0..=1000).map(|i| i as f64 / 1000.0).collect();
        let bound = 1.0 / (1u64 << PRECISION_BITS) as f64;
        let mut worst = 0.0f64;
        for case in 0..60 {
            let n = 1 + rng.random_range(0..20_000usize);
            // Log-uniform values from 1 ms to about a year, with ties and zeros.
            let top = 1 + case % 36;
            let values: Vec<u64> = (0..n)
                .map(|_| match rng.random_range(0..10) {
                    0 => 0,
                    1 => 3_600_000,
                    _ => (2f64.powf(rng.random::<f64>() * top as f64)) as u64,
                })
                .collect();
            let mut h = LogHistogram::new();
            for &v in &values {
                h.record(v);
            }
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let got = h.quantiles(&probs);
            for (&p, &q_hat) in probs.iter().zip(&got) {
                let q = exact(&sorted, p);
                let err = (q_hat as f64 - q as f64).abs();
                assert!(
                    err <= q as f64 * bound,
                    "case {case}, n {n}, p {p}: {q_hat} vs exact {q}"
                );
                if q > 0 {
                    worst = worst.max(err / q as f64);
                }
            }
            assert_eq!(got[0], sorted[0], "the minimum is exact");
            assert_eq!(got[1000], sorted[n - 1], "the maximum is exact");
        }
        eprintln!("worst relative error {worst:.3e}, bound {bound:.3e}");
        // The bound is attained to within a factor of 2 (it is not loose).
        assert!(worst > bound / 2.0, "worst relative error {worst}");
    }

    #[test]
    fn small_values_are_exact_and_empty_gives_nothing() {
        let mut h = LogHistogram::new();
        assert!(h.quantiles(&[0.5]).is_empty());
        for v in 1..=100u64 {
            h.record(v);
        }
        assert_eq!(h.quantiles(&[0.0, 0.5, 0.95, 1.0]), [1, 50, 95, 100]);
        assert_eq!(h.len(), 100);
    }

    #[test]
    fn memory_grows_with_the_largest_value_not_the_count() {
        let mut h = LogHistogram::new();
        // Waits spread up to a year (3.15e10 ms).
        for i in 0..1_000_000u64 {
            h.record(i * 31_557);
        }
        let one_year = h.heap_bytes();
        for _ in 0..4 {
            for i in 0..1_000_000u64 {
                h.record(i * 31_557);
            }
        }
        assert_eq!(h.heap_bytes(), one_year);
        assert!(one_year < 230_000, "{one_year} bytes");
    }

    #[test]
    fn merging_is_recording_everything_in_one() {
        let (mut a, mut b, mut all) = (
            LogHistogram::new(),
            LogHistogram::new(),
            LogHistogram::new(),
        );
        for v in [0u64, 3, 70_000, 12, 5_000_000] {
            a.record(v);
            all.record(v);
        }
        for v in [9u64, 1 << 40, 1] {
            b.record(v);
            all.record(v);
        }
        a.merge(&b);
        let p = [0.0, 0.25, 0.5, 0.95, 1.0];
        assert_eq!(a.quantiles(&p), all.quantiles(&p));
        assert_eq!(a.len(), all.len());
        a.merge(&LogHistogram::new());
        assert_eq!(a.quantiles(&p), all.quantiles(&p));
    }
}
