//! Bad input in `[design.akash]`, end to end: the real binary in a scratch
//! directory. Every case must exit with code 2, name the file, the key and
//! what is wrong in stderr, not panic, and leave no output directory.

mod common;

use common::{MINIMAL, Outcome, Sandbox, edit};

/// The minimal scenario with Akash as its design: two provider populations.
fn akash_minimal() -> String {
    let mut text = edit(MINIMAL, r#"designs = ["ionet"]"#, r#"designs = ["akash"]"#);
    text.push_str(
        r#"
[design.akash]
bid_window = "1m"

[[design.akash.provider]]
share = 0.6
strategy = "cost_plus"
markup = { dist = "uniform", low = 0.1, high = 0.5 }

[[design.akash.provider]]
share = 0.4
strategy = "adaptive"
markup = { dist = "fixed", value = 0.3 }
markup_min = 0.0
markup_max = 1.0
step_up = 0.05
step_down = 0.02
"#,
    );
    text
}

/// [`akash_minimal`] with `old` replaced by `new` is rejected by `run` and
/// `validate`, with the file and every one of `needles` in stderr.
fn reject(old: &str, new: &str, needles: &[&str]) -> Outcome {
    let sb = Sandbox::new();
    let file = sb.write("bad.toml", &edit(&akash_minimal(), old, new));
    let shown = file.display().to_string();
    let o = sb.run(&file, &[]);
    o.assert_bad_input(needles).assert_stderr_has(&[&shown]);
    assert!(
        o.stdout.is_empty(),
        "nothing belongs on stdout\n{}",
        o.describe()
    );
    sb.assert_no_output(&o);
    let v = sb.validate(&[&file], &[]);
    v.assert_bad_input(needles).assert_stderr_has(&[&shown]);
    sb.assert_no_output(&v);
    o
}

/// Inserts `line` as the first key of `[design.akash]`.
fn reject_key(line: &str, needles: &[&str]) -> Outcome {
    reject(
        "[design.akash]\n",
        &format!("[design.akash]\n{line}\n"),
        needles,
    )
}

#[test]
fn the_starting_point_is_valid_and_runs() {
    let sb = Sandbox::new();
    let file = sb.write("akash.toml", &akash_minimal());
    sb.validate(&[&file], &[]).assert_no_panic().assert_code(0);
    let r = sb.run(&file, &[]);
    r.assert_no_panic().assert_code(0);
    assert!(sb.out().join("summary.csv").exists());
}

#[test]
fn akash_listed_without_its_table_runs_on_its_defaults() {
    let sb = Sandbox::new();
    let text = edit(
        MINIMAL,
        r#"designs = ["ionet"]"#,
        r#"designs = ["ionet", "akash"]"#,
    );
    // Runs on Akash's defaults (tests/defaults.rs checks their values).
    let file = sb.write("tiny.toml", &text);
    sb.run(&file, &["--no-plots"]).assert_code(0);
}

#[test]
fn negative_bid_window() {
    reject(
        r#"bid_window = "1m""#,
        r#"bid_window = "-1m""#,
        &["design.akash.bid_window", "negative"],
    );
}

#[test]
fn zero_bid_window() {
    reject(
        r#"bid_window = "1m""#,
        r#"bid_window = "0s""#,
        &["design.akash.bid_window", "must be > 0"],
    );
}

#[test]
fn negative_health_window() {
    reject_key(
        r#"health_window = "-8m""#,
        &["design.akash.health_window", "negative"],
    );
}

#[test]
fn negative_redeploy_delay() {
    reject_key(
        r#"redeploy_delay = "-5m""#,
        &["design.akash.redeploy_delay", "negative"],
    );
}

#[test]
fn zero_block_time() {
    reject_key(
        r#"block_time = "0ms""#,
        &["design.akash.block_time", "must be > 0"],
    );
}

#[test]
fn zero_max_bids() {
    reject_key("max_bids = 0", &["design.akash.max_bids", "must be >= 1"]);
}

#[test]
fn negative_max_bids() {
    reject_key("max_bids = -3", &["design.akash.max_bids", "-3"]);
}

#[test]
fn take_rate_outside_the_unit_interval() {
    reject_key(
        "take_rate = 1.5",
        &["design.akash.take_rate", "must be in [0, 1], got 1.5"],
    );
}

#[test]
fn take_rate_of_one_leaves_providers_nothing() {
    reject_key(
        "take_rate = 1.0",
        &["design.akash.take_rate", "must be < 1"],
    );
}

#[test]
fn escrow_below_the_expected_cost() {
    reject_key(
        "escrow_cover = 0.5",
        &["design.akash.escrow_cover", "must be >= 1", "0.5"],
    );
}

#[test]
fn escrow_not_a_number() {
    reject_key(
        r#"escrow_cover = "lots""#,
        &["design.akash.escrow_cover", "expected"],
    );
}

#[test]
fn misspelt_key() {
    reject_key(
        r#"bid_windw = "1m""#,
        &[
            "design.akash.bid_windw",
            "unknown key",
            "did you mean `bid_window`?",
        ],
    );
}

#[test]
fn no_kind_served() {
    reject_key("serves = []", &["design.akash.serves", "at least one"]);
}

#[test]
fn unknown_kind_served() {
    reject_key(
        r#"serves = ["training", "mining"]"#,
        &["design.akash.serves[1]", "unknown value \"mining\""],
    );
}

#[test]
fn gang_larger_than_a_node() {
    reject(
        "gpus = 2\n",
        "gpus = 12\n",
        &["workload[0].gpus", "one provider", "gpus_per_node = 8"],
    );
}

#[test]
fn no_provider_population_gives_the_default_ones() {
    let sb = Sandbox::new();
    let text = akash_minimal();
    let cut = text.find("[[design.akash.provider]]").unwrap();
    let file = sb.write("a.toml", &text[..cut]);
    sb.run(&file, &["--no-plots"]).assert_code(0);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sb.out().join("manifest.json")).unwrap())
            .unwrap();
    let providers = m["scenario"]["design"]["akash"]["provider"]
        .as_array()
        .unwrap();
    let strategies: Vec<&str> = providers
        .iter()
        .map(|p| p["strategy"].as_str().unwrap())
        .collect();
    assert_eq!(
        strategies,
        ["cost_plus", "adaptive", "script"],
        "the default populations"
    );
}

#[test]
fn unknown_strategy() {
    reject(
        r#"strategy = "cost_plus""#,
        r#"strategy = "costplus""#,
        &[
            "design.akash.provider[0].strategy",
            "unknown value \"costplus\"",
            "did you mean `cost_plus`?",
        ],
    );
}

#[test]
fn shares_not_summing_to_one() {
    reject(
        "share = 0.6",
        "share = 0.5",
        &["design.akash.provider", "shares must sum to 1, got 0.9"],
    );
}

#[test]
fn share_outside_the_unit_interval() {
    reject(
        "share = 0.6",
        "share = -0.6",
        &["design.akash.provider[0].share", "must be in [0, 1]"],
    );
}

#[test]
fn cost_plus_without_markup() {
    reject(
        "markup = { dist = \"uniform\", low = 0.1, high = 0.5 }\n",
        "",
        &[
            "design.akash.provider[0].markup",
            "is required for strategy \"cost_plus\"",
        ],
    );
}

#[test]
fn cost_plus_markup_distribution_upside_down() {
    reject(
        "low = 0.1, high = 0.5",
        "low = 0.5, high = 0.1",
        &[
            "design.akash.provider[0].markup",
            "low (0.5) must be <= high (0.1)",
        ],
    );
}

#[test]
fn negative_markup() {
    reject(
        "markup = { dist = \"fixed\", value = 0.3 }",
        "markup = { dist = \"fixed\", value = -0.3 }",
        &["design.akash.provider[1].markup", "must be >= 0"],
    );
}

#[test]
fn adaptive_without_a_step() {
    reject(
        "step_up = 0.05\n",
        "",
        &[
            "design.akash.provider[1].step_up",
            "is required for strategy \"adaptive\"",
        ],
    );
}

#[test]
fn adaptive_negative_step() {
    reject(
        "step_down = 0.02",
        "step_down = -0.02",
        &["design.akash.provider[1].step_down", ">= 0, got -0.02"],
    );
}

#[test]
fn adaptive_bounds_reversed() {
    reject(
        "markup_min = 0.0",
        "markup_min = 2.0",
        &[
            "design.akash.provider[1].markup_min",
            "must be <= markup_max (2 > 1)",
        ],
    );
}

#[test]
fn key_of_another_strategy() {
    reject(
        "strategy = \"cost_plus\"\n",
        "strategy = \"cost_plus\"\nstep_up = 0.1\n",
        &[
            "design.akash.provider[0].step_up",
            "is not used by strategy \"cost_plus\"",
        ],
    );
}

#[test]
fn script_with_a_markup() {
    reject(
        "strategy = \"cost_plus\"",
        "strategy = \"script\"",
        &[
            "design.akash.provider[0].markup",
            "is not used by strategy \"script\"",
        ],
    );
}

#[test]
fn script_rate_for_an_unknown_class() {
    reject(
        "strategy = \"cost_plus\"\nmarkup = { dist = \"uniform\", low = 0.1, high = 0.5 }",
        "strategy = \"script\"\ngpu_usd_per_month = { A10O = 120.0 }",
        &[
            "design.akash.provider[0].gpu_usd_per_month.A10O",
            "unknown GPU class",
            "did you mean \"A100\"?",
        ],
    );
}

#[test]
fn script_negative_cpu_rate() {
    reject(
        "strategy = \"cost_plus\"\nmarkup = { dist = \"uniform\", low = 0.1, high = 0.5 }",
        "strategy = \"script\"\ncpu_usd_per_thread_month = -1.6",
        &[
            "design.akash.provider[0].cpu_usd_per_thread_month",
            "must be a finite number >= 0, got -1.6",
        ],
    );
}
