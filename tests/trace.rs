//! Trace replay: a hand-written trace replayed on io.net FIFO without churn
//! gives the outcomes worked out by hand; every design sees the same trace
//! jobs; bad traces are rejected with the file and line, exit 2 and no
//! output; the Philly converter's output replays.

mod common;

use common::{Sandbox, read_csv};
use depinsim::engine::MS_PER_HOUR;
use depinsim::runner::{plan_runs, run_one};
use depinsim::scenario::{self, DesignKind};
use depinsim::sim::Run;
use std::path::{Path, PathBuf};

/// One node of 4 GPUs of class X, io.net FIFO, no churn, no fees, billing
/// per millisecond at $1 per GPU-hour: money equals GPU-hours.
const SCENARIO: &str = r#"
[scenario]
name = "trace"
horizon = "5h"
seed = 3
designs = ["ionet"]
[[gpu_class]]
name = "X"
vram_gb = 80
cost_per_hour = 0.5
cloud_price_per_hour = 3.0
[[gpu_class]]
name = "Y"
vram_gb = 24
cost_per_hour = 0.1
cloud_price_per_hour = 1.0
[supply]
initial = { X = 4, Y = 2 }
gpus_per_node = 4
[[workload]]
name = "jobs"
kind = "training"
arrivals = { process = "trace", file = "jobs.csv" }
gpu_class = ["X"]
max_price_per_gpu_hour = 10.0
[design.ionet]
policy = "fifo"
price_per_gpu_hour = { X = 1.0, Y = 1.0 }
min_billed = "1ms"
reservation_fee = 0.0
payment_fee = 0.0
"#;

/// Four jobs on X's 4 GPUs (FIFO), worked out by hand:
/// - a: 2 GPUs at 0 for 1 h: runs 0–1 h, waits 0.
/// - b: 2 GPUs at 0 for 2 h: runs 0–2 h, waits 0.
/// - c: 4 GPUs at 10 min for 30 min: waits for a and b, runs 2–2.5 h,
///   waits 1 h 50 min.
/// - d: 1 GPU at 20 min for 10 min: behind c in the line for X (FIFO),
///   runs 2.5 h–2 h 40 min, waits 2 h 10 min.
/// - e: submitted after the 5 h horizon: ignored.
const TRACE: &str = "\
# a comment line
job_id,submit_s,gpus,duration_s,gpu_class
a,0,2,3600,
b,0,2,7200,X
c,600,4,1800,
d,1200,1,600,
e,90000,1,600,
";

fn sandbox_with(trace: &str) -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    sb.write("jobs.csv", trace);
    let file = sb.write("trace.toml", SCENARIO);
    (sb, file)
}

#[test]
fn hand_written_trace_replays_exactly_on_ionet_fifo() {
    let (_sb, file) = sandbox_with(TRACE);
    let sc = scenario::load(&file, &[]).unwrap();
    let h = MS_PER_HOUR;
    let min = h / 60;
    let mut run = Run::new(&sc, DesignKind::Ionet, 1);
    run.advance(0);
    assert_eq!(
        (run.live_jobs(), run.queue_len()),
        (2, 0),
        "a and b start at 0"
    );
    assert_eq!(run.gpus_busy(), 4.0);
    run.advance(10 * min - 1);
    assert_eq!(run.live_jobs(), 2, "c is not submitted before 10 min");
    run.advance(10 * min);
    assert_eq!(run.queue_len(), 1, "c waits");
    run.advance(20 * min);
    assert_eq!(run.queue_len(), 2, "d waits behind c");
    run.advance(h);
    assert_eq!(
        (run.live_jobs(), run.gpus_busy()),
        (3, 2.0),
        "a ends at 1 h"
    );
    run.advance(2 * h - 1);
    assert_eq!(run.queue_len(), 2, "c needs all 4; d may not pass it");
    run.advance(2 * h);
    assert_eq!(
        (run.queue_len(), run.gpus_busy()),
        (1, 4.0),
        "c starts at 2 h"
    );
    run.advance(2 * h + 30 * min);
    assert_eq!(
        (run.queue_len(), run.gpus_busy()),
        (0, 1.0),
        "d starts at 2.5 h"
    );
    run.advance(2 * h + 40 * min);
    assert_eq!(run.live_jobs(), 0, "d ends at 2 h 40 min");
    let s = run.finish().summary;
    assert_eq!(s.jobs_submitted, 4, "e comes after the horizon");
    assert_eq!(s.jobs_completed, 4);
    let waits_h = [0.0, 0.0, 110.0 / 60.0, 130.0 / 60.0];
    let mean = waits_h.iter().sum::<f64>() / 4.0;
    assert!(
        (s.mean_wait_h.unwrap() - mean).abs() < 1e-12,
        "{:?}",
        s.mean_wait_h
    );
    // 2·1 + 2·2 + 4·0.5 + 1·(1/6) GPU-hours, paid at $1.
    let gpu_h = 2.0 + 4.0 + 2.0 + 1.0 / 6.0;
    assert!((s.gpu_hours_delivered - gpu_h).abs() < 1e-9);
    assert!((s.user_usd - gpu_h).abs() < 1e-9);
}

#[test]
fn trace_rows_choose_classes_by_name_or_vram_and_carry_prices() {
    // Row 1 asks for Y by name, row 2 for ≥ 24 GB (X or Y), row 3 for X
    // but pays at most $0.5 < $1: it goes to the cloud.
    let trace = "submit_s,gpus,duration_s,gpu_class,vram_gb,max_price_per_gpu_hour\n\
                 0,2,3600,Y,,\n\
                 0,4,3600,,24,\n\
                 0,1,3600,X,,0.5\n";
    let (_sb, file) = sandbox_with(trace);
    let sc = scenario::load(&file, &[]).unwrap();
    let mut run = Run::new(&sc, DesignKind::Ionet, 1);
    run.advance(0);
    assert_eq!(run.class_free(1), 0, "row 1 took both Y GPUs");
    assert_eq!(run.class_free(0), 0, "row 2 took X's 4 (Y is full)");
    let s = run.finish().summary;
    assert_eq!((s.jobs_submitted, s.jobs_lost_to_cloud), (3, 1));
}

#[test]
fn every_design_and_replicate_sees_the_same_trace_jobs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/trace-replay.toml");
    let sets: Vec<_> = ["scenario.horizon=3d", "scenario.replications=2"]
        .iter()
        .map(|s| scenario::parse_override(s).unwrap())
        .collect();
    let sc = scenario::load(&path, &sets).unwrap();
    // Rows submitted in [warmup, horizon], counted from the file directly.
    let (h, rows) = read_csv(&Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/synthetic.csv"));
    let col = h.iter().position(|c| c == "submit_s").unwrap();
    let expected = rows
        .iter()
        .map(|r| r[col].parse::<f64>().unwrap())
        .filter(|&t| (86_400.0..=3.0 * 86_400.0).contains(&t))
        .count() as u64;
    let cluster = sc
        .workloads
        .iter()
        .position(|w| w.name == "cluster")
        .unwrap();
    for spec in plan_runs(&sc, 0) {
        let r = run_one(&sc, spec);
        assert_eq!(
            r.workloads[cluster].jobs_submitted,
            expected,
            "{} replicate {}",
            spec.design.name(),
            spec.replicate
        );
    }
}

/// Runs the binary on SCENARIO with `trace` as jobs.csv and checks it is
/// rejected: exit 2, stderr names jobs.csv and every needle, no output.
fn reject(trace: &str, scenario_edit: Option<(&str, &str)>, needles: &[&str]) {
    let sb = Sandbox::new();
    sb.write("jobs.csv", trace);
    let text = match scenario_edit {
        Some((old, new)) => common::edit(SCENARIO, old, new),
        None => SCENARIO.to_string(),
    };
    let file = sb.write("trace.toml", &text);
    let o = sb.run(&file, &[]);
    o.assert_bad_input(needles);
    sb.assert_no_output(&o);
    let v = sb.validate(&[&file], &[]);
    v.assert_bad_input(needles);
}

#[test]
fn bad_traces_are_rejected_with_file_and_line() {
    let h = "submit_s,gpus,duration_s,gpu_class,vram_gb\n";
    let cases: &[(&str, &[&str])] = &[
        (
            "submit_s,gpu,duration_s\n0,1,60\n",
            &[
                "jobs.csv: line 1",
                "missing column(s) gpus",
                "\"gpu\" → \"gpus\"?",
            ],
        ),
        (
            &format!("{h}0,1,60,,\nsoon,1,60,,\n"),
            &["jobs.csv: line 3: submit_s", "\"soon\""],
        ),
        (
            &format!("{h}0,1,60,,\n-5,1,60,,\n"),
            &["line 3: submit_s", "must be >= 0"],
        ),
        (
            &format!("{h}100,1,60,,\n50,1,60,,\n"),
            &["line 3: submit_s", "sorted", "(line 2)"],
        ),
        (&format!("{h}0,0,60,,\n"), &["line 2: gpus", ">= 1"]),
        (&format!("{h}0,1.5,60,,\n"), &["line 2: gpus", "\"1.5\""]),
        (
            &format!("{h}0,1,0,,\n"),
            &["line 2: duration_s", "must be > 0"],
        ),
        (&format!("{h}0,1,1h,,\n"), &["line 2: duration_s", "\"1h\""]),
        (
            &format!("{h}0,1,60,Z,\n"),
            &["line 2: gpu_class", "unknown GPU class \"Z\""],
        ),
        (
            &format!("{h}0,1,60,,96\n"),
            &["line 2: vram_gb", "no GPU class with supply has 96 GB"],
        ),
        (
            &format!("{h}0,8,60,,\n"),
            &["line 2: gpus", "larger than any acceptable class's fleet"],
        ),
        (&format!("{h}0,1,60,,\n0,1,60\n"), &["jobs.csv: line 3"]),
        (h, &["no job is submitted within the horizon"]),
    ];
    for (trace, needles) in cases {
        reject(trace, None, needles);
    }
}

#[test]
fn contradictory_workload_keys_are_rejected() {
    let ok = "submit_s,gpus,duration_s\n0,1,60\n";
    let arr = "arrivals = { process = \"trace\", file = \"jobs.csv\" }";
    for (extra, needle) in [
        (
            "duration = { dist = \"fixed\", value = \"1h\" }",
            "workload[0].duration: is taken from the trace's duration_s column",
        ),
        (
            "gpus = 2",
            "workload[0].gpus: is taken from the trace's gpus column",
        ),
        (
            "vram_gb = 40",
            "workload[0].vram_gb: is taken from the trace's vram_gb column",
        ),
    ] {
        reject(ok, Some((arr, &format!("{arr}\n{extra}"))), &[needle]);
    }
    // No class anywhere, no price anywhere, no file.
    reject(
        ok,
        Some(("gpu_class = [\"X\"]\n", "")),
        &["line 2: gpu_class", "neither a class nor vram_gb"],
    );
    reject(
        ok,
        Some(("max_price_per_gpu_hour = 10.0\n", "")),
        &[
            "line 2: max_price_per_gpu_hour",
            "no max_price_per_gpu_hour to fall back on",
        ],
    );
    reject(
        ok,
        Some(("file = \"jobs.csv\"", "file = \"nope.csv\"")),
        &[
            "workload[0].arrivals.file",
            "cannot read the trace",
            "nope.csv",
        ],
    );
}

#[test]
fn converted_philly_trace_replays() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if python.is_err() {
        eprintln!("python3 not found: skipping the converter check");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/convert-philly-trace.py"))
        .arg(root.join("tests/data/philly_sample.json"))
        .arg("--machine-list")
        .arg(root.join("tests/data/philly_machines.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    // By hand from the sample: job 0001 submitted first (02:00:00), 1 GPU on
    // m2 (24 GB), attempts of 10 + 5 min; job 0002 at 02:10:00, 2 + 2 GPUs,
    // 1 h on m1 (12 GB); 0003 has no GPUs, 0004 no attempt.
    assert_eq!(
        csv,
        "job_id,submit_s,gpus,duration_s,gpu_class,vram_gb,max_price_per_gpu_hour\n\
         application_1_0001,0,1,900,,24,\n\
         application_1_0002,600,4,3600,,12,\n"
    );
    let (_sb, file) = sandbox_with(&csv);
    let sc = scenario::load(&file, &[]).unwrap();
    let s = Run::new(&sc, DesignKind::Ionet, 1).finish().summary;
    assert_eq!((s.jobs_submitted, s.jobs_completed), (2, 2));
}

#[test]
fn render_trace_jobs_split_their_work_over_frames() {
    // A render job of 2 GPUs for 1 h is 2 GPU-hours of work; with 10
    // frames each frame is 12 min on one GPU. On Render's two Y GPUs the
    // frames run two at a time: 5 rounds of 12 min, done at 1 h.
    let scenario = common::edit(SCENARIO, "designs = [\"ionet\"]", "designs = [\"render\"]");
    let scenario = common::edit(
        &scenario,
        "kind = \"training\"",
        "kind = \"render\"\nframes = { dist = \"fixed\", value = 10 }",
    );
    let scenario = common::edit(
        &scenario,
        "[design.ionet]",
        "[design.render]\nprice_per_gpu_hour = { Y = 1.0 }\ndetect = 0.0\n\
         [[design.render.tier]]\nname = \"t\"\nshare = 1.0\nprice_factor = 1.0\n\
         [design.render.reputation]\nenabled = false\n[design.ionet]",
    );
    let sb = Sandbox::new();
    sb.write(
        "jobs.csv",
        "submit_s,gpus,duration_s,gpu_class\n0,2,3600,Y\n",
    );
    let file = sb.write("trace.toml", &scenario);
    let sc = scenario::load(&file, &[]).unwrap();
    let mut run = Run::new(&sc, DesignKind::Render, 1);
    run.advance(MS_PER_HOUR - 1);
    assert_eq!(run.live_jobs(), 1);
    run.advance(MS_PER_HOUR);
    assert_eq!(run.live_jobs(), 0, "the last two frames end at 1 h");
    let s = run.finish().summary;
    assert_eq!((s.jobs_completed, s.frames_delivered), (1, 10));
    assert!((s.gpu_hours_delivered - 2.0).abs() < 1e-9);
}

#[test]
fn trace_gangs_larger_than_a_node_are_rejected_for_akash() {
    let sb = Sandbox::new();
    let scenario = common::edit(
        SCENARIO,
        "designs = [\"ionet\"]",
        "designs = [\"akash\", \"ionet\"]",
    );
    let scenario = common::edit(&scenario, "gpus_per_node = 4", "gpus_per_node = 2");
    let scenario = common::edit(
        &scenario,
        "[design.ionet]",
        "[design.akash]\n[[design.akash.provider]]\nshare = 1.0\nstrategy = \"cost_plus\"\n\
         markup = { dist = \"fixed\", value = 0.5 }\n[design.ionet]",
    );
    sb.write("jobs.csv", "submit_s,gpus,duration_s\n0,2,60\n30,4,60\n");
    let file = sb.write("trace.toml", &scenario);
    let o = sb.run(&file, &[]);
    o.assert_bad_input(&[
        "workload[0].arrivals.file",
        "trace job 2 (submitted at 30 s) takes 4 GPUs",
        "--max-gpus 2",
    ]);
    sb.assert_no_output(&o);
}
