//! Proof of Render and reputation: whether a finished frame is bad (a
//! faulty node's frame is bad with the fault error rate), whether
//! verification catches it (with probability `detect`), and how a verdict
//! moves the node's reputation, its band and its ban. Draws only from the
//! `verify` stream of Render's namespace.

use crate::engine::Rng;
use crate::scenario::{RenderParams, Reputation};
use rand::Rng as _;

/// The verifier of one Render network.
pub(super) struct Verifier {
    detect: f64,
    error_rate: f64,
    pub reputation: Option<Reputation>,
    /// Sorted distinct `min_reputation` of the tiers (empty: reputation off).
    thresholds: Vec<f64>,
    rng: Rng,
}

impl Verifier {
    /// The verifier of `p`, with faulty nodes' frames bad at `error_rate`.
    pub fn new(p: &RenderParams, error_rate: f64, rng: Rng) -> Self {
        let mut thresholds: Vec<f64> = Vec::new();
        if p.reputation.is_some() {
            thresholds = p.tiers.iter().map(|t| t.min_reputation).collect();
            thresholds.sort_by(f64::total_cmp);
            thresholds.dedup();
        }
        Self {
            detect: p.detect,
            error_rate,
            reputation: p.reputation,
            thresholds,
            rng,
        }
    }

    /// The probability that verification catches a bad frame.
    pub fn detect(&self) -> f64 {
        self.detect
    }

    /// Reputation bands: one more than the distinct thresholds.
    pub fn bands(&self) -> usize {
        self.thresholds.len() + 1
    }

    /// The reputation band of score `rep`: how many tier thresholds it meets.
    pub fn band_of(&self, rep: f64) -> u8 {
        self.thresholds.partition_point(|&x| x <= rep) as u8
    }

    /// The lowest band allowed to render a tier of `min_reputation` (0, any
    /// band, with reputation off).
    pub fn need(&self, min_reputation: f64) -> u8 {
        match self.reputation {
            Some(_) => (self.thresholds.partition_point(|&x| x < min_reputation) + 1) as u8,
            None => 0,
        }
    }

    /// The reputation a node starts (and returns from a ban) with.
    pub fn initial(&self) -> f64 {
        self.reputation.map_or(0.0, |r| r.initial)
    }

    /// The verdict on a frame from a node (`faulty` or not): whether it is
    /// bad, and whether verification rejects it.
    pub fn verdict(&mut self, faulty: bool) -> (bool, bool) {
        let bad = faulty && self.error_rate > 0.0 && self.rng.random::<f64>() < self.error_rate;
        let rejected = bad && self.rng.random::<f64>() < self.detect;
        (bad, rejected)
    }

    /// Reputation `rep` after a verdict: up by `accept_gain` (at most 1),
    /// down by `reject_penalty` (at least 0); `None` with reputation off.
    pub fn rescore(&self, rep: f64, accepted: bool) -> Option<f64> {
        let r = self.reputation?;
        Some(if accepted {
            (rep + r.accept_gain).min(1.0)
        } else {
            (rep - r.reject_penalty).max(0.0)
        })
    }

    /// Whether reputation `rep` gets a node banned.
    pub fn bans(&self, rep: f64) -> bool {
        self.reputation.is_some_and(|r| rep < r.ban_below)
    }
}
