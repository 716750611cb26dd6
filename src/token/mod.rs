//! Token economies: emissions, burns and mints, fees, staking and price
//! formation. One economy per run, for the design simulated; each design's
//! flows live in their own file ([`render`], [`ionet`], [`akash`]) and the
//! shared bookkeeping (supply, price, pool, per-node rewards) in [`Ledger`].
//!
//! Price: `price = market factor × pool price`. The market factor
//! ([`market`]) is exogenous and common to all designs; the pool
//! ([`pool`]) takes the protocol's own net flow of each period (buys for
//! burns, buybacks and stakes; sales of rewards and stakes). Within a period
//! every flow is valued at the period's quoted price; at the period's end the
//! net flow trades in the pool and the price moves.
//!
//! With static supply the economy only observes: no USD or job figure of a
//! run depends on it. The supply model reads [`TokenEconomy::take_node_rewards`]
//! and [`TokenEconomy::price_usd`], and calls [`TokenEconomy::stake`] and
//! [`TokenEconomy::unstake`] when nodes join or leave.

pub mod akash;
pub mod ionet;
pub mod market;
pub mod pool;
pub mod render;
pub mod schedule;

use crate::engine::{SimTime, Streams};
use crate::metrics::{Summary, TokenSample, finite};
use crate::model::{NodeId, World};
use crate::scenario::token::{TokenBaseParams, TokenParams};
use crate::scenario::{DesignKind, Scenario};
use market::MarketFactor;
use pool::Pool;

const DAY_MS: SimTime = 86_400_000;

/// Supply, price and who was paid what: what every economy shares.
#[derive(Debug, Clone)]
pub struct Ledger {
    /// The quoted price, USD per token (set at each period's end).
    price: f64,
    pool: Pool,
    market: MarketFactor,
    supply0: f64,
    minted: f64,
    burned: f64,
    /// This period's flows into the pool: USD buying tokens, tokens sold.
    buy_usd: f64,
    sell_tokens: f64,
    sell_share: f64,
    /// Tokens paid to each node's provider since the last take.
    node_rewards: Vec<f64>,
    /// Rewards paid to nodes after warmup, valued at the price when paid.
    rewards_usd: f64,
    warmup: SimTime,
    period: SimTime,
    /// The quoted price after each period's update (index: period number).
    prices: Vec<f64>,
    /// Prices at day ends after warmup, for the daily-return volatility.
    daily: Vec<f64>,
    peak: f64,
    max_drawdown: f64,
}

impl Ledger {
    fn new(b: &TokenBaseParams, market: MarketFactor, sc: &Scenario, nodes: usize) -> Self {
        let t = sc
            .token
            .as_ref()
            .expect("a ledger only exists with tokens on");
        Self {
            price: b.price_usd,
            pool: Pool::new(b.price_usd, b.pool_depth_usd),
            market,
            supply0: b.supply,
            minted: 0.0,
            burned: 0.0,
            buy_usd: 0.0,
            sell_tokens: 0.0,
            sell_share: b.sell_share,
            node_rewards: vec![0.0; nodes],
            rewards_usd: 0.0,
            warmup: sc.warmup,
            period: t.period,
            prices: Vec::with_capacity((sc.horizon / t.period + 1) as usize),
            daily: Vec::new(),
            peak: 0.0,
            max_drawdown: 0.0,
        }
    }

    /// The quoted price, USD per token.
    #[inline]
    pub fn price(&self) -> f64 {
        self.price
    }

    /// The quoted price at time `t` (of a period already past), USD.
    pub fn price_at(&self, t: SimTime) -> f64 {
        let k = (t / self.period) as usize;
        self.prices.get(k).copied().unwrap_or(self.price)
    }

    /// Tokens minted since t = 0.
    pub fn minted_cum(&self) -> f64 {
        self.minted
    }

    /// Tokens burned since t = 0.
    pub fn burned_cum(&self) -> f64 {
        self.burned
    }

    /// Tokens in circulation.
    #[inline]
    pub fn supply(&self) -> f64 {
        self.supply0 + self.minted - self.burned
    }

    /// Buys `usd` worth of tokens at the quoted price and burns them;
    /// returns the tokens burned.
    pub fn buy_and_burn(&mut self, usd: f64) -> f64 {
        let tokens = usd / self.price;
        self.buy_usd += usd;
        self.burned += tokens;
        tokens
    }

    /// Mints `tokens` to recipients who are not nodes (stakers, a
    /// community pool, an operator); they sell their usual share.
    pub fn mint_to_holders(&mut self, tokens: f64) {
        self.minted += tokens;
        self.sell_tokens += self.sell_share * tokens;
    }

    /// Mints `tokens` to the provider of `node`, at `now`.
    pub fn reward_node(&mut self, now: SimTime, node: usize, tokens: f64) {
        self.minted += tokens;
        self.sell_tokens += self.sell_share * tokens;
        grow(&mut self.node_rewards, node + 1);
        self.node_rewards[node] += tokens;
        if now >= self.warmup {
            self.rewards_usd += tokens * self.price;
        }
    }

    /// Adds a buy of `usd` (tokens that stay in circulation) to the period's flow.
    pub fn buy(&mut self, usd: f64) {
        self.buy_usd += usd;
    }

    /// Adds a sale of `tokens` to the period's flow.
    pub fn sell(&mut self, tokens: f64) {
        self.sell_tokens += tokens;
    }

    /// Period end at `now`: the period's net flow trades in the pool, the
    /// market moves, and the new price is quoted.
    fn update_price(&mut self, now: SimTime) {
        // The period's flow trades at the period's market factor; then the
        // market moves (so a shock scales the price by exactly its factor).
        let m = self.market.value();
        let net_usd = self.buy_usd - self.sell_tokens * self.price;
        if net_usd > 0.0 {
            self.pool.buy(net_usd / m);
        } else if net_usd < 0.0 {
            // Sell the net tokens; the pool quotes in market-1 units.
            self.pool.sell(-net_usd / self.price);
        }
        self.buy_usd = 0.0;
        self.sell_tokens = 0.0;
        self.market.step(now);
        self.price = self.market.value() * self.pool.price();
        self.prices.push(self.price);
        if now >= self.warmup {
            if now.is_multiple_of(DAY_MS) {
                self.daily.push(self.price);
            }
            self.peak = self.peak.max(self.price);
            self.max_drawdown = self.max_drawdown.max(1.0 - self.price / self.peak);
        }
    }
}

/// The flows specific to one design.
#[derive(Debug, Clone)]
enum Flows {
    Render(render::RenderFlows),
    Ionet(ionet::IonetFlows),
    Akash(akash::AkashFlows),
}

/// One design's token economy over one run.
#[derive(Debug, Clone)]
pub struct TokenEconomy {
    ledger: Ledger,
    flows: Flows,
    /// Price updates every `period` ms.
    pub period: SimTime,
    /// Per node: its pending rewards at the last `take_node_income`.
    pending_seen: Vec<f64>,
}

impl TokenEconomy {
    /// The economy of `design` in `sc` (`None` with tokens off), with its
    /// market factor drawn from `streams`; stakes the initial fleet (io.net).
    pub fn new(
        sc: &Scenario,
        design: DesignKind,
        streams: &Streams,
        world: &World,
    ) -> Option<Self> {
        let t: &TokenParams = sc.token.as_ref()?;
        let market = MarketFactor::new(&t.market, design.name(), t.period, streams);
        let nodes = world.nodes.len();
        let (ledger, flows) = match design {
            DesignKind::Render => (
                Ledger::new(&t.render.base, market, sc, nodes),
                Flows::Render(render::RenderFlows::new(t, nodes)),
            ),
            DesignKind::Ionet => (
                Ledger::new(&t.ionet.base, market, sc, nodes),
                Flows::Ionet(ionet::IonetFlows::new(t, sc, world)),
            ),
            DesignKind::Akash => (
                Ledger::new(&t.akash.base, market, sc, nodes),
                Flows::Akash(akash::AkashFlows::new(t)),
            ),
            // The centralized cloud has no token.
            DesignKind::Cloud => return None,
        };
        Some(Self {
            ledger,
            flows,
            period: t.period,
            pending_seen: Vec::new(),
        })
    }

    /// A payment settled now for work that began at `since`: the user
    /// paid `user_usd`, the provider got `provider_usd`; `work` is the node
    /// that did it and its GPU-ms (Render pays emissions pro rata to work).
    pub fn pay(
        &mut self,
        since: SimTime,
        user_usd: f64,
        provider_usd: f64,
        work: Option<(NodeId, f64)>,
    ) {
        let l = &mut self.ledger;
        match &mut self.flows {
            Flows::Render(f) => f.pay(l, user_usd, work),
            Flows::Ionet(f) => f.pay(user_usd, provider_usd),
            Flows::Akash(f) => f.pay(l, since, user_usd, provider_usd),
        }
    }

    /// Period end at `now`: emissions and buybacks due, then the price update.
    pub fn tick(&mut self, now: SimTime, world: &World) {
        let l = &mut self.ledger;
        match &mut self.flows {
            Flows::Render(f) => f.tick(l, now, world),
            Flows::Ionet(f) => f.tick(l, now, world),
            Flows::Akash(f) => f.tick(l, now),
        }
        self.ledger.update_price(now);
    }

    /// At the horizon, after the designs settled the runs in progress:
    /// flows that wait for a period's end are closed (io.net's buyback of
    /// the fees paid since the last one; the others settle as they pay).
    pub fn settle(&mut self) {
        if let Flows::Ionet(f) = &mut self.flows {
            f.settle(&mut self.ledger);
        }
    }

    /// Tokens paid to the provider of `node` since the last call (rewards
    /// only; payments for work are in USD).
    pub fn take_node_rewards(&mut self, node: NodeId) -> f64 {
        self.ledger
            .node_rewards
            .get_mut(node.ix())
            .map_or(0.0, std::mem::take)
    }

    /// Tokens `node`'s provider earned since the last call, on an accrual
    /// basis: rewards paid since then plus the change in its pending
    /// rewards (Render's running epoch, paid at the epoch's end; 0 in the
    /// other designs, which pay as they go). Over a run the calls add up to
    /// what was paid plus what is pending at the last call. The supply
    /// model's margin review reads it, so a provider paid weekly does not
    /// count six days without rewards as losses.
    pub fn take_node_income(&mut self, node: NodeId, now: SimTime) -> f64 {
        let paid = self.take_node_rewards(node);
        let pending = match &mut self.flows {
            Flows::Render(f) => f.pending(node, now),
            _ => return paid,
        };
        grow(&mut self.pending_seen, node.ix() + 1);
        let seen = std::mem::replace(&mut self.pending_seen[node.ix()], pending);
        paid + pending - seen
    }

    /// The current token price, USD.
    pub fn price_usd(&self) -> f64 {
        self.ledger.price
    }

    /// A node of `gpus` GPUs of class `class` joins at `now`: io.net
    /// providers buy their stake through the pool (other designs: no-op).
    pub fn stake(&mut self, now: SimTime, class: u16, gpus: u32) {
        if let Flows::Ionet(f) = &mut self.flows {
            f.stake(&mut self.ledger, now, class, gpus);
        }
    }

    /// A node leaves at `now`: io.net stakes are sold once the unstaking
    /// delay has passed (other designs: no-op).
    pub fn unstake(&mut self, now: SimTime, class: u16, gpus: u32) {
        if let Flows::Ionet(f) = &mut self.flows {
            f.unstake(now, class, gpus);
        }
    }

    /// Tokens staked now (io.net; 0 elsewhere).
    pub fn staked(&self) -> f64 {
        match &self.flows {
            Flows::Ionet(f) => f.staked(),
            _ => 0.0,
        }
    }

    /// The shared bookkeeping (tests and metrics read it).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// What a time-series row shows now.
    pub fn sample(&self) -> TokenSample {
        let l = &self.ledger;
        TokenSample {
            price_usd: l.price,
            supply: l.supply(),
            minted_cum: l.minted,
            burned_cum: l.burned,
        }
    }

    /// Fills the token columns of `s` (measured over the whole run for
    /// minted and burned, after warmup for the price path) and adds the
    /// rewards, valued when paid, to the provider margin.
    pub fn fill(&self, s: &mut Summary, horizon: SimTime) {
        let l = &self.ledger;
        s.token_price_final_usd = Some(l.price);
        s.tokens_minted = Some(l.minted);
        s.tokens_burned = Some(l.burned);
        s.token_supply_final = Some(l.supply());
        s.token_max_drawdown = Some(l.max_drawdown);
        s.token_rewards_usd = Some(l.rewards_usd);
        s.token_volatility = daily_volatility(&l.daily);
        let fleet_h =
            s.fleet_mean * (horizon - l.warmup) as f64 / crate::engine::MS_PER_HOUR as f64;
        if let Some(m) = &mut s.provider_margin {
            *m += l.rewards_usd / fleet_h;
        }
    }
}

/// Extends a per-node tally to `n` nodes (nodes that join mid-run get
/// their entries on first use).
#[inline]
pub(crate) fn grow(v: &mut Vec<f64>, n: usize) {
    if v.len() < n {
        v.resize(n, 0.0);
    }
}

/// Annualised standard deviation of the daily log returns of `prices`
/// (sample sd × √365); `None` with fewer than two returns.
pub fn daily_volatility(prices: &[f64]) -> Option<f64> {
    if prices.len() < 3 {
        return None;
    }
    let r: Vec<f64> = prices.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    finite(var.sqrt() * 365f64.sqrt())
}

/// A small scenario with tokens on and every default (unit tests).
#[cfg(test)]
pub(crate) mod test_scenario {
    pub const TEXT: &str = r#"
        [scenario]
        name = "tokens"
        horizon = "3d"
        designs = ["akash", "ionet", "render"]
        [[gpu_class]]
        name = "X"
        vram_gb = 80
        cost_per_hour = 0.5
        cloud_price_per_hour = 3.0
        [supply]
        initial = { X = 16 }
        gpus_per_node = 4
        [[workload]]
        name = "r"
        kind = "render"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        frames = { dist = "fixed", value = 10 }
        duration = { dist = "fixed", value = "1m" }
        gpus = 1
        gpu_class = ["X"]
        max_price_per_gpu_hour = 10.0
        [design.akash]
        [[design.akash.provider]]
        share = 1.0
        strategy = "cost_plus"
        markup = { dist = "uniform", low = 0.5, high = 1.0 }
        [design.ionet]
        price_per_gpu_hour = { X = 2.0 }
        [design.render]
        price_per_gpu_hour = { X = 2.0 }
        [[design.render.tier]]
        name = "only"
        share = 1.0
        price_factor = 1.0
        priority = 0
        [token]
        enabled = true
    "#;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatility_of_a_steady_daily_doubling_is_zero_and_of_alternation_is_known() {
        assert_eq!(daily_volatility(&[1.0, 2.0, 4.0, 8.0]), Some(0.0));
        // Returns +ln2, −ln2: sample sd = ln2 · √2.
        let v = daily_volatility(&[1.0, 2.0, 1.0]).unwrap();
        assert!((v - std::f64::consts::LN_2 * 2f64.sqrt() * 365f64.sqrt()).abs() < 1e-12);
        assert_eq!(daily_volatility(&[1.0, 2.0]), None);
    }
}
