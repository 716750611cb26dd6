//! The output contract of DESIGN.md, checked on the files `depinsim run`
//! writes: names and order of columns, one row per (replicate, design) or
//! sample, aggregate only with replications, the manifest, the closing line.

mod common;

use common::{AGGREGATE_COLUMNS, MINIMAL, Sandbox, read_csv};

/// DESIGN.md's summary columns, in order; later columns may follow.
const SUMMARY: [&str; 22] = [
    "point",
    "replicate",
    "seed",
    "design",
    "jobs_submitted",
    "jobs_completed",
    "jobs_interrupted",
    "jobs_lost_to_cloud",
    "mean_wait_h",
    "p95_wait_h",
    "utilization",
    "availability",
    "gpu_hours_delivered",
    "usd_per_gpu_hour",
    "interruptions_per_1k_gpu_h",
    "fleet_mean",
    "fleet_cv",
    "provider_margin",
    "token_price_final_usd",
    "token_volatility",
    "tokens_minted",
    "tokens_burned",
];

/// DESIGN.md's time-series columns (after the run's identity), in order.
const TIMESERIES: [&str; 10] = [
    "t_h",
    "design",
    "gpus_online",
    "gpus_busy",
    "queue_len",
    "usd_per_gpu_hour",
    "token_price_usd",
    "token_supply",
    "tokens_minted_cum",
    "tokens_burned_cum",
];

/// Asserts `expected` appear in `headers` in the same relative order.
fn assert_in_order(headers: &[String], expected: &[&str]) {
    let mut at = 0;
    for name in expected {
        let pos = headers[at..]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name} missing or out of order in {headers:?}"));
        at += pos + 1;
    }
}

#[test]
fn run_writes_the_contracted_files() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.run(
        &file,
        &["--replications", "3", "--set", "output.sample_every=20m"],
    );
    o.assert_no_panic().assert_code(0);
    // Closing line: events processed, wall seconds, events per second.
    let last = o.stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains(" events in ") && last.contains(" s wall") && last.contains("events/s"),
        "closing line: {last:?}"
    );

    let out = sb.out();
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "aggregate.csv",
            "manifest.json",
            "plots",
            "report.html",
            "summary.csv",
            "timeseries.csv",
            "waits.csv",
            "workloads.csv"
        ],
        "exactly these files, no temporaries left behind"
    );

    let (h, rows) = read_csv(&out.join("summary.csv"));
    assert_eq!(
        &h[..SUMMARY.len()],
        &SUMMARY[..],
        "summary columns start as in DESIGN.md"
    );
    assert_eq!(rows.len(), 3, "one row per replicate × design");
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[1], i.to_string());
        assert_eq!(r[3], "ionet");
        for c in 18..22 {
            assert_eq!(
                r[c], "",
                "token column {} must be empty with tokens off",
                h[c]
            );
        }
    }

    let (h, rows) = read_csv(&out.join("timeseries.csv"));
    assert_in_order(&h, &TIMESERIES);
    // Horizon 2 h sampled every 20 min: t = 0, 1/3, ..., 2 → 7 rows per run.
    assert_eq!(rows.len(), 3 * 7);
    let t_col = h.iter().position(|c| c == "t_h").unwrap();
    let ts: Vec<f64> = rows[..7]
        .iter()
        .map(|r| r[t_col].parse().unwrap())
        .collect();
    for (k, t) in ts.iter().enumerate() {
        assert!((t - k as f64 / 3.0).abs() < 1e-9, "sample {k} at {t} h");
    }

    let (h, rows) = read_csv(&out.join("aggregate.csv"));
    assert_eq!(h, AGGREGATE_COLUMNS);
    let jobs = rows
        .iter()
        .find(|r| r[2] == "jobs_submitted")
        .expect("a jobs_submitted row");
    assert_eq!(jobs[5], "3");
    let (mean, lo, hi): (f64, f64, f64) = (
        jobs[3].parse().unwrap(),
        jobs[6].parse().unwrap(),
        jobs[7].parse().unwrap(),
    );
    assert!(lo <= mean && mean <= hi);

    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["replications"], 3);
    assert_eq!(
        m["scenario"]["scenario"]["replications"], 3,
        "the scenario as resolved, after overrides"
    );
    assert_eq!(m["scenario"]["output"]["sample_every"], "20m");
    assert_eq!(m["depinsim_version"], env!("CARGO_PKG_VERSION"));
    let runs = m["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for (r, row) in runs.iter().zip(read_csv(&out.join("summary.csv")).1) {
        assert_eq!(
            r["seed"].as_u64().unwrap().to_string(),
            row[2],
            "manifest and summary agree on seeds"
        );
        assert!(r["events"].as_u64().unwrap() > 0);
        assert!(r["wall_seconds"].as_f64().unwrap() >= 0.0);
    }
}

#[test]
fn one_replication_writes_no_aggregate_and_default_out_is_named_after_the_scenario() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.depinsim(&["run", file.to_str().unwrap()]);
    o.assert_no_panic().assert_code(0);
    let out = sb.path("results").join("tiny");
    assert!(out.join("summary.csv").is_file());
    assert!(!out.join("aggregate.csv").exists());
}

#[test]
fn rerunning_into_the_same_directory_replaces_the_files() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.run(&file, &["--seed", "1"]).assert_code(0);
    let first = std::fs::read(sb.out().join("summary.csv")).unwrap();
    sb.run(&file, &["--seed", "2"]).assert_code(0);
    let second = std::fs::read(sb.out().join("summary.csv")).unwrap();
    assert_ne!(first, second);
    sb.run(&file, &["--seed", "1"]).assert_code(0);
    assert_eq!(first, std::fs::read(sb.out().join("summary.csv")).unwrap());
}

/// `workloads.csv` splits each run by workload: its rows add up to the run's
/// summary (counts exactly, USD and GPU-hours to rounding), on the bundled
/// baseline where each design serves a different set of workloads.
#[test]
fn workload_rows_add_up_to_the_summary() {
    let sb = Sandbox::new();
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    sb.run(
        &base,
        &[
            "--set",
            "scenario.horizon=2d",
            "--set",
            "scenario.warmup=12h",
            "--replications",
            "2",
            "--no-plots",
        ],
    )
    .assert_code(0);
    let (sh, summary) = read_csv(&sb.out().join("summary.csv"));
    let (wh, rows) = read_csv(&sb.out().join("workloads.csv"));
    let col = |h: &[String], name: &str| h.iter().position(|c| c == name).unwrap();
    let workloads = ["training", "finetune", "inference", "render", "web"];
    assert_eq!(rows.len(), summary.len() * workloads.len());
    for (i, run) in summary.iter().enumerate() {
        let mine = &rows[i * workloads.len()..(i + 1) * workloads.len()];
        for (r, w) in mine.iter().zip(workloads) {
            assert_eq!(r[col(&wh, "workload")], w);
            for key in ["point", "replicate", "design"] {
                assert_eq!(r[col(&wh, key)], run[col(&sh, key)]);
            }
        }
        for key in [
            "jobs_submitted",
            "jobs_completed",
            "jobs_lost_to_cloud",
            "jobs_not_served",
        ] {
            let sum: u64 = mine
                .iter()
                .map(|r| r[col(&wh, key)].parse::<u64>().unwrap())
                .sum();
            assert_eq!(sum.to_string(), run[col(&sh, key)], "{key}");
        }
        for key in ["user_usd", "gpu_hours_delivered"] {
            let sum: f64 = mine
                .iter()
                .map(|r| r[col(&wh, key)].parse::<f64>().unwrap())
                .sum();
            let total: f64 = run[col(&sh, key)].parse().unwrap();
            assert!(
                (sum - total).abs() <= 1e-9 * total.max(1.0),
                "{key}: {sum} vs {total}"
            );
        }
        let interruptions: u64 = mine
            .iter()
            .map(|r| {
                let rate: f64 = r[col(&wh, "interruptions_per_1k_gpu_h")]
                    .parse()
                    .unwrap_or(0.0);
                let h: f64 = r[col(&wh, "gpu_hours_delivered")].parse().unwrap();
                (rate * h / 1000.0).round() as u64
            })
            .sum();
        assert_eq!(interruptions.to_string(), run[col(&sh, "interruptions")]);
    }
    // Render serves only render jobs: every other workload is "not served".
    let render_train = rows
        .iter()
        .find(|r| r[col(&wh, "design")] == "render" && r[col(&wh, "workload")] == "training")
        .unwrap();
    assert_eq!(
        render_train[col(&wh, "jobs_not_served")],
        render_train[col(&wh, "jobs_submitted")]
    );
    assert_eq!(render_train[col(&wh, "usd_per_gpu_hour")], "");
}
