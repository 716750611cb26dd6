//! Bad input of issue 18, across every subcommand: non-ASCII text where a
//! parser once sliced bytes, scenario names that would leave `results/`,
//! scenarios too large to run, output directories that are not a run's to
//! replace, damaged result directories given to the readers, and `[sweep]`
//! tables that `validate` must check as `sweep` does. Each case: exit 2,
//! the file (or option), the key and the problem named, no panic, and
//! nothing written.

mod common;

use common::{MINIMAL, Outcome, Sandbox, baseline_text, minimal_with, reject_with};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `dir` with its bytes (plots/ included).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return m;
    };
    for e in rd {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() {
            for (inner, bytes) in snapshot(&e.path()) {
                m.insert(format!("{name}/{inner}"), bytes);
            }
        } else {
            m.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
    m
}

/// `o` is a rejection naming every one of `needles`, with nothing on stdout.
fn rejected(o: &Outcome, needles: &[&str]) {
    o.assert_bad_input(needles);
    assert!(
        o.stdout.is_empty() || !o.stdout.contains(": ok"),
        "nothing belongs on stdout\n{}",
        o.describe()
    );
}

/// A sweep of MINIMAL (with `text` instead, if given) and `extra` is
/// rejected naming `needles`; no output directory appears.
fn reject_sweep(text: Option<&str>, extra: &[&str], needles: &[&str]) {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", text.unwrap_or(MINIMAL));
    let o = sb.sweep(&file, "out", extra);
    rejected(&o, &[&["tiny.toml"][..], needles].concat());
    sb.assert_no_output(&o);
}

/// `depinsim plan` of MINIMAL with `extra` after the usual target and key.
fn reject_plan(text: &str, extra: &[&str], needles: &[&str]) {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", text);
    let mut args: Vec<std::ffi::OsString> = vec![
        "plan".into(),
        file.into(),
        "--target".into(),
        "p95_wait_h<=0.5".into(),
        "--vary".into(),
        "supply.initial.A100".into(),
        "--out".into(),
        sb.out().into(),
    ];
    if let Some(i) = extra.iter().position(|a| *a == "--vary") {
        args[5] = extra[i + 1].into();
    }
    let extra: Vec<&str> = match extra.iter().position(|a| *a == "--vary") {
        Some(i) => [&extra[..i], &extra[i + 2..]].concat(),
        None => extra.to_vec(),
    };
    if !extra.contains(&"--range") {
        args.extend(["--range".into(), "8..32".into()]);
    }
    args.extend(extra.iter().map(Into::into));
    let o = sb.depinsim(&args);
    rejected(&o, needles);
    sb.assert_no_output(&o);
}

/// A finished run of MINIMAL with 2 replicates in `<sandbox>/NAME`.
fn result_dir(sb: &Sandbox, name: &str) -> PathBuf {
    let file = sb.write("tiny.toml", MINIMAL);
    let out = sb.path(name);
    let mut args: Vec<std::ffi::OsString> = vec!["run".into(), file.into(), "--out".into()];
    args.push(out.clone().into());
    args.extend(["--replications".into(), "2".into(), "--no-plots".into()]);
    sb.depinsim(&args).assert_code(0);
    out
}

/// Replaces `old` (once) by `new` in `dir/name`.
fn tamper(dir: &Path, name: &str, old: &str, new: &str) {
    let p = dir.join(name);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(old), "{old:?} not in {}", p.display());
    std::fs::write(&p, text.replacen(old, new, 1)).unwrap();
}

/// `depinsim ARGS` in `sb` is rejected naming `needles`, and leaves `dir`
/// exactly as it was.
fn reader_rejects(sb: &Sandbox, dir: &Path, args: &[&str], needles: &[&str]) {
    let before = snapshot(dir);
    let o = sb.depinsim(args);
    rejected(&o, needles);
    assert_eq!(
        snapshot(dir),
        before,
        "{} changed\n{}",
        dir.display(),
        o.describe()
    );
}

// ---------------------------------------------------------------------------
// Non-ASCII text where a byte-sliced parser panicked (exit 101).

#[test]
fn a_horizon_with_an_accented_unit() {
    reject_with(
        MINIMAL,
        &["scenario.horizon=\"5é\""],
        &["scenario.horizon", "unknown unit \"é\""],
    );
}

#[test]
fn a_sample_interval_in_microseconds() {
    reject_with(
        &minimal_with("sample_every = \"30m\"", "sample_every = \"1µs\""),
        &[],
        &["output.sample_every", "unknown unit \"µs\""],
    );
}

#[test]
fn a_warmup_of_an_emoji() {
    reject_with(
        &minimal_with("warmup = \"10m\"", "warmup = \"💥\""),
        &[],
        &["scenario.warmup", "has no unit"],
    );
}

#[test]
fn a_duration_with_a_combining_accent() {
    reject_with(
        &minimal_with("mean = \"30m\"", "mean = \"30m\u{301}\""),
        &[],
        &["workload[0].duration", "30m\\u{301}", "has no unit"],
    );
}

#[test]
fn a_duration_with_a_fullwidth_unit() {
    reject_with(
        MINIMAL,
        &["scenario.horizon=\"5ｈ\""],
        &["scenario.horizon", "unknown unit \"ｈ\""],
    );
}

#[test]
fn a_duration_with_a_cjk_number() {
    reject_with(
        MINIMAL,
        &["scenario.horizon=\"五h\""],
        &["scenario.horizon", "unknown unit \"五h\""],
    );
}

#[test]
fn a_duration_that_is_a_nul_byte() {
    reject_with(
        MINIMAL,
        &["scenario.horizon=\"\\u0000\""],
        &["scenario.horizon", "has no unit"],
    );
}

#[test]
fn an_ionet_minimum_bill_in_microseconds() {
    reject_with(
        MINIMAL,
        &["design.ionet.min_billed=\"1µs\""],
        &["design.ionet.min_billed", "unknown unit \"µs\""],
    );
}

#[test]
fn a_swept_duration_in_micro_days() {
    reject_sweep(
        None,
        &["--param", "scenario.horizon=1h,2µd"],
        &["scenario.horizon", "µd"],
    );
}

#[test]
fn a_swept_range_with_an_accented_bound() {
    reject_sweep(
        None,
        &["--param", "workload.train.arrivals.rate_per_hour=1é:5:1"],
        &["workload.train.arrivals.rate_per_hour"],
    );
}

#[test]
fn a_swept_duration_range_with_a_non_ascii_end() {
    reject_sweep(
        None,
        &["--param", "scenario.horizon=1h:5é:1h"],
        &["scenario.horizon"],
    );
}

#[test]
fn a_sweep_table_value_with_a_micro_sign() {
    let text = format!(
        "{MINIMAL}\n[sweep]\nparam = [{{ key = \"scenario.horizon\", values = [\"2h\", \"2µd\"] }}]\n"
    );
    reject_sweep(Some(&text), &[], &["scenario.horizon", "µd"]);
}

#[test]
fn a_shard_with_a_non_ascii_count() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.sweep(
        &file,
        "out",
        &["--param", "supply.initial.A100=8,16", "--shard", "1/2é"],
    );
    rejected(&o, &["--shard", "1/2é"]);
    sb.assert_no_output(&o);
}

#[test]
fn a_plan_range_with_an_accented_end() {
    reject_plan(
        MINIMAL,
        &["--range", "8..3é"],
        &["--range", "is not a number"],
    );
}

#[test]
fn a_plan_target_with_a_non_ascii_bound() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.depinsim(&[
        "plan".as_ref(),
        file.as_os_str(),
        "--target".as_ref(),
        "p95_wait_h<=0.5é".as_ref(),
        "--vary".as_ref(),
        "supply.initial.A100".as_ref(),
        "--range".as_ref(),
        "8..32".as_ref(),
    ]);
    rejected(&o, &["p95_wait_h<=0.5é"]);
    sb.assert_no_output(&o);
}

#[test]
fn a_set_key_with_non_ascii_segments() {
    reject_with(MINIMAL, &["scénario.horizon=\"2h\""], &["scénario"]);
}

// ---------------------------------------------------------------------------
// scenario.name names results/<name>/: it must stay one plain name.

fn reject_name(name: &str, needles: &[&str]) {
    let text = minimal_with("name = \"tiny\"", &format!("name = {name}"));
    reject_with(&text, &[], &[&["scenario.name"][..], needles].concat());
}

#[test]
fn a_name_that_climbs_out_of_results() {
    reject_name("\"../escaped\"", &["contains '/'"]);
}

#[test]
fn an_absolute_name() {
    reject_name("\"/tmp/elsewhere\"", &["contains '/'"]);
}

#[test]
fn a_name_that_is_dot_dot() {
    reject_name("\"..\"", &["starts with '.'"]);
}

#[test]
fn a_hidden_name() {
    reject_name("\".hidden\"", &["starts with '.'"]);
}

#[test]
fn a_name_with_a_backslash() {
    reject_name("'a\\b'", &["contains '\\\\'"]);
}

#[test]
fn a_name_with_a_newline() {
    reject_name("\"a\\nb\"", &["contains '\\n'"]);
}

#[test]
fn a_name_with_a_colon() {
    reject_name("\"C:x\"", &["contains ':'"]);
}

#[test]
fn a_name_of_300_characters() {
    reject_name(
        &format!("\"{}\"", "n".repeat(300)),
        &["300 bytes long", "at most 100"],
    );
}

#[test]
fn a_name_with_spaces_around_it() {
    reject_name("\" padded \"", &["starts or ends with a space"]);
}

#[test]
fn an_escaping_name_given_with_set() {
    let o = reject_with(
        MINIMAL,
        &["scenario.name=\"../escaped\""],
        &["scenario.name", "contains '/'"],
    );
    assert!(
        !o.stderr.contains("events"),
        "nothing was simulated\n{}",
        o.describe()
    );
}

#[test]
fn an_escaping_name_in_a_sweep_writes_nothing_anywhere() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path("inner")).unwrap();
    let file = sb.write("tiny.toml", MINIMAL);
    let mut args: Vec<std::ffi::OsString> = vec!["sweep".into(), file.into()];
    for a in [
        "--param",
        "supply.initial.A100=8,16",
        "--set",
        "scenario.name=\"../escaped\"",
    ] {
        args.push(a.into());
    }
    let o = Sandbox::depinsim(&sb, &args);
    rejected(&o, &["tiny.toml", "scenario.name", "contains '/'"]);
    assert!(!sb.path("escaped").exists() && !sb.path("results").exists());
}

#[test]
fn an_escaping_name_in_a_plan() {
    reject_plan(
        &minimal_with("name = \"tiny\"", "name = \"../up\""),
        &[],
        &["scenario.name", "contains '/'"],
    );
}

// ---------------------------------------------------------------------------
// Scenarios too large to run: refused with the estimate, before anything.

#[test]
fn four_billion_replications_in_a_run() {
    let o = reject_with(
        MINIMAL,
        &["scenario.replications=4294967295"],
        &["scenario.replications", "4.29e9 runs", "--max-runs"],
    );
    assert!(o.code == Some(2));
}

#[test]
fn four_billion_replications_on_the_command_line() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.run(&file, &["--replications", "4294967295"]);
    rejected(&o, &["tiny.toml", "scenario.replications", "--max-runs"]);
    sb.assert_no_output(&o);
}

#[test]
fn four_billion_replications_in_a_sweep() {
    reject_sweep(
        None,
        &[
            "--param",
            "supply.initial.A100=8,16",
            "--replications",
            "4294967295",
        ],
        &["scenario.replications", "8.59e9 runs", "--max-runs"],
    );
}

#[test]
fn four_billion_replications_in_a_plan() {
    reject_plan(
        MINIMAL,
        &["--replications", "4294967295"],
        &["scenario.replications", "--max-runs"],
    );
}

#[test]
fn fifty_million_gpus_with_churn_exceed_the_memory_bound() {
    let sb = Sandbox::new();
    let file = sb.write("base.toml", &baseline_text());
    let o = sb.run(
        &file,
        &[
            "--set",
            "supply.initial.A100=49990000",
            "--set",
            "scenario.horizon=\"1d\"",
            "--set",
            "scenario.warmup=\"1h\"",
            "--threads",
            "2",
        ],
    );
    rejected(
        &o,
        &["base.toml", "supply.initial", "of memory", "--max-memory"],
    );
    sb.assert_no_output(&o);
}

#[test]
fn a_billion_day_horizon_exceeds_the_work_bound() {
    reject_with(
        MINIMAL,
        &[
            "scenario.horizon=\"1000000000d\"",
            "output.sample_every=\"100000d\"",
        ],
        &["scenario.horizon", "3.36e11 expected jobs", "--max-"],
    );
}

#[test]
fn twenty_million_akash_bids() {
    let text = format!(
        "{}\n[design.akash]\nmax_bids = 20000000\n[[design.akash.provider]]\nshare = 1.0\nstrategy = \"cost_plus\"\nmarkup = {{ dist = \"uniform\", low = 0.1, high = 0.5 }}\n",
        minimal_with("designs = [\"ionet\"]", "designs = [\"akash\"]")
    );
    reject_with(&text, &[], &["design.akash.max_bids", "at most 10000"]);
}

#[test]
fn a_memory_limit_below_the_estimate() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.run(&file, &["--max-memory", "1M"]);
    rejected(&o, &["tiny.toml", "of memory", "limit of 1 MB"]);
    sb.assert_no_output(&o);
}

#[test]
fn an_event_limit_below_the_estimate() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.validate(&[&file], &["--max-events", "10"]);
    rejected(&o, &["tiny.toml", "simulation events", "--max-events"]);
}

#[test]
fn a_run_limit_below_a_sweeps_runs() {
    reject_sweep(
        None,
        &[
            "--param",
            "supply.initial.A100=8,16",
            "--replications",
            "3",
            "--max-runs",
            "5",
        ],
        &["6 runs", "limit of 5"],
    );
}

#[test]
fn a_memory_limit_that_is_not_a_size() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.run(&file, &["--max-memory", "8X"]);
    rejected(&o, &["--max-memory", "not a size"]);
    sb.assert_no_output(&o);
}

#[test]
fn a_run_limit_of_zero() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.run(&file, &["--max-runs", "0"]);
    rejected(&o, &["--max-runs", "at least 1"]);
    sb.assert_no_output(&o);
}

#[test]
fn a_plan_range_of_huge_integers() {
    reject_plan(
        MINIMAL,
        &["--vary", "scenario.seed", "--range", "1e16..1e17"],
        &["scenario.seed takes integers", "9e15"],
    );
}

// ---------------------------------------------------------------------------
// Traces: bounded, streaming, unambiguous.

const TRACE_SCENARIO: &str = r#"[scenario]
name = "trace"
horizon = "5h"
warmup = "0s"
seed = 3
replications = 1
designs = ["ionet"]
[[gpu_class]]
name = "X"
vram_gb = 80
cost_per_hour = 0.5
cloud_price_per_hour = 3.0
[supply]
initial = { X = 4 }
gpus_per_node = 4
[[workload]]
name = "jobs"
kind = "training"
arrivals = { process = "trace", file = "TRACE" }
gpu_class = ["X"]
max_price_per_gpu_hour = 10.0
[design.ionet]
price_per_gpu_hour = { X = 1.0 }
"#;

fn reject_trace(file: &str, trace: Option<&str>, needles: &[&str]) {
    let sb = Sandbox::new();
    if let Some(t) = trace {
        sb.write(file, t);
    }
    let sc = sb.write("trace.toml", &TRACE_SCENARIO.replace("TRACE", file));
    let o = sb.run(&sc, &[]);
    rejected(
        &o,
        &[&["trace.toml", "workload[0].arrivals.file"][..], needles].concat(),
    );
    sb.assert_no_output(&o);
    let v = sb.validate(&[&sc], &[]);
    rejected(&v, needles);
}

#[test]
fn a_trace_that_never_ends() {
    reject_trace("/dev/zero", None, &["/dev/zero", "longer than 65536 bytes"]);
}

#[test]
fn a_trace_with_a_column_twice() {
    reject_trace(
        "jobs.csv",
        Some("submit_s,gpus,duration_s,gpus\n0,1,60,2\n"),
        &["jobs.csv", "line 1", "\"gpus\" appears twice"],
    );
}

#[test]
fn a_trace_that_is_a_directory() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path("jobs.csv")).unwrap();
    let sc = sb.write("trace.toml", &TRACE_SCENARIO.replace("TRACE", "jobs.csv"));
    let o = sb.run(&sc, &[]);
    rejected(
        &o,
        &["trace.toml", "workload[0].arrivals.file", "directory"],
    );
    sb.assert_no_output(&o);
}

#[test]
fn a_trace_with_a_non_ascii_submit_time() {
    reject_trace(
        "jobs.csv",
        Some("submit_s,gpus,duration_s\n5é,1,60\n"),
        &["jobs.csv", "line 2", "submit_s", "5é"],
    );
}

#[test]
fn a_trace_with_binary_garbage() {
    reject_trace(
        "jobs.csv",
        Some("submit_s,gpus,duration_s\n\u{1}\u{2}\u{3},\u{fffd},\u{0}\n"),
        &["jobs.csv", "line 2", "submit_s"],
    );
}

// ---------------------------------------------------------------------------
// validate checks [sweep] tables exactly as sweep does.

fn reject_sweep_table(table: &str, needles: &[&str]) {
    let text = format!("{MINIMAL}\n{table}\n");
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", &text);
    let v = sb.validate(&[&file], &[]);
    rejected(&v, &[&["tiny.toml"][..], needles].concat());
    let s = sb.sweep(&file, "out", &[]);
    rejected(&s, &[&["tiny.toml"][..], needles].concat());
    sb.assert_no_output(&s);
}

#[test]
fn validate_checks_a_swept_key_that_does_not_exist() {
    reject_sweep_table(
        "[sweep]\nparam = [{ key = \"workload.train.arrivals.rate_per_hr\", values = [1, 2] }]",
        &["rate_per_hr"],
    );
}

#[test]
fn validate_checks_every_point_of_the_sweep_table() {
    reject_sweep_table(
        "[sweep]\nparam = [{ key = \"supply.initial.A100\", values = [8, -1] }]",
        &["supply.initial.A100"],
    );
}

#[test]
fn validate_checks_zipped_lists_of_different_lengths() {
    reject_sweep_table(
        "[sweep]\nmode = \"zip\"\nparam = [{ key = \"supply.initial.A100\", values = [8, 16] }, { key = \"supply.initial.RTX4090\", values = [8] }]",
        &["zip needs lists of the same length"],
    );
}

#[test]
fn validate_checks_the_sweep_tables_replications() {
    reject_sweep_table(
        "[sweep]\nreplications = 0\nparam = [{ key = \"supply.initial.A100\", values = [8, 16] }]",
        &["sweep.replications", "must be >= 1"],
    );
}

#[test]
fn validate_checks_the_sweep_tables_size() {
    reject_sweep_table(
        "[sweep]\nreplications = 4294967295\nparam = [{ key = \"supply.initial.A100\", values = [8, 16] }]",
        &["--max-runs"],
    );
}

#[test]
fn validate_checks_a_key_swept_twice() {
    reject_sweep_table(
        "[sweep]\nparam = [{ key = \"supply.initial.A100\", values = [8] }, { key = \"supply.initial.A100\", values = [16] }]",
        &["is swept twice"],
    );
}

#[test]
fn validate_checks_an_empty_value_list() {
    reject_sweep_table(
        "[sweep]\nparam = [{ key = \"supply.initial.A100\", values = [] }]",
        &["supply.initial.A100"],
    );
}

// ---------------------------------------------------------------------------
// Output directories a command may not replace (without --force).

/// `depinsim ARGS` is refused and leaves `dir` as it was.
fn refuses_to_replace(sb: &Sandbox, dir: &Path, args: &[std::ffi::OsString], needles: &[&str]) {
    let before = snapshot(dir);
    let o = sb.depinsim(args);
    rejected(&o, needles);
    assert_eq!(snapshot(dir), before, "{}", o.describe());
}

fn os(v: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<std::ffi::OsString> {
    v.iter().map(|a| a.as_ref().to_os_string()).collect()
}

#[test]
fn a_run_does_not_replace_files_it_did_not_write() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    std::fs::create_dir(sb.out()).unwrap();
    std::fs::write(sb.out().join("thesis.tex"), "years of work").unwrap();
    let args = os(&[&"run", &file, &"--out", &sb.out()]);
    refuses_to_replace(
        &sb,
        &sb.out(),
        &args,
        &["thesis.tex", "did not write", "--force"],
    );
}

#[test]
fn a_run_does_not_replace_a_sweep() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.sweep(
        &file,
        "out",
        &["--param", "supply.initial.A100=8,16", "--no-plots"],
    )
    .assert_code(0);
    let args = os(&[&"run", &file, &"--out", &sb.out()]);
    refuses_to_replace(
        &sb,
        &sb.out(),
        &args,
        &["holds a depinsim sweep", "--force"],
    );
}

#[test]
fn a_run_does_not_write_into_a_file() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    std::fs::write(sb.out(), "a file").unwrap();
    let o = sb.run(&file, &[]);
    rejected(&o, &["--out", "is not a directory"]);
    assert_eq!(std::fs::read_to_string(sb.out()).unwrap(), "a file");
}

#[test]
fn a_run_does_not_take_the_current_directory() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let before = sb.entries();
    let o = sb.depinsim(&os(&[&"run", &file, &"--out", &"."]));
    rejected(&o, &["--out .", "not a directory name"]);
    assert_eq!(sb.entries(), before);
}

#[test]
fn a_sweep_does_not_replace_a_run() {
    let sb = Sandbox::new();
    let out = result_dir(&sb, "out");
    let file = sb.path("tiny.toml");
    let args = os(&[
        &"sweep",
        &file,
        &"--param",
        &"supply.initial.A100=8,16",
        &"--out",
        &out,
    ]);
    refuses_to_replace(&sb, &out, &args, &["exists and is not empty", "--force"]);
}

#[test]
fn a_merge_does_not_replace_a_run() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    for k in 1..=2 {
        sb.sweep(
            &file,
            &format!("s{k}"),
            &[
                "--param",
                "supply.initial.A100=8,16",
                "--shard",
                &format!("{k}/2"),
                "--no-plots",
            ],
        )
        .assert_code(0);
    }
    let out = result_dir(&sb, "out");
    let args = os(&[&"merge", &"s1", &"s2", &"--out", &out]);
    refuses_to_replace(&sb, &out, &args, &["exists and is not empty", "--force"]);
}

#[test]
fn a_plan_does_not_replace_a_run() {
    let sb = Sandbox::new();
    let out = result_dir(&sb, "out");
    let file = sb.path("tiny.toml");
    let args = os(&[
        &"plan",
        &file,
        &"--target",
        &"p95_wait_h<=0.5",
        &"--vary",
        &"supply.initial.A100",
        &"--range",
        &"8..32",
        &"--out",
        &out,
    ]);
    refuses_to_replace(
        &sb,
        &out,
        &args,
        &["the result of a depinsim run", "--force"],
    );
}

#[test]
fn a_sweep_with_force_and_resume_is_a_usage_error() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.sweep(
        &file,
        "out",
        &["--param", "supply.initial.A100=8,16", "--force", "--resume"],
    );
    o.assert_no_panic().assert_code(2);
    o.assert_stderr_has(&["--force", "cannot be used with", "--resume"]);
    sb.assert_no_output(&o);
}

// ---------------------------------------------------------------------------
// Readers of result directories verify what they read.

#[test]
fn table_names_a_bad_aggregate_cell() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    let agg = std::fs::read_to_string(dir.join("aggregate.csv")).unwrap();
    // Same length, so only the cell check can see it.
    let line = agg.lines().nth(1).unwrap().to_string();
    let cells: Vec<&str> = line.split(',').collect();
    let mean = cells[3];
    let bad: String = format!("{}x", &mean[..mean.len() - 1]);
    tamper(&dir, "aggregate.csv", &line, &line.replacen(mean, &bad, 1));
    reader_rejects(
        &sb,
        &dir,
        &["table", "r"],
        &["aggregate.csv", "mean", "line 2", "expected a number"],
    );
}

#[test]
fn table_names_a_cut_short_aggregate() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    let p = dir.join("aggregate.csv");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    reader_rejects(&sb, &dir, &["table", "r"], &["aggregate.csv", "cut short"]);
}

#[test]
fn table_names_a_missing_aggregate_column() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    tamper(&dir, "aggregate.csv", "ci95_low", "ci95_lo_");
    // The manifest's length still matches: the column check names it.
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    reader_rejects(
        &sb,
        &dir,
        &["table", "r"],
        &["aggregate.csv", "ci95_low", "column missing"],
    );
}

#[test]
fn table_names_a_doubled_aggregate_column() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    tamper(
        &dir,
        "aggregate.csv",
        "point,design,metric,mean,sd,",
        "point,design,metric,mean,mean,",
    );
    reader_rejects(
        &sb,
        &dir,
        &["table", "r"],
        &["aggregate.csv", "mean", "appears twice"],
    );
}

#[test]
fn table_names_a_count_that_is_not_whole() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    let agg = std::fs::read_to_string(dir.join("aggregate.csv")).unwrap();
    let line = agg.lines().nth(1).unwrap().to_string();
    let mut cells: Vec<String> = line.split(',').map(String::from).collect();
    cells[5] = "2.5".into();
    tamper(&dir, "aggregate.csv", &line, &cells.join(","));
    reader_rejects(
        &sb,
        &dir,
        &["table", "r"],
        &["aggregate.csv", "n", "expected a whole number"],
    );
}

#[test]
fn table_names_a_bad_workloads_cell() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    let w = std::fs::read_to_string(dir.join("workloads.csv")).unwrap();
    let line = w.lines().nth(1).unwrap().to_string();
    let mut cells: Vec<String> = line.split(',').map(String::from).collect();
    cells[0] = "zero".into();
    tamper(&dir, "workloads.csv", &line, &cells.join(","));
    reader_rejects(
        &sb,
        &dir,
        &["table", "r", "--by-workload", "usd_per_gpu_hour"],
        &["workloads.csv", "point", "expected a whole number"],
    );
}

#[test]
fn table_refuses_an_unfinished_sweep() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.sweep(
        &file,
        "sw",
        &["--param", "supply.initial.A100=8,16", "--no-plots"],
    )
    .assert_code(0);
    tamper(
        &sb.path("sw"),
        "progress.json",
        "\"complete\": true",
        "\"complete\": false",
    );
    reader_rejects(
        &sb,
        &sb.path("sw"),
        &["table", "sw"],
        &["sw", "not finished", "--resume"],
    );
}

#[test]
fn table_refuses_a_manifest_cut_short() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    let p = dir.join("manifest.json");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 10]).unwrap();
    reader_rejects(
        &sb,
        &dir,
        &["table", "r"],
        &["manifest.json", "not valid JSON"],
    );
}

#[test]
fn plot_names_a_cut_short_summary() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    std::fs::remove_file(dir.join("aggregate.csv")).unwrap();
    let p = dir.join("summary.csv");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 7]).unwrap();
    reader_rejects(&sb, &dir, &["plot", "r"], &["summary.csv", "cut short"]);
    assert!(!dir.join("plots").exists());
}

#[test]
fn plot_names_a_bad_summary_cell() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    std::fs::remove_file(dir.join("aggregate.csv")).unwrap();
    let s = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let line = s.lines().nth(1).unwrap().to_string();
    let mut cells: Vec<String> = line.split(',').map(String::from).collect();
    cells[4] = "lots".into();
    tamper(&dir, "summary.csv", &line, &cells.join(","));
    reader_rejects(
        &sb,
        &dir,
        &["plot", "r"],
        &["summary.csv", "jobs_submitted", "line 2"],
    );
}

#[test]
fn plot_names_a_ragged_summary_row() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    std::fs::remove_file(dir.join("aggregate.csv")).unwrap();
    let s = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let line = s.lines().nth(2).unwrap().to_string();
    tamper(&dir, "summary.csv", &line, &format!("{line},extra"));
    reader_rejects(
        &sb,
        &dir,
        &["plot", "r"],
        &["summary.csv", "not a valid CSV file"],
    );
}

#[test]
fn plot_names_a_bad_time_in_the_timeseries() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    let t = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let line = t.lines().nth(1).unwrap().to_string();
    let mut cells: Vec<String> = line.split(',').map(String::from).collect();
    cells[2] = "noon".into();
    tamper(&dir, "timeseries.csv", &line, &cells.join(","));
    reader_rejects(
        &sb,
        &dir,
        &["plot", "r"],
        &["timeseries.csv", "t_h", "noon"],
    );
}

#[test]
fn plot_names_a_bad_wait_probability() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    let t = std::fs::read_to_string(dir.join("waits.csv")).unwrap();
    let line = t.lines().nth(1).unwrap().to_string();
    let mut cells: Vec<String> = line.split(',').map(String::from).collect();
    cells[3] = "half".into();
    tamper(&dir, "waits.csv", &line, &cells.join(","));
    reader_rejects(&sb, &dir, &["plot", "r"], &["waits.csv", "prob", "half"]);
}

#[test]
fn plot_refuses_a_directory_that_does_not_exist() {
    let sb = Sandbox::new();
    let o = sb.depinsim(&["plot", "nowhere"]);
    rejected(&o, &["nowhere", "cannot read the results directory"]);
    assert!(!sb.path("nowhere").exists());
}

#[test]
fn plot_refuses_a_file() {
    let sb = Sandbox::new();
    sb.write("file.csv", "point\n0\n");
    let o = sb.depinsim(&["plot", "file.csv"]);
    rejected(&o, &["file.csv", "is not a directory"]);
}

#[test]
fn plot_refuses_an_unfinished_sweep() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.sweep(
        &file,
        "sw",
        &["--param", "supply.initial.A100=8,16", "--no-plots"],
    )
    .assert_code(0);
    tamper(
        &sb.path("sw"),
        "progress.json",
        "\"complete\": true",
        "\"complete\": false",
    );
    reader_rejects(
        &sb,
        &sb.path("sw"),
        &["plot", "sw"],
        &["sw", "not finished"],
    );
}

#[test]
fn plot_refuses_a_manifest_that_is_not_an_object() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    std::fs::write(dir.join("manifest.json"), "[1, 2]").unwrap();
    reader_rejects(
        &sb,
        &dir,
        &["plot", "r"],
        &["manifest.json", "not a JSON object"],
    );
}

#[test]
fn report_names_a_cut_short_timeseries_and_writes_nothing() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    let p = dir.join("timeseries.csv");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 3]).unwrap();
    reader_rejects(
        &sb,
        &dir,
        &["report", "r"],
        &["timeseries.csv", "cut short"],
    );
}

#[test]
fn report_to_a_missing_directory_writes_nothing() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    reader_rejects(
        &sb,
        &dir,
        &["report", "r", "--out", "missing/x.html"],
        &["--out missing/x.html", "does not exist"],
    );
    assert!(!dir.join("plots").exists());
}

#[test]
fn report_to_a_directory_writes_nothing() {
    let sb = Sandbox::new();
    let dir = result_dir(&sb, "r");
    reader_rejects(
        &sb,
        &dir,
        &["report", "r", "--out", "r"],
        &["--out r", "is a directory"],
    );
}

#[test]
fn report_of_a_good_and_a_damaged_directory_writes_in_neither() {
    let sb = Sandbox::new();
    let good = result_dir(&sb, "good");
    let bad = result_dir(&sb, "bad");
    let p = bad.join("workloads.csv");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 1]).unwrap();
    let before = snapshot(&good);
    reader_rejects(
        &sb,
        &bad,
        &["report", "good", "bad"],
        &["workloads.csv", "cut short"],
    );
    assert_eq!(snapshot(&good), before);
}

#[test]
fn report_refuses_an_unfinished_sweep() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.sweep(
        &file,
        "sw",
        &["--param", "supply.initial.A100=8,16", "--no-plots"],
    )
    .assert_code(0);
    std::fs::remove_file(sb.path("sw/progress.json")).unwrap();
    reader_rejects(
        &sb,
        &sb.path("sw"),
        &["report", "sw"],
        &["sw", "not finished"],
    );
}

#[test]
fn report_refuses_a_finished_sweep_without_its_manifest() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.sweep(
        &file,
        "sw",
        &["--param", "supply.initial.A100=8,16", "--no-plots"],
    )
    .assert_code(0);
    std::fs::remove_file(sb.path("sw/manifest.json")).unwrap();
    reader_rejects(
        &sb,
        &sb.path("sw"),
        &["report", "sw"],
        &["manifest.json", "is missing"],
    );
}

/// Two finished shards of a 2-point sweep in `s1`, `s2`.
fn two_shards(sb: &Sandbox) {
    let file = sb.write("tiny.toml", MINIMAL);
    for k in 1..=2 {
        sb.sweep(
            &file,
            &format!("s{k}"),
            &[
                "--param",
                "supply.initial.A100=8,16",
                "--shard",
                &format!("{k}/2"),
                "--no-plots",
            ],
        )
        .assert_code(0);
    }
}

fn merge_rejects(sb: &Sandbox, needles: &[&str]) {
    let o = sb.depinsim(&["merge", "s1", "s2", "--out", "m"]);
    rejected(&o, needles);
    assert!(!sb.path("m").exists(), "{}", o.describe());
    let leftovers: Vec<String> = sb
        .entries()
        .into_iter()
        .filter(|e| e.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "left beside --out: {leftovers:?}");
}

#[test]
fn merge_names_a_cut_short_shard_summary() {
    let sb = Sandbox::new();
    two_shards(&sb);
    let p = sb.path("s2/summary.csv");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 5]).unwrap();
    merge_rejects(&sb, &["s2/summary.csv", "cut short"]);
}

#[test]
fn merge_names_a_damaged_shard_manifest() {
    let sb = Sandbox::new();
    two_shards(&sb);
    std::fs::write(sb.path("s1/manifest.json"), "{\"runs\": 3").unwrap();
    merge_rejects(&sb, &["s1/manifest.json", "not valid JSON"]);
}

#[test]
fn merge_names_a_shard_whose_journal_run_count_is_wrong() {
    let sb = Sandbox::new();
    two_shards(&sb);
    let p = sb.path("s2/progress.json");
    let text = std::fs::read_to_string(&p).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let runs = v["runs"].as_u64().unwrap();
    std::fs::write(
        &p,
        text.replacen(
            &format!("\"runs\": {runs}"),
            &format!("\"runs\": {}", runs + 1),
            1,
        ),
    )
    .unwrap();
    merge_rejects(&sb, &["s2/progress.json", "runs", "holds"]);
}

#[test]
fn merge_names_a_shard_with_rows_of_unknown_runs() {
    let sb = Sandbox::new();
    two_shards(&sb);
    // Same length: a run's design renamed in the time series.
    let p = sb.path("s1/timeseries.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replacen(",ionet,", ",ionex,", 1)).unwrap();
    merge_rejects(
        &sb,
        &[
            "s1/timeseries.csv",
            "rows of runs its summary does not have",
        ],
    );
}

#[test]
fn merge_names_a_shard_with_a_ragged_summary() {
    let sb = Sandbox::new();
    two_shards(&sb);
    std::fs::remove_file(sb.path("s1/manifest.json")).unwrap();
    let p = sb.path("s1/summary.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, format!("{text}1,2\n")).unwrap();
    merge_rejects(&sb, &["s1"]);
}

#[test]
fn report_checks_every_directory_before_it_draws_in_any() {
    // The second directory's time series has a bad cell of the same
    // length (the manifest's lengths still match): the first directory
    // must not get charts either.
    let sb = Sandbox::new();
    let good = result_dir(&sb, "good");
    let bad = result_dir(&sb, "bad");
    let t = std::fs::read_to_string(bad.join("timeseries.csv")).unwrap();
    let line = t.lines().last().unwrap().to_string();
    let mut cells: Vec<String> = line.split(',').map(String::from).collect();
    cells[4] = "x".repeat(cells[4].len());
    tamper(&bad, "timeseries.csv", &line, &cells.join(","));
    let before = snapshot(&good);
    reader_rejects(
        &sb,
        &bad,
        &["report", "good", "bad"],
        &["timeseries.csv", "gpus_online", "expected a number"],
    );
    assert_eq!(snapshot(&good), before);
}
