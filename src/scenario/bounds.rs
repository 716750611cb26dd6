//! Resource bounds: before anything is simulated, the memory and the work a
//! scenario asks for are estimated from what it declares (nodes, expected
//! jobs, samples, bids, replications, sweep points) and compared with
//! limits, so that a typo (`--replications 4294967295`, `horizon =
//! "1000000000d"`) is refused with the estimate instead of aborting on an
//! allocation or running for ever. The limits have defaults a laptop can
//! take and are raised on the command line (`--max-memory`, `--max-runs`,
//! `--max-events`).
//!
//! The estimates are deliberately simple and on the high side; the
//! per-item sizes are measured peaks (docs/reliability.md).

use super::{Scenario, WorkloadKind};
use crate::error::{Error, Result};

/// Bytes a run needs whatever its size (code, buffers, the world's tables).
pub const BASE_BYTES: f64 = 8e6;
/// Bytes per node (the node record, its slot in the pool's buckets, its
/// provider), measured: 4,000,000 one-GPU nodes of mmc.toml (io.net, no
/// churn) peak at 437 MB, 500,000 eight-GPU nodes at 60 MB.
pub const NODE_BYTES: f64 = 150.0;
/// Bytes per node with churn on (its up/down timers in the event queue),
/// measured: baseline.toml with 500,000 more nodes peaks 335 MB higher with
/// churn than without, for every design.
pub const CHURN_NODE_BYTES: f64 = 700.0;
/// Bytes per node of the Render design (reputation, dispatch tiers),
/// measured: 264 MB against io.net's 64 MB for the same 500,000 nodes.
pub const RENDER_NODE_BYTES: f64 = 450.0;
/// Bytes per GPU beyond its node (per-GPU occupancy).
pub const GPU_BYTES: f64 = 8.0;
/// Bytes per expected job: its wait kept for the quantiles (8 B, the bulk
/// of `scale-100k`'s 354 MB peak for 39 M jobs: docs/performance.md) and a
/// share of the records of the jobs in flight.
pub const JOB_BYTES: f64 = 10.0;
/// Bytes per time-series sample of one run, held until the run's files
/// are written (the sample, its CSV row and the row's formatting).
pub const SAMPLE_BYTES: f64 = 400.0;
/// Bytes per job of a trace (shared by all runs).
pub const TRACE_JOB_BYTES: f64 = 40.0;
/// Kernel events per job: submit, start, finish and the design's timers
/// (Akash has about 4 per job, io.net about 2: docs/performance.md).
pub const EVENTS_PER_JOB: f64 = 5.0;
/// Events per render frame (dispatch, finish, verification).
pub const EVENTS_PER_FRAME: f64 = 3.0;
/// The work of drawing one Akash bid, in events: a random index and a
/// slot, far less than an event.
pub const EVENTS_PER_BID: f64 = 0.1;

/// What a command may use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Estimated peak memory, bytes.
    pub max_memory_bytes: u64,
    /// Simulation runs of one command (replicates × designs × points).
    pub max_runs: u64,
    /// Estimated simulation events of one command, all runs together.
    pub max_events: u64,
}

/// 8 GiB: the memory of a laptop. Fixed rather than read from the
/// machine, so a scenario accepted on one machine is accepted on another
/// with the same threads.
pub const DEFAULT_MAX_MEMORY: u64 = 8 << 30;
/// A million runs: days of simulation even for small scenarios.
pub const DEFAULT_MAX_RUNS: u64 = 1_000_000;
/// 10^11 events: about 14 hours of one core at 2 M events/s, a few hundred
/// runs of `scale-100k`.
pub const DEFAULT_MAX_EVENTS: u64 = 100_000_000_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_memory_bytes: DEFAULT_MAX_MEMORY,
            max_runs: DEFAULT_MAX_RUNS,
            max_events: DEFAULT_MAX_EVENTS,
        }
    }
}

/// The estimate of one run of one design.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunEstimate {
    pub nodes: f64,
    pub gpus: f64,
    pub jobs: f64,
    pub samples: f64,
    /// Peak bytes while it runs.
    pub bytes_running: f64,
    /// Bytes its results hold until they are written.
    pub bytes_kept: f64,
    pub events: f64,
    /// The key of the scenario that the memory estimate grows with most.
    pub memory_key: &'static str,
    /// The key that the work estimate grows with most.
    pub work_key: &'static str,
}

/// Estimates one run of `sc` (the largest over its designs).
pub fn estimate_run(sc: &Scenario) -> RunEstimate {
    let horizon_h = sc.horizon as f64 / 3.6e6;
    let gpus_per_node = sc.gpus_per_node.max(1) as f64;
    let pool: Vec<f64> = sc.classes.iter().map(|c| c.initial_gpus as f64).collect();
    let extra: f64 = sc
        .supply
        .as_ref()
        .map_or(0.0, |s| s.pool_gpus.iter().map(|&g| g as f64).sum());
    let gpus = pool.iter().sum::<f64>() + extra;
    let nodes = pool.iter().map(|g| (g / gpus_per_node).ceil()).sum::<f64>()
        + (extra / gpus_per_node).ceil();
    let mut jobs = 0.0;
    let mut frames = 0.0;
    let mut trace_jobs = 0.0;
    for w in &sc.workloads {
        let n = match &w.trace {
            Some(t) => {
                trace_jobs += t.len() as f64;
                t.len() as f64
            }
            None => w.arrivals.rate_per_hour * horizon_h,
        };
        jobs += n;
        if w.kind == WorkloadKind::Render
            && let Some(f) = &w.frames
        {
            frames += n * f.mean().max(1.0);
        }
    }
    let samples = (sc.horizon / sc.sample_every.max(1)) as f64 + 1.0;
    // Per provider tier (one without tiers): its share of the nodes, two
    // events per up-down cycle.
    let churn: f64 = (0..sc.tier_count())
        .map(|t| {
            let share = sc.tiers.get(t).map_or(1.0, |x| x.share);
            sc.churn_of(t).map_or(0.0, |c| {
                let cycle_ms = (c.uptime.mean() + c.downtime.mean()).max(1.0);
                share * (nodes * 2.0 * sc.horizon as f64 / cycle_ms)
            })
        })
        .sum();
    let reviews = sc.supply.as_ref().map_or(0.0, |s| {
        nodes * sc.horizon as f64 / s.review_every.max(1) as f64
    });
    let bids = match (&sc.akash, sc.designs.contains(&super::DesignKind::Akash)) {
        (Some(a), true) => EVENTS_PER_BID * jobs * (a.max_bids as f64).min(nodes),
        _ => 0.0,
    };
    let job_events = EVENTS_PER_JOB * jobs;
    let events = job_events + EVENTS_PER_FRAME * frames + churn + reviews + samples + bids.max(0.0);
    let work_key = [
        (job_events + EVENTS_PER_FRAME * frames, "scenario.horizon"),
        (churn, "churn.uptime"),
        (reviews, "supply.review_every"),
        (samples, "output.sample_every"),
        (bids, "design.akash.max_bids"),
    ]
    .into_iter()
    .max_by(|a, b| a.0.total_cmp(&b.0))
    .map_or("scenario.horizon", |x| x.1);
    let per_node = NODE_BYTES
        + if sc.any_churn() {
            CHURN_NODE_BYTES
        } else {
            0.0
        }
        + if sc.designs.contains(&super::DesignKind::Render) {
            RENDER_NODE_BYTES
        } else {
            0.0
        };
    let node_bytes = nodes * per_node + gpus * GPU_BYTES;
    let job_bytes = jobs * JOB_BYTES;
    let sample_bytes = samples * SAMPLE_BYTES;
    let memory_key = if node_bytes >= job_bytes && node_bytes >= sample_bytes {
        "supply.initial"
    } else if job_bytes >= sample_bytes {
        "scenario.horizon"
    } else {
        "output.sample_every"
    };
    RunEstimate {
        nodes,
        gpus,
        jobs,
        samples,
        bytes_running: BASE_BYTES
            + node_bytes
            + job_bytes
            + sample_bytes
            + trace_jobs * TRACE_JOB_BYTES,
        bytes_kept: sample_bytes,
        events,
        memory_key,
        work_key,
    }
}

/// Bytes in words: `4.8 GB`.
pub fn fmt_bytes(b: f64) -> String {
    if b >= 1e12 {
        format!("{:.1} TB", b / 1e12)
    } else if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} kB", (b / 1e3).max(1.0))
    }
}

/// A count in words: `8.6e9` for large ones, digits for small ones.
pub fn fmt_count(x: f64) -> String {
    if x >= 1e7 {
        format!("{x:.2e}")
    } else {
        format!("{x:.0}")
    }
}

/// What a command is about to do, for the check against [`Limits`].
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    /// Runs in all.
    pub runs: f64,
    /// Runs in flight at once (threads, at most `runs`).
    pub in_flight: f64,
    /// Runs whose results are all held until the end (a `run`: all; a
    /// sweep streams them: the reorder window).
    pub kept: f64,
}

/// Checks the runs of `sc` against `limits`; `file` names the scenario.
/// `per_run` is the largest run's estimate, `events` the events of all
/// runs together.
pub fn check(
    file: &str,
    per_run: &RunEstimate,
    events: f64,
    w: Workload,
    limits: &Limits,
) -> Result<()> {
    if w.runs > limits.max_runs as f64 {
        return Err(Error::input(
            file,
            "scenario.replications",
            format!(
                "{} runs (replications × designs × sweep points) is more than the limit of {} (--max-runs); lower the replications or the points, or raise --max-runs",
                fmt_count(w.runs),
                limits.max_runs
            ),
        ));
    }
    let bytes = per_run.bytes_running * w.in_flight + per_run.bytes_kept * w.kept;
    if bytes > limits.max_memory_bytes as f64 {
        return Err(Error::input(
            file,
            per_run.memory_key,
            format!(
                "needs an estimated {} of memory ({} nodes, {} GPUs, {} expected jobs and {} samples per run; {} runs at once), more than the limit of {} (--max-memory); shrink the scenario, use fewer --threads, or raise --max-memory if the machine has the memory",
                fmt_bytes(bytes),
                fmt_count(per_run.nodes),
                fmt_count(per_run.gpus),
                fmt_count(per_run.jobs),
                fmt_count(per_run.samples),
                w.in_flight,
                fmt_bytes(limits.max_memory_bytes as f64),
            ),
        ));
    }
    if events > limits.max_events as f64 {
        return Err(Error::input(
            file,
            per_run.work_key,
            format!(
                "needs an estimated {} simulation events over {} runs ({} expected jobs per run), more than the limit of {} (--max-events; at about 2 M events/s per core that is {}); shorten the scenario or raise --max-events",
                fmt_count(events),
                fmt_count(w.runs),
                fmt_count(per_run.jobs),
                fmt_count(limits.max_events as f64),
                fmt_hours(events / 2e6),
            ),
        ));
    }
    Ok(())
}

/// Core-seconds in words.
fn fmt_hours(seconds: f64) -> String {
    let h = seconds / 3600.0;
    if h >= 24.0 * 365.0 {
        format!("{:.0} core-years", h / (24.0 * 365.0))
    } else if h >= 48.0 {
        format!("{:.0} core-days", h / 24.0)
    } else {
        format!("{h:.1} core-hours")
    }
}

/// Parses a size: bytes, or a number with `K`, `M`, `G` or `T` (powers of
/// 1024; a trailing `B` or `iB` is allowed): `512M`, `8G`, `1.5GiB`.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (num, scale) = match body.char_indices().last() {
        Some((i, 'k')) => (&body[..i], 1u64 << 10),
        Some((i, 'm')) => (&body[..i], 1 << 20),
        Some((i, 'g')) => (&body[..i], 1 << 30),
        Some((i, 't')) => (&body[..i], 1 << 40),
        _ => (body, 1),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a size; write e.g. 512M, 8G or 1T"))?;
    let bytes = v * scale as f64;
    if !(1.0..=1.8e19).contains(&bytes) {
        return Err(format!("{s:?} is not a size between 1 byte and 16 EiB"));
    }
    Ok(bytes as u64)
}

/// Parses a count written as digits or in exponent notation (`2e10`).
pub fn parse_count(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    if let Ok(n) = t.parse::<u64>() {
        return if n == 0 {
            Err("must be at least 1".into())
        } else {
            Ok(n)
        };
    }
    let v: f64 = t
        .parse()
        .map_err(|_| format!("{s:?} is not a count; write e.g. 1000000 or 2e10"))?;
    if !(1.0..=1.8e19).contains(&v) || v.fract() != 0.0 {
        return Err(format!("{s:?} is not a whole count between 1 and 1.8e19"));
    }
    Ok(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts_parse() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("8G"), Ok(8 << 30));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        for bad in ["", "G", "-1G", "8X", "1é", "NaNG", "1e30T"] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_count("2e10"), Ok(20_000_000_000));
        assert_eq!(parse_count("7"), Ok(7));
        for bad in ["0", "1.5", "x", "-3", "1e40"] {
            assert!(parse_count(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_largest_term_names_the_key() {
        let sc = crate::scenario::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/mmc.toml"))
                .unwrap(),
            "mmc.toml",
            &[crate::scenario::parse_override("scenario.horizon=\"1000000000d\"").unwrap()],
        );
        // The horizon alone is refused elsewhere (samples); whatever the
        // message, nothing panics and a run is estimated or rejected.
        if let Ok(sc) = sc {
            let e = estimate_run(&sc);
            assert!(e.events > 1e10, "{e:?}");
        }
    }
}
