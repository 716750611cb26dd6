//! Peak memory of a run does not grow with the number of jobs it serves:
//! the same small scenario over 30 and 360 days (about 95,000 and 1.1
//! million jobs per design) peaks at the same resident memory, measured by
//! the kernel for each child process (`wait4`'s `ru_maxrss`). Keeping every
//! wait (8 bytes a job, as before the wait histogram) adds about 8 MB to
//! the 360-day run, which this test catches.

#![cfg(target_os = "linux")]

mod common;

use common::Sandbox;
use std::process::{Command, Stdio};

/// Three designs, three workloads (one of render jobs), churn on, a
/// time-series row per day so the series itself stays small.
const SCENARIO: &str = r#"[scenario]
name = "memory"
horizon = "30d"
warmup = "1d"
seed = 3
replications = 1
designs = ["akash", "ionet", "render"]

[output]
sample_every = "1d"

[[gpu_class]]
name = "A100"
vram_gb = 80
cost_per_hour = 0.5
cloud_price_per_hour = 2.5

[[gpu_class]]
name = "RTX4090"
vram_gb = 24
cost_per_hour = 0.1
cloud_price_per_hour = 0.7

[supply]
initial = { A100 = 24, RTX4090 = 24 }
gpus_per_node = 4

[churn]
enabled = true
uptime = { dist = "exp", mean = "48h" }
downtime = { dist = "exp", mean = "2h" }

[[workload]]
name = "infer"
kind = "inference"
arrivals = { process = "poisson", rate_per_hour = 120.0, diurnal_amplitude = 0.3 }
duration = { dist = "exp", mean = "4m" }
gpu_class = ["RTX4090", "A100"]
max_price_per_gpu_hour = { dist = "uniform", low = 0.5, high = 3.0 }

[[workload]]
name = "train"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 6.0 }
duration = { dist = "exp", mean = "40m" }
gpus = 2
gpu_class = ["A100"]
max_price_per_gpu_hour = 3.0
checkpoint_every = "10m"

[[workload]]
name = "frames"
kind = "render"
arrivals = { process = "poisson", rate_per_hour = 3.0 }
frames = { dist = "fixed", value = 20 }
duration = { dist = "exp", mean = "2m" }
gpus = 2
gpu_class = ["RTX4090"]
max_price_per_gpu_hour = 2.0

[design.ionet]
price_per_gpu_hour = { A100 = 1.9, RTX4090 = 0.4 }

[design.akash]
[[design.akash.provider]]
share = 1.0
strategy = "cost_plus"
markup = { dist = "uniform", low = 0.2, high = 0.6 }

[design.render]
price_per_gpu_hour = { RTX4090 = 0.5 }
[[design.render.tier]]
name = "t2"
share = 1.0
price_factor = 1.0
"#;

/// Runs the binary to completion and returns its peak resident set, kB.
fn peak_rss_kb(sb: &Sandbox, horizon: &str) -> i64 {
    let file = sb.write("memory.toml", SCENARIO);
    let out = sb.path(&format!("out-{horizon}"));
    // Waited for by wait4 below, which std's `Child` cannot see.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_depinsim"))
        .args(["run".as_ref(), file.as_os_str()])
        .args(["--set", &format!("scenario.horizon={horizon}")])
        .arg("--out")
        .arg(&out)
        .args(["--threads", "1", "--no-plots"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting depinsim");
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value to be filled in; the pid is
    // our own child, waited for exactly once (std's `Child` is never waited).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "depinsim failed on {horizon} (status {status})"
    );
    assert!(out.join("summary.csv").exists());
    // Linux reports ru_maxrss in kilobytes.
    usage.ru_maxrss
}

#[test]
fn peak_memory_is_the_same_for_30_and_360_days() {
    let sb = Sandbox::new();
    let short = peak_rss_kb(&sb, "30d");
    let long = peak_rss_kb(&sb, "360d");
    eprintln!("peak RSS: 30 d {short} kB, 360 d {long} kB");
    // 12 times the jobs; within 3 MB (keeping each wait would add ~8.6 MB).
    assert!(
        (long - short).abs() <= 3 * 1024,
        "30 d peaks at {short} kB, 360 d at {long} kB"
    );
}
