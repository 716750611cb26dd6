//! io.net coordinator: scheduling policies, colocation, billing and the
//! uptime rule for rewards, on small worlds with hand-checked numbers and on
//! random job sets.

use depinsim::designs::Market;
use depinsim::engine::{MS_PER_HOUR, SimTime};
use depinsim::model::{Event, NodeId};
use depinsim::scenario::{DesignKind, from_str};
use depinsim::sim::{Run, simulate};

const H: SimTime = MS_PER_HOUR;

/// A busy mixed-size world without churn: 1-, 3- and 8-GPU gangs on
/// two classes, 4-GPU nodes. `{policy}` and `{colocate}` are filled in.
const MIXED: &str = r#"
    [scenario]
    name = "mixed"
    horizon = "6d"
    warmup = "12h"
    designs = ["ionet"]
    [[gpu_class]]
    name = "X"
    vram_gb = 80
    cost_per_hour = 0.5
    cloud_price_per_hour = 3.0
    [[gpu_class]]
    name = "Y"
    vram_gb = 48
    cost_per_hour = 0.3
    cloud_price_per_hour = 2.0
    [supply]
    initial = { X = 16, Y = 8 }
    gpus_per_node = 4
    [[workload]]
    name = "small"
    kind = "inference"
    arrivals = { process = "poisson", rate_per_hour = 6.0 }
    duration = { dist = "exp", mean = "1h" }
    gpus = 1
    gpu_class = ["X", "Y"]
    max_price_per_gpu_hour = 10.0
    [[workload]]
    name = "mid"
    kind = "training"
    arrivals = { process = "poisson", rate_per_hour = 0.9 }
    duration = { dist = "lognormal", mean = "3h", cv = 1.0 }
    gpus = 3
    gpu_class = ["X"]
    max_price_per_gpu_hour = 10.0
    [[workload]]
    name = "big"
    kind = "training"
    arrivals = { process = "poisson", rate_per_hour = 0.25 }
    duration = { dist = "exp", mean = "4h" }
    gpus = {big}
    gpu_class = ["X"]
    max_price_per_gpu_hour = 10.0
    [design.ionet]
    policy = "{policy}"
    colocate = {colocate}
    price_per_gpu_hour = { X = 2.0, Y = 1.0 }
"#;

fn mixed(policy: &str, colocate: bool) -> depinsim::scenario::Scenario {
    // Colocated gangs must fit one 4-GPU node.
    let big = if colocate { "4" } else { "8" };
    let text = MIXED
        .replace("{policy}", policy)
        .replace("{colocate}", &colocate.to_string())
        .replace("{big}", big);
    from_str(&text, "mixed.toml", &[]).unwrap()
}

fn ionet<'a>(run: &'a Run<'_>) -> &'a depinsim::designs::ionet::Ionet {
    match run.market() {
        Market::Ionet(m) => m,
        _ => unreachable!(),
    }
}

#[test]
fn backfill_never_delays_the_reserved_job() {
    // Random job sets: 30 seeds × spread and colocated gangs. Without churn
    // run times are known exactly, so every job that held the reservation
    // must start no later than first promised.
    let mut backfilled = 0;
    for colocate in [false, true] {
        let sc = mixed("backfill", colocate);
        for seed in 0..30 {
            let mut run = Run::new(&sc, DesignKind::Ionet, seed);
            run.advance(sc.horizon);
            let m = ionet(&run);
            assert_eq!(
                m.late_heads(),
                0,
                "seed {seed}, colocate {colocate}: a reserved job started late"
            );
            backfilled += m.backfilled();
        }
    }
    assert!(
        backfilled > 1_000,
        "the random sets must exercise backfilling ({backfilled} jobs)"
    );
}

#[test]
fn backfill_raises_utilization_over_fifo() {
    let (fifo, backfill) = (mixed("fifo", false), mixed("backfill", false));
    let mut gain = Vec::new();
    for seed in 0..8 {
        let f = simulate(&fifo, DesignKind::Ionet, seed).summary;
        let b = simulate(&backfill, DesignKind::Ionet, seed).summary;
        assert_eq!(f.jobs_submitted, b.jobs_submitted, "same demand");
        gain.push(b.utilization.unwrap() - f.utilization.unwrap());
        assert!(
            b.mean_wait_h.unwrap() < f.mean_wait_h.unwrap(),
            "seed {seed}: backfill should cut the mean wait ({:?} vs {:?})",
            b.mean_wait_h,
            f.mean_wait_h
        );
    }
    let mean = gain.iter().sum::<f64>() / gain.len() as f64;
    assert!(
        gain.iter().all(|&g| g > 0.0) && mean > 0.02,
        "utilization gains per seed: {gain:?}"
    );
}

/// Two 4-GPU nodes of one class; arrivals are injected by hand.
const SMALL: &str = r#"
    [scenario]
    name = "small"
    horizon = "40h"
    designs = ["ionet"]
    [[gpu_class]]
    name = "X"
    vram_gb = 80
    cost_per_hour = 0.5
    cloud_price_per_hour = 3.0
    [supply]
    initial = { X = 8 }
    gpus_per_node = 4
    [[workload]]
    name = "one"
    kind = "inference"
    arrivals = { process = "poisson", rate_per_hour = 1e-12 }
    duration = { dist = "fixed", value = "10m" }
    gpus = 1
    gpu_class = ["X"]
    max_price_per_gpu_hour = 10.0
    [[workload]]
    name = "three"
    kind = "training"
    arrivals = { process = "poisson", rate_per_hour = 1e-12 }
    duration = { dist = "fixed", value = "5h" }
    gpus = 3
    gpu_class = ["X"]
    max_price_per_gpu_hour = 10.0
    [[workload]]
    name = "four"
    kind = "training"
    arrivals = { process = "poisson", rate_per_hour = 1e-12 }
    duration = { dist = "fixed", value = "2h" }
    gpus = 4
    gpu_class = ["X"]
    max_price_per_gpu_hour = 10.0
    [design.ionet]
    price_per_gpu_hour = { X = 2.0 }
"#;

const ONE: Event = Event::Arrival(0);
const THREE: Event = Event::Arrival(1);
const FOUR: Event = Event::Arrival(2);

fn small(extra: &str) -> depinsim::scenario::Scenario {
    let text = SMALL.replace(
        "price_per_gpu_hour = { X = 2.0 }",
        &format!("price_per_gpu_hour = {{ X = 2.0 }}\n{extra}"),
    );
    from_str(&text, "small.toml", &[]).unwrap()
}

#[test]
fn colocated_gangs_wait_for_one_node_spread_gangs_do_not() {
    // Nodes of 4, 4 and 2 GPUs. Two 3-GPU gangs leave 1 + 1 + 2 free: a
    // 4-GPU gang can spread over them, but no single node holds it.
    for (colocate, busy) in [(true, 6.0), (false, 10.0)] {
        let text = SMALL
            .replace("initial = { X = 8 }", "initial = { X = 10 }")
            .replace(
                "price_per_gpu_hour = { X = 2.0 }",
                &format!("price_per_gpu_hour = {{ X = 2.0 }}\ncolocate = {colocate}"),
            );
        let sc = from_str(&text, "small.toml", &[]).unwrap();
        let mut run = Run::new(&sc, DesignKind::Ionet, 1);
        run.inject(0, THREE);
        run.inject(0, THREE);
        run.inject(H, FOUR);
        run.advance(H);
        assert_eq!(run.gpus_busy(), busy, "colocate {colocate}");
        run.advance(5 * H); // the 3-GPU gangs end: a whole node is free
        assert_eq!(run.queue_len(), 0, "colocate {colocate}");
    }
}

#[test]
fn best_fit_starts_the_largest_gang_that_fits() {
    let sc = small("policy = \"best_fit\"");
    let mut run = Run::new(&sc, DesignKind::Ionet, 1);
    run.inject(0, FOUR);
    run.inject(0, FOUR); // all 8 busy until 2 h
    run.inject(H, ONE);
    run.inject(H, ONE);
    run.inject(H, THREE);
    run.inject(H, FOUR);
    run.advance(2 * H);
    // At 2 h, 8 free: FOUR (4) first, then THREE (3), then one ONE (1).
    assert_eq!(run.gpus_busy(), 8.0);
    assert_eq!(run.queue_len(), 1);
}

#[test]
fn short_runs_are_billed_the_minimum_and_fees_split_the_payment() {
    // One 10-minute 1-GPU job at $2/GPU-h: billed 1 h = $2; the user pays
    // the 0.25% reservation fee on top, the provider gets 2 − 0.25% − 2%.
    let sc = small("");
    let mut run = Run::new(&sc, DesignKind::Ionet, 1);
    run.inject(0, ONE);
    let s = run.finish().summary;
    assert_eq!(s.jobs_completed, 1);
    let user = 2.0 * 1.0025;
    assert!((s.user_usd - user).abs() < 1e-12, "{}", s.user_usd);
    // Useful work is 10 minutes: the user paid $2.005 per 1/6 GPU-hour.
    assert!((s.usd_per_gpu_hour.unwrap() - user * 6.0).abs() < 1e-9);
    // Provider margin: (2 × 0.9775 − 0.5 × 8 × 40) / (8 × 40) per GPU-hour.
    let margin = (2.0 * 0.9775 - 0.5 * 8.0 * 40.0) / (8.0 * 40.0);
    assert!((s.provider_margin.unwrap() - margin).abs() < 1e-12);
    // A 1 ms minimum bills the run as it is: 10 minutes.
    let sc = small("min_billed = \"1ms\"\nreservation_fee = 0.0");
    let mut run = Run::new(&sc, DesignKind::Ionet, 1);
    run.inject(0, ONE);
    let s = run.finish().summary;
    assert!((s.user_usd - 2.0 / 6.0).abs() < 1e-12, "{}", s.user_usd);
}

#[test]
fn rewards_need_continuous_uptime() {
    // Node 0 goes down at 3 h and up at 4 h, node 1 stays up for 40 h.
    // With a 5 h rule: node 0 earns over [9 h, 40 h] = 31 h, node 1 over
    // [5 h, 40 h] = 35 h; online: 39 h and 40 h, 4 GPUs each.
    let sc = small("");
    let mut run = Run::new(&sc, DesignKind::Ionet, 1);
    run.inject(3 * H, Event::NodeDown(NodeId(0)));
    run.inject(4 * H, Event::NodeUp(NodeId(0)));
    let s = run.finish().summary;
    let expected = (31.0 + 35.0) / (39.0 + 40.0);
    let got = s.reward_eligible_share.unwrap();
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    assert_eq!(s.backfilled_jobs, Some(0));
}
