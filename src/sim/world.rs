//! World mode's run: the networks of `[world]` side by side on one fleet,
//! jobs routed by one strategy of the broker, and what the strategy's jobs
//! got over all networks (`strategies.csv`) and where each workload's jobs
//! went (`routing.csv`).

use super::{Run, RunOutput};
use crate::engine::MS_PER_HOUR;
use crate::metrics::{Metrics, finite};
use crate::model::demand::JobDraw;
use crate::scenario::Scenario;
use serde::Serialize;

/// What the broker saw of a strategy's counted jobs (arrived after warmup).
#[derive(Debug, Clone)]
pub(super) struct Tally {
    /// Per workload: jobs arrived, and jobs accepted by each network.
    submitted: Vec<u64>,
    routed: Vec<Vec<u64>>,
    /// Per workload: jobs no network took (lost to an outside cloud).
    lost: Vec<u64>,
    /// The lost jobs' GPU-hours of work, and what they would cost on the
    /// cloud at the cheapest acceptable class's `cloud_price_per_hour`.
    lost_gpu_h: f64,
    lost_cloud_usd: f64,
}

impl Tally {
    pub fn new(sc: &Scenario) -> Self {
        let w = sc.workloads.len();
        let n = sc.world.as_ref().map_or(1, |x| x.networks.len());
        Self {
            submitted: vec![0; w],
            routed: vec![vec![0; n]; w],
            lost: vec![0; w],
            lost_gpu_h: 0.0,
            lost_cloud_usd: 0.0,
        }
    }

    /// A job of workload `w` was accepted by network `net`.
    pub fn routed(&mut self, w: usize, net: u8, counted: bool) {
        if counted {
            self.submitted[w] += 1;
            self.routed[w][net as usize] += 1;
        }
    }

    /// No network took the job `draw` of workload `w`.
    pub fn lost(&mut self, sc: &Scenario, w: usize, draw: &JobDraw, counted: bool) {
        if !counted {
            return;
        }
        self.submitted[w] += 1;
        self.lost[w] += 1;
        let gpu_h = draw.gpus as f64 * draw.work_ms as f64 / MS_PER_HOUR as f64;
        let price = (0..sc.classes.len())
            .filter(|&c| draw.class_mask & (1 << c) != 0)
            .map(|c| sc.classes[c].cloud_price_per_hour)
            .fold(f64::INFINITY, f64::min);
        self.lost_gpu_h += gpu_h;
        if price.is_finite() {
            self.lost_cloud_usd += gpu_h * price;
        }
    }
}

/// A row of `strategies.csv`: one strategy's jobs over all networks.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StrategyRow {
    pub point: u64,
    pub replicate: u32,
    pub seed: u64,
    pub strategy: String,
    pub jobs_submitted: u64,
    pub jobs_completed: u64,
    pub jobs_lost_to_cloud: u64,
    /// What users paid per useful GPU-hour on the networks.
    pub usd_per_gpu_hour: Option<f64>,
    /// The same with the lost jobs served by the cloud at its list price:
    /// the cost of serving every job, comparable across strategies.
    pub usd_per_gpu_hour_all_jobs: Option<f64>,
    pub mean_wait_h: Option<f64>,
    pub p95_wait_h: Option<f64>,
    pub interruptions_per_1k_gpu_h: Option<f64>,
    pub bad_frame_share: Option<f64>,
    pub gpu_hours_delivered: f64,
    pub user_usd: f64,
}

/// A row of `routing.csv`: where one workload's jobs went under a strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutingRow {
    pub point: u64,
    pub replicate: u32,
    pub strategy: String,
    pub workload: String,
    pub network: &'static str,
    /// Counted jobs the network accepted (after any failover).
    pub jobs_routed: u64,
    pub jobs_completed: u64,
    pub usd_per_gpu_hour: Option<f64>,
    pub mean_wait_h: Option<f64>,
}

/// What one world run produced: each network's measurements (in
/// `world.networks` order), the strategy's row and its routing rows (with
/// point, replicate and seed for the runner to set).
#[derive(Debug, Clone)]
pub struct WorldOutput {
    pub nets: Vec<RunOutput>,
    pub strategy: StrategyRow,
    pub routing: Vec<RoutingRow>,
}

/// Simulates the networks of `sc.world` side by side with strategy
/// `strategy` (an index into `world.strategies`) on the streams of
/// `run_seed`: the same jobs, nodes and outages as the designs alone.
pub fn simulate_world(sc: &Scenario, strategy: usize, run_seed: u64) -> WorldOutput {
    let w = sc.world.as_ref().expect("world mode needs [world]");
    let run = Run::build(sc, &w.networks, Some(strategy), run_seed);
    let (nets, sim, metrics) = run.finish_all();
    let tally = sim.brokerage.expect("world mode has a broker").tally;
    let name = w.strategy_names[strategy].clone();
    let sum = |f: fn(&RunOutput) -> f64| nets.iter().map(f).sum::<f64>();
    let user = sum(|n| n.summary.user_usd);
    let gpu_h = sum(|n| n.summary.gpu_hours_delivered);
    let interruptions = sum(|n| n.summary.interruptions as f64);
    let frames = sum(|n| n.summary.frames_delivered as f64);
    let bad = sum(|n| n.summary.bad_frames_delivered);
    let refs: Vec<&Metrics> = metrics.iter().collect();
    let (mean_wait_h, p95_wait_h) = Metrics::pooled_waits_h(&refs);
    let strategy_row = StrategyRow {
        point: 0,
        replicate: 0,
        seed: run_seed,
        strategy: name.clone(),
        jobs_submitted: tally.submitted.iter().sum(),
        jobs_completed: nets.iter().map(|n| n.summary.jobs_completed).sum(),
        jobs_lost_to_cloud: tally.lost.iter().sum(),
        usd_per_gpu_hour: finite(user / gpu_h),
        usd_per_gpu_hour_all_jobs: finite(
            (user + tally.lost_cloud_usd) / (gpu_h + tally.lost_gpu_h),
        ),
        mean_wait_h,
        p95_wait_h,
        interruptions_per_1k_gpu_h: finite(interruptions / gpu_h * 1000.0),
        bad_frame_share: (frames > 0.0).then(|| bad / frames),
        gpu_hours_delivered: gpu_h,
        user_usd: user,
    };
    let mut routing = Vec::new();
    for (wi, wl) in sc.workloads.iter().enumerate() {
        for (j, n) in nets.iter().enumerate() {
            let ws = &n.workloads[wi];
            routing.push(RoutingRow {
                point: 0,
                replicate: 0,
                strategy: name.clone(),
                workload: wl.name.clone(),
                network: w.networks[j].name(),
                jobs_routed: tally.routed[wi][j],
                jobs_completed: ws.jobs_completed,
                usd_per_gpu_hour: ws.usd_per_gpu_hour,
                mean_wait_h: ws.mean_wait_h,
            });
        }
    }
    WorldOutput {
        nets,
        strategy: strategy_row,
        routing,
    }
}
