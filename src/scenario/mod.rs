//! Scenario files: TOML → serde structs ([`spec`]) → checked, typed
//! [`Scenario`] that the model runs. Durations become milliseconds, names
//! become indices, distributions become samplers; the model never sees bad
//! input.

pub mod bounds;
pub mod defaults;
mod designs;
pub mod dist;
pub mod duration;
pub mod overrides;
pub mod schema;
pub mod spec;
pub mod token;
pub mod trace;
pub mod world;

use crate::engine::SimTime;
use crate::error::{Error, Problem, Result, closest};
pub use crate::model::growth::{Growth, MS_PER_YEAR};
pub use designs::{
    AkashParams, AkashPopulation, AkashPricing, CloudParams, HOURS_PER_MONTH, IonetParams,
    KindMask, RenderParams, RenderTier, Reputation, Spot, UptimeCheck,
};
pub use dist::{DistSpec, Sampler};
pub use duration::{Duration, format_duration, parse_duration};
pub use overrides::{Override, apply_override, parse_key, parse_override, parse_value};
pub use spec::{AkashStrategy, DesignKind, IonetPolicy, ScenarioFile, WorkloadKind};
use spec::{ArrivalSpec, GrowthSpec, PriceSpec};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
pub use trace::TraceJob;

/// The most frames one render job may have (a draw above it is capped).
pub const MAX_FRAMES: u32 = 100_000;

/// The most GPU classes a scenario may have (class sets are `u64` bitmasks).
pub const MAX_CLASSES: usize = 64;

/// The highest arrival rate a workload may have, per hour: with 1 ms time
/// resolution, a higher rate would be capped silently.
pub const MAX_RATE_PER_HOUR: f64 = 1_000_000.0;
/// Largest `supply.cost_cv` accepted: beyond it a lognormal of mean 1 puts
/// nearly all its mass near 0 and a few providers carry the class's cost.
pub const MAX_COST_CV: f64 = 5.0;

/// A GPU class as the model sees it.
#[derive(Debug, Clone)]
pub struct GpuClass {
    pub name: String,
    pub vram_gb: f64,
    /// Provider cost per GPU-hour, USD.
    pub cost_per_hour: f64,
    /// Centralized-cloud price per GPU-hour, USD.
    pub cloud_price_per_hour: f64,
    /// GPUs of this class at t = 0 (0 for a class that arrives later).
    pub initial_gpus: u32,
    /// A later class: when it appears (0: at the start), and its
    /// `supply.initial` GPUs, which join the fleet then.
    pub available_from: SimTime,
    pub launch_gpus: u32,
    /// Yearly decline rates of the provider cost and the cloud price, in [0, 1).
    pub cost_decline_per_year: f64,
    pub cloud_price_decline_per_year: f64,
    /// CPU threads and memory (GB) per unit.
    pub cpu_threads: f64,
    pub memory_gb: f64,
}

impl GpuClass {
    /// Provider cost per GPU-hour at `t` ms, USD: `cost · (1 − d)^(t/year)`.
    pub fn cost_at(&self, t: SimTime) -> f64 {
        self.cost_per_hour * decline(self.cost_decline_per_year, t as f64)
    }

    /// The centralized-cloud price per GPU-hour at `t` ms, USD.
    pub fn cloud_price_at(&self, t: SimTime) -> f64 {
        self.cloud_price_per_hour * decline(self.cloud_price_decline_per_year, t as f64)
    }

    /// `∫ cost` over `[t0, t1]` ms, USD per GPU (GPU-hours × USD/GPU-h), in
    /// closed form: `cost · (e^(−δ t1) − e^(−δ t0)) / −δ`, `δ = −ln(1 − d)/year`.
    pub fn cost_between(&self, t0: SimTime, t1: SimTime) -> f64 {
        let h = |t: SimTime| t as f64 / crate::engine::MS_PER_HOUR as f64;
        if self.cost_decline_per_year == 0.0 {
            return self.cost_per_hour * (h(t1) - h(t0));
        }
        let delta_per_h = -(1.0 - self.cost_decline_per_year).ln() / (MS_PER_YEAR / 3_600_000.0);
        // e^(−δ t0) (1 − e^(−δ (t1 − t0))) / δ, without cancelling large terms.
        self.cost_per_hour
            * (-delta_per_h * h(t0)).exp()
            * (-(-delta_per_h * (h(t1) - h(t0))).exp_m1())
            / delta_per_h
    }
}

/// `(1 − d)^(t / year)`.
fn decline(d: f64, t_ms: f64) -> f64 {
    if d == 0.0 {
        1.0
    } else {
        (1.0 - d).powf(t_ms / MS_PER_YEAR)
    }
}

/// Faulty hardware shared by all designs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Fraction of nodes that are faulty.
    pub share: f64,
    /// Probability that a frame rendered on a faulty node is bad.
    pub frame_error_rate: f64,
}

/// Profit-driven supply (`supply.dynamic = true`), resolved; docs/model.md
/// ("Profit-driven supply") gives the equations and the defaults' reasons.
#[derive(Debug, Clone)]
pub struct DynamicSupply {
    /// Review period, ms.
    pub review_every: SimTime,
    /// Consecutive bad reviews before a provider leaves (≥ 1).
    pub patience: u32,
    /// Potential GPUs per class index that may enter.
    pub pool_gpus: Vec<u32>,
    /// Ceiling of node entries per class per hour.
    pub entry_rate_per_hour: f64,
    /// Margin over cost at which entry reaches 63% of its ceiling (> 0).
    pub entry_margin_scale: f64,
    /// Decision to serving, ms.
    pub onboarding: SimTime,
    /// Coefficient of variation of providers' cost factors within a class
    /// (lognormal, mean 1; 0: every provider has the class cost).
    pub cost_cv: f64,
    /// Review cohorts (≥ 1; `review_every` is a multiple of it in ms).
    pub review_cohorts: u32,
}

/// The most provider tiers a scenario may have (tier sets are `u32` bitmasks).
pub const MAX_TIERS: usize = 32;

/// A set of provider tiers, bit `t` for tier `t` ([`ALL_TIERS`]: any).
pub type TierMask = u32;

/// Every provider tier.
pub const ALL_TIERS: TierMask = u32::MAX;

/// A provider tier (`[[supply.tier]]`) as the model sees it: a share of the
/// nodes with its own churn, faults and audit status.
#[derive(Debug, Clone)]
pub struct ProviderTier {
    pub name: String,
    /// Share of nodes, in [0, 1].
    pub share: f64,
    /// Its nodes' up and down periods (`None`: they never fail).
    pub churn: Option<Churn>,
    /// Fraction of its nodes that are faulty.
    pub fault_share: f64,
    /// Audited providers (Akash's `audited_only` workloads take only these).
    pub audited: bool,
}

/// Node churn: alternating up and down periods, in ms.
#[derive(Debug, Clone)]
pub struct Churn {
    pub uptime: Sampler,
    pub downtime: Sampler,
}

impl Churn {
    /// Long-run fraction of time a node is up: E[up] / (E[up] + E[down]).
    pub fn availability(&self) -> f64 {
        let (u, d) = (self.uptime.mean(), self.downtime.mean());
        u / (u + d)
    }
}

/// A Poisson arrival process with an optional daily cycle and growth.
#[derive(Debug, Clone)]
pub struct Arrivals {
    /// Mean arrivals per hour (at t = 0, before growth).
    pub rate_per_hour: f64,
    /// Relative amplitude of the daily cycle, in [0, 1].
    pub diurnal_amplitude: f64,
    /// Hour of the day (0–24) at which the rate peaks.
    pub diurnal_peak_hour: f64,
    /// Multiplier of the rate over time; `None`: constant.
    pub growth: Option<Growth>,
    /// Markov-modulated rate (then `rate_per_hour` is its stationary mean).
    pub mmpp: Option<Mmpp>,
    /// Jobs per arrival (rounded, at least 1); `None`: one.
    pub batch: Option<Sampler>,
}

/// The most jobs one batch may hold (a larger draw is capped).
pub const MAX_BATCH: u32 = 100_000;

/// One state of a Markov-modulated Poisson process.
#[derive(Debug, Clone, PartialEq)]
pub struct MmppState {
    /// Arrivals per hour in the state (before growth and the daily cycle).
    pub rate_per_hour: f64,
    /// Mean sojourn, ms (exponential).
    pub mean_sojourn: SimTime,
}

/// A Markov-modulated Poisson process: from a state the process jumps to
/// one of the others, each equally likely, after an exponential sojourn.
#[derive(Debug, Clone, PartialEq)]
pub struct Mmpp {
    pub states: Vec<MmppState>,
}

impl Mmpp {
    /// The long-run share of time in each state. The jump chain is uniform
    /// over the other states, so its stationary law is uniform and the
    /// time share of state i is m_i / Σ m (m the mean sojourns).
    pub fn stationary(&self) -> Vec<f64> {
        let total: f64 = self.states.iter().map(|s| s.mean_sojourn as f64).sum();
        (self.states.iter())
            .map(|s| s.mean_sojourn as f64 / total)
            .collect()
    }

    /// The stationary arrival rate, per hour: Σ π_i λ_i.
    pub fn stationary_rate_per_hour(&self) -> f64 {
        (self.stationary().iter())
            .zip(&self.states)
            .map(|(p, s)| p * s.rate_per_hour)
            .sum()
    }

    /// The highest state rate, per hour.
    pub fn max_rate_per_hour(&self) -> f64 {
        self.states
            .iter()
            .map(|s| s.rate_per_hour)
            .fold(0.0, f64::max)
    }
}

/// A workload as the model sees it.
#[derive(Debug, Clone)]
pub struct Workload {
    pub name: String,
    pub kind: WorkloadKind,
    pub arrivals: Arrivals,
    /// Run time of a job without interruptions, ms.
    pub duration: Sampler,
    /// GPUs per job (gang).
    pub gpus: u32,
    /// Acceptable classes as a bitmask of class indices.
    pub class_mask: u64,
    /// Per-job maximum price per GPU-hour, USD.
    pub max_price: Sampler,
    /// Checkpoint interval, ms; `None`: progress is lost on interruption.
    pub checkpoint_every: Option<SimTime>,
    /// Frames per job (render jobs; `duration` is then the work per frame).
    pub frames: Option<Sampler>,
    /// Akash: bids from audited providers only.
    pub audited_only: bool,
    /// Trace replay: the jobs, in submit order (then `arrivals` and
    /// `duration` are unused, `gpus` is the largest gang, `class_mask` the
    /// union of the jobs' classes, and `max_price` is drawn only for jobs
    /// whose row has no price).
    pub trace: Option<Arc<[TraceJob]>>,
}

/// A checked, resolved scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it came from (for messages and the manifest).
    pub file: String,
    pub name: String,
    pub horizon: SimTime,
    pub warmup: SimTime,
    pub seed: u64,
    pub replications: u32,
    pub designs: Vec<DesignKind>,
    pub sample_every: SimTime,
    pub classes: Vec<GpuClass>,
    pub gpus_per_node: u32,
    /// `[churn]`: the up and down periods of nodes of no provider tier (and
    /// the default of a tier that gives none).
    pub churn: Option<Churn>,
    /// `[[supply.tier]]`, in file order; empty when the file gives none
    /// (then every node churns by `churn` and is faulty with `faults.share`).
    pub tiers: Vec<ProviderTier>,
    /// Profit-driven entry and exit; `None` for a fixed fleet.
    pub supply: Option<DynamicSupply>,
    pub workloads: Vec<Workload>,
    pub faults: Faults,
    pub akash: Option<AkashParams>,
    pub ionet: Option<IonetParams>,
    pub render: Option<RenderParams>,
    pub cloud: Option<CloudParams>,
    /// `[world]`: networks side by side with a broker (`None`: designs
    /// alone only).
    pub world: Option<world::WorldParams>,
    /// The token economies; `None` when `token.enabled = false`.
    pub token: Option<token::TokenParams>,
    /// The file's content after overrides, as checked (for the manifest).
    pub spec: ScenarioFile,
}

impl Scenario {
    /// Total GPUs at t = 0 (classes arriving later not included).
    pub fn total_gpus(&self) -> u64 {
        self.classes.iter().map(|c| c.initial_gpus as u64).sum()
    }

    /// Provider tiers the nodes are drawn from: 1 without `[[supply.tier]]`
    /// (every node in tier 0, as `[churn]` and `[faults]` say).
    pub fn tier_count(&self) -> usize {
        self.tiers.len().max(1)
    }

    /// The up and down periods of nodes of tier `t` (`None`: they never fail).
    pub fn churn_of(&self, t: usize) -> Option<&Churn> {
        match self.tiers.get(t) {
            Some(tier) => tier.churn.as_ref(),
            None => self.churn.as_ref(),
        }
    }

    /// The fraction of nodes of tier `t` that are faulty.
    pub fn fault_share_of(&self, t: usize) -> f64 {
        self.tiers
            .get(t)
            .map_or(self.faults.share, |x| x.fault_share)
    }

    /// The expected fraction of faulty nodes over the tiers.
    pub fn mean_fault_share(&self) -> f64 {
        if self.tiers.is_empty() {
            self.faults.share
        } else {
            self.tiers.iter().map(|t| t.share * t.fault_share).sum()
        }
    }

    /// Whether any node may churn (some tier, or `[churn]`, has periods).
    pub fn any_churn(&self) -> bool {
        (0..self.tier_count()).any(|t| self.churn_of(t).is_some())
    }
}

/// Reads, overrides, parses and checks a scenario file.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(&file, "", format!("cannot read the scenario file: {e}")))?;
    from_str(&text, &file, overrides)
}

/// Parses and checks scenario text; `file` names it in messages.
pub fn from_str(text: &str, file: &str, overrides: &[Override]) -> Result<Scenario> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| {
        Error::input(
            file,
            "",
            format!("not valid TOML: {}", one_line(&e.to_string())),
        )
    })?;
    for ov in overrides {
        apply_override(&mut table, ov).map_err(|e| {
            Error::input(file, ov.path.join("."), format!("--set {}: {e}", ov.text))
        })?;
    }
    // Defaults that depend on the rest of the file, then every problem of
    // shape at once (serde alone would stop at the first).
    let mut problems = defaults::fill(&mut table);
    for p in schema::check_shape(&table) {
        if !problems.iter().any(|q| q.key == p.key) {
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        return Err(Error::Input {
            file: file.to_string(),
            problems,
        });
    }
    let spec: ScenarioFile =
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let key = e.path().to_string();
            let key = if key == "." { String::new() } else { key };
            Error::input(file, key, explain_serde(&e.into_inner().to_string()))
        })?;
    resolve(spec, file)
}

/// The longest `scenario.name`, in bytes: it names the default output
/// directory (`results/<name>/`, `results/<name>-shard-K-of-N/`), and file
/// systems allow 255 bytes per name.
pub const MAX_NAME_BYTES: usize = 100;

/// Checks that `name` can name an output directory by itself: one path
/// component, not hidden, no control characters, at most
/// [`MAX_NAME_BYTES`]. Checked with the scenario, so before anything runs.
pub fn check_output_name(name: &str) -> std::result::Result<(), String> {
    let shown: String = name.chars().take(40).collect();
    let shown = if shown.len() < name.len() {
        format!("{shown:?}...")
    } else {
        format!("{name:?}")
    };
    if name.len() > MAX_NAME_BYTES {
        return Err(format!(
            "{shown} is {} bytes long; at most {MAX_NAME_BYTES} (it names the output directory results/<name>/)",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| c == '/' || c == '\\' || c == ':' || c.is_control())
    {
        return Err(format!(
            "{shown} contains {c:?}; a name may not hold path separators, ':' or control characters (it names the output directory results/<name>/)"
        ));
    }
    if name.starts_with('.') {
        return Err(format!(
            "{shown} starts with '.'; it would name a hidden directory, or leave results/ (\"..\")"
        ));
    }
    if name != name.trim() {
        return Err(format!(
            "{shown} starts or ends with a space; it would name a directory that is hard to type"
        ));
    }
    Ok(())
}

/// Collapses a multi-line parser message into one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Makes serde's messages friendlier: adds "did you mean" for misspelt keys
/// and variants.
fn explain_serde(msg: &str) -> String {
    let mut msg = one_line(msg);
    // The key path is printed already; drop serde's own " in `a.b`" suffix.
    if msg.ends_with('`')
        && let Some(i) = msg.rfind(" in `")
    {
        msg.truncate(i);
    }
    let tick = |s: &str| -> Vec<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    for what in ["unknown field", "unknown variant"] {
        if let Some(rest) = msg.strip_prefix(what) {
            let words = tick(rest);
            if let Some((bad, expected)) = words.split_first()
                && let Some(c) = closest(bad, expected.iter().map(String::as_str))
            {
                return format!("{msg} (did you mean `{c}`?)");
            }
        }
    }
    // serde's own words, in the file's: "missing field `x`" names the key
    // in the path already; "invalid type: A, expected B" reads B, got A.
    if let Some(rest) = msg.strip_prefix("missing field `")
        && let Some(key) = rest.strip_suffix('`')
    {
        return format!("missing key `{key}`");
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ")
        && let Some((got, expected)) = rest.split_once(", expected ")
    {
        return format!("expected {expected}, got {}", got.replace('`', ""));
    }
    if msg.starts_with("data did not match any variant of untagged enum PriceSpec") {
        return "expected a number or a distribution table like { dist = \"uniform\", low = 2.0, high = 4.0 }".into();
    }
    msg
}

/// Collects every problem found while checking, each with its key path.
struct Checker<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn fail(&mut self, key: impl Into<String>, msg: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            msg: msg.into(),
        });
    }

    /// Checks that `v` is finite and > 0 (or ≥ 0 when `allow_zero`).
    fn number(&mut self, key: impl Into<String>, v: f64, allow_zero: bool) -> bool {
        let ok = v.is_finite() && (v > 0.0 || (allow_zero && v == 0.0));
        if !ok {
            let bound = if allow_zero { ">= 0" } else { "> 0" };
            self.fail(key, format!("must be a finite number {bound}, got {v}"));
        }
        ok
    }

    fn sampler<V: dist::DistValue>(&mut self, key: String, d: &DistSpec<V>) -> Option<Sampler> {
        match d.resolve() {
            Ok(s) => Some(s),
            Err(e) => {
                self.fail(key, e);
                None
            }
        }
    }

    fn class_index(
        &mut self,
        key: String,
        name: &str,
        classes: &[spec::GpuClassSpec],
    ) -> Option<usize> {
        let idx = classes.iter().position(|c| c.name == name);
        if idx.is_none() {
            let hint = closest(name, classes.iter().map(|c| c.name.as_str()))
                .map(|c| format!(" (did you mean {c:?}?)"))
                .unwrap_or_default();
            let known: Vec<&str> = classes.iter().map(|c| c.name.as_str()).collect();
            self.fail(
                key,
                format!("unknown GPU class {name:?}{hint}; classes are {known:?}"),
            );
        }
        idx
    }

    fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T> {
        if self.problems.is_empty() {
            Ok(value())
        } else {
            Err(Error::Input {
                file: self.file.to_string(),
                problems: self.problems,
            })
        }
    }
}

/// Checks ranges and combinations, and resolves names and samplers.
fn resolve(spec: ScenarioFile, file: &str) -> Result<Scenario> {
    let mut ck = Checker {
        file,
        problems: vec![],
    };
    let sc = &spec.scenario;

    if sc.name.trim().is_empty() {
        ck.fail("scenario.name", "must not be empty");
    } else if let Err(why) = check_output_name(&sc.name) {
        ck.fail("scenario.name", why);
    }
    if sc.horizon.0 == 0 {
        ck.fail("scenario.horizon", "must be > 0");
    }
    if sc.warmup >= sc.horizon {
        ck.fail(
            "scenario.warmup",
            format!(
                "must be shorter than scenario.horizon ({} >= {})",
                format_duration(sc.warmup.0),
                format_duration(sc.horizon.0)
            ),
        );
    }
    if sc.replications == 0 {
        ck.fail("scenario.replications", "must be >= 1, got 0");
    }
    if sc.designs.is_empty() && spec.world.is_none() {
        ck.fail(
            "scenario.designs",
            "must name at least one design (or add a [world] table to run networks together)",
        );
    }
    let mut seen = BTreeSet::new();
    for (i, d) in sc.designs.iter().enumerate() {
        if !seen.insert(*d) {
            ck.fail(
                format!("scenario.designs[{i}]"),
                format!("{:?} is listed twice", d.name()),
            );
        }
    }
    let sample_every = spec
        .output
        .sample_every
        .map_or_else(|| default_sample_every(sc.horizon.0), |d| d.0);
    if sample_every == 0 {
        ck.fail("output.sample_every", "must be > 0");
    } else if sc.horizon.0 / sample_every > 1_000_000 {
        ck.fail(
            "output.sample_every",
            format!(
                "gives {} samples over the horizon; use a longer interval (at most 1,000,000 samples)",
                sc.horizon.0 / sample_every
            ),
        );
    }

    // GPU classes and supply.
    if spec.gpu_class.is_empty() {
        ck.fail("gpu_class", "at least one [[gpu_class]] is needed");
    }
    if spec.gpu_class.len() > MAX_CLASSES {
        ck.fail(
            "gpu_class",
            format!(
                "at most {MAX_CLASSES} classes, got {}",
                spec.gpu_class.len()
            ),
        );
    }
    let mut names = BTreeSet::new();
    for (i, c) in spec.gpu_class.iter().enumerate() {
        let k = |f: &str| format!("gpu_class[{i}].{f}");
        if c.name.trim().is_empty() {
            ck.fail(k("name"), "must not be empty");
        } else if !names.insert(c.name.as_str()) {
            ck.fail(k("name"), format!("class {:?} is defined twice", c.name));
        }
        ck.number(k("vram_gb"), c.vram_gb, true);
        ck.number(k("cpu_threads"), c.cpu_threads, true);
        ck.number(k("memory_gb"), c.memory_gb, true);
        ck.number(k("cost_per_hour"), c.cost_per_hour, true);
        ck.number(k("cloud_price_per_hour"), c.cloud_price_per_hour, true);
        for (key, d) in [
            ("cost_decline_per_year", c.cost_decline_per_year),
            (
                "cloud_price_decline_per_year",
                c.cloud_price_decline_per_year,
            ),
        ] {
            if !(0.0..1.0).contains(&d) {
                ck.fail(
                    k(key),
                    format!("must be in [0, 1) (a share of the price lost each year), got {d}"),
                );
            }
        }
        if c.available_from >= sc.horizon {
            ck.fail(
                k("available_from"),
                format!(
                    "is at or beyond scenario.horizon ({} >= {}): the class would never appear",
                    format_duration(c.available_from.0),
                    format_duration(sc.horizon.0)
                ),
            );
        }
    }
    let mut initial = vec![0u32; spec.gpu_class.len()];
    for (name, &n) in &spec.supply.initial {
        if let Some(i) = ck.class_index(format!("supply.initial.{name}"), name, &spec.gpu_class) {
            initial[i] = n;
        }
    }
    let total: u64 = initial.iter().map(|&n| n as u64).sum();
    let at_start: u64 = (initial.iter().zip(&spec.gpu_class))
        .filter(|(_, c)| c.available_from.0 == 0)
        .map(|(&n, _)| n as u64)
        .sum();
    for (c, &n) in spec.gpu_class.iter().zip(&initial) {
        if c.available_from.0 > 0 && n == 0 {
            ck.fail(
                format!("supply.initial.{}", c.name),
                format!(
                    "class {:?} appears at {} (available_from) with no GPUs; give it a launch fleet here",
                    c.name,
                    format_duration(c.available_from.0)
                ),
            );
        }
    }
    if total > 0 && at_start == 0 {
        ck.fail(
            "supply.initial",
            "no class with GPUs is available at t = 0 (every class with GPUs has a later available_from)",
        );
    }
    if total == 0 {
        ck.fail(
            "supply.initial",
            "the fleet has no GPUs; give at least one class a count > 0",
        );
    }
    if total > 50_000_000 {
        ck.fail(
            "supply.initial",
            format!("{total} GPUs is more than the 50,000,000 supported"),
        );
    }
    let gpus_per_node = spec.supply.gpus_per_node;
    if !(1..=64).contains(&gpus_per_node) {
        ck.fail(
            "supply.gpus_per_node",
            format!("must be between 1 and 64, got {gpus_per_node}"),
        );
    }
    let supply = dynamic_supply(&mut ck, &spec, total);

    // Churn.
    let churn = if spec.churn.enabled {
        let up = match &spec.churn.uptime {
            Some(d) => ck.sampler("churn.uptime".into(), d),
            None => {
                ck.fail("churn.uptime", "is required when churn.enabled = true");
                None
            }
        };
        let down = match &spec.churn.downtime {
            Some(d) => ck.sampler("churn.downtime".into(), d),
            None => {
                ck.fail("churn.downtime", "is required when churn.enabled = true");
                None
            }
        };
        match (up, down) {
            (Some(uptime), Some(downtime)) => {
                if uptime.mean() < 1.0 || downtime.mean() < 1.0 {
                    ck.fail(
                        "churn",
                        "mean uptime and downtime must each be at least 1ms",
                    );
                }
                Some(Churn { uptime, downtime })
            }
            _ => None,
        }
    } else {
        None
    };

    let faults = Faults {
        share: spec.faults.share,
        frame_error_rate: spec.faults.frame_error_rate,
    };
    ck.unit("faults.share", faults.share);
    ck.unit("faults.frame_error_rate", faults.frame_error_rate);
    let tiers = resolve_tiers(&mut ck, &spec, churn.as_ref());

    // Workloads.
    if spec.workload.is_empty() {
        ck.fail("workload", "at least one [[workload]] is needed");
    }
    let mut wl_names = BTreeSet::new();
    let mut workloads = Vec::new();
    for (i, w) in spec.workload.iter().enumerate() {
        let k = |f: &str| format!("workload[{i}].{f}");
        if w.name.trim().is_empty() {
            ck.fail(k("name"), "must not be empty");
        } else if w.name.parse::<usize>().is_ok() {
            ck.fail(
                k("name"),
                "must not be a number (it would be ambiguous in --set paths)",
            );
        } else if !wl_names.insert(w.name.as_str()) {
            ck.fail(k("name"), format!("workload {:?} is defined twice", w.name));
        }
        let (arrivals, trace_file) = match &w.arrivals {
            ArrivalSpec::Poisson {
                rate_per_hour,
                diurnal_amplitude,
                diurnal_peak_hour,
                growth,
                batch,
            } => {
                let rate_per_hour = *rate_per_hour;
                check_rate(&mut ck, &k("arrivals.rate_per_hour"), rate_per_hour, false);
                let arrivals = resolve_arrivals(
                    &mut ck,
                    &k("arrivals"),
                    sc.horizon.0,
                    rate_per_hour,
                    None,
                    (*diurnal_amplitude, *diurnal_peak_hour),
                    growth.as_ref(),
                    batch.as_ref(),
                );
                (arrivals, None)
            }
            ArrivalSpec::Mmpp {
                states,
                diurnal_amplitude,
                diurnal_peak_hour,
                growth,
                batch,
            } => {
                if states.len() < 2 {
                    ck.fail(
                        k("arrivals.states"),
                        format!(
                            "an MMPP needs at least 2 states, got {} (one state is process = \"poisson\")",
                            states.len()
                        ),
                    );
                }
                let mut resolved = Vec::new();
                for (j, st) in states.iter().enumerate() {
                    let key = format!("workload[{i}].arrivals.states[{j}]");
                    check_rate(
                        &mut ck,
                        &format!("{key}.rate_per_hour"),
                        st.rate_per_hour,
                        true,
                    );
                    if st.mean_sojourn.0 == 0 {
                        ck.fail(
                            format!("{key}.mean_sojourn"),
                            "must be > 0 (the mean time the process stays in the state)",
                        );
                    }
                    resolved.push(MmppState {
                        rate_per_hour: st.rate_per_hour,
                        mean_sojourn: st.mean_sojourn.0,
                    });
                }
                let mmpp = Mmpp { states: resolved };
                let rate = mmpp.stationary_rate_per_hour();
                if states.len() >= 2 && rate.is_finite() && rate <= 0.0 {
                    ck.fail(
                        k("arrivals.states"),
                        "every state has rate 0: no job would ever arrive",
                    );
                }
                let peak_rate = mmpp.max_rate_per_hour();
                let arrivals = resolve_arrivals(
                    &mut ck,
                    &k("arrivals"),
                    sc.horizon.0,
                    peak_rate,
                    Some(mmpp),
                    (*diurnal_amplitude, *diurnal_peak_hour),
                    growth.as_ref(),
                    batch.as_ref(),
                );
                (arrivals, None)
            }
            ArrivalSpec::Trace { file: trace_file } => {
                // What the trace gives per job must not also be set here.
                for (key, set, column) in [
                    ("duration", w.duration.is_some(), "duration_s"),
                    ("gpus", w.gpus.is_some(), "gpus"),
                    ("vram_gb", w.vram_gb.is_some(), "vram_gb"),
                ] {
                    if set {
                        ck.fail(
                            k(key),
                            format!("is taken from the trace's {column} column with process = \"trace\"; remove it"),
                        );
                    }
                }
                let arrivals = Arrivals {
                    rate_per_hour: 0.0,
                    diurnal_amplitude: 0.0,
                    diurnal_peak_hour: 0.0,
                    growth: None,
                    mmpp: None,
                    batch: None,
                };
                (arrivals, Some(trace_file.as_str()))
            }
        };
        let duration = match (&w.duration, trace_file) {
            (Some(d), None) => ck.sampler(k("duration"), d),
            (None, None) => {
                ck.fail(
                    k("duration"),
                    "is required (a distribution of job run times)",
                );
                None
            }
            // Unused: every job's run time comes from the trace.
            (_, Some(_)) => Some(Sampler::Fixed(1.0)),
        };
        if let Some(d) = &duration
            && d.mean() < 1.0
        {
            ck.fail(k("duration"), "mean duration must be at least 1ms");
        }
        let gpus = w.gpus.unwrap_or(1);
        if gpus == 0 {
            ck.fail(k("gpus"), "must be >= 1, got 0");
        }
        if w.gpu_class.is_empty() && trace_file.is_none() {
            ck.fail(
                k("gpu_class"),
                "must list at least one acceptable GPU class",
            );
        }
        let vram = w.vram_gb.unwrap_or(0.0);
        if w.vram_gb.is_some() {
            ck.number(k("vram_gb"), vram, true);
        }
        let frames = match (&w.frames, w.kind) {
            (Some(d), WorkloadKind::Render) => {
                let s = ck.sampler(k("frames"), d);
                if let Some(f) = &s
                    && f.mean() < 1.0
                {
                    ck.fail(k("frames"), "mean must be at least 1 frame");
                } else if let Some(f) = &s
                    && f.mean() > MAX_FRAMES as f64
                {
                    ck.fail(
                        k("frames"),
                        format!(
                            "mean must be at most {} frames per job, got {}",
                            MAX_FRAMES,
                            f.mean()
                        ),
                    );
                }
                s
            }
            (None, WorkloadKind::Render) => {
                ck.fail(
                    k("frames"),
                    "is required for kind = \"render\" (frames per job; duration is then the work per frame)",
                );
                None
            }
            (Some(_), kind) => {
                ck.fail(
                    k("frames"),
                    format!(
                        "only render jobs have frames (this workload's kind is {:?})",
                        kind.name()
                    ),
                );
                None
            }
            (None, _) => None,
        };
        let mut mask = 0u64;
        let mut pool_max = 0u64;
        for (j, name) in w.gpu_class.iter().enumerate() {
            let key = format!("workload[{i}].gpu_class[{j}]");
            if let Some(c) = ck.class_index(key.clone(), name, &spec.gpu_class) {
                if c >= MAX_CLASSES {
                    // Already reported under gpu_class; a mask cannot hold it.
                    continue;
                }
                if spec.gpu_class[c].vram_gb < vram {
                    // Fails the VRAM check: not usable for this workload.
                    continue;
                }
                if mask & (1 << c) != 0 {
                    ck.fail(key, format!("class {name:?} is listed twice"));
                } else if initial[c] == 0 {
                    ck.fail(
                        key,
                        format!(
                            "class {name:?} has no supply (supply.initial.{name} is 0 or absent)"
                        ),
                    );
                }
                mask |= 1 << c;
                pool_max = pool_max.max(initial[c] as u64);
            }
        }
        if mask == 0 && !w.gpu_class.is_empty() && w.vram_gb.is_some() {
            ck.fail(
                k("vram_gb"),
                format!("no listed class has {vram} GB of VRAM or more"),
            );
        }
        if gpus > 0 && pool_max > 0 && gpus as u64 > pool_max {
            ck.fail(
                k("gpus"),
                format!(
                    "a gang of {gpus} GPUs is larger than any acceptable class's fleet (largest: {pool_max}); it could never run"
                ),
            );
        }
        let max_price = match (&w.max_price_per_gpu_hour, trace_file) {
            (Some(PriceSpec::Fixed(v)), _) => ck
                .number(k("max_price_per_gpu_hour"), *v, true)
                .then_some(Sampler::Fixed(*v)),
            (Some(PriceSpec::Dist(d)), _) => ck.sampler(k("max_price_per_gpu_hour"), d),
            (None, None) => {
                ck.fail(
                    k("max_price_per_gpu_hour"),
                    "is required (USD per GPU-hour, a number or a distribution)",
                );
                None
            }
            // Never drawn: the trace checks every row has its own price.
            (None, Some(_)) => Some(Sampler::Fixed(0.0)),
        };
        let trace = trace_file.and_then(|f| {
            let base = Path::new(file).parent().unwrap_or(Path::new(""));
            let rules = trace::TraceRules {
                classes: &spec.gpu_class,
                initial: &initial,
                default_mask: mask,
                has_default_price: w.max_price_per_gpu_hour.is_some(),
                horizon: sc.horizon.0,
            };
            match trace::load(&base.join(f), &rules) {
                Ok(jobs) => Some(Arc::<[TraceJob]>::from(jobs)),
                Err(e) => {
                    ck.fail(k("arrivals.file"), e);
                    None
                }
            }
        });
        let (gpus, mask) = match &trace {
            Some(jobs) => jobs
                .iter()
                .fold((0, 0), |(g, m), j| (j.gpus.max(g), m | j.class_mask)),
            None => (gpus, mask),
        };
        if let Some(c) = w.checkpoint_every
            && c.0 == 0
        {
            ck.fail(
                k("checkpoint_every"),
                "must be > 0 (leave it out for no checkpoints)",
            );
        }
        if w.audited_only && !tiers.iter().any(|t| t.audited && t.share > 0.0) {
            ck.fail(
                k("audited_only"),
                if tiers.is_empty() {
                    "no provider is audited: give the fleet provider tiers ([[supply.tier]]) and mark the audited ones audited = true".to_string()
                } else {
                    let names: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
                    format!(
                        "no provider is audited: no [[supply.tier]] with a share > 0 has audited = true (tiers: {names:?})"
                    )
                },
            );
        }
        if let (Some(duration), Some(max_price)) = (duration, max_price) {
            workloads.push(Workload {
                name: w.name.clone(),
                kind: w.kind,
                arrivals,
                duration,
                gpus,
                class_mask: mask,
                max_price,
                checkpoint_every: w.checkpoint_every.map(|d| d.0),
                frames: frames.clone(),
                audited_only: w.audited_only,
                trace,
            });
        }
    }

    // Designs.
    let required = |ck: &mut Checker, d: DesignKind| {
        ck.fail(
            format!("design.{}", d.name()),
            format!("is required when {:?} is in scenario.designs", d.name()),
        );
    };
    // A design runs alone (scenario.designs) or as a network of [world].
    let has = |d: DesignKind| {
        sc.designs.contains(&d) || spec.world.as_ref().is_some_and(|w| w.networks.contains(&d))
    };
    let akash = match (&spec.design.akash, has(DesignKind::Akash)) {
        (Some(ak), true) => Some(designs::akash(&mut ck, ak, &spec)),
        (None, true) => {
            required(&mut ck, DesignKind::Akash);
            None
        }
        _ => None,
    };
    // A lease is on one node: the spec-level gang check above cannot see
    // a trace's gangs, so check them here.
    if let Some(ak) = &akash {
        for w in workloads.iter().filter(|w| ak.serves & w.kind.bit() != 0) {
            let Some(jobs) = &w.trace else { continue };
            if let Some((n, j)) = (jobs.iter().enumerate()).find(|(_, j)| j.gpus > gpus_per_node) {
                let i = spec
                    .workload
                    .iter()
                    .position(|s| s.name == w.name)
                    .unwrap_or(0);
                ck.fail(
                    format!("workload[{i}].arrivals.file"),
                    format!(
                        "trace job {} (submitted at {} s) takes {} GPUs: it cannot run on Akash, where a lease is on one provider's node of at most supply.gpus_per_node = {gpus_per_node} GPUs (drop larger gangs from the trace, e.g. convert-philly-trace.py --max-gpus {gpus_per_node}, or drop {:?} from design.akash.serves)",
                        n + 1,
                        j.submit_ms as f64 / 1000.0,
                        j.gpus,
                        w.kind.name()
                    ),
                );
            }
        }
    }
    let ionet = match (&spec.design.ionet, has(DesignKind::Ionet)) {
        (Some(io), true) => {
            let params = designs::ionet(&mut ck, io, &spec);
            ck.priced_for_served(
                "ionet",
                &params.price_per_gpu_hour,
                params.serves,
                &workloads,
            );
            Some(params)
        }
        (None, true) => {
            required(&mut ck, DesignKind::Ionet);
            None
        }
        _ => None,
    };
    let render = match (&spec.design.render, has(DesignKind::Render)) {
        (Some(r), true) => {
            let params = designs::render(&mut ck, r, &spec);
            let serves = WorkloadKind::Render.bit();
            ck.priced_for_served("render", &params.price_per_gpu_hour, serves, &workloads);
            Some(params)
        }
        (None, true) => {
            required(&mut ck, DesignKind::Render);
            None
        }
        _ => None,
    };

    // The cloud: every key has a default, so the table may be left out.
    let cloud = has(DesignKind::Cloud).then(|| {
        let default = spec::CloudSpec::default_table();
        let cl = spec.design.cloud.as_ref().unwrap_or(&default);
        designs::cloud(&mut ck, cl, &spec)
    });

    let world = spec
        .world
        .as_ref()
        .map(|w| world::resolve(&mut ck, w, &spec));

    let token = token::resolve(&mut ck, &spec);

    let scenario = |spec: ScenarioFile| Scenario {
        file: file.to_string(),
        name: spec.scenario.name.clone(),
        horizon: spec.scenario.horizon.0,
        warmup: spec.scenario.warmup.0,
        seed: spec.scenario.seed,
        replications: spec.scenario.replications,
        designs: spec.scenario.designs.clone(),
        sample_every,
        classes: spec
            .gpu_class
            .iter()
            .zip(&initial)
            .map(|(c, &n)| GpuClass {
                name: c.name.clone(),
                vram_gb: c.vram_gb,
                cost_per_hour: c.cost_per_hour,
                cloud_price_per_hour: c.cloud_price_per_hour,
                initial_gpus: if c.available_from.0 == 0 { n } else { 0 },
                available_from: c.available_from.0,
                launch_gpus: if c.available_from.0 == 0 { 0 } else { n },
                cost_decline_per_year: c.cost_decline_per_year,
                cloud_price_decline_per_year: c.cloud_price_decline_per_year,
                cpu_threads: c.cpu_threads,
                memory_gb: c.memory_gb,
            })
            .collect(),
        gpus_per_node,
        churn,
        tiers,
        supply,
        workloads,
        faults,
        akash,
        ionet,
        render,
        cloud,
        world: world.clone(),
        token: token.clone(),
        spec,
    };
    ck.finish(|| scenario(spec))
}

/// Checks and resolves `[[supply.tier]]`: names unique, shares in [0, 1]
/// summing to 1, fault shares in [0, 1], each tier's up and down periods
/// (its own, else `[churn]`'s when churn is enabled; both or neither).
fn resolve_tiers(
    ck: &mut Checker,
    spec: &ScenarioFile,
    churn: Option<&Churn>,
) -> Vec<ProviderTier> {
    let specs = &spec.supply.tier;
    if specs.is_empty() {
        return Vec::new();
    }
    if specs.len() > MAX_TIERS {
        ck.fail(
            "supply.tier",
            format!("at most {MAX_TIERS} provider tiers, got {}", specs.len()),
        );
    }
    let sum: f64 = specs.iter().map(|t| t.share).sum();
    if (sum - 1.0).abs() > 1e-9 {
        ck.fail("supply.tier", format!("shares must sum to 1, got {sum}"));
    }
    let mut tiers = Vec::new();
    for (i, t) in specs.iter().enumerate() {
        let k = |f: &str| format!("supply.tier[{i}].{f}");
        if t.name.trim().is_empty() {
            ck.fail(k("name"), "must not be empty");
        } else if specs[..i].iter().any(|u| u.name == t.name) {
            ck.fail(
                k("name"),
                format!("provider tier {:?} is defined twice", t.name),
            );
        }
        ck.unit(k("share"), t.share);
        let fault_share = t.fault_share.unwrap_or(spec.faults.share);
        if t.fault_share.is_some() {
            ck.unit(k("fault_share"), fault_share);
        }
        let own = |ck: &mut Checker, f: &str, d: &Option<DistSpec<Duration>>| {
            d.as_ref().map(|d| ck.sampler(k(f), d))
        };
        let up = own(ck, "uptime", &t.uptime);
        let down = own(ck, "downtime", &t.downtime);
        let tier_churn = match (up, down) {
            // A law that did not resolve is reported already.
            (Some(None), _) | (_, Some(None)) => None,
            (None, None) => churn.cloned(),
            (Some(Some(uptime)), Some(Some(downtime))) => Some(Churn { uptime, downtime }),
            (Some(Some(u)), None) => match churn {
                Some(c) => Some(Churn {
                    uptime: u,
                    downtime: c.downtime.clone(),
                }),
                None => {
                    ck.fail(
                        k("downtime"),
                        "is required when the tier gives uptime and churn.enabled = false",
                    );
                    None
                }
            },
            (None, Some(Some(d))) => match churn {
                Some(c) => Some(Churn {
                    uptime: c.uptime.clone(),
                    downtime: d,
                }),
                None => {
                    ck.fail(
                        k("uptime"),
                        "is required when the tier gives downtime and churn.enabled = false",
                    );
                    None
                }
            },
        };
        if let Some(c) = &tier_churn
            && (t.uptime.is_some() || t.downtime.is_some())
            && (c.uptime.mean() < 1.0 || c.downtime.mean() < 1.0)
        {
            ck.fail(
                format!("supply.tier[{i}]"),
                "mean uptime and downtime must each be at least 1ms",
            );
        }
        tiers.push(ProviderTier {
            name: t.name.clone(),
            share: t.share,
            churn: tier_churn,
            fault_share,
            audited: t.audited,
        });
    }
    tiers
}

/// The index of the provider tier `name` among `tiers` (as written), or a
/// problem at `key` naming the tiers there are.
fn tier_index(
    ck: &mut Checker,
    key: String,
    name: &str,
    tiers: &[spec::ProviderTierSpec],
) -> Option<usize> {
    let idx = tiers.iter().position(|t| t.name == name);
    if idx.is_none() {
        let known: Vec<&str> = tiers.iter().map(|t| t.name.as_str()).collect();
        if known.is_empty() {
            ck.fail(
                key,
                format!(
                    "unknown provider tier {name:?}: the fleet has no provider tiers (add [[supply.tier]] tables)"
                ),
            );
        } else {
            let hint = closest(name, known.iter().copied())
                .map(|c| format!(" (did you mean {c:?}?)"))
                .unwrap_or_default();
            ck.fail(
                key,
                format!("unknown provider tier {name:?}{hint}; tiers are {known:?}"),
            );
        }
    }
    idx
}

/// The time-series interval when `output.sample_every` is not given: the
/// first of 1 h, 6 h, 1 d and 7 d that gives at most 1,500 samples over
/// `horizon` (hourly up to 62.5 days, daily for 3 years), so that
/// `timeseries.csv` and its charts stay readable over long runs.
pub fn default_sample_every(horizon: SimTime) -> SimTime {
    const H: SimTime = 3_600_000;
    [H, 6 * H, 24 * H, 7 * 24 * H]
        .into_iter()
        .find(|&every| horizon / every <= 1_500)
        .unwrap_or(7 * 24 * H)
}

/// Checks an arrival rate (per hour) at `key`: finite, > 0 (or ≥ 0 for an
/// MMPP state with `allow_zero`), at most [`MAX_RATE_PER_HOUR`].
fn check_rate(ck: &mut Checker, key: &str, rate: f64, allow_zero: bool) {
    if ck.number(key, rate, allow_zero) && rate > MAX_RATE_PER_HOUR {
        ck.fail(
            key,
            format!(
                "must be at most {MAX_RATE_PER_HOUR} per hour (time resolves to 1 ms), got {rate}"
            ),
        );
    }
}

/// Checks and resolves the keys shared by `poisson` and `mmpp` arrivals
/// under `key` (`workload[i].arrivals`): the daily cycle, growth (whose
/// peak rate is checked against `peak_rate_per_hour`) and batches.
#[allow(clippy::too_many_arguments)]
fn resolve_arrivals(
    ck: &mut Checker,
    key: &str,
    horizon: SimTime,
    peak_rate_per_hour: f64,
    mmpp: Option<Mmpp>,
    (diurnal_amplitude, diurnal_peak_hour): (f64, f64),
    growth: Option<&GrowthSpec>,
    batch: Option<&PriceSpec>,
) -> Arrivals {
    if !(0.0..=1.0).contains(&diurnal_amplitude) {
        ck.fail(
            format!("{key}.diurnal_amplitude"),
            format!("must be in [0, 1], got {diurnal_amplitude}"),
        );
    }
    if !(0.0..24.0).contains(&diurnal_peak_hour) {
        ck.fail(
            format!("{key}.diurnal_peak_hour"),
            format!("must be in [0, 24), got {diurnal_peak_hour}"),
        );
    }
    let growth = growth
        .and_then(|g| resolve_growth(ck, &format!("{key}.growth"), g, horizon, peak_rate_per_hour));
    let batch = batch.and_then(|b| {
        let bkey = format!("{key}.batch");
        let s = match b {
            PriceSpec::Fixed(v) => ck
                .number(bkey.clone(), *v, false)
                .then_some(Sampler::Fixed(*v)),
            PriceSpec::Dist(d) => ck.sampler(bkey.clone(), d),
        }?;
        let mean = s.mean();
        if !(1.0..=MAX_BATCH as f64).contains(&mean) {
            ck.fail(
                bkey,
                format!("mean must be between 1 and {MAX_BATCH} jobs per batch, got {mean}"),
            );
            return None;
        }
        Some(s)
    });
    Arrivals {
        rate_per_hour: mmpp
            .as_ref()
            .map_or(peak_rate_per_hour, Mmpp::stationary_rate_per_hour),
        diurnal_amplitude,
        diurnal_peak_hour,
        growth,
        mmpp,
        batch,
    }
}

/// Checks and resolves `arrivals.growth` at `key` of a workload whose base
/// rate is `rate_per_hour`: every factor must be finite and > 0, and the
/// grown rate must stay within [`MAX_RATE_PER_HOUR`] up to `horizon`.
fn resolve_growth(
    ck: &mut Checker,
    key: &str,
    g: &GrowthSpec,
    horizon: SimTime,
    rate_per_hour: f64,
) -> Option<Growth> {
    let problems = ck.problems.len();
    let growth = match g {
        GrowthSpec::Exp {
            per_year,
            per_month,
        } => match (per_year, per_month) {
            (Some(r), None) | (None, Some(r)) => {
                let (name, period) = if per_year.is_some() {
                    ("per_year", MS_PER_YEAR)
                } else {
                    ("per_month", MS_PER_YEAR / 12.0)
                };
                if !r.is_finite() || *r <= -1.0 {
                    ck.fail(
                        format!("{key}.{name}"),
                        format!(
                            "must be a finite number > -1 (the rate is multiplied by 1 + {name} each period, and that factor must be > 0), got {r}"
                        ),
                    );
                    None
                } else {
                    Some(Growth::exp(1.0 + r, period))
                }
            }
            (Some(_), Some(_)) => {
                ck.fail(key, "give per_year or per_month, not both");
                None
            }
            (None, None) => {
                ck.fail(
                    key,
                    "law = \"exp\" needs per_year or per_month (e.g. per_year = 0.8 for +80% a year)",
                );
                None
            }
        },
        GrowthSpec::Logistic {
            rate_per_year,
            saturation,
        } => {
            let a = ck.number(format!("{key}.rate_per_year"), *rate_per_year, false);
            let b = ck.number(format!("{key}.saturation"), *saturation, false);
            (a && b).then(|| Growth::logistic(*rate_per_year, *saturation))
        }
        GrowthSpec::Table { points } => {
            if points.is_empty() {
                ck.fail(
                    format!("{key}.points"),
                    "needs at least one { at, factor } point",
                );
            }
            for (j, p) in points.iter().enumerate() {
                ck.number(format!("{key}.points[{j}].factor"), p.factor, false);
                if j > 0 && p.at <= points[j - 1].at {
                    ck.fail(
                        format!("{key}.points[{j}].at"),
                        format!(
                            "must be later than the point before ({} <= {})",
                            format_duration(p.at.0),
                            format_duration(points[j - 1].at.0)
                        ),
                    );
                }
            }
            (ck.problems.len() == problems).then(|| {
                let pts: Vec<(f64, f64)> =
                    points.iter().map(|p| (p.at.0 as f64, p.factor)).collect();
                Growth::table(&pts)
            })
        }
    }?;
    // Every law here is monotone between its table points, so the largest
    // factor up to the horizon is at 0, the horizon, or a table point.
    let mut peak = growth.factor(0.0).max(growth.factor(horizon as f64));
    if let Growth::Table { at_ms, factor, .. } = &growth {
        for (a, f) in at_ms.iter().zip(factor) {
            if *a <= horizon as f64 {
                peak = peak.max(*f);
            }
        }
    }
    if rate_per_hour.is_finite() && rate_per_hour * peak > MAX_RATE_PER_HOUR {
        ck.fail(
            key,
            format!(
                "grows the rate to {} per hour within the horizon, more than the {MAX_RATE_PER_HOUR} supported (time resolves to 1 ms)",
                rate_per_hour * peak
            ),
        );
        return None;
    }
    Some(growth)
}

/// Checks and resolves the profit-driven supply keys of `[supply]`; `None`
/// when `dynamic = false` (the other keys are then ignored, so a sweep may
/// switch `supply.dynamic` on and off). `initial_total` is the initial fleet.
fn dynamic_supply(
    ck: &mut Checker,
    spec: &ScenarioFile,
    initial_total: u64,
) -> Option<DynamicSupply> {
    let s = &spec.supply;
    if !s.dynamic {
        return None;
    }
    let horizon = spec.scenario.horizon.0;
    if s.review_every.0 == 0 {
        ck.fail("supply.review_every", "must be > 0");
    } else if s.review_every.0 >= horizon {
        ck.fail(
            "supply.review_every",
            format!(
                "must be shorter than scenario.horizon ({} >= {}): no review would happen",
                format_duration(s.review_every.0),
                format_duration(horizon)
            ),
        );
    }
    if s.review_cohorts == 0 {
        ck.fail(
            "supply.review_cohorts",
            "must be >= 1 (1: every provider reviews at the same time), got 0",
        );
    } else if s.review_every.0 > 0 && !s.review_every.0.is_multiple_of(s.review_cohorts as u64) {
        ck.fail(
            "supply.review_cohorts",
            format!(
                "supply.review_every ({}) must split into {} equal whole milliseconds",
                format_duration(s.review_every.0),
                s.review_cohorts
            ),
        );
    }
    if s.patience == 0 {
        ck.fail(
            "supply.patience",
            "must be >= 1 (the number of consecutive bad reviews before a provider leaves), got 0",
        );
    }
    ck.number("supply.entry_rate_per_hour", s.entry_rate_per_hour, true);
    if s.entry_rate_per_hour.is_finite() && s.entry_rate_per_hour > MAX_RATE_PER_HOUR {
        ck.fail(
            "supply.entry_rate_per_hour",
            format!(
                "must be at most {MAX_RATE_PER_HOUR} per hour, got {}",
                s.entry_rate_per_hour
            ),
        );
    }
    ck.number("supply.entry_margin_scale", s.entry_margin_scale, false);
    ck.number("supply.cost_cv", s.cost_cv, true);
    if s.cost_cv.is_finite() && s.cost_cv > MAX_COST_CV {
        ck.fail(
            "supply.cost_cv",
            format!(
                "must be at most {MAX_COST_CV} (a coefficient of variation of providers' costs), got {}",
                s.cost_cv
            ),
        );
    }
    let mut pool_gpus = vec![0u32; spec.gpu_class.len()];
    for (name, &n) in &s.pool {
        let key = format!("supply.pool.{name}");
        if let Some(i) = ck.class_index(key.clone(), name, &spec.gpu_class) {
            if n > 0 && spec.supply.initial.get(name).is_none_or(|&g| g == 0) {
                ck.fail(
                    key,
                    format!(
                        "class {name:?} has no initial fleet (supply.initial.{name}): entry follows the margin of the class's providers, so it would never enter"
                    ),
                );
            }
            pool_gpus[i] = n;
        }
    }
    let pool_total: u64 = pool_gpus.iter().map(|&n| n as u64).sum();
    if initial_total + pool_total > 50_000_000 {
        ck.fail(
            "supply.pool",
            format!(
                "{} GPUs (initial + pool) is more than the 50,000,000 supported",
                initial_total + pool_total
            ),
        );
    }
    Some(DynamicSupply {
        review_every: s.review_every.0,
        patience: s.patience,
        pool_gpus,
        entry_rate_per_hour: s.entry_rate_per_hour,
        entry_margin_scale: s.entry_margin_scale,
        onboarding: s.onboarding.0,
        cost_cv: s.cost_cv,
        review_cohorts: s.review_cohorts.max(1),
    })
}
