//! io.net: a coordinator with one global queue places gang jobs on free GPUs
//! of an acceptable class and bills per GPU-hour. A worker that drops mid-job
//! is not paid for that run (io.net docs); the job goes back to the queue and
//! restarts from its last checkpoint.

use super::Ctx;
use crate::engine::{MS_PER_HOUR, SimTime};
use crate::model::demand::JobDraw;
use crate::model::jobs::{Job, JobState};
use crate::model::{Event, NodeId};
use crate::scenario::{IonetPolicy, Scenario};
use std::collections::VecDeque;

/// Jobs waiting for the same set of classes, oldest first.
struct Lane {
    mask: u64,
    jobs: VecDeque<u32>,
}

/// The io.net coordinator.
pub struct Ionet {
    policy: IonetPolicy,
    /// USD per GPU-hour by class.
    price: Vec<f64>,
    /// Class indices, cheapest first (ties: scenario order): where a job that
    /// accepts several classes is placed.
    by_price: Vec<u16>,
    /// Waiting jobs, one lane per distinct set of usable classes, each lane
    /// in arrival order (`Job::serial`). Few lanes exist (about one per
    /// workload), so dispatch merges lane heads instead of scanning a queue.
    lanes: Vec<Lane>,
    /// Jobs waiting in all lanes.
    queued: usize,
    /// Scratch buffer for a slot list, kept to avoid allocating per event.
    scratch: Vec<u32>,
    next_serial: u64,
}

impl Ionet {
    /// A coordinator with the prices and policy of `sc.ionet`.
    pub fn new(sc: &Scenario) -> Self {
        let params = sc
            .ionet
            .as_ref()
            .expect("scenario checking requires [design.ionet] for ionet");
        let price = params.price_per_gpu_hour.clone();
        let mut by_price: Vec<u16> = (0..price.len() as u16)
            .filter(|&c| price[c as usize].is_finite())
            .collect();
        by_price.sort_by(|&a, &b| {
            price[a as usize]
                .total_cmp(&price[b as usize])
                .then(a.cmp(&b))
        });
        Self {
            policy: params.policy,
            price,
            by_price,
            lanes: Vec::new(),
            queued: 0,
            scratch: Vec::new(),
            next_serial: 0,
        }
    }

    /// Jobs waiting.
    pub fn queue_len(&self) -> usize {
        self.queued
    }

    /// Puts `slot` in the lane of its class set, in arrival order.
    fn enqueue(&mut self, ctx: &mut Ctx, slot: u32) {
        let job = &ctx.jobs[slot];
        let (mask, serial) = (job.class_mask, job.serial);
        let li = match self.lanes.iter().position(|l| l.mask == mask) {
            Some(li) => li,
            None => {
                self.lanes.push(Lane {
                    mask,
                    jobs: VecDeque::new(),
                });
                self.lanes.len() - 1
            }
        };
        let lane = &mut self.lanes[li].jobs;
        if lane.back().is_none_or(|&s| ctx.jobs[s].serial < serial) {
            lane.push_back(slot);
        } else {
            let pos = lane.partition_point(|&s| ctx.jobs[s].serial < serial);
            lane.insert(pos, slot);
        }
        self.queued += 1;
        ctx.metrics.queue_add(ctx.sched.now(), 1.0);
    }

    /// A job arrives: it goes to the cloud if no acceptable class is within
    /// its maximum price, else into the queue.
    pub fn submit(&mut self, ctx: &mut Ctx, w: usize, draw: JobDraw) {
        let now = ctx.sched.now();
        let wl = &ctx.sc.workloads[w];
        let counted = now >= ctx.metrics.warmup();
        if counted {
            ctx.metrics.jobs_submitted += 1;
        }
        let affordable = self
            .by_price
            .iter()
            .filter(|&&c| self.price[c as usize] <= draw.max_price)
            .fold(0u64, |m, &c| m | (1 << c));
        let mask = wl.class_mask & affordable;
        if mask == 0 {
            if counted {
                ctx.metrics.jobs_lost_to_cloud += 1;
            }
            return;
        }
        let slot = ctx.jobs.insert(Job {
            serial: self.next_serial,
            workload: w as u16,
            gpus: wl.gpus,
            class_mask: mask,
            submitted: now,
            remaining: draw.work_ms,
            checkpoint_every: wl.checkpoint_every.unwrap_or(0),
            state: JobState::Queued { since: now },
            queued_ms: 0,
            counted,
            interrupted: false,
            class: 0,
            price_per_gpu_h: 0.0,
            alloc: Vec::new(),
            generation: 0,
        });
        self.next_serial += 1;
        self.enqueue(ctx, slot);
        self.dispatch(ctx);
    }

    /// Starts every waiting job that the policy allows to start now.
    ///
    /// FIFO: jobs are taken in arrival order; a job that cannot be placed
    /// blocks its classes, so no later job starts on a class an earlier job
    /// is waiting for (later jobs may still start on other classes).
    pub fn dispatch(&mut self, ctx: &mut Ctx) {
        match self.policy {
            IonetPolicy::Fifo => self.dispatch_fifo(ctx),
        }
    }

    /// Repeatedly takes the oldest waiting job among lanes that could use a
    /// free, unblocked class. Each step starts a job or blocks at least one
    /// more class, so a dispatch costs O(lanes × (jobs started + classes)).
    fn dispatch_fifo(&mut self, ctx: &mut Ctx) {
        let mut blocked = 0u64;
        loop {
            let open = ctx.world.pool.free_mask() & !blocked;
            if open == 0 {
                return;
            }
            let mut best: Option<(u64, usize)> = None;
            for (li, lane) in self.lanes.iter().enumerate() {
                if lane.mask & open == 0 {
                    continue;
                }
                if let Some(&s) = lane.jobs.front() {
                    let serial = ctx.jobs[s].serial;
                    if best.is_none_or(|(b, _)| serial < b) {
                        best = Some((serial, li));
                    }
                }
            }
            let Some((_, li)) = best else { return };
            let lane = &self.lanes[li];
            let (slot, mask) = (lane.jobs[0], lane.mask);
            if self.try_start(ctx, slot, mask & !blocked) {
                self.lanes[li].jobs.pop_front();
                self.queued -= 1;
            } else {
                blocked |= mask;
            }
        }
    }

    /// Places `slot` on the cheapest class in `classes` with room; false if none.
    fn try_start(&mut self, ctx: &mut Ctx, slot: u32, classes: u64) -> bool {
        let now = ctx.sched.now();
        let job = &mut ctx.jobs[slot];
        for &c in &self.by_price {
            if classes & (1 << c) == 0 {
                continue;
            }
            if !ctx
                .world
                .pool
                .take(c as usize, job.gpus, false, &mut job.alloc)
            {
                continue;
            }
            let JobState::Queued { since } = job.state else {
                unreachable!("only queued jobs are dispatched")
            };
            job.queued_ms += now - since;
            job.state = JobState::Running { since: now };
            job.class = c;
            job.price_per_gpu_h = self.price[c as usize];
            for &(node, _) in &job.alloc {
                ctx.world.nodes[node.ix()].running.push(slot);
            }
            ctx.sched.after(
                job.remaining,
                Event::JobEnd {
                    slot,
                    generation: job.generation,
                },
            );
            let gpus = job.gpus as f64;
            ctx.metrics.queue_add(now, -1.0);
            ctx.metrics.busy_add(now, gpus);
            return true;
        }
        false
    }

    /// Gives back the GPUs of the run of `slot` and records the run: `useful`
    /// ms per GPU kept as progress, paid only if `paid`.
    fn end_run(&mut self, ctx: &mut Ctx, slot: u32, useful: SimTime, paid: bool) {
        let now = ctx.sched.now();
        let job = &mut ctx.jobs[slot];
        let JobState::Running { since } = job.state else {
            unreachable!("only running jobs end a run")
        };
        for &(node, gpus) in &job.alloc {
            ctx.world.release(node, gpus, slot);
        }
        job.alloc.clear();
        let usd = if paid {
            job.gpus as f64 * (now - since) as f64 / MS_PER_HOUR as f64 * job.price_per_gpu_h
        } else {
            0.0
        };
        ctx.metrics.segment(since, now, job.gpus, useful, usd, usd);
        ctx.metrics.busy_add(now, -(job.gpus as f64));
    }

    /// A run finished: the job is done, paid for its GPU-hours.
    pub fn job_end(&mut self, ctx: &mut Ctx, slot: u32) {
        let now = ctx.sched.now();
        let JobState::Running { since } = ctx.jobs[slot].state else {
            unreachable!("a current JobEnd belongs to a running job")
        };
        self.end_run(ctx, slot, now - since, true);
        let job = &ctx.jobs[slot];
        if job.counted {
            ctx.metrics.jobs_completed += 1;
            let q = job.queued_ms;
            ctx.metrics.record_wait(q);
        }
        ctx.jobs.remove(slot);
        self.dispatch(ctx);
    }

    /// Every job on `node` loses the run: progress since its last checkpoint
    /// is lost, the run is unpaid, and the job goes back to the queue in its
    /// arrival position.
    pub fn node_down(&mut self, ctx: &mut Ctx, node: NodeId) {
        let now = ctx.sched.now();
        self.scratch.clear();
        self.scratch
            .extend_from_slice(&ctx.world.nodes[node.ix()].running);
        for k in 0..self.scratch.len() {
            let slot = self.scratch[k];
            let job = &ctx.jobs[slot];
            let JobState::Running { since } = job.state else {
                unreachable!("jobs listed on a node are running")
            };
            let elapsed = now - since;
            let kept = match job.checkpoint_every {
                0 => 0,
                c => (elapsed / c * c).min(job.remaining),
            };
            self.end_run(ctx, slot, kept, false);
            let job = &mut ctx.jobs[slot];
            job.remaining -= kept;
            job.generation = job.generation.wrapping_add(1);
            job.state = JobState::Queued { since: now };
            // Interruptions count by when they happen (as the GPU-hours they
            // are rated against do); interrupted jobs by when they arrived.
            if now >= ctx.metrics.warmup() {
                ctx.metrics.interruptions += 1;
            }
            if job.counted && !job.interrupted {
                ctx.metrics.jobs_interrupted += 1;
            }
            job.interrupted = true;
            self.enqueue(ctx, slot);
        }
        self.dispatch(ctx);
    }

    /// At the horizon: runs in progress count as delivered and paid up to now;
    /// every counted job still in the system records its wait so far.
    pub fn finish(&mut self, ctx: &mut Ctx) {
        let now = ctx.sched.now();
        for slot in ctx.jobs.live_slots() {
            let job = &ctx.jobs[slot];
            match job.state {
                JobState::Running { since } => {
                    let counted = job.counted;
                    let q = job.queued_ms;
                    self.end_run(ctx, slot, now - since, true);
                    if counted {
                        ctx.metrics.record_wait(q);
                    }
                }
                JobState::Queued { since } => {
                    if job.counted {
                        let q = job.queued_ms + (now - since);
                        ctx.metrics.record_wait(q);
                    }
                }
            }
        }
    }
}
