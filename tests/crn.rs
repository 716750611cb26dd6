//! Common random numbers: within a replicate every design sees the same jobs
//! and the same outages, so differences between designs come from the
//! designs alone.

use depinsim::engine::{MS_PER_HOUR, derive_run_seed};
use depinsim::scenario::{DesignKind, from_str, parse_override};
use depinsim::sim::Run;

fn baseline(sets: &[&str]) -> depinsim::scenario::Scenario {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/baseline.toml"
    ))
    .unwrap();
    let sets: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    from_str(&text, "baseline.toml", &sets).unwrap()
}

#[test]
fn every_design_sees_the_same_jobs_and_outages() {
    // The DePIN designs share the fleet's outages; the cloud has its own.
    let sc = baseline(&[
        "scenario.horizon=4d",
        "scenario.warmup=1d",
        "scenario.designs=[\"akash\",\"ionet\",\"render\"]",
    ]);
    assert_eq!(sc.designs.len(), 3, "the three DePIN designs");
    for replicate in 0..3 {
        let seed = derive_run_seed(sc.seed, 0, replicate);
        let mut runs: Vec<Run> = sc.designs.iter().map(|&d| Run::new(&sc, d, seed)).collect();
        // Step all designs in lockstep; at every step each node must be in
        // the same state, with the same last transition time and the same
        // number of transitions so far.
        let step = MS_PER_HOUR / 6;
        let mut t = 0;
        let mut transitions = 0u64;
        while t < sc.horizon {
            t += step;
            for r in &mut runs {
                r.advance(t);
            }
            let first = runs[0].world();
            for (r, d) in runs.iter().zip(&sc.designs).skip(1) {
                let w = r.world();
                assert_eq!(w.gpus_up, first.gpus_up, "{d:?} at {t} ms");
                for (i, (a, b)) in first.nodes.iter().zip(&w.nodes).enumerate() {
                    assert_eq!(
                        (a.up, a.since, a.epoch, a.faulty),
                        (b.up, b.since, b.epoch, b.faulty),
                        "node {i}, {d:?}, replicate {replicate}, at {t} ms"
                    );
                }
            }
            transitions = first.nodes.iter().map(|n| n.epoch as u64).sum();
        }
        assert!(
            transitions > 100,
            "the baseline must have outages to compare ({transitions})"
        );
        let summaries: Vec<_> = runs.into_iter().map(|r| r.finish().summary).collect();
        let submitted = summaries[0].jobs_submitted;
        assert!(submitted > 1_000);
        for (s, d) in summaries.iter().zip(&sc.designs) {
            assert_eq!(s.jobs_submitted, submitted, "{d:?}, replicate {replicate}");
            assert_eq!(s.availability, summaries[0].availability, "{d:?}");
        }
    }
}

#[test]
fn a_design_setting_does_not_move_the_demand_or_the_outages() {
    // Changing Akash's bidding or Render's verification draws more or fewer
    // numbers from those designs' own streams only.
    let base = baseline(&["scenario.horizon=3d", "scenario.warmup=1d"]);
    let other = baseline(&[
        "scenario.horizon=3d",
        "scenario.warmup=1d",
        "design.akash.max_bids=3",
        "design.render.detect=0.5",
        "design.ionet.policy=\"fifo\"",
    ]);
    let seed = derive_run_seed(base.seed, 0, 0);
    for &d in &[DesignKind::Akash, DesignKind::Ionet, DesignKind::Render] {
        let a = Run::new(&base, d, seed).finish().summary;
        let b = Run::new(&other, d, seed).finish().summary;
        assert_eq!(a.jobs_submitted, b.jobs_submitted, "{d:?}");
        assert_eq!(a.availability, b.availability, "{d:?}");
    }
}
