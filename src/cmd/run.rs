//! `depinsim run`: every replicate × design of one scenario, in parallel.

use super::{Prelude, check_bounds, threads_of};
use crate::cli::RunArgs;
use crate::error::Result;
use crate::output::place::{Kind, Place};
use crate::output::report::write_report_as;
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
    let threads = threads_of(args.threads);
    // Counted, not listed: a list of 4 billion runs is what must not be
    // allocated.
    let per_replicate = sc.designs.len() + sc.world.as_ref().map_or(0, |w| w.strategies.len());
    let run_count = sc.replications as u64 * per_replicate as u64;
    check_bounds(&sc, run_count, threads, true, &args.limits.limits())?;
    // Everything checked: take the directory (a second writer stops here),
    // and refuse what a run may not replace before spending time on it.
    let place = Place::lock(&out, argv)?;
    place.check_replace(Kind::Run, args.force)?;

    let t0 = Instant::now();
    let runs = plan_runs(&sc, 0);
    let results = run_all(&sc, &runs, args.threads)?;
    let wall = t0.elapsed().as_secs_f64();
    let events: u64 = results.iter().map(|r| r.events).sum();

    let files = RunFiles::build(&sc, &results)?;
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads);
    let manifest = run_manifest(argv, &file, &sc, &sets, &results, wall, threads);

    // The whole directory is built beside --out and renamed into place:
    // a reader (or a kill) sees the previous result or this one, and no
    // file of an earlier run (an aggregate.csv of more replicates, a
    // sweep's journal) survives.
    let tmp = place.temp_dir("run")?;
    let built = (|| -> Result<String> {
        files.write(&tmp, &manifest)?;
        // The report draws the charts into plots/ first.
        let report = if args.no_plots {
            String::new()
        } else {
            write_report_as(&[(tmp.clone(), out.clone())], None)?;
            format!(
                "; charts in plots/, report in {}",
                out.join("report.html").display()
            )
        };
        place.install(&tmp)?;
        Ok(report)
    })();
    if built.is_err() {
        let _ = crate::output::place::remove_any(&tmp);
    }
    let report = built?;
    // One closing line (the CLI contract): events, wall seconds, events/s.
    crate::note!(
        "depinsim: {} runs, {events} events in {wall:.2} s wall, {:.2} M events/s; results in {}{report}",
        results.len(),
        events as f64 / wall.max(1e-9) / 1e6,
        out.display()
    );
    Ok(())
}
