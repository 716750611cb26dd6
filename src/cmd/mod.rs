//! One module per subcommand; each has a `run` returning `Result`.

pub mod merge;
pub mod plan;
pub mod plot;
pub mod report;
pub mod run;
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
        Command::Validate(args) => validate::run(args),
        Command::Table(args) => table::run(args),
        Command::Sweep(args) => sweep::run(args, argv),
        Command::Merge(args) => merge::run(args, argv),
        Command::Plot(args) => plot::run(args),
        Command::Report(args) => report::run(args),
        Command::Plan(args) => plan::run(args, argv),
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

/// Parses `--set` arguments.
pub fn parse_sets(file: &str, sets: &[String]) -> Result<Vec<Override>> {
    sets.iter()
        .map(|s| parse_override(s).map_err(|e| Error::input(file, "", e)))
        .collect()
}
