//! `depinsim sweep`: a scenario at many parameter points × replications, in
//! parallel, streamed to disk in run order; resumable and shardable.

use super::Prelude;
use crate::cli::SweepArgs;
use crate::error::{Error, Result};
use crate::output::place::{Kind, Place};
use crate::output::report::write_report;
use crate::scenario::bounds;
use crate::sweep::exec::WINDOW_PER_THREAD;
use crate::sweep::exec::execute;
use crate::sweep::store::{
    FORMAT, Session, Start, SweepRecord, SweepWriter, check_start, finalize,
};
use crate::sweep::{Shard, SweepPlan, SweepRequest};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Instant;

/// Checks the sweep, then runs (or resumes) it into its directory.
pub fn run(args: SweepArgs, argv: &[String]) -> Result<()> {
    let pre = Prelude::new(
        &args.scenario,
        args.threads,
        args.seed,
        None,
        &args.designs,
        &args.set,
    )?;
    let text = pre.read(&args.scenario)?;
    let Prelude { file, sets } = pre;
    let threads = super::threads_of(args.threads);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    let t0 = Instant::now();
    let plan = SweepPlan::new(
        SweepRequest {
            file: file.clone(),
            text,
            base_sets: sets,
            params: args.params.clone(),
            zip: args.zip,
            replications: args.replications,
        },
        &pool,
    )?;
    let shard = args.shard.unwrap_or(Shard::ALL);
    let out = args.out.clone().unwrap_or_else(|| {
        let name = if shard == Shard::ALL {
            plan.base.name.clone()
        } else {
            format!("{}-shard-{}-of-{}", plan.base.name, shard.k, shard.n)
        };
        PathBuf::from("results").join(name)
    });
    let record = SweepRecord {
        format: FORMAT.to_string(),
        scenario_file: file,
        overrides: plan.base_sets.iter().map(|o| o.text.clone()).collect(),
        param_columns: plan.grid.keys(),
        shard,
        identity: plan.identity()?,
    };
    let runs = shard.runs_of(plan.total_runs());
    let share = runs as f64 / plan.total_runs().max(1) as f64;
    bounds::check(
        &record.scenario_file,
        &plan.largest_run,
        plan.events * share,
        bounds::Workload {
            runs: runs as f64,
            in_flight: (threads as u64).min(runs.max(1)) as f64,
            kept: (WINDOW_PER_THREAD * threads as u64).min(runs) as f64,
        },
        &args.limits.limits(),
    )?;
    let what = if shard == Shard::ALL {
        format!(
            "{} ({})",
            count(plan.points(), "point"),
            count(plan.total_runs(), "run")
        )
    } else {
        format!(
            "{} ({}), shard {shard} ({})",
            count(plan.points(), "point"),
            count(plan.total_runs(), "run"),
            count(runs, "run")
        )
    };
    let session = Session {
        command: argv.to_vec(),
        threads,
        runs: 0,
        wall_seconds: 0.0,
    };
    // A dry run writes nothing, so it takes no lock; a real one holds the
    // directory until it ends (a second writer stops here, exit 2).
    let _place = if args.dry_run {
        None
    } else {
        let place = Place::lock(&out, argv)?;
        if args.force && !matches!(place.kind()?, Kind::Absent | Kind::Empty) {
            place.check_force()?;
            place.remove_out()?;
        }
        Some(place)
    };
    let start = check_start(&out, &record, runs, args.resume)?;
    if args.dry_run {
        let state = match &start {
            Start::Fresh => "would start".to_string(),
            Start::Resume(p) => format!("would resume after {} of {runs} runs", p.runs_done),
            Start::Complete(_) => "is complete".to_string(),
        };
        println!(
            "{}: ok: sweep of {what}; {state} in {}",
            record.scenario_file,
            out.display()
        );
        return Ok(());
    }
    let progress = match start {
        Start::Complete(p) => {
            eprintln!(
                "depinsim: sweep of {what} in {} is already complete; nothing to do",
                out.display()
            );
            debug_assert_eq!(p.runs_done, runs);
            return Ok(());
        }
        Start::Resume(p) if p.runs_done == runs => {
            finalize(&out, &record, p)?;
            let report = report_of(&out, shard, args.no_plots)?;
            eprintln!(
                "depinsim: sweep of {what}: all runs were done; final files written in {}{report}",
                out.display()
            );
            return Ok(());
        }
        Start::Resume(p) => Some(p),
        Start::Fresh => None,
    };
    let mut writer = SweepWriter::open(&out, record, progress, runs, session)?;
    let done_before = writer.runs_done();

    let bar = ProgressBar::new(runs).with_position(done_before);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}")
            .expect("the progress template is valid"),
    );
    bar.reset_eta();
    let mut events = 0u64;
    let mut cells: Option<(u64, Vec<String>)> = None;
    execute(&plan, shard, done_before, &pool, threads, |_, r| {
        let point = r.spec.point;
        if cells.as_ref().is_none_or(|(p, _)| *p != point) {
            cells = Some((point, plan.grid.cells(point)));
        }
        let (_, c) = cells.as_ref().expect("cells of the current point");
        writer.write(&r, c)?;
        events += r.events;
        bar.inc(1);
        Ok(())
    })?;
    bar.finish_and_clear();
    writer.finish()?;

    let wall = t0.elapsed().as_secs_f64();
    let now = runs - done_before;
    let resumed = if done_before > 0 {
        format!(" (resumed: {done_before} were done before)")
    } else {
        String::new()
    };
    let report = report_of(&out, shard, args.no_plots)?;
    eprintln!(
        "depinsim: sweep of {what}: {now} runs done{resumed}, {events} events in {wall:.2} s wall, {:.1} runs/s, {:.2} M events/s; results in {}{report}",
        now as f64 / wall.max(1e-9),
        events as f64 / wall.max(1e-9) / 1e6,
        out.display()
    );
    Ok(())
}

/// Draws the charts and writes the report of a finished sweep, unless asked
/// not to or the directory is one shard (its report comes after `merge`).
/// Returns the tail of the closing line.
fn report_of(out: &std::path::Path, shard: Shard, no_plots: bool) -> Result<String> {
    if no_plots {
        return Ok(String::new());
    }
    if shard != Shard::ALL {
        return Ok("; charts and report after `depinsim merge` and `depinsim report`".into());
    }
    let path = write_report(&[out.to_path_buf()], None)?;
    Ok(format!("; charts in plots/, report in {}", path.display()))
}

/// `n` and `word`, plural unless n = 1.
fn count(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
