//! `fastest`: the shortest expected wait (from each network's queue and
//! free capacity), ties to the cheaper.

use super::{Offer, Ranking, ordered_by};

/// The quoting networks from shortest to longest expected wait; equal
/// waits (typically none) by price.
pub fn rank(offers: &[Offer]) -> Ranking {
    // Waits first; a price below a million dollars per GPU-hour breaks ties.
    ordered_by(offers, |q| q.wait_h * 1e6 + q.usd_per_gpu_h.min(1e6 - 1.0))
}
