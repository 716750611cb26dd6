//! Command-line definitions (clap).

use crate::scenario::bounds::{self, Limits};
use crate::sweep::Shard;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// depinsim: a deterministic simulator of decentralized GPU compute markets.
#[derive(Parser, Debug)]
#[command(
    name = "depinsim",
    version,
    about,
    long_about = None,
    after_help = "Exit codes: 0 ok; 1 failure (I/O, interrupted); 2 bad input (usage, scenario: \
nothing is written); 3 plan: a target unreachable within --range (its results are written)."
)]
pub struct Cli {
    /// No progress bars and no closing summary lines on stderr (errors and
    /// warnings still print).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario: every replicate × design, in parallel; write results.
    Run(RunArgs),
    /// Check scenario files without running them.
    Validate(ValidateArgs),
    /// Print the per-design comparison of a results directory (Markdown,
    /// CSV or JSON).
    Table(TableArgs),
    /// Run a scenario at many parameter points, in parallel, with
    /// replications; resumable, and shardable across machines.
    Sweep(SweepArgs),
    /// Combine the shard directories of one sweep into one directory.
    Merge(MergeArgs),
    /// Draw the SVG charts of a results directory into DIR/plots/.
    Plot(PlotArgs),
    /// Write a self-contained HTML report of one or more results directories.
    Report(ReportArgs),
    /// Capacity planning: per design, the smallest value of a key (e.g.
    /// supply.initial.H100) at which every target holds with 95% confidence.
    /// Exits 3 (after writing its results) when a design cannot meet the
    /// targets anywhere in the range.
    Plan(PlanArgs),
    /// Write a commented scenario file to start from.
    Init(InitArgs),
    /// Print the JSON Schema of scenario files (for editors and TOML
    /// language servers such as taplo).
    Schema(SchemaArgs),
}

/// The resource limits a scenario is checked against before it runs
/// (`run`, `sweep`, `plan`, `validate`).
#[derive(Args, Debug, Clone, Default)]
pub struct LimitArgs {
    /// Refuse to start when the estimated peak memory is above SIZE
    /// (e.g. 512M, 16G) [default: 8G].
    #[arg(long, value_name = "SIZE", value_parser = bounds::parse_size)]
    pub max_memory: Option<u64>,
    /// Refuse to start more than N simulation runs (replications × designs
    /// × points) [default: 1000000].
    #[arg(long, value_name = "N", value_parser = bounds::parse_count)]
    pub max_runs: Option<u64>,
    /// Refuse to start when the estimated simulation events of all runs
    /// are above N (e.g. 1e12) [default: 1e11].
    #[arg(long, value_name = "N", value_parser = bounds::parse_count)]
    pub max_events: Option<u64>,
}

impl LimitArgs {
    /// The limits, defaults where not given.
    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_memory_bytes: self.max_memory.unwrap_or(d.max_memory_bytes),
            max_runs: self.max_runs.unwrap_or(d.max_runs),
            max_events: self.max_events.unwrap_or(d.max_events),
        }
    }
}

/// `depinsim run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Output directory [default: results/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Master seed (overrides scenario.seed); 0 to 2^63 - 1, as in TOML.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Replications (overrides scenario.replications).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Run only this design (repeatable; overrides scenario.designs).
    #[arg(long = "design", value_name = "DESIGN")]
    pub designs: Vec<String>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override a scenario key by dotted path, e.g.
    /// `--set workload.training.arrivals.rate_per_hour=4` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Do not draw DIR/plots/ nor write DIR/report.html after the run.
    #[arg(long)]
    pub no_plots: bool,
    /// Replace --out even if it holds something other than a run's result
    /// (a sweep, a plan, files depinsim did not write).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `depinsim validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Overrides to apply before checking, as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `depinsim table`.
#[derive(Args, Debug)]
pub struct TableArgs {
    /// A results directory with an aggregate.csv.
    pub dir: PathBuf,
    /// Sweep point to show; its swept parameters' values head the table.
    #[arg(long, default_value_t = 0)]
    pub point: u64,
    /// Metric to show (repeatable) [default: cost, waits, stability, rework,
    /// quality, lost demand, utilization].
    #[arg(long = "metric", value_name = "METRIC")]
    pub metrics: Vec<String>,
    /// Instead, one row per workload for METRIC (e.g. usd_per_gpu_hour),
    /// from workloads.csv: designs compared on the same jobs.
    #[arg(long, value_name = "METRIC", conflicts_with = "metrics")]
    pub by_workload: Option<String>,
    /// Instead, a sweep's metric (--metric, default usd_per_gpu_hour)
    /// against the swept parameter KEY: one row per point, sorted by KEY.
    #[arg(long, value_name = "KEY", conflicts_with_all = ["by_workload", "point"])]
    pub by_param: Option<String>,
    /// Instead, world runs: one row per strategy (from strategies.csv), one
    /// column per metric (--metric, default: cost of every job, paid on
    /// the networks, mean and p95 wait, interruptions, jobs lost).
    #[arg(long, conflicts_with_all = ["by_workload", "by_param"])]
    pub strategies: bool,
    /// Output format: a Markdown table, or CSV or JSON records (one per
    /// cell: keys, design, mean, ci95_low, ci95_high, n) for scripts.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// `depinsim sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// The scenario file (TOML); its `[sweep]` table is used when no
    /// `--param` is given.
    pub scenario: PathBuf,
    /// A parameter to vary, by dotted path as for `--set`:
    /// `KEY=V1,V2,...`, `KEY=LO:HI:STEP` or `KEY=LO:HI:xFACTOR`, or a mix
    /// (repeatable; replaces the file's `[sweep]` parameters).
    #[arg(long = "param", value_name = "KEY=VALUES")]
    pub params: Vec<String>,
    /// Pair the parameters' values position by position instead of taking
    /// every combination.
    #[arg(long)]
    pub zip: bool,
    /// Replications of every point (overrides `[sweep].replications` and
    /// `scenario.replications`).
    #[arg(long)]
    pub replications: Option<u32>,
    /// Master seed (overrides scenario.seed); 0 to 2^63 - 1, as in TOML.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Run only this design (repeatable; overrides scenario.designs).
    #[arg(long = "design", value_name = "DESIGN")]
    pub designs: Vec<String>,
    /// Override a base scenario key before sweeping (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory [default: results/<scenario name>/, or
    /// results/<scenario name>-shard-K-of-N/ for a shard].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only shard K of N: the runs i with i mod N = K - 1. Combine the N
    /// shard directories with `depinsim merge`.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Continue the interrupted sweep in --out without redoing finished runs
    /// (starts it if there is none).
    #[arg(long)]
    pub resume: bool,
    /// Check everything (scenario, every point, --out) and print the size of
    /// the sweep, but run and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not draw DIR/plots/ nor write DIR/report.html after the sweep.
    #[arg(long)]
    pub no_plots: bool,
    /// Start afresh in --out even if it holds something else (another
    /// sweep, a run, files depinsim did not write): its content is removed.
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `depinsim merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shard directories, one per shard, in any order.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged sweep (must not exist, or be empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace --out even if it holds something (a previous merge, a run,
    /// files depinsim did not write).
    #[arg(long)]
    pub force: bool,
}

/// `depinsim plot`.
#[derive(Args, Debug)]
pub struct PlotArgs {
    /// A results directory (of `run` or `sweep`).
    pub dir: PathBuf,
}

/// `depinsim report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Results directories; several are compared side by side.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output file [default: DIR/report.html for one directory; for
    /// several, report-A-vs-B.html beside the first].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `depinsim plan`.
#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// A service level to meet: `METRIC<=X` or `METRIC>=X`, METRIC a numeric
    /// column of summary.csv, e.g. 'p95_wait_h<=0.5' (repeatable: all must hold).
    #[arg(long = "target", value_name = "METRIC<=X", required = true)]
    pub targets: Vec<String>,
    /// The key to vary, by dotted path as for `--set`, e.g. supply.initial.H100.
    #[arg(long, value_name = "KEY")]
    pub vary: String,
    /// The values to search, `LO..HI` (integers for integer keys).
    #[arg(long, value_name = "LO..HI", allow_hyphen_values = true)]
    pub range: String,
    /// Replications at every point, and the step by which a point near the
    /// threshold gets more [default: scenario.replications, at least 3].
    #[arg(long)]
    pub replications: Option<u32>,
    /// The most replications a point may get [default: 4 × --replications].
    #[arg(long)]
    pub max_replications: Option<u32>,
    /// Real-valued keys: bisection stops when the bracket is this narrow
    /// [default: (HI - LO) / 256].
    #[arg(long)]
    pub tolerance: Option<f64>,
    /// Master seed (overrides scenario.seed); 0 to 2^63 - 1, as in TOML.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Plan only this design (repeatable; overrides scenario.designs).
    #[arg(long = "design", value_name = "DESIGN")]
    pub designs: Vec<String>,
    /// Override a scenario key before planning (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory [default: results/<scenario name>-plan/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace --out even if it holds something other than a plan's result.
    #[arg(long)]
    pub force: bool,
    /// How the answers print: a Markdown table, or CSV or JSON records
    /// (one per design and target) for scripts.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `depinsim init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Which scenario to start from: `minimal` (four designs on their
    /// defaults), `baseline` (the mixed workload, every key shown), `ai`
    /// (an AI lab), `render` (a render studio) or `web` (a web backend).
    #[arg(long, value_name = "TEMPLATE", default_value = "minimal",
          value_parser = ["minimal", "baseline", "ai", "render", "web"])]
    pub template: String,
    /// File to write [default: scenario.toml]; `-` prints to stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `depinsim schema`.
#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// File to write [default: stdout].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// How `table` and `plan` print: a Markdown table for people, CSV or JSON
/// (one record per cell, tidy) for scripts.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Markdown,
    Csv,
    Json,
}
