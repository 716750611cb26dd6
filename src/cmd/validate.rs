//! `depinsim validate FILE...`: check scenario files, report every problem.

use super::{check_bounds, parse_sets, threads_of};
use crate::cli::ValidateArgs;
use crate::error::{Error, Result};
use crate::scenario::{self, Scenario, bounds};
use crate::sweep::exec::WINDOW_PER_THREAD;
use crate::sweep::{SweepPlan, SweepRequest};
use std::path::Path;

/// Checks each file; prints `ok` lines to stdout and problems to stderr.
/// Fails (exit 2) if any file has a problem.
pub fn run(args: ValidateArgs, _argv: &[String]) -> Result<()> {
    let threads = threads_of(None);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    let limits = args.limits.limits();
    let mut bad = Vec::new();
    for path in &args.scenarios {
        let file = path.display().to_string();
        let checked = parse_sets(&file, &args.set).and_then(|sets| {
            let sc = scenario::load(path, &sets)?;
            let per_replicate =
                sc.designs.len() + sc.world.as_ref().map_or(0, |w| w.strategies.len());
            let runs = sc.replications as u64 * per_replicate as u64;
            check_bounds(&sc, runs, threads, true, &limits)?;
            check_sweep(path, &sc, sets, &pool, threads, &limits)?;
            Ok(sc)
        });
        match checked {
            Ok(sc) => println!(
                "{file}: ok (designs {}; {} workload{}; {} units of capacity; horizon {})",
                sc.designs
                    .iter()
                    .map(|d| d.name())
                    .collect::<Vec<_>>()
                    .join(", "),
                sc.workloads.len(),
                if sc.workloads.len() == 1 { "" } else { "s" },
                sc.total_gpus(),
                scenario::format_duration(sc.horizon)
            ),
            Err(e) => bad.push(e.to_string()),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(bad.join("\n")))
    }
}

/// Checks the file's `[sweep]` table, if it has one, exactly as `depinsim
/// sweep FILE` would (every point, and the resource bounds).
fn check_sweep(
    path: &Path,
    sc: &Scenario,
    sets: Vec<scenario::Override>,
    pool: &rayon::ThreadPool,
    threads: usize,
    limits: &bounds::Limits,
) -> Result<()> {
    if sc.spec.sweep.is_none() {
        return Ok(());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(&sc.file, "", format!("cannot read the scenario file: {e}")))?;
    let plan = SweepPlan::new(
        SweepRequest {
            file: sc.file.clone(),
            text,
            base_sets: sets,
            ..SweepRequest::default()
        },
        pool,
    )?;
    let runs = plan.total_runs();
    bounds::check(
        &sc.file,
        &plan.largest_run,
        plan.events,
        bounds::Workload {
            runs: runs as f64,
            in_flight: (threads as u64).min(runs.max(1)) as f64,
            kept: (WINDOW_PER_THREAD * threads as u64).min(runs) as f64,
        },
        limits,
    )
}
