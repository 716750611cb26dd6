//! Bad input for Render's keys (`[design.render]`, its tiers and reputation,
//! `[faults]`, render workloads' `frames`), end to end: the real binary in a
//! scratch directory. Every case must exit with code 2, name the file, the
//! key and what is wrong in stderr, not panic, and leave no output directory.

mod common;

use common::{Outcome, Sandbox, edit, reject_with};

/// A small valid Render scenario; every case below edits one thing.
const RENDER: &str = r#"[scenario]
name = "render-tiny"
horizon = "2h"
warmup = "10m"
seed = 1
replications = 1
designs = ["render"]

[output]
sample_every = "30m"

[[gpu_class]]
name = "A100"
vram_gb = 80
cost_per_hour = 0.5
cloud_price_per_hour = 2.5

[[gpu_class]]
name = "RTX4090"
vram_gb = 24
cost_per_hour = 0.1
cloud_price_per_hour = 0.7

[supply]
initial = { A100 = 8, RTX4090 = 8 }
gpus_per_node = 4

[faults]
share = 0.2
frame_error_rate = 0.1

[[workload]]
name = "frames"
kind = "render"
arrivals = { process = "poisson", rate_per_hour = 4.0 }
frames = { dist = "exp", mean = 20 }
duration = { dist = "exp", mean = "5m" }
gpu_class = ["RTX4090", "A100"]
max_price_per_gpu_hour = 2.0

[[workload]]
name = "train"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 2.0 }
duration = { dist = "exp", mean = "30m" }
gpu_class = ["A100"]
max_price_per_gpu_hour = 3.0

[design.render]
price_per_gpu_hour = { A100 = 1.5, RTX4090 = 0.35 }
detect = 0.9

[[design.render.tier]]
name = "tier2"
share = 0.4
price_factor = 1.0
priority = 0
min_reputation = 0.5

[[design.render.tier]]
name = "tier3"
share = 0.6
price_factor = 0.5
priority = 1

[design.render.reputation]
initial = 0.8
reject_penalty = 0.1
accept_gain = 0.005
ban_below = 0.3
"#;

/// [`RENDER`] with `old` replaced by `new` must be rejected with `needles`.
fn reject_edit(old: &str, new: &str, needles: &[&str]) -> Outcome {
    reject_with(&edit(RENDER, old, new), &[], needles)
}

#[test]
fn render_scenario_is_valid_and_runs() {
    let sb = Sandbox::new();
    let file = sb.write("render.toml", RENDER);
    let v = sb.validate(&[&file], &[]);
    v.assert_no_panic().assert_code(0);
    v.assert_stdout_has(&[&format!("{}: ok", file.display())]);
    let r = sb.run(&file, &[]);
    r.assert_no_panic().assert_code(0);
    assert!(sb.out().join("summary.csv").is_file(), "{}", r.describe());
}

// ---------------------------------------------------------------------------
// [design.render]

#[test]
fn detect_above_one() {
    reject_edit(
        "detect = 0.9",
        "detect = 1.5",
        &["design.render.detect", "must be in [0, 1], got 1.5"],
    );
}

#[test]
fn detect_negative_by_override() {
    reject_with(
        RENDER,
        &["design.render.detect=-0.2"],
        &["design.render.detect", "must be in [0, 1], got -0.2"],
    );
}

#[test]
fn detect_not_a_number() {
    reject_edit(
        "detect = 0.9",
        "detect = \"high\"",
        &["design.render.detect", "expected"],
    );
}

#[test]
fn misspelt_render_key_suggests_the_right_one() {
    reject_edit(
        "detect = 0.9",
        "detection = 0.9",
        &[
            "design.render",
            "detection: unknown key",
            "did you mean `detect`?",
        ],
    );
}

#[test]
fn negative_class_price() {
    reject_edit(
        "price_per_gpu_hour = { A100 = 1.5, RTX4090 = 0.35 }",
        "price_per_gpu_hour = { A100 = -1.5, RTX4090 = 0.35 }",
        &[
            "design.render.price_per_gpu_hour.A100",
            "must be a finite number >= 0, got -1.5",
        ],
    );
}

#[test]
fn price_for_an_unknown_class() {
    reject_edit(
        "price_per_gpu_hour = { A100 = 1.5, RTX4090 = 0.35 }",
        "price_per_gpu_hour = { A100 = 1.5, RTX4909 = 0.35 }",
        &[
            "design.render.price_per_gpu_hour.RTX4909",
            "unknown GPU class",
            "did you mean \"RTX4090\"?",
        ],
    );
}

#[test]
fn no_price_for_any_class_of_a_render_workload() {
    reject_edit(
        "price_per_gpu_hour = { A100 = 1.5, RTX4090 = 0.35 }",
        "price_per_gpu_hour = { }",
        &[
            "design.render.price_per_gpu_hour",
            "gives no price for any class of workload \"frames\"",
        ],
    );
}

/// Left out, the prices are Render's published ones of the classes it
/// knows: RTX 4090 $0.35, and none for the A100.
#[test]
fn missing_prices_default_to_the_published_ones() {
    let text = edit(
        RENDER,
        "price_per_gpu_hour = { A100 = 1.5, RTX4090 = 0.35 }\n",
        "",
    );
    let sb = Sandbox::new();
    let f = sb.write("r.toml", &text);
    sb.run(&f, &["--no-plots"]).assert_code(0);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sb.out().join("manifest.json")).unwrap())
            .unwrap();
    let prices = &m["scenario"]["design"]["render"]["price_per_gpu_hour"];
    assert_eq!(prices["RTX4090"], 0.35);
    assert!(
        prices.get("A100").is_none(),
        "no published A100 price: {prices}"
    );
}

#[test]
fn render_design_without_its_table_runs_on_its_defaults() {
    let text = &RENDER[..RENDER.find("[design.render]").unwrap()];
    let sb = Sandbox::new();
    let f = sb.write("r.toml", text);
    sb.run(&f, &["--no-plots"]).assert_code(0);
}

// ---------------------------------------------------------------------------
// [[design.render.tier]]

#[test]
fn no_tiers_gives_the_default_tiers() {
    let start = RENDER.find("[[design.render.tier]]").unwrap();
    let end = RENDER.find("[design.render.reputation]").unwrap();
    let text = format!("{}{}", &RENDER[..start], &RENDER[end..]);
    let sb = Sandbox::new();
    let f = sb.write("r.toml", &text);
    sb.run(&f, &["--no-plots"]).assert_code(0);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sb.out().join("manifest.json")).unwrap())
            .unwrap();
    let tiers = m["scenario"]["design"]["render"]["tier"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = tiers.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["tier2", "tier3"]);
}

#[test]
fn tier_shares_not_summing_to_one() {
    reject_edit(
        "share = 0.6",
        "share = 0.5",
        &["design.render.tier", "shares must sum to 1, got 0.9"],
    );
}

#[test]
fn tier_share_above_one() {
    reject_edit(
        "share = 0.4",
        "share = 1.4",
        &["design.render.tier[0].share", "must be in [0, 1], got 1.4"],
    );
}

#[test]
fn negative_price_factor() {
    reject_edit(
        "price_factor = 0.5",
        "price_factor = -0.5",
        &[
            "design.render.tier[1].price_factor",
            "must be a finite number > 0, got -0.5",
        ],
    );
}

#[test]
fn zero_price_factor() {
    reject_edit(
        "price_factor = 1.0",
        "price_factor = 0.0",
        &[
            "design.render.tier[0].price_factor",
            "must be a finite number > 0, got 0",
        ],
    );
}

#[test]
fn min_reputation_above_one() {
    reject_edit(
        "min_reputation = 0.5",
        "min_reputation = 1.5",
        &[
            "design.render.tier[0].min_reputation",
            "must be in [0, 1], got 1.5",
        ],
    );
}

#[test]
fn negative_priority() {
    reject_edit(
        "priority = 1",
        "priority = -1",
        &[
            "design.render.tier[1].priority",
            "expected a whole number >= 0",
        ],
    );
}

#[test]
fn empty_tier_name() {
    reject_edit(
        "name = \"tier2\"",
        "name = \" \"",
        &["design.render.tier[0].name", "must not be empty"],
    );
}

#[test]
fn duplicate_tier_name() {
    reject_edit(
        "name = \"tier3\"",
        "name = \"tier2\"",
        &[
            "design.render.tier[1].name",
            "tier \"tier2\" is defined twice",
        ],
    );
}

#[test]
fn misspelt_tier_key_suggests_the_right_one() {
    reject_edit(
        "priority = 1",
        "priorty = 1",
        &[
            "design.render.tier[1].priorty",
            "priorty: unknown key",
            "did you mean `priority`?",
        ],
    );
}

#[test]
fn every_tier_above_the_initial_reputation() {
    // Reputation only grows with accepted frames: no node could start.
    let text = edit(RENDER, "min_reputation = 0.5", "min_reputation = 0.85");
    let text = edit(
        &text,
        "priority = 1\n",
        "priority = 1\nmin_reputation = 0.9\n",
    );
    reject_with(
        &text,
        &[],
        &[
            "design.render.tier",
            "every tier's min_reputation is above reputation.initial (0.8)",
        ],
    );
    // One reachable tier is enough: nodes earn their way into the other.
    let sb = Sandbox::new();
    let ok = edit(RENDER, "min_reputation = 0.5", "min_reputation = 0.85");
    let v = sb.validate(&[&sb.write("ok.toml", &ok)], &[]);
    v.assert_no_panic().assert_code(0);
}

// ---------------------------------------------------------------------------
// [design.render.reputation]

#[test]
fn initial_reputation_below_ban() {
    reject_edit(
        "initial = 0.8",
        "initial = 0.2",
        &[
            "design.render.reputation.initial",
            "must be >= ban_below (0.2 < 0.3)",
        ],
    );
}

#[test]
fn reputation_values_outside_the_unit_interval() {
    for (key, old, new, got) in [
        ("initial", "initial = 0.8", "initial = 1.8", "1.8"),
        (
            "reject_penalty",
            "reject_penalty = 0.1",
            "reject_penalty = -0.1",
            "-0.1",
        ),
        ("accept_gain", "accept_gain = 0.005", "accept_gain = 2", "2"),
        ("ban_below", "ban_below = 0.3", "ban_below = -0.5", "-0.5"),
    ] {
        reject_edit(
            old,
            new,
            &[
                &format!("design.render.reputation.{key}"),
                &format!("must be in [0, 1], got {got}"),
            ],
        );
    }
}

#[test]
fn misspelt_reputation_key_suggests_the_right_one() {
    reject_edit(
        "ban_below = 0.3",
        "ban_bellow = 0.3",
        &[
            "design.render.reputation",
            "ban_bellow: unknown key",
            "did you mean `ban_below`?",
        ],
    );
}

// ---------------------------------------------------------------------------
// [faults]

#[test]
fn faulty_share_above_one() {
    reject_edit(
        "share = 0.2",
        "share = 1.2",
        &["faults.share", "must be in [0, 1], got 1.2"],
    );
}

#[test]
fn negative_frame_error_rate() {
    reject_edit(
        "frame_error_rate = 0.1",
        "frame_error_rate = -0.1",
        &["faults.frame_error_rate", "must be in [0, 1], got -0.1"],
    );
}

// ---------------------------------------------------------------------------
// Render workloads' frames.

#[test]
fn render_workload_without_frames() {
    reject_edit(
        "frames = { dist = \"exp\", mean = 20 }\n",
        "",
        &["workload[0].frames", "is required for kind = \"render\""],
    );
}

#[test]
fn frames_on_a_training_workload() {
    reject_edit(
        "kind = \"training\"",
        "kind = \"training\"\nframes = { dist = \"fixed\", value = 10 }",
        &[
            "workload[1].frames",
            "only render jobs have frames (this workload's kind is \"training\")",
        ],
    );
}

#[test]
fn zero_frames() {
    reject_edit(
        "frames = { dist = \"exp\", mean = 20 }",
        "frames = { dist = \"fixed\", value = 0 }",
        &["workload[0].frames", "mean must be at least 1 frame"],
    );
}

#[test]
fn negative_frames() {
    reject_edit(
        "frames = { dist = \"exp\", mean = 20 }",
        "frames = { dist = \"uniform\", low = -5, high = 30 }",
        &["workload[0].frames", "low must be >= 0, got -5"],
    );
}

#[test]
fn too_many_frames() {
    reject_edit(
        "frames = { dist = \"exp\", mean = 20 }",
        "frames = { dist = \"fixed\", value = 5e6 }",
        &[
            "workload[0].frames",
            "must be at most 100000 frames per job, got 5000000",
        ],
    );
}

#[test]
fn frames_with_a_unit() {
    reject_edit(
        "frames = { dist = \"exp\", mean = 20 }",
        "frames = { dist = \"exp\", mean = \"20m\" }",
        &["workload[0].frames", "expected"],
    );
}

#[test]
fn zero_ban_length() {
    reject_edit(
        "[design.render.reputation]",
        "[design.render.reputation]\nban_for = \"0h\"",
        &["design.render.reputation.ban_for", "must be positive"],
    );
}

#[test]
fn negative_ban_length() {
    reject_edit(
        "[design.render.reputation]",
        "[design.render.reputation]\nban_for = \"-2h\"",
        &["design.render.reputation.ban_for", "negative"],
    );
}

#[test]
fn ban_length_without_a_unit() {
    reject_edit(
        "[design.render.reputation]",
        "[design.render.reputation]\nban_for = 7",
        &["design.render.reputation.ban_for"],
    );
}
