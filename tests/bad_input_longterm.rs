//! Bad input for the long-run keys (demand growth, MMPP and batch arrivals,
//! GPU generations), end to end: `run` and `validate` of the real binary
//! exit with code 2, name the file, the key and the problem, and write
//! nothing.

mod common;

use common::{MINIMAL, edit, reject_with};

/// The training workload's arrivals of [`MINIMAL`] with `extra` keys added.
fn arrivals_with(extra: &str) -> String {
    edit(
        MINIMAL,
        r#"arrivals = { process = "poisson", rate_per_hour = 4.0 }"#,
        &format!(r#"arrivals = {{ process = "poisson", rate_per_hour = 4.0, {extra} }}"#),
    )
}

const GROWTH: &str = "workload[0].arrivals.growth";

#[test]
fn growth_factor_per_period_must_be_positive() {
    for (law, key) in [
        ("per_year = -1.0", "per_year"),
        ("per_month = -1.5", "per_month"),
        ("per_year = nan", "per_year"),
    ] {
        let text = arrivals_with(&format!(r#"growth = {{ law = "exp", {law} }}"#));
        reject_with(&text, &[], &[&format!("{GROWTH}.{key}"), "> -1"]);
    }
}

#[test]
fn exponential_growth_needs_exactly_one_period() {
    let both = arrivals_with(r#"growth = { law = "exp", per_year = 0.5, per_month = 0.1 }"#);
    reject_with(&both, &[], &[GROWTH, "not both"]);
    let none = arrivals_with(r#"growth = { law = "exp" }"#);
    reject_with(&none, &[], &[GROWTH, "needs per_year or per_month"]);
}

#[test]
fn logistic_growth_needs_a_positive_rate_and_saturation() {
    let text =
        arrivals_with(r#"growth = { law = "logistic", rate_per_year = 1.0, saturation = 0.0 }"#);
    reject_with(&text, &[], &[&format!("{GROWTH}.saturation"), "> 0, got 0"]);
    let text =
        arrivals_with(r#"growth = { law = "logistic", rate_per_year = -2.0, saturation = 3.0 }"#);
    reject_with(
        &text,
        &[],
        &[&format!("{GROWTH}.rate_per_year"), "> 0, got -2"],
    );
}

#[test]
fn growth_table_factors_positive_and_times_increasing() {
    let text = arrivals_with(
        r#"growth = { law = "table", points = [{ at = "0d", factor = 1.0 }, { at = "1h", factor = 0.0 }] }"#,
    );
    reject_with(
        &text,
        &[],
        &[&format!("{GROWTH}.points[1].factor"), "> 0, got 0"],
    );
    let text = arrivals_with(
        r#"growth = { law = "table", points = [{ at = "1h", factor = 1.0 }, { at = "30m", factor = 2.0 }] }"#,
    );
    reject_with(
        &text,
        &[],
        &[
            &format!("{GROWTH}.points[1].at"),
            "later than the point before",
        ],
    );
    let text = arrivals_with(r#"growth = { law = "table", points = [] }"#);
    reject_with(&text, &[], &[&format!("{GROWTH}.points"), "at least one"]);
}

#[test]
fn growth_law_unknown_or_misspelt() {
    let text = arrivals_with(r#"growth = { law = "expo", per_year = 0.5 }"#);
    reject_with(
        &text,
        &[],
        &["unknown value \"expo\"", "did you mean `exp`?"],
    );
    let text = arrivals_with(r#"growth = { law = "exp", per_yaer = 0.5 }"#);
    reject_with(
        &text,
        &[],
        &["per_yaer: unknown key", "did you mean `per_year`?"],
    );
}

#[test]
fn growth_beyond_the_supported_rate_is_rejected() {
    let text = arrivals_with(
        r#"growth = { law = "table", points = [{ at = "0d", factor = 1.0 }, { at = "1h", factor = 1e6 }] }"#,
    );
    reject_with(&text, &[], &[GROWTH, "more than the 1000000 supported"]);
}

/// The training workload of [`MINIMAL`] with MMPP arrivals of `states`.
fn mmpp_with(states: &str, extra: &str) -> String {
    edit(
        MINIMAL,
        r#"arrivals = { process = "poisson", rate_per_hour = 4.0 }"#,
        &format!(r#"arrivals = {{ process = "mmpp", states = [{states}]{extra} }}"#),
    )
}

const CALM: &str = r#"{ rate_per_hour = 2.0, mean_sojourn = "20h" }"#;

#[test]
fn mmpp_sojourns_must_be_positive() {
    let text = mmpp_with(
        &format!(r#"{CALM}, {{ rate_per_hour = 30.0, mean_sojourn = "0s" }}"#),
        "",
    );
    reject_with(
        &text,
        &[],
        &["workload[0].arrivals.states[1].mean_sojourn", "must be > 0"],
    );
    let text = mmpp_with(
        &format!(r#"{CALM}, {{ rate_per_hour = 30.0, mean_sojourn = "-4h" }}"#),
        "",
    );
    reject_with(&text, &[], &["workload[0].arrivals", "\"-4h\" is negative"]);
}

#[test]
fn mmpp_rates_and_states() {
    let text = mmpp_with(
        &format!(r#"{CALM}, {{ rate_per_hour = -3.0, mean_sojourn = "4h" }}"#),
        "",
    );
    reject_with(
        &text,
        &[],
        &[
            "workload[0].arrivals.states[1].rate_per_hour",
            ">= 0, got -3",
        ],
    );
    let text = mmpp_with(CALM, "");
    reject_with(
        &text,
        &[],
        &["workload[0].arrivals.states", "at least 2 states, got 1"],
    );
    let text = mmpp_with(
        r#"{ rate_per_hour = 0.0, mean_sojourn = "1h" }, { rate_per_hour = 0.0, mean_sojourn = "2h" }"#,
        "",
    );
    reject_with(
        &text,
        &[],
        &["workload[0].arrivals.states", "every state has rate 0"],
    );
    let text = mmpp_with(
        &format!(r#"{CALM}, {{ rate_per_hour = 30.0, mean_sojurn = "4h" }}"#),
        "",
    );
    reject_with(
        &text,
        &[],
        &["mean_sojurn: unknown key", "did you mean `mean_sojourn`?"],
    );
    let text = mmpp_with(&format!("{CALM}, {CALM}"), ", rate_per_hour = 3.0");
    reject_with(
        &text,
        &[],
        &["workload[0].arrivals", "rate_per_hour: unknown key"],
    );
}

#[test]
fn batches_hold_at_least_one_job() {
    reject_with(
        &arrivals_with("batch = 0"),
        &[],
        &["workload[0].arrivals.batch", "> 0, got 0"],
    );
    reject_with(
        &arrivals_with(r#"batch = { dist = "uniform", low = 0.1, high = 0.5 }"#),
        &[],
        &[
            "workload[0].arrivals.batch",
            "mean must be between 1 and 100000",
        ],
    );
    let text = mmpp_with(
        &format!("{CALM}, {CALM}"),
        r#", batch = { dist = "exp", mean = -2.0 }"#,
    );
    reject_with(&text, &[], &["workload[0].arrivals.batch"]);
}

/// [`MINIMAL`]'s RTX4090 class with `extra` lines added.
fn class_with(extra: &str) -> String {
    edit(
        MINIMAL,
        "cost_per_hour = 0.1\n",
        &format!("cost_per_hour = 0.1\n{extra}\n"),
    )
}

#[test]
fn a_class_appearing_beyond_the_horizon_is_rejected() {
    reject_with(
        &class_with(r#"available_from = "2h""#),
        &[],
        &[
            "gpu_class[1].available_from",
            "at or beyond scenario.horizon",
            "never appear",
        ],
    );
    reject_with(
        &class_with(r#"available_from = "1h""#),
        &["supply.initial.RTX4090=0"],
        &["supply.initial.RTX4090", "with no GPUs"],
    );
    let both_late = edit(
        &class_with(r#"available_from = "1h""#),
        "cloud_price_per_hour = 2.5\n",
        "cloud_price_per_hour = 2.5\navailable_from = \"30m\"\n",
    );
    reject_with(
        &both_late,
        &[],
        &["supply.initial", "no class with GPUs is available at t = 0"],
    );
}

#[test]
fn cost_declines_are_shares_below_one() {
    for (key, v) in [
        ("cost_decline_per_year", "1.0"),
        ("cost_decline_per_year", "-0.1"),
        ("cloud_price_decline_per_year", "1.5"),
    ] {
        reject_with(
            &class_with(&format!("{key} = {v}")),
            &[],
            &[&format!("gpu_class[1].{key}"), "must be in [0, 1)"],
        );
    }
}
