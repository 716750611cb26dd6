//! Who may join each network. The fleet's providers come in quality tiers
//! (`[[supply.tier]]`: each a share of the nodes with its own churn, faults
//! and audit status). Each node's tier is drawn once, on the world's
//! streams, so every design alone and world mode see the same nodes in the
//! same tiers. A network's [`Admission`] says which tiers it lists from the
//! start and whether it may remove nodes later; the world applies it
//! ([`super::World::list`], [`super::World::delist`]) and each design states
//! its own rule in its module (Akash admits any provider, io.net removes
//! nodes that fail its uptime check, Render admits by benchmark tier).

use crate::engine::Rng;
pub use crate::scenario::{ALL_TIERS, ProviderTier, TierMask};
use rand::Rng as _;

/// A network's admission rule, as the world applies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    /// Provider tiers whose nodes it lists from the start.
    pub tiers: TierMask,
    /// Whether it may remove nodes during the run ([`super::World::delist`]).
    pub removes: bool,
}

impl Admission {
    /// Every node, for the whole run.
    pub const ALL: Admission = Admission {
        tiers: ALL_TIERS,
        removes: false,
    };

    /// Whether the network may use fewer than every node of a fleet of
    /// `n_tiers` tiers, from the start or later.
    pub fn restricts(self, n_tiers: usize) -> bool {
        let all = every_tier(n_tiers);
        self.removes || self.tiers & all != all
    }

    /// Whether nodes of tier `tier` are listed from the start.
    #[inline]
    pub fn admits(self, tier: u8) -> bool {
        self.tiers & (1 << tier) != 0
    }
}

/// The set of tiers `0..n`.
pub fn every_tier(n: usize) -> TierMask {
    if n >= TierMask::BITS as usize {
        ALL_TIERS
    } else {
        (1 << n) - 1
    }
}

/// A node's tier: the first whose cumulative share exceeds one uniform draw
/// from `rng` (the node's own substream of `supply/tier`), so that, with two
/// tiers, raising the second one's share moves nodes into it and never out
/// of it. Rounding may leave the draw above the last cumulative share: the
/// last tier with a share takes it.
pub fn draw_tier(tiers: &[ProviderTier], rng: &mut Rng) -> u8 {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (t, tier) in tiers.iter().enumerate() {
        acc += tier.share;
        if u < acc {
            return t as u8;
        }
    }
    tiers.iter().rposition(|t| t.share > 0.0).unwrap_or(0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tier_set_restricts_only_when_it_leaves_a_tier_out_or_removes() {
        assert!(!Admission::ALL.restricts(1));
        assert!(!Admission::ALL.restricts(32));
        let first = Admission {
            tiers: 0b01,
            removes: false,
        };
        assert!(first.restricts(2));
        assert!(!first.restricts(1), "one tier: it is every tier");
        assert!(first.admits(0) && !first.admits(1));
        let removes = Admission {
            tiers: ALL_TIERS,
            removes: true,
        };
        assert!(removes.restricts(1));
        assert_eq!(every_tier(3), 0b111);
        assert_eq!(every_tier(32), ALL_TIERS);
    }
}
