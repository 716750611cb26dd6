//! A sweep from a checked plan to its finished directory: the steps of
//! `depinsim sweep` as a library, so the CLI and the Python package run
//! sweeps the same way (same directory, journal, resume and final files).

use super::exec::execute;
use super::store::{FORMAT, Session, Start, SweepRecord, SweepWriter, check_start, finalize};
use super::{Shard, SweepPlan, SweepRequest};
use crate::error::{Error, Result};
use crate::runner::{Control, RunResult};
use std::path::PathBuf;

/// A checked sweep (or one shard of it) bound to its output directory.
pub struct SweepJob {
    pub plan: SweepPlan,
    pub shard: Shard,
    /// The sweep directory.
    pub out: PathBuf,
    pub record: SweepRecord,
    /// Worker threads.
    pub threads: usize,
    pool: rayon::ThreadPool,
}

/// How [`SweepJob::run`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepEnd {
    /// The directory held this sweep complete already: nothing was done.
    AlreadyComplete,
    /// Every run was done before; the final files were written now.
    Finalized,
    /// `now` runs were done in this session, after `before` in earlier
    /// ones, with `events` simulation events.
    Ran { before: u64, now: u64, events: u64 },
}

impl SweepJob {
    /// Checks `req` (the scenario and every point) on `threads` workers (all
    /// cores when `None`). `out` defaults to `results/<name>` for the whole
    /// sweep and `results/<name>-shard-K-of-N` for a shard.
    pub fn new(
        req: SweepRequest,
        shard: Shard,
        out: Option<PathBuf>,
        threads: Option<usize>,
    ) -> Result<SweepJob> {
        let threads = threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
        let file = req.file.clone();
        let plan = SweepPlan::new(req, &pool)?;
        let out = out.unwrap_or_else(|| {
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
        Ok(SweepJob {
            plan,
            shard,
            out,
            record,
            threads,
            pool,
        })
    }

    /// Runs this directory holds when complete.
    pub fn runs(&self) -> u64 {
        self.shard.runs_of(self.plan.total_runs())
    }

    /// The sweep's size for messages: `3 points (18 runs)`, plus the shard's
    /// share for a shard.
    pub fn describe(&self) -> String {
        let (points, total) = (self.plan.points(), self.plan.total_runs());
        if self.shard == Shard::ALL {
            format!("{} ({})", count(points, "point"), count(total, "run"))
        } else {
            format!(
                "{} ({}), shard {} ({})",
                count(points, "point"),
                count(total, "run"),
                self.shard,
                count(self.runs(), "run")
            )
        }
    }

    /// How the sweep would start in its directory (writes nothing): see
    /// [`check_start`].
    pub fn check(&self, resume: bool) -> Result<Start> {
        check_start(&self.out, &self.record, self.runs(), resume)
    }

    /// Runs (or resumes, or finishes) the sweep from `start`, recording
    /// `command` in the journal. `on_run` sees each run's results (one per
    /// network for a world run) after they are written,
    /// in run order. When `ctl` is cancelled, the runs finished in order are
    /// committed to the journal (a later resume starts after them) and
    /// [`Error::Interrupted`] is returned.
    pub fn run(
        &self,
        start: Start,
        command: Vec<String>,
        ctl: &Control,
        mut on_run: impl FnMut(&[RunResult]),
    ) -> Result<SweepEnd> {
        let progress = match start {
            Start::Complete(_) => return Ok(SweepEnd::AlreadyComplete),
            Start::Resume(p) if p.runs_done == self.runs() => {
                finalize(&self.out, &self.record, p)?;
                return Ok(SweepEnd::Finalized);
            }
            Start::Resume(p) => Some(p),
            Start::Fresh => None,
        };
        let session = Session {
            command,
            threads: self.threads,
            runs: 0,
            wall_seconds: 0.0,
        };
        let mut writer = SweepWriter::open(
            &self.out,
            self.record.clone(),
            progress,
            self.runs(),
            session,
            self.plan.base.world.is_some(),
        )?;
        let before = writer.runs_done();
        let mut events = 0u64;
        let mut cells: Option<(u64, Vec<String>)> = None;
        let grid = &self.plan.grid;
        let done = execute(
            &self.plan,
            self.shard,
            before,
            &self.pool,
            self.threads,
            ctl,
            |_, rs| {
                let point = rs[0].spec.point;
                if cells.as_ref().is_none_or(|(p, _)| *p != point) {
                    cells = Some((point, grid.cells(point)));
                }
                let (_, c) = cells.as_ref().expect("cells of the current point");
                writer.write(&rs, c)?;
                events += rs.iter().map(|r| r.events).sum::<u64>();
                on_run(&rs);
                Ok(())
            },
        );
        if let Err(e) = done {
            if matches!(e, Error::Interrupted(_)) {
                writer.commit(true)?;
            }
            return Err(e);
        }
        let now = writer.runs_done() - before;
        writer.finish()?;
        Ok(SweepEnd::Ran {
            before,
            now,
            events,
        })
    }
}

/// `n` and `word`, plural unless n = 1.
fn count(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
