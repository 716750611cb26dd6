//! Akash auctions against order statistics, and an end-to-end run of the
//! binary on an Akash scenario.

mod common;

use common::Sandbox;
use depinsim::engine::{MS_PER_HOUR, SimTime};
use depinsim::model::Event;
use depinsim::scenario::{DesignKind, from_str};
use depinsim::sim::Run;

const H: SimTime = MS_PER_HOUR;

/// `providers` idle 1-GPU providers of one class costing $1/h, cost-plus
/// markups U(low, high), at most `max_bids` bids per order; jobs are injected.
fn auction_world(providers: u32, max_bids: u32, low: f64, high: f64, horizon_h: u64) -> String {
    format!(
        r#"
[scenario]
name = "auction"
horizon = "{horizon_h}h"
designs = ["akash"]
[[gpu_class]]
name = "X"
vram_gb = 80
cost_per_hour = 1.0
cloud_price_per_hour = 5.0
[supply]
initial = {{ X = {providers} }}
gpus_per_node = 1
[[workload]]
name = "job"
kind = "inference"
arrivals = {{ process = "poisson", rate_per_hour = 1e-12 }}
duration = {{ dist = "fixed", value = "10m" }}
gpus = 1
gpu_class = ["X"]
max_price_per_gpu_hour = 100.0
[design.akash]
bid_window = "1m"
max_bids = {max_bids}
[[design.akash.provider]]
share = 1.0
strategy = "cost_plus"
markup = {{ dist = "uniform", low = {low}, high = {high} }}
"#
    )
}

/// One order at a time (each job is done long before the next arrives), so
/// every order sees all providers idle. The winning markup is the minimum of
/// the counted bids' markups: with k = min(N, max_bids) i.i.d. U(a, b) bids,
/// E = a + (b − a)/(k + 1) and sd = (b − a)·sqrt(k / ((k + 1)² (k + 2))).
#[test]
fn winning_markup_is_the_minimum_order_statistic() {
    let (a, b) = (0.1, 0.6);
    let orders: u64 = 20_000;
    // (providers, max_bids): all bid; all bid at the default cap; the cap binds.
    for (n, cap) in [(1, 20), (5, 20), (20, 20), (40, 10)] {
        let text = auction_world(n, cap, a, b, orders + 1);
        let sc = from_str(&text, "auction.toml", &[]).unwrap();
        let mut run = Run::new(&sc, DesignKind::Akash, 11);
        for i in 0..orders {
            run.inject(i * H, Event::Arrival(0));
        }
        let s = run.finish().summary;
        assert_eq!(s.jobs_completed, orders);
        let k = n.min(cap) as f64;
        assert_eq!(s.bids_per_order, Some(k), "N = {n}, max_bids = {cap}");
        let want = a + (b - a) / (k + 1.0);
        let sd = (b - a) * (k / ((k + 1.0).powi(2) * (k + 2.0))).sqrt();
        let se = sd / (orders as f64).sqrt();
        let got = s.mean_markup.unwrap();
        eprintln!(
            "N = {n}, max_bids = {cap}: mean winning markup {got:.5}, expected {want:.5}, se {se:.5}"
        );
        // 4 standard errors: a false alarm has probability ~6e-5 per case.
        assert!(
            (got - want).abs() < 4.0 * se,
            "N = {n}, max_bids = {cap}: mean winning markup {got:.5}, order statistic a + (b − a)/(k + 1) = {want:.5} ± {:.5} (4 se, {orders} orders)",
            4.0 * se
        );
        // Users pay the winning price: per GPU-hour, 1 + the mean markup
        // (10-minute runs of whole blocks give tiny deviations).
        let usd = s.usd_per_gpu_hour.unwrap();
        assert!(
            (usd - (1.0 + got)).abs() < 0.01,
            "N = {n}: usd_per_gpu_hour {usd} vs 1 + mean markup {}",
            1.0 + got
        );
    }
}

/// The binary runs an Akash scenario with churn and writes the Akash columns.
#[test]
fn akash_runs_end_to_end_with_churn() {
    let text = r#"
[scenario]
name = "akash-e2e"
horizon = "48h"
warmup = "4h"
seed = 3
designs = ["akash"]
[[gpu_class]]
name = "A100"
vram_gb = 80
cost_per_hour = 0.55
cloud_price_per_hour = 2.79
[[gpu_class]]
name = "CPU"
vram_gb = 0
cost_per_hour = 0.01
cloud_price_per_hour = 0.05
cpu_threads = 2
memory_gb = 4
[supply]
initial = { A100 = 64, CPU = 64 }
gpus_per_node = 8
[churn]
enabled = true
uptime = { dist = "exp", mean = "12h" }
downtime = { dist = "exp", mean = "20m" }
[[workload]]
name = "train"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 20.0 }
duration = { dist = "exp", mean = "2h" }
gpus = 2
gpu_class = ["A100"]
max_price_per_gpu_hour = { dist = "uniform", low = 0.6, high = 1.2 }
checkpoint_every = "30m"
[[workload]]
name = "site"
kind = "web"
arrivals = { process = "poisson", rate_per_hour = 2.0 }
duration = { dist = "exp", mean = "12h" }
gpus = 1
gpu_class = ["CPU"]
max_price_per_gpu_hour = 0.05
[design.akash]
[[design.akash.provider]]
share = 0.5
strategy = "cost_plus"
markup = { dist = "uniform", low = 0.1, high = 0.8 }
[[design.akash.provider]]
share = 0.3
strategy = "adaptive"
markup = { dist = "uniform", low = 0.2, high = 0.6 }
markup_min = 0.05
markup_max = 1.0
step_up = 0.05
step_down = 0.02
[[design.akash.provider]]
share = 0.2
strategy = "script"
"#;
    let sb = Sandbox::new();
    let file = sb.write("akash.toml", text);
    let o = sb.run(&file, &["--replications", "2"]);
    o.assert_no_panic().assert_code(0);
    let summary = std::fs::read_to_string(sb.out().join("summary.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(summary.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("summary.csv lacks {name}"))
    };
    let (bids, markup, closures, interruptions) = (
        col("bids_per_order"),
        col("mean_markup"),
        col("lease_closures"),
        col("interruptions"),
    );
    let mut n = 0;
    for r in rows.records() {
        let r = r.unwrap();
        n += 1;
        let bids: f64 = r[bids].parse().unwrap();
        // 8 A100 nodes, 8 CPU nodes, max_bids 20: at most 8 bid.
        assert!((1.0..=8.0).contains(&bids), "bids_per_order {bids}");
        let markup: f64 = r[markup].parse().unwrap();
        assert!(markup.is_finite(), "mean_markup {markup}");
        let closures: u64 = r[closures].parse().unwrap();
        let interruptions: u64 = r[interruptions].parse().unwrap();
        // Mean downtime 20 min vs an 8-minute health window: most outages
        // close their leases, and every closure by the health window
        // follows an interruption.
        assert!(interruptions > 0, "churn must interrupt some leases");
        assert!(closures > 0, "20-minute outages must close leases");
    }
    assert_eq!(n, 2);
}

/// Heavy churn with short outages (some shorter, some longer than the
/// health window) and tight escrow: every path of a lease is taken many
/// times (with the test profile's debug assertions on GPU bookkeeping).
fn churn_world(churn: bool) -> String {
    format!(
        r#"
[scenario]
name = "akash-churn"
horizon = "72h"
warmup = "2h"
designs = ["akash"]
[[gpu_class]]
name = "X"
vram_gb = 80
cost_per_hour = 1.0
cloud_price_per_hour = 5.0
[supply]
initial = {{ X = 96 }}
gpus_per_node = 4
[churn]
enabled = {churn}
uptime = {{ dist = "exp", mean = "6h" }}
downtime = {{ dist = "exp", mean = "10m" }}
[[workload]]
name = "small"
kind = "inference"
arrivals = {{ process = "poisson", rate_per_hour = 30.0 }}
duration = {{ dist = "exp", mean = "1h" }}
gpus = 1
gpu_class = ["X"]
max_price_per_gpu_hour = 100.0
[[workload]]
name = "gang"
kind = "training"
arrivals = {{ process = "poisson", rate_per_hour = 6.0 }}
duration = {{ dist = "exp", mean = "3h" }}
gpus = 4
gpu_class = ["X"]
max_price_per_gpu_hour = 100.0
checkpoint_every = "20m"
[[workload]]
name = "site"
kind = "web"
arrivals = {{ process = "poisson", rate_per_hour = 2.0 }}
duration = {{ dist = "exp", mean = "8h" }}
gpus = 2
gpu_class = ["X"]
max_price_per_gpu_hour = 100.0
[design.akash]
escrow_cover = 1.0
[[design.akash.provider]]
share = 1.0
strategy = "cost_plus"
markup = {{ dist = "uniform", low = 0.2, high = 0.4 }}
"#
    )
}

#[test]
fn heavy_churn_keeps_the_books() {
    let run = |churn: bool| {
        let sc = from_str(&churn_world(churn), "churn.toml", &[]).unwrap();
        Run::new(&sc, DesignKind::Akash, 5).finish().summary
    };
    let (s, calm) = (run(true), run(false));
    // Providers: margin · fleet GPU-h + fleet cost (96 GPUs at $1/h, 70 h).
    let fleet_h = 96.0 * 70.0;
    let provider = s.provider_margin.unwrap() * fleet_h + fleet_h;
    assert!(
        (provider - 0.98 * s.user_usd).abs() < 1e-6 * s.user_usd,
        "providers got {provider}, 98% of users' {}",
        s.user_usd
    );
    assert!(s.jobs_completed + s.jobs_lost_to_cloud <= s.jobs_submitted);
    assert_eq!(s.jobs_lost_to_cloud, 0, "every bid is below the maximum");
    let closures = s.lease_closures.unwrap();
    assert!(closures > 0 && s.interruptions > 0);
    assert!(
        s.lost_gpu_hours > 0.0 && calm.lost_gpu_hours == 0.0,
        "only churn loses progress"
    );
    // Users pay at least the cheapest bid per useful hour (less at most one
    // block per lease, for block rounding) and more with outages to pay.
    let usd = s.usd_per_gpu_hour.unwrap();
    let calm_usd = calm.usd_per_gpu_hour.unwrap();
    assert!(calm_usd > 1.2 * 0.999 && calm_usd < 1.4, "calm: {calm_usd}");
    assert!(
        usd > calm_usd,
        "paying for outages and lost progress raises the price per useful GPU-hour: {usd} vs {calm_usd}"
    );
    assert_eq!(
        calm.lease_closures,
        Some(0),
        "escrow_cover = 1 suffices without outages"
    );
    eprintln!(
        "churn: {} closures, {} interruptions, ${usd:.4}/GPU-h vs ${calm_usd:.4} calm",
        closures, s.interruptions
    );
}
