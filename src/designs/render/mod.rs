//! Render: a verified rendering network. Render jobs are split into frames;
//! each frame runs on one GPU. There is no bidding: the longest-waiting frame
//! of the most urgent tier goes to the longest-idle eligible GPU (Render
//! docs: "the longest-waiting job goes to the longest-idle node after a VRAM
//! check"). Proof of Render verifies each finished frame: a bad frame from a
//! faulty node is caught with probability `detect`, rejected unpaid and
//! re-rendered elsewhere; node reputation falls with rejections, gates the
//! tiers a node may serve, and bans it below a threshold. A job completes when
//! all its frames are accepted. Jobs are priced in USD per GPU-hour of work,
//! by class and tier; tokens (burn-and-mint) come with the token economies.
//!
//! Where things live: dispatch and the waiting frames here; the idle-GPU
//! index in [`idle`]; Proof of Render and reputation in [`verify`]; prices
//! and payments in [`accounts`]. Waiting frames live in lanes of identical
//! requirements (tier, class set): per lane a deque of jobs in arrival order
//! with a cursor on the next unstarted frame, and a short deque of
//! re-queued frames (rejected or cut by a failure) that are older than every
//! unstarted frame of the lane. All O(1) amortised per frame.
//!
//! Render keeps the world's free pool in step: a GPU rendering a frame is
//! taken from it, so a GPU busy for Render is busy for every network on the
//! same fleet. Interruptions, completions and the horizon's waits go through
//! the shared helpers of [`super::common`].

mod accounts;
mod idle;
mod verify;

use super::{Ctx, Design, Quote, Timer, admit, count_interruption, lost_to_cloud, new_job};
use super::{record_completion, record_horizon_wait};
use crate::engine::{Rng, SimTime, StreamNs};
use crate::metrics::DesignColumns;
use crate::model::admission::{Admission, TierMask};
use crate::model::demand::JobDraw;
use crate::model::jobs::JobState;
use crate::model::{NodeId, World};
use crate::scenario::{RenderParams, Scenario, WorkloadKind};
use accounts::{Prices, pay_frame, unpaid_frame};
use idle::{GpuIndex, NONE};
use rand::Rng as _;
use std::collections::VecDeque;
use verify::Verifier;

/// Render's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderTimer {
    /// The frame on GPU `gpu` finishes, if the GPU's stamp is still `stamp`
    /// (a GPU that went down since has another).
    FrameDone { gpu: u32, stamp: u32 },
    /// The ban of `node` ends (`reputation.ban_for`).
    Unban { node: u32 },
}

impl Timer for RenderTimer {
    fn pack(self) -> (u8, u32, u32) {
        match self {
            RenderTimer::FrameDone { gpu, stamp } => (0, gpu, stamp),
            RenderTimer::Unban { node } => (1, node, 0),
        }
    }
    fn unpack(tag: u8, a: u32, b: u32) -> Self {
        match tag {
            0 => RenderTimer::FrameDone { gpu: a, stamp: b },
            1 => RenderTimer::Unban { node: a },
            _ => unreachable!("render sets no timer with tag {tag}"),
        }
    }
}

/// A frame back in the queue; `avoid` is the node whose copy was rejected.
#[derive(Debug, Clone, Copy)]
struct Retry {
    slot: u32,
    frame: u32,
    avoid: u32,
}

/// Frames waiting with the same tier and class set.
#[derive(Debug)]
struct Lane {
    tier: u16,
    mask: u64,
    /// Re-queued frames, oldest (job serial, frame) first.
    retries: VecDeque<Retry>,
    /// Jobs with unstarted frames, in arrival order.
    jobs: VecDeque<u32>,
}

/// Render's part of a job, by job slot (the shared [`crate::model::jobs::Job`]
/// holds arrival, class mask, wait and the counted flag).
#[derive(Debug, Default)]
struct RJob {
    serial: u64,
    tier: u16,
    lane: u32,
    /// Next frame never started.
    next: u32,
    /// Frames waiting for a GPU (unstarted and re-queued).
    waiting: u32,
    accepted: u32,
    /// Bad frames accepted (verification missed them).
    bad: u32,
    /// Copies of its frames rejected by verification.
    rejected: u32,
    /// Work of each frame, ms on one GPU. Reused with the slot.
    work: Vec<SimTime>,
    /// Whether the slot holds a job in the system.
    live: bool,
}

/// Render admits nodes by benchmark tier: a node is listed if some job
/// tier's `node_tiers` takes its provider tier (every node when no job tier
/// names any), and a frame goes only to nodes its job tier takes.
pub fn admission(p: &RenderParams) -> Admission {
    Admission {
        tiers: p.tiers.iter().fold(0, |m, t| m | t.node_tiers),
        removes: false,
    }
}

/// A tier as dispatch uses it.
#[derive(Debug, Clone)]
struct Tier {
    share: f64,
    priority: u32,
    /// Lowest reputation band allowed to render its frames.
    need: u8,
    /// Provider tiers allowed to render its frames.
    nodes: TierMask,
}

/// Which frame a dispatch step starts.
#[derive(Debug, Clone, Copy)]
enum Pick {
    Retry(usize),
    Next,
}

/// The Render network.
pub struct Render {
    tiers: Vec<Tier>,
    prices: Prices,
    verifier: Verifier,
    index: GpuIndex,
    lanes: Vec<Lane>,
    jobs: Vec<RJob>,
    /// Jobs with at least one frame waiting (the `queue_len` column).
    waiting_jobs: usize,
    next_serial: u64,
    /// Rejected frames of counted jobs that completed (as their frames
    /// count in `frames_delivered` only when the job completes).
    rejected: u64,
    tier_rng: Rng,
    /// Jobs a node outage has hit so far (reused, to count each once).
    hit: Vec<u32>,
}

impl Render {
    /// The network with parameters `p` on the world as it is now (every GPU
    /// of a node that is up idle from now), drawing tiers from the `tier`
    /// stream of namespace `ns` and verification from its `verify` stream.
    pub fn new(p: &RenderParams, sc: &Scenario, ns: &StreamNs, world: &World, net: u8) -> Self {
        let verifier = Verifier::new(p, sc.faults.frame_error_rate, ns.stream("verify"));
        let tiers = (p.tiers.iter())
            .map(|t| Tier {
                share: t.share,
                priority: t.priority,
                need: verifier.need(t.min_reputation),
                nodes: t.node_tiers,
            })
            .collect();
        let (rep, bands) = (verifier.initial(), verifier.bands());
        let listed = |i: usize| world.is_listed(NodeId(i as u32), net);
        let band = verifier.band_of(rep);
        let groups = (sc.classes.len(), sc.tier_count());
        let index = GpuIndex::new(world, listed, groups, bands, rep, band);
        Self {
            tiers,
            prices: Prices::new(p),
            verifier,
            index,
            lanes: Vec::new(),
            jobs: Vec::new(),
            waiting_jobs: 0,
            next_serial: 0,
            rejected: 0,
            tier_rng: ns.stream("tier"),
            hit: Vec::new(),
        }
    }

    /// Orders frames: (job serial, frame index).
    fn key(&self, slot: u32, frame: u32) -> (u64, u32) {
        (self.jobs[slot as usize].serial, frame)
    }

    /// Puts frame `frame` of job `slot` back in its lane, in age order
    /// (older than every unstarted frame of the lane).
    fn requeue(&mut self, ctx: &mut Ctx, slot: u32, frame: u32, avoid: u32) {
        let key = self.key(slot, frame);
        let li = self.jobs[slot as usize].lane as usize;
        let pos = self.lanes[li]
            .retries
            .partition_point(|r| self.key(r.slot, r.frame) < key);
        self.lanes[li]
            .retries
            .insert(pos, Retry { slot, frame, avoid });
        let rj = &mut self.jobs[slot as usize];
        rj.waiting += 1;
        if rj.waiting == 1 {
            self.waiting_jobs += 1;
            ctx.metrics.queue_add(ctx.sched.now(), 1.0);
        }
    }

    /// Starts waiting frames while an eligible GPU is idle: each step takes
    /// the oldest frame of the most urgent tier (lowest priority value) that
    /// has an eligible idle GPU, and gives it the longest-idle one.
    fn dispatch(&mut self, ctx: &mut Ctx) {
        while self.index.idle_total > 0 && self.waiting_jobs > 0 {
            let shared = (!ctx.world.listed.is_empty()).then_some(&ctx.world.pool);
            type Best = ((u32, u64, u32), usize, Pick, (usize, usize));
            let mut best: Option<Best> = None;
            for li in 0..self.lanes.len() {
                let lane = &self.lanes[li];
                let tier = &self.tiers[lane.tier as usize];
                let (prio, need, mask, nodes) = (tier.priority, tier.need, lane.mask, tier.nodes);
                if (lane.retries.is_empty() && lane.jobs.is_empty())
                    || !self.index.any_idle(mask, nodes, need)
                {
                    continue;
                }
                let mut found = None;
                for k in 0..self.lanes[li].retries.len() {
                    let r = self.lanes[li].retries[k];
                    let (s, f) = self.key(r.slot, r.frame);
                    if best.is_some_and(|(b, ..)| (prio, s, f) >= b) {
                        break;
                    }
                    let avoid =
                        if r.avoid != NONE && self.index.others_live(mask, nodes, need, r.avoid) {
                            r.avoid
                        } else {
                            NONE
                        };
                    if let Some(at) = self.index.find_gpu(mask, nodes, need, avoid, shared) {
                        found = Some(((prio, s, f), Pick::Retry(k), at));
                        break;
                    }
                }
                if found.is_none()
                    && let Some(&slot) = self.lanes[li].jobs.front()
                {
                    let (s, f) = self.key(slot, self.jobs[slot as usize].next);
                    if best.is_none_or(|(b, ..)| (prio, s, f) < b)
                        && let Some(at) = self.index.find_gpu(mask, nodes, need, NONE, shared)
                    {
                        found = Some(((prio, s, f), Pick::Next, at));
                    }
                }
                if let Some((key, pick, at)) = found
                    && best.is_none_or(|(b, ..)| key < b)
                {
                    best = Some((key, li, pick, at));
                }
            }
            let Some((_, li, pick, at)) = best else {
                return;
            };
            let g = self.index.take(at);
            let lane = &mut self.lanes[li];
            let (slot, frame) = match pick {
                Pick::Retry(k) => {
                    let r = lane.retries.remove(k).expect("k indexes the retries");
                    (r.slot, r.frame)
                }
                Pick::Next => {
                    let slot = lane.jobs[0];
                    let rj = &mut self.jobs[slot as usize];
                    let frame = rj.next;
                    rj.next += 1;
                    if rj.next as usize == rj.work.len() {
                        lane.jobs.pop_front();
                    }
                    (slot, frame)
                }
            };
            self.start(ctx, g, slot, frame);
        }
    }

    /// Starts frame `frame` of job `slot` on GPU `g` (already unfiled),
    /// taking the GPU from the world's free pool.
    fn start(&mut self, ctx: &mut Ctx, g: u32, slot: u32, frame: u32) {
        let now = ctx.sched.now();
        let rj = &mut self.jobs[slot as usize];
        let work = rj.work[frame as usize];
        rj.waiting -= 1;
        if rj.waiting == 0 {
            self.waiting_jobs -= 1;
            ctx.metrics.queue_add(now, -1.0);
        }
        let job = &mut ctx.jobs[slot];
        if let JobState::Queued { since } = job.state {
            // The job's wait ends when its first frame starts.
            job.queued_ms = now - since;
            job.state = JobState::Running { since: now };
        }
        let gpu = &mut self.index.gpus[g as usize];
        gpu.slot = slot;
        gpu.frame = frame;
        gpu.since = now;
        let (node, stamp) = (NodeId(gpu.node), gpu.stamp);
        ctx.world.take(node, 1);
        ctx.metrics.busy_add(now, 1.0);
        ctx.timer_after(work, RenderTimer::FrameDone { gpu: g, stamp });
    }

    /// Frees GPU `g` after its frame: back to the world's free pool (its node
    /// is up: a node going down makes its frames' timers stale).
    fn free_gpu(&mut self, ctx: &mut Ctx, g: u32) -> u32 {
        let gpu = &mut self.index.gpus[g as usize];
        gpu.slot = NONE;
        ctx.world.give(NodeId(gpu.node), 1);
        ctx.metrics.busy_add(ctx.now(), -1.0);
        gpu.node
    }

    /// The ban of `node` is over: it comes back at the initial reputation
    /// (its hardware, faulty or not, unchanged), and its idle GPUs take
    /// frames again if it is up.
    fn unban(&mut self, ctx: &mut Ctx, node: u32) {
        if self.verifier.reputation.is_none() {
            return;
        }
        let rep = self.verifier.initial();
        let band = self.verifier.band_of(rep);
        self.index.unban(node, rep, band, ctx.now());
    }

    /// The frame on GPU `g` is finished and verified. Rejected: unpaid
    /// rework, re-queued to avoid this node. Accepted: paid its GPU time at
    /// the tier's class price; the job completes with its last accepted
    /// frame.
    fn frame_done(&mut self, ctx: &mut Ctx, g: u32) {
        let now = ctx.sched.now();
        let gpu = &self.index.gpus[g as usize];
        let (slot, frame, start) = (gpu.slot, gpu.frame, gpu.since);
        let node = self.free_gpu(ctx, g);
        let class = self.index.nodes[node as usize].class as usize;
        let (bad, rejected) = self.verifier.verdict(ctx.world.nodes[node as usize].faulty);
        let w = ctx.jobs[slot].workload;
        if rejected {
            unpaid_frame(ctx, w, start);
            self.jobs[slot as usize].rejected += 1;
            self.requeue(ctx, slot, frame, node);
        } else {
            let rj = &mut self.jobs[slot as usize];
            let price = self.prices.of(rj.tier as usize, class);
            let paid = pay_frame(ctx, node, w, start, price);
            ctx.world.credit(NodeId(node), paid);
            rj.accepted += 1;
            rj.bad += bad as u32;
            if rj.accepted as usize == rj.work.len() {
                self.complete(ctx, slot);
            }
        }
        if self.score(node, !rejected)
            && let Some(d) = self.verifier.reputation.and_then(|r| r.ban_for)
        {
            ctx.timer_after(d, RenderTimer::Unban { node });
        }
        if !self.index.nodes[node as usize].banned {
            self.index.file(g, now);
        }
    }

    /// All frames of `slot` are accepted: the job is done, and a counted
    /// job's rejections count.
    fn complete(&mut self, ctx: &mut Ctx, slot: u32) {
        let rj = &mut self.jobs[slot as usize];
        rj.live = false;
        if ctx.jobs[slot].counted {
            self.rejected += rj.rejected as u64;
        }
        let (frames, bad) = (rj.work.len() as u64, rj.bad as f64);
        record_completion(ctx, slot, frames, bad);
    }

    /// Updates the reputation of `node` after a verdict; below `ban_below`
    /// the node is banned (for good, or for `reputation.ban_for`); a node
    /// whose band changes moves its idle GPUs. Returns whether it banned
    /// the node.
    fn score(&mut self, node: u32, accepted: bool) -> bool {
        let n = &mut self.index.nodes[node as usize];
        let Some(rep) = self.verifier.rescore(n.rep, accepted) else {
            return false;
        };
        n.rep = rep;
        if n.banned {
            // A frame that was running when the node was banned.
            return false;
        }
        if self.verifier.bans(rep) {
            self.index.ban(node);
            return true;
        }
        self.index.set_band(node, self.verifier.band_of(rep));
        false
    }

    /// Checks the bookkeeping against a recount from scratch (tests).
    #[cfg(test)]
    pub fn check(&self) {
        self.index.check();
        let mut waiting = vec![0u32; self.jobs.len()];
        for lane in &self.lanes {
            for r in &lane.retries {
                waiting[r.slot as usize] += 1;
            }
            for &slot in &lane.jobs {
                let rj = &self.jobs[slot as usize];
                waiting[slot as usize] += rj.work.len() as u32 - rj.next;
            }
        }
        for (slot, rj) in self.jobs.iter().enumerate() {
            if rj.live {
                assert_eq!(waiting[slot], rj.waiting, "frames waiting");
            } else {
                assert_eq!(waiting[slot], 0, "a finished job left frames");
            }
        }
        let queued = self.jobs.iter().filter(|j| j.live && j.waiting > 0).count();
        assert_eq!(queued, self.waiting_jobs, "jobs waiting");
    }

    // ----------------------------------------------------------------------
    // Inspection (tests and tools).

    /// Frames rendering now, in GPU order: (node, job serial, frame, tier).
    pub fn running(&self) -> Vec<(NodeId, u64, u32, usize)> {
        (self.index.gpus.iter())
            .filter(|g| g.slot != NONE)
            .map(|g| {
                let rj = &self.jobs[g.slot as usize];
                (NodeId(g.node), rj.serial, g.frame, rj.tier as usize)
            })
            .collect()
    }

    /// The reputation of `node` (`None` with reputation off).
    pub fn reputation_of(&self, node: NodeId) -> Option<f64> {
        self.verifier.reputation?;
        self.index.nodes.get(node.ix()).map(|n| n.rep)
    }

    /// Whether `node` is banned.
    pub fn is_banned(&self, node: NodeId) -> bool {
        self.index.nodes.get(node.ix()).is_some_and(|n| n.banned)
    }
}

impl Design for Render {
    type Timer = RenderTimer;

    /// A job arrives: not served unless it is a render job; its tier is drawn
    /// by share; to the cloud if no acceptable class is offered within its
    /// maximum price at the tier's price; else its frames join the queue.
    fn submit(&mut self, ctx: &mut Ctx, w: usize, draw: JobDraw) {
        let Some(counted) = admit(ctx, w, WorkloadKind::Render.bit()) else {
            return;
        };
        let u: f64 = self.tier_rng.random();
        let mut acc = 0.0;
        // Rounding may leave u above the last cumulative share: the last
        // tier with a share takes it.
        let mut tier = self
            .tiers
            .iter()
            .rposition(|t| t.share > 0.0)
            .unwrap_or(self.tiers.len() - 1);
        for (t, x) in self.tiers.iter().enumerate() {
            acc += x.share;
            if u < acc {
                tier = t;
                break;
            }
        }
        let prices = self.prices.tier(tier);
        let affordable = prices
            .iter()
            .enumerate()
            .filter(|&(_, &p)| p.is_finite() && p <= draw.max_price)
            .fold(0u64, |m, (c, _)| m | (1 << c));
        let mask = draw.class_mask & affordable;
        if mask == 0 {
            lost_to_cloud(ctx, w as u16, counted);
            return;
        }
        debug_assert_eq!(ctx.frame_work.len(), draw.frames as usize);
        let serial = self.next_serial;
        self.next_serial += 1;
        let slot = new_job(ctx, serial, w, draw, mask, counted);
        let li = match self
            .lanes
            .iter()
            .position(|l| l.tier == tier as u16 && l.mask == mask)
        {
            Some(li) => li,
            None => {
                self.lanes.push(Lane {
                    tier: tier as u16,
                    mask,
                    retries: VecDeque::new(),
                    jobs: VecDeque::new(),
                });
                self.lanes.len() - 1
            }
        };
        if self.jobs.len() <= slot as usize {
            self.jobs.resize_with(slot as usize + 1, RJob::default);
        }
        let rj = &mut self.jobs[slot as usize];
        rj.serial = serial;
        rj.tier = tier as u16;
        rj.lane = li as u32;
        rj.next = 0;
        rj.waiting = draw.frames;
        rj.accepted = 0;
        rj.bad = 0;
        rj.rejected = 0;
        rj.live = true;
        rj.work.clear();
        rj.work.extend_from_slice(ctx.frame_work);
        self.lanes[li].jobs.push_back(slot);
        self.waiting_jobs += 1;
        ctx.metrics.queue_add(ctx.sched.now(), 1.0);
        self.dispatch(ctx);
    }

    /// Render's timers: a frame finishes (stale if its GPU went down since),
    /// a ban ends.
    fn timer(&mut self, ctx: &mut Ctx, t: RenderTimer) {
        match t {
            RenderTimer::FrameDone { gpu, stamp } => {
                if self.index.gpus[gpu as usize].stamp == stamp {
                    self.frame_done(ctx, gpu);
                    self.dispatch(ctx);
                }
            }
            RenderTimer::Unban { node } => {
                self.unban(ctx, node);
                self.dispatch(ctx);
            }
        }
    }

    /// Every frame on `node` is lost: its GPU time is rework, unpaid, and the
    /// frame goes back to the queue; each job hit counts one interruption.
    fn node_down(&mut self, ctx: &mut Ctx, node: NodeId) {
        let n = &mut self.index.nodes[node.ix()];
        debug_assert!(n.up, "render saw node {} go down twice", node.0);
        n.up = false;
        if !n.banned {
            self.index.node_live(node.0, -1);
        }
        // An outage interrupts a job once, however many of its frames it
        // held (as it interrupts a gang job once in the other designs). The
        // world took the node's GPUs out of its free pool.
        self.hit.clear();
        for g in self.index.nodes[node.ix()].gpu_range() {
            self.index.unfile(g);
            let gpu = &mut self.index.gpus[g as usize];
            if gpu.slot == NONE {
                continue;
            }
            // Its frame's timer goes stale.
            gpu.stamp = gpu.stamp.wrapping_add(1);
            let (slot, frame, start) = (gpu.slot, gpu.frame, gpu.since);
            gpu.slot = NONE;
            ctx.metrics.busy_add(ctx.now(), -1.0);
            unpaid_frame(ctx, ctx.jobs[slot].workload, start);
            if !self.hit.contains(&slot) {
                self.hit.push(slot);
                count_interruption(ctx, slot);
            }
            self.requeue(ctx, slot, frame, NONE);
        }
        self.dispatch(ctx);
    }

    /// `node` is back: its GPUs are idle from now unless it is banned.
    fn node_up(&mut self, ctx: &mut Ctx, node: NodeId) {
        let now = ctx.sched.now();
        let n = &mut self.index.nodes[node.ix()];
        debug_assert!(!n.up, "render saw node {} come up twice", node.0);
        n.up = true;
        if n.banned {
            return;
        }
        self.index.node_live(node.0, 1);
        for g in self.index.nodes[node.ix()].gpu_range() {
            self.index.file(g, now);
        }
        self.dispatch(ctx);
    }

    fn capacity_freed(&mut self, ctx: &mut Ctx) {
        self.dispatch(ctx);
    }

    /// Render jobs only: the tiers' prices averaged by share on the cheapest
    /// acceptable class; the bad frames verification misses.
    fn quote(&self, ctx: &Ctx, w: usize, draw: &JobDraw) -> Option<Quote> {
        if ctx.sc.workloads[w].kind != WorkloadKind::Render {
            return None;
        }
        let mut price = 0.0;
        let mut any = false;
        for (t, tier) in self.tiers.iter().enumerate() {
            if let Some((_, p)) =
                super::cheapest_class(self.prices.tier(t), draw.class_mask, draw.max_price)
            {
                price += tier.share * p;
                any = true;
            }
        }
        if !any {
            return None;
        }
        let mean_h = ctx.sc.workloads[w].duration.mean() / crate::engine::MS_PER_HOUR as f64;
        let risk = super::unchecked_frame_risk(ctx, w) * (1.0 - self.verifier.detect());
        Some(Quote {
            usd_per_gpu_h: price,
            wait_h: super::expected_wait_h(ctx, self.waiting_jobs, 1, draw.class_mask, mean_h),
            risk,
        })
    }

    /// Jobs with at least one frame waiting for a GPU.
    fn queue_len(&self) -> usize {
        self.waiting_jobs
    }

    /// At the horizon: frames in progress count as delivered work, paid for
    /// the time they ran; counted jobs still in the system record their wait
    /// so far (until their first frame started, or until now).
    fn finish(&mut self, ctx: &mut Ctx) {
        for g in 0..self.index.gpus.len() as u32 {
            let gpu = &self.index.gpus[g as usize];
            if gpu.slot == NONE {
                continue;
            }
            let (slot, start, node) = (gpu.slot, gpu.since, gpu.node);
            let class = self.index.nodes[node as usize].class as usize;
            let price = self
                .prices
                .of(self.jobs[slot as usize].tier as usize, class);
            pay_frame(ctx, node, ctx.jobs[slot].workload, start, price);
            self.free_gpu(ctx, g);
        }
        for slot in ctx.jobs.live_slots_of(ctx.net) {
            record_horizon_wait(ctx, slot);
        }
        ctx.metrics.design = DesignColumns {
            frames_rejected: Some(self.rejected),
            ..DesignColumns::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::designs::Market;
    use crate::engine::MS_PER_HOUR;
    use crate::engine::Streams;
    use crate::model::{Event, World};
    use crate::scenario::{DesignKind, from_str, parse_override};
    use crate::sim::Run;

    const H: SimTime = MS_PER_HOUR;

    /// Class X: three nodes of one GPU (nodes 0–2); class Y: one node of one
    /// GPU (node 3). Render prices X $2, Y $0.50 per GPU-hour; one tier.
    /// Workloads have fixed frames and (practically) no random arrivals:
    /// tests inject them.
    const WORLD: &str = r#"
        [scenario]
        name = "render-mechanics"
        horizon = "40h"
        warmup = "0h"
        designs = ["render"]
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
        initial = { X = 3, Y = 1 }
        gpus_per_node = 1
        [faults]
        share = 0.0
        frame_error_rate = 0.0
        [[workload]]
        name = "one"
        kind = "render"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        frames = { dist = "fixed", value = 1 }
        duration = { dist = "fixed", value = "1h" }
        gpu_class = ["X", "Y"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "three"
        kind = "render"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        frames = { dist = "fixed", value = 3 }
        duration = { dist = "fixed", value = "2h" }
        gpu_class = ["X", "Y"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "big"
        kind = "render"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        frames = { dist = "fixed", value = 4 }
        duration = { dist = "fixed", value = "1h" }
        vram_gb = 48
        gpu_class = ["X", "Y"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "long"
        kind = "render"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        frames = { dist = "fixed", value = 1 }
        duration = { dist = "fixed", value = "2h" }
        gpu_class = ["X"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "train"
        kind = "training"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "1h" }
        gpu_class = ["X"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "stingy"
        kind = "render"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        frames = { dist = "fixed", value = 1 }
        duration = { dist = "fixed", value = "1h" }
        gpu_class = ["X", "Y"]
        max_price_per_gpu_hour = 0.4
        [design.render]
        price_per_gpu_hour = { X = 2.0, Y = 0.5 }
        detect = 1.0
        [[design.render.tier]]
        name = "only"
        share = 1.0
        price_factor = 1.0
        [design.render.reputation]
        enabled = false
    "#;

    const ONE: Event = Event::Arrival(0);
    const THREE: Event = Event::Arrival(1);
    const BIG: Event = Event::Arrival(2);
    const LONG: Event = Event::Arrival(3);
    const TRAIN: Event = Event::Arrival(4);
    const STINGY: Event = Event::Arrival(5);

    fn scenario(text: &str, sets: &[&str]) -> Scenario {
        let sets: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
        from_str(text, "render-mechanics.toml", &sets).unwrap()
    }

    fn render<'a>(run: &'a Run) -> &'a Render {
        match run.market() {
            Market::Render(r) => r,
            _ => panic!("the run simulates render"),
        }
    }

    /// (node, job serial, frame) of every frame rendering now.
    fn running(run: &Run) -> Vec<(u32, u64, u32)> {
        render(run)
            .running()
            .into_iter()
            .map(|(n, s, f, _)| (n.0, s, f))
            .collect()
    }

    /// A seed whose faults make node 0 faulty and node 1 healthy.
    fn seed_with_faulty_node0(sc: &Scenario) -> u64 {
        (1..1000)
            .find(|&s| {
                let w = World::new(sc, &Streams::new(s));
                w.nodes[0].faulty && !w.nodes[1].faulty
            })
            .expect("with share 0.5 some seed below 1000 has this pattern")
    }

    #[test]
    fn longest_waiting_frame_goes_to_the_longest_idle_gpu() {
        let sc = scenario(WORLD, &[]);
        let mut run = Run::new(&sc, DesignKind::Render, 1);
        run.inject(0, ONE); // job 0: all idle since 0, lowest index → node 0
        run.advance(0);
        assert_eq!(running(&run), [(0, 0, 0)]);
        // At 1.5 h node 0 has been idle since 1 h, nodes 1–3 since 0: the
        // three frames of job 1 take nodes 1, 2, 3 (Y too), job 2 node 0.
        run.inject(H + H / 2, THREE);
        run.inject(H + H / 2, ONE);
        run.advance(H + H / 2);
        assert_eq!(running(&run), [(0, 2, 0), (1, 1, 0), (2, 1, 1), (3, 1, 2)]);
        // Everything is busy: job 3 (3 frames) then job 4 wait.
        run.inject(2 * H, THREE);
        run.inject(2 * H + H / 10, ONE);
        run.advance(2 * H + H / 5);
        assert_eq!(run.queue_len(), 2);
        // Node 0 frees at 2.5 h: the oldest waiting frame is job 3's first.
        run.advance(2 * H + H / 2);
        assert_eq!(running(&run), [(0, 3, 0), (1, 1, 0), (2, 1, 1), (3, 1, 2)]);
        assert_eq!(run.queue_len(), 2, "jobs 3 and 4 still have frames waiting");
        // Job 1 ends at 3.5 h on nodes 1, 2, 3 in that order: job 3's frames
        // 1 and 2 first, then job 4.
        run.advance(3 * H + H / 2);
        assert_eq!(running(&run), [(0, 3, 0), (1, 3, 1), (2, 3, 2), (3, 4, 0)]);
        assert_eq!(run.queue_len(), 0);
        // Job 3 completes with its last frames at 5.5 h, not before.
        run.advance(5 * H + H / 2 - 1);
        assert_eq!(run.live_jobs(), 1);
        run.advance(5 * H + H / 2);
        assert_eq!(run.live_jobs(), 0);
        let s = run.finish().summary;
        assert_eq!(s.jobs_completed, 5);
        assert_eq!(s.frames_delivered, 1 + 3 + 1 + 3 + 1);
        // Waits until the first frame starts: job 3 0.5 h, job 4 1.4 h.
        assert!((s.mean_wait_h.unwrap() - (0.5 + 1.4) / 5.0).abs() < 1e-12);
        // Paid: job 0 1 h on X; job 1 2 h on X twice and on Y; job 2 1 h on
        // X; job 3 three 2 h frames on X; job 4 1 h on Y.
        let usd = 2.0 + (4.0 + 4.0 + 1.0) + 2.0 + 12.0 + 0.5;
        assert!((s.user_usd - usd).abs() < 1e-9, "{}", s.user_usd);
        assert_eq!(s.gpu_hours_delivered, 1.0 + 6.0 + 1.0 + 6.0 + 1.0);
        assert_eq!(s.rework_share, Some(0.0));
    }

    #[test]
    fn vram_check_keeps_big_frames_off_small_gpus() {
        let sc = scenario(WORLD, &[]);
        let mut run = Run::new(&sc, DesignKind::Render, 1);
        run.inject(0, BIG); // 48 GB: X only, although Y is listed
        run.advance(0);
        assert_eq!(running(&run), [(0, 0, 0), (1, 0, 1), (2, 0, 2)]);
        assert_eq!(run.queue_len(), 1, "frame 3 waits while Y is idle");
        // Y is not blocked by the waiting big frame.
        run.inject(H / 2, ONE);
        run.advance(H / 2);
        assert_eq!(running(&run).last(), Some(&(3, 1, 0)));
        // At 1 h node 0 frees first: frame 3 goes there; the job ends at 2 h.
        run.advance(H);
        assert_eq!(running(&run), [(0, 0, 3), (3, 1, 0)]);
        run.advance(2 * H);
        assert_eq!(run.live_jobs(), 0);
        let s = run.finish().summary;
        assert_eq!(s.jobs_completed, 2);
        assert!((s.user_usd - (4.0 * 2.0 + 0.5)).abs() < 1e-9);
    }

    #[test]
    fn urgent_tier_goes_first_and_pays_its_factor() {
        // One GPU; two tiers drawn half and half.
        let text = WORLD
            .replace("initial = { X = 3, Y = 1 }", "initial = { X = 1, Y = 1 }")
            .replace(
                "name = \"only\"\n        share = 1.0\n        price_factor = 1.0",
                "name = \"urgent\"\n        share = 0.5\n        price_factor = 2.0\n        priority = 0\n        \
                 [[design.render.tier]]\n        name = \"cheap\"\n        share = 0.5\n        price_factor = 1.0\n        priority = 1",
            );
        let sc = scenario(&text, &[]);
        let mut run = Run::new(&sc, DesignKind::Render, 5);
        // "long" is X only: one GPU, frames of 2 h.
        for k in 0..12 {
            run.inject(k, LONG);
        }
        let mut order = Vec::new(); // (tier, serial) in the order they ran
        for k in 0..12 {
            run.advance(2 * k * H + H);
            let r = render(&run).running();
            assert_eq!(r.len(), 1);
            order.push((r[0].3, r[0].1));
        }
        assert_eq!(order[0].1, 0, "the first job starts at once");
        let rest = &order[1..];
        assert!(
            rest.windows(2).all(|w| w[0] < w[1]),
            "urgent (tier 0) before cheap, then arrival order: {order:?}"
        );
        let urgent = order.iter().filter(|o| o.0 == 0).count();
        assert!(
            rest.iter().zip(rest.iter().skip(1)).any(|(a, b)| a.1 > b.1),
            "the seed must produce a reordering for this test to mean something: {order:?}"
        );
        let s = run.finish().summary;
        let usd = urgent as f64 * 2.0 * 2.0 * 2.0 + (12 - urgent) as f64 * 2.0 * 2.0;
        assert!((s.user_usd - usd).abs() < 1e-9, "{} vs {usd}", s.user_usd);
    }

    #[test]
    fn rejected_frame_is_unpaid_and_rendered_elsewhere() {
        // Node 0 is faulty, node 1 healthy; every bad frame is caught.
        let sets = [
            "faults.share=0.5",
            "faults.frame_error_rate=1.0",
            "supply.initial.X=2",
        ];
        let sc = scenario(WORLD, &sets);
        let mut run = Run::new(&sc, DesignKind::Render, seed_with_faulty_node0(&sc));
        run.inject(0, ONE); // job 0 → node 0 (faulty), rejected at 1 h
        run.inject(0, LONG); // job 1 → node 1 until 2 h
        run.advance(H);
        // Nodes: 0 and 1 of X, 2 of Y. The retry avoids node 0 (idle since
        // 1 h) and takes Y (idle since 0).
        assert_eq!(running(&run), [(1, 1, 0), (2, 0, 0)]);
        let s = run.finish().summary;
        assert_eq!(s.frames_rejected, Some(1));
        assert_eq!(s.jobs_completed, 2);
        // Paid: job 1 2 h on X, job 0's accepted copy 1 h on Y; the rejected
        // hour on node 0 is rework.
        assert!((s.user_usd - (4.0 + 0.5)).abs() < 1e-9);
        assert_eq!(s.lost_gpu_hours, 1.0);
        assert_eq!(s.gpu_hours_delivered, 3.0);
        assert_eq!(s.rework_share, Some(0.25));
        assert_eq!(s.bad_frames_delivered, 0.0);
    }

    #[test]
    fn rejections_count_with_their_job_when_it_completes() {
        // frames_rejected counts the rejections of completed jobs, as
        // frames_delivered and bad_frames_delivered count their frames: a
        // job still unfinished at the horizon adds to none of them.
        let sets = [
            "faults.share=0.5",
            "faults.frame_error_rate=1.0",
            "supply.initial.X=2",
            "scenario.horizon=3h",
        ];
        let sc = scenario(WORLD, &sets);
        let mut run = Run::new(&sc, DesignKind::Render, seed_with_faulty_node0(&sc));
        // "long" is X only: node 0 (faulty) rejects it at 2 h; its copy on
        // node 1 would end at 4 h, after the horizon.
        run.inject(0, LONG);
        let s = run.finish().summary;
        assert_eq!((s.jobs_completed, s.frames_delivered), (0, 0));
        assert_eq!(s.frames_rejected, Some(0));
        assert_eq!(s.lost_gpu_hours, 2.0, "the rejected copy is still rework");
    }

    #[test]
    fn rejected_frame_waits_for_another_node_without_blocking_others() {
        let sets = [
            "faults.share=0.5",
            "faults.frame_error_rate=1.0",
            "supply.initial.X=2",
        ];
        let sc = scenario(WORLD, &sets);
        let mut run = Run::new(&sc, DesignKind::Render, seed_with_faulty_node0(&sc));
        // "long" is X only: nodes 0 (faulty) and 1.
        run.inject(0, LONG); // job 0 → node 0, rejected at 2 h
        run.inject(H, LONG); // job 1 → node 1 until 3 h
        run.advance(2 * H + H / 2);
        assert_eq!(running(&run), [(1, 1, 0)], "node 0 idle, job 0 waits");
        assert_eq!(run.queue_len(), 1);
        run.inject(2 * H + H / 2, LONG); // job 2 may use node 0: it does
        run.advance(2 * H + H / 2);
        assert_eq!(running(&run), [(0, 2, 0), (1, 1, 0)]);
        run.advance(3 * H); // node 1 frees: job 0's frame goes there
        assert_eq!(running(&run), [(0, 2, 0), (1, 0, 0)]);
        let s = run.finish().summary;
        // Job 2 rejected at 4.5 h, re-rendered on node 1 from 5 h to 7 h.
        assert_eq!(s.frames_rejected, Some(2));
        assert_eq!(s.jobs_completed, 3);
        assert!((s.user_usd - 3.0 * 4.0).abs() < 1e-9);
        assert_eq!(s.lost_gpu_hours, 4.0);
    }

    #[test]
    fn rejected_frame_returns_to_its_node_when_no_other_is_up() {
        // "long" is X only, and X has one node (node 0), faulty: each copy
        // is rejected; with no other X node the frame goes back to it until
        // its reputation (0.5 − 0.125 per rejection) falls below 0.3.
        let sets = [
            "faults.share=0.5",
            "faults.frame_error_rate=1.0",
            "supply.initial.X=1",
            "design.render.reputation.enabled=true",
            "design.render.reputation.initial=0.5",
            "design.render.reputation.reject_penalty=0.125",
            "design.render.reputation.ban_below=0.3",
        ];
        let sc = scenario(WORLD, &sets);
        let seed = (1..1000)
            .find(|&s| World::new(&sc, &Streams::new(s)).nodes[0].faulty)
            .expect("with share 0.5 some seed below 1000 makes node 0 faulty");
        let mut run = Run::new(&sc, DesignKind::Render, seed);
        run.inject(0, LONG);
        run.advance(3 * H);
        assert_eq!(running(&run), [(0, 0, 0)], "second copy on node 0");
        run.advance(4 * H);
        assert!(render(&run).is_banned(NodeId(0)));
        assert_eq!(run.queue_len(), 1, "no X node left: the frame waits");
        let s = run.finish().summary;
        // Two copies rejected, but the job never completes: its rejections
        // count in neither frames_rejected nor frames_delivered.
        assert_eq!(s.frames_rejected, Some(0));
        assert_eq!(s.lost_gpu_hours, 4.0);
        assert_eq!(s.jobs_completed, 0);
        assert_eq!(s.mean_wait_h, Some(0.0), "its first frame started at once");
    }

    /// Node 0 faulty (every frame bad), two X nodes, reputation from 0.5:
    /// one rejection (−0.3) bans a node.
    const ONE_STRIKE: [&str; 8] = [
        "faults.share=0.5",
        "faults.frame_error_rate=1.0",
        "supply.initial.X=2",
        "design.render.reputation.enabled=true",
        "design.render.reputation.initial=0.5",
        "design.render.reputation.reject_penalty=0.3",
        "design.render.reputation.accept_gain=0.1",
        "design.render.reputation.ban_below=0.3",
    ];

    #[test]
    fn banned_node_gets_no_more_frames() {
        let sc = scenario(WORLD, &ONE_STRIKE);
        let mut run = Run::new(&sc, DesignKind::Render, seed_with_faulty_node0(&sc));
        run.inject(0, LONG); // node 0: rejected at 2 h → 0.2 < 0.3: banned
        run.inject(0, LONG); // node 1: accepted at 2 h → 0.6
        run.advance(2 * H);
        assert!(render(&run).is_banned(NodeId(0)));
        assert!((render(&run).reputation_of(NodeId(0)).unwrap() - 0.2).abs() < 1e-12);
        assert!((render(&run).reputation_of(NodeId(1)).unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(running(&run), [(1, 0, 0)], "the retry goes to node 1");
        // Node 0 stays banned across an outage.
        run.inject(3 * H, Event::NodeDown(NodeId(0)));
        run.inject(3 * H + H / 2, Event::NodeUp(NodeId(0)));
        run.inject(3 * H + H / 2, THREE); // X or Y: node 1 busy, Y (node 2) takes one
        run.advance(3 * H + 3 * H / 4);
        assert_eq!(running(&run), [(1, 0, 0), (2, 2, 0)]);
        assert_eq!(run.queue_len(), 1, "two frames wait; banned node 0 idles");
        run.advance(4 * H); // node 1 frees: frame 1 there, frame 2 still waits
        assert_eq!(running(&run), [(1, 2, 1), (2, 2, 0)]);
        assert_eq!(run.queue_len(), 1);
        run.advance(7 * H + H / 2 - 1); // frame 2 runs on Y from 5.5 h
        assert_eq!(running(&run), [(2, 2, 2)]);
        let s = run.finish().summary;
        assert_eq!(s.frames_rejected, Some(1));
        assert_eq!(s.jobs_completed, 3);
    }

    #[test]
    fn frames_already_running_on_a_node_finish_after_its_ban() {
        // Nodes of 2 GPUs: node 0 (GPUs 0, 1, faulty), node 1 (GPUs 2, 3),
        // node 2 (Y, one GPU).
        let sets = [
            "faults.share=0.5",
            "faults.frame_error_rate=1.0",
            "supply.initial.X=4",
            "supply.gpus_per_node=2",
            "design.render.reputation.enabled=true",
            "design.render.reputation.initial=0.5",
            "design.render.reputation.reject_penalty=0.3",
            "design.render.reputation.ban_below=0.3",
        ];
        let sc = scenario(WORLD, &sets);
        let mut run = Run::new(&sc, DesignKind::Render, seed_with_faulty_node0(&sc));
        run.inject(0, ONE); // GPU 0 (node 0): rejected at 1 h, node 0 banned
        run.inject(0, LONG); // GPU 1 (node 0): still rendering until 2 h
        run.advance(H);
        assert!(render(&run).is_banned(NodeId(0)));
        assert_eq!(running(&run), [(0, 1, 0), (1, 0, 0)]);
        run.advance(2 * H); // the banned node's last frame is verified: rejected
        assert_eq!(running(&run), [(1, 1, 0)], "re-rendered on node 1");
        let s = run.finish().summary;
        assert_eq!(s.frames_rejected, Some(2));
        assert_eq!(s.jobs_completed, 2);
        assert_eq!(s.lost_gpu_hours, 3.0);
    }

    #[test]
    fn a_ban_for_a_while_lets_the_node_back_at_the_initial_reputation() {
        let sets: Vec<&str> = ONE_STRIKE
            .iter()
            .copied()
            .chain(["design.render.reputation.ban_for=\"3h\""])
            .collect();
        let sc = scenario(WORLD, &sets);
        let mut run = Run::new(&sc, DesignKind::Render, seed_with_faulty_node0(&sc));
        run.inject(0, LONG); // node 0 (faulty): rejected at 2 h, banned until 5 h
        run.advance(2 * H);
        assert!(render(&run).is_banned(NodeId(0)));
        render(&run).check();
        run.advance(5 * H - 1);
        assert!(render(&run).is_banned(NodeId(0)));
        // The retried frame went to node 1 at 2 h and ends at 4 h; at 5 h
        // node 0 is back, with the initial score, and takes the next frame.
        run.advance(5 * H);
        assert!(!render(&run).is_banned(NodeId(0)));
        assert_eq!(render(&run).reputation_of(NodeId(0)), Some(0.5));
        render(&run).check();
        // Two new frames: the first to node 1 (idle since 4 h), the second
        // to node 0 (idle since 5 h), which is faulty: rejected at 7 h and
        // banned again, until 10 h.
        run.inject(5 * H, LONG);
        run.inject(5 * H, LONG);
        run.advance(5 * H);
        assert_eq!(running(&run), [(0, 2, 0), (1, 1, 0)]);
        run.advance(7 * H);
        assert!(render(&run).is_banned(NodeId(0)));
        render(&run).check();
        run.advance(10 * H);
        assert!(!render(&run).is_banned(NodeId(0)));
        render(&run).check();
        let s = run.finish().summary;
        assert_eq!(s.frames_rejected, Some(2));
    }

    /// Random arrivals, heavy churn, faults, two tiers with a reputation
    /// gate and bans: the bookkeeping matches a recount after every step, and
    /// GPU time is conserved.
    #[test]
    fn bookkeeping_survives_churn_faults_and_bans() {
        let (banned_at_end, ..) = churn_faults_and_bans(&[]);
        assert!(banned_at_end, "the run must exercise bans");
    }

    #[test]
    fn bookkeeping_survives_nodes_joining_and_leaving() {
        // Dynamic supply: reviews every 2 h, out after 2 bad ones, entrants
        // from a pool after 30 minutes of onboarding.
        let sets = [
            "supply.dynamic=true",
            "supply.review_every=\"2h\"",
            "supply.patience=2",
            "supply.pool.X=16",
            "supply.pool.Y=8",
            "supply.entry_rate_per_hour=2",
            "supply.onboarding=\"30m\"",
        ];
        let (_, _, (entered, gone)) = churn_faults_and_bans(&sets);
        assert!(entered > 0 && gone > 0, "{entered} entered, {gone} left");
    }

    #[test]
    fn bookkeeping_survives_churn_faults_and_bans_that_end() {
        let (_, rejected_for_good, _) = churn_faults_and_bans(&[]);
        let (_, rejected, _) = churn_faults_and_bans(&["design.render.reputation.ban_for=\"2h\""]);
        assert!(
            rejected > rejected_for_good,
            "faulty nodes back from a ban are caught again: {rejected} vs {rejected_for_good}"
        );
    }

    /// Runs a churning, faulty world with tiers and reputation for 40 h,
    /// checking every invariant of the design each 6 minutes. Returns
    /// whether some node is banned at the end, the frames rejected, and
    /// (dynamic supply) the nodes that entered and that left.
    fn churn_faults_and_bans(extra: &[&str]) -> (bool, u64, (usize, usize)) {
        let text = WORLD
            .replace(
                "name = \"only\"\n        share = 1.0\n        price_factor = 1.0",
                "name = \"urgent\"\n        share = 0.3\n        price_factor = 1.5\n        \
                 min_reputation = 0.7\n        \
                 [[design.render.tier]]\n        name = \"cheap\"\n        share = 0.7\n        price_factor = 1.0\n        priority = 1",
            )
            .replace("enabled = false", "enabled = true")
            .replace(
                "[faults]",
                "[churn]\n        enabled = true\n        uptime = { dist = \"exp\", mean = \"6h\" }\n        \
                 downtime = { dist = \"exp\", mean = \"1h\" }\n        [faults]",
            );
        let sets = [
            "supply.initial.X=24",
            "supply.initial.Y=8",
            "supply.gpus_per_node=4",
            "faults.share=0.4",
            "faults.frame_error_rate=0.3",
            "design.render.detect=0.7",
            "workload.one.arrivals.rate_per_hour=6",
            "workload.three.arrivals.rate_per_hour=6",
            "workload.big.arrivals.rate_per_hour=3",
            "workload.long.arrivals.rate_per_hour=3",
        ];
        let sets: Vec<&str> = sets.iter().chain(extra).copied().collect();
        let sc = scenario(&text, &sets);
        let mut run = Run::new(&sc, DesignKind::Render, 9);
        for k in 1..=400 {
            run.advance(k * H / 10);
            render(&run).check();
            let world = &run.world().nodes;
            for (i, n) in render(&run).index.nodes.iter().enumerate() {
                assert_eq!(n.up, world[i].up, "render and the world agree on node {i}");
            }
        }
        let r = render(&run);
        let banned_at_end = (0..r.index.nodes.len()).any(|n| r.is_banned(NodeId(n as u32)));
        let rejected = r.rejected;
        assert!(rejected > 0);
        let entered = run.supply().map_or(0, |s| s.entered().iter().sum());
        let gone = (run.world().nodes.iter())
            .filter(|n| n.presence == crate::model::Presence::Gone)
            .count();
        let s = run.finish().summary;
        assert!(s.interruptions > 0 && s.jobs_completed > 100);
        // Busy GPU time = delivered + lost (segments cover every frame run).
        let busy_h = s.utilization.unwrap() * s.availability.unwrap() * s.fleet_mean * 40.0;
        let run_h = s.gpu_hours_delivered + s.lost_gpu_hours;
        assert!((busy_h - run_h).abs() < 1e-6 * run_h, "{busy_h} vs {run_h}");
        (banned_at_end, rejected, (entered, gone))
    }

    #[test]
    fn an_outage_interrupts_a_job_once_however_many_frames_it_held() {
        // Node 0: the 3 X GPUs; node 1: the Y GPU.
        let sc = scenario(WORLD, &["supply.gpus_per_node=4"]);
        let mut run = Run::new(&sc, DesignKind::Render, 1);
        run.inject(0, THREE); // 3 frames of 2 h on node 0's GPUs
        run.advance(0);
        assert_eq!(running(&run), [(0, 0, 0), (0, 0, 1), (0, 0, 2)]);
        run.inject(H, Event::NodeDown(NodeId(0)));
        run.inject(2 * H, Event::NodeUp(NodeId(0)));
        let s = run.finish().summary;
        assert_eq!(s.interruptions, 1);
        assert_eq!(s.jobs_interrupted, 1);
        assert_eq!(s.lost_gpu_hours, 3.0, "three frames cut after 1 h each");
    }

    #[test]
    fn node_failure_requeues_its_frames_unpaid() {
        let sc = scenario(WORLD, &[]);
        let mut run = Run::new(&sc, DesignKind::Render, 1);
        run.inject(0, LONG); // node 0, 2 h
        run.inject(H + H / 2, Event::NodeDown(NodeId(0)));
        run.advance(H + H / 2);
        // Re-queued and restarted at once on the longest-idle X GPU.
        assert_eq!(running(&run), [(1, 0, 0)]);
        run.inject(2 * H, Event::NodeUp(NodeId(0)));
        let s = run.finish().summary;
        assert_eq!(s.interruptions, 1);
        assert_eq!(s.jobs_interrupted, 1);
        assert_eq!(s.jobs_completed, 1);
        assert_eq!(s.lost_gpu_hours, 1.5);
        assert_eq!(s.gpu_hours_delivered, 2.0);
        assert!((s.user_usd - 4.0).abs() < 1e-9, "the cut 1.5 h is unpaid");
        assert_eq!(s.mean_wait_h, Some(0.0), "the wait ends at the first start");
    }

    #[test]
    fn other_kinds_are_not_served_and_priced_out_jobs_go_to_the_cloud() {
        let sc = scenario(WORLD, &[]);
        let mut run = Run::new(&sc, DesignKind::Render, 1);
        run.inject(0, TRAIN);
        run.inject(0, STINGY); // 0.4 < Y's 0.5 and X's 2.0
        run.inject(0, ONE);
        let s = run.finish().summary;
        assert_eq!(s.jobs_submitted, 3);
        assert_eq!(s.jobs_not_served, 1);
        assert_eq!(s.jobs_lost_to_cloud, 1);
        assert_eq!(s.jobs_completed, 1);
        // A cheaper Y brings the stingy job in.
        let sc = scenario(WORLD, &["design.render.price_per_gpu_hour.Y=0.3"]);
        let mut run = Run::new(&sc, DesignKind::Render, 1);
        run.inject(0, STINGY);
        let s = run.finish().summary;
        assert_eq!((s.jobs_lost_to_cloud, s.jobs_completed), (0, 1));
        assert!((s.user_usd - 0.3).abs() < 1e-12, "rendered on Y");
    }

    #[test]
    fn horizon_pays_frames_in_progress_and_records_waits() {
        let sc = scenario(WORLD, &[]);
        let mut run = Run::new(&sc, DesignKind::Render, 1);
        run.inject(39 * H + H / 2, BIG); // 3 frames start, 1 waits
        run.inject(39 * H + 6 * H / 10, BIG); // waits 0.4 h until the horizon
        let s = run.finish().summary;
        assert_eq!(s.jobs_completed, 0);
        assert_eq!(s.frames_delivered, 0);
        assert_eq!(s.gpu_hours_delivered, 1.5);
        assert!((s.user_usd - 3.0).abs() < 1e-9);
        assert!((s.mean_wait_h.unwrap() - 0.2).abs() < 1e-12);
    }
}
