//! `[token]`: the token economies as written (serde) and resolved (typed,
//! durations in ms, class names as indices). Defaults carry their sources;
//! `docs/model.md` ("Token economies") explains each one.

use super::Checker;
use super::duration::Duration;
use super::spec::ScenarioFile;
use crate::engine::SimTime;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const DAY_MS: SimTime = 86_400_000;

/// `[token]` as written.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSpec {
    /// false: no token economy, USD only (token columns stay empty).
    #[serde(default)]
    pub enabled: bool,
    /// How often prices are updated from the period's aggregated flows.
    #[serde(default = "default_period")]
    pub period: Duration,
    #[serde(default)]
    pub market: MarketSpec,
    /// Emission changes that apply to every design's schedule from `at` on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emission_change: Vec<EmissionChangeSpec>,
    pub render: RenderTokenSpec,
    pub ionet: IonetTokenSpec,
    pub akash: AkashTokenSpec,
}

impl Default for TokenSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            period: default_period(),
            market: MarketSpec::default(),
            emission_change: Vec::new(),
            render: RenderTokenSpec::default(),
            ionet: IonetTokenSpec::default(),
            akash: AkashTokenSpec::default(),
        }
    }
}

fn default_period() -> Duration {
    Duration(3_600_000)
}

/// io.net's per-epoch disinflation rate: 0.0013886952395979300% (io.net
/// token emission schedule docs).
pub const IONET_DISINFLATION: f64 = 1.38869523959793e-5;
/// io.net's hourly epochs over 20 years (io.net token emission schedule docs).
pub const IONET_EPOCHS: u64 = 175_319;

fn default_epochs_per_year() -> f64 {
    8760.0
}

fn default_epoch() -> Duration {
    Duration(3_600_000)
}

/// `[token.market]`: the exogenous market factor shared by all designs.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct MarketSpec {
    /// Annual drift of the log price (0: a martingale in log terms).
    #[serde(default)]
    pub drift: f64,
    /// Annualised volatility of the market factor.
    #[serde(default = "default_volatility")]
    pub volatility: f64,
    /// Correlation of the three tokens' market moves, in [0, 1].
    #[serde(default = "default_correlation")]
    pub correlation: f64,
    /// Scheduled jumps of the market factor (all tokens).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shock: Vec<ShockSpec>,
}

impl Default for MarketSpec {
    fn default() -> Self {
        Self {
            drift: 0.0,
            volatility: default_volatility(),
            correlation: default_correlation(),
            shock: Vec::new(),
        }
    }
}

fn default_volatility() -> f64 {
    0.8
}
fn default_correlation() -> f64 {
    0.7
}

/// A jump of the market factor: at `at`, prices are multiplied by `1 + change`.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ShockSpec {
    pub at: Duration,
    pub change: f64,
}

/// From `at` on, every emission schedule is multiplied by `factor`.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct EmissionChangeSpec {
    pub at: Duration,
    pub factor: f64,
}

/// An emission schedule as written; `schedule` names the kind.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(tag = "schedule", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScheduleSpec {
    /// Fixed amounts per year (year 1, year 2, ...), none after the list.
    Yearly {
        per_year: Vec<f64>,
        /// Optional check: the amounts must add up to this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<f64>,
        /// Schedule time at t = 0 (how far into the schedule the run starts).
        #[serde(default)]
        start: Duration,
    },
    /// Year 1 emits `first_year_inflation × genesis`, spread over months
    /// that decay geometrically by `monthly_decay`; at most `total` in all.
    Decaying {
        genesis: f64,
        first_year_inflation: f64,
        monthly_decay: f64,
        total: f64,
        #[serde(default)]
        start: Duration,
    },
    /// io.net's published per-epoch rule: epoch 1 emits `genesis ×
    /// initial_inflation / epochs_per_year`, each later epoch the previous
    /// one's emission × (1 − `disinflation`), for `epochs` epoch of
    /// `epoch` each (io.net token emission schedule docs).
    Geometric {
        genesis: f64,
        initial_inflation: f64,
        /// Epochs in the year the annual rate is divided by (io.net: 8,760
        /// hours, a 365-day year).
        #[serde(default = "default_epochs_per_year")]
        epochs_per_year: f64,
        #[serde(default = "default_epoch")]
        epoch: Duration,
        disinflation: f64,
        epochs: u64,
        #[serde(default)]
        start: Duration,
    },
    /// Akash's original curve: supply(t) = M0 + M0·T½/ln2·(1 − 2^(−t/T½)).
    Halving {
        genesis: f64,
        half_life: Duration,
        #[serde(default)]
        start: Duration,
    },
    /// Akash's later band: an annual inflation rate within [min, max] that
    /// moves toward the staking goal (Cosmos SDK mint module).
    Band {
        min: f64,
        max: f64,
        /// Rate at t = 0.
        initial: f64,
        /// Staked share of supply (held fixed) and the goal it is steered to.
        staked: f64,
        goal: f64,
        /// Largest change of the rate per year.
        rate_change: f64,
    },
}

/// `[token.render]`.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RenderTokenSpec {
    /// Price at t = 0, USD.
    pub price_usd: f64,
    /// Tokens in circulation at t = 0.
    pub supply: f64,
    /// USD side of the constant-product pool the protocol's flows trade in.
    pub pool_depth_usd: f64,
    /// Share of the tokens paid out (rewards, emissions) that recipients sell.
    pub sell_share: f64,
    /// Share of the network-wide emissions that the simulated network gets.
    pub emission_share: f64,
    /// Share of a job's USD value bought and burned (the rest to the operator).
    pub burn_share: f64,
    /// Emissions are paid at the end of each epoch.
    pub epoch: Duration,
    pub emissions: ScheduleSpec,
    /// Share of an epoch's emissions paid pro rata to work (the rest pro
    /// rata to GPU-hours online).
    pub work_weight: f64,
}

impl Default for RenderTokenSpec {
    fn default() -> Self {
        Self {
            price_usd: 2.0,
            supply: 520e6,
            pool_depth_usd: 20e6,
            sell_share: 0.5,
            emission_share: 1.0,
            burn_share: 0.95,
            epoch: Duration(7 * DAY_MS),
            emissions: ScheduleSpec::Yearly {
                per_year: vec![9_126_804.0, 5_900_000.0, 5_900_000.0],
                total: None,
                start: Duration(0),
            },
            work_weight: 0.5,
        }
    }
}

/// How io.net mints provider rewards.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IonetEmissionMode {
    /// Hourly emissions on the schedule, pro rata to eligible GPU-hours.
    Schedule,
    /// Incentive dynamic emission: a fixed USD payout per eligible GPU-hour,
    /// minted at the live price; surplus revenue buys back and burns.
    IncentiveDynamic,
}

/// `[token.ionet]`.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct IonetTokenSpec {
    /// Price at t = 0, USD.
    pub price_usd: f64,
    /// Tokens in circulation at t = 0.
    pub supply: f64,
    /// USD side of the constant-product pool the protocol's flows trade in.
    pub pool_depth_usd: f64,
    /// Share of the tokens paid out (rewards, emissions) that recipients sell.
    pub sell_share: f64,
    /// Share of the network-wide emissions that the simulated network gets.
    pub emission_share: f64,
    pub emissions: ScheduleSpec,
    pub emission_mode: IonetEmissionMode,
    /// Incentive dynamic emission: USD per eligible GPU-hour.
    pub usd_per_gpu_hour: f64,
    /// Share of fee revenue (or, in incentive dynamic mode, of the surplus)
    /// that buys back and burns IO.
    pub buyback_share: f64,
    /// Tokens staked per GPU before the class multiplier.
    pub stake_per_gpu: f64,
    /// Class multipliers of the stake (`default` for classes not named).
    pub stake_multiplier: BTreeMap<String, f64>,
}

impl Default for IonetTokenSpec {
    fn default() -> Self {
        Self {
            price_usd: 0.5,
            supply: 500e6,
            pool_depth_usd: 10e6,
            sell_share: 0.5,
            emission_share: 1.0,
            emissions: ScheduleSpec::Geometric {
                genesis: 500e6,
                initial_inflation: 0.08,
                epochs_per_year: default_epochs_per_year(),
                epoch: default_epoch(),
                disinflation: IONET_DISINFLATION,
                epochs: IONET_EPOCHS,
                start: Duration(0),
            },
            emission_mode: IonetEmissionMode::Schedule,
            usd_per_gpu_hour: 0.05,
            buyback_share: 0.5,
            stake_per_gpu: 200.0,
            stake_multiplier: BTreeMap::from([("default".to_string(), 1.0)]),
        }
    }
}

/// How Akash pays leases.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AkashTokenMode {
    /// Leases paid in AKT: users buy it, providers sell part of it.
    Inflation,
    /// AEP-76 burn-mint: users burn AKT for USD credits; settlement mints
    /// AKT at the live price, less the mint spread.
    BurnMint,
}

/// `[token.akash]`.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct AkashTokenSpec {
    /// Price at t = 0, USD.
    pub price_usd: f64,
    /// Tokens in circulation at t = 0.
    pub supply: f64,
    /// USD side of the constant-product pool the protocol's flows trade in.
    pub pool_depth_usd: f64,
    /// Share of the tokens paid out (rewards, emissions) that recipients sell.
    pub sell_share: f64,
    /// Share of the network-wide emissions that the simulated network gets.
    pub emission_share: f64,
    pub mode: AkashTokenMode,
    pub inflation: ScheduleSpec,
    /// Burn-mint: share of the settled value not minted (25 bps).
    pub mint_spread: f64,
}

impl Default for AkashTokenSpec {
    fn default() -> Self {
        Self {
            price_usd: 1.14,
            supply: 280e6,
            pool_depth_usd: 20e6,
            sell_share: 0.5,
            emission_share: 1.0,
            mode: AkashTokenMode::Inflation,
            inflation: ScheduleSpec::Band {
                min: 0.07,
                max: 0.25,
                initial: 0.25,
                staked: 0.5,
                goal: 0.67,
                rate_change: 0.13,
            },
            mint_spread: 0.0025,
        }
    }
}

// -- Resolved --------------------------------------------------------------

/// A checked emission schedule; amounts in tokens, times in ms.
#[derive(Debug, Clone)]
pub enum Schedule {
    Yearly {
        per_year: Vec<f64>,
        start: SimTime,
    },
    Decaying {
        /// Emission of month 0, tokens.
        first_month: f64,
        /// Ratio of one month's emission to the previous one's.
        ratio: f64,
        total: f64,
        start: SimTime,
    },
    Geometric {
        /// Emission of epoch 1, tokens.
        first: f64,
        /// Ratio of one epoch's emission to the previous one's.
        ratio: f64,
        epoch: SimTime,
        epochs: u64,
        start: SimTime,
    },
    Halving {
        genesis: f64,
        half_life: SimTime,
        start: SimTime,
    },
    Band {
        min: f64,
        max: f64,
        initial: f64,
        staked: f64,
        goal: f64,
        rate_change: f64,
    },
}

/// Resolved common token parameters.
#[derive(Debug, Clone, Copy)]
pub struct TokenBaseParams {
    pub price_usd: f64,
    pub supply: f64,
    pub pool_depth_usd: f64,
    pub sell_share: f64,
    pub emission_share: f64,
}

/// Resolved `[token.render]`.
#[derive(Debug, Clone)]
pub struct RenderToken {
    pub base: TokenBaseParams,
    pub burn_share: f64,
    pub epoch: SimTime,
    pub emissions: Schedule,
    pub work_weight: f64,
}

/// Resolved `[token.ionet]`.
#[derive(Debug, Clone)]
pub struct IonetToken {
    pub base: TokenBaseParams,
    pub emissions: Schedule,
    pub emission_mode: IonetEmissionMode,
    pub usd_per_gpu_hour: f64,
    pub buyback_share: f64,
    pub stake_per_gpu: f64,
    /// Stake multiplier by class index.
    pub stake_multiplier: Vec<f64>,
}

/// Resolved `[token.akash]`.
#[derive(Debug, Clone)]
pub struct AkashToken {
    pub base: TokenBaseParams,
    pub mode: AkashTokenMode,
    pub inflation: Schedule,
    pub mint_spread: f64,
}

/// Resolved `[token.market]`.
#[derive(Debug, Clone)]
pub struct Market {
    pub drift: f64,
    pub volatility: f64,
    pub correlation: f64,
    /// (time ms, multiplier), in time order.
    pub shocks: Vec<(SimTime, f64)>,
}

/// The resolved `[token]` table (only when `enabled = true`).
#[derive(Debug, Clone)]
pub struct TokenParams {
    pub period: SimTime,
    pub market: Market,
    /// (from ms, factor), in time order.
    pub emission_changes: Vec<(SimTime, f64)>,
    pub render: RenderToken,
    pub ionet: IonetToken,
    pub akash: AkashToken,
}

impl Checker<'_> {
    fn base(&mut self, key: &str, b: [f64; 5]) -> TokenBaseParams {
        let [
            price_usd,
            supply,
            pool_depth_usd,
            sell_share,
            emission_share,
        ] = b;
        self.number(format!("{key}.price_usd"), price_usd, false);
        self.number(format!("{key}.supply"), supply, true);
        self.number(format!("{key}.pool_depth_usd"), pool_depth_usd, false);
        self.unit(format!("{key}.sell_share"), sell_share);
        self.number(format!("{key}.emission_share"), emission_share, true);
        TokenBaseParams {
            price_usd,
            supply,
            pool_depth_usd,
            sell_share,
            emission_share,
        }
    }

    fn schedule(&mut self, key: &str, s: &ScheduleSpec) -> Schedule {
        let k = |f: &str| format!("{key}.{f}");
        match s {
            ScheduleSpec::Yearly {
                per_year,
                total,
                start,
            } => {
                if per_year.is_empty() {
                    self.fail(k("per_year"), "must list at least one year's emission");
                }
                for (i, &a) in per_year.iter().enumerate() {
                    self.number(format!("{key}.per_year[{i}]"), a, true);
                }
                let sum: f64 = per_year.iter().sum();
                if let Some(t) = *total
                    && self.number(k("total"), t, true)
                    && (sum - t).abs() > 1e-9 * t.max(1.0)
                {
                    self.fail(
                        k("total"),
                        format!("per_year adds up to {sum}, not to total = {t}"),
                    );
                }
                Schedule::Yearly {
                    per_year: per_year.clone(),
                    start: start.0,
                }
            }
            ScheduleSpec::Decaying {
                genesis,
                first_year_inflation,
                monthly_decay,
                total,
                start,
            } => {
                self.number(k("genesis"), *genesis, true);
                self.number(k("first_year_inflation"), *first_year_inflation, true);
                self.number(k("total"), *total, true);
                if !(0.0..1.0).contains(monthly_decay) {
                    self.fail(
                        k("monthly_decay"),
                        format!("must be in [0, 1), got {monthly_decay}"),
                    );
                }
                let ratio = 1.0 - monthly_decay;
                let year1 = genesis * first_year_inflation;
                // Twelve months r^0 .. r^11 add up to year 1.
                let months: f64 = (0..12).map(|m| ratio.powi(m)).sum();
                Schedule::Decaying {
                    first_month: year1 / months,
                    ratio,
                    total: *total,
                    start: start.0,
                }
            }
            ScheduleSpec::Geometric {
                genesis,
                initial_inflation,
                epochs_per_year,
                epoch,
                disinflation,
                epochs,
                start,
            } => {
                self.number(k("genesis"), *genesis, true);
                self.number(k("initial_inflation"), *initial_inflation, true);
                if !(epochs_per_year.is_finite() && *epochs_per_year > 0.0) {
                    self.fail(
                        k("epochs_per_year"),
                        format!("must be > 0, got {epochs_per_year}"),
                    );
                }
                if epoch.0 == 0 {
                    self.fail(k("epoch"), "must be > 0");
                }
                if !(0.0..1.0).contains(disinflation) {
                    self.fail(
                        k("disinflation"),
                        format!("must be in [0, 1), got {disinflation}"),
                    );
                }
                Schedule::Geometric {
                    first: genesis * initial_inflation / epochs_per_year,
                    ratio: 1.0 - disinflation,
                    epoch: epoch.0.max(1),
                    epochs: *epochs,
                    start: start.0,
                }
            }
            ScheduleSpec::Halving {
                genesis,
                half_life,
                start,
            } => {
                self.number(k("genesis"), *genesis, true);
                if half_life.0 == 0 {
                    self.fail(k("half_life"), "must be > 0");
                }
                Schedule::Halving {
                    genesis: *genesis,
                    half_life: half_life.0.max(1),
                    start: start.0,
                }
            }
            ScheduleSpec::Band {
                min,
                max,
                initial,
                staked,
                goal,
                rate_change,
            } => {
                self.unit(k("min"), *min);
                self.unit(k("max"), *max);
                self.unit(k("staked"), *staked);
                if self.unit(k("goal"), *goal) && *goal == 0.0 {
                    self.fail(k("goal"), "must be > 0");
                }
                self.number(k("rate_change"), *rate_change, true);
                if min > max {
                    self.fail(k("min"), format!("must be <= max ({min} > {max})"));
                } else if !(*min..=*max).contains(initial) {
                    self.fail(
                        k("initial"),
                        format!("must be within [min, max] = [{min}, {max}], got {initial}"),
                    );
                }
                Schedule::Band {
                    min: *min,
                    max: *max,
                    initial: *initial,
                    staked: *staked,
                    goal: goal.max(f64::MIN_POSITIVE),
                    rate_change: *rate_change,
                }
            }
        }
    }
}

/// Checks and resolves `[token]`; `None` when tokens are off.
pub(super) fn resolve(ck: &mut Checker, spec: &ScenarioFile) -> Option<TokenParams> {
    let t = &spec.token;
    if !t.enabled {
        return None;
    }
    let horizon = spec.scenario.horizon.0;
    if t.period.0 == 0 {
        ck.fail("token.period", "must be > 0");
    } else if !DAY_MS.is_multiple_of(t.period.0) {
        ck.fail(
            "token.period",
            "must divide one day (e.g. \"15m\", \"1h\", \"6h\", \"1d\"): daily returns are read at period ends",
        );
    } else if horizon / t.period.0 > 10_000_000 {
        ck.fail(
            "token.period",
            "gives more than 10,000,000 price updates; use a longer period",
        );
    }
    let m = &t.market;
    ck.number("token.market.volatility", m.volatility, true);
    ck.unit("token.market.correlation", m.correlation);
    if !m.drift.is_finite() {
        ck.fail(
            "token.market.drift",
            format!("must be finite, got {}", m.drift),
        );
    }
    let mut shocks = Vec::new();
    for (i, s) in m.shock.iter().enumerate() {
        if !(s.change.is_finite() && s.change > -1.0) {
            ck.fail(
                format!("token.market.shock[{i}].change"),
                format!(
                    "must be a finite number > -1 (a fraction: -0.8 is a fall of 80%), got {}",
                    s.change
                ),
            );
        }
        shocks.push((s.at.0, 1.0 + s.change));
    }
    shocks.sort_by_key(|s| s.0);
    let mut emission_changes = Vec::new();
    for (i, c) in t.emission_change.iter().enumerate() {
        ck.number(format!("token.emission_change[{i}].factor"), c.factor, true);
        emission_changes.push((c.at.0, c.factor));
    }
    emission_changes.sort_by_key(|c| c.0);

    let r = &t.render;
    let render = RenderToken {
        base: ck.base(
            "token.render",
            [
                r.price_usd,
                r.supply,
                r.pool_depth_usd,
                r.sell_share,
                r.emission_share,
            ],
        ),
        burn_share: r.burn_share,
        epoch: r.epoch.0,
        emissions: ck.schedule("token.render.emissions", &r.emissions),
        work_weight: r.work_weight,
    };
    ck.unit("token.render.burn_share", r.burn_share);
    ck.unit("token.render.work_weight", r.work_weight);
    if r.epoch.0 == 0 {
        ck.fail("token.render.epoch", "must be > 0");
    }
    if matches!(r.emissions, ScheduleSpec::Band { .. }) {
        ck.fail(
            "token.render.emissions.schedule",
            "\"band\" is an inflation rate for Akash; Render needs \"yearly\", \"geometric\", \"decaying\" or \"halving\"",
        );
    }

    let io = &t.ionet;
    let mut mult = vec![f64::NAN; spec.gpu_class.len()];
    let default = io.stake_multiplier.get("default").copied();
    for (name, &v) in &io.stake_multiplier {
        let key = format!("token.ionet.stake_multiplier.{name}");
        if !ck.number(key.clone(), v, true) || name == "default" {
            continue;
        }
        if let Some(c) = ck.class_index(key, name, &spec.gpu_class) {
            mult[c] = v;
        }
    }
    for (c, m) in mult.iter_mut().enumerate() {
        if m.is_nan() {
            match default {
                Some(d) => *m = d,
                None => ck.fail(
                    "token.ionet.stake_multiplier",
                    format!(
                        "gives no multiplier for class {:?} and no `default`",
                        spec.gpu_class[c].name
                    ),
                ),
            }
        }
    }
    let ionet = IonetToken {
        base: ck.base(
            "token.ionet",
            [
                io.price_usd,
                io.supply,
                io.pool_depth_usd,
                io.sell_share,
                io.emission_share,
            ],
        ),
        emissions: ck.schedule("token.ionet.emissions", &io.emissions),
        emission_mode: io.emission_mode,
        usd_per_gpu_hour: io.usd_per_gpu_hour,
        buyback_share: io.buyback_share,
        stake_per_gpu: io.stake_per_gpu,
        stake_multiplier: mult,
    };
    ck.number("token.ionet.usd_per_gpu_hour", io.usd_per_gpu_hour, true);
    ck.unit("token.ionet.buyback_share", io.buyback_share);
    ck.number("token.ionet.stake_per_gpu", io.stake_per_gpu, true);
    if matches!(io.emissions, ScheduleSpec::Band { .. }) {
        ck.fail(
            "token.ionet.emissions.schedule",
            "\"band\" is an inflation rate for Akash; io.net needs \"geometric\", \"decaying\", \"yearly\" or \"halving\"",
        );
    }

    let ak = &t.akash;
    let akash = AkashToken {
        base: ck.base(
            "token.akash",
            [
                ak.price_usd,
                ak.supply,
                ak.pool_depth_usd,
                ak.sell_share,
                ak.emission_share,
            ],
        ),
        mode: ak.mode,
        inflation: ck.schedule("token.akash.inflation", &ak.inflation),
        mint_spread: ak.mint_spread,
    };
    ck.unit("token.akash.mint_spread", ak.mint_spread);

    Some(TokenParams {
        period: t.period.0.max(1),
        market: Market {
            drift: m.drift,
            volatility: m.volatility,
            correlation: m.correlation,
            shocks,
        },
        emission_changes,
        render,
        ionet,
        akash,
    })
}
