//! Render's Proof of Render against its analytic shares, and a mixed run of
//! the real binary.
//!
//! With a share f of faulty GPUs, a per-frame error rate e on them and a
//! detection probability d, each rendering of a frame lands on a faulty GPU
//! with probability f (longest-idle dispatch rotates frames over all GPUs,
//! and verification outcomes do not change which GPU is idle longest: a
//! rejected frame takes as long as an accepted one). So per rendering:
//!   P(rejected)         = f·e·d
//!   P(bad and accepted) = f·e·(1−d)
//! A frame is delivered by its first accepted rendering, hence per delivered
//! frame the bad share is f·e·(1−d) / (1 − f·e·d): the issue's f·e·(1−d) is
//! the share per rendering (and the first-order share per delivered frame).
//! Both are checked; the parameters make them differ by several standard
//! errors, so the test tells them apart.

mod common;

use common::Sandbox;
use depinsim::engine::Streams;
use depinsim::model::World;
use depinsim::scenario::{DesignKind, Scenario, from_str, parse_override};
use depinsim::sim::simulate;

/// 400 one-GPU nodes, 30% faulty, e = 0.5, d = 0.8, no churn, reputation
/// off; 8 jobs/h of 50 frames of ~10 min over 200 h: ~80 k delivered frames
/// at ~20% load.
const VERIFY: &str = r#"
[scenario]
name = "verify"
horizon = "200h"
warmup = "0h"
designs = ["render"]

[[gpu_class]]
name = "X"
vram_gb = 24
cost_per_hour = 0.1
cloud_price_per_hour = 1.0

[supply]
initial = { X = 400 }
gpus_per_node = 1

[faults]
share = 0.3
frame_error_rate = 0.5

[[workload]]
name = "frames"
kind = "render"
arrivals = { process = "poisson", rate_per_hour = 8.0 }
frames = { dist = "fixed", value = 50 }
duration = { dist = "exp", mean = "10m" }
gpu_class = ["X"]
max_price_per_gpu_hour = 5.0

[design.render]
price_per_gpu_hour = { X = 0.5 }
detect = 0.8

[[design.render.tier]]
name = "all"
share = 1.0
price_factor = 1.0

[design.render.reputation]
enabled = false
"#;

const RUN_SEED: u64 = 11;

fn scenario(sets: &[&str]) -> Scenario {
    let sets: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    from_str(VERIFY, "verify.toml", &sets).unwrap()
}

/// The share of GPUs that are faulty in the run with `RUN_SEED` (the world's
/// own draw, the same in every design).
fn faulty_share(sc: &Scenario) -> f64 {
    let w = World::new(sc, &Streams::new(RUN_SEED));
    let faulty: u64 = w
        .nodes
        .iter()
        .filter(|n| n.faulty)
        .map(|n| n.gpus as u64)
        .sum();
    faulty as f64 / w.gpus_total as f64
}

/// Asserts `k` successes in `n` trials agree with probability `p` within 4
/// binomial standard errors (a false alarm below 1e-4).
fn assert_share(what: &str, k: f64, n: f64, p: f64) {
    let se = (p * (1.0 - p) / n).sqrt();
    let x = k / n;
    assert!(
        (x - p).abs() < 4.0 * se,
        "{what}: measured {x:.5} ({k} of {n}), expected {p:.5} ± {:.5} (4 s.e.)",
        4.0 * se
    );
    eprintln!("{what}: measured {x:.5} ({k} of {n}), expected {p:.5}, s.e. {se:.5}");
}

#[test]
fn delivered_bad_frames_match_f_e_one_minus_d() {
    let sc = scenario(&[]);
    let (e, d) = (0.5, 0.8);
    let f = faulty_share(&sc);
    assert!((f - 0.3).abs() < 0.1, "400 nodes at share 0.3 gave {f}");
    let s = simulate(&sc, DesignKind::Render, RUN_SEED).summary;
    let delivered = s.frames_delivered as f64;
    let rejected = s.frames_rejected.expect("render fills frames_rejected") as f64;
    let bad = s.bad_frames_delivered;
    let rendered = delivered + rejected;
    assert!(delivered > 70_000.0, "enough frames: {delivered}");
    assert_share(
        "rejected per rendering (f·e·d)",
        rejected,
        rendered,
        f * e * d,
    );
    assert_share(
        "bad delivered per rendering (f·e·(1−d))",
        bad,
        rendered,
        f * e * (1.0 - d),
    );
    assert_share(
        "bad per delivered frame (f·e·(1−d)/(1−f·e·d))",
        bad,
        delivered,
        f * e * (1.0 - d) / (1.0 - f * e * d),
    );
    assert_eq!(s.bad_frame_share, Some(bad / delivered));
    // Rejected renderings are rework: their share of GPU time is the share of
    // renderings rejected (frame work does not depend on the GPU).
    let rework = s.rework_share.unwrap();
    let expect = f * e * d;
    assert!(
        (rework - expect).abs() < 0.01,
        "rework share {rework:.4}, expected about {expect:.4}"
    );
}

#[test]
fn reputation_bans_faulty_nodes_and_cuts_bad_frames() {
    // Default rules: start 0.8, −0.1 per rejection, +0.005 per acceptance,
    // banned below 0.3. A faulty node is rejected with probability e·d = 0.4
    // per frame and accepted otherwise (+0.0075 per rejection on average), so
    // it is banned after 6 rejections, 7 at most in all likelihood.
    let sc = scenario(&["design.render.reputation.enabled=true"]);
    let (e, d) = (0.5, 0.8);
    let f = faulty_share(&sc);
    let faulty_nodes = (f * 400.0).round();
    let s = simulate(&sc, DesignKind::Render, RUN_SEED).summary;
    let rejected = s.frames_rejected.unwrap() as f64;
    assert!(
        rejected <= 7.0 * faulty_nodes && rejected >= 5.0 * faulty_nodes,
        "{rejected} rejections for {faulty_nodes} faulty nodes"
    );
    let unprotected = f * e * (1.0 - d) / (1.0 - f * e * d);
    let share = s.bad_frame_share.unwrap();
    assert!(
        share < 0.2 * unprotected,
        "bad share {share:.5} with bans, {unprotected:.5} without"
    );
    // The 70% healthy GPUs still carry the ~20% load: only jobs in flight at
    // the horizon are unfinished (Little: 8/h × ~0.75 h, the longest of 50
    // exponential 10-minute frames ≈ 10 min · H₅₀, about 6 jobs).
    assert!(
        s.jobs_submitted - s.jobs_completed < 20,
        "{} of {} jobs completed",
        s.jobs_completed,
        s.jobs_submitted
    );
}

/// A mixed workload on all three designs' shared world, through the binary:
/// training jobs are not served by Render, frames are verified, and the
/// output is byte-identical at 1 and 2 threads.
#[test]
fn mixed_run_through_the_binary_is_deterministic() {
    let text = VERIFY
        .replace("horizon = \"200h\"", "horizon = \"30h\"\nreplications = 2")
        .replace(
            "[design.render]",
            "[[workload]]\nname = \"train\"\nkind = \"training\"\n\
             arrivals = { process = \"poisson\", rate_per_hour = 3.0 }\n\
             duration = { dist = \"exp\", mean = \"1h\" }\ngpu_class = [\"X\"]\n\
             max_price_per_gpu_hour = 5.0\n\n[design.render]",
        );
    let sb = Sandbox::new();
    let file = sb.write("mixed.toml", &text);
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let o = sb.depinsim(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            sb.path(threads).to_str().unwrap(),
            "--threads",
            threads,
        ]);
        o.assert_no_panic().assert_code(0);
        outs.push(std::fs::read_to_string(sb.path(threads).join("summary.csv")).unwrap());
    }
    assert_eq!(
        outs[0], outs[1],
        "summary.csv differs between 1 and 2 threads"
    );
    let mut rows = csv::Reader::from_reader(outs[0].as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut n = 0;
    for r in rows.records() {
        let r = r.unwrap();
        n += 1;
        assert_eq!(&r[col("design")], "render");
        let not_served: u64 = r[col("jobs_not_served")].parse().unwrap();
        // 3 training jobs per hour over 30 h: Poisson mean 90.
        assert!((50..140).contains(&not_served), "not served: {not_served}");
        let rejected: u64 = r[col("frames_rejected")].parse().unwrap();
        assert!(rejected > 0, "frames are verified and some rejected");
    }
    assert_eq!(n, 2, "one row per replicate");
}
