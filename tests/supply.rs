//! Profit-driven supply (`supply.dynamic = true`) against what is known
//! exactly: entry counts from the entry law, the time the last node leaves
//! when every provider loses money, and that supply that never acts changes
//! nothing. The numbers are in docs/validation.md ("Profit-driven supply").

use depinsim::engine::{MS_PER_HOUR, SimTime};
use depinsim::model::Presence;
use depinsim::scenario::{DesignKind, Scenario, from_str, parse_override};
use depinsim::sim::{Run, simulate};

const H: SimTime = MS_PER_HOUR;
const D: SimTime = 24 * H;

/// One class X of 1-GPU nodes, a render workload every design serves, all
/// three designs. Costs are tiny and prices high, so every class with work
/// has a margin far above cost (the entry factor is exactly 1); patience is
/// so long that nobody leaves. Tests change it with `--set`-style overrides.
const WORLD: &str = r#"
[scenario]
name = "supply"
horizon = "20d"
designs = ["akash", "ionet", "render"]

[[gpu_class]]
name = "X"
vram_gb = 24
cost_per_hour = 0.01
cloud_price_per_hour = 20.0

[supply]
initial = { X = 16 }
gpus_per_node = 1
dynamic = true
review_every = "1d"
patience = 1000
pool = { X = 4000 }
entry_rate_per_hour = 0.5
entry_margin_scale = 0.01
onboarding = "1d"
# Identical providers reviewing at the same time, so margins and the times
# below are exact.
cost_cv = 0
review_cohorts = 1

[churn]
enabled = false
uptime = { dist = "exp", mean = "20h" }
downtime = { dist = "exp", mean = "2h" }

[[workload]]
name = "frames"
kind = "render"
arrivals = { process = "poisson", rate_per_hour = 12.0 }
frames = { dist = "fixed", value = 1 }
duration = { dist = "fixed", value = "30m" }
gpus = 1
gpu_class = ["X"]
max_price_per_gpu_hour = 100.0

[design.akash]
[[design.akash.provider]]
share = 1.0
strategy = "cost_plus"
markup = { dist = "fixed", value = 1000.0 }

[design.ionet]
price_per_gpu_hour = { X = 5.0 }

[design.render]
price_per_gpu_hour = { X = 5.0 }
[[design.render.tier]]
name = "only"
share = 1.0
price_factor = 1.0
"#;

fn scenario(sets: &[&str]) -> Scenario {
    let ov: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    from_str(WORLD, "supply.toml", &ov).unwrap()
}

const DESIGNS: [DesignKind; 3] = [DesignKind::Akash, DesignKind::Ionet, DesignKind::Render];

/// Nodes of the run in the fleet (present or unstaking).
fn fleet_nodes(run: &Run) -> usize {
    (run.world().nodes.iter())
        .filter(|n| n.presence.in_fleet())
        .count()
}

#[test]
fn with_a_positive_margin_entries_follow_the_entry_law() {
    // Entry rate 0.5/h from the first review (1 d) to the horizon (20 d):
    // decisions are Poisson with mean 0.5 · 19 · 24 = 228 (sd 15.1), and
    // every design sees the same ones (same draws, same positive margin).
    let sc = scenario(&[]);
    let mean = 0.5 * 19.0 * 24.0;
    let mut counts = Vec::new();
    let mut joins = Vec::new();
    for design in DESIGNS {
        let mut run = Run::new(&sc, design, 11);
        run.advance(sc.horizon);
        let entered = run.supply().unwrap().entered()[0];
        let z = (entered as f64 - mean) / f64::sqrt(mean);
        assert!(z.abs() < 4.0, "{design:?}: {entered} entries, z = {z:.2}");
        // Joined: decided at least the onboarding delay before the horizon.
        let onboarding = (run.world().nodes.iter())
            .filter(|n| n.presence == Presence::Onboarding)
            .count();
        assert_eq!(fleet_nodes(&run), 16 + entered - onboarding);
        assert_eq!(run.world().gpus_total as usize, fleet_nodes(&run));
        counts.push(entered);
        let joined: Vec<(usize, SimTime)> = (run.world().nodes.iter().enumerate())
            .filter(|(_, n)| n.presence.in_fleet())
            .map(|(i, n)| (i, n.joined))
            .collect();
        joins.push(joined);
    }
    assert!(counts.iter().all(|&c| c == counts[0]), "{counts:?}");
    assert!(
        joins.iter().all(|j| *j == joins[0]),
        "the same nodes join at the same times in every design"
    );
    // Over 20 seeds the mean is within 4 standard errors of the law's.
    let total: usize = (100..120)
        .map(|seed| {
            let mut run = Run::new(&sc, DesignKind::Ionet, seed);
            run.advance(sc.horizon);
            run.supply().unwrap().entered()[0]
        })
        .sum();
    let z = (total as f64 - 20.0 * mean) / f64::sqrt(20.0 * mean);
    assert!(z.abs() < 4.0, "20 seeds: {total} entries, z = {z:.2}");
}

#[test]
fn with_a_positive_margin_the_fleet_fills_its_pool() {
    // 8 potential GPUs at 5 entries per hour: all decide within the first
    // day after the first review and serve one day later, by 3 d.
    let sc = scenario(&[
        "supply.pool.X=8",
        "supply.entry_rate_per_hour=5",
        "scenario.horizon=\"6d\"",
    ]);
    for design in DESIGNS {
        let mut run = Run::new(&sc, design, 3);
        run.advance(2 * D - 1);
        assert_eq!(
            run.world().gpus_total,
            16,
            "{design:?}: none has joined yet"
        );
        run.advance(3 * D);
        assert_eq!(run.world().gpus_total, 24, "{design:?}: initial + pool");
        let s = run.finish().summary;
        // 16 GPUs until ≥ 2 d, 24 from ≤ 3 d: the mean lies between.
        let lo = (16.0 * 3.0 + 24.0 * 3.0) / 6.0;
        let hi = (16.0 * 2.0 + 24.0 * 4.0) / 6.0;
        assert!(
            lo <= s.fleet_mean && s.fleet_mean <= hi,
            "{design:?}: {}",
            s.fleet_mean
        );
        assert!(s.fleet_cv > 0.0);
    }
}

#[test]
fn with_costs_above_all_income_the_fleet_leaves_after_patience_reviews() {
    // Cost $1000 per GPU-hour: every review is bad and no class has a
    // margin, so nobody enters; after 3 daily reviews everyone leaves, at
    // 3 d exactly, io.net's providers when their 14-day unstaking ends.
    let sc = scenario(&[
        "gpu_class.0.cost_per_hour=1000",
        "supply.patience=3",
        "scenario.horizon=\"20d\"",
        "churn.enabled=true",
    ]);
    for design in DESIGNS {
        let delay = if design == DesignKind::Ionet {
            14 * D
        } else {
            0
        };
        let mut run = Run::new(&sc, design, 5);
        run.advance(3 * D - 1);
        assert_eq!(run.world().gpus_total, 16, "{design:?}");
        run.advance(3 * D);
        if design == DesignKind::Ionet {
            assert_eq!(run.world().gpus_total, 16, "unstaking: still serving");
            let leaving = (run.world().nodes.iter())
                .filter(|n| n.presence == Presence::Leaving)
                .count();
            assert_eq!(leaving, 16);
            run.advance(3 * D + delay - 1);
            assert_eq!(run.world().gpus_total, 16);
            assert!(run.gpus_busy() > 0.0, "unstaking nodes still run jobs");
            run.advance(3 * D + delay);
        }
        assert_eq!(run.world().gpus_total, 0, "{design:?}");
        assert_eq!(run.world().gpus_up, 0, "{design:?}");
        assert_eq!(run.world().last_leave, Some(3 * D + delay), "{design:?}");
        assert_eq!(run.supply().unwrap().entered()[0], 0, "{design:?}");
        assert_eq!(run.gpus_busy(), 0.0, "{design:?}");
        let s = run.finish().summary;
        let mean = 16.0 * (3 * D + delay) as f64 / (20 * D) as f64;
        assert!(
            (s.fleet_mean - mean).abs() < 1e-9,
            "{design:?}: {}",
            s.fleet_mean
        );
    }
}

#[test]
fn supply_that_never_acts_changes_nothing() {
    // Reviews run (at 1 d, ..., 19 d), but nobody may enter (empty pool) or
    // leave (patience beyond the number of reviews): every output equals a
    // fixed fleet's.
    let fixed = scenario(&["supply.dynamic=false"]);
    let idle = scenario(&["supply.pool.X=0"]);
    for design in DESIGNS {
        let a = simulate(&fixed, design, 9);
        let b = simulate(&idle, design, 9);
        assert_eq!(a.summary.jobs_completed, b.summary.jobs_completed);
        assert_eq!(a.samples, b.samples, "{design:?}");
        assert_eq!(a.wait_quantiles_h, b.wait_quantiles_h, "{design:?}");
        assert_eq!(a.summary.user_usd, b.summary.user_usd, "{design:?}");
        assert_eq!(a.summary.fleet_mean, 16.0);
        assert_eq!(b.summary.fleet_mean, 16.0);
        assert_eq!(a.events + 19, b.events, "19 reviews, nothing else");
    }
}

#[test]
fn each_design_conserves_gpu_time_and_is_deterministic_with_entry_and_exit() {
    // Moderate costs: some providers lose and leave, others enter.
    let sc = scenario(&[
        "gpu_class.0.cost_per_hour=1",
        "design.akash.provider.0.markup.value=2",
        "supply.patience=2",
        "supply.pool.X=64",
        "supply.entry_margin_scale=0.5",
        "churn.enabled=true",
    ]);
    for design in DESIGNS {
        let mut run = Run::new(&sc, design, 21);
        run.advance(sc.horizon);
        let gone = (run.world().nodes.iter())
            .filter(|n| n.presence == Presence::Gone)
            .count();
        let entered = run.supply().unwrap().entered()[0];
        assert!(
            entered > 0 && gone > 0,
            "{design:?}: {entered} in, {gone} out"
        );
        let a = run.finish();
        // GPU time conserved: busy GPU-hours = delivered + lost, with the
        // fleet's GPU-hours from its time average.
        let s = &a.summary;
        let busy_h = s.utilization.unwrap() * s.availability.unwrap() * s.fleet_mean * 480.0;
        let run_h = s.gpu_hours_delivered + s.lost_gpu_hours;
        assert!(
            (busy_h - run_h).abs() < 1e-6 * run_h,
            "{design:?}: {busy_h} vs {run_h}"
        );
        let b = simulate(&sc, design, 21);
        assert_eq!(a.summary, b.summary, "{design:?}");
        assert_eq!(a.samples, b.samples, "{design:?}");
    }
}

#[test]
fn provider_income_is_credited_to_the_nodes_that_earned_it() {
    // Jobs injected at 0, none arriving at random; read before the first
    // review (1 d), which would reset the credits.
    let sc = scenario(&["workload.frames.arrivals.rate_per_hour=1e-12"]);
    let gang = scenario(&[
        "workload.frames.arrivals.rate_per_hour=1e-12",
        "workload.frames.gpus=2",
        "scenario.designs=[\"ionet\"]",
    ]);
    let credited = |run: &Run| -> Vec<f64> {
        (run.world().income_usd.iter().copied())
            .filter(|&x| x != 0.0)
            .collect()
    };
    // io.net: a 2-GPU gang spread over two 1-GPU nodes, 30 min billed as the
    // 1-hour minimum at $5/GPU-h: providers get 10 · (1 − 0.0025 − 0.02),
    // half to each node.
    let mut run = Run::new(&gang, DesignKind::Ionet, 1);
    run.inject(0, depinsim::model::Event::Arrival(0));
    run.advance(H);
    let half = 10.0 * (1.0 - 0.0025 - 0.02) / 2.0;
    assert_eq!(credited(&run), [half, half]);
    // Render: the job's one frame (30 min on one GPU at $5) to its node.
    let mut run = Run::new(&sc, DesignKind::Render, 1);
    run.inject(0, depinsim::model::Event::Arrival(0));
    run.advance(H);
    assert_eq!(credited(&run), [2.5]);
    // Akash: the lease's provider earns every settled block less the 2%
    // take rate, and nobody else does.
    let mut run = Run::new(&sc, DesignKind::Akash, 1);
    run.inject(0, depinsim::model::Event::Arrival(0));
    run.advance(H);
    let got = credited(&run);
    assert_eq!(got.len(), 1);
    let s = run.finish().summary;
    assert!(
        (got[0] - 0.98 * s.user_usd).abs() < 1e-9,
        "{got:?} vs {}",
        s.user_usd
    );
}

#[test]
fn with_spread_costs_the_dearer_providers_leave() {
    // Demand pays about $1.875 per GPU-hour of the 16-GPU fleet (6 busy
    // GPU-hours per hour at $5); the class cost is that much on average,
    // spread with cv 0.5. Providers with a cost factor above their share of
    // income leave; those who stay earn more as the fleet shrinks. No entry.
    let sc = scenario(&[
        "gpu_class.0.cost_per_hour=1.875",
        "supply.cost_cv=0.5",
        "supply.patience=2",
        "supply.entry_rate_per_hour=0",
        "scenario.horizon=\"20d\"",
        // Akash providers bid their own cost + 167%: $5 at the mean cost.
        "design.akash.provider.0.markup.value=1.6667",
    ]);
    // The factors: lognormal of mean 1 and cv 0.5 over all 4,016 nodes.
    let run = Run::new(&sc, DesignKind::Render, 3);
    let f: Vec<f64> = run.world().nodes.iter().map(|n| n.cost_factor).collect();
    let mean = f.iter().sum::<f64>() / f.len() as f64;
    let sd = (f.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f.len() as f64).sqrt();
    assert!(
        (mean - 1.0).abs() < 4.0 * 0.5 / (f.len() as f64).sqrt(),
        "mean {mean}"
    );
    assert!((sd / mean - 0.5).abs() < 0.05, "cv {}", sd / mean);
    for design in DESIGNS {
        let mut run = Run::new(&sc, design, 3);
        run.advance(20 * D);
        let (mut gone, mut stay) = (Vec::new(), Vec::new());
        for n in &run.world().nodes[..16] {
            match n.presence {
                Presence::Gone | Presence::Leaving => gone.push(n.cost_factor),
                _ => stay.push(n.cost_factor),
            }
        }
        let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        eprintln!(
            "{design:?}: {} left (mean factor {:.3}), {} stayed ({:.3})",
            gone.len(),
            avg(&gone),
            stay.len(),
            avg(&stay)
        );
        assert!(!gone.is_empty() && !stay.is_empty(), "{design:?}");
        assert!(avg(&gone) > avg(&stay), "{design:?}");
    }
}

#[test]
fn staggered_reviews_spread_the_exits_over_the_period() {
    // As the losing fleet above, with 4 review cohorts: node i reviews with
    // cohort i mod 4, one cohort every 6 h from 1 d on, so cohort j's third
    // review (its exit) is at 3 d + 6 h · j (io.net: 14 days later).
    let sc = scenario(&[
        "gpu_class.0.cost_per_hour=1000",
        "supply.patience=3",
        "supply.review_cohorts=4",
        "scenario.horizon=\"20d\"",
    ]);
    for design in DESIGNS {
        let delay = if design == DesignKind::Ionet {
            14 * D
        } else {
            0
        };
        let mut run = Run::new(&sc, design, 5);
        for j in 0..4u64 {
            let exit = 3 * D + j * D / 4 + delay;
            run.advance(exit - 1);
            assert_eq!(run.world().gpus_total, 16 - 4 * j, "{design:?}, cohort {j}");
            run.advance(exit);
            assert_eq!(run.world().gpus_total, 12 - 4 * j, "{design:?}, cohort {j}");
            for (i, n) in run.world().nodes[..16].iter().enumerate() {
                let gone = n.presence == Presence::Gone;
                assert_eq!(
                    gone,
                    i % 4 <= j as usize,
                    "{design:?}: node {i} at cohort {j}"
                );
            }
        }
        assert_eq!(
            run.world().last_leave,
            Some(3 * D + 3 * D / 4 + delay),
            "{design:?}"
        );
    }
}
