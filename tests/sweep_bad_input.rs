//! Bad input to `depinsim sweep` and `depinsim merge`, end to end with the
//! real binary, as `tests/bad_input.rs` does for `run`: every case exits
//! with code 2, says in stderr what is wrong and where, does not panic, and
//! writes nothing — no output directory, and existing directories unchanged.

mod common;

use common::{MINIMAL, Outcome, Sandbox, minimal_with};
use std::collections::BTreeMap;
use std::path::Path;

/// `depinsim sweep FILE --out <sandbox>/out EXTRA...`.
fn sweep(sb: &Sandbox, file: &Path, extra: &[&str]) -> Outcome {
    sb.sweep(file, "out", extra)
}

/// Checks `o` is a rejection naming every one of `needles`, with nothing on
/// stdout and no output directory.
fn rejected(sb: &Sandbox, o: &Outcome, needles: &[&str]) {
    o.assert_bad_input(needles);
    assert!(
        o.stdout.is_empty(),
        "nothing belongs on stdout\n{}",
        o.describe()
    );
    sb.assert_no_output(o);
}

/// `sweep` of [`MINIMAL`] with `extra` must be rejected naming the file and
/// every one of `needles`.
fn reject(extra: &[&str], needles: &[&str]) -> Outcome {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sweep(&sb, &file, extra);
    rejected(&sb, &o, needles);
    o.assert_stderr_has(&[&file.display().to_string()]);
    o
}

/// A sweep of [`MINIMAL`] with a `[sweep]` table `table` appended must be
/// rejected with `needles`.
fn reject_table(table: &str, needles: &[&str]) -> Outcome {
    let sb = Sandbox::new();
    let file = sb.write("table.toml", &format!("{MINIMAL}\n{table}"));
    let o = sweep(&sb, &file, &[]);
    rejected(&sb, &o, needles);
    o.assert_stderr_has(&[&file.display().to_string()]);
    o
}

/// Every file under `dir` (recursively: plots/ too) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
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

// ---------------------------------------------------------------------------
// Parameter paths.

#[test]
fn unknown_parameter_path_suggests_the_closest_keys() {
    reject(
        &["--param", "workload.train.arrivals.rate_per_hr=1,2"],
        &[
            "workload.train.arrivals.rate_per_hr",
            "unknown parameter path",
            "closest valid keys are workload.train.arrivals.rate_per_hour",
        ],
    );
    reject(
        &["--param", "supply.intial.A100=8,16"],
        &["unknown parameter path", "supply.initial.A100"],
    );
    reject(
        &["--param", "scenario.horizn=1d,2d"],
        &["unknown parameter path", "scenario.horizon"],
    );
}

#[test]
fn unknown_array_entry_is_named_with_a_suggestion() {
    reject(
        &["--param", "workload.trian.gpus=1,2"],
        &["no entry named \"trian\"", "did you mean \"train\"?"],
    );
    reject(&["--param", "workload.9.gpus=1,2"], &["out of range"]);
}

#[test]
fn the_sweep_table_cannot_be_swept() {
    reject(
        &["--param", "sweep.replications=2,3"],
        &["sweep.replications", "cannot be swept"],
    );
}

// ---------------------------------------------------------------------------
// Values.

#[test]
fn a_value_of_the_wrong_type_names_the_point() {
    reject(
        &["--param", "workload.train.gpus=2,1.5"],
        &[
            "workload[0].gpus",
            "at sweep point 1 (workload.train.gpus=1.5)",
            "expected a whole number",
        ],
    );
}

#[test]
fn a_duration_without_or_with_a_wrong_unit_is_rejected() {
    reject(
        &["--param", "scenario.horizon=2h,5x"],
        &[
            "scenario.horizon",
            "at sweep point 1",
            "duration \"5x\" has unknown unit \"x\"",
        ],
    );
    reject(
        &["--param", "scenario.horizon=5,10"],
        &[
            "got the number 5, which has no unit",
            "2 of 2 sweep points have problems",
        ],
    );
}

#[test]
fn an_impossible_combination_names_its_point() {
    reject(
        &["--param", "scenario.warmup=1h,3h"],
        &[
            "scenario.warmup",
            "at sweep point 1 (scenario.warmup=3h)",
            "must be shorter than scenario.horizon",
        ],
    );
}

#[test]
fn empty_lists_and_values_are_rejected() {
    reject(
        &["--param", "workload.train.gpus="],
        &["workload.train.gpus", "the list of values is empty"],
    );
    reject(
        &["--param", "workload.train.gpus=1,,2"],
        &["value 2 of \"1,,2\" is empty"],
    );
    reject(&["--param", "workload.train.gpus=1,2,"], &["value 3"]);
    reject(&["--param", "workload.train.gpus"], &["expected KEY=V1,V2"]);
}

#[test]
fn bad_ranges_are_explained() {
    let gpus = |r: &str| format!("workload.train.gpus={r}");
    reject(
        &["--param", &gpus("4:1:1")],
        &["range \"4:1:1\"", "LO must not exceed HI"],
    );
    reject(&["--param", &gpus("1:4:0")], &["step must be > 0"]);
    reject(&["--param", &gpus("1:64:x1")], &["factor must be > 1"]);
    reject(&["--param", &gpus("0:64:x2")], &["needs LO > 0"]);
    reject(&["--param", &gpus("0:1e9:1")], &["at most 100000"]);
    reject(
        &["--param", "scenario.horizon=1h:5h:1"],
        &["a range of durations needs a duration step"],
    );
}

#[test]
fn zip_needs_lists_of_the_same_length() {
    reject(
        &[
            "--zip",
            "--param",
            "workload.train.gpus=1,2",
            "--param",
            "workload.infer.gpus=1",
        ],
        &[
            "zip needs lists of the same length",
            "workload.train.gpus has 2",
            "workload.infer.gpus has 1",
        ],
    );
}

#[test]
fn a_parameter_swept_twice_is_rejected() {
    reject(
        &[
            "--param",
            "workload.train.gpus=1,2",
            "--param",
            "workload.train.gpus=2",
        ],
        &["workload.train.gpus", "is swept twice"],
    );
}

// ---------------------------------------------------------------------------
// The [sweep] table.

#[test]
fn sweep_table_problems_are_located() {
    reject_table(
        "[sweep]\n[[sweep.param]]\nkey = \"workload.train.gpus\"\nvalues = [1]\nrange = \"1:2:1\"\n",
        &["sweep.param[0]", "give exactly one of values"],
    );
    reject_table(
        "[sweep]\n[[sweep.param]]\nkey = \"workload.train.gpus\"\nvalues = []\n",
        &["sweep.param[0].values", "the list of values is empty"],
    );
    reject_table(
        "[sweep]\n[[sweep.param]]\nkey = \"workload.train.gpus\"\nrange = \"1:2\"\n",
        &["sweep.param[0].range", "is not a range"],
    );
    reject_table(
        "[sweep]\nmode = \"product\"\n",
        &["sweep.mode", "unknown value \"product\""],
    );
    reject_table(
        "[sweep]\nmodes = \"zip\"\n",
        &["modes: unknown key", "did you mean `mode`?"],
    );
    reject_table(
        "[sweep]\nreplications = 0\n",
        &["sweep.replications", "must be >= 1"],
    );
    reject_table(
        "[sweep]\n[[sweep.param]]\nkey = \"workload.train.gpu\"\nvalues = [1, 2]\n",
        &["unknown parameter path", "workload.train.gpus"],
    );
}

// ---------------------------------------------------------------------------
// Command-line options.

#[test]
fn bad_shard_specs_are_rejected() {
    for (spec, needle) in [
        ("0/3", "K must be between 1 and N = 3, got 0"),
        ("4/3", "K must be between 1 and N = 3, got 4"),
        ("a/b", "\"a/b\" is not a shard: expected K/N"),
        ("3", "\"3\" is not a shard"),
        ("1/0", "N must be at least 1"),
    ] {
        let sb = Sandbox::new();
        let file = sb.write("tiny.toml", MINIMAL);
        let o = sweep(&sb, &file, &["--shard", spec]);
        rejected(&sb, &o, &["--shard", needle]);
    }
}

#[test]
fn zero_threads_are_rejected() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sweep(&sb, &file, &["--threads", "0"]);
    rejected(&sb, &o, &["--threads must be at least 1"]);
}

#[test]
fn a_bad_base_scenario_is_rejected_before_sweeping() {
    let sb = Sandbox::new();
    let file = sb.write("bad.toml", &minimal_with("gpus = 2", "gpus = 0"));
    let o = sweep(&sb, &file, &["--param", "supply.initial.A100=8,16"]);
    rejected(&sb, &o, &["bad.toml", "workload[0].gpus", "must be >= 1"]);
}

// ---------------------------------------------------------------------------
// Output directories and --resume.

#[test]
fn a_directory_with_other_files_is_not_overwritten() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    std::fs::create_dir(sb.out()).unwrap();
    std::fs::write(sb.out().join("notes.txt"), "mine").unwrap();
    let before = snapshot(&sb.out());
    let o = sweep(&sb, &file, &["--param", "supply.initial.A100=8,16"]);
    o.assert_bad_input(&["exists and is not empty", "notes.txt"]);
    assert_eq!(snapshot(&sb.out()), before);
}

#[test]
fn an_existing_sweep_needs_resume() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let grid = ["--param", "supply.initial.A100=8,16"];
    sweep(&sb, &file, &grid).assert_code(0);
    let before = snapshot(&sb.out());
    let o = sweep(&sb, &file, &grid);
    o.assert_bad_input(&["holds a sweep already (complete)", "pass --resume"]);
    assert_eq!(snapshot(&sb.out()), before);
}

#[test]
fn resume_refuses_a_different_sweep_and_says_what_differs() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let grid = ["--param", "supply.initial.A100=8,16"];
    sweep(&sb, &file, &grid).assert_code(0);
    let before = snapshot(&sb.out());
    for (extra, needle) in [
        (
            vec!["--param", "supply.initial.A100=8,24"],
            "the values of supply.initial.A100 differ",
        ),
        (
            vec!["--param", "supply.initial.RTX4090=8,16"],
            "the swept parameters differ: was [supply.initial.A100], now [supply.initial.RTX4090]",
        ),
        (
            vec!["--param", "supply.initial.A100=8,16", "--seed", "9"],
            "the scenario differs at scenario.seed: was 1, now 9",
        ),
        (
            vec!["--param", "supply.initial.A100=8,16", "--replications", "2"],
            "the scenario differs at scenario.replications: was 1, now 2",
        ),
        (
            vec!["--param", "supply.initial.A100=8,16", "--shard", "1/2"],
            "it is the whole sweep, not one of 2 shards",
        ),
    ] {
        let o = sweep(&sb, &file, &[&extra[..], &["--resume"]].concat());
        o.assert_bad_input(&["--resume", "holds a different sweep", needle]);
        assert_eq!(
            snapshot(&sb.out()),
            before,
            "{extra:?} changed the directory"
        );
    }
}

#[test]
fn a_sweep_of_the_old_format_is_refused_naming_it() {
    // Format 1 had no workloads.csv: resuming such a directory would leave
    // its finished runs without workloads rows.
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let grid = ["--param", "supply.initial.A100=8,16", "--no-plots"];
    sweep(&sb, &file, &grid).assert_code(0);
    let record = sb.out().join("sweep.json");
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(text.contains("\"depinsim-sweep/2\""), "{text}");
    std::fs::write(
        &record,
        text.replace("\"depinsim-sweep/2\"", "\"depinsim-sweep/1\""),
    )
    .unwrap();
    std::fs::remove_file(sb.out().join("workloads.csv")).unwrap();
    let before = snapshot(&sb.out());
    let o = sweep(&sb, &file, &[&grid[..], &["--resume"]].concat());
    o.assert_bad_input(&[
        "sweep.json: sweep format \"depinsim-sweep/1\"",
        "without workloads.csv",
        "this depinsim reads \"depinsim-sweep/2\"",
        "run the sweep again in a new directory",
    ]);
    assert_eq!(snapshot(&sb.out()), before);
}

// ---------------------------------------------------------------------------
// merge.

/// A sandbox with `tiny.toml` and the three shards of a 2-point sweep in
/// `s1`, `s2`, `s3`.
fn shards() -> (Sandbox, std::path::PathBuf) {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    for k in 1..=3 {
        let shard = format!("{k}/3");
        sb.sweep(
            &file,
            &format!("s{k}"),
            &[
                "--param",
                "supply.initial.A100=8,16",
                "--replications",
                "3",
                "--shard",
                &shard,
            ],
        )
        .assert_code(0);
    }
    (sb, file)
}

/// `depinsim merge DIRS... --out <sandbox>/out` must be rejected with
/// `needles`, leaving no `out`.
fn reject_merge(sb: &Sandbox, dirs: &[&str], needles: &[&str]) {
    let mut args = vec!["merge"];
    args.extend(dirs);
    let out = sb.out();
    let out = out.to_str().unwrap();
    args.extend(["--out", out]);
    let o = sb.depinsim(&args);
    rejected(sb, &o, &[&["merge:"][..], needles].concat());
}

#[test]
fn merge_refuses_shards_of_different_sweeps() {
    let (sb, file) = shards();
    sb.sweep(
        &file,
        "other2",
        &[
            "--param",
            "supply.initial.A100=8,16",
            "--replications",
            "3",
            "--shard",
            "2/3",
            "--seed",
            "5",
        ],
    )
    .assert_code(0);
    reject_merge(
        &sb,
        &["s1", "other2", "s3"],
        &[
            "s1 (shard 1/3) and other2 (shard 2/3) are not shards of the same sweep",
            "the scenario differs at scenario.seed: was 1, now 5",
        ],
    );
    sb.sweep(
        &file,
        "half",
        &[
            "--param",
            "supply.initial.A100=8,16",
            "--replications",
            "3",
            "--shard",
            "1/2",
        ],
    )
    .assert_code(0);
    reject_merge(
        &sb,
        &["s1", "half"],
        &[
            "are not shards of the same sweep",
            "split into 3 shards, not 2",
        ],
    );
}

#[test]
fn merge_refuses_duplicates_and_missing_shards() {
    let (sb, _) = shards();
    reject_merge(
        &sb,
        &["s1", "s2"],
        &["shard 3/3 missing", "have 1/3 in", "2/3 in"],
    );
    reject_merge(&sb, &["s2"], &["shards 1/3, 3/3 missing"]);
    reject_merge(&sb, &["s1", "s2", "s2", "s3"], &["is given twice"]);
    let copy = sb.path("s2copy");
    std::fs::create_dir(&copy).unwrap();
    for (name, bytes) in snapshot(&sb.path("s2")) {
        std::fs::write(copy.join(name), bytes).unwrap();
    }
    reject_merge(
        &sb,
        &["s1", "s2", "s2copy", "s3"],
        &["shard 2/3 is given twice", "s2", "s2copy"],
    );
}

#[test]
fn merge_refuses_unfinished_and_foreign_directories() {
    let (sb, _) = shards();
    let progress = sb.path("s3/progress.json");
    let text = std::fs::read_to_string(&progress).unwrap();
    std::fs::write(
        &progress,
        text.replace("\"complete\": true", "\"complete\": false"),
    )
    .unwrap();
    reject_merge(
        &sb,
        &["s1", "s2", "s3"],
        &["s3 is not finished", "--shard 3/3 --resume"],
    );
    std::fs::create_dir(sb.path("plain")).unwrap();
    reject_merge(
        &sb,
        &["s1", "s2", "plain"],
        &["plain is not a sweep directory"],
    );
}

#[test]
fn merge_does_not_write_into_a_shard_or_a_full_directory() {
    let (sb, _) = shards();
    let before = snapshot(&sb.path("s1"));
    let o = sb.depinsim(&["merge", "s1", "s2", "s3", "--out", "s1"]);
    o.assert_bad_input(&["merge:", "--out s1 is one of the shards"]);
    assert_eq!(snapshot(&sb.path("s1")), before);
    std::fs::create_dir(sb.path("full")).unwrap();
    std::fs::write(sb.path("full/x.csv"), "x").unwrap();
    let o = sb.depinsim(&["merge", "s1", "s2", "s3", "--out", "full"]);
    o.assert_bad_input(&["exists and is not empty", "x.csv"]);
    assert_eq!(snapshot(&sb.path("full")).len(), 1);
}

#[test]
fn merge_refuses_shards_missing_a_file_or_of_the_old_format() {
    let (sb, _) = shards();
    for name in ["workloads.csv", "summary.csv", "timeseries.csv"] {
        let path = sb.path("s2").join(name);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        reject_merge(
            &sb,
            &["s1", "s2", "s3"],
            &[&format!("s2 is finished but has no {name}"), "damaged"],
        );
        std::fs::write(&path, bytes).unwrap();
    }
    let record = sb.path("s3/sweep.json");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(
        &record,
        text.replace("\"depinsim-sweep/2\"", "\"depinsim-sweep/1\""),
    )
    .unwrap();
    reject_merge(
        &sb,
        &["s1", "s2", "s3"],
        &["sweep format \"depinsim-sweep/1\"", "without workloads.csv"],
    );
}
