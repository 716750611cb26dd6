//! Defaults for every design block and known GPU class, and problems
//! reported all at once: a scenario names only what it changes, and a
//! wrong one is fixed in one attempt. Drives the real binary.

mod common;

use common::{Sandbox, read_csv};

/// The example of DESIGN.md's "Scenario file: core keys", as written there:
/// `[design.ionet] policy = "fifo"` alone, no table for akash or render.
const DESIGN_MD_EXAMPLE: &str = r#"[scenario]
name = "example"
horizon = "30d"
warmup = "2d"            # excluded from summary metrics
seed = 7
replications = 3
designs = ["akash", "ionet", "render"]

[[gpu_class]]
name = "A100"
vram_gb = 80
cost_per_hour = 0.55
cloud_price_per_hour = 2.79

[supply]
initial = { A100 = 64 }  # GPUs per class at t = 0
gpus_per_node = 8
dynamic = false          # true: profit-driven entry and exit

[churn]
enabled = true
uptime = { dist = "exp", mean = "96h" }
downtime = { dist = "exp", mean = "6h" }

[[workload]]
name = "training"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 3.0 }
duration = { dist = "exp", mean = "2h" }
gpus = 1
gpu_class = ["A100"]
max_price_per_gpu_hour = 3.0

[design.ionet]
policy = "fifo"

[token]
enabled = false          # false: no token economy, USD only
"#;

/// What a new user writes from the README: two classes, two workloads
/// (one of them render, with a bare frame count), two designs, no design
/// tables at all, and known classes without their figures.
const FROM_README: &str = r#"[scenario]
name = "studio"
horizon = "2d"
warmup = "6h"
replications = 2
designs = ["akash", "render"]

[[gpu_class]]
name = "RTX4090"

[[gpu_class]]
name = "H100"

[supply]
initial = { RTX4090 = 32, H100 = 16 }

[[workload]]
name = "frames"
kind = "render"
arrivals = { process = "poisson", rate_per_hour = 2.0 }
frames = 100
duration = "3m"
gpus = 4
gpu_class = ["RTX4090"]
max_price_per_gpu_hour = 1.0

[[workload]]
name = "train"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 3.0 }
duration = { dist = "exp", mean = "1h" }
gpus = 2
gpu_class = ["H100"]
max_price_per_gpu_hour = 4.0
"#;

fn manifest(dir: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest.json is JSON")
}

#[test]
fn the_design_md_example_runs_as_written() {
    let sb = Sandbox::new();
    let f = sb.write("example.toml", DESIGN_MD_EXAMPLE);
    sb.validate(&[&f], &[]).assert_code(0);
    let o = sb.run(&f, &["--no-plots"]);
    o.assert_code(0);
    let (h, rows) = read_csv(&sb.out().join("summary.csv"));
    let design = h.iter().position(|c| c == "design").unwrap();
    let done = h.iter().position(|c| c == "jobs_completed").unwrap();
    // 3 replications × 3 designs.
    assert_eq!(rows.len(), 9, "{}", o.describe());
    // Akash and io.net serve the training jobs; Render serves render jobs
    // only, and there are none.
    for r in &rows {
        let n: f64 = r[done].parse().unwrap();
        if r[design] == "render" {
            assert_eq!(n, 0.0);
        } else {
            assert!(n > 1000.0, "{} completed only {n} jobs", r[design]);
        }
    }
    // The defaults are recorded: io.net's published A100 price (REFERENCE:
    // $1.89/h), Akash's three populations, Render's two tiers.
    let m = manifest(&sb.out());
    let d = &m["scenario"]["design"];
    assert_eq!(d["ionet"]["price_per_gpu_hour"]["A100"], 1.89);
    assert_eq!(d["ionet"]["policy"], "fifo");
    assert_eq!(d["akash"]["provider"].as_array().unwrap().len(), 3);
    let shares: f64 = (d["akash"]["provider"].as_array().unwrap().iter())
        .map(|p| p["share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-12);
    // The bid script at Akash's market A100 price: $1.71/h × 730.5 h/month.
    let script = &d["akash"]["provider"][2];
    assert_eq!(script["strategy"], "script");
    assert_eq!(
        script["gpu_usd_per_month"]["A100"].as_f64(),
        Some((1.71f64 * 730.5).round())
    );
    let tiers = d["render"]["tier"].as_array().unwrap();
    assert_eq!(tiers.len(), 2);
    assert_eq!(tiers[1]["price_factor"], 0.5, "tier 3: 200 OBh per credit");
}

#[test]
fn a_scenario_written_from_the_readme_runs_with_its_defaults() {
    let sb = Sandbox::new();
    let f = sb.write("studio.toml", FROM_README);
    let o = sb.run(&f, &["--no-plots"]);
    o.assert_code(0);
    let m = manifest(&sb.out());
    let classes = m["scenario"]["gpu_class"].as_array().unwrap();
    // The known classes' figures: RTX4090 24 GB, H100 80 GB at Lambda's $3.99.
    assert_eq!(classes[0]["vram_gb"], 24.0);
    assert_eq!(classes[1]["cloud_price_per_hour"], 3.99);
    // `frames = 100` is read as a fixed distribution, `duration = "3m"` too.
    let w = &m["scenario"]["workload"][0];
    assert_eq!(w["frames"]["dist"], "fixed");
    assert_eq!(w["frames"]["value"], 100.0);
    assert_eq!(w["duration"]["value"], "3m");
    // Render's only published price is the RTX 4090's ($0.35/h).
    let render_prices = m["scenario"]["design"]["render"]["price_per_gpu_hour"]
        .as_object()
        .unwrap();
    assert_eq!(render_prices.len(), 1);
    assert_eq!(render_prices["RTX4090"], 0.35);
}

/// The defaults written out by hand (from REFERENCE.md's figures) give the
/// same bytes as the defaults left out.
#[test]
fn defaults_left_out_equal_defaults_written_out() {
    let written = FROM_README
        .replace(
            "name = \"RTX4090\"\n",
            "name = \"RTX4090\"\nvram_gb = 24\ncost_per_hour = 0.12\ncloud_price_per_hour = 0.69\n",
        )
        .replace(
            "name = \"H100\"\n",
            "name = \"H100\"\nvram_gb = 80\ncost_per_hour = 1.10\ncloud_price_per_hour = 3.99\n",
        )
        .replace("frames = 100", "frames = { dist = \"fixed\", value = 100 }")
        + r#"
[design.akash]
[[design.akash.provider]]
share = 0.6
strategy = "cost_plus"
markup = { dist = "uniform", low = 0.6, high = 2.6 }
[[design.akash.provider]]
share = 0.3
strategy = "adaptive"
markup = { dist = "uniform", low = 0.8, high = 2.0 }
markup_min = 0.2
markup_max = 3.0
step_up = 0.05
step_down = 0.05
[[design.akash.provider]]
share = 0.1
strategy = "script"
gpu_usd_per_month = { default = 100, RTX4090 = 285, H100 = 1980 }

[design.render]
price_per_gpu_hour = { RTX4090 = 0.35 }
[[design.render.tier]]
name = "tier2"
share = 0.6
price_factor = 1.0
priority = 0
min_reputation = 0.6
[[design.render.tier]]
name = "tier3"
share = 0.4
price_factor = 0.5
priority = 1
min_reputation = 0.0
"#;
    let sb = Sandbox::new();
    let short = sb.write("short.toml", FROM_README);
    let long = sb.write("long.toml", &written);
    let a = sb.path("a");
    let b = sb.path("b");
    for (f, out) in [(&short, &a), (&long, &b)] {
        let out = out.display().to_string();
        sb.depinsim(&["run", &f.display().to_string(), "--out", &out, "--no-plots"])
            .assert_code(0);
    }
    for csv in ["summary.csv", "timeseries.csv", "workloads.csv"] {
        assert_eq!(
            std::fs::read(a.join(csv)).unwrap(),
            std::fs::read(b.join(csv)).unwrap(),
            "{csv} differs"
        );
    }
}

/// Six mistakes, six messages, one attempt; each in the file's terms.
#[test]
fn every_problem_of_a_file_is_reported_in_one_pass() {
    let text = r#"[scenario]
name = "bad"
horizon = "30d"
designs = ["akash", "ionett"]

[[gpu_class]]
name = "B200"
cost_per_hour = 2

[supply]
initial = { B200 = 8 }
gpus_per_nodes = 8

[[workload]]
name = "r"
kind = "rendr"
arrivals = { process = "poisson", rate_per_hour = "3" }
duration = 5
gpu_class = ["B200"]
max_price_per_gpu_hour = { dist = "unifrm", low = 1, high = 2 }
"#;
    let sb = Sandbox::new();
    let f = sb.write("bad.toml", text);
    let o = sb.validate(&[&f], &[]);
    o.assert_bad_input(&[
        "scenario.designs[1]: unknown value \"ionett\" (did you mean `ionet`?)",
        "gpu_class[0].vram_gb: missing: class \"B200\" is not one depinsim knows",
        "gpu_class[0].cloud_price_per_hour: missing",
        "supply.gpus_per_nodes: unknown key (did you mean `gpus_per_node`?)",
        "workload[0].kind: unknown value \"rendr\" (did you mean `render`?)",
        "workload[0].arrivals.rate_per_hour: expected a number, got the text \"3\"",
        "workload[0].duration: expected a duration with a unit or a distribution, got the number 5",
        "workload[0].max_price_per_gpu_hour.dist: unknown value \"unifrm\" (did you mean `uniform`?)",
    ]);
    // No serde jargon anywhere.
    o.assert_stderr_lacks(&["invalid type", "internally tagged", "DistSpec", "variant"]);
    // `run` reports the same list and writes nothing.
    let r = sb.run(&f, &[]);
    r.assert_code(2);
    assert_eq!(
        r.stderr.lines().count(),
        o.stderr.lines().count(),
        "{}",
        r.describe()
    );
    sb.assert_no_output(&r);
}

#[test]
fn missing_keys_of_a_workload_come_together() {
    let text = common::minimal_with(
        "kind = \"inference\"\narrivals = { process = \"poisson\", rate_per_hour = 10.0 }\n",
        "arrivals = { rate_per_hour = 10.0 }\n",
    );
    common::reject_with(
        &text,
        &[],
        &[
            "workload[1].kind: missing: expected one of \"render\", \"training\", \"inference\", \"web\"",
            "workload[1].arrivals.process: missing: expected one of \"poisson\", \"mmpp\", \"trace\"",
        ],
    );
}

#[test]
fn a_class_without_a_published_price_is_named_with_the_fix() {
    // io.net has no published price for a B200: the workload that needs
    // one is named, with the classes that have defaults.
    let text = common::MINIMAL
        .replace("name = \"A100\"", "name = \"B200\"")
        .replace("A100 = 16", "B200 = 16")
        .replace("gpu_class = [\"A100\"]", "gpu_class = [\"B200\"]")
        .replace("[\"RTX4090\", \"A100\"]", "[\"RTX4090\"]")
        .replace(
            "[design.ionet]\nprice_per_gpu_hour = { A100 = 1.9, RTX4090 = 0.4 }\n",
            "[design.ionet]\npolicy = \"backfill\"\n",
        );
    common::reject_with(
        &text,
        &[],
        &[
            "design.ionet.price_per_gpu_hour",
            "no price for any class of workload \"train\"",
            "H100, A100, RTX4090",
        ],
    );
}

#[test]
fn a_bare_value_is_a_fixed_distribution_on_the_command_line_too() {
    let sb = Sandbox::new();
    let f = sb.write("tiny.toml", common::MINIMAL);
    let o = sb.run(
        &f,
        &[
            "--no-plots",
            "--set",
            "workload.train.duration=\"45m\"",
            "--set",
            "workload.infer.max_price_per_gpu_hour=1.5",
        ],
    );
    o.assert_code(0);
    let m = manifest(&sb.out());
    assert_eq!(m["scenario"]["workload"][0]["duration"]["dist"], "fixed");
    assert_eq!(m["scenario"]["workload"][0]["duration"]["value"], "45m");
}
