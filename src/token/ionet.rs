//! io.net: hourly emissions on a decaying schedule (8% of genesis in year 1,
//! −1.02% a month, 300 M in all), paid pro rata to GPU-time of nodes with
//! the continuous uptime rewards need; USDC payments whose fees are revenue,
//! `buyback_share` of which buys back and burns IO; a stake per GPU bought
//! to join and sold after the unstaking delay. Option: incentive dynamic
//! emission (a fixed USD payout per eligible GPU-hour minted at the live
//! price; the buyback takes its share of the surplus revenue only).

use super::Ledger;
use super::schedule::{emitted, factor_at};
use crate::engine::{MS_PER_HOUR, SimTime};
use crate::model::World;
use crate::scenario::Scenario;
use crate::scenario::token::{IonetEmissionMode, Schedule, TokenParams};

/// io.net's token flows.
#[derive(Debug, Clone)]
pub struct IonetFlows {
    schedule: Schedule,
    changes: Vec<(SimTime, f64)>,
    mode: IonetEmissionMode,
    usd_per_gpu_hour: f64,
    emission_share: f64,
    buyback_share: f64,
    /// Tokens staked per GPU by class index.
    stake_per_gpu: Vec<f64>,
    uptime_for_rewards: SimTime,
    unstaking_delay: SimTime,
    period: SimTime,
    /// Fee revenue this period, USD.
    revenue_usd: f64,
    /// Incentive dynamic mode: the last period's revenue less its payout,
    /// USD (what the horizon's settlements add to).
    last_surplus_usd: f64,
    staked: f64,
    /// Stakes waiting out the unstaking delay: (sale time, tokens), in time order.
    unstaking: std::collections::VecDeque<(SimTime, f64)>,
    /// Scratch: eligible GPU-ms per node this period.
    eligible: Vec<f64>,
}

impl IonetFlows {
    /// io.net's flows, with the initial fleet's stake in place (bought
    /// before t = 0: the initial price already reflects it).
    pub fn new(t: &TokenParams, sc: &Scenario, world: &World) -> Self {
        let io = &t.ionet;
        let p = sc.ionet.as_ref();
        let stake_per_gpu: Vec<f64> = io
            .stake_multiplier
            .iter()
            .map(|m| io.stake_per_gpu * m)
            .collect();
        let staked = world
            .nodes
            .iter()
            .map(|n| stake_per_gpu[n.class as usize] * n.gpus as f64)
            .sum();
        Self {
            schedule: io.emissions.clone(),
            changes: t.emission_changes.clone(),
            mode: io.emission_mode,
            usd_per_gpu_hour: io.usd_per_gpu_hour,
            emission_share: io.base.emission_share,
            buyback_share: io.buyback_share,
            stake_per_gpu,
            uptime_for_rewards: p.map_or(5 * MS_PER_HOUR, |p| p.uptime_for_rewards),
            unstaking_delay: p.map_or(14 * 24 * MS_PER_HOUR, |p| p.unstaking_delay),
            period: t.period,
            revenue_usd: 0.0,
            last_surplus_usd: 0.0,
            staked,
            unstaking: Default::default(),
            eligible: vec![0.0; world.nodes.len()],
        }
    }

    /// A run was paid: the fees (what the user paid beyond what the
    /// provider got) are revenue.
    pub fn pay(&mut self, user_usd: f64, provider_usd: f64) {
        self.revenue_usd += user_usd - provider_usd;
    }

    /// A node joins: its stake is bought through the pool.
    pub fn stake(&mut self, l: &mut Ledger, _now: SimTime, class: u16, gpus: u32) {
        let tokens = self.stake_per_gpu[class as usize] * gpus as f64;
        self.staked += tokens;
        l.buy(tokens * l.price());
    }

    /// A node leaves: its stake is sold once the unstaking delay is over.
    pub fn unstake(&mut self, now: SimTime, class: u16, gpus: u32) {
        let tokens = self.stake_per_gpu[class as usize] * gpus as f64;
        self.staked -= tokens;
        let at = now + self.unstaking_delay;
        let pos = self.unstaking.partition_point(|u| u.0 <= at);
        self.unstaking.insert(pos, (at, tokens));
    }

    /// Tokens staked now.
    pub fn staked(&self) -> f64 {
        self.staked
    }

    /// Period end: the hour's emissions go to nodes pro rata to GPU-time
    /// past the uptime requirement; fee revenue buys back and burns; stakes
    /// whose delay is over are sold.
    pub fn tick(&mut self, l: &mut Ledger, now: SimTime, world: &World) {
        while let Some(&(at, tokens)) = self.unstaking.front()
            && at <= now
        {
            l.sell(tokens);
            self.unstaking.pop_front();
        }
        if now == 0 {
            return;
        }
        let from = now - self.period;
        super::grow(&mut self.eligible, world.nodes.len());
        let mut total = 0.0;
        for (i, n) in world.nodes.iter().enumerate() {
            let eligible_from = (n.up_since + self.uptime_for_rewards).max(from);
            let ms = if n.up && now > eligible_from {
                n.gpus as f64 * (now - eligible_from) as f64
            } else {
                0.0
            };
            self.eligible[i] = ms;
            total += ms;
        }
        let revenue = std::mem::take(&mut self.revenue_usd);
        let buyback_usd = match self.mode {
            IonetEmissionMode::Schedule => {
                let amount =
                    self.emission_share * emitted(&self.schedule, &self.changes, from, now);
                self.pay_out(l, now, amount, total);
                self.buyback_share * revenue
            }
            IonetEmissionMode::IncentiveDynamic => {
                let payout_usd = self.usd_per_gpu_hour * factor_at(&self.changes, from) * total
                    / MS_PER_HOUR as f64;
                self.pay_out(l, now, payout_usd / l.price(), total);
                self.last_surplus_usd = revenue - payout_usd;
                self.buyback_share * self.last_surplus_usd.max(0.0)
            }
        };
        if buyback_usd > 0.0 {
            l.buy_and_burn(buyback_usd);
        }
    }

    /// At the horizon, after the runs in progress were paid: the fees paid
    /// since the last period end (those settlements, and runs that ended
    /// after it when the period does not divide the horizon) buy back and
    /// burn as if they had come in the last period.
    pub fn settle(&mut self, l: &mut Ledger) {
        let revenue = std::mem::take(&mut self.revenue_usd);
        let buyback_usd = match self.mode {
            IonetEmissionMode::Schedule => self.buyback_share * revenue,
            IonetEmissionMode::IncentiveDynamic => {
                let before = self.last_surplus_usd;
                self.last_surplus_usd += revenue;
                self.buyback_share * (self.last_surplus_usd.max(0.0) - before.max(0.0))
            }
        };
        if buyback_usd > 0.0 {
            l.buy_and_burn(buyback_usd);
        }
    }

    /// Mints `amount` to nodes pro rata to their eligible GPU-ms
    /// (`total` of them); nothing is minted when no node is eligible.
    fn pay_out(&self, l: &mut Ledger, now: SimTime, amount: f64, total: f64) {
        if total <= 0.0 || amount <= 0.0 {
            return;
        }
        for (node, &ms) in self.eligible.iter().enumerate() {
            if ms > 0.0 {
                l.reward_node(now, node, amount * ms / total);
            }
        }
    }
}
