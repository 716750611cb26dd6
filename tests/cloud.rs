//! The centralized cloud against closed forms: without spot and failures
//! users pay exactly the list price per useful GPU-hour; spot with
//! exponential preemptions loses the expected work of a restart-from-
//! checkpoint process; a quota makes it an M/M/c queue (Erlang C).

mod common;

use common::mmc_wait_h;
use depinsim::metrics::Summary;
use depinsim::scenario::{DesignKind, from_str, parse_override};
use depinsim::sim::simulate;

/// One class X (cloud list price $3 per GPU-hour), one workload of 1-GPU
/// jobs; the cloud with every failure off. Cases change it with `--set`.
const CLOUD: &str = r#"
[scenario]
name = "cloud"
horizon = "400h"
warmup = "0h"
designs = ["cloud"]
[[gpu_class]]
name = "X"
vram_gb = 80
cost_per_hour = 0.5
cloud_price_per_hour = 3.0
[supply]
initial = { X = 8 }
gpus_per_node = 8
[[workload]]
name = "w"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 50.0 }
duration = { dist = "fixed", value = "2h" }
gpus = 1
gpu_class = ["X"]
max_price_per_gpu_hour = 1.0
[design.cloud]
sla = 1.0
restart_delay = "0s"
billing_increment = "1ms"
min_billed = "0s"
"#;

fn run(sets: &[&str], seed: u64) -> Summary {
    let sets: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    let sc = from_str(CLOUD, "cloud.toml", &sets).unwrap();
    simulate(&sc, DesignKind::Cloud, seed).summary
}

#[test]
fn without_spot_users_pay_the_list_price_per_useful_gpu_hour() {
    // Per-second billing of whole-second runs is exact too.
    for extra in [&[][..], &["design.cloud.billing_increment=\"1s\""][..]] {
        let s = run(extra, 3);
        let p = s.usd_per_gpu_hour.unwrap();
        assert!((p - 3.0).abs() < 1e-9, "{p}");
        assert_eq!(
            s.jobs_lost_to_cloud, 0,
            "the cloud serves above users' max price"
        );
        assert_eq!(s.jobs_interrupted, 0);
        assert_eq!(s.mean_wait_h, Some(0.0), "no quota: nobody waits");
        assert_eq!(s.availability, Some(1.0));
        assert_eq!(s.provider_margin, None);
    }
    // A price of its own overrides the class's list price.
    let s = run(&["design.cloud.price_per_gpu_hour.X=2.5"], 3);
    assert!((s.usd_per_gpu_hour.unwrap() - 2.5).abs() < 1e-9);
}

/// Mean and standard error over `seeds` replicates of `f(summary)`.
fn mean_se(sets: &[&str], seeds: u64, f: impl Fn(&Summary) -> f64) -> (f64, f64) {
    let xs: Vec<f64> = (1..=seeds).map(|s| f(&run(sets, s))).collect();
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

#[test]
fn spot_with_exponential_preemptions_matches_the_restart_closed_form() {
    // Work W = 2 h, preemptions at rate r = 1/4 h, restart from scratch:
    // a job takes E[T] = (e^{rW} − 1)/r machine hours and is preempted
    // e^{rW} − 1 times; users pay the spot price p(1 − d) for all of it.
    let spot = [
        "design.cloud.spot.share=1.0",
        "design.cloud.spot.discount=0.7",
        "design.cloud.spot.preemption={dist=\"exp\",mean=\"4h\"}",
    ];
    let (r, w) = (0.25f64, 2.0f64);
    let factor = ((r * w).exp() - 1.0) / (r * w);
    let (p, se) = mean_se(&spot, 8, |s| s.usd_per_gpu_hour.unwrap());
    let want = 3.0 * 0.3 * factor;
    eprintln!("spot price per useful GPU-h: {p:.4} ± {se:.4} (closed form {want:.4})");
    assert!((p - want).abs() < 4.0 * se + 1e-3, "{p} ± {se} vs {want}");
    let (i, se) = mean_se(&spot, 8, |s| s.interruptions_per_1k_gpu_h.unwrap());
    let want = ((r * w).exp() - 1.0) / w * 1000.0;
    eprintln!("spot interruptions per 1k GPU-h: {i:.2} ± {se:.2} (closed form {want:.2})");
    assert!((i - want).abs() < 4.0 * se + 1.0, "{i} ± {se} vs {want}");

    // With a checkpoint every 30 min each of the 4 segments restarts alone:
    // E[T] = 4 (e^{rc} − 1)/r, preemptions 4 (e^{rc} − 1) per job.
    let mut ck = spot.to_vec();
    ck.push("workload.w.checkpoint_every=\"30m\"");
    let c = 0.5f64;
    let (p, se) = mean_se(&ck, 8, |s| s.usd_per_gpu_hour.unwrap());
    let want = 3.0 * 0.3 * ((r * c).exp() - 1.0) / (r * c);
    eprintln!("spot with checkpoints: {p:.4} ± {se:.4} (closed form {want:.4})");
    assert!((p - want).abs() < 4.0 * se + 1e-3, "{p} ± {se} vs {want}");
}

#[test]
fn instance_failures_at_the_sla_interrupt_runs_at_the_implied_rate() {
    // SLA a with mean outage d: failures every d·a/(1 − a) of running.
    // a = 0.9, d = 1 h: every 9 h; 2-hour jobs are interrupted
    // e^{2/9} − 1 times each, restarting from scratch.
    let sets = ["design.cloud.sla=0.9", "design.cloud.outage=\"1h\""];
    let rate = 1.0 / 9.0;
    let (i, se) = mean_se(&sets, 8, |s| s.interruptions_per_1k_gpu_h.unwrap());
    let want = ((rate * 2.0f64).exp() - 1.0) / 2.0 * 1000.0;
    eprintln!("SLA failures per 1k GPU-h: {i:.2} ± {se:.2} (closed form {want:.2})");
    assert!((i - want).abs() < 4.0 * se + 1.0, "{i} ± {se} vs {want}");
    assert_eq!(run(&sets, 1).availability, Some(0.9));
}

#[test]
fn a_quota_makes_the_cloud_an_mmc_queue() {
    // c = 8 GPUs of quota, λ = 6/h, exponential 1-hour jobs: Erlang C.
    let sets = [
        "design.cloud.quota.X=8",
        "workload.w.arrivals.rate_per_hour=6.0",
        "workload.w.duration={dist=\"exp\",mean=\"1h\"}",
        "scenario.horizon=\"2000h\"",
        "scenario.warmup=\"50h\"",
    ];
    let want = mmc_wait_h(8, 6.0, 1.0);
    let (wq, se) = mean_se(&sets, 10, |s| s.mean_wait_h.unwrap());
    eprintln!("quota M/M/8 mean wait: {wq:.4} ± {se:.4} h (Erlang C {want:.4})");
    assert!(
        (wq - want).abs() < 4.0 * se,
        "{wq} ± {se} vs Erlang C {want}"
    );
    let (u, se) = mean_se(&sets, 10, |s| s.utilization.unwrap());
    assert!((u - 0.75).abs() < 4.0 * se + 1e-3, "{u} ± {se} vs ρ = 0.75");
}
