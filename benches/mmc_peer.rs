//! depinsim's side of the peer comparison (`benches/peers/run.sh`): the M/M/c
//! scenario (`scenarios/mmc.toml`) with `c` GPUs and arrival rate λ through
//! the full model, printed in the peers' format.
//!
//!     cargo bench --bench mmc_peer -- --servers 8 --rate 6 --days 3000 --reps 3
//!
//! Overrides of `scenarios/mmc.toml`: `supply.initial.A100 = c` (nodes of 8
//! GPUs), `workload.jobs.arrivals.rate_per_hour = λ`, `scenario.horizon`,
//! and `output.sample_every = 1h` (an hourly time series, the densest the
//! peer table was first measured with). Each replication times one
//! `sim::simulate` call: building the world, the run, and everything the
//! output files hold (summary with p95, the 103 wait quantiles of
//! `waits.csv`, the time series, per-workload rows, billing), but not
//! writing them. jobs/s = `jobs_submitted` (arrivals after the 2-day
//! warmup, as the peers count) over that wall time. Replication r is
//! replicate r of seed 1, as `depinsim run` would run it.

use depinsim::engine::derive_run_seed;
use depinsim::scenario::{DesignKind, load, parse_override};
use depinsim::sim::simulate;
use std::path::Path;
use std::time::Instant;

fn main() {
    let (mut servers, mut rate, mut days, mut reps) = (8u32, 6.0f64, 3000.0f64, 3u32);
    let mut sample_every = "1h".to_string();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--servers" => servers = v.parse().expect("--servers N"),
            "--rate" => rate = v.parse().expect("--rate λ per hour"),
            "--days" => days = v.parse().expect("--days D"),
            "--reps" => reps = v.parse().expect("--reps N"),
            "--sample-every" => sample_every = v.clone(),
            _ => panic!("unknown argument {a}"),
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc.toml");
    let ov = [
        format!("supply.initial.A100={servers}"),
        format!("workload.jobs.arrivals.rate_per_hour={rate}"),
        format!("scenario.horizon={days}d"),
        format!("output.sample_every={sample_every}"),
    ]
    .map(|s| parse_override(&s).expect("a valid override"));
    let sc = load(&path, &ov).expect("scenarios/mmc.toml loads");
    println!(
        "depinsim {}; M/M/{servers}, lambda={rate}/h, mean service=1 h, horizon={days} d, \
         warmup=2 d, sample_every={sample_every}",
        env!("CARGO_PKG_VERSION")
    );
    for r in 0..reps {
        let seed = derive_run_seed(sc.seed, 0, r as u64);
        let t0 = Instant::now();
        let out = simulate(&sc, DesignKind::Ionet, seed);
        let wall = t0.elapsed().as_secs_f64();
        let s = &out.summary;
        println!(
            "rep {r}: jobs_submitted={} jobs_completed={} wall_s={wall:.3} jobs_per_s={:.0} \
             utilization={:.4} mean_wait_h={:.4} p95_wait_h={:.4} samples={} events={}",
            s.jobs_submitted,
            s.jobs_completed,
            s.jobs_submitted as f64 / wall,
            s.utilization.unwrap_or(f64::NAN),
            s.mean_wait_h.unwrap_or(f64::NAN),
            s.p95_wait_h.unwrap_or(f64::NAN),
            out.samples.len(),
            out.events
        );
    }
}
