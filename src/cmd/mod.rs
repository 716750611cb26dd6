//! One module per subcommand; each has a `run` returning `Result`.

pub mod init;
pub mod merge;
pub mod plan;
pub mod plot;
pub mod report;
pub mod run;
pub mod schema;
pub mod sweep;
pub mod table;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};
use crate::scenario::{Override, parse_override};

/// Runs the parsed command line.
pub fn dispatch(cli: Cli, argv: &[String]) -> Result<()> {
    match cli.command {
        Command::Run(args) => run::run(args, argv),
        Command::Validate(args) => validate::run(args, argv),
        Command::Table(args) => table::run(args),
        Command::Sweep(args) => sweep::run(args, argv),
        Command::Merge(args) => merge::run(args, argv),
        Command::Plot(args) => plot::run(args, argv),
        Command::Report(args) => report::run(args, argv),
        Command::Plan(args) => plan::run(args, argv),
        Command::Init(args) => init::run(args),
        Command::Schema(args) => schema::run(args),
    }
}

/// Command-line options that are scenario keys (`--seed`, `--replications`,
/// `--design`) as `--set` texts, so they are checked (and recorded in the
/// manifest) exactly like the file.
pub fn option_overrides(
    seed: Option<u64>,
    replications: Option<u32>,
    designs: &[String],
) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(s) = seed {
        v.push(format!("scenario.seed={s}"));
    }
    if let Some(r) = replications {
        v.push(format!("scenario.replications={r}"));
    }
    if !designs.is_empty() {
        let quoted: Vec<String> = designs.iter().map(|d| format!("{d:?}")).collect();
        v.push(format!("scenario.designs=[{}]", quoted.join(", ")));
    }
    v
}

/// What the scenario-running commands (`run`, `sweep`, `plan`) share
/// before their own work: the file's name for messages, a check of
/// `--threads`, and the overrides from the options (`--seed`,
/// `--replications`, `--design`) followed by the `--set`s.
pub struct Prelude {
    pub file: String,
    pub sets: Vec<Override>,
}

impl Prelude {
    pub fn new(
        scenario: &std::path::Path,
        threads: Option<usize>,
        seed: Option<u64>,
        replications: Option<u32>,
        designs: &[String],
        set: &[String],
    ) -> Result<Self> {
        let file = scenario.display().to_string();
        if threads == Some(0) {
            return Err(Error::Usage("--threads must be at least 1".into()));
        }
        let mut sets = parse_sets(&file, &option_overrides(seed, replications, designs))?;
        sets.extend(parse_sets(&file, set)?);
        Ok(Self { file, sets })
    }

    /// The scenario file's text (for commands that re-parse it per point).
    pub fn read(&self, scenario: &std::path::Path) -> Result<String> {
        std::fs::read_to_string(scenario).map_err(|e| {
            Error::input(
                &self.file,
                "",
                format!("cannot read the scenario file: {e}"),
            )
        })
    }
}

/// Checks `runs` runs of `sc` (each as large as its largest estimate)
/// against `limits`: `threads` of them at once, all their results held
/// until the end when `keep_all` (a `run`) or a reorder window's worth
/// otherwise (a sweep streams them).
pub fn check_bounds(
    sc: &crate::scenario::Scenario,
    runs: u64,
    threads: usize,
    keep_all: bool,
    limits: &crate::scenario::bounds::Limits,
) -> Result<()> {
    use crate::scenario::bounds;
    let est = bounds::estimate_run(sc);
    let in_flight = (threads.max(1) as u64).min(runs.max(1));
    let kept = if keep_all {
        runs
    } else {
        (crate::sweep::exec::WINDOW_PER_THREAD * threads as u64).min(runs)
    };
    bounds::check(
        &sc.file,
        &est,
        est.events * runs as f64,
        bounds::Workload {
            runs: runs as f64,
            in_flight: in_flight as f64,
            kept: kept as f64,
        },
        limits,
    )
}

/// Worker threads: `--threads`, else every core.
pub fn threads_of(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    })
}

/// Parses `--set` arguments.
pub fn parse_sets(file: &str, sets: &[String]) -> Result<Vec<Override>> {
    sets.iter()
        .map(|s| parse_override(s).map_err(|e| Error::input(file, "", e)))
        .collect()
}
