//! Bad input for the `[token]` keys, end to end: the real binary in a
//! scratch directory. Every case must exit with code 2, name the file, the
//! key and what is wrong in stderr, not panic, and leave no output.

mod common;

use common::{MINIMAL, Outcome, Sandbox};

/// [`MINIMAL`] with tokens on and `extra` appended to its `[token]` table.
fn with_token(extra: &str) -> String {
    format!("{MINIMAL}\n[token]\nenabled = true\n{extra}\n")
}

/// `run` and `validate` both reject `text` with `needles` in stderr and
/// leave nothing behind.
fn reject(text: &str, needles: &[&str]) -> Outcome {
    let sb = Sandbox::new();
    let file = sb.write("bad.toml", text);
    let shown = file.display().to_string();
    let o = sb.run(&file, &[]);
    o.assert_bad_input(needles).assert_stderr_has(&[&shown]);
    assert!(o.stdout.is_empty(), "nothing on stdout\n{}", o.describe());
    sb.assert_no_output(&o);
    let v = sb.validate(&[&file], &[]);
    v.assert_bad_input(needles).assert_stderr_has(&[&shown]);
    sb.assert_no_output(&v);
    o
}

#[test]
fn tokens_on_is_valid_and_runs() {
    let sb = Sandbox::new();
    let file = sb.write("ok.toml", &with_token(""));
    sb.validate(&[&file], &[]).assert_no_panic().assert_code(0);
    let r = sb.run(&file, &[]);
    r.assert_no_panic().assert_code(0);
    assert!(sb.out().join("summary.csv").is_file(), "{}", r.describe());
}

#[test]
fn negative_pool_depth() {
    reject(
        &with_token("[token.render]\npool_depth_usd = -5.0"),
        &[
            "token.render.pool_depth_usd",
            "must be a finite number > 0, got -5",
        ],
    );
}

#[test]
fn zero_price() {
    reject(
        &with_token("[token.ionet]\nprice_usd = 0.0"),
        &["token.ionet.price_usd", "> 0"],
    );
}

#[test]
fn sell_share_above_one() {
    reject(
        &with_token("[token.akash]\nsell_share = 1.5"),
        &["token.akash.sell_share", "must be in [0, 1], got 1.5"],
    );
}

#[test]
fn burn_share_negative() {
    reject(
        &with_token("[token.render]\nburn_share = -0.1"),
        &["token.render.burn_share", "must be in [0, 1], got -0.1"],
    );
}

#[test]
fn buyback_share_above_one() {
    reject(
        &with_token("[token.ionet]\nbuyback_share = 2"),
        &["token.ionet.buyback_share", "must be in [0, 1]"],
    );
}

#[test]
fn correlation_outside_unit_interval() {
    reject(
        &with_token("[token.market]\ncorrelation = -0.3"),
        &["token.market.correlation", "must be in [0, 1], got -0.3"],
    );
}

#[test]
fn negative_volatility() {
    reject(
        &with_token("[token.market]\nvolatility = -0.5"),
        &["token.market.volatility", ">= 0"],
    );
}

#[test]
fn crash_of_more_than_everything() {
    reject(
        &with_token("[[token.market.shock]]\nat = \"1h\"\nchange = -1.2"),
        &["token.market.shock[0].change", "> -1"],
    );
}

#[test]
fn yearly_schedule_that_does_not_sum_to_its_total() {
    reject(
        &with_token(
            "[token.render]\nemissions = { schedule = \"yearly\", per_year = [9126804, 5900000], total = 20000000 }",
        ),
        &[
            "token.render.emissions.total",
            "adds up to 15026804",
            "total = 20000000",
        ],
    );
}

#[test]
fn unknown_schedule_name() {
    reject(
        &with_token("[token.ionet]\nemissions = { schedule = \"decayed\", genesis = 1.0 }"),
        &[
            "token.ionet.emissions",
            "unknown value \"decayed\"",
            "did you mean `decaying`?",
        ],
    );
}

#[test]
fn band_schedule_for_render() {
    reject(
        &with_token(
            "[token.render]\nemissions = { schedule = \"band\", min = 0.1, max = 0.2, initial = 0.1, staked = 0.5, goal = 0.67, rate_change = 0.1 }",
        ),
        &["token.render.emissions.schedule", "\"band\""],
    );
}

#[test]
fn band_initial_outside_band() {
    reject(
        &with_token(
            "[token.akash]\ninflation = { schedule = \"band\", min = 0.1, max = 0.2, initial = 0.3, staked = 0.5, goal = 0.67, rate_change = 0.1 }",
        ),
        &["token.akash.inflation.initial", "within [min, max]"],
    );
}

#[test]
fn monthly_decay_of_one() {
    reject(
        &with_token(
            "[token.ionet]\nemissions = { schedule = \"decaying\", genesis = 5e8, first_year_inflation = 0.08, monthly_decay = 1.0, total = 3e8 }",
        ),
        &[
            "token.ionet.emissions.monthly_decay",
            "must be in [0, 1), got 1",
        ],
    );
}

#[test]
fn period_that_does_not_divide_a_day() {
    reject(
        &with_token("period = \"7h\""),
        &["token.period", "must divide one day"],
    );
}

#[test]
fn unknown_token_key_is_suggested() {
    reject(
        &with_token("[token.render]\nburn_shar = 0.9"),
        &[
            "token.render",
            "burn_shar: unknown key",
            "did you mean `burn_share`?",
        ],
    );
}

#[test]
fn stake_multiplier_for_an_unknown_class() {
    reject(
        &with_token("[token.ionet]\nstake_multiplier = { default = 1.0, H200 = 2.0 }"),
        &["token.ionet.stake_multiplier.H200", "unknown GPU class"],
    );
}

#[test]
fn unknown_akash_mode() {
    reject(
        &with_token("[token.akash]\nmode = \"burn_and_mint\""),
        &["token.akash.mode", "unknown value \"burn_and_mint\""],
    );
}

#[test]
fn negative_emission_change_factor() {
    reject(
        &with_token("[[token.emission_change]]\nat = \"1h\"\nfactor = -0.5"),
        &["token.emission_change[0].factor", ">= 0"],
    );
}
