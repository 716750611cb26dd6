//! Render's burn-and-mint equilibrium (RNP-001): jobs are priced in USD;
//! at payment `burn_share` of the job's value is bought at the quoted price
//! and burned (the rest goes to the network operator, in USD). Emissions,
//! independent of burns, are paid at the end of each epoch pro rata to work
//! done (`work_weight`) and to GPU-time online (the rest).

use super::Ledger;
use super::schedule::emitted;
use crate::engine::SimTime;
use crate::model::{NodeId, World};
use crate::scenario::token::{Schedule, TokenParams};

/// Render's per-epoch tallies.
#[derive(Debug, Clone)]
pub struct RenderFlows {
    burn_share: f64,
    epoch: SimTime,
    schedule: Schedule,
    changes: Vec<(SimTime, f64)>,
    emission_share: f64,
    work_weight: f64,
    period: SimTime,
    epoch_start: SimTime,
    /// GPU-ms of paid work and of time online per node, this epoch.
    work_ms: Vec<f64>,
    online_ms: Vec<f64>,
    /// Cache of the epoch's accrual at one instant: (time, emissions so far,
    /// total work, total online time).
    accrual: Option<(SimTime, f64, f64, f64)>,
}

impl RenderFlows {
    /// Render's flows for a world of `nodes` nodes.
    pub fn new(t: &TokenParams, nodes: usize) -> Self {
        let r = &t.render;
        Self {
            burn_share: r.burn_share,
            epoch: r.epoch,
            schedule: r.emissions.clone(),
            changes: t.emission_changes.clone(),
            emission_share: r.base.emission_share,
            work_weight: r.work_weight,
            period: t.period,
            epoch_start: 0,
            work_ms: vec![0.0; nodes],
            online_ms: vec![0.0; nodes],
            accrual: None,
        }
    }

    /// A frame was paid `user_usd`: its burn share is bought and burned;
    /// the node's work counts toward its share of the epoch's emissions.
    pub fn pay(&mut self, l: &mut Ledger, user_usd: f64, work: Option<(NodeId, f64)>) {
        l.buy_and_burn(self.burn_share * user_usd);
        if let Some((node, gpu_ms)) = work {
            self.accrual = None;
            super::grow(&mut self.work_ms, node.ix() + 1);
            self.work_ms[node.ix()] += gpu_ms;
        }
    }

    /// Tokens `node` has earned so far in the running epoch, to be paid at
    /// its end: the emissions since the epoch began, split as the epoch's
    /// payout would split them if it ended now (by work and online time so
    /// far). A provider watching its pending rewards sees this.
    pub fn pending(&mut self, node: NodeId, now: SimTime) -> f64 {
        let (_, so_far, work, online) = match self.accrual {
            Some(a) if a.0 == now => a,
            _ => {
                let so_far = self.emission_share
                    * emitted(&self.schedule, &self.changes, self.epoch_start, now);
                let a = (
                    now,
                    so_far,
                    self.work_ms.iter().sum(),
                    self.online_ms.iter().sum(),
                );
                self.accrual = Some(a);
                a
            }
        };
        let i = node.ix();
        let share = |w: &[f64], total: f64| {
            if total > 0.0 {
                w.get(i).copied().unwrap_or(0.0) / total
            } else {
                0.0
            }
        };
        so_far
            * (self.work_weight * share(&self.work_ms, work)
                + (1.0 - self.work_weight) * share(&self.online_ms, online))
    }

    /// Period end: online time of nodes up now (read at period ends: a node
    /// counts from when it came up, at most one period); at an epoch end,
    /// the epoch's emissions are paid out.
    pub fn tick(&mut self, l: &mut Ledger, now: SimTime, world: &World) {
        self.accrual = None;
        super::grow(&mut self.work_ms, world.nodes.len());
        super::grow(&mut self.online_ms, world.nodes.len());
        if now > 0 {
            for (i, n) in world.nodes.iter().enumerate() {
                if n.up {
                    let ms = (now - n.up_since.max(now.saturating_sub(self.period))) as f64;
                    self.online_ms[i] += n.gpus as f64 * ms;
                }
            }
        }
        if now > self.epoch_start && (now - self.epoch_start) >= self.epoch {
            let amount =
                self.emission_share * emitted(&self.schedule, &self.changes, self.epoch_start, now);
            for (weights, share) in [
                (&mut self.work_ms, self.work_weight),
                (&mut self.online_ms, 1.0 - self.work_weight),
            ] {
                let total: f64 = weights.iter().sum();
                if total > 0.0 && share > 0.0 {
                    for (node, w) in weights.iter().enumerate() {
                        if *w > 0.0 {
                            l.reward_node(now, node, amount * share * w / total);
                        }
                    }
                }
                weights.iter_mut().for_each(|w| *w = 0.0);
            }
            self.epoch_start = now;
        }
    }
}
