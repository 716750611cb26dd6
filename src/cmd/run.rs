//! `depinsim run`: every replicate × design of one scenario, in parallel.

use super::Prelude;
use crate::cli::RunArgs;
use crate::error::{Error, Result};
use crate::output::report::write_report;
use crate::output::run_dir::{RunFiles, run_manifest};
use crate::runner::{plan_runs, run_all};
use crate::scenario;
use std::path::PathBuf;
use std::time::Instant;

/// Runs the scenario and writes its output directory.
pub fn run(args: RunArgs, argv: &[String]) -> Result<()> {
    let Prelude { file, sets } = Prelude::new(
        &args.scenario,
        args.threads,
        args.seed,
        args.replications,
        &args.designs,
        &args.set,
    )?;
    let sc = scenario::load(&args.scenario, &sets)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&sc.name));
    if out.exists() && !out.is_dir() {
        return Err(Error::Usage(format!(
            "--out {}: exists and is not a directory",
            out.display()
        )));
    }

    let t0 = Instant::now();
    let runs = plan_runs(&sc, 0);
    let results = run_all(&sc, &runs, args.threads)?;
    let wall = t0.elapsed().as_secs_f64();
    let events: u64 = results.iter().map(|r| r.events).sum();

    let files = RunFiles::build(&sc, &results)?;
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads);
    let manifest = run_manifest(argv, &file, &sc, &sets, &results, wall, threads);
    files.write(&out, &manifest)?;

    // The report draws the charts into plots/ first.
    let report = if args.no_plots {
        String::new()
    } else {
        let path = write_report(std::slice::from_ref(&out), None)?;
        format!("; charts in plots/, report in {}", path.display())
    };
    // One closing line (the CLI contract): events, wall seconds, events/s.
    eprintln!(
        "depinsim: {} runs, {events} events in {wall:.2} s wall, {:.2} M events/s; results in {}{report}",
        results.len(),
        events as f64 / wall.max(1e-9) / 1e6,
        out.display()
    );
    Ok(())
}
