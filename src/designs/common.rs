//! What every design does the same way: admitting a job, queueing it in a
//! lane, starting, ending and interrupting a run of a gang, completing a
//! job, settling what runs at the horizon, and telling the token economy of
//! a payment. The designs call these; none of them keeps its own copy.

use super::Ctx;
use crate::engine::SimTime;
use crate::model::demand::JobDraw;
use crate::model::jobs::{Job, JobState, Jobs};
use crate::model::{Event, NodeId};
use crate::scenario::{KindMask, WorkloadKind};
use crate::token::TokenEconomy;

/// Tells the token economy (if any) of a payment settled now for work that
/// began at `since`: the user paid `user_usd`, the providers got
/// `provider_usd`; `work` is the node and GPU-ms it paid for, where the
/// economy pays emissions pro rata to work (Render).
#[inline]
pub fn pay_tokens(
    ctx: &mut Ctx,
    since: SimTime,
    user_usd: f64,
    provider_usd: f64,
    work: Option<(NodeId, f64)>,
) {
    if let Some(t) = ctx.token {
        pay_tokens_to(t, since, user_usd, provider_usd, work);
    }
}

/// The token side of [`pay_tokens`], kept out of line so that the designs'
/// hot paths pay only a pointer test when tokens are off.
#[cold]
#[inline(never)]
fn pay_tokens_to(
    t: &mut TokenEconomy,
    since: SimTime,
    user_usd: f64,
    provider_usd: f64,
    work: Option<(NodeId, f64)>,
) {
    if user_usd > 0.0 {
        t.pay(since, user_usd, provider_usd, work);
    }
}

/// Admission common to all designs: counts the job if it arrives after
/// warmup. Returns whether it counts, or `None` when the design does not
/// serve its kind (counted as not served).
#[inline]
pub fn admit(ctx: &mut Ctx, w: usize, serves: KindMask) -> Option<bool> {
    let counted = ctx.sched.now() >= ctx.metrics.warmup();
    if counted {
        ctx.metrics.submitted(w as u16);
    }
    if ctx.sc.workloads[w].kind.bit() & serves == 0 {
        ctx.refused = true;
        if counted {
            ctx.metrics.not_served(w as u16);
        }
        return None;
    }
    Some(counted)
}

/// Waiting jobs with the same class set and gang size, oldest first: the
/// jobs of a lane are interchangeable for placement, so a scheduler looks
/// at each lane's head only.
pub struct Lane {
    pub mask: u64,
    pub gpus: u32,
    pub jobs: std::collections::VecDeque<u32>,
    /// A lower bound of the remaining work of the lane's jobs: lowered on
    /// every enqueue, never raised on removal (a design may set it to the
    /// exact minimum after reading every job, as io.net's backfill does).
    pub min_remaining: SimTime,
}

/// Puts `slot` in its lane (made on first use), in arrival order.
#[inline]
pub fn enqueue_in_lane(lanes: &mut Vec<Lane>, jobs: &Jobs, slot: u32) {
    let job = &jobs[slot];
    let (mask, gpus, serial) = (job.class_mask, job.gpus, job.serial);
    let li = match lanes.iter().position(|l| l.mask == mask && l.gpus == gpus) {
        Some(li) => li,
        None => {
            lanes.push(Lane {
                mask,
                gpus,
                jobs: std::collections::VecDeque::new(),
                min_remaining: SimTime::MAX,
            });
            lanes.len() - 1
        }
    };
    let m = &mut lanes[li].min_remaining;
    *m = (*m).min(job.remaining);
    let lane = &mut lanes[li].jobs;
    if lane.back().is_none_or(|&s| jobs[s].serial < serial) {
        lane.push_back(slot);
    } else {
        let pos = lane.partition_point(|&s| jobs[s].serial < serial);
        lane.insert(pos, slot);
    }
}

/// Records a job that went to the cloud (no acceptable offer); the broker
/// of world mode may offer it to another network.
pub fn lost_to_cloud(ctx: &mut Ctx, w: u16, counted: bool) {
    ctx.refused = true;
    if counted {
        ctx.metrics.lost_to_cloud(w);
    }
}

/// Appends the slots of this network's jobs running on `node` to `out` (all
/// of them when a design runs alone; in world mode a node listed on several
/// networks runs jobs of each).
#[inline]
pub fn runs_on(ctx: &Ctx, node: NodeId, out: &mut Vec<u32>) {
    let running = &ctx.world.nodes[node.ix()].running;
    if ctx.world.listed.is_empty() {
        out.extend_from_slice(running);
    } else {
        out.extend(running.iter().filter(|&&s| ctx.jobs[s].net == ctx.net));
    }
}

/// Takes `node` off this network for the rest of the run (its admission
/// rule removed it): the world delists it, and the network's fleet and GPUs
/// up lose its GPUs from now. End the network's runs on it first.
pub fn delist(ctx: &mut Ctx, node: NodeId) {
    let now = ctx.sched.now();
    let n = &ctx.world.nodes[node.ix()];
    let (up, in_fleet, gpus) = (n.up, n.presence.in_fleet(), n.gpus as f64);
    ctx.world.delist(node, ctx.net);
    if up && in_fleet {
        ctx.metrics.up_add(now, -gpus);
    }
    if in_fleet {
        let (total, cost) = (
            ctx.world.listed_gpus(ctx.net),
            ctx.world.listed_cost_usd_per_h(ctx.net),
        );
        ctx.metrics.set_fleet(now, total, cost);
    }
}

/// Stores a new queued job of workload `w` and returns its slot.
#[inline]
pub fn new_job(
    ctx: &mut Ctx,
    serial: u64,
    w: usize,
    draw: JobDraw,
    class_mask: u64,
    counted: bool,
) -> u32 {
    let now = ctx.sched.now();
    let wl = &ctx.sc.workloads[w];
    ctx.jobs.insert(Job {
        serial,
        workload: w as u16,
        gpus: draw.gpus,
        frames: draw.frames,
        stateless: wl.kind == WorkloadKind::Web,
        max_price: draw.max_price,
        class_mask,
        submitted: now,
        remaining: draw.work_ms,
        checkpoint_every: wl.checkpoint_every.unwrap_or(0),
        state: JobState::Queued { since: now },
        queued_ms: 0,
        counted,
        interrupted: false,
        net: ctx.net,
        class: 0,
        price_per_gpu_h: 0.0,
        alloc: Default::default(),
        generation: 0,
    })
}

/// Starts a run of queued job `slot` whose GPUs are already in `job.alloc`:
/// on class `class` at `price` USD per GPU-hour, ending after its remaining
/// work unless interrupted.
#[inline]
pub fn begin_run(ctx: &mut Ctx, slot: u32, class: u16, price: f64) {
    let now = ctx.sched.now();
    let job = &mut ctx.jobs[slot];
    let JobState::Queued { since } = job.state else {
        unreachable!("only queued jobs start a run")
    };
    job.queued_ms += now - since;
    job.state = JobState::Running { since: now };
    job.class = class;
    job.price_per_gpu_h = price;
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
    ctx.metrics.busy_add(now, gpus);
}

/// Ends the current run of `slot`: gives its GPUs back and records it, with
/// `useful` ms per GPU kept as progress; the user paid `user_usd`, the
/// providers got `provider_usd`.
#[inline]
pub fn end_run(ctx: &mut Ctx, slot: u32, useful: SimTime, user_usd: f64, provider_usd: f64) {
    let now = ctx.sched.now();
    let job = &mut ctx.jobs[slot];
    let JobState::Running { since } = job.state else {
        unreachable!("only running jobs end a run")
    };
    for &(node, gpus) in &job.alloc {
        ctx.world.release(node, gpus, slot);
    }
    job.alloc.clear();
    ctx.metrics.segment(
        job.workload,
        since,
        now,
        job.gpus,
        useful,
        user_usd,
        provider_usd,
    );
    ctx.metrics.busy_add(now, -(job.gpus as f64));
    pay_tokens(ctx, since, user_usd, provider_usd, None);
}

/// How long the current run of `slot` has lasted.
#[inline]
pub fn run_elapsed(ctx: &Ctx, slot: u32) -> SimTime {
    match ctx.jobs[slot].state {
        JobState::Running { since } => ctx.sched.now() - since,
        JobState::Queued { .. } => 0,
    }
}

/// Progress a run of `elapsed` ms keeps when interrupted: everything for a
/// stateless service, up to the last checkpoint for a checkpointing job,
/// nothing otherwise.
pub fn kept_progress(job: &Job, elapsed: SimTime) -> SimTime {
    let kept = if job.stateless {
        elapsed
    } else {
        match job.checkpoint_every {
            0 => 0,
            c => elapsed / c * c,
        }
    };
    kept.min(job.remaining)
}

/// After an interrupted run (already ended with [`end_run`]): the job keeps
/// `kept` ms of progress and waits again from now; counts the interruption.
pub fn requeue_interrupted(ctx: &mut Ctx, slot: u32, kept: SimTime) {
    let now = ctx.sched.now();
    let job = &mut ctx.jobs[slot];
    job.remaining -= kept;
    job.generation = job.generation.wrapping_add(1);
    job.state = JobState::Queued { since: now };
    count_interruption(ctx, slot);
}

/// Counts an interruption of job `slot` now: one for its workload, and the
/// job as interrupted the first time. Interruptions count by when they
/// happen (as the GPU-hours they are rated against do); interrupted jobs by
/// when they arrived.
#[inline]
pub fn count_interruption(ctx: &mut Ctx, slot: u32) {
    let now = ctx.sched.now();
    let job = &mut ctx.jobs[slot];
    ctx.metrics.interrupted(job.workload, now);
    if job.counted && !job.interrupted {
        ctx.metrics.jobs_interrupted += 1;
    }
    job.interrupted = true;
}

/// Records the completion of job `slot` (all its work done and paid) and
/// removes it: a counted job records its wait, and its `frames` with
/// `bad_frames` of them bad as delivered. Always inlined: it runs once per
/// job and `#[inline]` left it out of line (~80 instructions a job).
#[inline(always)]
pub fn record_completion(ctx: &mut Ctx, slot: u32, frames: u64, bad_frames: f64) {
    let job = &ctx.jobs[slot];
    if job.counted {
        ctx.metrics.completed(job.workload, job.queued_ms);
        ctx.metrics.frames_delivered += frames;
        ctx.metrics.bad_frames += bad_frames;
    }
    ctx.jobs.remove(slot);
}

/// The wait so far of job `slot` at the horizon: its queued time, plus the
/// current episode if it is waiting now.
#[inline]
pub fn wait_so_far(ctx: &Ctx, slot: u32) -> SimTime {
    let job = &ctx.jobs[slot];
    match job.state {
        JobState::Queued { since } => job.queued_ms + (ctx.sched.now() - since),
        JobState::Running { .. } => job.queued_ms,
    }
}

/// Ends the last run of `slot` with all its work done and removes the job:
/// the run is paid `user_usd` / `provider_usd`; a render job's frames are
/// delivered, bad ones in the expected share of its GPUs on faulty nodes
/// (these designs do not check frames).
#[inline]
pub fn complete(ctx: &mut Ctx, slot: u32, user_usd: f64, provider_usd: f64) {
    let elapsed = run_elapsed(ctx, slot);
    let job = &ctx.jobs[slot];
    let (frames, mut bad) = (job.frames as u64, 0.0);
    if job.counted && job.frames > 0 {
        let faulty: u32 = job
            .alloc
            .iter()
            .filter(|(n, _)| ctx.world.nodes[n.ix()].faulty)
            .map(|&(_, g)| g as u32)
            .sum();
        bad = job.frames as f64 * faulty as f64 / job.gpus as f64 * ctx.sc.faults.frame_error_rate;
    }
    end_run(ctx, slot, elapsed, user_usd, provider_usd);
    record_completion(ctx, slot, frames, bad);
}

/// At the horizon: runs in progress count as delivered and are paid what
/// `pay(job, elapsed)` gives (user USD, provider USD); every counted job
/// still in the system records its wait so far.
pub fn finish_jobs(ctx: &mut Ctx, mut pay: impl FnMut(&Job, SimTime) -> (f64, f64)) {
    let now = ctx.sched.now();
    for slot in ctx.jobs.live_slots_of(ctx.net) {
        let job = &ctx.jobs[slot];
        if let JobState::Running { since } = job.state {
            let (user, provider) = pay(job, now - since);
            end_run(ctx, slot, now - since, user, provider);
        }
        record_horizon_wait(ctx, slot);
    }
}

/// At the horizon: job `slot`, still in the system, records its wait so
/// far if it counts.
#[inline]
pub fn record_horizon_wait(ctx: &mut Ctx, slot: u32) {
    if ctx.jobs[slot].counted {
        let (w, q) = (ctx.jobs[slot].workload, wait_so_far(ctx, slot));
        ctx.metrics.record_wait(w, q);
    }
}

/// USD for `gpus` GPUs over `ms` at `price` per GPU-hour.
#[inline]
pub fn usd(gpus: u32, ms: SimTime, price: f64) -> f64 {
    gpus as f64 * ms as f64 / crate::engine::MS_PER_HOUR as f64 * price
}

/// A fleet network's expected wait for a job of `gpus` GPUs on classes
/// `mask` (world mode's quotes): none if nothing waits and enough GPUs are
/// free; else the work ahead (the queue, plus this job) over the GPUs busy
/// now, with `mean_work_h` hours per job. No random numbers.
pub fn expected_wait_h(ctx: &Ctx, queued: usize, gpus: u32, mask: u64, mean_work_h: f64) -> f64 {
    let mut free = 0u64;
    let mut m = mask;
    while m != 0 {
        let c = m.trailing_zeros() as usize;
        m &= m - 1;
        free += ctx.world.pool.class_free(c);
    }
    if queued == 0 && free >= gpus as u64 {
        return 0.0;
    }
    let busy = ctx.metrics.busy.value().max(1.0);
    (queued as f64 + 1.0) * gpus as f64 * mean_work_h / busy
}

/// The expected share of bad frames a render job gets from a network that
/// does not check frames (faulty nodes' frames delivered as they are); 0
/// for other jobs.
pub fn unchecked_frame_risk(ctx: &Ctx, w: usize) -> f64 {
    if ctx.sc.workloads[w].kind == WorkloadKind::Render {
        ctx.sc.mean_fault_share() * ctx.sc.faults.frame_error_rate
    } else {
        0.0
    }
}

/// The cheapest class of `mask` by `prices` (USD per GPU-hour, NaN: not
/// offered) within `max_price`, with its price.
pub fn cheapest_class(prices: &[f64], mask: u64, max_price: f64) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    let mut m = mask;
    while m != 0 {
        let c = m.trailing_zeros() as usize;
        m &= m - 1;
        let p = prices[c];
        if p.is_finite() && p <= max_price && best.is_none_or(|(_, b)| p < b) {
            best = Some((c, p));
        }
    }
    best
}
