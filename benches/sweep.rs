//! Scripted benchmark of `depinsim sweep`: a 16-point sweep of the baseline
//! world at 1 and at 2 threads, run through the real binary as a user runs
//! it. One sample is a whole sweep of seconds, so this is a plain program
//! (`harness = false`) rather than a criterion group: it alternates the two
//! thread counts `ROUNDS` times and reports medians.
//!
//! - speed-up: median wall time at 1 thread / median wall time at 2 threads;
//! - overhead per run at 1 thread: (process wall time − Σ simulation time of
//!   the runs) / runs, where a run's simulation time is what `manifest.json`
//!   records for it (building the world and simulating it, `run_one`). The
//!   rest is the sweep machinery: process start, checking every point,
//!   the executor, the reorder buffer, CSV rows, journal commits with their
//!   fsyncs, `aggregate.csv` and `manifest.json`.
//!
//! Run: `cargo bench --bench sweep` (set `SWEEP_BENCH_ROUNDS` to change the
//! number of rounds, default 3; `SWEEP_BENCH_REPS` the replicates per point,
//! default 4; `SWEEP_BENCH_HORIZON` the scenario's horizon, e.g. `10d`,
//! default the baseline's). Figures are in docs/performance.md.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// 4 training loads × 4 H100 fleet sizes = 16 points.
const PARAMS: [&str; 4] = [
    "--param",
    "workload.training.arrivals.rate_per_hour=2:5:1",
    "--param",
    "supply.initial.H100=128:512:128",
];

/// `SWEEP_BENCH_<name>` if set.
fn env(name: &str) -> Option<String> {
    std::env::var(format!("SWEEP_BENCH_{name}")).ok()
}

struct Sample {
    wall_s: f64,
    sim_s: f64,
    runs: usize,
}

fn sweep(threads: usize, out: &Path) -> Sample {
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let _ = std::fs::remove_dir_all(out);
    let t0 = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_depinsim"))
        .arg("sweep")
        .arg(&baseline)
        .args(PARAMS)
        .args(["--replications", &env("REPS").unwrap_or_else(|| "4".into())])
        .args(
            env("HORIZON")
                .map(|h| vec!["--set".to_string(), format!("scenario.horizon={h}")])
                .unwrap_or_default(),
        )
        .args(["--threads", &threads.to_string(), "--out"])
        .arg(out)
        .output()
        .expect("running depinsim");
    let wall_s = t0.elapsed().as_secs_f64();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let runs = m["runs"].as_array().expect("manifest lists runs");
    Sample {
        wall_s,
        sim_s: runs
            .iter()
            .map(|r| r["wall_seconds"].as_f64().unwrap())
            .sum(),
        runs: runs.len(),
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let rounds: usize = env("ROUNDS").and_then(|s| s.parse().ok()).unwrap_or(3);
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let mut by_threads: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        for threads in [1, 2] {
            let s = sweep(threads, &tmp.path().join("out"));
            println!(
                "round {round} threads {threads}: {:.3} s wall, {:.3} s simulating, {} runs",
                s.wall_s, s.sim_s, s.runs
            );
            by_threads[threads - 1].push(s);
        }
    }
    let wall = |t: usize| median(by_threads[t].iter().map(|s| s.wall_s).collect());
    let (w1, w2) = (wall(0), wall(1));
    let overheads: Vec<f64> = by_threads[0]
        .iter()
        .map(|s| (s.wall_s - s.sim_s) / s.runs as f64)
        .collect();
    let per_run_sim = median(
        by_threads[0]
            .iter()
            .map(|s| s.sim_s / s.runs as f64)
            .collect(),
    );
    let overhead = median(overheads);
    let efficiency2 = median(
        by_threads[1]
            .iter()
            .map(|s| s.sim_s / (2.0 * s.wall_s))
            .collect(),
    );
    let runs = by_threads[0][0].runs;
    let ratios: Vec<f64> = (by_threads[1].iter().zip(&by_threads[0]))
        .map(|(b, a)| b.wall_s / a.wall_s)
        .collect();
    println!(
        "sweep/16 points × {} replicates × the baseline's designs ({runs} runs), medians of {rounds} rounds:",
        env("REPS").unwrap_or_else(|| "4".into())
    );
    println!("  1 thread : {w1:.3} s wall");
    println!("  2 threads: {w2:.3} s wall");
    println!("  speed-up : {:.2}×", w1 / w2);
    println!(
        "  2-thread wall / 1-thread wall, per round: {}",
        ratios
            .iter()
            .map(|r| format!("{r:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  overhead per run (1 thread): {:.2} ms = {:.2} % of a run's {:.1} ms of simulation",
        overhead * 1e3,
        100.0 * overhead / per_run_sim,
        per_run_sim * 1e3
    );
    println!(
        "  2 threads: simulation time / (2 × wall) = {:.1} %",
        100.0 * efficiency2
    );
}
