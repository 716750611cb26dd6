//! The scenario file as written: serde structs that mirror the TOML. Unknown
//! keys are rejected everywhere. [`super::resolve`] turns these into the typed
//! [`super::Scenario`] the model runs.

use super::dist::DistSpec;
use super::duration::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole file.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub scenario: ScenarioSection,
    #[serde(default)]
    pub output: OutputSection,
    pub gpu_class: Vec<GpuClassSpec>,
    pub supply: SupplySpec,
    #[serde(default)]
    pub churn: ChurnSpec,
    pub workload: Vec<WorkloadSpec>,
    #[serde(default)]
    pub design: DesignSection,
    #[serde(default)]
    pub token: TokenSpec,
    /// `[sweep]`: the parameters `depinsim sweep` varies (ignored by `run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<crate::sweep::SweepSpec>,
}

/// `[scenario]`: what is simulated, for how long, how often.
#[derive(Deserialize, Serialize, Debug, Clone)]
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
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum DesignKind {
    Akash,
    Ionet,
    Render,
}

impl DesignKind {
    /// All designs, in the order they appear in outputs.
    pub const ALL: [DesignKind; 3] = [DesignKind::Akash, DesignKind::Ionet, DesignKind::Render];

    /// The name used in scenario files, CSVs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DesignKind::Akash => "akash",
            DesignKind::Ionet => "ionet",
            DesignKind::Render => "render",
        }
    }

    /// Whether this version of depinsim can simulate the design.
    pub fn implemented(self) -> bool {
        matches!(self, DesignKind::Ionet)
    }
}

/// `[output]`: what the run records.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Interval between rows of `timeseries.csv`.
    #[serde(default = "default_sample_every")]
    pub sample_every: Duration,
}

fn default_sample_every() -> Duration {
    Duration(3_600_000)
}

impl Default for OutputSection {
    fn default() -> Self {
        Self {
            sample_every: default_sample_every(),
        }
    }
}

/// `[[gpu_class]]`: one kind of GPU.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct GpuClassSpec {
    pub name: String,
    pub vram_gb: f64,
    /// Provider's cost per GPU-hour (power + amortisation), USD.
    pub cost_per_hour: f64,
    /// What a centralized cloud charges per GPU-hour, USD (the outside option).
    pub cloud_price_per_hour: f64,
}

/// `[supply]`: the GPU fleet.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct SupplySpec {
    /// GPUs per class at t = 0.
    pub initial: BTreeMap<String, u32>,
    /// GPUs per node (a provider's machine); the last node of a class may be smaller.
    #[serde(default = "default_gpus_per_node")]
    pub gpus_per_node: u32,
    /// Profit-driven entry and exit (not in this version).
    #[serde(default)]
    pub dynamic: bool,
}

fn default_gpus_per_node() -> u32 {
    8
}

/// `[churn]`: nodes alternate between up and down periods.
#[derive(Deserialize, Serialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ChurnSpec {
    #[serde(default)]
    pub enabled: bool,
    pub uptime: Option<DistSpec<Duration>>,
    pub downtime: Option<DistSpec<Duration>>,
}

/// What a workload is, which decides which designs can serve it.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
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
}

/// `[[workload]]`: one stream of jobs.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSpec {
    pub name: String,
    pub kind: WorkloadKind,
    pub arrivals: ArrivalSpec,
    /// Run time of a job on its GPUs, without interruptions.
    pub duration: DistSpec<Duration>,
    /// GPUs per job, all needed at once (a gang).
    #[serde(default = "default_gpus")]
    pub gpus: u32,
    /// Acceptable GPU classes.
    pub gpu_class: Vec<String>,
    /// The most a user pays per GPU-hour before going to the cloud, USD: a
    /// number, or a distribution of per-job values.
    pub max_price_per_gpu_hour: PriceSpec,
    /// The job saves its progress this often; on interruption it restarts
    /// from the last checkpoint. Absent: all progress of the attempt is lost.
    #[serde(default)]
    pub checkpoint_every: Option<Duration>,
}

fn default_gpus() -> u32 {
    1
}

/// A price: one number, or a distribution of per-job values.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
pub enum PriceSpec {
    Fixed(f64),
    Dist(DistSpec<f64>),
}

/// How jobs arrive.
#[derive(Deserialize, Serialize, Debug, Clone, PartialEq)]
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
    },
}

fn default_peak_hour() -> f64 {
    14.0
}

/// `[design.*]`: one table per design.
#[derive(Deserialize, Serialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct DesignSection {
    #[serde(default)]
    pub ionet: Option<IonetSpec>,
}

/// `[design.ionet]`: the coordinated-cluster design.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct IonetSpec {
    #[serde(default)]
    pub policy: IonetPolicy,
    /// USD per GPU-hour users pay, per class (every class in supply needs one).
    pub price_per_gpu_hour: BTreeMap<String, f64>,
}

/// How the io.net coordinator orders its queue.
#[derive(Deserialize, Serialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IonetPolicy {
    /// First come, first served: no job starts on a class that an earlier
    /// waiting job is waiting for.
    #[default]
    Fifo,
}

/// `[token]`: token economies (a later version).
#[derive(Deserialize, Serialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct TokenSpec {
    #[serde(default)]
    pub enabled: bool,
}
