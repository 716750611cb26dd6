//! One module per subcommand; each has a `run` returning `Result`.

pub mod plot;
pub mod report;
pub mod run;
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
        Command::Plot(args) => plot::run(args),
        Command::Report(args) => report::run(args),
    }
}

/// Parses `--set` arguments.
pub fn parse_sets(file: &str, sets: &[String]) -> Result<Vec<Override>> {
    sets.iter()
        .map(|s| parse_override(s).map_err(|e| Error::input(file, "", e)))
        .collect()
}
