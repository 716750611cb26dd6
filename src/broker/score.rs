//! `score`: a weighted sum of price, wait and quality risk, all in USD per
//! GPU-hour: `price · w_price + hours waited · w_wait + risk · w_quality`.

use super::{Offer, Ranking, ordered_by};

/// The quoting networks from lowest to highest score.
pub fn rank(offers: &[Offer], [w_price, w_wait, w_quality]: [f64; 3]) -> Ranking {
    ordered_by(offers, |q| {
        w_price * q.usd_per_gpu_h + w_wait * q.wait_h + w_quality * q.risk
    })
}
