//! `cheapest`: the lowest quote per useful GPU-hour (posted prices, Akash's
//! recent winning bids, the cloud's list price).

use super::{Offer, Ranking, ordered_by};

/// The quoting networks from cheapest to dearest.
pub fn rank(offers: &[Offer]) -> Ranking {
    ordered_by(offers, |q| q.usd_per_gpu_h)
}
