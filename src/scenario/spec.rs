//! The scenario file as written: serde structs that mirror the TOML. Unknown
//! keys are rejected everywhere. [`super::resolve`] turns these into the typed
//! [`super::Scenario`] the model runs.

use super::dist::DistSpec;
use super::duration::Duration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole file.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub scenario: ScenarioSection,
    #[serde(default)]
    pub output: OutputSection,
    pub gpu_class: Vec<GpuClassSpec>,
    pub supply: SupplySpec,
    #[serde(default)]
    pub churn: ChurnSpec,
    #[serde(default)]
    pub faults: FaultSpec,
    pub workload: Vec<WorkloadSpec>,
    #[serde(default)]
    pub design: DesignSection,
    #[serde(default)]
    pub token: TokenSpec,
    /// `[world]`: the networks side by side on one fleet, with a broker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub world: Option<WorldSpec>,
    /// `[sweep]`: the parameters `depinsim sweep` varies (ignored by `run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<crate::sweep::SweepSpec>,
}

/// `[scenario]`: what is simulated, for how long, how often.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSection {
    pub name: String,
    pub horizon: Duration,
    #[serde(default)]
    pub warmup: Duration,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_replications")]
    pub replications: u32,
    pub designs: Vec<DesignKind>,
}

fn default_seed() -> u64 {
    1
}
fn default_replications() -> u32 {
    1
}

/// The market designs depinsim knows.
#[derive(
    Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum DesignKind {
    Akash,
    Ionet,
    Render,
    Cloud,
}

impl DesignKind {
    /// All designs, in the order they appear in outputs.
    pub const ALL: [DesignKind; 4] = [
        DesignKind::Akash,
        DesignKind::Ionet,
        DesignKind::Render,
        DesignKind::Cloud,
    ];

    /// The name used in scenario files, CSVs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DesignKind::Akash => "akash",
            DesignKind::Ionet => "ionet",
            DesignKind::Render => "render",
            DesignKind::Cloud => "cloud",
        }
    }
}

/// `[output]`: what the run records.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Interval between rows of `timeseries.csv`. Absent: hourly up to
    /// 1,500 samples over the horizon, else the first of 6 h, 1 d and 7 d
    /// that keeps to 1,500 (`super::default_sample_every`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_every: Option<Duration>,
}

/// `[[gpu_class]]`: one kind of GPU.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct GpuClassSpec {
    pub name: String,
    pub vram_gb: f64,
    /// Provider's cost per GPU-hour (power + amortisation), USD.
    pub cost_per_hour: f64,
    /// What a centralized cloud charges per GPU-hour, USD (the outside option).
    pub cloud_price_per_hour: f64,
    /// CPU threads that come with one unit of this class (for web workloads
    /// and Akash's per-resource bid script). A class with `vram_gb = 0` is
    /// CPU-only capacity whose "GPUs" are units of threads and memory.
    #[serde(default)]
    pub cpu_threads: f64,
    /// Memory per unit, GB.
    #[serde(default)]
    pub memory_gb: f64,
    /// When the class appears (a GPU generation): its `supply.initial`
    /// GPUs join the fleet then, and with dynamic supply its pool opens
    /// from then on. Default 0: from the start.
    #[serde(default, skip_serializing_if = "is_zero_duration")]
    pub available_from: Duration,
    /// Yearly decline of `cost_per_hour`: cost(t) = cost · (1 − d)^(t/year).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cost_decline_per_year: f64,
    /// Yearly decline of `cloud_price_per_hour`, the same way.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cloud_price_decline_per_year: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}
fn is_zero_duration(d: &Duration) -> bool {
    d.0 == 0
}

/// `[supply]`: the GPU fleet.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct SupplySpec {
    /// GPUs per class at t = 0.
    pub initial: BTreeMap<String, u32>,
    /// GPUs per node (a provider's machine); the last node of a class may be smaller.
    #[serde(default = "default_gpus_per_node")]
    pub gpus_per_node: u32,
    /// Profit-driven entry and exit (docs/model.md, "Profit-driven supply").
    /// The keys below are ignored when it is false, so a sweep can switch it.
    #[serde(default)]
    pub dynamic: bool,
    /// How often every provider reviews its margin over the period just ended.
    #[serde(default = "default_review_every")]
    pub review_every: Duration,
    /// Consecutive bad reviews (margin < 0) after which a provider leaves.
    #[serde(default = "default_patience")]
    pub patience: u32,
    /// Potential GPUs per class that may still enter (the finite pool).
    #[serde(default)]
    pub pool: BTreeMap<String, u32>,
    /// Node entries per class per hour when the class's margin is high
    /// (the entry rate's ceiling).
    #[serde(default = "default_entry_rate_per_hour")]
    pub entry_rate_per_hour: f64,
    /// Margin over cost at which entry reaches 1 − 1/e (63%) of its ceiling.
    #[serde(default = "default_entry_margin_scale")]
    pub entry_margin_scale: f64,
    /// Delay from a provider's decision to enter to its node serving.
    #[serde(default = "default_onboarding")]
    pub onboarding: Duration,
    /// Spread of providers' costs within a class: each node's cost per
    /// GPU-hour is the class's `cost_per_hour` times a lognormal factor of
    /// mean 1 and this coefficient of variation (0: identical providers).
    #[serde(default = "default_cost_cv")]
    pub cost_cv: f64,
    /// Providers review at staggered times: node i with cohort i mod C, one
    /// cohort every `review_every / C` (1: everyone at once).
    #[serde(default = "default_review_cohorts")]
    pub review_cohorts: u32,
    /// `[[supply.tier]]`: provider quality tiers (data-centre, community,
    /// ...), each a share of the nodes with its own churn, faults and audit
    /// status. None: every node as `[churn]` and `[faults]` say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tier: Vec<ProviderTierSpec>,
}

/// `[[supply.tier]]`: a quality tier of providers. Each node's tier is drawn
/// once by share (stream `supply/tier`), the same in every design.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ProviderTierSpec {
    pub name: String,
    /// Share of nodes in this tier, in [0, 1]; shares must sum to 1.
    pub share: f64,
    /// Up periods of this tier's nodes (default: `churn.uptime` when churn
    /// is enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime: Option<DistSpec<Duration>>,
    /// Down periods of this tier's nodes (default: `churn.downtime` when
    /// churn is enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downtime: Option<DistSpec<Duration>>,
    /// Fraction of this tier's nodes that are faulty, in [0, 1] (default:
    /// `faults.share`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_share: Option<f64>,
    /// Whether this tier's providers are audited (Akash's audited
    /// attributes): workloads with `audited_only = true` take bids from
    /// audited providers only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub audited: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_gpus_per_node() -> u32 {
    8
}
fn default_review_every() -> Duration {
    Duration(24 * 3_600_000)
}
fn default_patience() -> u32 {
    7
}
fn default_entry_rate_per_hour() -> f64 {
    0.05
}
fn default_entry_margin_scale() -> f64 {
    0.5
}
fn default_cost_cv() -> f64 {
    0.3
}
fn default_review_cohorts() -> u32 {
    24
}
fn default_onboarding() -> Duration {
    Duration(24 * 3_600_000)
}

/// `[churn]`: nodes alternate between up and down periods.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ChurnSpec {
    #[serde(default)]
    pub enabled: bool,
    pub uptime: Option<DistSpec<Duration>>,
    pub downtime: Option<DistSpec<Duration>>,
}

/// `[faults]`: faulty hardware, part of the shared world. A faulty node
/// renders a bad frame with `frame_error_rate`; only Render verifies frames.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Fraction of nodes that are faulty, in [0, 1].
    #[serde(default)]
    pub share: f64,
    /// Probability that a frame rendered on a faulty node is bad, in [0, 1].
    #[serde(default)]
    pub frame_error_rate: f64,
}

/// What a workload is, which decides which designs can serve it.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    Render,
    Training,
    Inference,
    Web,
}

impl WorkloadKind {
    /// The name used in scenario files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadKind::Render => "render",
            WorkloadKind::Training => "training",
            WorkloadKind::Inference => "inference",
            WorkloadKind::Web => "web",
        }
    }

    /// Its bit in a set of kinds.
    pub fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// `[[workload]]`: one stream of jobs.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    pub name: String,
    pub kind: WorkloadKind,
    pub arrivals: ArrivalSpec,
    /// Run time of a job on its GPUs, without interruptions. For `render`
    /// jobs: the work of one frame on one GPU. Required for Poisson
    /// arrivals; taken from the trace with `process = "trace"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<DistSpec<Duration>>,
    /// Frames per job (`render` jobs only, required there).
    #[serde(default)]
    pub frames: Option<DistSpec<f64>>,
    /// VRAM a job needs, GB: listed classes with less are not used.
    #[serde(default)]
    pub vram_gb: Option<f64>,
    /// GPUs per job, all needed at once (a gang) [default: 1]; taken from
    /// the trace with `process = "trace"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<u32>,
    /// Acceptable GPU classes. With a trace: the classes of jobs whose row
    /// names neither a class nor a VRAM need.
    #[serde(default)]
    pub gpu_class: Vec<String>,
    /// The most a user pays per GPU-hour before going to the cloud, USD: a
    /// number, or a distribution of per-job values. With a trace: for jobs
    /// whose row gives no price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price_per_gpu_hour: Option<PriceSpec>,
    /// The job saves its progress this often; on interruption it restarts
    /// from the last checkpoint. Absent: all progress of the attempt is lost.
    #[serde(default)]
    pub checkpoint_every: Option<Duration>,
    /// Akash: take bids from audited providers only (a provider tier with
    /// `audited = true`). Other designs show no audit status and ignore it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub audited_only: bool,
}

/// A price: one number, or a distribution of per-job values.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(untagged)]
pub enum PriceSpec {
    Fixed(f64),
    Dist(DistSpec<f64>),
}

/// How jobs arrive.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(tag = "process", rename_all = "lowercase", deny_unknown_fields)]
pub enum ArrivalSpec {
    /// Poisson arrivals at `rate_per_hour`, optionally modulated by a daily
    /// cycle: rate(t) = rate · (1 + amplitude · cos(2π (t_h − peak_hour) / 24)).
    Poisson {
        rate_per_hour: f64,
        #[serde(default)]
        diurnal_amplitude: f64,
        #[serde(default = "default_peak_hour")]
        diurnal_peak_hour: f64,
        /// A multiplier of the rate over time (demand growth).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        growth: Option<GrowthSpec>,
        /// Jobs per arrival (a number or a distribution, rounded, at least
        /// 1): the jobs of a batch arrive at the same millisecond.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        batch: Option<PriceSpec>,
    },
    /// A Markov-modulated Poisson process: the rate is that of the current
    /// state; a state lasts an exponential time of mean `mean_sojourn`, then
    /// the process jumps to one of the other states, each equally likely.
    /// The daily cycle, growth and batches apply as for `poisson`.
    Mmpp {
        states: Vec<MmppStateSpec>,
        #[serde(default)]
        diurnal_amplitude: f64,
        #[serde(default = "default_peak_hour")]
        diurnal_peak_hour: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        growth: Option<GrowthSpec>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        batch: Option<PriceSpec>,
    },
    /// Jobs replayed from a CSV file (path relative to the scenario file):
    /// submit time, GPUs, duration, and optionally class or VRAM and
    /// maximum price per job (docs/model.md, "Trace replay").
    Trace { file: String },
}

fn default_peak_hour() -> f64 {
    14.0
}

/// `arrivals.growth`: how the arrival rate grows (or shrinks) over the run,
/// as a multiplier of the rate (docs/model.md, "Demand growth").
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(tag = "law", rename_all = "lowercase", deny_unknown_fields)]
pub enum GrowthSpec {
    /// Exponential: the rate is multiplied by `1 + per_year` every (Julian)
    /// year, or by `1 + per_month` every twelfth of one; give one of them.
    Exp {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        per_year: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        per_month: Option<f64>,
    },
    /// Logistic: from 1 towards `saturation`, at intrinsic rate
    /// `rate_per_year`: g(t) = K / (1 + (K − 1)·e^(−k·t)).
    Logistic { rate_per_year: f64, saturation: f64 },
    /// Piecewise linear through `points` (`{ at = "180d", factor = 1.5 }`),
    /// constant before the first and after the last.
    Table { points: Vec<GrowthPointSpec> },
}

/// One state of an MMPP.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MmppStateSpec {
    /// Arrivals per hour while in this state (before growth and the cycle).
    pub rate_per_hour: f64,
    /// Mean time spent in the state each visit (exponential).
    pub mean_sojourn: Duration,
}

/// One point of a growth table.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GrowthPointSpec {
    pub at: Duration,
    pub factor: f64,
}

/// `[design.*]`: one table per design.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct DesignSection {
    #[serde(default)]
    pub akash: Option<AkashSpec>,
    #[serde(default)]
    pub ionet: Option<IonetSpec>,
    #[serde(default)]
    pub render: Option<RenderSpec>,
    #[serde(default)]
    pub cloud: Option<CloudSpec>,
}

/// `[design.cloud]`: a centralized cloud serving the jobs from its own
/// capacity, the users' outside option. Every key has a default, so the
/// table may be left out.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CloudSpec {
    /// On-demand USD per GPU-hour per class (default: each class's
    /// `cloud_price_per_hour`).
    #[serde(default)]
    pub price_per_gpu_hour: BTreeMap<String, f64>,
    /// GPUs of a class the users may hold at once; jobs beyond it wait
    /// (default: no quota).
    #[serde(default)]
    pub quota: BTreeMap<String, u32>,
    /// Spot (preemptible) capacity; off when absent.
    #[serde(default)]
    pub spot: Option<SpotSpec>,
    /// Availability an instance keeps (the SLA); its failures interrupt runs.
    #[serde(default = "default_cloud_sla")]
    pub sla: f64,
    /// Mean outage of an instance that fails (with `sla`, it sets how often
    /// instances fail).
    #[serde(default = "default_cloud_outage")]
    pub outage: Duration,
    /// Delay before an interrupted run restarts on a fresh instance.
    #[serde(default = "default_cloud_restart")]
    pub restart_delay: Duration,
    /// Billing granularity (per-second billing by default).
    #[serde(default = "default_cloud_billing")]
    pub billing_increment: Duration,
    /// Each run is billed for at least this long.
    #[serde(default = "default_cloud_min_billed")]
    pub min_billed: Duration,
    /// Workload kinds the cloud serves (default: every kind).
    #[serde(default = "default_cloud_serves")]
    pub serves: Vec<WorkloadKind>,
}

impl CloudSpec {
    /// The table with every key at its default (what an absent
    /// `[design.cloud]` means).
    pub fn default_table() -> Self {
        toml::from_str("").expect("every key of [design.cloud] has a default")
    }
}

/// `[design.cloud.spot]`: preemptible capacity at a discount.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct SpotSpec {
    /// Share of jobs that run on spot, in [0, 1].
    pub share: f64,
    /// Discount on the on-demand price, in [0, 1).
    #[serde(default = "default_spot_discount")]
    pub discount: f64,
    /// Time from a spot run's start to its preemption.
    #[serde(default = "default_spot_preemption")]
    pub preemption: DistSpec<Duration>,
}

fn default_cloud_sla() -> f64 {
    0.995
}
fn default_cloud_outage() -> Duration {
    Duration(3_600_000)
}
fn default_cloud_restart() -> Duration {
    Duration(5 * 60_000)
}
fn default_cloud_billing() -> Duration {
    Duration(1_000)
}
fn default_cloud_min_billed() -> Duration {
    Duration(60_000)
}
fn default_cloud_serves() -> Vec<WorkloadKind> {
    vec![
        WorkloadKind::Render,
        WorkloadKind::Training,
        WorkloadKind::Inference,
        WorkloadKind::Web,
    ]
}
fn default_spot_discount() -> f64 {
    0.7
}
fn default_spot_preemption() -> DistSpec<Duration> {
    DistSpec::Exp {
        mean: Duration(24 * 3_600_000),
    }
}

/// `[design.ionet]`: the coordinated-cluster design.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct IonetSpec {
    #[serde(default)]
    pub policy: IonetPolicy,
    /// USD per GPU-hour users pay, per class; a class without a price is not
    /// offered (each served workload needs at least one priced class).
    /// Default: io.net's published price of each class it knows
    /// (`super::defaults`).
    #[serde(default)]
    pub price_per_gpu_hour: BTreeMap<String, f64>,
    /// Gang jobs only on one node (one provider's cluster).
    #[serde(default)]
    pub colocate: bool,
    /// Each paid run is billed for at least this long.
    #[serde(default = "default_min_billed")]
    pub min_billed: Duration,
    /// Reservation fee charged on each side, as a fraction of the payment.
    #[serde(default = "default_reservation_fee")]
    pub reservation_fee: f64,
    /// Fee on USDC payments, taken from the provider's side.
    #[serde(default = "default_payment_fee")]
    pub payment_fee: f64,
    /// Continuous uptime a node needs before its hours earn block rewards.
    #[serde(default = "default_uptime_for_rewards")]
    pub uptime_for_rewards: Duration,
    /// Workload kinds io.net serves.
    #[serde(default = "default_ionet_serves")]
    pub serves: Vec<WorkloadKind>,
    /// How long a provider that unstakes keeps its stake locked (and, with
    /// dynamic supply, keeps serving) before it can sell it and leave (io.net
    /// docs: 14-day unstaking period).
    #[serde(default = "default_unstaking_delay")]
    pub unstaking_delay: Duration,
    /// Whether users pay for a run a node failure interrupts, billed as a
    /// run of that length; the worker that dropped is not paid either way
    /// (io.net docs).
    #[serde(default = "default_pay_interrupted")]
    pub pay_interrupted: bool,
    /// Admission by uptime: every `window`, nodes whose uptime over the
    /// window just ended is below `min_uptime` are removed from io.net.
    /// Absent: io.net keeps every node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_check: Option<UptimeCheckSpec>,
}

fn default_pay_interrupted() -> bool {
    true
}

/// `[design.ionet.uptime_check]`: io.net's hourly proofs of work, judged
/// over a review window (docs/model.md, "io.net": who may join).
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct UptimeCheckSpec {
    /// The review window: nodes are judged every `window` on the window
    /// just ended (est. 7 days).
    #[serde(default = "default_check_window")]
    pub window: Duration,
    /// Least share of the window a node must have been up (answering its
    /// hourly proofs of work), in [0, 1] (est. 0.9).
    #[serde(default = "default_min_uptime")]
    pub min_uptime: f64,
}

fn default_check_window() -> Duration {
    Duration(7 * 24 * 3_600_000)
}
fn default_min_uptime() -> f64 {
    0.9
}

fn default_unstaking_delay() -> Duration {
    Duration(14 * 24 * 3_600_000)
}

fn default_min_billed() -> Duration {
    Duration(3_600_000)
}
fn default_reservation_fee() -> f64 {
    0.0025
}
fn default_payment_fee() -> f64 {
    0.02
}
fn default_uptime_for_rewards() -> Duration {
    Duration(5 * 3_600_000)
}
fn default_ionet_serves() -> Vec<WorkloadKind> {
    vec![
        WorkloadKind::Training,
        WorkloadKind::Inference,
        WorkloadKind::Render,
    ]
}

/// How the io.net coordinator orders its queue.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IonetPolicy {
    /// First come, first served: no job starts on a class that an earlier
    /// waiting job is waiting for.
    #[default]
    Fifo,
    /// Any waiting job that fits starts, largest gang first (ties: oldest);
    /// no reservations, so large gangs can starve.
    BestFit,
    /// EASY backfilling: the oldest waiting job holds a reservation; later
    /// jobs start only where they do not delay it.
    Backfill,
}

/// `[design.akash]`: the reverse-auction cloud market.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct AkashSpec {
    /// How long an order collects bids before the best one is taken
    /// (estimate 1 min; open bids time out after 5 min, Akash bid engine).
    #[serde(default = "default_bid_window")]
    pub bid_window: Duration,
    /// Most bids an order takes (20, Akash marketplace docs).
    #[serde(default = "default_max_bids")]
    pub max_bids: u32,
    /// Share of lease payments that goes to the community pool (2% of AKT
    /// payments, Akash economics docs).
    #[serde(default = "default_take_rate")]
    pub take_rate: f64,
    /// A lease whose provider is down this long is closed (about 40 failed
    /// health checks ≈ 8 min, Akash provider docs).
    #[serde(default = "default_health_window")]
    pub health_window: Duration,
    /// Time from a lease closing to the user's new order (estimate 5 min).
    #[serde(default = "default_redeploy_delay")]
    pub redeploy_delay: Duration,
    /// Leases are paid per block of this length (≈ 6.117 s, Akash docs).
    #[serde(default = "default_block_time")]
    pub block_time: Duration,
    /// Escrow a user funds, as a multiple of the job's expected cost at the
    /// winning price (estimate 2); a lease that outlives it is closed.
    #[serde(default = "default_escrow_cover")]
    pub escrow_cover: f64,
    /// Workload kinds Akash serves.
    #[serde(default = "default_akash_serves")]
    pub serves: Vec<WorkloadKind>,
    /// Provider populations and their pricing strategies (default: the
    /// baseline's three, `super::defaults`).
    #[serde(default)]
    pub provider: Vec<AkashProviderSpec>,
}

fn default_bid_window() -> Duration {
    Duration(60_000)
}
fn default_max_bids() -> u32 {
    20
}
fn default_take_rate() -> f64 {
    0.02
}
fn default_health_window() -> Duration {
    Duration(8 * 60_000)
}
fn default_redeploy_delay() -> Duration {
    Duration(5 * 60_000)
}
fn default_block_time() -> Duration {
    Duration(6_117)
}
fn default_escrow_cover() -> f64 {
    2.0
}
fn default_akash_serves() -> Vec<WorkloadKind> {
    vec![
        WorkloadKind::Render,
        WorkloadKind::Training,
        WorkloadKind::Inference,
        WorkloadKind::Web,
    ]
}

/// `[[design.akash.provider]]`: a share of the providers and how they price.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct AkashProviderSpec {
    /// Share of nodes in this population; shares must sum to 1.
    pub share: f64,
    pub strategy: AkashStrategy,
    /// `cost_plus`: markup over cost per bid, price = cost · (1 + markup).
    /// `adaptive`: the starting markup.
    #[serde(default)]
    pub markup: Option<DistSpec<f64>>,
    /// `adaptive`: bounds of the markup.
    #[serde(default)]
    pub markup_min: Option<f64>,
    #[serde(default)]
    pub markup_max: Option<f64>,
    /// `adaptive`: markup change after a win (up) and after a loss (down).
    #[serde(default)]
    pub step_up: Option<f64>,
    #[serde(default)]
    pub step_down: Option<f64>,
    /// `script`: USD per GPU per month by class name (`default` for the rest).
    #[serde(default)]
    pub gpu_usd_per_month: Option<BTreeMap<String, f64>>,
    /// `script`: USD per CPU thread per month.
    #[serde(default)]
    pub cpu_usd_per_thread_month: Option<f64>,
    /// `script`: USD per GB of memory per month.
    #[serde(default)]
    pub memory_usd_per_gb_month: Option<f64>,
}

/// How an Akash provider population prices its bids.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AkashStrategy {
    CostPlus,
    Adaptive,
    Script,
}

/// `[design.render]`: verified rendering with Proof of Render.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RenderSpec {
    /// USD per GPU-hour of work at price factor 1, per class (default:
    /// Render's published price of each class it knows).
    #[serde(default)]
    pub price_per_gpu_hour: BTreeMap<String, f64>,
    /// Priority tiers; a job's tier is drawn by share (default: tier 2 and
    /// tier 3, `super::defaults`).
    #[serde(default)]
    pub tier: Vec<RenderTierSpec>,
    /// Probability that verification catches a bad frame, in [0, 1].
    #[serde(default = "default_detect")]
    pub detect: f64,
    #[serde(default)]
    pub reputation: ReputationSpec,
}

fn default_detect() -> f64 {
    0.9
}

/// `[[design.render.tier]]`.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RenderTierSpec {
    pub name: String,
    /// Share of render jobs in this tier; shares must sum to 1.
    pub share: f64,
    /// Multiplies `price_per_gpu_hour`.
    pub price_factor: f64,
    /// Lower goes first.
    #[serde(default)]
    pub priority: u32,
    /// Frames of this tier only go to nodes with at least this reputation.
    #[serde(default)]
    pub min_reputation: f64,
    /// Frames of this tier only go to nodes of these provider tiers
    /// (`[[supply.tier]]` names; the benchmark tier a job tier needs).
    /// Empty: any node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_tiers: Vec<String>,
}

/// `[design.render.reputation]`: node scores in [0, 1].
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ReputationSpec {
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default = "default_rep_initial")]
    pub initial: f64,
    /// Subtracted on a rejected frame.
    #[serde(default = "default_rep_penalty")]
    pub reject_penalty: f64,
    /// Added on an accepted frame.
    #[serde(default = "default_rep_gain")]
    pub accept_gain: f64,
    /// A node below this is banned from the network.
    #[serde(default = "default_rep_ban")]
    pub ban_below: f64,
    /// How long a ban lasts; then the node (its operator re-registered)
    /// comes back at the initial reputation, its hardware unchanged.
    /// Absent: bans are permanent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ban_for: Option<Duration>,
}

fn default_true() -> bool {
    true
}
fn default_rep_initial() -> f64 {
    0.8
}
fn default_rep_penalty() -> f64 {
    0.1
}
fn default_rep_gain() -> f64 {
    0.005
}
fn default_rep_ban() -> f64 {
    0.3
}

impl Default for ReputationSpec {
    fn default() -> Self {
        Self {
            enabled: true,
            initial: default_rep_initial(),
            reject_penalty: default_rep_penalty(),
            accept_gain: default_rep_gain(),
            ban_below: default_rep_ban(),
            ban_for: None,
        }
    }
}

pub use super::token::TokenSpec;

/// `[world]` as written.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct WorldSpec {
    /// The networks that run side by side, each with its design's mechanism.
    pub networks: Vec<DesignKind>,
    /// The broker's strategies, each run on the same jobs.
    pub strategies: Vec<String>,
    /// A job refused by one network tries the next one the strategy ranks.
    #[serde(default = "default_failover")]
    pub failover: bool,
    /// `by_kind`'s table: workload kind → network (default: the seed's rule).
    #[serde(default)]
    pub by_kind: BTreeMap<String, DesignKind>,
    /// Share of nodes listed on each DePIN network (default 1: every node).
    #[serde(default)]
    pub listing: BTreeMap<String, f64>,
    #[serde(default)]
    pub score: ScoreSpec,
    #[serde(default)]
    pub learning: LearningSpec,
}

fn default_failover() -> bool {
    true
}

/// `[world.score]`: the weights of the `score` strategy, in USD per
/// GPU-hour: a quote scores `price + wait · hours waited + quality · risk`.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ScoreSpec {
    #[serde(default = "one")]
    pub price: f64,
    #[serde(default = "default_wait_weight")]
    pub wait: f64,
    #[serde(default = "default_quality_weight")]
    pub quality: f64,
}

fn one() -> f64 {
    1.0
}
fn default_wait_weight() -> f64 {
    0.5
}
fn default_quality_weight() -> f64 {
    10.0
}

impl Default for ScoreSpec {
    fn default() -> Self {
        Self {
            price: 1.0,
            wait: default_wait_weight(),
            quality: default_quality_weight(),
        }
    }
}

/// `[world.learning]`: the `learning` strategy's exploration.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct LearningSpec {
    /// Probability of routing a job to a network drawn at random among
    /// those that quote, instead of the best so far.
    #[serde(default = "default_epsilon")]
    pub epsilon: f64,
}

fn default_epsilon() -> f64 {
    0.1
}

impl Default for LearningSpec {
    fn default() -> Self {
        Self {
            epsilon: default_epsilon(),
        }
    }
}
