//! The `depinsim` binary: parse the command line, run, map errors to exit
//! codes (2 bad input, 1 anything else).

use clap::Parser;
use depinsim::cli::Cli;

fn main() {
    let argv: Vec<String> = std::env::args().collect();
    let cli = Cli::parse();
    depinsim::set_quiet(cli.quiet);
    if let Err(e) = depinsim::cmd::dispatch(cli, &argv) {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}
