//! The M/M/c scenario (`scenarios/mmc.toml`: λ = 12/h, exponential service
//! with mean 1 h, c = 16 GPUs, FIFO, no churn) through the full model:
//! scenario → world → io.net design → metrics, via `sim::simulate`.
//!
//! Only `scenario.horizon` is overridden:
//! - `30d`: the horizon asked for the criterion sample (~8 600 jobs);
//! - `3000d`: the horizon of the comparison with the SimPy peer
//!   (`benches/peers/mmc_simpy.py`), ~864 000 jobs, for stable timings.
//!
//! Throughput is `Throughput::Elements(jobs_submitted)`: the arrivals after
//! the scenario's 2-day warmup, as counted by the model's summary in one
//! untimed run with the same seed (runs are deterministic, so every timed
//! run handles exactly the same jobs). Criterion's "elem/s" is jobs/s. The
//! ~576 arrivals of the warmup are simulated but not counted, so the figure
//! errs low. The SimPy peer counts jobs the same way.
//!
//! Run: `cargo bench --bench mmc -- --warm-up-time 1 --measurement-time 5`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use depinsim::engine::derive_run_seed;
use depinsim::scenario::{DesignKind, Scenario, load, parse_override};
use depinsim::sim::simulate;
use std::hint::black_box;
use std::path::Path;

/// The horizons benchmarked, as scenario durations.
const HORIZONS: [&str; 2] = ["30d", "3000d"];

fn scenario(horizon: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc.toml");
    let ov = parse_override(&format!("scenario.horizon={horizon}")).expect("a valid override");
    load(&path, &[ov]).expect("scenarios/mmc.toml loads")
}

fn bench_mmc(c: &mut Criterion) {
    let mut g = c.benchmark_group("mmc");
    g.sample_size(10);
    for horizon in HORIZONS {
        let sc = scenario(horizon);
        // Replicate 0 of the scenario's own seed, as `depinsim run` would.
        let seed = derive_run_seed(sc.seed, 0, 0);
        let warm = simulate(&sc, DesignKind::Ionet, seed);
        let s = &warm.summary;
        eprintln!(
            "mmc/{horizon}: jobs_submitted={} jobs_completed={} events={} \
             utilization={:?} mean_wait_h={:?}",
            s.jobs_submitted, s.jobs_completed, warm.events, s.utilization, s.mean_wait_h
        );
        g.throughput(Throughput::Elements(s.jobs_submitted));
        g.bench_with_input(BenchmarkId::new("ionet", horizon), &sc, |b, sc| {
            b.iter(|| {
                let out = simulate(black_box(sc), DesignKind::Ionet, seed);
                debug_assert_eq!(out.summary.jobs_submitted, warm.summary.jobs_submitted);
                out.summary.jobs_completed
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench_mmc);
criterion_main!(benches);
