//! The broker of world mode (the seed's "scheduling layer"): for each
//! arriving job it ranks the networks by its strategy, from their quotes
//! (which draw no random numbers) and, for `learning`, from what each
//! network delivered so far. The run driver offers the job to the first
//! network of the ranking and, with failover, to the next when one refuses.
//! Each strategy is one small module.

mod by_kind;
mod cheapest;
mod fastest;
mod learning;
mod score;

use crate::designs::Quote;
use crate::engine::{Rng, Streams};
use crate::scenario::WorkloadKind;
use crate::scenario::world::{Strategy, WorldParams};
use smallvec::SmallVec;

/// A ranking of networks, best first (indices into `world.networks`).
pub type Ranking = SmallVec<[u8; 8]>;

/// What the broker knows of a network when a job arrives.
#[derive(Clone, Copy, Debug)]
pub struct Offer {
    pub net: u8,
    /// Its quote, or `None` if it would not serve the job.
    pub quote: Option<Quote>,
    /// What users paid per useful GPU-hour on this workload there so far
    /// and their mean wait, hours (`None` before anything was delivered).
    pub realised: Option<(f64, f64)>,
}

/// The broker of one world run.
pub struct Broker {
    strategy: Strategy,
    failover: bool,
    by_kind: [Option<u8>; 4],
    weights: [f64; 3],
    epsilon: f64,
    /// `learning`'s exploration (its own stream).
    rng: Rng,
}

impl Broker {
    /// The broker of `world` with strategy `strategy`.
    pub fn new(world: &WorldParams, strategy: usize, streams: &Streams) -> Self {
        Self {
            strategy: world.strategies[strategy],
            failover: world.failover,
            by_kind: world.by_kind,
            weights: world.score,
            epsilon: world.epsilon,
            rng: streams.stream("broker/learning"),
        }
    }

    /// Ranks the networks for a job of workload kind `kind` given `offers`
    /// (one per network, in network order). Without failover, or with
    /// `only:NAME`, the ranking has at most one network.
    pub fn rank(&mut self, kind: WorkloadKind, offers: &[Offer]) -> Ranking {
        let mut r: Ranking = match self.strategy {
            Strategy::Only(n) => return std::iter::once(n).collect(),
            Strategy::ByKind => by_kind::rank(self.by_kind[kind as usize], offers),
            Strategy::Cheapest => cheapest::rank(offers),
            Strategy::Fastest => fastest::rank(offers),
            Strategy::Score => score::rank(offers, self.weights),
            Strategy::Learning => {
                learning::rank(offers, self.weights[1], self.epsilon, &mut self.rng)
            }
        };
        if !self.failover {
            r.truncate(1);
        }
        r
    }
}

/// The networks that quote, ordered by `key` (ties by network order).
fn ordered_by(offers: &[Offer], key: impl Fn(&Quote) -> f64) -> Ranking {
    let mut v: SmallVec<[(f64, u8); 8]> = offers
        .iter()
        .filter_map(|o| o.quote.map(|q| (key(&q), o.net)))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    v.into_iter().map(|(_, n)| n).collect()
}

/// `first`, then the other quoting networks from cheapest to dearest: the
/// failover order after a strategy's own pick.
fn then_cheapest(first: Option<u8>, offers: &[Offer]) -> Ranking {
    let mut r: Ranking = first.into_iter().collect();
    r.extend(
        cheapest::rank(offers)
            .into_iter()
            .filter(|&n| Some(n) != first),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(net: u8, price: f64, wait_h: f64, risk: f64) -> Offer {
        Offer {
            net,
            quote: Some(Quote {
                usd_per_gpu_h: price,
                wait_h,
                risk,
            }),
            realised: None,
        }
    }

    fn none(net: u8) -> Offer {
        Offer {
            net,
            quote: None,
            realised: None,
        }
    }

    #[test]
    fn cheapest_orders_by_price_and_skips_networks_that_do_not_quote() {
        let offers = [offer(0, 2.0, 0.0, 0.0), none(1), offer(2, 1.5, 3.0, 0.0)];
        assert_eq!(cheapest::rank(&offers).as_slice(), &[2, 0]);
        assert_eq!(fastest::rank(&offers).as_slice(), &[0, 2]);
    }

    #[test]
    fn ties_go_to_the_earlier_network() {
        let offers = [offer(0, 1.0, 0.0, 0.0), offer(1, 1.0, 0.0, 0.0)];
        assert_eq!(cheapest::rank(&offers).as_slice(), &[0, 1]);
    }

    #[test]
    fn score_weighs_price_wait_and_risk() {
        // 1.0 + 0.5·2 h = 2.0 against 1.8 + 10·0.05 = 2.3 and 2.5.
        let offers = [
            offer(0, 1.0, 2.0, 0.0),
            offer(1, 1.8, 0.0, 0.05),
            offer(2, 2.5, 0.0, 0.0),
        ];
        assert_eq!(
            score::rank(&offers, [1.0, 0.5, 10.0]).as_slice(),
            &[0, 1, 2]
        );
    }

    #[test]
    fn by_kind_puts_its_network_first_even_without_a_quote() {
        let offers = [offer(0, 2.0, 0.0, 0.0), none(1), offer(2, 1.5, 0.0, 0.0)];
        assert_eq!(by_kind::rank(Some(1), &offers).as_slice(), &[1, 2, 0]);
    }

    #[test]
    fn learning_tries_unvisited_networks_then_exploits_the_best_realised() {
        let mut rng = Streams::new(1).stream("t");
        let mut offers = [offer(0, 2.0, 0.0, 0.0), offer(1, 1.0, 0.0, 0.0)];
        // Nothing realised: the cheapest quote first (optimistic).
        assert_eq!(learning::rank(&offers, 0.0, 0.0, &mut rng)[0], 1);
        offers[0].realised = Some((1.2, 0.0));
        assert_eq!(
            learning::rank(&offers, 0.0, 0.0, &mut rng)[0],
            1,
            "1 unvisited"
        );
        offers[1].realised = Some((3.0, 0.0));
        assert_eq!(
            learning::rank(&offers, 0.0, 0.0, &mut rng)[0],
            0,
            "0 delivered cheaper"
        );
        // Full exploration picks both sometimes.
        let picks: Vec<u8> = (0..200)
            .map(|_| learning::rank(&offers, 0.0, 1.0, &mut rng)[0])
            .collect();
        assert!(picks.contains(&0) && picks.contains(&1));
    }
}
