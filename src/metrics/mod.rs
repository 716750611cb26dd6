//! Collects what a run measures and turns it into a summary row and a time
//! series. Everything before `warmup` is left out of the summary. Nothing is
//! kept per job: waits go into a running sum and a [`LogHistogram`], so a
//! run's memory does not grow with the number of jobs it serves.

pub mod histogram;
pub mod stats;

use crate::engine::{MS_PER_HOUR, SimTime, hours};
pub use histogram::LogHistogram;
use serde::Serialize;

/// A piecewise-constant quantity and its time integral after warmup.
#[derive(Debug, Clone, Default)]
pub struct TimeAvg {
    value: f64,
    last: SimTime,
    /// ∫ value dt over [warmup, last], in value·ms.
    area: f64,
}

impl TimeAvg {
    /// Changes the value at `now`, accumulating the old value since the last change.
    #[inline]
    pub fn set(&mut self, now: SimTime, warmup: SimTime, value: f64) {
        let from = self.last.max(warmup);
        if now > from {
            self.area += self.value * (now - from) as f64;
        }
        self.last = now;
        self.value = value;
    }

    /// Adds `delta` to the value at `now`.
    #[inline]
    pub fn add(&mut self, now: SimTime, warmup: SimTime, delta: f64) {
        let v = self.value + delta;
        self.set(now, warmup, v);
    }

    /// The current value.
    #[inline]
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The integral over [warmup, now], in value·ms.
    pub fn area_until(&self, now: SimTime, warmup: SimTime) -> f64 {
        let from = self.last.max(warmup);
        self.area
            + if now > from {
                self.value * (now - from) as f64
            } else {
                0.0
            }
    }
}

/// One row of the time series (before the run's point, replicate and design
/// are attached).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub t_h: f64,
    pub gpus_online: u64,
    pub gpus_busy: u64,
    pub queue_len: u64,
    pub jobs_running: u64,
    /// USD paid per useful GPU-hour over the interval since the last sample.
    pub usd_per_gpu_hour: Option<f64>,
    /// The token economy's state (tokens on).
    pub token: Option<TokenSample>,
}

/// The token state a time-series row shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TokenSample {
    pub price_usd: f64,
    pub supply: f64,
    pub minted_cum: f64,
    pub burned_cum: f64,
}

/// What one run of one design measured, after warmup. Units in the names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Sweep point index (0 for a plain run).
    pub point: u64,
    pub replicate: u32,
    /// The run's seed, derived from the master seed, point and replicate.
    pub seed: u64,
    pub design: &'static str,
    pub jobs_submitted: u64,
    pub jobs_completed: u64,
    pub jobs_interrupted: u64,
    pub jobs_lost_to_cloud: u64,
    pub mean_wait_h: Option<f64>,
    pub p95_wait_h: Option<f64>,
    pub utilization: Option<f64>,
    pub availability: Option<f64>,
    pub gpu_hours_delivered: f64,
    pub usd_per_gpu_hour: Option<f64>,
    pub interruptions_per_1k_gpu_h: Option<f64>,
    pub fleet_mean: f64,
    pub fleet_cv: f64,
    pub provider_margin: Option<f64>,
    pub token_price_final_usd: Option<f64>,
    pub token_volatility: Option<f64>,
    pub tokens_minted: Option<f64>,
    pub tokens_burned: Option<f64>,
    /// Largest fall of the token price from its running peak after warmup,
    /// as a fraction.
    pub token_max_drawdown: Option<f64>,
    /// Tokens in circulation at the horizon: the initial supply plus
    /// `tokens_minted` minus `tokens_burned` (both over the whole run).
    pub token_supply_final: Option<f64>,
    /// Token rewards paid to providers after warmup, USD at the price when
    /// paid (included in `provider_margin`).
    pub token_rewards_usd: Option<f64>,
    pub interruptions: u64,
    pub lost_gpu_hours: f64,
    pub mean_queue_len: Option<f64>,
    pub user_usd: f64,
    /// Jobs of a kind the design does not serve (e.g. training on Render).
    pub jobs_not_served: u64,
    /// Frames of completed render jobs, and how many of them were bad
    /// (expected count where the design does not check frames).
    pub frames_delivered: u64,
    pub bad_frames_delivered: f64,
    pub bad_frame_share: Option<f64>,
    /// GPU-hours redone (lost progress, rejected frames) over GPU-hours run.
    pub rework_share: Option<f64>,
    /// Render: frames rejected by verification.
    pub frames_rejected: Option<u64>,
    /// Akash: bids per order, mean winning markup over cost, leases closed
    /// by the network (provider down too long, escrow dry).
    pub bids_per_order: Option<f64>,
    pub mean_markup: Option<f64>,
    pub lease_closures: Option<u64>,
    /// io.net: jobs started ahead of an earlier waiting job, and the share of
    /// online GPU-hours that met the continuous-uptime rule for rewards.
    pub backfilled_jobs: Option<u64>,
    pub reward_eligible_share: Option<f64>,
}

/// One workload's share of a run, after warmup: what its users submitted,
/// got and paid. Designs serve different workloads, so comparing designs'
/// prices is only fair workload by workload (`workloads.csv`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkloadTotals {
    pub jobs_submitted: u64,
    pub jobs_completed: u64,
    pub jobs_lost_to_cloud: u64,
    pub jobs_not_served: u64,
    /// Interruptions of this workload's runs after warmup.
    pub interruptions: u64,
    /// Waits of counted jobs (completed or still in the system), ms.
    wait_sum_ms: f64,
    waits: u64,
    useful_gpu_ms: f64,
    lost_gpu_ms: f64,
    paid_usd: f64,
}

/// A row of `workloads.csv`: [`WorkloadTotals`] with the rates derived
/// from them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadSummary {
    /// Set by the runner, as in [`Summary`].
    pub point: u64,
    pub replicate: u32,
    pub design: &'static str,
    pub workload: String,
    pub jobs_submitted: u64,
    pub jobs_completed: u64,
    pub jobs_lost_to_cloud: u64,
    pub jobs_not_served: u64,
    pub mean_wait_h: Option<f64>,
    pub gpu_hours_delivered: f64,
    pub user_usd: f64,
    pub usd_per_gpu_hour: Option<f64>,
    pub interruptions_per_1k_gpu_h: Option<f64>,
    pub rework_share: Option<f64>,
}

impl WorkloadTotals {
    /// The row of workload `name`.
    /// What users paid per useful GPU-hour of this workload so far, and its
    /// mean wait in hours (`None` before any useful work after warmup):
    /// what world mode's `learning` broker learns from.
    pub fn realised(&self) -> Option<(f64, f64)> {
        (self.useful_gpu_ms > 0.0).then(|| {
            let wait = if self.waits > 0 {
                self.wait_sum_ms / self.waits as f64 / MS_PER_HOUR as f64
            } else {
                0.0
            };
            (
                self.paid_usd / (self.useful_gpu_ms / MS_PER_HOUR as f64),
                wait,
            )
        })
    }

    pub fn summary(&self, name: &str) -> WorkloadSummary {
        let useful_h = self.useful_gpu_ms / MS_PER_HOUR as f64;
        let lost_h = self.lost_gpu_ms / MS_PER_HOUR as f64;
        WorkloadSummary {
            point: 0,
            replicate: 0,
            design: "",
            workload: name.to_string(),
            jobs_submitted: self.jobs_submitted,
            jobs_completed: self.jobs_completed,
            jobs_lost_to_cloud: self.jobs_lost_to_cloud,
            jobs_not_served: self.jobs_not_served,
            mean_wait_h: finite(self.wait_sum_ms / self.waits as f64 / MS_PER_HOUR as f64),
            gpu_hours_delivered: useful_h,
            user_usd: self.paid_usd,
            usd_per_gpu_hour: finite(self.paid_usd / useful_h),
            interruptions_per_1k_gpu_h: finite(self.interruptions as f64 / useful_h * 1000.0),
            rework_share: finite(lost_h / (useful_h + lost_h)),
        }
    }
}

/// Columns only some designs fill; a design sets its own in `finish`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesignColumns {
    pub frames_rejected: Option<u64>,
    pub bids_per_order: Option<f64>,
    pub mean_markup: Option<f64>,
    pub lease_closures: Option<u64>,
    pub backfilled_jobs: Option<u64>,
    pub reward_eligible_share: Option<f64>,
}

/// The probabilities at which `waits.csv` gives each run's wait quantiles:
/// every percent from 0 to 100, plus 99.5% and 99.9% for the tail.
pub const WAIT_PROBS: [f64; 103] = {
    let mut p = [0.0; 103];
    let mut i = 0;
    while i <= 100 {
        p[i] = i as f64 / 100.0;
        i += 1;
    }
    // Keep the grid increasing: the tail points go between 99% and 100%.
    p[100] = 0.995;
    p[101] = 0.999;
    p[102] = 1.0;
    p
};

/// `Some(x)` when `x` is finite, else `None` (written as an empty CSV field).
#[inline]
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The metrics of one run, updated by the model as things happen.
pub struct Metrics {
    warmup: SimTime,
    pub jobs_interrupted: u64,
    pub frames_delivered: u64,
    pub bad_frames: f64,
    pub design: DesignColumns,
    /// Per workload, in scenario order; the run's job and interruption
    /// counts are their sums.
    pub by_workload: Vec<WorkloadTotals>,
    /// Total queued time of the counted jobs: their sum (ms, added in the
    /// order the jobs left) and their distribution.
    wait_sum_ms: f64,
    waits: LogHistogram,
    pub busy: TimeAvg,
    pub up: TimeAvg,
    pub queue: TimeAvg,
    fleet: TimeAvg,
    fleet_sq: TimeAvg,
    /// Providers' cost rate of the fleet, USD per hour.
    fleet_cost: TimeAvg,
    paid_usd: f64,
    provider_usd: f64,
    useful_gpu_ms: f64,
    lost_gpu_ms: f64,
    interval_paid_usd: f64,
    interval_useful_gpu_ms: f64,
    pub samples: Vec<Sample>,
}

impl Metrics {
    /// Fresh metrics for a run of `workloads` workloads whose summary
    /// starts at `warmup`.
    pub fn new(warmup: SimTime, workloads: usize) -> Self {
        Self {
            warmup,
            jobs_interrupted: 0,
            frames_delivered: 0,
            bad_frames: 0.0,
            design: DesignColumns::default(),
            by_workload: vec![WorkloadTotals::default(); workloads],
            wait_sum_ms: 0.0,
            waits: LogHistogram::new(),
            busy: TimeAvg::default(),
            up: TimeAvg::default(),
            queue: TimeAvg::default(),
            fleet: TimeAvg::default(),
            fleet_sq: TimeAvg::default(),
            fleet_cost: TimeAvg::default(),
            paid_usd: 0.0,
            provider_usd: 0.0,
            useful_gpu_ms: 0.0,
            lost_gpu_ms: 0.0,
            interval_paid_usd: 0.0,
            interval_useful_gpu_ms: 0.0,
            samples: Vec::new(),
        }
    }

    /// The warmup end, ms.
    #[inline]
    pub fn warmup(&self) -> SimTime {
        self.warmup
    }

    /// Sets the fleet size (GPUs) and its cost rate (USD/h) from `now` on.
    pub fn set_fleet(&mut self, now: SimTime, gpus: u64, cost_usd_per_h: f64) {
        let g = gpus as f64;
        self.fleet.set(now, self.warmup, g);
        self.fleet_sq.set(now, self.warmup, g * g);
        self.fleet_cost.set(now, self.warmup, cost_usd_per_h);
    }

    /// Changes the number of busy GPUs by `delta` at `now`.
    #[inline]
    pub fn busy_add(&mut self, now: SimTime, delta: f64) {
        self.busy.add(now, self.warmup, delta);
    }

    /// Changes the number of GPUs up by `delta` at `now`.
    #[inline]
    pub fn up_add(&mut self, now: SimTime, delta: f64) {
        self.up.add(now, self.warmup, delta);
    }

    /// Changes the queue length by `delta` at `now`.
    #[inline]
    pub fn queue_add(&mut self, now: SimTime, delta: f64) {
        self.queue.add(now, self.warmup, delta);
    }

    /// A job of workload `w` arrived after warmup.
    #[inline]
    pub fn submitted(&mut self, w: u16) {
        self.by_workload[w as usize].jobs_submitted += 1;
    }

    /// A counted job of workload `w` is of a kind the design does not serve.
    #[inline]
    pub fn not_served(&mut self, w: u16) {
        self.by_workload[w as usize].jobs_not_served += 1;
    }

    /// A counted job of workload `w` went to the cloud.
    #[inline]
    pub fn lost_to_cloud(&mut self, w: u16) {
        self.by_workload[w as usize].jobs_lost_to_cloud += 1;
    }

    /// A run of workload `w` was interrupted at `now` (counted after
    /// warmup).
    #[inline]
    pub fn interrupted(&mut self, w: u16, now: SimTime) {
        if now >= self.warmup {
            self.by_workload[w as usize].interruptions += 1;
        }
    }

    /// A counted job of workload `w` completed after waiting `queued_ms`.
    #[inline]
    pub fn completed(&mut self, w: u16, queued_ms: SimTime) {
        self.by_workload[w as usize].jobs_completed += 1;
        self.record_wait(w, queued_ms);
    }

    /// Records a finished stretch of running `[start, end]` of a job of
    /// workload `w` on `gpus` GPUs of which `useful_ms` (per GPU) was kept as
    /// progress; the user paid `user_usd` and the providers got
    /// `provider_usd`. The part after warmup counts, pro rata.
    // Always inlined: once per run, and `#[inline]` left it out of line.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub fn segment(
        &mut self,
        w: u16,
        start: SimTime,
        end: SimTime,
        gpus: u32,
        useful_ms: SimTime,
        user_usd: f64,
        provider_usd: f64,
    ) {
        debug_assert!(useful_ms <= end - start);
        let g = gpus as f64;
        self.interval_paid_usd += user_usd;
        self.interval_useful_gpu_ms += g * useful_ms as f64;
        if end <= self.warmup || end == start {
            return;
        }
        if start >= self.warmup {
            // All of it counts: f = 1 below, so the same sums without the
            // division and the products by f (x · 1.0 = x exactly).
            let useful = g * useful_ms as f64;
            let lost = g * (end - start - useful_ms) as f64;
            self.paid_usd += user_usd;
            self.provider_usd += provider_usd;
            self.useful_gpu_ms += useful;
            self.lost_gpu_ms += lost;
            let t = &mut self.by_workload[w as usize];
            t.paid_usd += user_usd;
            t.useful_gpu_ms += useful;
            t.lost_gpu_ms += lost;
            return;
        }
        let f = (end - start.max(self.warmup)) as f64 / (end - start) as f64;
        self.paid_usd += f * user_usd;
        self.provider_usd += f * provider_usd;
        self.useful_gpu_ms += f * g * useful_ms as f64;
        self.lost_gpu_ms += f * g * (end - start - useful_ms) as f64;
        let t = &mut self.by_workload[w as usize];
        t.paid_usd += f * user_usd;
        t.useful_gpu_ms += f * g * useful_ms as f64;
        t.lost_gpu_ms += f * g * (end - start - useful_ms) as f64;
    }

    /// Records the total queued time of a counted job of workload `w` when it
    /// leaves the system (completed, or still in it at the horizon).
    #[inline]
    pub fn record_wait(&mut self, w: u16, queued_ms: SimTime) {
        self.waits.record(queued_ms);
        self.wait_sum_ms += queued_ms as f64;
        let t = &mut self.by_workload[w as usize];
        t.wait_sum_ms += queued_ms as f64;
        t.waits += 1;
    }

    /// The mean and nearest-rank 95th percentile wait, hours, of the counted
    /// jobs of several runs together (world mode: a strategy's networks).
    pub fn pooled_waits_h(runs: &[&Metrics]) -> (Option<f64>, Option<f64>) {
        let mut all = LogHistogram::new();
        let mut sum = 0.0;
        for m in runs {
            all.merge(&m.waits);
            sum += m.wait_sum_ms;
        }
        if all.is_empty() {
            return (None, None);
        }
        let mean = sum / all.len() as f64 / MS_PER_HOUR as f64;
        (Some(mean), Some(hours(all.quantiles(&[0.95])[0])))
    }

    /// The nearest-rank wait quantiles of the counted jobs at `probs` (each
    /// in [0, 1]), hours, within the histogram's bound (relative error at
    /// most 2^-11, [`histogram`]); empty when no job was counted.
    pub fn wait_quantiles_h(&self, probs: &[f64]) -> Vec<f64> {
        self.waits.quantiles(probs).into_iter().map(hours).collect()
    }

    /// Appends a time-series row at `now`.
    pub fn sample(&mut self, now: SimTime, gpus_online: u64, queue_len: u64, jobs_running: u64) {
        let usd = self.interval_paid_usd / (self.interval_useful_gpu_ms / MS_PER_HOUR as f64);
        self.samples.push(Sample {
            t_h: hours(now),
            gpus_online,
            gpus_busy: self.busy.value() as u64,
            queue_len,
            jobs_running,
            usd_per_gpu_hour: finite(usd),
            token: None,
        });
        self.interval_paid_usd = 0.0;
        self.interval_useful_gpu_ms = 0.0;
    }

    /// The summary at the horizon.
    pub fn summarize(&self, horizon: SimTime) -> Summary {
        let w = self.warmup;
        let window_ms = (horizon - w) as f64;
        let busy = self.busy.area_until(horizon, w);
        let up = self.up.area_until(horizon, w);
        let fleet = self.fleet.area_until(horizon, w);
        let fleet_mean = fleet / window_ms;
        let fleet_var =
            (self.fleet_sq.area_until(horizon, w) / window_ms - fleet_mean * fleet_mean).max(0.0);
        let cost_usd = self.fleet_cost.area_until(horizon, w) / MS_PER_HOUR as f64;
        let useful_h = self.useful_gpu_ms / MS_PER_HOUR as f64;
        let total = |count: fn(&WorkloadTotals) -> u64| self.by_workload.iter().map(count).sum();
        let interruptions: u64 = total(|t| t.interruptions);
        let (mean_wait_h, p95_wait_h) = if self.waits.is_empty() {
            (None, None)
        } else {
            let mean = self.wait_sum_ms / self.waits.len() as f64;
            // Nearest-rank 95th percentile, within the histogram's bound.
            let p95 = self.waits.quantiles(&[0.95])[0];
            (Some(mean / MS_PER_HOUR as f64), Some(hours(p95)))
        };
        Summary {
            point: 0,
            replicate: 0,
            seed: 0,
            design: "",
            jobs_submitted: total(|t| t.jobs_submitted),
            jobs_completed: total(|t| t.jobs_completed),
            jobs_interrupted: self.jobs_interrupted,
            jobs_lost_to_cloud: total(|t| t.jobs_lost_to_cloud),
            mean_wait_h,
            p95_wait_h,
            utilization: finite(busy / up),
            availability: finite(up / fleet),
            gpu_hours_delivered: useful_h,
            usd_per_gpu_hour: finite(self.paid_usd / useful_h),
            interruptions_per_1k_gpu_h: finite(interruptions as f64 / useful_h * 1000.0),
            fleet_mean,
            fleet_cv: if fleet_mean > 0.0 {
                fleet_var.sqrt() / fleet_mean
            } else {
                0.0
            },
            provider_margin: finite((self.provider_usd - cost_usd) / (fleet / MS_PER_HOUR as f64)),
            token_price_final_usd: None,
            token_volatility: None,
            tokens_minted: None,
            tokens_burned: None,
            token_max_drawdown: None,
            token_supply_final: None,
            token_rewards_usd: None,
            interruptions,
            lost_gpu_hours: self.lost_gpu_ms / MS_PER_HOUR as f64,
            mean_queue_len: finite(self.queue.area_until(horizon, w) / window_ms),
            user_usd: self.paid_usd,
            jobs_not_served: total(|t| t.jobs_not_served),
            frames_delivered: self.frames_delivered,
            bad_frames_delivered: self.bad_frames,
            bad_frame_share: (self.frames_delivered > 0)
                .then(|| self.bad_frames / self.frames_delivered as f64),
            rework_share: finite(self.lost_gpu_ms / (self.lost_gpu_ms + self.useful_gpu_ms)),
            frames_rejected: self.design.frames_rejected,
            bids_per_order: self.design.bids_per_order,
            mean_markup: self.design.mean_markup,
            lease_closures: self.design.lease_closures,
            backfilled_jobs: self.design.backfilled_jobs,
            reward_eligible_share: self.design.reward_eligible_share,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_average_ignores_warmup() {
        let mut a = TimeAvg::default();
        a.set(0, 100, 5.0);
        a.set(50, 100, 1.0);
        a.set(150, 100, 3.0);
        // [100,150] at 1, [150,200] at 3.
        assert_eq!(a.area_until(200, 100), 50.0 + 150.0);
    }

    #[test]
    fn segments_straddling_warmup_count_pro_rata() {
        let mut m = Metrics::new(1000, 1);
        m.segment(0, 0, 4000, 2, 4000, 8.0, 8.0);
        assert_eq!(m.paid_usd, 6.0);
        assert_eq!(m.useful_gpu_ms, 6000.0);
        m.segment(0, 2000, 3000, 1, 250, 0.0, 0.0);
        assert_eq!(m.lost_gpu_ms, 750.0);
        m.segment(0, 0, 500, 1, 500, 1.0, 1.0);
        assert_eq!(m.paid_usd, 6.0, "segments ending in warmup do not count");
    }

    #[test]
    fn wait_percentile_is_nearest_rank_within_the_histogram_bound() {
        let mut m = Metrics::new(0, 1);
        for i in 1..=100u64 {
            m.record_wait(0, i * MS_PER_HOUR);
        }
        m.set_fleet(0, 1, 0.0);
        let s = m.summarize(10);
        let bound = |h: f64| h / (1u64 << histogram::PRECISION_BITS) as f64;
        let p95 = s.p95_wait_h.unwrap();
        assert!((p95 - 95.0).abs() <= bound(95.0), "{p95}");
        assert_ne!(
            p95, 95.0,
            "95 h is not a bucket midpoint: the bound is used"
        );
        assert_eq!(s.mean_wait_h, Some(50.5), "the mean is exact");
        // Nearest rank: p = 0 is the minimum, 0.5 the 50th of 100, 1 the
        // maximum; the extremes are exact.
        let q = m.wait_quantiles_h(&[0.0, 0.5, 0.95, 1.0]);
        assert_eq!((q[0], q[3]), (1.0, 100.0));
        assert!((q[1] - 50.0).abs() <= bound(50.0), "{}", q[1]);
        assert_eq!(q[2], p95);
        assert!(Metrics::new(0, 1).wait_quantiles_h(&[0.5]).is_empty());
    }
}
