//! Bad input for the profit-driven supply keys (`[supply]` with
//! `dynamic = true`, `design.ionet.unstaking_delay`), end to end: the real
//! binary in a scratch directory. Every case must exit with code 2, name the
//! file, the key and what is wrong in stderr, not panic, and leave no output.

mod common;

use common::{MINIMAL, Outcome, Sandbox, edit, reject_with};

/// [`MINIMAL`] with dynamic supply on; every case below edits one thing.
fn dynamic() -> String {
    edit(
        MINIMAL,
        "gpus_per_node = 8\n",
        "gpus_per_node = 8\ndynamic = true\nreview_every = \"30m\"\npatience = 2\n\
         pool = { A100 = 16 }\nentry_rate_per_hour = 1.0\nentry_margin_scale = 0.5\n\
         onboarding = \"10m\"\n",
    )
}

/// The dynamic scenario with `old` replaced by `new` must be rejected.
fn reject_edit(old: &str, new: &str, needles: &[&str]) -> Outcome {
    reject_with(&edit(&dynamic(), old, new), &[], needles)
}

#[test]
fn dynamic_scenario_is_valid_and_runs() {
    let sb = Sandbox::new();
    let file = sb.write("dynamic.toml", &dynamic());
    let v = sb.validate(&[&file], &[]);
    v.assert_no_panic().assert_code(0);
    let r = sb.run(&file, &[]);
    r.assert_no_panic().assert_code(0);
    assert!(sb.out().join("summary.csv").is_file(), "{}", r.describe());
}

#[test]
fn supply_keys_are_ignored_without_dynamic() {
    // So a sweep may switch supply.dynamic on and off.
    let sb = Sandbox::new();
    let text = edit(&dynamic(), "dynamic = true", "dynamic = false");
    let file = sb.write("fixed.toml", &text);
    sb.validate(&[&file], &[]).assert_no_panic().assert_code(0);
}

#[test]
fn pool_for_an_unknown_class() {
    reject_edit(
        "pool = { A100 = 16 }",
        "pool = { A10 = 16 }",
        &["supply.pool.A10", "unknown GPU class \"A10\""],
    );
}

#[test]
fn pool_for_a_class_without_an_initial_fleet() {
    let text = edit(&dynamic(), "pool = { A100 = 16 }", "pool = { H100 = 8 }");
    let text = edit(
        &text,
        "[[gpu_class]]\nname = \"RTX4090\"",
        "[[gpu_class]]\nname = \"H100\"\nvram_gb = 80\ncost_per_hour = 1.0\ncloud_price_per_hour = 4.0\n\n[[gpu_class]]\nname = \"RTX4090\"",
    );
    reject_with(&text, &[], &["supply.pool.H100", "has no initial fleet"]);
}

#[test]
fn negative_pool() {
    reject_edit(
        "pool = { A100 = 16 }",
        "pool = { A100 = -16 }",
        &["supply.pool.A100", "-16"],
    );
}

#[test]
fn patience_zero() {
    reject_edit(
        "patience = 2",
        "patience = 0",
        &["supply.patience", "must be >= 1"],
    );
}

#[test]
fn negative_patience() {
    reject_edit("patience = 2", "patience = -1", &["supply.patience", "-1"]);
}

#[test]
fn negative_entry_rate() {
    reject_with(
        &dynamic(),
        &["supply.entry_rate_per_hour=-0.5"],
        &[
            "supply.entry_rate_per_hour",
            "must be a finite number >= 0, got -0.5",
        ],
    );
}

#[test]
fn entry_rate_as_text() {
    reject_edit(
        "entry_rate_per_hour = 1.0",
        "entry_rate_per_hour = \"fast\"",
        &["supply.entry_rate_per_hour"],
    );
}

#[test]
fn zero_entry_margin_scale() {
    reject_edit(
        "entry_margin_scale = 0.5",
        "entry_margin_scale = 0.0",
        &[
            "supply.entry_margin_scale",
            "must be a finite number > 0, got 0",
        ],
    );
}

#[test]
fn review_every_zero() {
    reject_edit(
        "review_every = \"30m\"",
        "review_every = \"0s\"",
        &["supply.review_every", "must be > 0"],
    );
}

#[test]
fn review_every_not_shorter_than_the_horizon() {
    reject_edit(
        "review_every = \"30m\"",
        "review_every = \"2h\"",
        &[
            "supply.review_every",
            "shorter than scenario.horizon",
            "no review",
        ],
    );
}

#[test]
fn review_every_without_a_unit() {
    reject_edit(
        "review_every = \"30m\"",
        "review_every = 30",
        &["supply.review_every"],
    );
}

#[test]
fn onboarding_negative() {
    reject_edit(
        "onboarding = \"10m\"",
        "onboarding = \"-10m\"",
        &["supply.onboarding"],
    );
}

#[test]
fn misspelt_supply_key_suggests_the_right_one() {
    reject_edit(
        "patience = 2",
        "patiense = 2",
        &["supply", "patiense: unknown key", "patience"],
    );
}

#[test]
fn unstaking_delay_without_a_unit() {
    reject_with(
        &dynamic(),
        &["design.ionet.unstaking_delay=14"],
        &["design.ionet.unstaking_delay"],
    );
}

#[test]
fn unstaking_delay_negative() {
    reject_with(
        &dynamic(),
        &["design.ionet.unstaking_delay=\"-1d\""],
        &["design.ionet.unstaking_delay"],
    );
}

#[test]
fn negative_cost_cv() {
    reject_with(
        &dynamic(),
        &["supply.cost_cv=-0.1"],
        &["supply.cost_cv", "must be a finite number >= 0, got -0.1"],
    );
}

#[test]
fn cost_cv_too_large() {
    reject_with(
        &dynamic(),
        &["supply.cost_cv=50"],
        &["supply.cost_cv", "must be at most 5", "got 50"],
    );
}

#[test]
fn review_cohorts_zero() {
    reject_with(
        &dynamic(),
        &["supply.review_cohorts=0"],
        &["supply.review_cohorts", "must be >= 1"],
    );
}

#[test]
fn review_cohorts_that_do_not_divide_the_period() {
    reject_with(
        &dynamic(),
        &["supply.review_cohorts=7"],
        &[
            "supply.review_cohorts",
            "must split into 7 equal whole milliseconds",
        ],
    );
}
