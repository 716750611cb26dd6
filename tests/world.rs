//! World mode: the networks side by side on one fleet with a broker. A
//! world of one network listing every node reproduces the design alone;
//! jobs and money are conserved per strategy; `cheapest` pays the minimum
//! quote when capacity is ample; outputs do not depend on the thread count;
//! bad `[world]` keys are rejected.

mod common;

use common::{Sandbox, read_csv, reject_with};
use depinsim::runner::{plan_runs, run_all};
use depinsim::scenario::{self, parse_override};
use std::path::Path;

fn baseline_path() -> &'static Path {
    concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/world.toml").as_ref()
}

/// The world scenario, short, with `extra` overrides.
fn world(extra: &[&str]) -> scenario::Scenario {
    let mut sets = vec![
        "scenario.horizon=2d",
        "scenario.warmup=12h",
        "scenario.replications=1",
        "output.sample_every=6h",
        "token.enabled=false",
    ];
    sets.extend_from_slice(extra);
    let sets: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    scenario::load(baseline_path(), &sets).unwrap()
}

#[test]
fn one_network_listing_every_node_reproduces_the_design_alone() {
    for n in ["akash", "ionet", "render", "cloud"] {
        let nets = format!("world.networks=[\"{n}\"]");
        let only = format!("world.strategies=[\"only:{n}\"]");
        let alone = format!("scenario.designs=[\"{n}\"]");
        let sc = world(&[&nets, &only, "world.listing={}", "world.by_kind={}", &alone]);
        let results = run_all(&sc, &plan_runs(&sc, 0), Some(1)).unwrap();
        assert_eq!(results.len(), 2);
        let (a, w) = (&results[0], &results[1]);
        assert_eq!(
            w.strategy.as_deref(),
            Some(only[19..only.len() - 2].as_ref())
        );
        assert_eq!(a.summary, w.summary, "{n}: summary");
        assert_eq!(a.samples, w.samples, "{n}: time series");
        assert_eq!(a.workloads, w.workloads, "{n}: workloads");
        assert_eq!(a.wait_quantiles_h, w.wait_quantiles_h, "{n}: waits");
    }
}

#[test]
fn jobs_and_money_are_conserved_per_strategy() {
    let sc = world(&[]);
    let results = run_all(&sc, &plan_runs(&sc, 0), Some(2)).unwrap();
    let w = sc.world.as_ref().unwrap();
    let alone = results.iter().filter(|r| r.strategy.is_none()).count();
    assert_eq!(alone, sc.designs.len());
    for s in &w.strategy_names {
        let nets: Vec<_> = results
            .iter()
            .filter(|r| r.strategy.as_deref() == Some(s))
            .collect();
        assert_eq!(nets.len(), w.networks.len(), "{s}: one result per network");
        let rows = nets[0].world.as_ref().expect("the first carries the rows");
        let st = &rows.strategy;
        // Routed over all networks plus lost equals submitted.
        let routed: u64 = rows.routing.iter().map(|r| r.jobs_routed).sum();
        assert_eq!(routed + st.jobs_lost_to_cloud, st.jobs_submitted, "{s}");
        // The same jobs arrive whatever the strategy.
        let design_alone = results.iter().find(|r| r.strategy.is_none()).unwrap();
        assert_eq!(
            st.jobs_submitted, design_alone.summary.jobs_submitted,
            "{s}"
        );
        // Completed jobs add up over the networks; money paid by users
        // equals money over GPU-hours.
        let completed: u64 = nets.iter().map(|r| r.summary.jobs_completed).sum();
        assert_eq!(completed, st.jobs_completed, "{s}");
        let user: f64 = nets.iter().map(|r| r.summary.user_usd).sum();
        assert!((user - st.user_usd).abs() < 1e-6 * user.max(1.0), "{s}");
        for r in &nets {
            // GPU-time busy never exceeds GPU-time up on any network.
            if let Some(u) = r.summary.utilization {
                assert!(u <= 1.0 + 1e-9, "{s}/{}: utilization {u}", r.summary.design);
            }
        }
        if s.starts_with("only:") {
            // Only one network gets jobs.
            let got: Vec<&str> = rows
                .routing
                .iter()
                .filter(|r| r.jobs_routed > 0)
                .map(|r| r.network)
                .collect();
            assert!(got.iter().all(|&n| n == &s[5..]), "{s}: {got:?}");
        }
    }
}

#[test]
fn cheapest_pays_the_minimum_quote_with_ample_capacity() {
    // io.net (no fees, no minimum billing, so its quote is its posted
    // price) and the cloud on a huge fleet without churn or failures:
    // io.net's posted prices are below the cloud's list prices on every
    // class, so cheapest sends every job io.net serves there and users pay
    // exactly the lowest posted price of the job's classes; web jobs go to
    // the cloud at its list price.
    let sc = world(&[
        "world.networks=[\"ionet\",\"cloud\"]",
        "world.strategies=[\"cheapest\",\"only:ionet\",\"only:cloud\"]",
        "world.listing={}",
        "world.by_kind={}",
        "scenario.designs=[]",
        "churn.enabled=false",
        "supply.initial={H100=4096,A100=4096,RTX4090=4096,CPU=4096}",
        "design.cloud.sla=1.0",
        "design.cloud.min_billed=\"0s\"",
        "design.cloud.billing_increment=\"1ms\"",
        "design.ionet.min_billed=\"0s\"",
        "design.ionet.reservation_fee=0.0",
        "design.ionet.payment_fee=0.0",
        // No user is priced out: every quote is within every maximum.
        "workload.training.max_price_per_gpu_hour=100.0",
        "workload.finetune.max_price_per_gpu_hour=100.0",
        "workload.inference.max_price_per_gpu_hour=100.0",
        "workload.render.max_price_per_gpu_hour=100.0",
        "workload.web.max_price_per_gpu_hour=100.0",
    ]);
    let results = run_all(&sc, &plan_runs(&sc, 0), Some(2)).unwrap();
    let rows = |s: &str| {
        results
            .iter()
            .find(|r| r.strategy.as_deref() == Some(s) && r.world.is_some())
            .unwrap()
            .world
            .clone()
            .unwrap()
    };
    let io = sc.ionet.as_ref().unwrap();
    let cheapest = rows("cheapest");
    for r in cheapest.routing.iter().filter(|r| r.jobs_routed > 0) {
        let wl = sc.workloads.iter().find(|w| w.name == r.workload).unwrap();
        let served = io.serves & wl.kind.bit() != 0;
        assert_eq!(
            r.network,
            if served { "ionet" } else { "cloud" },
            "{}",
            r.workload
        );
        let list = |prices: &[f64]| {
            (0..prices.len())
                .filter(|&c| wl.class_mask & (1 << c) != 0 && prices[c].is_finite())
                .map(|c| prices[c])
                .fold(f64::INFINITY, f64::min)
        };
        let want = if served {
            list(&io.price_per_gpu_hour)
        } else {
            list(&sc.cloud.as_ref().unwrap().price_per_gpu_hour)
        };
        let got = r.usd_per_gpu_hour.unwrap();
        assert!(
            (got - want).abs() < 1e-9 * want,
            "{}: {got} vs {want}",
            r.workload
        );
    }
    // Never dearer per useful GPU-hour than the dearest single network.
    let p = cheapest.strategy.usd_per_gpu_hour.unwrap();
    let dearest = ["only:ionet", "only:cloud"]
        .iter()
        .map(|s| rows(s).strategy.usd_per_gpu_hour.unwrap())
        .fold(0.0, f64::max);
    assert!(p <= dearest + 1e-9, "cheapest {p} vs the dearest {dearest}");
}

#[test]
fn world_outputs_do_not_depend_on_the_thread_count() {
    let sbs = [Sandbox::new(), Sandbox::new()];
    let sets = [
        "--set",
        "scenario.horizon=1d",
        "--set",
        "scenario.warmup=6h",
        "--set",
        "scenario.replications=2",
        "--no-plots",
    ];
    for (sb, t) in sbs.iter().zip(["1", "2"]) {
        let mut extra = vec!["--threads", t];
        extra.extend_from_slice(&sets);
        sb.run(baseline_path(), &extra).assert_code(0);
    }
    for f in [
        "summary.csv",
        "strategies.csv",
        "routing.csv",
        "timeseries.csv",
        "workloads.csv",
    ] {
        let a = std::fs::read(sbs[0].out().join(f)).unwrap();
        let b = std::fs::read(sbs[1].out().join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    let (h, rows) = read_csv(&sbs[0].out().join("strategies.csv"));
    assert_eq!(h[3], "strategy");
    assert_eq!(rows.len(), 2 * 9, "9 strategies x 2 replicates");
    let (h, _) = read_csv(&sbs[0].out().join("summary.csv"));
    assert_eq!(h.last().map(String::as_str), Some("strategy"));
}

/// A small valid world scenario; the bad cases edit it.
const WORLD: &str = r#"[scenario]
name = "world-tiny"
horizon = "2h"
designs = ["akash"]

[[gpu_class]]
name = "A100"
vram_gb = 80
cost_per_hour = 0.5
cloud_price_per_hour = 2.5

[supply]
initial = { A100 = 8 }
gpus_per_node = 4

[[workload]]
name = "train"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 2.0 }
duration = { dist = "exp", mean = "30m" }
gpu_class = ["A100"]
max_price_per_gpu_hour = 3.0

[design.akash]
[[design.akash.provider]]
share = 1.0
strategy = "cost_plus"
markup = { dist = "uniform", low = 0.5, high = 1.0 }

[design.ionet]
price_per_gpu_hour = { A100 = 2.0 }
"#;

fn with_world(table: &str) -> String {
    format!("{WORLD}\n[world]\n{table}\n")
}

#[test]
fn a_small_world_runs() {
    let sb = Sandbox::new();
    let file = sb.write(
        "ok.toml",
        &with_world("networks = [\"akash\", \"ionet\", \"cloud\"]\nstrategies = [\"by_kind\", \"cheapest\"]"),
    );
    sb.run(&file, &["--set", "scenario.horizon=2d"])
        .assert_code(0);
    assert!(sb.out().join("strategies.csv").exists());
    // The world charts are drawn and shown in the report's world section.
    let report = std::fs::read_to_string(sb.out().join("report.html")).unwrap();
    let world = report
        .find("<h3>Networks together</h3>")
        .expect("world section");
    for chart in ["world_cost_vs_wait.svg", "world_routing.svg"] {
        assert!(sb.out().join("plots").join(chart).exists(), "{chart}");
        let at = report
            .find(&format!("data-plot=\"{chart}\""))
            .expect("chart in the report");
        assert!(at > world, "{chart} shown with the world section");
    }
    // `table --strategies`: a row per strategy, a column per metric.
    let out = sb.out().display().to_string();
    let o = sb.depinsim(&["table", &out, "--strategies", "--format", "csv"]);
    o.assert_code(0);
    let text = &o.stdout;
    for strategy in ["by_kind", "cheapest"] {
        assert!(
            text.lines()
                .any(|l| l.contains(strategy) && l.contains("mean_wait_h")),
            "{strategy}: {text}"
        );
    }
    sb.depinsim(&["table", &out, "--strategies", "--metric", "utilization"])
        .assert_bad_input(&["--strategies", "utilization", "usd_per_gpu_hour_all_jobs"]);
}

#[test]
fn bad_world_keys() {
    let base = "networks = [\"akash\", \"ionet\"]\n";
    let cases: &[(&str, &[&str])] = &[
        (
            "networks = []\nstrategies = [\"cheapest\"]",
            &["world.networks", "at least one"],
        ),
        (
            "networks = [\"akash\", \"akash\"]\nstrategies = [\"cheapest\"]",
            &["world.networks", "twice"],
        ),
        (
            "networks = [\"golem\"]\nstrategies = [\"cheapest\"]",
            &["world.networks"],
        ),
        ("strategies = []", &["world.strategies", "at least one"]),
        (
            "strategies = [\"only:render\"]",
            &["world.strategies[0]", "not in world.networks"],
        ),
        (
            "strategies = [\"random\"]",
            &["world.strategies[0]", "unknown strategy"],
        ),
        (
            "strategies = [\"cheapest\", \"cheapest\"]",
            &["world.strategies", "twice"],
        ),
        (
            "strategies = [\"cheapest\"]\nlisting = { akash = 1.5 }",
            &["world.listing.akash", "[0, 1]"],
        ),
        (
            "strategies = [\"cheapest\"]\nlisting = { akash = -0.1 }",
            &["world.listing.akash"],
        ),
        (
            "strategies = [\"cheapest\"]\nlisting = { render = 0.5 }",
            &["world.listing.render", "not in world.networks"],
        ),
        (
            "strategies = [\"by_kind\"]\nby_kind = { training = \"render\" }",
            &["world.by_kind.training", "not in world.networks"],
        ),
        (
            "strategies = [\"by_kind\"]\nby_kind = { mining = \"akash\" }",
            &["world.by_kind.mining", "unknown workload kind"],
        ),
        (
            "strategies = [\"cheapest\"]\n[world.score]\nwait = -1",
            &["world.score.wait", ">= 0"],
        ),
        (
            "strategies = [\"cheapest\"]\n[world.learning]\nepsilon = 2",
            &["world.learning.epsilon", "[0, 1]"],
        ),
        (
            "strategies = [\"cheapest\"]\nbroker = \"x\"",
            &["world", "broker"],
        ),
    ];
    for (table, needles) in cases {
        let text = if table.starts_with("networks") {
            with_world(table)
        } else {
            with_world(&format!("{base}{table}"))
        };
        reject_with(&text, &[], needles);
    }
    // The cloud is not listed; the seed's rule needs its networks.
    reject_with(
        &with_world(
            "networks = [\"akash\", \"cloud\"]\nstrategies = [\"cheapest\"]\nlisting = { cloud = 0.5 }",
        ),
        &[],
        &["world.listing.cloud", "own capacity"],
    );
    reject_with(
        &with_world("networks = [\"akash\"]\nstrategies = [\"by_kind\"]"),
        &[],
        &["world.by_kind.training", "ionet", "name a network"],
    );
    // Dynamic supply is not built for world mode yet.
    reject_with(
        &with_world(&format!("{base}strategies = [\"cheapest\"]")),
        &["supply.dynamic=true"],
        &["world", "supply.dynamic"],
    );
}

/// The sweep of the small world used by the sweep tests.
const WORLD_GRID: [&str; 6] = [
    "--param",
    "supply.initial.A100=8,16",
    "--set",
    "scenario.horizon=2d",
    "--set",
    "scenario.replications=2",
];

const WORLD_FILES: [&str; 6] = [
    "summary.csv",
    "timeseries.csv",
    "workloads.csv",
    "aggregate.csv",
    "strategies.csv",
    "routing.csv",
];

fn same_files(a: &Path, b: &Path, what: &str) {
    for f in WORLD_FILES {
        let (x, y) = (std::fs::read(a.join(f)), std::fs::read(b.join(f)));
        assert!(x.is_ok() && x.ok() == y.ok(), "{f}: {what}");
    }
}

#[test]
fn a_world_sweep_is_deterministic_and_merges_from_shards() {
    let sb = Sandbox::new();
    let file = sb.write(
        "w.toml",
        &with_world("networks = [\"akash\", \"ionet\", \"cloud\"]\nstrategies = [\"by_kind\", \"cheapest\"]"),
    );
    let args = |extra: &[&'static str]| [&WORLD_GRID[..], extra].concat();
    sb.sweep(&file, "t1", &args(&["--threads", "1"]))
        .assert_code(0);
    sb.sweep(&file, "t2", &args(&["--threads", "2"]))
        .assert_code(0);
    same_files(&sb.path("t1"), &sb.path("t2"), "1 vs 2 threads");
    sb.sweep(&file, "s1", &args(&["--shard", "1/2"]))
        .assert_code(0);
    sb.sweep(&file, "s2", &args(&["--shard", "2/2"]))
        .assert_code(0);
    let merged = sb.path("m").display().to_string();
    let (s1, s2) = (
        sb.path("s1").display().to_string(),
        sb.path("s2").display().to_string(),
    );
    sb.depinsim(&["merge", &s1, &s2, "--out", &merged])
        .assert_code(0);
    same_files(&sb.path("t1"), &sb.path("m"), "merged shards vs whole");
    // 2 points x 2 replicates x (1 design alone + 2 strategies) runs; each
    // world run has a row per network in summary.csv.
    let (h, rows) = read_csv(&sb.path("t1").join("strategies.csv"));
    assert_eq!(rows.len(), 2 * 2 * 2);
    assert_eq!(h.last().map(String::as_str), Some("supply.initial.A100"));
    let (h, rows) = read_csv(&sb.path("t1").join("summary.csv"));
    let st = h
        .iter()
        .position(|c| c == "strategy")
        .expect("strategy column");
    assert_eq!(rows.iter().filter(|r| r[st].is_empty()).count(), 2 * 2);
    assert_eq!(
        rows.iter().filter(|r| !r[st].is_empty()).count(),
        2 * 2 * 2 * 3
    );
    // The aggregate is of the designs alone, as in a run directory.
    let (_, agg) = read_csv(&sb.path("t1").join("aggregate.csv"));
    assert!(agg.iter().all(|r| r[1] == "akash"));
}

#[test]
fn a_world_sweep_point_equals_a_world_run_with_its_values() {
    let sb = Sandbox::new();
    let file = sb.write(
        "w.toml",
        &with_world("networks = [\"akash\", \"ionet\", \"cloud\"]\nstrategies = [\"by_kind\", \"cheapest\"]"),
    );
    sb.sweep(&file, "sw", &WORLD_GRID).assert_code(0);
    sb.run(
        &file,
        &[
            "--set",
            "scenario.horizon=2d",
            "--set",
            "scenario.replications=2",
            "--set",
            "supply.initial.A100=16",
        ],
    )
    .assert_code(0);
    for f in ["strategies.csv", "summary.csv", "routing.csv"] {
        let (_, sweep) = read_csv(&sb.path("sw").join(f));
        let (_, run) = read_csv(&sb.out().join(f));
        // Point 1 of the sweep, without its parameter column and point.
        let at: Vec<Vec<String>> = sweep
            .iter()
            .filter(|r| r[0] == "1")
            .map(|r| r[1..r.len() - 1].to_vec())
            .collect();
        let want: Vec<Vec<String>> = run.iter().map(|r| r[1..].to_vec()).collect();
        assert_eq!(at, want, "{f}");
    }
}

#[test]
fn plan_plans_each_world_strategy_on_its_own_metrics() {
    let sb = Sandbox::new();
    let file = sb.write(
        "w.toml",
        &with_world("networks = [\"akash\", \"ionet\", \"cloud\"]\nstrategies = [\"by_kind\", \"cheapest\"]"),
    );
    let plan = |target: &str, out: &str| {
        sb.depinsim(&[
            "plan",
            &file.display().to_string(),
            "--target",
            target,
            "--vary",
            "supply.initial.A100",
            "--range",
            "1..16",
            "--set",
            "scenario.horizon=2d",
            "--out",
            &sb.path(out).display().to_string(),
        ])
    };
    plan("mean_wait_h<=0.05", "p").assert_code(0);
    let (h, rows) = read_csv(&sb.path("p").join("plan.csv"));
    let (d, ans, v) = (
        h.iter().position(|c| c == "design").unwrap(),
        h.iter().position(|c| c == "answer").unwrap(),
        h.iter().position(|c| c == "verdict").unwrap(),
    );
    for subject in ["akash", "world:by_kind", "world:cheapest"] {
        let at: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r[d] == subject && r[ans] == "true")
            .collect();
        assert_eq!(at.len(), 1, "{subject} has one answer");
        assert_eq!(at[0][v], "holds", "{subject} holds at its answer");
    }
    // A strategy is planned on the columns of strategies.csv: a design-only
    // metric is refused, naming the valid ones.
    plan("utilization>=0.5", "q").assert_bad_input(&["[world]", "utilization", "mean_wait_h"]);
    assert!(!sb.path("q").exists());
}
