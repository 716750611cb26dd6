//! The model against what is known exactly: M/M/c (Erlang C), Little's law,
//! on/off availability, and the billing identities of the io.net design.
//! Tolerances come from the runs themselves: a statistic is accepted when the
//! exact value lies in the 99.9% Student-t interval over independent
//! replicates, and that interval must itself be narrow, so a biased model
//! fails. See docs/validation.md for the numbers.

mod common;

use common::{erlang_c, mmc_wait_h};
use depinsim::runner::{RunResult, plan_runs, run_one};
use depinsim::scenario::{self, Scenario, parse_override};
use statrs::distribution::{ContinuousCDF, StudentsT};

fn scenario_with(text: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    scenario::from_str(text, "test.toml", &sets).unwrap()
}

fn run(sc: &Scenario) -> Vec<RunResult> {
    plan_runs(sc, 0)
        .into_iter()
        .map(|s| run_one(sc, s))
        .collect()
}

/// 95th percentile of the M/M/c wait (hours): P(W > t) = C·e^(−(cμ−λ)t),
/// so t₉₅ = ln(C / 0.05) / (cμ − λ), or 0 when fewer than 5% wait at all.
fn mmc_p95_wait_h(c: u32, lambda_per_h: f64, mean_service_h: f64) -> f64 {
    let mu = 1.0 / mean_service_h;
    let p_wait = erlang_c(c, lambda_per_h / mu);
    if p_wait <= 0.05 {
        0.0
    } else {
        (p_wait / 0.05).ln() / (c as f64 * mu - lambda_per_h)
    }
}

/// Mean and 99.9% Student-t half-width over replicates.
fn ci999(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .unwrap()
        .inverse_cdf(0.9995);
    (m, t * sd / n.sqrt())
}

/// Asserts that `exact` lies in the replicate CI of `xs` and that the CI is
/// narrower than `max_rel` of the exact value.
fn assert_covers(what: &str, xs: &[f64], exact: f64, max_rel: f64) {
    let (m, h) = ci999(xs);
    eprintln!("{what}: simulated {m:.5} ± {h:.5} (99.9%), exact {exact:.5}");
    assert!(
        h < max_rel * exact,
        "{what}: CI half-width {h} too wide to test against {exact}"
    );
    assert!(
        (m - exact).abs() <= h,
        "{what}: exact {exact} outside {m} ± {h}"
    );
}

fn metric(rs: &[RunResult], f: impl Fn(&RunResult) -> Option<f64>) -> Vec<f64> {
    rs.iter()
        .map(|r| f(r).expect("metric is defined"))
        .collect()
}

const MMC: &str = r#"
[scenario]
name = "mmc-test"
horizon = "800d"
warmup = "5d"
seed = 11
replications = 16
designs = ["ionet"]

[output]
sample_every = "1d"

[[gpu_class]]
name = "A100"
vram_gb = 80
cost_per_hour = 0.55
cloud_price_per_hour = 2.79

[supply]
initial = { A100 = 16 }
gpus_per_node = 8

[[workload]]
name = "jobs"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 12.0 }
duration = { dist = "exp", mean = "1h" }
gpu_class = ["A100"]
max_price_per_gpu_hour = 100.0

[design.ionet]
price_per_gpu_hour = { A100 = 1.89 }
min_billed = "1ms"
reservation_fee = 0.0
payment_fee = 0.0
"#;

#[test]
fn erlang_c_formula_matches_published_values() {
    // Textbook value: c = 2, a = 1 (ρ = 0.5): C = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    // c = 1 is M/M/1: C = ρ.
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
}

fn check_mmc(c: u32, lambda: f64, mean_h: f64, gpus_per_node: u32) {
    let sets = [
        format!("supply.initial.A100={c}"),
        format!("supply.gpus_per_node={gpus_per_node}"),
        format!("workload.jobs.arrivals.rate_per_hour={lambda}"),
        format!("workload.jobs.duration={{ dist = \"exp\", mean = \"{mean_h}h\" }}"),
    ];
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    let sc = scenario_with(MMC, &sets);
    let rs = run(&sc);
    let label = format!("M/M/{c} λ={lambda}/h E[S]={mean_h}h");
    let rho = lambda * mean_h / c as f64;
    assert_covers(
        &format!("{label} mean wait (h)"),
        &metric(&rs, |r| r.summary.mean_wait_h),
        mmc_wait_h(c, lambda, mean_h),
        0.08,
    );
    assert_covers(
        &format!("{label} p95 wait (h)"),
        &metric(&rs, |r| r.summary.p95_wait_h),
        mmc_p95_wait_h(c, lambda, mean_h),
        0.08,
    );
    assert_covers(
        &format!("{label} utilization"),
        &metric(&rs, |r| r.summary.utilization),
        rho,
        0.02,
    );
    for r in &rs {
        // No churn: every GPU-hour run is useful and paid at the list price.
        assert_eq!(r.summary.availability, Some(1.0));
        assert_eq!(r.summary.jobs_interrupted, 0);
        assert_eq!(r.summary.lost_gpu_hours, 0.0);
        let usd = r.summary.usd_per_gpu_hour.unwrap();
        assert!(
            (usd - 1.89).abs() < 1e-9,
            "usd_per_gpu_hour {usd} != price 1.89"
        );
    }
}

#[test]
fn minimum_billing_and_fees_match_their_expectation() {
    // Each run is billed max(S, m) GPU-hours and the user pays the
    // reservation fee on top: per useful GPU-hour, price · (1 + fee) ·
    // E[max(S, m)] / E[S]. For S ~ exp(mean 1 h) and m = 1 h,
    // E[max(S, m)] = m + E[(S − m)⁺] = 1 + e^(−1) hours.
    let sc = scenario_with(
        MMC,
        &[
            "scenario.horizon=100d",
            "scenario.replications=8",
            "design.ionet.min_billed=\"1h\"",
            "design.ionet.reservation_fee=0.0025",
        ],
    );
    let rs = run(&sc);
    let exact = 1.89 * 1.0025 * (1.0 + (-1.0f64).exp());
    assert_covers(
        "usd per useful GPU-hour, 1 h minimum, 0.25% fee",
        &metric(&rs, |r| r.summary.usd_per_gpu_hour),
        exact,
        0.01,
    );
}

#[test]
fn mmc_16_servers_matches_erlang_c() {
    check_mmc(16, 12.0, 1.0, 8);
}

#[test]
fn mmc_5_servers_on_uneven_nodes_matches_erlang_c() {
    // 5 GPUs on nodes of 2 (2 + 2 + 1): placement must not matter.
    check_mmc(5, 4.0, 1.0, 2);
}

#[test]
fn mmc_single_server_matches_mm1() {
    // M/M/1 at ρ = 0.6 with 30-minute jobs: W_q = ρ/(μ − λ) = 0.6/(2 − 1.2) = 0.75 h.
    assert!((mmc_wait_h(1, 1.2, 0.5) - 0.75).abs() < 1e-12);
    check_mmc(1, 1.2, 0.5, 1);
}

/// The M/M/c world with churn: 200 single-GPU nodes alternating exp(20 h)
/// up and exp(5 h) down, busy with 2-hour jobs.
const CHURN: &[&str] = &[
    "scenario.horizon=120d",
    "scenario.warmup=10d",
    "scenario.seed=5",
    "scenario.replications=6",
    "supply.initial.A100=200",
    "supply.gpus_per_node=1",
    "churn.enabled=true",
    "churn.uptime={ dist = \"exp\", mean = \"20h\" }",
    "churn.downtime={ dist = \"exp\", mean = \"5h\" }",
    "workload.jobs.arrivals.rate_per_hour=40",
    "workload.jobs.duration={ dist = \"exp\", mean = \"2h\" }",
];

fn churn_with(extra: &[&str]) -> Scenario {
    scenario_with(MMC, &[CHURN, extra].concat())
}

#[test]
fn availability_matches_mtbf_over_mtbf_plus_mttr() {
    // Exponential on/off: A = 20 / (20 + 5) = 0.8.
    let sc = churn_with(&[]);
    let rs = run(&sc);
    assert_covers(
        "availability exp(20h)/exp(5h)",
        &metric(&rs, |r| r.summary.availability),
        0.8,
        0.01,
    );
    // Weibull up (k = 0.7, mean 30 h), lognormal down (mean 10 h, cv 1.5):
    // A = 30 / 40 = 0.75 whatever the shapes (renewal-reward theorem).
    let sc = churn_with(&[
        "churn.uptime={ dist = \"weibull\", shape = 0.7, mean = \"30h\" }",
        "churn.downtime={ dist = \"lognormal\", mean = \"10h\", cv = 1.5 }",
    ]);
    let rs = run(&sc);
    assert_covers(
        "availability weibull(30h)/lognormal(10h)",
        &metric(&rs, |r| r.summary.availability),
        0.75,
        0.02,
    );
}

#[test]
fn interrupted_runs_are_unpaid_and_checkpoints_keep_progress() {
    let unpaid = "design.ionet.pay_interrupted=false";
    let no_ckpt = run(&churn_with(&["scenario.replications=2", unpaid]));
    let ckpt = run(&churn_with(&[
        "scenario.replications=2",
        unpaid,
        "workload.jobs.checkpoint_every=\"10m\"",
    ]));
    for (a, b) in no_ckpt.iter().zip(&ckpt) {
        assert!(
            a.summary.jobs_interrupted > 100,
            "churn must interrupt jobs"
        );
        // Without checkpoints only completed runs are paid and all their work
        // is useful, so users pay exactly the list price per useful GPU-hour.
        let usd = a.summary.usd_per_gpu_hour.unwrap();
        assert!((usd - 1.89).abs() < 1e-9, "{usd}");
        // With checkpoints, progress of unpaid runs is kept: cheaper per
        // useful hour, and far less work lost.
        assert!(b.summary.usd_per_gpu_hour.unwrap() < 1.89);
        assert!(b.summary.lost_gpu_hours < 0.2 * a.summary.lost_gpu_hours);
        // Same seeds, same demand: the same jobs arrive in both.
        assert_eq!(a.summary.jobs_submitted, b.summary.jobs_submitted);
    }
}

#[test]
fn users_pay_interrupted_runs_by_the_time_they_ran() {
    // The default: every run is paid for the time it ran (a 1 ms minimum,
    // no fees), useful or lost, so users pay the list price per GPU-hour
    // run: 1.89 × (useful + lost) / useful per useful GPU-hour.
    for r in run(&churn_with(&["scenario.replications=2"])) {
        let s = &r.summary;
        assert!(s.jobs_interrupted > 100, "churn must interrupt jobs");
        let expect = 1.89 * (s.gpu_hours_delivered + s.lost_gpu_hours) / s.gpu_hours_delivered;
        let usd = s.usd_per_gpu_hour.unwrap();
        assert!((usd / expect - 1.0).abs() < 1e-9, "{usd} vs {expect}");
        assert!(usd > 1.89 * 1.05, "interruptions cost the users: {usd}");
    }
}

#[test]
fn littles_law_holds_on_the_baseline() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/baseline.toml"
    ))
    .unwrap();
    // io.net: every served job passes through one queue.
    let sc = scenario_with(
        &text,
        &["scenario.replications=1", "scenario.designs=[\"ionet\"]"],
    );
    let r = &run(&sc)[0];
    let s = &r.summary;
    let window_h = (sc.horizon - sc.warmup) as f64 / 3.6e6;
    let lambda = (s.jobs_submitted - s.jobs_lost_to_cloud - s.jobs_not_served) as f64 / window_h;
    let l = s.mean_queue_len.unwrap();
    let lw = lambda * s.mean_wait_h.unwrap();
    eprintln!("Little: L = {l:.4}, λW = {lw:.4}");
    assert!(
        l > 10.0,
        "the baseline must queue for this test to mean anything"
    );
    // Only jobs straddling the window's edges differ: O(W/T) ≈ 0.3 h / 672 h.
    assert!((l - lw).abs() / l < 0.01, "L = {l}, λW = {lw}");
}

/// 20,000 single-GPU nodes that only churn (one workload of practically no
/// jobs), for the fraction of GPUs online at chosen times.
const ONLY_CHURN: &str = r#"
    [scenario]
    name = "only-churn"
    horizon = "60h"
    designs = ["ionet"]
    [[gpu_class]]
    name = "X"
    vram_gb = 80
    cost_per_hour = 0.5
    cloud_price_per_hour = 3.0
    [supply]
    initial = { X = 20000 }
    gpus_per_node = 1
    [churn]
    enabled = true
    uptime = { dist = "weibull", shape = 6.0, mean = "24h" }
    downtime = { dist = "exp", mean = "5h" }
    [[workload]]
    name = "none"
    kind = "training"
    arrivals = { process = "poisson", rate_per_hour = 1e-12 }
    duration = { dist = "fixed", value = "1h" }
    gpus = 1
    gpu_class = ["X"]
    max_price_per_gpu_hour = 10.0
    [design.ionet]
    price_per_gpu_hour = { X = 2.0 }
"#;

#[test]
fn churn_starts_in_equilibrium_whatever_the_up_and_down_laws() {
    use depinsim::scenario::DesignKind;
    use depinsim::sim::Run;
    // In equilibrium a node is up with probability E[up] / (E[up] + E[down])
    // at every time, from t = 0 on. Weibull shape 6 (mean 24 h) is nearly
    // periodic: nodes that all began a fresh up period at t = 0 would fail
    // together around 24 h (61% online at 23.5 h against 83%).
    let laws = [
        (
            r#"{ dist = "weibull", shape = 6.0, mean = "24h" }"#,
            r#"{ dist = "exp", mean = "5h" }"#,
        ),
        (
            r#"{ dist = "weibull", shape = 6.0, mean = "24h" }"#,
            r#"{ dist = "lognormal", mean = "5h", cv = 0.3 }"#,
        ),
        (
            r#"{ dist = "fixed", value = "24h" }"#,
            r#"{ dist = "uniform", low = "4h", high = "6h" }"#,
        ),
    ];
    for (up, down) in laws {
        let sc = scenario_with(
            ONLY_CHURN,
            &[
                &format!("churn.uptime={up}"),
                &format!("churn.downtime={down}"),
            ],
        );
        let a = 24.0 / 29.0;
        let n = sc.total_gpus() as f64;
        // 5 binomial standard errors of the online share.
        let tol = 5.0 * (a * (1.0 - a) / n).sqrt();
        let mut run = Run::new(&sc, DesignKind::Ionet, 3);
        for t_h in [0.0, 6.0, 12.0, 20.0, 23.5, 26.0, 30.0, 47.0] {
            run.advance((t_h * 3.6e6) as u64);
            let online = run.world().gpus_up as f64 / n;
            assert!(
                (online - a).abs() < tol,
                "up {up}, down {down}: {online:.4} online at {t_h} h, equilibrium {a:.4} ± {tol:.4}"
            );
        }
    }
}
