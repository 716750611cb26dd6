//! `depinsim sweep`: a scenario at many parameter points × replications, in
//! parallel, streamed to disk in run order; resumable and shardable.

use super::Prelude;
use crate::cli::SweepArgs;
use crate::error::Result;
use crate::output::place::{Kind, Place};
use crate::output::report::write_report;
use crate::runner::Control;
use crate::scenario::bounds;
use crate::sweep::exec::WINDOW_PER_THREAD;
use crate::sweep::store::Start;
use crate::sweep::{Shard, SweepEnd, SweepJob, SweepRequest};
use indicatif::ProgressStyle;
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
    let t0 = Instant::now();
    let shard = args.shard.unwrap_or(Shard::ALL);
    let job = SweepJob::new(
        SweepRequest {
            file,
            text,
            base_sets: sets,
            params: args.params.clone(),
            zip: args.zip,
            replications: args.replications,
        },
        shard,
        args.out.clone(),
        args.threads,
    )?;
    let (out, runs, what) = (&job.out, job.runs(), job.describe());
    let threads = job.threads;
    let (plan, record) = (&job.plan, &job.record);
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
    // A dry run writes nothing, so it takes no lock; a real one holds the
    // directory until it ends (a second writer stops here, exit 2).
    let _place = if args.dry_run {
        None
    } else {
        let place = Place::lock(out, argv)?;
        if args.force && !matches!(place.kind()?, Kind::Absent | Kind::Empty) {
            place.check_force()?;
            place.remove_out()?;
        }
        Some(place)
    };
    let start = job.check(args.resume)?;
    if args.dry_run {
        let state = match &start {
            Start::Fresh => "would start".to_string(),
            Start::Resume(p) => format!("would resume after {} of {runs} runs", p.runs_done),
            Start::Complete(_) => "is complete".to_string(),
        };
        println!(
            "{}: ok: sweep of {what}; {state} in {}",
            job.record.scenario_file,
            out.display()
        );
        return Ok(());
    }
    let done_before = match &start {
        Start::Resume(p) => p.runs_done,
        Start::Fresh | Start::Complete(_) => 0,
    };
    let bar = crate::progress_bar(runs).with_position(done_before);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}")
            .expect("the progress template is valid"),
    );
    bar.reset_eta();
    let ctl = std::sync::Arc::new(Control::default());
    let hint = resume_hint(argv);
    watch_ctrl_c(&ctl, &hint);
    let end = job.run(start, argv.to_vec(), &ctl, |_| bar.inc(1));
    bar.finish_and_clear();
    let end = end.map_err(|e| match e {
        crate::error::Error::Interrupted(m) => crate::error::Error::Interrupted(format!(
            "sweep {m}; the finished runs are kept in {}. Resume with:\n  {hint}",
            out.display()
        )),
        e => e,
    })?;
    let (now, events) = match end {
        SweepEnd::AlreadyComplete => {
            crate::note!(
                "depinsim: sweep of {what} in {} is already complete; nothing to do",
                out.display()
            );
            return Ok(());
        }
        SweepEnd::Finalized => {
            let report = report_of(out, shard, args.no_plots)?;
            crate::note!(
                "depinsim: sweep of {what}: all runs were done; final files written in {}{report}",
                out.display()
            );
            return Ok(());
        }
        SweepEnd::Ran { now, events, .. } => (now, events),
    };

    let wall = t0.elapsed().as_secs_f64();
    let resumed = if done_before > 0 {
        format!(" (resumed: {done_before} were done before)")
    } else {
        String::new()
    };
    let report = report_of(out, shard, args.no_plots)?;
    crate::note!(
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

/// The command that resumes this sweep: the same words, with `--resume`.
pub fn resume_hint(argv: &[String]) -> String {
    let quote = |w: &String| -> String {
        let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c);
        if !w.is_empty() && w.chars().all(plain) {
            w.clone()
        } else {
            format!("'{}'", w.replace('\'', "'\\''"))
        }
    };
    let mut words: Vec<String> = argv.iter().filter(|w| *w != "--force").map(quote).collect();
    if let Some(first) = words.first_mut() {
        // The program as the user would type it, not a build path.
        if first.ends_with("/depinsim") {
            *first = "depinsim".into();
        }
    }
    if !argv.iter().any(|w| w == "--resume") {
        words.push("--resume".into());
    }
    words.join(" ")
}

/// On Ctrl-C: the first stops the sweep after the runs in progress (they
/// are committed to the journal) and says so; a second ends the process at
/// once (the journal still holds every committed run).
fn watch_ctrl_c(ctl: &std::sync::Arc<Control>, hint: &str) {
    let ctl = std::sync::Arc::clone(ctl);
    let hint = hint.to_string();
    let presses = std::sync::atomic::AtomicU32::new(0);
    // Only one handler per process; if one is set (a library caller's),
    // leave it.
    let _ = ctrlc::set_handler(move || {
        if presses.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            eprintln!(
                "\ndepinsim: interrupted: finishing the runs in progress (Ctrl-C again to stop at once)"
            );
            ctl.cancel();
        } else {
            eprintln!("\ndepinsim: stopped; resume with:\n  {hint}");
            std::process::exit(130);
        }
    });
}
