//! `learning`: an ε-greedy bandit per workload over realised outcomes. A
//! network that has delivered nothing on the workload yet is tried first
//! (cheapest quote first); then, with probability ε, a quoting network
//! drawn at random, otherwise the one whose users paid least per useful
//! GPU-hour on the workload, waits priced at `w_wait` per hour. The
//! exploration draws from the broker's own stream.

use super::{Offer, Ranking, cheapest, then_cheapest};
use crate::engine::Rng;
use rand::Rng as _;

/// The bandit's pick first, then the others from cheapest to dearest.
pub fn rank(offers: &[Offer], w_wait: f64, epsilon: f64, rng: &mut Rng) -> Ranking {
    let quoting: Vec<&Offer> = offers.iter().filter(|o| o.quote.is_some()).collect();
    if quoting.is_empty() {
        return Ranking::new();
    }
    // One draw per job, explored or not, so ε does not shift later draws.
    let u: f64 = rng.random();
    let k = rng.random_range(0..quoting.len());
    let unvisited: Vec<Offer> = quoting
        .iter()
        .filter(|o| o.realised.is_none())
        .map(|&&o| o)
        .collect();
    let pick = if u < epsilon {
        quoting[k].net
    } else if let Some(&n) = cheapest::rank(&unvisited).first() {
        n
    } else {
        let value = |o: &Offer| o.realised.map_or(f64::INFINITY, |(p, w)| p + w_wait * w);
        quoting
            .iter()
            .min_by(|a, b| value(a).total_cmp(&value(b)).then(a.net.cmp(&b.net)))
            .expect("some network quotes")
            .net
    };
    then_cheapest(Some(pick), offers)
}
