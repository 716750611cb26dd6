//! `depinsim plot` and the charts `run` draws: which files, that they are
//! well-formed SVG with titles, axis labels and legends, that they are the
//! same bytes at any thread count, that empty columns are skipped with a
//! note, and that sweep directories (extra parameter columns) get sweep
//! charts and heatmaps. Also `waits.csv`, which the wait CDF reads. (The
//! price per workload chart is checked against `workloads.csv` in
//! tests/report.rs.)

mod common;

use common::{MINIMAL, Sandbox, minimal_with};
use std::path::Path;

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Parses `xml` fully, failing on any well-formedness error.
fn assert_well_formed(xml: &str, what: &str) {
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    let mut depth = 0i64;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{what} is not well-formed at {}: {e}", r.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "{what}: unclosed elements");
}

fn three_replicates() -> String {
    minimal_with("replications = 1", "replications = 3")
}

#[test]
fn run_draws_the_charts_the_files_allow() {
    let sb = Sandbox::new();
    let sc = sb.write("tiny.toml", &three_replicates());
    sb.run(&sc, &[]).assert_code(0);
    let plots = sb.out().join("plots");
    for (file, needles) in [
        (
            "ts_usd_per_gpu_hour.svg",
            &[
                "price over time",
                "USD per useful GPU-hour",
                "simulated time (h)",
                "ionet",
            ][..],
        ),
        (
            "ts_gpus.svg",
            &["GPUs online", "ionet online", "ionet busy", "GPUs"],
        ),
        ("ts_queue_len.svg", &["Queue length", "jobs waiting"]),
        (
            "wait_cdf.svg",
            &[
                "Wait-time distribution",
                "wait before the job starts (h)",
                "share of jobs",
            ],
        ),
        (
            "workload_usd_per_gpu_hour.svg",
            &[
                "price per workload",
                "USD per useful GPU-hour",
                "train",
                "infer",
            ],
        ),
        (
            "cost_vs_interruptions_per_1k_gpu_h.svg",
            &[
                "Cost vs",
                "interruptions per 1,000 GPU-h",
                "USD per useful GPU-hour",
            ],
        ),
    ] {
        let svg = read(&plots.join(file));
        assert_well_formed(&svg, file);
        for n in needles {
            assert!(svg.contains(n), "{file} lacks {n:?}");
        }
        // The io.net colour of the Okabe–Ito palette.
        assert!(
            svg.contains("#0072B2"),
            "{file}: not in the design's colour"
        );
    }
    // Token columns are empty without a token economy: no charts of them.
    assert!(!plots.join("ts_token_price_usd.svg").exists());
    assert!(sb.out().join("report.html").exists());

    // `plot` on the same directory says what it skipped and why.
    let o = sb.depinsim(&["plot", "out"]);
    o.assert_code(0).assert_stderr_has(&[
        "Token price over time: skipped",
        "token_price_usd has no values",
        "plots in",
    ]);
}

#[test]
fn charts_are_the_same_bytes_at_any_thread_count() {
    let sb = Sandbox::new();
    let sc = sb.write("tiny.toml", &three_replicates());
    let a = sb.path("a");
    let b = sb.path("b");
    for (dir, t) in [(&a, "1"), (&b, "2")] {
        sb.depinsim(&[
            "run".as_ref(),
            sc.as_os_str(),
            "--out".as_ref(),
            dir.as_os_str(),
            "--threads".as_ref(),
            t.as_ref(),
        ])
        .assert_code(0);
    }
    let mut names: Vec<String> = std::fs::read_dir(a.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for n in &names {
        assert_eq!(
            read(&a.join("plots").join(n)),
            read(&b.join("plots").join(n)),
            "{n} differs"
        );
    }
    assert_eq!(read(&a.join("waits.csv")), read(&b.join("waits.csv")));
}

#[test]
fn no_plots_writes_neither_charts_nor_report() {
    let sb = Sandbox::new();
    let sc = sb.write("tiny.toml", MINIMAL);
    sb.run(&sc, &["--no-plots"]).assert_code(0);
    assert!(sb.out().join("summary.csv").exists());
    assert!(!sb.out().join("plots").exists());
    assert!(!sb.out().join("report.html").exists());
}

#[test]
fn waits_csv_quantiles_agree_with_the_summary() {
    let sb = Sandbox::new();
    let sc = sb.write("tiny.toml", &three_replicates());
    sb.run(&sc, &["--no-plots"]).assert_code(0);
    let mut w = csv::Reader::from_path(sb.out().join("waits.csv")).unwrap();
    assert_eq!(
        w.headers().unwrap().iter().collect::<Vec<_>>(),
        ["point", "replicate", "design", "prob", "wait_h"]
    );
    let rows: Vec<(u32, f64, f64)> = w
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[1].parse().unwrap(),
                r[3].parse().unwrap(),
                r[4].parse().unwrap(),
            )
        })
        .collect();
    let mut s = csv::Reader::from_path(sb.out().join("summary.csv")).unwrap();
    let h = s.headers().unwrap().clone();
    let p95 = h.iter().position(|c| c == "p95_wait_h").unwrap();
    for rec in s.records() {
        let rec = rec.unwrap();
        let rep: u32 = rec[1].parse().unwrap();
        let mine: Vec<&(u32, f64, f64)> = rows.iter().filter(|r| r.0 == rep).collect();
        // Every percent, plus 99.5% and 99.9%, in increasing order.
        assert_eq!(mine.len(), 103);
        assert!(
            mine.windows(2).all(|w| w[0].1 < w[1].1 && w[0].2 <= w[1].2),
            "not monotone"
        );
        assert_eq!((mine[0].1, mine[102].1), (0.0, 1.0));
        // Both use the nearest-rank 95th percentile of the same waits.
        let q95 = mine.iter().find(|r| r.1 == 0.95).unwrap().2;
        assert_eq!(q95, rec[p95].parse::<f64>().unwrap(), "replicate {rep}");
    }
}

/// A sweep directory as the sweep command writes it: summary and aggregate
/// with the swept parameters as extra columns (two parameters, a 2 × 3 grid,
/// one of them categorical).
fn synthetic_sweep(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut summary = String::from(
        "point,replicate,seed,design,usd_per_gpu_hour,interruptions_per_1k_gpu_h,mean_wait_h,token_volatility,supply.initial.A100,design.ionet.policy\n",
    );
    let mut point = 0;
    for policy in ["fifo", "backfill"] {
        for gpus in [64, 128, 256] {
            for rep in 0..3 {
                for (d, base) in [("akash", 1.0), ("ionet", 1.5)] {
                    let usd = base + 100.0 / gpus as f64 + 0.01 * rep as f64;
                    let intr = 10.0 - gpus as f64 / 64.0 + rep as f64 * 0.1;
                    let wait = if policy == "fifo" { 0.5 } else { 0.3 } + 0.02 * rep as f64;
                    summary += &format!(
                        "{point},{rep},{},{d},{usd},{intr},{wait},,{gpus},{policy}\n",
                        100 + rep
                    );
                }
            }
            point += 1;
        }
    }
    std::fs::write(dir.join("summary.csv"), &summary).unwrap();
    // The aggregate, with the parameter columns after the statistics.
    let mut agg = String::from(
        "point,design,metric,mean,sd,n,ci95_low,ci95_high,supply.initial.A100,design.ionet.policy\n",
    );
    let mut rdr = csv::Reader::from_reader(summary.as_bytes());
    let recs: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    for p in 0..6u64 {
        for d in ["akash", "ionet"] {
            let rows: Vec<&csv::StringRecord> = recs
                .iter()
                .filter(|r| r[0].parse::<u64>().unwrap() == p && &r[3] == d)
                .collect();
            for (c, m) in [
                (4, "usd_per_gpu_hour"),
                (5, "interruptions_per_1k_gpu_h"),
                (6, "mean_wait_h"),
                (7, "token_volatility"),
            ] {
                let xs: Vec<f64> = rows.iter().filter_map(|r| r[c].parse().ok()).collect();
                let (gpus, policy) = (&rows[0][8], &rows[0][9]);
                if xs.is_empty() {
                    agg += &format!("{p},{d},{m},,,0,,,{gpus},{policy}\n");
                } else {
                    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
                    agg += &format!(
                        "{p},{d},{m},{mean},0.1,3,{},{},{gpus},{policy}\n",
                        mean - 0.2,
                        mean + 0.2
                    );
                }
            }
        }
    }
    std::fs::write(dir.join("aggregate.csv"), agg).unwrap();
}

#[test]
fn sweep_directories_get_lines_per_parameter_and_heatmaps() {
    let sb = Sandbox::new();
    synthetic_sweep(&sb.path("sw"));
    let o = sb.depinsim(&["plot", "sw"]);
    o.assert_code(0).assert_stderr_has(&[
        "no timeseries.csv",
        "no waits.csv",
        "no workloads.csv in this directory: no price per workload chart",
    ]);
    let plots = sb.path("sw/plots");
    for f in [
        "sweep_usd_per_gpu_hour_vs_supply_initial_A100.svg",
        "sweep_mean_wait_h_vs_supply_initial_A100.svg",
        "heatmap_usd_per_gpu_hour.svg",
        "heatmap_interruptions_per_1k_gpu_h.svg",
        "cost_vs_interruptions_per_1k_gpu_h.svg",
    ] {
        let svg = read(&plots.join(f));
        assert_well_formed(&svg, f);
    }
    // A full grid: one chart per metric, the parameter of more values (the
    // A100 count) on x, one line per policy (named), one panel per design;
    // no chart against the policy with the A100 count held at point 0.
    assert!(
        !plots
            .join("sweep_usd_per_gpu_hour_vs_design_ionet_policy.svg")
            .exists()
    );
    let grid = read(&plots.join("sweep_usd_per_gpu_hour_vs_supply_initial_A100.svg"));
    // (plotters writes each text on its own line.)
    let texts: Vec<&str> = grid.lines().map(str::trim).collect();
    assert!(
        texts.contains(&"fifo") && texts.contains(&"backfill"),
        "a line per policy, named"
    );
    for panel in [
        "akash: Users' USD per useful GPU-hour",
        "ionet: Users' USD per useful GPU-hour",
    ] {
        assert!(texts.iter().any(|t| t.contains(panel)), "panel {panel:?}");
    }
    // The axis names the parameter in words; numeric ticks up to 256 GPUs.
    assert!(texts.contains(&"A100 GPUs at start"), "parameter label");
    assert!(
        texts.contains(&"250") || texts.contains(&"200"),
        "no x ticks"
    );
    // Heatmap cells are annotated with their means: akash at 64 GPUs, fifo.
    let heat = read(&plots.join("heatmap_usd_per_gpu_hour.svg"));
    let akash_64_fifo = (0..3)
        .map(|r| 1.0 + 100.0 / 64.0 + 0.01 * r as f64)
        .sum::<f64>()
        / 3.0;
    let label = depinsim::plot::chart::fmt_num(akash_64_fifo);
    assert!(label.starts_with("2.57"), "{label}");
    assert!(
        heat.lines().any(|l| l.trim() == label),
        "cell {label} not annotated"
    );
    // token_volatility is empty everywhere: skipped, not drawn empty.
    assert!(
        !plots
            .join("sweep_token_volatility_vs_supply_initial_A100.svg")
            .exists()
    );
    assert!(!plots.join("cost_vs_token_volatility.svg").exists());
    assert!(!plots.join("workload_usd_per_gpu_hour.svg").exists());
    o.assert_stderr_has(&["token_volatility against the swept parameters: skipped"]);

    // The report of a sweep: verdicts at every point. Akash is 0.5 USD/GPU-h
    // cheaper than io.net in every replicate of every point: "holds".
    sb.depinsim(&["report", "sw"]).assert_code(0);
    let html = read(&sb.path("sw/report.html"));
    assert!(html.contains("Verdicts at every sweep point"));
    assert_eq!(
        html.matches("<tr><td>point ").count(),
        6,
        "one row per point"
    );
    assert!(
        html.contains("<td data-verdict=\"holds\">"),
        "cheapest should hold"
    );
}
