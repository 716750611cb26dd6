//! Bad input, end to end: the real binary in a scratch directory, as a user
//! would run it. Every case must exit with code 2, say in stderr which file,
//! which key and what is wrong, not panic, and leave no output directory.
//!
//! Cases that fail today because of a bug in the code are `#[ignore]`d with
//! a `BUG:` reason; they assert the behaviour we want.

mod common;

use common::{MINIMAL, Outcome, Sandbox, baseline_text, minimal_with};
use std::path::Path;

/// Runs `depinsim run FILE --out <tmp>/out EXTRA...` and checks it is
/// rejected as bad input: exit 2, no panic, the file and every one of
/// `needles` named in stderr, nothing on stdout, no output directory.
fn reject_run(sb: &Sandbox, file: &Path, extra: &[&str], needles: &[&str]) -> Outcome {
    let o = sb.run(file, extra);
    o.assert_bad_input(needles)
        .assert_stderr_has(&[&file.display().to_string()]);
    assert!(
        o.stdout.is_empty(),
        "nothing belongs on stdout\n{}",
        o.describe()
    );
    sb.assert_no_output(&o);
    o
}

/// Like [`reject_run`], then checks `validate` rejects the file the same way.
fn reject_both(sb: &Sandbox, file: &Path, sets: &[&str], needles: &[&str]) -> Outcome {
    let mut extra = Vec::new();
    for s in sets {
        extra.extend(["--set", s]);
    }
    let o = reject_run(sb, file, &extra, needles);
    let v = sb.validate(&[file], &extra);
    v.assert_bad_input(needles)
        .assert_stderr_has(&[&file.display().to_string()]);
    assert!(
        !v.stdout.contains(": ok"),
        "validate must not call a bad file ok\n{}",
        v.describe()
    );
    sb.assert_no_output(&v);
    o
}

/// Writes `text` as `bad.toml` in a fresh sandbox and checks that `run` and
/// `validate` reject it, naming the file and every one of `needles`.
fn reject_text(text: &str, needles: &[&str]) -> Outcome {
    let sb = Sandbox::new();
    let file = sb.write("bad.toml", text);
    reject_both(&sb, &file, &[], needles)
}

/// [`MINIMAL`] with `old` replaced by `new` must be rejected with `needles`.
fn reject_edit(old: &str, new: &str, needles: &[&str]) -> Outcome {
    reject_text(&minimal_with(old, new), needles)
}

/// A copy of scenarios/baseline.toml with `sets` applied as `--set` must be
/// rejected by `run` and `validate` with `needles`.
fn reject_baseline_sets(sets: &[&str], needles: &[&str]) -> Outcome {
    let sb = Sandbox::new();
    let file = sb.write("baseline.toml", &baseline_text());
    reject_both(&sb, &file, sets, needles)
}

// ---------------------------------------------------------------------------
// The valid starting points, so that every rejection below is due to the edit.

#[test]
fn minimal_scenario_is_valid_and_runs() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let v = sb.validate(&[&file], &[]);
    v.assert_no_panic().assert_code(0);
    v.assert_stdout_has(&[&format!("{}: ok", file.display())]);
    let r = sb.run(&file, &[]);
    r.assert_no_panic().assert_code(0);
    assert!(
        sb.out().join("summary.csv").is_file(),
        "a good run writes its output directory\n{}",
        r.describe()
    );
}

#[test]
fn baseline_copy_validates() {
    let sb = Sandbox::new();
    let file = sb.write("baseline.toml", &baseline_text());
    let v = sb.validate(&[&file], &[]);
    v.assert_no_panic().assert_code(0);
    v.assert_stdout_has(&[&format!("{}: ok", file.display())]);
    assert!(v.stderr.is_empty(), "{}", v.describe());
    assert_eq!(sb.entries(), ["baseline.toml"], "validate writes nothing");
}

// ---------------------------------------------------------------------------
// Unknown keys and names.

#[test]
fn unknown_key_suggests_the_right_one() {
    reject_edit(
        "gpus = 2",
        "gpu = 2",
        &[
            "workload[0].gpu",
            "gpu: unknown key",
            "did you mean `gpus`?",
        ],
    );
}

#[test]
fn unknown_key_in_arrivals_suggests_the_right_one() {
    // The arrival process is an internally tagged enum: serde reports the
    // table's path, and the message names the key.
    reject_edit(
        "rate_per_hour = 4.0",
        "rate_per_hr = 4.0",
        &[
            "workload[0].arrivals",
            "rate_per_hr: unknown key",
            "did you mean `rate_per_hour`?",
        ],
    );
}

#[test]
fn unknown_section_suggests_the_right_one() {
    reject_edit(
        "[output]",
        "[outptu]",
        &["outptu", "unknown key", "did you mean `output`?"],
    );
}

#[test]
fn misspelt_design_in_file() {
    reject_edit(
        r#"designs = ["ionet"]"#,
        r#"designs = ["ionett"]"#,
        &[
            "scenario.designs[0]",
            "unknown value \"ionett\"",
            "did you mean `ionet`?",
        ],
    );
}

/// A design named without its table runs on its defaults (it used to be
/// required; tests/defaults.rs checks the values).
#[test]
fn design_without_its_table_runs_on_its_defaults() {
    let sb = Sandbox::new();
    let f = sb.write(
        "tiny.toml",
        &minimal_with(r#"designs = ["ionet"]"#, r#"designs = ["ionet", "akash"]"#),
    );
    sb.run(&f, &["--no-plots"]).assert_code(0);
}

#[test]
fn unknown_ionet_policy_suggests_one() {
    reject_edit(
        r#"[design.ionet]"#,
        "[design.ionet]\npolicy = \"backfil\"",
        &["design.ionet.policy", "unknown value", "backfill"],
    );
}

#[test]
fn negative_ionet_fee() {
    reject_edit(
        r#"[design.ionet]"#,
        "[design.ionet]\nreservation_fee = -0.01",
        &["design.ionet.reservation_fee", "[0, 1]", "-0.01"],
    );
}

#[test]
fn ionet_fees_that_leave_providers_nothing() {
    reject_edit(
        r#"[design.ionet]"#,
        "[design.ionet]\nreservation_fee = 0.5\npayment_fee = 0.5",
        &["design.ionet.payment_fee", "must be < 1"],
    );
}

#[test]
fn negative_min_billed() {
    reject_edit(
        r#"[design.ionet]"#,
        "[design.ionet]\nmin_billed = \"-1h\"",
        &["design.ionet.min_billed", "negative"],
    );
}

#[test]
fn fault_share_outside_unit_interval() {
    reject_edit(
        r#"[design.ionet]"#,
        "[faults]\nshare = 1.5\n\n[design.ionet]",
        &["faults.share", "[0, 1]", "1.5"],
    );
}

#[test]
fn frames_on_a_training_workload() {
    reject_edit(
        r#"name = "train""#,
        "name = \"train\"\nframes = { dist = \"fixed\", value = 10.0 }",
        &["workload[0].frames", "only render jobs have frames"],
    );
}

#[test]
fn render_workload_without_frames() {
    reject_edit(
        "name = \"train\"\nkind = \"training\"",
        "name = \"train\"\nkind = \"render\"",
        &["workload[0].frames", "is required for kind = \"render\""],
    );
}

#[test]
fn vram_requirement_no_class_meets() {
    reject_edit(
        r#"name = "train""#,
        "name = \"train\"\nvram_gb = 200",
        &["workload[0].vram_gb", "no listed class has 200 GB"],
    );
}

#[test]
fn unknown_arrival_process() {
    reject_edit(
        r#"process = "poisson", rate_per_hour = 4.0"#,
        r#"process = "bursty", rate_per_hour = 4.0"#,
        &[
            "workload[0].arrivals",
            "unknown value \"bursty\"",
            "poisson",
        ],
    );
}

#[test]
fn workload_names_an_unknown_class() {
    reject_edit(
        r#"gpu_class = ["A100"]"#,
        r#"gpu_class = ["A10O"]"#,
        &[
            "workload[0].gpu_class[0]",
            "unknown GPU class \"A10O\"",
            "did you mean \"A100\"?",
        ],
    );
}

// ---------------------------------------------------------------------------
// Durations.

#[test]
fn duration_without_unit() {
    reject_edit(
        r#"horizon = "2h""#,
        "horizon = 30",
        &["scenario.horizon", "has no unit", "\"30h\""],
    );
}

#[test]
fn duration_with_unknown_unit() {
    reject_edit(
        r#"horizon = "2h""#,
        r#"horizon = "2 parsecs""#,
        &[
            "scenario.horizon",
            "unknown unit \"parsecs\"",
            "ms, s, m, h, d, w or y (365.25 d)",
        ],
    );
}

#[test]
fn negative_duration() {
    reject_edit(
        r#"mean = "30m""#,
        r#"mean = "-30m""#,
        &["workload[0].duration", "is negative"],
    );
}

#[test]
fn warmup_not_shorter_than_horizon() {
    reject_edit(
        r#"warmup = "10m""#,
        r#"warmup = "2h""#,
        &[
            "scenario.warmup",
            "must be shorter than scenario.horizon",
            "2h >= 2h",
        ],
    );
}

// ---------------------------------------------------------------------------
// Numbers out of range.

#[test]
fn negative_rate() {
    reject_edit(
        "rate_per_hour = 4.0",
        "rate_per_hour = -4.0",
        &["workload[0].arrivals.rate_per_hour", "must be", "-4"],
    );
}

#[test]
fn nan_rate() {
    reject_edit(
        "rate_per_hour = 10.0",
        "rate_per_hour = nan",
        &["workload[1].arrivals.rate_per_hour", "must be", "NaN"],
    );
}

#[test]
fn infinite_values() {
    reject_edit(
        "max_price_per_gpu_hour = 3.0",
        "max_price_per_gpu_hour = inf",
        &[
            "workload[0].max_price_per_gpu_hour",
            "must be a finite number",
            "inf",
        ],
    );
    reject_edit(
        "vram_gb = 24",
        "vram_gb = -inf",
        &["gpu_class[1].vram_gb", "must be a finite number", "-inf"],
    );
}

#[test]
fn zero_replications_in_file() {
    reject_edit(
        "replications = 1",
        "replications = 0",
        &["scenario.replications", "must be >= 1"],
    );
}

#[test]
fn negative_replications_in_file() {
    reject_edit(
        "replications = 1",
        "replications = -3",
        &["scenario.replications", "-3", "expected a whole number"],
    );
}

#[test]
fn gang_larger_than_any_class_pool() {
    reject_edit(
        "gpus = 2",
        "gpus = 17",
        &[
            "workload[0].gpus",
            "17 GPUs",
            "larger than any acceptable class",
        ],
    );
}

#[test]
fn zero_gpus_per_job() {
    reject_edit(
        "gpus = 2",
        "gpus = 0",
        &["workload[0].gpus", "must be >= 1"],
    );
}

#[test]
fn diurnal_amplitude_above_one() {
    reject_edit(
        "rate_per_hour = 4.0",
        "rate_per_hour = 4.0, diurnal_amplitude = 1.5",
        &[
            "workload[0].arrivals.diurnal_amplitude",
            "must be in [0, 1]",
        ],
    );
}

// ---------------------------------------------------------------------------
// Distributions.

#[test]
fn uniform_with_low_above_high() {
    reject_edit(
        "low = 0.5, high = 2.0",
        "low = 2.0, high = 0.5",
        &[
            "workload[1].max_price_per_gpu_hour",
            "low (2) must be <= high (0.5)",
        ],
    );
}

#[test]
fn weibull_with_negative_shape() {
    reject_edit(
        r#"duration = { dist = "exp", mean = "5m" }"#,
        r#"duration = { dist = "weibull", shape = -0.7, mean = "5m" }"#,
        &["workload[1].duration", "shape must be > 0", "-0.7"],
    );
}

#[test]
fn unknown_distribution() {
    reject_edit(
        r#"dist = "exp", mean = "30m""#,
        r#"dist = "gamma", mean = "30m""#,
        &[
            "workload[0].duration",
            "unknown value \"gamma\"",
            "lognormal",
        ],
    );
}

#[test]
fn price_that_is_neither_number_nor_distribution() {
    reject_edit(
        "max_price_per_gpu_hour = 3.0",
        r#"max_price_per_gpu_hour = "cheap""#,
        &[
            "workload[0].max_price_per_gpu_hour",
            "expected a number, or a distribution table",
        ],
    );
}

// ---------------------------------------------------------------------------
// Churn.

#[test]
fn churn_enabled_without_uptime() {
    let text = format!(
        "{MINIMAL}\n[churn]\nenabled = true\ndowntime = {{ dist = \"exp\", mean = \"1h\" }}\n"
    );
    let o = reject_text(
        &text,
        &["churn.uptime", "is required when churn.enabled = true"],
    );
    o.assert_stderr_lacks(&["churn.downtime"]);
}

#[test]
fn churn_uptime_weibull_with_negative_shape() {
    let text = format!(
        "{MINIMAL}\n[churn]\nenabled = true\n\
         uptime = {{ dist = \"weibull\", shape = -1.0, mean = \"72h\" }}\n\
         downtime = {{ dist = \"exp\", mean = \"1h\" }}\n"
    );
    reject_text(&text, &["churn.uptime", "shape must be > 0", "-1"]);
}

// ---------------------------------------------------------------------------
// Classes, supply, designs.

#[test]
fn duplicate_class_name() {
    let o = reject_edit(
        r#"name = "RTX4090""#,
        r#"name = "A100""#,
        &["gpu_class[1].name", "class \"A100\" is defined twice"],
    );
    // Every problem is reported, not just the first.
    o.assert_stderr_has(&["supply.initial.RTX4090"]);
}

#[test]
fn duplicate_workload_name() {
    reject_edit(
        r#"name = "infer""#,
        r#"name = "train""#,
        &["workload[1].name", "workload \"train\" is defined twice"],
    );
}

#[test]
fn workload_asks_for_a_class_with_no_supply() {
    reject_edit(
        "initial = { A100 = 16, RTX4090 = 8 }",
        "initial = { A100 = 16 }",
        &[
            "workload[1].gpu_class[0]",
            "class \"RTX4090\" has no supply",
        ],
    );
}

#[test]
fn supply_names_an_unknown_class() {
    reject_edit(
        "initial = { A100 = 16, RTX4090 = 8 }",
        "initial = { A100 = 16, RTX4090 = 8, RTX4080 = 4 }",
        &[
            "supply.initial.RTX4080",
            "unknown GPU class \"RTX4080\"",
            "did you mean \"RTX4090\"?",
        ],
    );
}

#[test]
fn missing_ionet_price_for_a_class() {
    reject_edit(
        "price_per_gpu_hour = { A100 = 1.9, RTX4090 = 0.4 }",
        "price_per_gpu_hour = { RTX4090 = 0.4 }",
        &["design.ionet.price_per_gpu_hour", "no price", "\"train\""],
    );
}

#[test]
fn missing_ionet_section_runs_on_its_defaults() {
    let sb = Sandbox::new();
    let f = sb.write(
        "tiny.toml",
        &minimal_with(
            "[design.ionet]\nprice_per_gpu_hour = { A100 = 1.9, RTX4090 = 0.4 }\n",
            "",
        ),
    );
    sb.run(&f, &["--no-plots"]).assert_code(0);
}

/// More than 64 classes is rejected, and a workload naming class 65 must not
/// make the checker shift a `u64` mask by 64 (it once panicked here).
#[test]
fn more_than_64_classes_are_rejected_without_panic() {
    let extra: String = (0..63)
        .map(|i| {
            format!(
                "\n[[gpu_class]]\nname = \"G{i}\"\nvram_gb = 8\ncost_per_hour = 0.1\n\
                 cloud_price_per_hour = 0.5\n"
            )
        })
        .collect();
    let text = minimal_with("[supply]", &format!("{extra}\n[supply]"));
    let text = common::edit(
        &text,
        "initial = { A100 = 16, RTX4090 = 8 }",
        "initial = { A100 = 16, RTX4090 = 8, G62 = 8 }",
    );
    let text = common::edit(
        &text,
        r#"gpu_class = ["A100"]"#,
        r#"gpu_class = ["A100", "G62"]"#,
    );
    reject_text(&text, &["gpu_class", "at most 64 classes, got 65"]);
}

// ---------------------------------------------------------------------------
// Whole-file problems.

#[test]
fn missing_file() {
    let sb = Sandbox::new();
    let file = sb.path("no-such-scenario.toml");
    reject_run(&sb, &file, &[], &["cannot read the scenario file"]);
    sb.validate(&[&file], &[])
        .assert_bad_input(&["no-such-scenario.toml", "cannot read the scenario file"]);
}

#[test]
fn scenario_path_is_a_directory() {
    let sb = Sandbox::new();
    let dir = sb.path("dir.toml");
    std::fs::create_dir(&dir).unwrap();
    reject_run(&sb, &dir, &[], &["cannot read the scenario file"]);
}

#[test]
fn toml_syntax_error() {
    reject_edit("seed = 1", "seed = ", &["not valid TOML", "line 5"]);
}

#[test]
fn file_is_not_utf8() {
    let sb = Sandbox::new();
    let file = sb.path("binary.toml");
    std::fs::write(&file, b"\xff\xfe[scenario]\n").unwrap();
    reject_run(&sb, &file, &[], &["cannot read the scenario file", "UTF-8"]);
}

#[test]
fn missing_scenario_section() {
    let text = minimal_with(
        "[scenario]\nname = \"tiny\"\nhorizon = \"2h\"\nwarmup = \"10m\"\nseed = 1\n\
         replications = 1\ndesigns = [\"ionet\"]\n",
        "",
    );
    reject_text(&text, &["scenario: missing"]);
}

#[test]
fn empty_file() {
    reject_text("", &["scenario: missing"]);
}

#[test]
fn missing_required_key_in_a_workload() {
    reject_edit(
        "kind = \"inference\"\n",
        "",
        &["workload[1]", "kind: missing"],
    );
}

#[test]
fn string_where_a_number_belongs() {
    reject_edit(
        "vram_gb = 80",
        r#"vram_gb = "eighty""#,
        &[
            "gpu_class[0].vram_gb",
            "got the text \"eighty\"",
            "expected a number",
        ],
    );
}

#[test]
fn several_problems_are_all_reported() {
    let text = minimal_with("rate_per_hour = 4.0", "rate_per_hour = -4.0");
    let text = common::edit(&text, "gpus = 1", "gpus = 0");
    let text = common::edit(&text, "replications = 1", "replications = 0");
    reject_text(
        &text,
        &[
            "scenario.replications",
            "workload[0].arrivals.rate_per_hour",
            "workload[1].gpus",
        ],
    );
}

// ---------------------------------------------------------------------------
// `--set` against a copy of the baseline.

#[test]
fn set_unknown_workload_name() {
    reject_baseline_sets(
        &["workload.trainin.gpus=2"],
        &[
            "workload.trainin.gpus",
            "no entry named \"trainin\"",
            "did you mean \"training\"?",
        ],
    );
}

#[test]
fn set_index_out_of_range() {
    reject_baseline_sets(
        &["workload.7.gpus=2"],
        &["workload.7.gpus", "index 7 is out of range", "5 entries"],
    );
}

#[test]
fn set_wrong_type() {
    reject_baseline_sets(
        &["scenario.replications=abc"],
        &[
            "scenario.replications",
            "expected",
            "\"abc\"",
            "expected a whole number",
        ],
    );
}

#[test]
fn set_without_equals() {
    reject_baseline_sets(
        &["scenario.replications"],
        &["--set \"scenario.replications\"", "expected KEY=VALUE"],
    );
}

#[test]
fn set_empty_value() {
    reject_baseline_sets(
        &["scenario.seed="],
        &["scenario.seed", "the value is empty"],
    );
}

#[test]
fn set_into_a_value_that_is_not_a_table() {
    reject_baseline_sets(
        &["scenario.horizon.x=2"],
        &[
            "scenario.horizon.x",
            "scenario.horizon is a string, not a table",
        ],
    );
}

#[test]
fn set_unknown_key_suggests_the_right_one() {
    reject_baseline_sets(
        &["scenario.replicatons=2"],
        &[
            "scenario.replicatons",
            "replicatons: unknown key",
            "did you mean `replications`?",
        ],
    );
}

#[test]
fn set_negative_rate_by_workload_name() {
    reject_baseline_sets(
        &["workload.finetune.arrivals.rate_per_hour=-1"],
        &["workload[1].arrivals.rate_per_hour", "must be", "-1"],
    );
}

#[test]
fn set_duration_without_unit() {
    reject_baseline_sets(
        &["scenario.horizon=30"],
        &["scenario.horizon", "has no unit"],
    );
}

#[test]
fn set_removes_the_supply_a_workload_needs() {
    reject_baseline_sets(
        &["supply.initial.RTX4090=0"],
        &[
            "workload[2].gpu_class[0]",
            "class \"RTX4090\" has no supply",
        ],
    );
}

#[test]
fn set_zero_replications() {
    reject_baseline_sets(
        &["scenario.replications=0"],
        &["scenario.replications", "must be >= 1"],
    );
}

#[test]
fn set_churn_without_downtime() {
    reject_baseline_sets(&["churn.downtime={}"], &["churn.downtime", "dist: missing"]);
}

// ---------------------------------------------------------------------------
// Command-line options.

#[test]
fn zero_replications_option() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    reject_run(
        &sb,
        &file,
        &["--replications", "0"],
        &["scenario.replications", "must be >= 1"],
    );
}

#[test]
fn zero_threads_option() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.run(&file, &["--threads", "0"]);
    o.assert_bad_input(&["--threads", "at least 1"]);
    sb.assert_no_output(&o);
}

#[test]
fn misspelt_design_option() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    reject_run(
        &sb,
        &file,
        &["--design", "ionett"],
        &[
            "scenario.designs[0]",
            "unknown value \"ionett\"",
            "did you mean `ionet`?",
        ],
    );
}

#[test]
fn design_option_without_its_table_runs_on_its_defaults() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.run(
        &file,
        &["--no-plots", "--design", "ionet", "--design", "render"],
    )
    .assert_code(0);
}

#[test]
fn repeated_design_option() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    reject_run(
        &sb,
        &file,
        &["--design", "ionet", "--design", "ionet"],
        &["scenario.designs[1]", "listed twice"],
    );
}

#[test]
fn option_values_of_the_wrong_type() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    for (extra, needle) in [
        ("--replications=abc", "'--replications <REPLICATIONS>'"),
        (
            "--replications=4294967296",
            "'--replications <REPLICATIONS>'",
        ),
        ("--seed=-1", "'--seed <SEED>'"),
        ("--threads=many", "'--threads <THREADS>'"),
    ] {
        let o = sb.run(&file, &[extra]);
        o.assert_bad_input(&["invalid value", needle]);
        sb.assert_no_output(&o);
    }
}

#[test]
fn out_is_an_existing_file() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let out = sb.write("out", "keep me");
    let o = sb.run(&file, &[]);
    o.assert_bad_input(&[&format!("--out {}", out.display()), "not a directory"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    assert!(!sb.path("results").exists(), "{}", o.describe());
}

/// `--seed` becomes the override `scenario.seed=N`; TOML integers stop at
/// i64::MAX, so larger seeds are refused by the option parser, clearly.
#[test]
fn seed_option_beyond_toml_integers_is_refused_clearly() {
    // Seeds live in TOML files too, whose integers stop at 2^63 - 1.
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.run(&file, &["--seed", "18446744073709551615"]);
    o.assert_no_panic().assert_code(2);
    o.assert_stderr_has(&["--seed", "18446744073709551615"]);
    sb.assert_no_output(&o);
    let o = sb.run(&file, &["--seed", "9223372036854775807"]);
    o.assert_no_panic().assert_code(0);
    assert!(sb.out().join("summary.csv").is_file(), "{}", o.describe());
}

// ---------------------------------------------------------------------------
// `validate` with several files.

#[test]
fn validate_reports_every_file_and_fails_if_one_is_bad() {
    let sb = Sandbox::new();
    let good = sb.write("good.toml", MINIMAL);
    let bad = sb.write(
        "bad.toml",
        &minimal_with("rate_per_hour = 4.0", "rate_per_hour = -4.0"),
    );
    let missing = sb.path("missing.toml");
    let o = sb.validate(&[&good, &bad, &missing], &[]);
    o.assert_bad_input(&[
        &format!(
            "{}: workload[0].arrivals.rate_per_hour: must be",
            bad.display()
        ),
        &format!("{}: cannot read the scenario file", missing.display()),
    ]);
    o.assert_stdout_has(&[&format!("{}: ok", good.display())]);
    o.assert_stderr_lacks(&[&good.display().to_string()]);
    assert!(
        !o.stdout.contains(&bad.display().to_string()),
        "the bad file is not reported ok\n{}",
        o.describe()
    );
    assert_eq!(
        sb.entries(),
        ["bad.toml", "good.toml"],
        "validate writes nothing"
    );
}

#[test]
fn validate_order_does_not_matter() {
    // The bad file first: the good one after it is still checked and reported.
    let sb = Sandbox::new();
    let good = sb.write("good.toml", MINIMAL);
    let bad = sb.write("bad.toml", &minimal_with("gpus = 2", "gpu = 2"));
    let o = sb.validate(&[&bad, &good], &[]);
    o.assert_bad_input(&[&bad.display().to_string(), "did you mean `gpus`?"]);
    o.assert_stdout_has(&[&format!("{}: ok", good.display())]);
}

#[test]
fn validate_with_a_bad_set_names_every_file() {
    let sb = Sandbox::new();
    let a = sb.write("a.toml", MINIMAL);
    let b = sb.write("b.toml", &baseline_text());
    let o = sb.validate(&[&a, &b], &["--set", "workload.0.gpus=-2"]);
    o.assert_bad_input(&[
        &format!("{}: workload[0].gpus", a.display()),
        &format!("{}: workload[0].gpus", b.display()),
        "expected a whole number",
    ]);
    assert!(!o.stdout.contains(": ok"), "{}", o.describe());
}

#[test]
fn validate_good_file_with_good_set_exits_zero() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.validate(
        &[&file],
        &[
            "--set",
            "workload.train.arrivals.rate_per_hour=8",
            "--set",
            "scenario.horizon=1d",
        ],
    );
    o.assert_no_panic().assert_code(0);
    o.assert_stdout_has(&[&format!("{}: ok", file.display()), "horizon 1d"]);
}
