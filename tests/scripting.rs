//! depinsim from scripts: `table --format csv|json`, tables of one
//! replicate, the list of metrics on a wrong `--metric`, a sweep point's
//! parameters, `--by-param`, `--quiet`, and the resume hint on Ctrl-C.

mod common;

use common::{MINIMAL, Sandbox, read_csv};

fn run_tiny(sb: &Sandbox, out: &str, reps: &str) {
    let f = sb.write("tiny.toml", MINIMAL);
    let path = sb.path(out).display().to_string();
    sb.depinsim(&[
        "run",
        &f.display().to_string(),
        "--out",
        &path,
        "--no-plots",
        "--replications",
        reps,
    ])
    .assert_code(0);
}

#[test]
fn table_formats_carry_the_aggregate_numbers() {
    let sb = Sandbox::new();
    run_tiny(&sb, "r", "3");
    let (h, rows) = read_csv(&sb.path("r/aggregate.csv"));
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let want = rows
        .iter()
        .find(|r| r[col("metric")] == "usd_per_gpu_hour")
        .unwrap();
    // CSV: one record per cell, the aggregate's numbers.
    let o = sb.depinsim(&[
        "table",
        "r",
        "--format",
        "csv",
        "--metric",
        "usd_per_gpu_hour",
    ]);
    o.assert_code(0);
    let mut lines = o.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("point,metric,design,mean,ci95_low,ci95_high,n")
    );
    let rec: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(rec[..3], ["0", "usd_per_gpu_hour", "ionet"]);
    let close = |a: &str, b: &str| {
        let (a, b): (f64, f64) = (a.parse().unwrap(), b.parse().unwrap());
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    };
    assert!(close(rec[3], &want[col("mean")]));
    assert!(close(rec[4], &want[col("ci95_low")]));
    assert_eq!(rec[6], "3");
    // JSON: the same records.
    let o = sb.depinsim(&["table", "r", "--format", "json"]);
    o.assert_code(0);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    let cells = v.as_array().unwrap();
    let cost = cells
        .iter()
        .find(|c| c["metric"] == "usd_per_gpu_hour")
        .unwrap();
    assert_eq!(cost["n"], 3);
    assert_eq!(cost["design"], "ionet");
    assert!(close(&cost["mean"].to_string(), &want[col("mean")]));
}

#[test]
fn a_table_of_one_replicate_shows_values_without_intervals() {
    let sb = Sandbox::new();
    run_tiny(&sb, "one", "1");
    assert!(!sb.path("one/aggregate.csv").exists());
    let o = sb.depinsim(&["table", "one"]);
    o.assert_code(0)
        .assert_stdout_has(&["one replicate: values, no CI"]);
    assert!(!o.stdout.contains('±'), "{}", o.stdout);
    // The value is summary.csv's.
    let (h, rows) = read_csv(&sb.path("one/summary.csv"));
    let v: f64 = rows[0][h.iter().position(|c| c == "jobs_submitted").unwrap()]
        .parse()
        .unwrap();
    let o = sb.depinsim(&[
        "table",
        "one",
        "--metric",
        "jobs_submitted",
        "--format",
        "csv",
    ]);
    let rec: Vec<&str> = o.stdout.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(rec[3].parse::<f64>().unwrap(), v);
    assert_eq!((rec[4], rec[5], rec[6]), ("", "", "1"));
}

#[test]
fn a_wrong_metric_lists_the_valid_ones() {
    let sb = Sandbox::new();
    run_tiny(&sb, "r", "2");
    sb.depinsim(&["table", "r", "--metric", "usd_per_gpu_hr"])
        .assert_code(2)
        .assert_stderr_has(&[
            "unknown metric \"usd_per_gpu_hr\"",
            "did you mean \"usd_per_gpu_hour\"",
            "the metrics are: ",
            "p95_wait_h",
            "interruptions_per_1k_gpu_h",
        ]);
}

#[test]
fn sweep_tables_name_the_point_and_read_by_parameter() {
    let sb = Sandbox::new();
    let f = sb.write("tiny.toml", MINIMAL);
    sb.sweep(
        &f,
        "sw",
        &[
            "--param",
            "supply.initial.A100=8,16",
            "--param",
            "workload.infer.arrivals.rate_per_hour=5,10",
            "--replications",
            "2",
            "--no-plots",
        ],
    )
    .assert_code(0);
    // Point 3 of the grid (first parameter slowest): A100 = 16, rate 10.
    sb.depinsim(&["table", "sw", "--point", "3"])
        .assert_code(0)
        .assert_stdout_has(&[
            "Point 3: supply.initial.A100 = 16, workload.infer.arrivals.rate_per_hour = 10",
        ]);
    // --by-param: one row per point, sorted by the key, the other beside it.
    let o = sb.depinsim(&[
        "table",
        "sw",
        "--by-param",
        "workload.infer.arrivals.rate_per_hour",
        "--metric",
        "jobs_submitted",
    ]);
    o.assert_code(0);
    let rows: Vec<&str> = o.stdout.lines().skip(2).collect();
    assert_eq!(rows.len(), 4, "{}", o.stdout);
    assert!(rows[0].starts_with("| 5 | 8 |") && rows[1].starts_with("| 5 | 16 |"));
    assert!(rows[2].starts_with("| 10 | 8 |") && rows[3].starts_with("| 10 | 16 |"));
    assert!(o.stdout.contains("n = 2"), "with CIs: {}", o.stdout);
    // As CSV: the key's and the other parameter's columns.
    let o = sb.depinsim(&[
        "table",
        "sw",
        "--by-param",
        "supply.initial.A100",
        "--format",
        "csv",
    ]);
    assert!(o.stdout.starts_with(
        "metric,supply.initial.A100,workload.infer.arrivals.rate_per_hour,design,mean,ci95_low,ci95_high,n\n"
    ));
    sb.depinsim(&["table", "sw", "--by-param", "supply.initial.H100"])
        .assert_code(2)
        .assert_stderr_has(&["not a swept parameter", "supply.initial.A100"]);
}

#[test]
fn quiet_leaves_out_the_closing_line() {
    let sb = Sandbox::new();
    let f = sb.write("tiny.toml", MINIMAL);
    let loud = sb.run(&f, &["--no-plots"]);
    loud.assert_code(0).assert_stderr_has(&["events in"]);
    let quiet = sb.depinsim(&[
        "run",
        &f.display().to_string(),
        "--out",
        &sb.path("q").display().to_string(),
        "--no-plots",
        "--quiet",
    ]);
    quiet.assert_code(0);
    assert!(quiet.stderr.is_empty(), "{}", quiet.describe());
    // Errors still print.
    sb.depinsim(&["-q", "table", "nowhere"]).assert_code(2);
}

#[test]
fn ctrl_c_on_a_sweep_says_how_to_resume() {
    let sb = Sandbox::new();
    let f = sb.write("tiny.toml", MINIMAL);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_depinsim"))
        .args([
            "sweep",
            "tiny.toml",
            "--out",
            "sw",
            "--no-plots",
            "--threads",
            "1",
        ])
        .args([
            "--param",
            "supply.initial.A100=8:64:1",
            "--replications",
            "4",
        ])
        .args(["--set", "scenario.horizon=3d"])
        .current_dir(sb.root())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _ = f;
    // Wait until the sweep has started (its journal exists), then Ctrl-C.
    let journal = sb.path("sw/progress.json");
    let t0 = std::time::Instant::now();
    while !journal.exists() && t0.elapsed() < common::TIME_LIMIT {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        stderr.contains("depinsim sweep tiny.toml --out sw") && stderr.contains("--resume"),
        "the resume command: {stderr}"
    );
    // The command it prints finishes the sweep.
    sb.depinsim(&[
        "sweep",
        "tiny.toml",
        "--out",
        "sw",
        "--no-plots",
        "--threads",
        "1",
        "--param",
        "supply.initial.A100=8:64:1",
        "--replications",
        "4",
        "--set",
        "scenario.horizon=3d",
        "--resume",
    ])
    .assert_code(0)
    .assert_stderr_has(&["were done before"]);
}
