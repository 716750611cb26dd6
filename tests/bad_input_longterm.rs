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
        &["unknown variant `expo`", "did you mean `exp`?"],
    );
    let text = arrivals_with(r#"growth = { law = "exp", per_yaer = 0.5 }"#);
    reject_with(
        &text,
        &[],
        &["unknown field `per_yaer`", "did you mean `per_year`?"],
    );
}

#[test]
fn growth_beyond_the_supported_rate_is_rejected() {
    let text = arrivals_with(
        r#"growth = { law = "table", points = [{ at = "0d", factor = 1.0 }, { at = "1h", factor = 1e6 }] }"#,
    );
    reject_with(&text, &[], &[GROWTH, "more than the 1000000 supported"]);
}
