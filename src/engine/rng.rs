//! Named random streams.
//!
//! Every run has one `run_seed`, derived from the master seed, the sweep point
//! and the replicate. Each model component asks for its own stream by name
//! (and optionally an index, e.g. one stream per node), so the numbers one
//! component sees never depend on which other components exist or how many
//! numbers they drew.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator every stream uses: ChaCha with 8 rounds (fast, and passes
/// the statistical batteries that matter for simulation).
pub type Rng = ChaCha8Rng;

/// `rng.random_range(0..n)` for a `usize` (`n` ≥ 1): the same draws from
/// `rng` and the same value as rand 0.9 gives (below 2^32 its `u32` path:
/// Canon's widening multiply with one more draw when the low half is
/// biased, rand's default without the `unbiased` feature), but always
/// inlined; rand's `random_range` was left out of line in Akash's auction,
/// at ~40 instructions of call per bidder drawn. Checked against rand in
/// the tests below.
#[inline(always)]
pub fn below(rng: &mut Rng, n: usize) -> usize {
    debug_assert!(n > 0, "an empty range");
    if n > u32::MAX as usize {
        return rand::Rng::random_range(rng, 0..n);
    }
    inclusive_u32(rng, (n - 1) as u32) as usize
}

/// `rng.random_range(0..=high)` for a `usize`, as [`below`] does it.
#[inline(always)]
pub fn up_to(rng: &mut Rng, high: usize) -> usize {
    if high >= u32::MAX as usize {
        return rand::Rng::random_range(rng, 0..=high);
    }
    inclusive_u32(rng, high as u32) as usize
}

/// rand 0.9's `UniformInt::<u32>::sample_single_inclusive(0, high)` for
/// `high` < `u32::MAX` (so the range, `high + 1`, is not 0).
#[inline(always)]
fn inclusive_u32(rng: &mut Rng, high: u32) -> u32 {
    use rand::RngCore;
    let range = high + 1;
    let m = rng.next_u32() as u64 * range as u64;
    let (mut result, lo) = ((m >> 32) as u32, m as u32);
    if lo > range.wrapping_neg() {
        let new_hi = ((rng.next_u32() as u64 * range as u64) >> 32) as u32;
        result += lo.checked_add(new_hi).is_none() as u32;
    }
    result
}

/// SplitMix64 step: a bijective mixer with good avalanche (Steele et al., 2014).
#[inline]
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a over bytes: stable across Rust versions and platforms, unlike
/// `std`'s `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// The seed of one run: a deterministic function of the master seed, the
/// sweep point index and the replicate index.
pub fn derive_run_seed(master_seed: u64, point: u64, replicate: u64) -> u64 {
    let mut s = master_seed;
    let a = splitmix64(&mut s);
    let mut s = a ^ point.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let b = splitmix64(&mut s);
    let mut s = b ^ replicate.wrapping_mul(0x8CB9_2BA7_2F3D_8DD7);
    splitmix64(&mut s)
}

/// The factory of a run's named streams.
#[derive(Clone, Copy, Debug)]
pub struct Streams {
    run_seed: u64,
}

impl Streams {
    /// Streams of the run with this seed (see [`derive_run_seed`]).
    pub fn new(run_seed: u64) -> Self {
        Self { run_seed }
    }

    /// The run seed these streams derive from.
    pub fn run_seed(&self) -> u64 {
        self.run_seed
    }

    /// The stream called `name` (e.g. `"arrivals/training"`).
    pub fn stream(&self, name: &str) -> Rng {
        self.substream(name, 0)
    }

    /// Substream `index` of the stream called `name` (e.g. one per node).
    /// Uses ChaCha's 64-bit stream id, so substreams share a key but never
    /// overlap.
    pub fn substream(&self, name: &str, index: u64) -> Rng {
        let mut state = self.run_seed ^ fnv1a(name.as_bytes()).rotate_left(29);
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        let mut rng = Rng::from_seed(seed);
        rng.set_stream(index);
        rng
    }
}

/// The streams of one component, named under its namespace: `ns.stream("bids")`
/// of namespace `"akash"` is the run's stream `"akash/bids"`. A design gets
/// one, so two networks of one design in one run draw apart (each its own
/// namespace) while a design alone keeps the names it always had.
#[derive(Clone, Debug)]
pub struct StreamNs {
    streams: Streams,
    prefix: String,
}

impl StreamNs {
    /// The streams of `streams` under `prefix`.
    pub fn new(streams: Streams, prefix: &str) -> Self {
        Self {
            streams,
            prefix: prefix.to_string(),
        }
    }

    /// The namespace's stream `name`.
    pub fn stream(&self, name: &str) -> Rng {
        self.substream(name, 0)
    }

    /// Substream `index` of the namespace's stream `name`.
    pub fn substream(&self, name: &str, index: u64) -> Rng {
        self.streams
            .substream(&format!("{}/{name}", self.prefix), index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    fn draws(mut r: Rng, n: usize) -> Vec<u64> {
        (0..n).map(|_| r.random::<u64>()).collect()
    }

    #[test]
    fn streams_are_reproducible() {
        let a = Streams::new(42);
        let b = Streams::new(42);
        assert_eq!(draws(a.stream("churn"), 100), draws(b.stream("churn"), 100));
        assert_eq!(
            draws(a.substream("churn", 7), 100),
            draws(b.substream("churn", 7), 100)
        );
    }

    #[test]
    fn adding_a_stream_does_not_change_another() {
        let s = Streams::new(9);
        let alone = draws(s.stream("arrivals/training"), 50);
        // Another component exists and draws heavily in between.
        let mut other = s.stream("bids");
        for _ in 0..10_000 {
            let _: u64 = other.random();
        }
        let with_other = draws(s.stream("arrivals/training"), 50);
        assert_eq!(alone, with_other);
    }

    /// Pearson correlation of uniforms from two streams; for independent
    /// streams it is ~N(0, 1/n), so |r| < 5/sqrt(n) fails with p < 1e-6.
    fn correlation(a: Rng, b: Rng, n: usize) -> f64 {
        let to_unit = |v: u64| (v >> 11) as f64 / (1u64 << 53) as f64;
        let x: Vec<f64> = draws(a, n).into_iter().map(to_unit).collect();
        let y: Vec<f64> = draws(b, n).into_iter().map(to_unit).collect();
        let mx = x.iter().sum::<f64>() / n as f64;
        let my = y.iter().sum::<f64>() / n as f64;
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (xi, yi) in x.iter().zip(&y) {
            sxy += (xi - mx) * (yi - my);
            sxx += (xi - mx) * (xi - mx);
            syy += (yi - my) * (yi - my);
        }
        sxy / (sxx * syy).sqrt()
    }

    #[test]
    fn streams_are_independent() {
        let n = 20_000;
        let bound = 5.0 / (n as f64).sqrt();
        let s = Streams::new(1);
        let pairs = [
            (s.stream("a"), s.stream("b")),
            (s.substream("churn", 0), s.substream("churn", 1)),
            (s.stream("x"), Streams::new(2).stream("x")),
        ];
        for (a, b) in pairs {
            let r = correlation(a, b, n);
            assert!(r.abs() < bound, "correlation {r} exceeds {bound}");
        }
        assert_ne!(draws(s.stream("a"), 4), draws(s.stream("b"), 4));
        assert_ne!(draws(s.substream("a", 0), 4), draws(s.substream("a", 1), 4));
    }

    #[test]
    fn run_seeds_differ_by_point_and_replicate() {
        let mut seen = std::collections::BTreeSet::new();
        for p in 0..20 {
            for r in 0..20 {
                assert!(seen.insert(derive_run_seed(7, p, r)));
            }
        }
        assert_ne!(derive_run_seed(7, 0, 0), derive_run_seed(8, 0, 0));
        assert_eq!(derive_run_seed(7, 3, 4), derive_run_seed(7, 3, 4));
    }

    #[test]
    fn a_namespace_prefixes_its_stream_names() {
        let s = Streams::new(11);
        let ns = StreamNs::new(s, "akash");
        assert_eq!(
            draws(ns.stream("bids"), 4),
            draws(s.stream("akash/bids"), 4)
        );
        assert_eq!(
            draws(ns.substream("provider", 9), 4),
            draws(s.substream("akash/provider", 9), 4)
        );
        let other = StreamNs::new(s, "akash2");
        assert_ne!(draws(ns.stream("bids"), 4), draws(other.stream("bids"), 4));
    }

    #[test]
    fn below_and_up_to_draw_what_rand_draws() {
        use rand::Rng as _;
        let streams = Streams::new(5);
        for (k, n) in [
            1usize,
            2,
            3,
            7,
            20,
            255,
            256,
            1000,
            65_537,
            1 << 31,
            u32::MAX as usize,
        ]
        .into_iter()
        .enumerate()
        {
            let mut a = streams.substream("below-test", k as u64);
            let mut b = a.clone();
            for _ in 0..2000 {
                assert_eq!(below(&mut a, n), b.random_range(0..n), "0..{n}");
                assert_eq!(
                    up_to(&mut a, n - 1),
                    b.random_range(0..=n - 1),
                    "0..={}",
                    n - 1
                );
            }
        }
        let mut a = streams.stream("below-test-max");
        let mut b = a.clone();
        let huge = u32::MAX as usize + 5;
        for _ in 0..100 {
            assert_eq!(below(&mut a, huge), b.random_range(0..huge));
            assert_eq!(up_to(&mut a, huge), b.random_range(0..=huge));
        }
    }
}
