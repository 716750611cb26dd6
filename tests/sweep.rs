//! `depinsim sweep` and `depinsim merge`, end to end with the real binary:
//! the same bytes at 1 and 2 threads, shards merged equal to one machine,
//! a killed sweep resumed equal to an uninterrupted one (for `summary.csv`,
//! `aggregate.csv`, `timeseries.csv` and `workloads.csv`), a sweep point
//! equal to a plain run, common random numbers across points, the `[sweep]` table equal to the command line, and
//! the bundled sweep examples running as they are.

mod common;

use common::{AGGREGATE_COLUMNS, MINIMAL, SWEEP_GRID as GRID, Sandbox, edit, read_csv};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FILES: [&str; 4] = [
    "summary.csv",
    "aggregate.csv",
    "timeseries.csv",
    "workloads.csv",
];

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

fn col(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn assert_same_files(a: &Path, b: &Path, what: &str) {
    for name in FILES {
        let (x, y) = (read(a, name), read(b, name));
        assert!(x.len() > 100, "{name} is suspiciously small");
        assert!(x == y, "{name} differs: {what}");
    }
}

#[test]
fn threads_1_and_2_write_identical_files() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let one = sb.sweep(&file, "t1", &[&GRID[..], &["--threads", "1"]].concat());
    one.assert_no_panic().assert_code(0);
    sb.sweep(&file, "t2", &[&GRID[..], &["--threads", "2"]].concat())
        .assert_code(0);
    assert_same_files(&sb.path("t1"), &sb.path("t2"), "--threads 1 vs 2");

    // Not a terminal: no progress bar, one closing line.
    let lines: Vec<&str> = one.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", one.describe());
    assert!(
        lines[0].starts_with("depinsim: sweep of 6 points (18 runs): 18 runs done"),
        "{}",
        lines[0]
    );

    // Rows in run order, swept values as the last columns, grid order with
    // the first parameter slowest.
    let (h, rows) = read_csv(&sb.path("t1/summary.csv"));
    assert_eq!(rows.len(), 18);
    assert_eq!(
        &h[h.len() - 2..],
        [
            "workload.train.arrivals.rate_per_hour",
            "supply.initial.A100"
        ]
    );
    let (p, r, rate, a100) = (
        col(&h, "point"),
        col(&h, "replicate"),
        h.len() - 2,
        h.len() - 1,
    );
    for (i, row) in rows.iter().enumerate() {
        let point = i / 3;
        assert_eq!(row[p], point.to_string());
        assert_eq!(row[r], (i % 3).to_string());
        assert_eq!(row[rate], ["2", "4", "6"][point / 2]);
        assert_eq!(row[a100], ["8", "16"][point % 2]);
    }
    // workloads.csv: per run its workloads in scenario order, in run
    // order, with the same parameter columns as summary.csv.
    let (wh, wrows) = read_csv(&sb.path("t1/workloads.csv"));
    assert_eq!(wrows.len(), 18 * 2, "18 runs × 2 workloads");
    assert_eq!(&wh[wh.len() - 2..], &h[h.len() - 2..]);
    let (wp, wr, ww) = (
        col(&wh, "point"),
        col(&wh, "replicate"),
        col(&wh, "workload"),
    );
    for (i, row) in wrows.iter().enumerate() {
        let run = &rows[i / 2];
        assert_eq!(row[wp], run[p], "row {i}");
        assert_eq!(row[wr], run[r], "row {i}");
        assert_eq!(row[ww], ["train", "infer"][i % 2], "row {i}");
        assert_eq!(&row[wh.len() - 2..], &run[h.len() - 2..], "row {i}");
    }
    let (ah, arows) = read_csv(&sb.path("t1/aggregate.csv"));
    assert_eq!(&ah[..8], AGGREGATE_COLUMNS);
    assert_eq!(&ah[8..], &h[h.len() - 2..]);
    let jobs: Vec<&Vec<String>> = arows.iter().filter(|a| a[2] == "jobs_submitted").collect();
    assert_eq!(jobs.len(), 6);
    assert!(jobs.iter().all(|a| a[5] == "3"));
    assert!(
        !arows.iter().any(|a| a[2] == "supply.initial.A100"),
        "a swept parameter is not a metric"
    );

    // The manifest lists every run with the seed summary.csv shows.
    let m = json(&sb.path("t1/manifest.json"));
    let runs = m["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 18);
    let seed = col(&h, "seed");
    for (run, row) in runs.iter().zip(&rows) {
        assert_eq!(run["seed"].as_u64().unwrap().to_string(), row[seed]);
    }
    assert_eq!(m["sweep"]["points"], 6);
    assert_eq!(m["sweep"]["mode"], "grid");
}

#[test]
fn three_shards_merged_equal_the_unsharded_sweep() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.sweep(&file, "whole", &[&GRID[..], &["--threads", "2"]].concat())
        .assert_code(0);
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let o = sb.sweep(
            &file,
            &format!("shard{k}"),
            &[&GRID[..], &["--shard", &shard, "--threads", "1"]].concat(),
        );
        o.assert_no_panic().assert_code(0);
        let (_, rows) = read_csv(&sb.path(&format!("shard{k}/summary.csv")));
        assert_eq!(rows.len(), 6, "shard {shard} holds a third of the 18 runs");
        let (_, wrows) = read_csv(&sb.path(&format!("shard{k}/workloads.csv")));
        assert_eq!(wrows.len(), 12, "shard {shard}: 6 runs × 2 workloads");
        assert!(
            !sb.path(&format!("shard{k}/aggregate.csv")).exists(),
            "a shard cannot aggregate replicates it does not hold"
        );
        assert!(
            !sb.path(&format!("shard{k}/report.html")).exists(),
            "a shard's report would show a third of the sweep"
        );
    }
    let merged = sb.depinsim(&["merge", "shard3", "shard1", "shard2", "--out", "merged"]);
    merged.assert_no_panic().assert_code(0);
    merged.assert_stderr_has(&["merged 3 shards: 18 runs of 6 points"]);
    assert_same_files(
        &sb.path("whole"),
        &sb.path("merged"),
        "merged shards vs one machine",
    );
    let m = json(&sb.path("merged/manifest.json"));
    assert_eq!(m["runs"].as_array().unwrap().len(), 18);
    assert_eq!(m["sweep"]["shard"], "1/1");

    // The merged directory is a complete sweep like any other.
    let again = sb.sweep(&file, "merged", &[&GRID[..], &["--resume"]].concat());
    again
        .assert_code(0)
        .assert_stderr_has(&["already complete"]);
}

#[test]
fn common_random_numbers_hold_across_points() {
    // The fleet size does not change demand: replicate r of every point
    // must see the same jobs, and so report the same seed and arrivals.
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.sweep(
        &file,
        "out",
        &[
            "--param",
            "supply.initial.A100=8,16,24",
            "--replications",
            "3",
        ],
    )
    .assert_code(0);
    let (h, rows) = read_csv(&sb.path("out/summary.csv"));
    let (seed, jobs, rep) = (
        col(&h, "seed"),
        col(&h, "jobs_submitted"),
        col(&h, "replicate"),
    );
    let of = |point: usize, r: usize| &rows[point * 3 + r];
    for r in 0..3 {
        for point in 1..3 {
            assert_eq!(of(point, r)[rep], r.to_string());
            assert_eq!(of(point, r)[seed], of(0, r)[seed], "seed of replicate {r}");
            assert_eq!(
                of(point, r)[jobs],
                of(0, r)[jobs],
                "arrivals of replicate {r}"
            );
        }
    }
    assert_ne!(
        of(0, 0)[seed],
        of(0, 1)[seed],
        "replicates have their own seeds"
    );
    // The fleet does change the outcome (otherwise the sweep tests nothing).
    let wait = col(&h, "utilization");
    assert_ne!(of(0, 0)[wait], of(2, 0)[wait]);
}

#[test]
fn a_sweep_point_equals_a_run_with_its_values() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.sweep(
        &file,
        "sw",
        &["--param", "supply.initial.A100=8,16", "--replications", "2"],
    )
    .assert_code(0);
    sb.run(
        &file,
        &["--set", "supply.initial.A100=16", "--replications", "2"],
    )
    .assert_code(0);
    let (h, sweep_rows) = read_csv(&sb.path("sw/summary.csv"));
    let (rh, run_rows) = read_csv(&sb.out().join("summary.csv"));
    assert_eq!(
        &h[..h.len() - 1],
        &rh[..],
        "the sweep adds only its parameter"
    );
    let point = col(&h, "point");
    assert_eq!(sweep_rows.len(), 4);
    assert_eq!(run_rows.len(), 2);
    for (s, r) in sweep_rows[2..].iter().zip(&run_rows) {
        assert_eq!(s[point], "1");
        assert_eq!(r[point], "0");
        for c in (0..rh.len()).filter(|&c| c != point) {
            assert_eq!(s[c], r[c], "column {}", rh[c]);
        }
        assert_eq!(s[h.len() - 1], "16", "the swept value");
    }

    // The same for workloads.csv: point 1 holds 2 replicates × 2 workloads.
    let (h, sweep_rows) = read_csv(&sb.path("sw/workloads.csv"));
    let (rh, run_rows) = read_csv(&sb.out().join("workloads.csv"));
    assert_eq!(
        &h[..h.len() - 1],
        &rh[..],
        "the sweep adds only its parameter to workloads.csv"
    );
    assert_eq!(h[h.len() - 1], "supply.initial.A100");
    assert_eq!(sweep_rows.len(), 8);
    assert_eq!(run_rows.len(), 4);
    let point = col(&h, "point");
    for (s, r) in sweep_rows[4..].iter().zip(&run_rows) {
        assert_eq!(s[point], "1");
        assert_eq!(r[point], "0");
        for c in (0..rh.len()).filter(|&c| c != point) {
            assert_eq!(s[c], r[c], "workloads.csv column {}", rh[c]);
        }
        assert_eq!(s[h.len() - 1], "16", "the swept value");
    }
    for s in &sweep_rows[..4] {
        assert_eq!(s[point], "0");
        assert_eq!(s[h.len() - 1], "8");
    }
}

#[test]
fn the_sweep_table_equals_the_command_line() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let table = format!(
        "{MINIMAL}\n[sweep]\nreplications = 3\n\n\
         [[sweep.param]]\nkey = \"workload.train.arrivals.rate_per_hour\"\nrange = \"2:6:2\"\n\n\
         [[sweep.param]]\nkey = \"supply.initial.A100\"\nvalues = [8, 16]\n"
    );
    let with_table = sb.write("table.toml", &table);
    sb.sweep(&file, "cli", &GRID).assert_code(0);
    sb.sweep(&with_table, "file", &[]).assert_code(0);
    for name in FILES {
        assert!(
            read(&sb.path("cli"), name) == read(&sb.path("file"), name),
            "{name}: [sweep] table vs --param"
        );
    }
    // Zip, from the file and from --zip.
    let zipped = edit(&table, "[sweep]\n", "[sweep]\nmode = \"zip\"\n");
    let zipped = edit(&zipped, "values = [8, 16]", "values = [8, 16, 24]");
    let zipped = sb.write("zip.toml", &zipped);
    sb.sweep(&zipped, "zfile", &[]).assert_code(0);
    sb.sweep(
        &file,
        "zcli",
        &[
            "--zip",
            "--param",
            "workload.train.arrivals.rate_per_hour=2,4,6",
            "--param",
            "supply.initial.A100=8:24:8",
            "--replications",
            "3",
        ],
    )
    .assert_code(0);
    let (_, rows) = read_csv(&sb.path("zfile/summary.csv"));
    assert_eq!(rows.len(), 9, "zip: 3 points × 3 replicates");
    assert!(read(&sb.path("zfile"), "summary.csv") == read(&sb.path("zcli"), "summary.csv"));
    // --zip turns a file's grid into a zip.
    let grid3 = sb.write(
        "grid3.toml",
        &edit(&table, "values = [8, 16]", "values = [8, 16, 24]"),
    );
    sb.sweep(&grid3, "zflag", &["--zip"]).assert_code(0);
    assert!(read(&sb.path("zflag"), "summary.csv") == read(&sb.path("zcli"), "summary.csv"));
}

#[test]
fn the_bundled_sweep_examples_run_as_they_are() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 2,
        "scenarios/sweeps/ holds at least two examples"
    );
    let sb = Sandbox::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.contains("[sweep]"),
            "{} has a [sweep] table",
            f.display()
        );
        // The 3-year sector-growth sweep runs here shortened, its B200
        // generation arriving within the shorter horizon.
        let short: &[&str] = if f.ends_with("sector-growth.toml") {
            &[
                "--set",
                "scenario.horizon=12d",
                "--set",
                "scenario.warmup=1d",
                "--set",
                "gpu_class.4.available_from=6d",
                "--replications",
                "1",
            ]
        } else {
            &[]
        };
        let o = sb.sweep(&f, "ex", short);
        o.assert_no_panic().assert_code(0);
        let m = json(&sb.path("ex/manifest.json"));
        let (_, rows) = read_csv(&sb.path("ex/summary.csv"));
        assert_eq!(rows.len() as u64, m["sweep"]["runs"].as_u64().unwrap());
        assert!(m["sweep"]["points"].as_u64().unwrap() >= 2);
        std::fs::remove_dir_all(sb.path("ex")).unwrap();
    }
}

/// A sweep long enough to interrupt: 29 points × 4 replicates of M/M/c.
fn long_sweep_args(out: &Path, threads: &str) -> Vec<std::ffi::OsString> {
    let mmc = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc.toml");
    let mut v: Vec<std::ffi::OsString> = vec!["sweep".into(), mmc.into()];
    for a in [
        "--param",
        "workload.jobs.arrivals.rate_per_hour=6:13:0.25",
        "--set",
        "scenario.horizon=300d",
        "--set",
        "output.sample_every=10d",
        "--replications",
        "4",
        "--threads",
        threads,
        "--out",
    ] {
        v.push(a.into());
    }
    v.push(out.into());
    v
}

fn spawn(args: &[std::ffi::OsString]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_depinsim"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting depinsim")
}

/// Runs done according to the journal (0 before the first commit).
fn committed(out: &Path) -> u64 {
    std::fs::read(out.join("progress.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["runs_done"].as_u64())
        .unwrap_or(0)
}

/// Waits until the journal shows more than `than` runs, then stops the
/// process with `signal` (`KILL`, `TERM`); returns the runs committed.
fn interrupt_after(child: &mut Child, out: &Path, than: u64, signal: &str) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    while committed(out) <= than {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it could be interrupted"
        );
        assert!(Instant::now() < deadline, "no progress within 60 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("running kill");
    assert!(status.success());
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the sweep finished before SIG{signal} reached it (the machine is very busy?)"
    );
    committed(out)
}

#[test]
fn a_killed_sweep_resumes_to_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, whole) = (tmp.path().join("out"), tmp.path().join("whole"));

    let mut first = spawn(&long_sweep_args(&out, "1"));
    let k0 = interrupt_after(&mut first, &out, 0, "KILL");
    let total = 29 * 4;
    assert!(k0 < total, "killed mid-sweep: {k0} of {total} runs done");
    assert!(
        !out.join("summary.csv").exists(),
        "no complete-looking summary.csv before the end"
    );

    // Resume, and interrupt again, as a batch system's time limit does
    // (SIGTERM; Ctrl-C's SIGINT has the same default action, but a test run
    // in the background may inherit SIGINT ignored). One thread, so that
    // plenty of runs remain when the journal first moves on.
    let mut second = spawn(&[long_sweep_args(&out, "1"), vec!["--resume".into()]].concat());
    let k1 = interrupt_after(&mut second, &out, k0, "TERM");
    assert!(k0 < k1 && k1 < total, "{k0} < {k1} < {total}");

    let third = Command::new(env!("CARGO_BIN_EXE_depinsim"))
        .args([long_sweep_args(&out, "2"), vec!["--resume".into()]].concat())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert!(third.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} runs done (resumed: {k1} were done before)",
            total - k1
        )),
        "{stderr}"
    );
    let reference = Command::new(env!("CARGO_BIN_EXE_depinsim"))
        .args(long_sweep_args(&whole, "2"))
        .output()
        .unwrap();
    assert!(reference.status.success());
    assert_same_files(&whole, &out, "killed and resumed vs uninterrupted");

    // No run was done twice: each session ran exactly what it committed.
    let m = json(&out.join("manifest.json"));
    let sessions: Vec<u64> = m["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["runs"].as_u64().unwrap())
        .collect();
    assert_eq!(sessions, [k0, k1 - k0, total - k1]);
    let runs = m["runs"].as_array().unwrap();
    assert_eq!(runs.len() as u64, total);
    for (s, &n) in sessions.iter().enumerate() {
        let ran = runs.iter().filter(|r| r["session"] == s).count() as u64;
        assert_eq!(ran, n, "runs of session {s}");
    }
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial") || n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn a_sweep_ends_with_charts_and_a_report_unless_told_not_to() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.sweep(&file, "plotted", &GRID);
    o.assert_code(0)
        .assert_stderr_has(&["charts in plots/, report in"]);
    let report = std::fs::read_to_string(sb.path("plotted/report.html")).unwrap();
    assert!(
        report.contains("<svg") || report.contains(".svg"),
        "no chart in the report"
    );
    let charts = std::fs::read_dir(sb.path("plotted/plots")).unwrap().count();
    assert!(charts > 0, "no charts drawn");

    sb.sweep(&file, "bare", &[&GRID[..], &["--no-plots"]].concat())
        .assert_code(0);
    assert!(!sb.path("bare/plots").exists());
    assert!(!sb.path("bare/report.html").exists());
    // Charts do not touch the results.
    assert_same_files(&sb.path("plotted"), &sb.path("bare"), "--no-plots");
}
