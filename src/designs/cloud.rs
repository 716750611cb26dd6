//! The centralized cloud: the same jobs served from the cloud's own
//! capacity, not the DePIN fleet — the reference every analyst compares
//! DePIN against. On-demand at the class's list price; optionally a share
//! of jobs on spot capacity at a discount, preempted after a time drawn from
//! a distribution (progress kept up to the last checkpoint, the run restarts
//! after a delay); optionally a quota per class (GPUs the users may hold at
//! once: jobs beyond it wait, first come first served, so the cloud with a
//! quota is an M/M/c queue); instances that keep an SLA availability, their
//! failures interrupting runs like preemptions. Billing per increment (one
//! second by default) with a minimum per run.
//!
//! The cloud ignores the world's nodes and churn; its own GPUs are busy in
//! the `utilization` column against its quota (none without a quota), and
//! `availability` is its SLA.

use super::{
    Ctx, Design, Lane, Quote, Timer, admit, begin_run, complete, end_run, enqueue_in_lane,
};
use super::{finish_jobs, kept_progress, new_job, requeue_interrupted, run_elapsed, usd};
use crate::engine::{Rng, SimTime, StreamNs};
use crate::metrics::{DesignColumns, Summary};
use crate::model::NodeId;
use crate::model::demand::JobDraw;
use crate::model::jobs::JobState;
use crate::scenario::{CloudParams, Scenario};
use rand::Rng as _;
use rand_distr::{Distribution, Exp};

/// The cloud's timers: a run is interrupted (spot preemption or instance
/// failure), an interrupted job restarts. Both carry the job's generation
/// at the time they were set, so they are ignored once the job moved on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudTimer {
    Interrupt { slot: u32, generation: u32 },
    Restart { slot: u32, generation: u32 },
}

impl Timer for CloudTimer {
    fn pack(self) -> (u8, u32, u32) {
        match self {
            CloudTimer::Interrupt { slot, generation } => (0, slot, generation),
            CloudTimer::Restart { slot, generation } => (1, slot, generation),
        }
    }
    fn unpack(tag: u8, a: u32, b: u32) -> Self {
        match tag {
            0 => CloudTimer::Interrupt {
                slot: a,
                generation: b,
            },
            1 => CloudTimer::Restart {
                slot: a,
                generation: b,
            },
            _ => unreachable!("the cloud sets no timer with tag {tag}"),
        }
    }
}

/// The centralized cloud.
pub struct Cloud {
    p: CloudParams,
    /// Jobs waiting for quota, by (class set, gang size), oldest first.
    lanes: Vec<Lane>,
    queued: usize,
    /// On-demand GPUs held now, by class.
    in_use: Vec<u32>,
    /// Per job slot: whether it runs on spot.
    on_spot: Vec<bool>,
    next_serial: u64,
    spot_rng: Rng,
    preempt_rng: Rng,
    fail_rng: Rng,
    fail: Option<Exp<f64>>,
    /// GPUs of quota over all classes (0: some class has no quota).
    capacity: u64,
}

impl Cloud {
    /// The cloud with parameters `p` for the classes of `sc`, drawing spot
    /// choices, preemptions and failures from the `spot`, `preempt` and
    /// `fail` streams of namespace `ns`.
    pub fn new(p: &CloudParams, sc: &Scenario, ns: &StreamNs) -> Self {
        let capacity = if p.quota.iter().all(|&q| q != u32::MAX) {
            p.quota.iter().map(|&q| q as u64).sum()
        } else {
            0
        };
        Self {
            fail: p
                .mtbf
                .map(|m| Exp::new(1.0 / m).expect("the mtbf is checked > 0")),
            p: p.clone(),
            lanes: Vec::new(),
            queued: 0,
            in_use: vec![0; sc.classes.len()],
            on_spot: Vec::new(),
            next_serial: 0,
            spot_rng: ns.stream("spot"),
            preempt_rng: ns.stream("preempt"),
            fail_rng: ns.stream("fail"),
            capacity,
        }
    }

    /// The cheapest class of `mask` the job can start on now (spot: any;
    /// on-demand: within the quota), ties to the lower index.
    fn pick_class(&self, mask: u64, gpus: u32, spot: bool) -> Option<u16> {
        let mut best: Option<(f64, u16)> = None;
        let mut m = mask;
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            let price = self.p.price_per_gpu_hour[c];
            let fits = spot || self.in_use[c] as u64 + gpus as u64 <= self.p.quota[c] as u64;
            if fits && price.is_finite() && best.is_none_or(|(b, _)| price < b) {
                best = Some((price, c as u16));
            }
        }
        best.map(|(_, c)| c)
    }

    /// Starts queued job `slot` now if a class has room; returns whether it
    /// started.
    fn try_start(&mut self, ctx: &mut Ctx, slot: u32) -> bool {
        let spot = self.on_spot[slot as usize];
        let (mask, gpus) = (ctx.jobs[slot].class_mask, ctx.jobs[slot].gpus);
        let Some(class) = self.pick_class(mask, gpus, spot) else {
            return false;
        };
        let mut price = self.p.price_per_gpu_hour[class as usize];
        if spot {
            price *= 1.0 - self.p.spot.as_ref().map_or(0.0, |s| s.discount);
        } else {
            self.in_use[class as usize] += gpus;
        }
        begin_run(ctx, slot, class, price);
        // The run's end is scheduled; an interruption before it, if one is
        // drawn, makes that end stale.
        let mut until = SimTime::MAX;
        if let Some(f) = &self.fail {
            until = until.min(((f.sample(&mut self.fail_rng) + 0.5) as SimTime).max(1));
        }
        if spot && let Some(s) = &self.p.spot {
            until = until.min(s.preemption.sample_ms(&mut self.preempt_rng, 1));
        }
        let job = &ctx.jobs[slot];
        if until < job.remaining {
            let generation = job.generation;
            ctx.timer_after(until, CloudTimer::Interrupt { slot, generation });
        }
        true
    }

    /// What a run of `ms` on `gpus` GPUs at `price` is billed: whole billing
    /// increments, at least the minimum.
    fn bill(&self, gpus: u32, ms: SimTime, price: f64) -> f64 {
        let inc = self.p.billing_increment;
        let billed = ms.div_ceil(inc) * inc;
        usd(gpus, billed.max(self.p.min_billed), price)
    }

    /// Gives back the quota an on-demand run of `slot` held.
    fn release(&mut self, ctx: &Ctx, slot: u32) {
        if !self.on_spot[slot as usize] {
            let job = &ctx.jobs[slot];
            self.in_use[job.class as usize] -= job.gpus;
        }
    }

    /// Starts waiting jobs while quota allows: lanes by the age of their
    /// head; a head that cannot start blocks later jobs that want any of
    /// its classes (first come, first served per class).
    fn dispatch(&mut self, ctx: &mut Ctx) {
        if self.queued == 0 {
            return;
        }
        let mut order: Vec<usize> = (0..self.lanes.len())
            .filter(|&l| !self.lanes[l].jobs.is_empty())
            .collect();
        order.sort_by_key(|&l| ctx.jobs[self.lanes[l].jobs[0]].serial);
        let mut blocked = 0u64;
        for l in order {
            while let Some(&slot) = self.lanes[l].jobs.front() {
                let mask = ctx.jobs[slot].class_mask;
                if mask & blocked != 0 || !self.try_start(ctx, slot) {
                    blocked |= mask;
                    break;
                }
                self.lanes[l].jobs.pop_front();
                self.queued -= 1;
                ctx.metrics.queue_add(ctx.now(), -1.0);
            }
        }
    }

    /// Starts `slot` now, or queues it for quota.
    fn start_or_queue(&mut self, ctx: &mut Ctx, slot: u32) {
        let waiting_for_class = self.queued > 0 && {
            let mask = ctx.jobs[slot].class_mask;
            self.lanes
                .iter()
                .any(|l| !l.jobs.is_empty() && l.mask & mask != 0)
        };
        if !waiting_for_class && self.try_start(ctx, slot) {
            return;
        }
        enqueue_in_lane(&mut self.lanes, ctx.jobs, slot);
        self.queued += 1;
        ctx.metrics.queue_add(ctx.now(), 1.0);
    }
}

impl Design for Cloud {
    type Timer = CloudTimer;

    /// The cloud's capacity is its quota, not the DePIN fleet.
    fn on_fleet(&self) -> bool {
        false
    }

    /// At t = 0: its GPUs (the quota; none counted without one) are up.
    fn begin(&mut self, ctx: &mut Ctx) {
        let g = self.capacity;
        ctx.metrics.set_fleet(0, g, 0.0);
        ctx.metrics.up_add(0, g as f64);
    }

    /// A job arrives: served on the cheapest acceptable class (whatever the
    /// user's maximum price: the cloud is the outside option), on spot with
    /// the spot share.
    fn submit(&mut self, ctx: &mut Ctx, w: usize, draw: JobDraw) {
        let Some(counted) = admit(ctx, w, self.p.serves) else {
            return;
        };
        let spot = self
            .p
            .spot
            .as_ref()
            .is_some_and(|s| self.spot_rng.random::<f64>() < s.share);
        let serial = self.next_serial;
        self.next_serial += 1;
        let mask = draw.class_mask;
        let slot = new_job(ctx, serial, w, draw, mask, counted);
        if self.on_spot.len() <= slot as usize {
            self.on_spot.resize(slot as usize + 1, false);
        }
        self.on_spot[slot as usize] = spot;
        self.start_or_queue(ctx, slot);
    }

    /// The cloud's instances are not the world's nodes.
    fn node_down(&mut self, _ctx: &mut Ctx, _node: NodeId) {}

    fn node_up(&mut self, _ctx: &mut Ctx, _node: NodeId) {}

    /// A run finished: billed, the job is done, its quota free.
    fn job_end(&mut self, ctx: &mut Ctx, slot: u32) {
        let (gpus, price) = (ctx.jobs[slot].gpus, ctx.jobs[slot].price_per_gpu_h);
        let paid = self.bill(gpus, run_elapsed(ctx, slot), price);
        self.release(ctx, slot);
        complete(ctx, slot, paid, paid);
        self.dispatch(ctx);
    }

    fn timer(&mut self, ctx: &mut Ctx, t: CloudTimer) {
        match t {
            CloudTimer::Interrupt { slot, generation } => {
                let job = &ctx.jobs[slot];
                if job.generation != generation || !matches!(job.state, JobState::Running { .. }) {
                    return;
                }
                let elapsed = run_elapsed(ctx, slot);
                let (gpus, price) = (job.gpus, job.price_per_gpu_h);
                let kept = kept_progress(job, elapsed);
                let paid = self.bill(gpus, elapsed, price);
                self.release(ctx, slot);
                end_run(ctx, slot, kept, paid, paid);
                requeue_interrupted(ctx, slot, kept);
                let generation = ctx.jobs[slot].generation;
                let t = CloudTimer::Restart { slot, generation };
                ctx.timer_after(self.p.restart_delay, t);
                self.dispatch(ctx);
            }
            CloudTimer::Restart { slot, generation } => {
                if ctx.jobs[slot].generation == generation {
                    self.start_or_queue(ctx, slot);
                }
            }
        }
    }

    /// Its list price for the cheapest acceptable class (spot's share at its
    /// discount), whatever the user's maximum price; a wait only when a
    /// quota is full.
    fn quote(&self, ctx: &Ctx, w: usize, draw: &JobDraw) -> Option<Quote> {
        if ctx.sc.workloads[w].kind.bit() & self.p.serves == 0 {
            return None;
        }
        let (c, price) =
            super::cheapest_class(&self.p.price_per_gpu_hour, draw.class_mask, f64::INFINITY)?;
        let off = self.p.spot.as_ref().map_or(0.0, |s| s.share * s.discount);
        let full = self.in_use[c] as u64 + draw.gpus as u64 > self.p.quota[c] as u64;
        let mean_h = ctx.sc.workloads[w].duration.mean() / crate::engine::MS_PER_HOUR as f64;
        let busy = self.in_use[c].max(1) as f64;
        Some(Quote {
            usd_per_gpu_h: price * (1.0 - off),
            wait_h: if full || self.queued > 0 {
                (self.queued as f64 + 1.0) * draw.gpus as f64 * mean_h / busy
            } else {
                0.0
            },
            risk: 0.0,
        })
    }

    /// Jobs waiting for quota.
    fn queue_len(&self) -> usize {
        self.queued
    }

    /// At the horizon: runs in progress are paid for the time they ran (no
    /// rounding or minimum: the run has not ended).
    fn finish(&mut self, ctx: &mut Ctx) {
        finish_jobs(ctx, |job, ms| {
            let paid = usd(job.gpus, ms, job.price_per_gpu_h);
            (paid, paid)
        });
        ctx.metrics.design = DesignColumns::default();
    }

    /// The cloud's availability is its SLA; it models no provider costs, so
    /// it has no provider margin.
    fn amend(&self, s: &mut Summary) {
        s.availability = Some(self.p.sla);
        s.provider_margin = None;
    }
}
