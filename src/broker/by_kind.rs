//! `by_kind`: the seed's rule of thumb (render jobs to Render, AI jobs to
//! io.net, services to Akash), or the scenario's own table.

use super::{Offer, Ranking, then_cheapest};

/// The table's network for the job's kind first (whether or not it quotes:
/// it decides itself), then the others from cheapest to dearest.
pub fn rank(table: Option<u8>, offers: &[Offer]) -> Ranking {
    then_cheapest(table, offers)
}
