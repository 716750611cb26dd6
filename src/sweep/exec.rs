//! The parallel executor: workers in a rayon pool take runs in order from a
//! shared feed, each builds and runs its own simulation, and the calling
//! thread puts the results back in run order through a reorder buffer and
//! hands them on one by one. A worker may run ahead of the oldest unfinished
//! run by at most [`WINDOW_PER_THREAD`] × threads runs, so the buffer — and
//! the memory of the sweep — stays bounded whatever the number of points.

use super::plan::SweepPlan;
use super::shard::Shard;
use crate::error::{Error, Result};
use crate::runner::{Control, RunResult, run_spec};
use crate::scenario::Scenario;
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

/// How far ahead of the oldest unfinished run the workers may go, per thread.
pub const WINDOW_PER_THREAD: u64 = 8;

/// What the workers share: the next run to take and how far they may go.
struct Feed {
    /// Next run (index within the shard) to hand out.
    next: u64,
    /// Runs at or past this index wait until the writer catches up.
    limit: u64,
    /// Set when the writer gives up: workers stop taking runs.
    stop: bool,
    /// The scenario of the point being handed out (built once per point).
    point: Option<(u64, Arc<Scenario>)>,
}

/// Runs the runs `from..shard_runs` of `shard` of `plan` on `pool`
/// (`threads` workers), calling `sink(j, results)` for each in order of `j`
/// (one result, or one per network for a world run)
/// on the calling thread. A `sink` error stops the workers after their
/// current run and is returned. Each run handed to `sink` is counted in
/// `ctl`; once `ctl` is cancelled the workers take no new run, and the runs
/// that finished in order are handed on before [`Error::Interrupted`] is
/// returned.
pub fn execute(
    plan: &SweepPlan,
    shard: Shard,
    from: u64,
    pool: &rayon::ThreadPool,
    threads: usize,
    ctl: &Control,
    mut sink: impl FnMut(u64, Vec<RunResult>) -> Result<()>,
) -> Result<()> {
    let end = shard.runs_of(plan.total_runs());
    let window = WINDOW_PER_THREAD * threads as u64;
    let feed = Mutex::new(Feed {
        next: from,
        limit: from + window,
        stop: false,
        point: None,
    });
    let wake = Condvar::new();
    let (tx, rx) = mpsc::channel::<(u64, Result<Vec<RunResult>>)>();
    let lock = || {
        feed.lock()
            .expect("no worker panics while holding the feed")
    };

    let worker = |tx: mpsc::Sender<(u64, Result<Vec<RunResult>>)>| {
        loop {
            let (j, i, sc) = {
                let mut f = lock();
                while !f.stop && f.next < end && f.next >= f.limit {
                    f = wake
                        .wait(f)
                        .expect("no worker panics while holding the feed");
                }
                if f.stop || f.next >= end || ctl.is_cancelled() {
                    return;
                }
                let j = f.next;
                f.next += 1;
                let i = shard.global(j);
                let p = plan.point_of(i);
                let sc = match &f.point {
                    Some((q, sc)) if *q == p => Arc::clone(sc),
                    _ => match plan.point_scenario(p) {
                        Ok(sc) => {
                            let sc = Arc::new(sc);
                            f.point = Some((p, Arc::clone(&sc)));
                            sc
                        }
                        Err(e) => {
                            f.stop = true;
                            let _ = tx.send((j, Err(e)));
                            return;
                        }
                    },
                };
                (j, i, sc)
            };
            let spec = plan.run_spec(i, &sc);
            // A panicking run must not leave the writer waiting for it forever.
            let r =
                std::panic::catch_unwind(AssertUnwindSafe(|| run_spec(&sc, spec))).map_err(|_| {
                    Error::Other(format!(
                        "run {i} (point {}, replicate {}, {}) panicked",
                        spec.point,
                        spec.replicate,
                        spec.design.name()
                    ))
                });
            if tx.send((j, r)).is_err() {
                return;
            }
        }
    };

    let worker = &worker;
    pool.in_place_scope(|s| {
        for _ in 0..threads {
            let tx = tx.clone();
            s.spawn(move |_| worker(tx));
        }
        drop(tx);
        let result = (|| {
            let mut pending: BTreeMap<u64, Vec<RunResult>> = BTreeMap::new();
            let mut next = from;
            while next < end {
                let Ok((j, r)) = rx.recv() else {
                    if ctl.is_cancelled() {
                        return Err(ctl.interrupted());
                    }
                    return Err(Error::Other(format!(
                        "the workers stopped after {next} of {end} runs"
                    )));
                };
                pending.insert(j, r?);
                while let Some(r) = pending.remove(&next) {
                    sink(next, r)?;
                    ctl.run_finished();
                    next += 1;
                }
                lock().limit = next + window;
                wake.notify_all();
            }
            Ok(())
        })();
        lock().stop = true;
        wake.notify_all();
        result
    })
}
