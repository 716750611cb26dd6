//! The speed-at-scale scenarios (`scenarios/scale-*.toml`) are the baseline
//! world scaled: GPUs and every arrival rate times the same factor, churn
//! on, one replicate, 30 days. docs/performance.md (section 5) measures
//! them; this checks they say what that page says, and that the smallest
//! one runs on every design.

use depinsim::runner::{plan_runs, run_one};
use depinsim::scenario::{self, Scenario, parse_override};

fn load(name: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    scenario::load(path.as_ref(), &sets).unwrap()
}

/// GPUs (classes with VRAM; CPU units excluded) at t = 0.
fn gpus(sc: &Scenario) -> u64 {
    (sc.classes.iter())
        .filter(|c| c.vram_gb > 0.0)
        .map(|c| c.initial_gpus as u64)
        .sum()
}

#[test]
fn scale_scenarios_are_the_baseline_scaled() {
    let base = load("baseline", &[]);
    let base_gpus = gpus(&base) as f64;
    for (name, n) in [
        ("scale-1k", 1_000),
        ("scale-10k", 10_000),
        ("scale-100k", 100_000),
    ] {
        let sc = load(name, &[]);
        assert_eq!(gpus(&sc), n, "{name}: GPUs");
        let k = n as f64 / base_gpus;
        for (c, b) in sc.classes.iter().zip(&base.classes) {
            let want = b.initial_gpus as f64 * k;
            assert!(
                (c.initial_gpus as f64 - want).abs() <= 1.0,
                "{name}: {} has {} units, want {want:.1}",
                c.name,
                c.initial_gpus
            );
        }
        for (w, b) in sc.workloads.iter().zip(&base.workloads) {
            let want = b.arrivals.rate_per_hour * k;
            let got = w.arrivals.rate_per_hour;
            assert!(
                (got - want).abs() <= 0.05 + 1e-9,
                "{name}: {} arrives at {got}/h, want {want:.2}/h",
                w.name
            );
        }
        assert!(sc.churn.is_some(), "{name}: churn on");
        assert_eq!(sc.replications, 1, "{name}: one replicate");
        assert_eq!(sc.horizon, 30 * 24 * 3_600_000, "{name}: 30 days");
        assert_eq!(sc.designs.len(), 3, "{name}: all designs");
    }
}

#[test]
fn scale_1k_runs_on_every_design() {
    let sc = load("scale-1k", &["scenario.horizon=1d", "scenario.warmup=6h"]);
    for spec in plan_runs(&sc, 0) {
        let r = run_one(&sc, spec);
        assert!(r.summary.jobs_submitted > 10_000, "{}", r.summary.design);
        assert!(r.events > 0);
    }
}
