//! The `[design.*]` tables, checked and resolved: class names become
//! indices, durations milliseconds, distributions samplers.

use super::spec::WorkloadKind;
use super::spec::{AkashSpec, AkashStrategy, CloudSpec, IonetSpec, RenderSpec, ScenarioFile};
use super::{Checker, IonetPolicy, Sampler};
use crate::engine::SimTime;

/// Hours in an average month (365.25 / 12 days), for per-month bid-script rates.
pub const HOURS_PER_MONTH: f64 = 730.5;

/// A set of workload kinds as a bitmask (bit = [`WorkloadKind::bit`]).
pub type KindMask = u8;

fn kind_mask(kinds: &[WorkloadKind]) -> KindMask {
    kinds.iter().fold(0, |m, k| m | k.bit())
}

/// io.net design parameters.
#[derive(Debug, Clone)]
pub struct IonetParams {
    pub policy: IonetPolicy,
    /// USD per GPU-hour by class index.
    pub price_per_gpu_hour: Vec<f64>,
    pub colocate: bool,
    /// Shortest billed run, ms.
    pub min_billed: SimTime,
    pub reservation_fee: f64,
    pub payment_fee: f64,
    /// Continuous uptime before a node's hours earn rewards, ms.
    pub uptime_for_rewards: SimTime,
    pub serves: KindMask,
    /// Unstaking period, ms: a provider that decides to leave unstakes, and
    /// sells its stake and leaves this long after (io.net staking docs: 14
    /// days).
    pub unstaking_delay: SimTime,
    /// Users pay for interrupted runs (billed as runs of the length they
    /// ran); the workers on the node that dropped are not paid (io.net docs),
    /// those on the gang's other nodes are.
    pub pay_interrupted: bool,
    /// Admission by uptime (`None`: io.net keeps every node).
    pub uptime_check: Option<UptimeCheck>,
}

/// io.net's uptime check: every `window` ms, a node up less than
/// `min_uptime` of the window just ended is removed from io.net.
#[derive(Debug, Clone, Copy)]
pub struct UptimeCheck {
    pub window: SimTime,
    pub min_uptime: f64,
}

/// Centralized-cloud design parameters.
#[derive(Debug, Clone)]
pub struct CloudParams {
    /// On-demand USD per GPU-hour by class index.
    pub price_per_gpu_hour: Vec<f64>,
    /// GPUs per class the users may hold at once (`u32::MAX`: no quota).
    pub quota: Vec<u32>,
    pub spot: Option<Spot>,
    /// The instances' availability (SLA), in (0, 1].
    pub sla: f64,
    /// Mean time between failures of an instance, ms (`None`: an SLA of 1,
    /// no failures); from the SLA `a` and the mean outage `d` as
    /// `d · a / (1 − a)`.
    pub mtbf: Option<f64>,
    /// Delay before an interrupted run restarts, ms.
    pub restart_delay: SimTime,
    /// Billing granularity and shortest billed run, ms.
    pub billing_increment: SimTime,
    pub min_billed: SimTime,
    pub serves: KindMask,
}

/// Spot capacity of the cloud.
#[derive(Debug, Clone)]
pub struct Spot {
    /// Share of jobs that run on spot.
    pub share: f64,
    /// Discount on the on-demand price.
    pub discount: f64,
    /// Time from a spot run's start to its preemption, ms.
    pub preemption: Sampler,
}

/// How one Akash provider population prices its bids.
#[derive(Debug, Clone)]
pub enum AkashPricing {
    /// Price = cost · (1 + markup), a fresh markup per bid.
    CostPlus { markup: Sampler },
    /// Each provider keeps a markup: up by `step_up` after a win, down by
    /// `step_down` after a loss, within [min, max]; starts from `start`.
    Adaptive {
        start: Sampler,
        min: f64,
        max: f64,
        step_up: f64,
        step_down: f64,
    },
    /// The provider bid script: fixed USD per unit-hour by class index.
    Script { usd_per_hour: Vec<f64> },
}

/// A provider population.
#[derive(Debug, Clone)]
pub struct AkashPopulation {
    pub share: f64,
    pub pricing: AkashPricing,
}

/// Akash design parameters.
#[derive(Debug, Clone)]
pub struct AkashParams {
    pub bid_window: SimTime,
    pub max_bids: u32,
    pub take_rate: f64,
    pub health_window: SimTime,
    pub redeploy_delay: SimTime,
    pub block_time: SimTime,
    pub escrow_cover: f64,
    pub serves: KindMask,
    pub populations: Vec<AkashPopulation>,
}

/// A Render priority tier.
#[derive(Debug, Clone)]
pub struct RenderTier {
    pub name: String,
    pub share: f64,
    pub price_factor: f64,
    pub priority: u32,
    pub min_reputation: f64,
    /// Provider tiers whose nodes may render its frames.
    pub node_tiers: super::TierMask,
}

/// Render reputation rules.
#[derive(Debug, Clone, Copy)]
pub struct Reputation {
    pub initial: f64,
    pub reject_penalty: f64,
    pub accept_gain: f64,
    pub ban_below: f64,
    /// Ban length, ms; `None`: permanent.
    pub ban_for: Option<SimTime>,
}

/// Render design parameters.
#[derive(Debug, Clone)]
pub struct RenderParams {
    /// USD per GPU-hour at price factor 1, by class index (NaN: not offered).
    pub price_per_gpu_hour: Vec<f64>,
    pub tiers: Vec<RenderTier>,
    pub detect: f64,
    /// `None`: reputation off.
    pub reputation: Option<Reputation>,
}

impl Checker<'_> {
    /// Every workload a design serves needs a priced class among its own.
    pub(super) fn priced_for_served(
        &mut self,
        design: &str,
        prices: &[f64],
        serves: KindMask,
        workloads: &[super::Workload],
    ) {
        for (i, w) in workloads.iter().enumerate() {
            let priced =
                (0..prices.len()).any(|c| w.class_mask & (1 << c) != 0 && prices[c].is_finite());
            if w.kind.bit() & serves != 0 && !priced {
                self.fail(
                    format!("design.{design}.price_per_gpu_hour"),
                    format!(
                        "gives no price for any class of workload {:?} (workload[{i}].gpu_class), \
                         a {} workload this design serves; add one (left out, the key holds the \
                         published prices of the classes depinsim knows: {})",
                        w.name,
                        w.kind.name(),
                        super::defaults::known_names()
                    ),
                );
            }
        }
    }

    /// Checks that `v` is in [0, 1].
    pub(super) fn unit(&mut self, key: impl Into<String>, v: f64) -> bool {
        let ok = (0.0..=1.0).contains(&v);
        if !ok {
            self.fail(key, format!("must be in [0, 1], got {v}"));
        }
        ok
    }

    /// Per-class prices from a `{ CLASS = price }` table (NaN: the class is
    /// not offered).
    fn class_prices(
        &mut self,
        key: &str,
        table: &std::collections::BTreeMap<String, f64>,
        spec: &ScenarioFile,
    ) -> Vec<f64> {
        let mut prices = vec![f64::NAN; spec.gpu_class.len()];
        for (name, &p) in table {
            let k = format!("{key}.{name}");
            if let Some(c) = self.class_index(k.clone(), name, &spec.gpu_class)
                && self.number(k, p, true)
            {
                prices[c] = p;
            }
        }
        prices
    }

    fn shares_sum_to_one(&mut self, key: &str, shares: impl Iterator<Item = f64>) {
        let sum: f64 = shares.sum();
        if (sum - 1.0).abs() > 1e-9 {
            self.fail(key, format!("shares must sum to 1, got {sum}"));
        }
    }
}

/// Resolves `[design.ionet]`.
pub(super) fn ionet(ck: &mut Checker, io: &IonetSpec, spec: &ScenarioFile) -> IonetParams {
    let price_per_gpu_hour = ck.class_prices(
        "design.ionet.price_per_gpu_hour",
        &io.price_per_gpu_hour,
        spec,
    );
    ck.unit("design.ionet.reservation_fee", io.reservation_fee);
    ck.unit("design.ionet.payment_fee", io.payment_fee);
    if io.reservation_fee + io.payment_fee >= 1.0 {
        ck.fail(
            "design.ionet.payment_fee",
            "reservation_fee + payment_fee must be < 1 (providers would be paid nothing)",
        );
    }
    IonetParams {
        policy: io.policy,
        price_per_gpu_hour,
        colocate: io.colocate,
        min_billed: io.min_billed.0,
        reservation_fee: io.reservation_fee,
        payment_fee: io.payment_fee,
        uptime_for_rewards: io.uptime_for_rewards.0,
        serves: kind_mask(&io.serves),
        unstaking_delay: io.unstaking_delay.0,
        pay_interrupted: io.pay_interrupted,
        uptime_check: io.uptime_check.as_ref().map(|u| {
            let k = |f: &str| format!("design.ionet.uptime_check.{f}");
            if u.window.0 == 0 {
                ck.fail(k("window"), "must be > 0");
            } else if u.window.0 >= spec.scenario.horizon.0 {
                ck.fail(
                    k("window"),
                    format!(
                        "must be shorter than scenario.horizon ({} >= {}): no check would happen",
                        super::format_duration(u.window.0),
                        super::format_duration(spec.scenario.horizon.0)
                    ),
                );
            }
            ck.unit(k("min_uptime"), u.min_uptime);
            UptimeCheck {
                window: u.window.0,
                min_uptime: u.min_uptime,
            }
        }),
    }
}

/// The most bids an Akash order may count (`design.akash.max_bids`).
pub const MAX_BIDS: u32 = 10_000;

/// Resolves `[design.akash]`.
pub(super) fn akash(ck: &mut Checker, ak: &AkashSpec, spec: &ScenarioFile) -> AkashParams {
    let k = |f: &str| format!("design.akash.{f}");
    if ak.bid_window.0 == 0 {
        ck.fail(k("bid_window"), "must be > 0");
    }
    if ak.max_bids == 0 {
        ck.fail(k("max_bids"), "must be >= 1, got 0");
    } else if ak.max_bids > MAX_BIDS {
        // Bids are drawn one by one per order: a cap in the millions turns
        // every order into millions of draws.
        ck.fail(
            k("max_bids"),
            format!(
                "must be at most {MAX_BIDS} (bids an order may count), got {}",
                ak.max_bids
            ),
        );
    }
    if ak.block_time.0 == 0 {
        ck.fail(k("block_time"), "must be > 0");
    }
    if ck.unit(k("take_rate"), ak.take_rate) && ak.take_rate == 1.0 {
        ck.fail(
            k("take_rate"),
            "must be < 1 (providers would be paid nothing)",
        );
    }
    if ck.number(k("escrow_cover"), ak.escrow_cover, false) && ak.escrow_cover < 1.0 {
        ck.fail(
            k("escrow_cover"),
            format!(
                "must be >= 1 (escrow must cover at least the expected cost), got {}",
                ak.escrow_cover
            ),
        );
    }
    if ak.serves.is_empty() {
        ck.fail(k("serves"), "must list at least one workload kind");
    }
    // A lease is on one provider: a gang must fit on one node.
    let serves = kind_mask(&ak.serves);
    for (i, w) in spec.workload.iter().enumerate() {
        let gpus = w.gpus.unwrap_or(1);
        if serves & w.kind.bit() != 0 && gpus > spec.supply.gpus_per_node {
            ck.fail(
                format!("workload[{i}].gpus"),
                format!(
                    "a gang of {} GPUs cannot run on Akash, where a lease is on one provider's node of at most supply.gpus_per_node = {} GPUs (drop {:?} from design.akash.serves or use smaller gangs)",
                    gpus,
                    spec.supply.gpus_per_node,
                    w.kind.name()
                ),
            );
        }
    }
    if ak.provider.is_empty() {
        ck.fail(
            k("provider"),
            "at least one [[design.akash.provider]] population is needed",
        );
    } else {
        ck.shares_sum_to_one(&k("provider"), ak.provider.iter().map(|p| p.share));
    }
    let mut populations = Vec::new();
    for (i, p) in ak.provider.iter().enumerate() {
        let pk = |f: &str| format!("design.akash.provider[{i}].{f}");
        ck.unit(pk("share"), p.share);
        let markup = |ck: &mut Checker| match &p.markup {
            Some(d) => ck.sampler(pk("markup"), d),
            None => {
                ck.fail(
                    pk("markup"),
                    format!("is required for strategy {:?}", strategy_name(p.strategy)),
                );
                None
            }
        };
        // Keys that belong to other strategies are a mistake worth naming.
        let stray = |ck: &mut Checker, keys: &[(&str, bool)]| {
            for (name, present) in keys {
                if *present {
                    ck.fail(
                        pk(name),
                        format!("is not used by strategy {:?}", strategy_name(p.strategy)),
                    );
                }
            }
        };
        let adaptive_keys = [
            ("markup_min", p.markup_min.is_some()),
            ("markup_max", p.markup_max.is_some()),
            ("step_up", p.step_up.is_some()),
            ("step_down", p.step_down.is_some()),
        ];
        let script_keys = [
            ("gpu_usd_per_month", p.gpu_usd_per_month.is_some()),
            (
                "cpu_usd_per_thread_month",
                p.cpu_usd_per_thread_month.is_some(),
            ),
            (
                "memory_usd_per_gb_month",
                p.memory_usd_per_gb_month.is_some(),
            ),
        ];
        let pricing = match p.strategy {
            AkashStrategy::CostPlus => {
                stray(ck, &adaptive_keys);
                stray(ck, &script_keys);
                markup(ck).map(|markup| AkashPricing::CostPlus { markup })
            }
            AkashStrategy::Adaptive => {
                stray(ck, &script_keys);
                let start = markup(ck);
                let mut need = |name: &str, v: Option<f64>| match v {
                    Some(x) if x.is_finite() && x >= 0.0 => x,
                    Some(x) => {
                        ck.fail(pk(name), format!("must be a finite number >= 0, got {x}"));
                        0.0
                    }
                    None => {
                        ck.fail(pk(name), "is required for strategy \"adaptive\"");
                        0.0
                    }
                };
                let min = need("markup_min", p.markup_min);
                let max = need("markup_max", p.markup_max);
                let step_up = need("step_up", p.step_up);
                let step_down = need("step_down", p.step_down);
                if min > max {
                    ck.fail(
                        pk("markup_min"),
                        format!("must be <= markup_max ({min} > {max})"),
                    );
                }
                start.map(|start| AkashPricing::Adaptive {
                    start,
                    min,
                    max,
                    step_up,
                    step_down,
                })
            }
            AkashStrategy::Script => {
                stray(ck, &adaptive_keys);
                if p.markup.is_some() {
                    ck.fail(pk("markup"), "is not used by strategy \"script\"");
                }
                Some(script_rates(ck, p, spec, &pk))
            }
        };
        if let Some(pricing) = pricing {
            populations.push(AkashPopulation {
                share: p.share,
                pricing,
            });
        }
    }
    AkashParams {
        bid_window: ak.bid_window.0,
        max_bids: ak.max_bids,
        take_rate: ak.take_rate,
        health_window: ak.health_window.0,
        redeploy_delay: ak.redeploy_delay.0,
        block_time: ak.block_time.0,
        escrow_cover: ak.escrow_cover,
        serves,
        populations,
    }
}

fn strategy_name(s: AkashStrategy) -> &'static str {
    match s {
        AkashStrategy::CostPlus => "cost_plus",
        AkashStrategy::Adaptive => "adaptive",
        AkashStrategy::Script => "script",
    }
}

/// The bid script's USD per unit-hour for each class: the GPU rate (classes
/// with VRAM) plus threads and memory, per month, over [`HOURS_PER_MONTH`].
/// Defaults from Akash's provider pricing script: GPU 100 (A100 120, T4 80),
/// CPU 1.60 per thread, memory 0.80 per GB.
fn script_rates(
    ck: &mut Checker,
    p: &super::spec::AkashProviderSpec,
    spec: &ScenarioFile,
    pk: &dyn Fn(&str) -> String,
) -> AkashPricing {
    let defaults: std::collections::BTreeMap<String, f64> =
        [("default", 100.0), ("A100", 120.0), ("T4", 80.0)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
    let gpu = p.gpu_usd_per_month.as_ref().unwrap_or(&defaults);
    for (name, &v) in gpu {
        let key = pk(&format!("gpu_usd_per_month.{name}"));
        if name != "default" && !spec.gpu_class.iter().any(|c| &c.name == name) {
            // The built-in defaults name classes a scenario may not have.
            if p.gpu_usd_per_month.is_some() {
                ck.class_index(key.clone(), name, &spec.gpu_class);
            }
        }
        ck.number(key, v, true);
    }
    let cpu = p.cpu_usd_per_thread_month.unwrap_or(1.60);
    let mem = p.memory_usd_per_gb_month.unwrap_or(0.80);
    ck.number(pk("cpu_usd_per_thread_month"), cpu, true);
    ck.number(pk("memory_usd_per_gb_month"), mem, true);
    let base = gpu.get("default").copied().unwrap_or(100.0);
    let usd_per_hour = spec
        .gpu_class
        .iter()
        .map(|c| {
            let g = if c.vram_gb > 0.0 {
                gpu.get(&c.name).copied().unwrap_or(base)
            } else {
                0.0
            };
            (g + c.cpu_threads * cpu + c.memory_gb * mem) / HOURS_PER_MONTH
        })
        .collect();
    AkashPricing::Script { usd_per_hour }
}

/// Resolves `[design.render]`.
pub(super) fn render(ck: &mut Checker, r: &RenderSpec, spec: &ScenarioFile) -> RenderParams {
    let price_per_gpu_hour = ck.class_prices(
        "design.render.price_per_gpu_hour",
        &r.price_per_gpu_hour,
        spec,
    );
    ck.unit("design.render.detect", r.detect);
    if r.tier.is_empty() {
        ck.fail(
            "design.render.tier",
            "at least one [[design.render.tier]] is needed",
        );
    } else {
        ck.shares_sum_to_one("design.render.tier", r.tier.iter().map(|t| t.share));
    }
    let mut tiers = Vec::new();
    for (i, t) in r.tier.iter().enumerate() {
        let tk = |f: &str| format!("design.render.tier[{i}].{f}");
        if t.name.trim().is_empty() {
            ck.fail(tk("name"), "must not be empty");
        } else if r.tier[..i].iter().any(|u| u.name == t.name) {
            ck.fail(tk("name"), format!("tier {:?} is defined twice", t.name));
        }
        ck.unit(tk("share"), t.share);
        ck.number(tk("price_factor"), t.price_factor, false);
        ck.unit(tk("min_reputation"), t.min_reputation);
        let mut node_tiers = if t.node_tiers.is_empty() {
            super::ALL_TIERS
        } else {
            0
        };
        for (j, name) in t.node_tiers.iter().enumerate() {
            let key = format!("design.render.tier[{i}].node_tiers[{j}]");
            if let Some(x) = super::tier_index(ck, key.clone(), name, &spec.supply.tier)
                && x < super::MAX_TIERS
            {
                if node_tiers & (1 << x) != 0 {
                    ck.fail(key, format!("provider tier {name:?} is listed twice"));
                }
                node_tiers |= 1 << x;
            }
        }
        let listed_share: f64 = (spec.supply.tier.iter().enumerate())
            .filter(|(x, _)| *x < super::MAX_TIERS && node_tiers & (1 << x) != 0)
            .map(|(_, p)| p.share)
            .sum();
        if !t.node_tiers.is_empty() && node_tiers != 0 && listed_share <= 0.0 {
            ck.fail(
                tk("node_tiers"),
                format!(
                    "every provider tier listed has share 0: no node could render tier {:?}'s frames",
                    t.name
                ),
            );
        }
        tiers.push(RenderTier {
            name: t.name.clone(),
            share: t.share,
            price_factor: t.price_factor,
            priority: t.priority,
            min_reputation: t.min_reputation,
            node_tiers,
        });
    }
    let rep = &r.reputation;
    let rk = |f: &str| format!("design.render.reputation.{f}");
    ck.unit(rk("initial"), rep.initial);
    ck.unit(rk("reject_penalty"), rep.reject_penalty);
    ck.unit(rk("accept_gain"), rep.accept_gain);
    ck.unit(rk("ban_below"), rep.ban_below);
    if rep.ban_for.is_some_and(|d| d.0 == 0) {
        ck.fail(
            rk("ban_for"),
            "must be positive (leave it out for permanent bans)",
        );
    }
    if rep.enabled && rep.initial < rep.ban_below {
        ck.fail(
            rk("initial"),
            format!(
                "must be >= ban_below ({} < {}): every node would start banned",
                rep.initial, rep.ban_below
            ),
        );
    }
    // Reputation only grows with accepted frames: if no tier takes nodes at
    // their initial score, no frame could ever be dispatched.
    if rep.enabled && !r.tier.is_empty() && r.tier.iter().all(|t| t.min_reputation > rep.initial) {
        ck.fail(
            "design.render.tier",
            format!(
                "every tier's min_reputation is above reputation.initial ({}): no node could ever render a frame",
                rep.initial
            ),
        );
    }
    RenderParams {
        price_per_gpu_hour,
        tiers,
        detect: r.detect,
        reputation: rep.enabled.then_some(Reputation {
            initial: rep.initial,
            reject_penalty: rep.reject_penalty,
            accept_gain: rep.accept_gain,
            ban_below: rep.ban_below,
            ban_for: rep.ban_for.map(|d| d.0),
        }),
    }
}

/// Resolves `[design.cloud]` (every key has a default, so a missing table
/// is the default cloud).
pub(super) fn cloud(ck: &mut Checker, cl: &CloudSpec, spec: &ScenarioFile) -> CloudParams {
    let k = |f: &str| format!("design.cloud.{f}");
    let mut price: Vec<f64> = spec
        .gpu_class
        .iter()
        .map(|c| c.cloud_price_per_hour)
        .collect();
    let named = ck.class_prices(&k("price_per_gpu_hour"), &cl.price_per_gpu_hour, spec);
    for (p, n) in price.iter_mut().zip(named) {
        if !n.is_nan() {
            *p = n;
        }
    }
    let mut quota = vec![u32::MAX; spec.gpu_class.len()];
    for (name, &q) in &cl.quota {
        let key = format!("{}.{name}", k("quota"));
        if let Some(c) = ck.class_index(key.clone(), name, &spec.gpu_class) {
            if q == 0 {
                ck.fail(key, "must be >= 1 (leave the class out for no quota)");
            }
            quota[c] = q;
        }
    }
    for w in &spec.workload {
        let gpus = w.gpus.unwrap_or(1);
        for name in &w.gpu_class {
            if let Some(c) = spec.gpu_class.iter().position(|c| &c.name == name)
                && quota[c] != u32::MAX
                && gpus > quota[c]
                && w.gpu_class.len() == 1
            {
                ck.fail(
                    format!("{}.{name}", k("quota")),
                    format!(
                        "workload {:?} asks for {gpus} GPUs of {name} per job, more than the quota of {}: its jobs could never start",
                        w.name, quota[c]
                    ),
                );
            }
        }
    }
    let spot = cl.spot.as_ref().and_then(|s| {
        let ok_share = ck.unit(k("spot.share"), s.share);
        let ok_discount = ck.unit(k("spot.discount"), s.discount);
        if ok_discount && s.discount >= 1.0 {
            ck.fail(k("spot.discount"), "must be < 1 (spot would be free)");
        }
        let preemption = ck.sampler(k("spot.preemption"), &s.preemption)?;
        if preemption.mean() <= 0.0 {
            ck.fail(k("spot.preemption"), "must have a mean > 0");
        }
        (ok_share && ok_discount).then_some(Spot {
            share: s.share,
            discount: s.discount,
            preemption,
        })
    });
    let mut mtbf = None;
    if ck.unit(k("sla"), cl.sla) {
        if cl.sla == 0.0 {
            ck.fail(k("sla"), "must be > 0 (instances would never be up)");
        } else if cl.sla < 1.0 {
            if cl.outage.0 == 0 {
                ck.fail(k("outage"), "must be > 0 when sla < 1");
            }
            mtbf = Some(cl.outage.0 as f64 * cl.sla / (1.0 - cl.sla));
        }
    }
    if cl.billing_increment.0 == 0 {
        ck.fail(k("billing_increment"), "must be > 0");
    }
    if cl.serves.is_empty() {
        ck.fail(k("serves"), "must list at least one workload kind");
    }
    CloudParams {
        price_per_gpu_hour: price,
        quota,
        spot,
        sla: cl.sla,
        mtbf,
        restart_delay: cl.restart_delay.0,
        billing_increment: cl.billing_increment.0.max(1),
        min_billed: cl.min_billed.0,
        serves: kind_mask(&cl.serves),
    }
}
