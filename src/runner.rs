//! Runs every (replicate × design) of a scenario in parallel and returns the
//! results in a fixed order, whatever the thread count.

use crate::engine::derive_run_seed;
use crate::error::{Error, Result};
use crate::metrics::Sample;
use crate::metrics::{Summary, WorkloadSummary};
use crate::scenario::{DesignKind, Scenario};
use crate::sim::{RoutingRow, RunOutput, StrategyRow, simulate, simulate_world};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// How another thread watches and stops runs in progress: a count of runs
/// finished, and a cancel flag that runners poll between runs (a run that
/// has started finishes). The Python package's Ctrl-C handling sets it.
#[derive(Debug, Default)]
pub struct Control {
    cancelled: AtomicBool,
    runs_done: AtomicU64,
}

impl Control {
    /// Asks the runners to stop after the runs they are doing.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`Control::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Runs finished since this control was made.
    pub fn runs_done(&self) -> u64 {
        self.runs_done.load(Ordering::Relaxed)
    }

    /// Counts one finished run.
    pub fn run_finished(&self) {
        self.runs_done.fetch_add(1, Ordering::Relaxed);
    }

    /// The error a cancelled runner returns.
    pub fn interrupted(&self) -> Error {
        Error::Interrupted(format!("interrupted after {} runs", self.runs_done()))
    }
}

/// One run to do.
#[derive(Debug, Clone, Copy)]
pub struct RunSpec {
    pub point: u64,
    pub replicate: u32,
    pub design: DesignKind,
    /// Derived from the master seed and the replicate: see [`run_seed`].
    pub seed: u64,
    /// World mode: the strategy (index into `world.strategies`); the run
    /// then simulates every network of `[world]` and `design` is the first.
    pub strategy: Option<u16>,
}

/// One finished run.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub spec: RunSpec,
    pub summary: Summary,
    pub samples: Vec<Sample>,
    /// Wait quantiles at [`crate::metrics::WAIT_PROBS`], hours.
    pub wait_quantiles_h: Vec<f64>,
    /// One row per workload, in scenario order (`workloads.csv`).
    pub workloads: Vec<WorkloadSummary>,
    pub events: u64,
    /// Wall-clock seconds (manifest only, never in CSVs).
    pub wall_seconds: f64,
    /// World mode: the strategy's name (every network's result has it).
    pub strategy: Option<String>,
    /// World mode, on the first network's result of a run: the strategy's
    /// row of `strategies.csv` and its rows of `routing.csv`.
    pub world: Option<Box<WorldRows>>,
}

/// What a world run adds to its networks' results.
#[derive(Debug, Clone)]
pub struct WorldRows {
    pub strategy: StrategyRow,
    pub routing: Vec<RoutingRow>,
}

/// The seed of replicate `replicate` under the master seed `master_seed`.
///
/// It depends on neither the design nor the sweep point: replicate r of every
/// design and of every point of a sweep sees the same demand, churn and
/// market shocks (common random numbers), so differences between designs or
/// points come from the designs and the parameters, not from luck. The point
/// slot of [`derive_run_seed`] is therefore always 0, which is also what a
/// plain `run` (point 0) always used.
pub fn run_seed(master_seed: u64, replicate: u32) -> u64 {
    derive_run_seed(master_seed, 0, replicate as u64)
}

/// The runs of point `point` of `sc`, replicate-major: the designs alone
/// in scenario order, then (with `[world]`) one world run per strategy.
pub fn plan_runs(sc: &Scenario, point: u64) -> Vec<RunSpec> {
    let mut runs = Vec::new();
    for replicate in 0..sc.replications {
        let seed = run_seed(sc.seed, replicate);
        for &design in &sc.designs {
            runs.push(RunSpec {
                point,
                replicate,
                design,
                seed,
                strategy: None,
            });
        }
        if let Some(w) = &sc.world {
            for s in 0..w.strategies.len() {
                runs.push(RunSpec {
                    point,
                    replicate,
                    design: w.networks[0],
                    seed,
                    strategy: Some(s as u16),
                });
            }
        }
    }
    runs
}

/// Runs one spec of a design alone.
pub fn run_one(sc: &Scenario, spec: RunSpec) -> RunResult {
    assert!(spec.strategy.is_none(), "run_one runs a design alone");
    let t0 = Instant::now();
    let out = simulate(sc, spec.design, spec.seed);
    result(spec, out, t0.elapsed().as_secs_f64())
}

/// Runs one spec: a design alone (one result) or a world run (one result
/// per network, the first carrying the strategy's rows).
pub fn run_spec(sc: &Scenario, spec: RunSpec) -> Vec<RunResult> {
    let Some(s) = spec.strategy else {
        return vec![run_one(sc, spec)];
    };
    let t0 = Instant::now();
    let w = sc.world.as_ref().expect("a world spec needs [world]");
    let out = simulate_world(sc, s as usize, spec.seed);
    let wall = t0.elapsed().as_secs_f64();
    let name = w.strategy_names[s as usize].clone();
    let mut rows = WorldRows {
        strategy: out.strategy,
        routing: out.routing,
    };
    rows.strategy.point = spec.point;
    rows.strategy.replicate = spec.replicate;
    for r in &mut rows.routing {
        (r.point, r.replicate) = (spec.point, spec.replicate);
    }
    let mut rows = Some(Box::new(rows));
    (out.nets.into_iter().zip(&w.networks))
        .map(|(net, &design)| {
            let mut r = result(RunSpec { design, ..spec }, net, wall);
            r.strategy = Some(name.clone());
            r.world = rows.take();
            r
        })
        .collect()
}

/// A result from a run's output.
fn result(spec: RunSpec, out: RunOutput, wall_seconds: f64) -> RunResult {
    let mut summary = out.summary;
    summary.point = spec.point;
    summary.replicate = spec.replicate;
    summary.seed = spec.seed;
    summary.design = spec.design.name();
    let mut workloads = out.workloads;
    for w in &mut workloads {
        (w.point, w.replicate, w.design) = (spec.point, spec.replicate, spec.design.name());
    }
    RunResult {
        spec,
        summary,
        samples: out.samples,
        wait_quantiles_h: out.wait_quantiles_h,
        workloads,
        events: out.events,
        wall_seconds,
        strategy: None,
        world: None,
    }
}

/// Runs `runs` on `threads` threads (all cores when `None`), showing a
/// progress bar on a terminal. Results come back in the order of `runs`.
pub fn run_all(sc: &Scenario, runs: &[RunSpec], threads: Option<usize>) -> Result<Vec<RunResult>> {
    run_all_controlled(sc, runs, threads, &Control::default(), true)
}

/// [`run_all`] watched and stoppable through `ctl`: each finished run is
/// counted there, and once `ctl` is cancelled no further run starts and the
/// call returns [`Error::Interrupted`]. `bar`: show the progress bar on a
/// terminal.
pub fn run_all_controlled(
    sc: &Scenario,
    runs: &[RunSpec],
    threads: Option<usize>,
    ctl: &Control,
    bar: bool,
) -> Result<Vec<RunResult>> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t);
    }
    let pool = builder
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;
    let bar = if bar {
        crate::progress_bar(runs.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}")
            .expect("the progress template is valid"),
    );
    let results: Option<Vec<Vec<RunResult>>> = pool.install(|| {
        runs.par_iter()
            .map(|&spec| {
                if ctl.is_cancelled() {
                    return None;
                }
                let r = run_spec(sc, spec);
                ctl.run_finished();
                bar.inc(1);
                Some(r)
            })
            .collect::<Option<Vec<_>>>()
    });
    bar.finish_and_clear();
    let results = results.ok_or_else(|| ctl.interrupted())?;
    Ok(results.into_iter().flatten().collect())
}
