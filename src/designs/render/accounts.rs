//! Render's money: USD prices per GPU-hour by tier and class, what an
//! accepted frame pays (the user pays its GPU time at the price, the
//! provider gets it all, the token economy burns the value and pays
//! emissions for the work), and the unpaid time of a rejected or lost frame.

use super::super::{Ctx, pay_tokens, usd};
use crate::engine::SimTime;
use crate::model::NodeId;
use crate::scenario::RenderParams;

/// USD per GPU-hour by tier and class (NaN: not offered).
pub(super) struct Prices {
    price: Vec<f64>,
    classes: usize,
}

impl Prices {
    /// The prices of `p`: each class's price times each tier's factor.
    pub fn new(p: &RenderParams) -> Self {
        let price = p
            .tiers
            .iter()
            .flat_map(|t| {
                p.price_per_gpu_hour
                    .iter()
                    .map(move |&x| x * t.price_factor)
            })
            .collect();
        Self {
            price,
            classes: p.price_per_gpu_hour.len(),
        }
    }

    /// The prices of tier `tier`, by class.
    pub fn tier(&self, tier: usize) -> &[f64] {
        &self.price[tier * self.classes..(tier + 1) * self.classes]
    }

    /// The price of tier `tier` on class `class`.
    pub fn of(&self, tier: usize, class: usize) -> f64 {
        self.price[tier * self.classes + class]
    }
}

/// Pays a frame of workload `w` rendered on `node` from `start` to now at
/// `price`: the user pays, the provider gets it all; returns the USD.
pub(super) fn pay_frame(ctx: &mut Ctx, node: u32, w: u16, start: SimTime, price: f64) -> f64 {
    let now = ctx.now();
    let paid = usd(1, now - start, price);
    let work = Some((NodeId(node), (now - start) as f64));
    pay_tokens(ctx, start, paid, paid, work);
    ctx.metrics
        .segment(w, start, now, 1, now - start, paid, paid);
    paid
}

/// Records the GPU time of a frame of workload `w` from `start` to now as
/// rework: unpaid, no progress kept.
pub(super) fn unpaid_frame(ctx: &mut Ctx, w: u16, start: SimTime) {
    let now = ctx.now();
    ctx.metrics.segment(w, start, now, 1, 0, 0.0, 0.0);
}
