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

/// Render's waits at scale are a real effect of frame dispatch, not of load
/// (docs/model.md, Render, "Completion, waits and the queue"): a render job
/// waits only when older frames hold every eligible idle GPU, i.e. behind a
/// job with more frames than the idle RTX 4090s. The scale scenarios scale
/// the fleet but not the frames per job, so such floods get rarer as the
/// fleet grows. Here, at 1k GPUs (~475 idle RTX 4090s), jobs of ~300 frames
/// sometimes wait; the same work in jobs of ~30 frames never does.
#[test]
fn render_waits_come_from_jobs_with_more_frames_than_idle_gpus() {
    let base = ["scenario.horizon=2d", "scenario.warmup=12h"];
    let render_wait = |sets: &[&str]| {
        let all: Vec<&str> = base.iter().chain(sets).copied().collect();
        let sc = load("scale-1k", &all);
        let spec = (plan_runs(&sc, 0).into_iter())
            .find(|s| s.design == scenario::DesignKind::Render)
            .expect("scale-1k runs render");
        run_one(&sc, spec)
            .summary
            .mean_wait_h
            .expect("render jobs ran")
    };
    let big = render_wait(&[]);
    let small = render_wait(&[
        "workload.render.frames.mean=30",
        "workload.render.duration.mean=30m",
    ]);
    assert!(big > 0.0, "300-frame jobs: some wait ({big} h)");
    assert!(big < 0.01, "300-frame jobs: waits are short ({big} h)");
    assert_eq!(small, 0.0, "30-frame jobs, same work: nobody waits");
}
