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
//! Data structures, all O(1) amortised per frame:
//! - waiting frames live in lanes of identical requirements (tier, class
//!   set): per lane a deque of jobs in arrival order with a cursor on the
//!   next unstarted frame, and a short deque of re-queued frames (rejected or
//!   cut by a failure) that are older than every unstarted frame of the lane;
//! - idle GPUs live in one FIFO per (class, reputation band), in order of
//!   idle-since, with lazy deletion: an entry is valid while its stamp equals
//!   the GPU's stamp, which changes whenever the GPU starts a frame, goes down
//!   or is banned. Bands are the distinct `min_reputation` thresholds of the
//!   tiers, so reputation filtering never rescans a list.

use super::{Ctx, admit, lost_to_cloud, new_job, pay_tokens, usd};
use crate::engine::{Rng, SimTime, Streams};
use crate::metrics::DesignColumns;
use crate::model::demand::JobDraw;
use crate::model::jobs::JobState;
use crate::model::{Event, NodeId};
use crate::scenario::{Reputation, Scenario, WorkloadKind};
use rand::Rng as _;
use std::collections::VecDeque;

/// Timer tag: the frame on GPU `a` finishes, if the GPU's stamp is still `b`.
const FRAME_DONE: u8 = 0;
/// Timer tag: the ban of node `a` ends (`reputation.ban_for`).
const UNBAN: u8 = 1;
/// "No node", "no slot", "not filed".
const NONE: u32 = u32::MAX;

/// One GPU: idle (filed in an idle FIFO unless down or banned) or rendering
/// one frame.
#[derive(Debug, Clone)]
struct Gpu {
    node: u32,
    /// Changes on every transition; idle entries and timers carrying an old
    /// stamp are stale.
    stamp: u32,
    /// Index of the idle FIFO holding its valid entry, or [`NONE`].
    filed: u32,
    /// Job slot of the frame it renders, or [`NONE`] when idle.
    slot: u32,
    frame: u32,
    /// When the frame started (busy) or when it became idle.
    since: SimTime,
}

/// Render's view of a node.
#[derive(Debug, Clone)]
struct NodeState {
    class: u16,
    first_gpu: u32,
    gpus: u32,
    up: bool,
    /// Reputation score in [0, 1] (unused when reputation is off).
    rep: f64,
    /// Number of tier thresholds at or below `rep`.
    band: u8,
    banned: bool,
}

/// An idle GPU waiting for a frame.
#[derive(Debug, Clone, Copy)]
struct Idle {
    since: SimTime,
    gpu: u32,
    stamp: u32,
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
    /// Work of each frame, ms on one GPU. Reused with the slot.
    work: Vec<SimTime>,
    /// Whether the slot holds a job in the system.
    live: bool,
}

/// A tier as dispatch uses it.
#[derive(Debug, Clone)]
struct Tier {
    share: f64,
    priority: u32,
    /// Lowest reputation band allowed to render its frames.
    need: u8,
}

/// Which frame a dispatch step starts.
#[derive(Debug, Clone, Copy)]
enum Pick {
    Retry(usize),
    Next,
}

/// The Render network.
pub struct Render {
    detect: f64,
    error_rate: f64,
    reputation: Option<Reputation>,
    tiers: Vec<Tier>,
    /// USD per GPU-hour by `tier * classes + class` (NaN: not offered).
    price: Vec<f64>,
    classes: usize,
    /// Sorted distinct `min_reputation` of the tiers (empty: reputation off).
    thresholds: Vec<f64>,
    bands: usize,
    /// Built from the world on the first event (nodes may start down).
    ready: bool,
    nodes: Vec<NodeState>,
    gpus: Vec<Gpu>,
    /// Idle GPUs by `class * bands + band`, in order of idle-since.
    fifos: Vec<VecDeque<Idle>>,
    /// Valid entries per FIFO, and in all FIFOs.
    idle_n: Vec<u32>,
    idle_total: u32,
    /// Nodes up and not banned, by `class * bands + band`.
    live_nodes: Vec<u32>,
    lanes: Vec<Lane>,
    jobs: Vec<RJob>,
    /// Jobs with at least one frame waiting (the `queue_len` column).
    waiting_jobs: usize,
    next_serial: u64,
    /// Rejected frames of counted jobs.
    rejected: u64,
    tier_rng: Rng,
    verify_rng: Rng,
    /// Jobs a node outage has hit so far (reused, to count each once).
    hit: Vec<u32>,
}

impl Render {
    /// The network with the parameters of `sc.render`, drawing tiers from the
    /// `render/tier` stream and verification from `render/verify`.
    pub fn new(sc: &Scenario, streams: &Streams) -> Self {
        let p = sc
            .render
            .as_ref()
            .expect("scenario checking requires [design.render] for render");
        let mut thresholds: Vec<f64> = Vec::new();
        if p.reputation.is_some() {
            thresholds = p.tiers.iter().map(|t| t.min_reputation).collect();
            thresholds.sort_by(f64::total_cmp);
            thresholds.dedup();
        }
        let tiers = p
            .tiers
            .iter()
            .map(|t| Tier {
                share: t.share,
                priority: t.priority,
                need: match p.reputation {
                    Some(_) => (thresholds.partition_point(|&x| x < t.min_reputation) + 1) as u8,
                    None => 0,
                },
            })
            .collect();
        let classes = sc.classes.len();
        let price = p
            .tiers
            .iter()
            .flat_map(|t| {
                p.price_per_gpu_hour
                    .iter()
                    .map(move |&x| x * t.price_factor)
            })
            .collect();
        let bands = thresholds.len() + 1;
        Self {
            detect: p.detect,
            error_rate: sc.faults.frame_error_rate,
            reputation: p.reputation,
            tiers,
            price,
            classes,
            thresholds,
            bands,
            ready: false,
            nodes: Vec::new(),
            gpus: Vec::new(),
            fifos: vec![VecDeque::new(); classes * bands],
            idle_n: vec![0; classes * bands],
            idle_total: 0,
            live_nodes: vec![0; classes * bands],
            lanes: Vec::new(),
            jobs: Vec::new(),
            waiting_jobs: 0,
            next_serial: 0,
            rejected: 0,
            tier_rng: streams.stream("render/tier"),
            verify_rng: streams.stream("render/verify"),
            hit: Vec::new(),
        }
    }

    /// Builds the per-GPU state from the world once: every GPU of a node that
    /// is up is idle since the start.
    fn init(&mut self, ctx: &Ctx) {
        if self.ready {
            return;
        }
        self.ready = true;
        let initial = self.reputation.map_or(0.0, |r| r.initial);
        for (i, n) in ctx.world.nodes.iter().enumerate() {
            self.nodes.push(NodeState {
                class: n.class,
                first_gpu: self.gpus.len() as u32,
                gpus: n.gpus as u32,
                up: n.up,
                rep: initial,
                band: self.band_of(initial),
                banned: false,
            });
            for _ in 0..n.gpus {
                self.gpus.push(Gpu {
                    node: i as u32,
                    stamp: 0,
                    filed: NONE,
                    slot: NONE,
                    frame: 0,
                    since: 0,
                });
            }
        }
        for i in 0..self.nodes.len() {
            if self.nodes[i].up {
                let n = &self.nodes[i];
                self.live_nodes[n.class as usize * self.bands + n.band as usize] += 1;
                for g in n.first_gpu..n.first_gpu + n.gpus {
                    self.file(g, 0);
                }
            }
        }
    }

    /// The reputation band of score `rep`: how many tier thresholds it meets.
    fn band_of(&self, rep: f64) -> u8 {
        self.thresholds.partition_point(|&x| x <= rep) as u8
    }

    /// Jobs with at least one frame waiting for a GPU.
    pub fn queue_len(&self) -> usize {
        self.waiting_jobs
    }

    // ----------------------------------------------------------------------
    // Idle GPUs.

    /// Files GPU `g` as idle since `since` (not before any filed entry of its
    /// FIFO). Drops stale entries when they outnumber valid ones.
    fn file(&mut self, g: u32, since: SimTime) {
        let n = &self.nodes[self.gpus[g as usize].node as usize];
        let f = n.class as usize * self.bands + n.band as usize;
        let gpu = &mut self.gpus[g as usize];
        gpu.stamp = gpu.stamp.wrapping_add(1);
        gpu.filed = f as u32;
        gpu.since = since;
        let fifo = &mut self.fifos[f];
        debug_assert!(fifo.back().is_none_or(|e| e.since <= since));
        fifo.push_back(Idle {
            since,
            gpu: g,
            stamp: gpu.stamp,
        });
        self.idle_n[f] += 1;
        self.idle_total += 1;
        if fifo.len() > 2 * self.idle_n[f] as usize + 64 {
            let gpus = &self.gpus;
            fifo.retain(|e| gpus[e.gpu as usize].stamp == e.stamp);
        }
    }

    /// Takes GPU `g` out of its idle FIFO if it is filed (its entry goes
    /// stale); a busy GPU keeps its stamp, so its frame's timer stays valid.
    fn unfile(&mut self, g: u32) {
        let gpu = &mut self.gpus[g as usize];
        if gpu.filed != NONE {
            gpu.stamp = gpu.stamp.wrapping_add(1);
            self.idle_n[gpu.filed as usize] -= 1;
            self.idle_total -= 1;
            gpu.filed = NONE;
        }
    }

    /// Whether some GPU of a class in `mask` and a band ≥ `need` is idle.
    fn any_idle(&self, mask: u64, need: u8) -> bool {
        let mut m = mask;
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            let row = &self.idle_n[c * self.bands..(c + 1) * self.bands];
            if row[need as usize..].iter().any(|&n| n > 0) {
                return true;
            }
        }
        false
    }

    /// The longest-idle GPU of a class in `mask`, band ≥ `need`, not on node
    /// `avoid` (ties: lower GPU index), as (FIFO, position in it). Drops
    /// stale entries at the FIFO heads it looks at.
    fn find_gpu(&mut self, mask: u64, need: u8, avoid: u32) -> Option<(usize, usize)> {
        let mut best: Option<(SimTime, u32, usize, usize)> = None;
        let mut m = mask;
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            for b in need as usize..self.bands {
                let f = c * self.bands + b;
                if self.idle_n[f] == 0 {
                    continue;
                }
                let (fifo, gpus) = (&mut self.fifos[f], &self.gpus);
                while let Some(e) = fifo.front()
                    && gpus[e.gpu as usize].stamp != e.stamp
                {
                    fifo.pop_front();
                }
                let pos = if avoid == NONE {
                    Some(0)
                } else {
                    fifo.iter().position(|e| {
                        let gpu = &gpus[e.gpu as usize];
                        gpu.stamp == e.stamp && gpu.node != avoid
                    })
                };
                if let Some(pos) = pos {
                    let e = fifo[pos];
                    if best.is_none_or(|(s, g, ..)| (e.since, e.gpu) < (s, g)) {
                        best = Some((e.since, e.gpu, f, pos));
                    }
                }
            }
        }
        best.map(|(.., f, pos)| (f, pos))
    }

    /// Whether a node other than `avoid` is up, not banned and eligible
    /// (class in `mask`, band ≥ `need`): only then does a re-queued frame
    /// wait for another node.
    fn others_live(&self, mask: u64, need: u8, avoid: u32) -> bool {
        let mut live = 0;
        let mut m = mask;
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            live += self.live_nodes[c * self.bands + need as usize..(c + 1) * self.bands]
                .iter()
                .sum::<u32>();
        }
        let n = &self.nodes[avoid as usize];
        if n.up && !n.banned && mask & (1 << n.class) != 0 && n.band >= need {
            live -= 1;
        }
        live > 0
    }

    // ----------------------------------------------------------------------
    // Waiting frames.

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
        while self.idle_total > 0 && self.waiting_jobs > 0 {
            type Best = ((u32, u64, u32), usize, Pick, (usize, usize));
            let mut best: Option<Best> = None;
            for li in 0..self.lanes.len() {
                let lane = &self.lanes[li];
                let tier = &self.tiers[lane.tier as usize];
                let (prio, need, mask) = (tier.priority, tier.need, lane.mask);
                if (lane.retries.is_empty() && lane.jobs.is_empty()) || !self.any_idle(mask, need) {
                    continue;
                }
                let mut found = None;
                for k in 0..self.lanes[li].retries.len() {
                    let r = self.lanes[li].retries[k];
                    let (s, f) = self.key(r.slot, r.frame);
                    if best.is_some_and(|(b, ..)| (prio, s, f) >= b) {
                        break;
                    }
                    let avoid = if r.avoid != NONE && self.others_live(mask, need, r.avoid) {
                        r.avoid
                    } else {
                        NONE
                    };
                    if let Some(at) = self.find_gpu(mask, need, avoid) {
                        found = Some(((prio, s, f), Pick::Retry(k), at));
                        break;
                    }
                }
                if found.is_none()
                    && let Some(&slot) = self.lanes[li].jobs.front()
                {
                    let (s, f) = self.key(slot, self.jobs[slot as usize].next);
                    if best.is_none_or(|(b, ..)| (prio, s, f) < b)
                        && let Some(at) = self.find_gpu(mask, need, NONE)
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
            let Some((_, li, pick, (f, pos))) = best else {
                return;
            };
            let e = self.fifos[f]
                .remove(pos)
                .expect("find_gpu returns a position inside the FIFO");
            self.unfile(e.gpu);
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
            self.start(ctx, e.gpu, slot, frame);
        }
    }

    /// Starts frame `frame` of job `slot` on GPU `g` (already unfiled).
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
        let gpu = &mut self.gpus[g as usize];
        gpu.slot = slot;
        gpu.frame = frame;
        gpu.since = now;
        ctx.metrics.busy_add(now, 1.0);
        ctx.sched.after(
            work,
            Event::Timer {
                tag: FRAME_DONE,
                a: g,
                b: gpu.stamp,
            },
        );
    }

    // ----------------------------------------------------------------------
    // Events.

    /// A job arrives: not served unless it is a render job; its tier is drawn
    /// by share; to the cloud if no acceptable class is offered within its
    /// maximum price at the tier's price; else its frames join the queue.
    pub fn submit(&mut self, ctx: &mut Ctx, w: usize, draw: JobDraw) {
        self.init(ctx);
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
        let prices = &self.price[tier * self.classes..(tier + 1) * self.classes];
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
        rj.live = true;
        rj.work.clear();
        rj.work.extend_from_slice(ctx.frame_work);
        self.lanes[li].jobs.push_back(slot);
        self.waiting_jobs += 1;
        ctx.metrics.queue_add(ctx.sched.now(), 1.0);
        self.dispatch(ctx);
    }

    /// Render's timers: a frame finishes (stale if its GPU went down).
    pub fn timer(&mut self, ctx: &mut Ctx, tag: u8, a: u32, b: u32) {
        match tag {
            FRAME_DONE => {
                if self.gpus[a as usize].stamp == b {
                    self.frame_done(ctx, a);
                    self.dispatch(ctx);
                }
            }
            UNBAN => {
                self.unban(ctx, a);
                self.dispatch(ctx);
            }
            _ => unreachable!("render sets no timer with tag {tag}"),
        }
    }

    /// The ban of `node` is over: it comes back at the initial reputation
    /// (its hardware, faulty or not, unchanged), and its idle GPUs take
    /// frames again if it is up.
    fn unban(&mut self, ctx: &mut Ctx, node: u32) {
        let Some(r) = self.reputation else { return };
        let band = self.band_of(r.initial);
        let now = ctx.sched.now();
        let n = &mut self.nodes[node as usize];
        debug_assert!(n.banned, "an unban timer for a node not banned");
        n.banned = false;
        n.rep = r.initial;
        n.band = band;
        if !n.up {
            return;
        }
        self.live_nodes[n.class as usize * self.bands + band as usize] += 1;
        let (first, count) = (n.first_gpu, n.gpus);
        for g in first..first + count {
            if self.gpus[g as usize].slot == NONE {
                self.file(g, now);
            }
        }
    }

    /// The frame on GPU `g` is finished and verified: a frame from a faulty
    /// node is bad with the fault error rate; a bad frame is caught with
    /// probability `detect`. Rejected: unpaid rework, re-queued to avoid this
    /// node. Accepted: paid its GPU time at the tier's class price; the job
    /// completes with its last accepted frame.
    fn frame_done(&mut self, ctx: &mut Ctx, g: u32) {
        let now = ctx.sched.now();
        let gpu = &mut self.gpus[g as usize];
        let (slot, frame, start, node) = (gpu.slot, gpu.frame, gpu.since, gpu.node);
        gpu.slot = NONE;
        ctx.metrics.busy_add(now, -1.0);
        let class = self.nodes[node as usize].class as usize;
        let bad = ctx.world.nodes[node as usize].faulty
            && self.error_rate > 0.0
            && self.verify_rng.random::<f64>() < self.error_rate;
        let rejected = bad && self.verify_rng.random::<f64>() < self.detect;
        let (counted, w) = (ctx.jobs[slot].counted, ctx.jobs[slot].workload);
        if rejected {
            ctx.metrics.segment(w, start, now, 1, 0, 0.0, 0.0);
            if counted {
                self.rejected += 1;
            }
            self.requeue(ctx, slot, frame, node);
        } else {
            let rj = &mut self.jobs[slot as usize];
            let price = self.price[rj.tier as usize * self.classes + class];
            let paid = usd(1, now - start, price);
            // The provider gets what the user pays; the token economy burns
            // the job's value and pays emissions for the work.
            let work = Some((NodeId(node), (now - start) as f64));
            pay_tokens(ctx, start, paid, paid, work);
            ctx.metrics
                .segment(w, start, now, 1, now - start, paid, paid);
            ctx.world.credit(NodeId(node), paid);
            rj.accepted += 1;
            rj.bad += bad as u32;
            if rj.accepted as usize == rj.work.len() {
                self.complete(ctx, slot);
            }
        }
        if self.score(node, !rejected)
            && let Some(d) = self.reputation.and_then(|r| r.ban_for)
        {
            ctx.sched.after(
                d,
                Event::Timer {
                    tag: UNBAN,
                    a: node,
                    b: 0,
                },
            );
        }
        if !self.nodes[node as usize].banned {
            self.file(g, now);
        }
    }

    /// All frames of `slot` are accepted: the job is done.
    fn complete(&mut self, ctx: &mut Ctx, slot: u32) {
        let rj = &self.jobs[slot as usize];
        let job = &ctx.jobs[slot];
        if job.counted {
            ctx.metrics.completed(job.workload, job.queued_ms);
            ctx.metrics.frames_delivered += rj.work.len() as u64;
            ctx.metrics.bad_frames += rj.bad as f64;
        }
        self.jobs[slot as usize].live = false;
        ctx.jobs.remove(slot);
    }

    /// Updates the reputation of `node` after a verdict: up by
    /// `accept_gain` (at most 1), down by `reject_penalty` (at least 0);
    /// below `ban_below` the node is banned (for good, or for
    /// `reputation.ban_for`). A node whose band changes moves its idle GPUs,
    /// keeping their idle-since order. Returns whether it banned the node.
    fn score(&mut self, node: u32, accepted: bool) -> bool {
        let Some(r) = self.reputation else {
            return false;
        };
        let n = &mut self.nodes[node as usize];
        n.rep = if accepted {
            (n.rep + r.accept_gain).min(1.0)
        } else {
            (n.rep - r.reject_penalty).max(0.0)
        };
        let (first, count) = (n.first_gpu, n.gpus);
        if n.banned {
            // A frame that was running when the node was banned.
            return false;
        }
        if n.rep < r.ban_below {
            n.banned = true;
            if n.up {
                self.live_nodes[n.class as usize * self.bands + n.band as usize] -= 1;
            }
            for g in first..first + count {
                self.unfile(g);
            }
            return true;
        }
        let (rep, class) = (n.rep, n.class as usize);
        let band = self.band_of(rep);
        let n = &mut self.nodes[node as usize];
        if band == n.band {
            return false;
        }
        if n.up {
            self.live_nodes[class * self.bands + n.band as usize] -= 1;
            self.live_nodes[class * self.bands + band as usize] += 1;
        }
        n.band = band;
        let f = class * self.bands + band as usize;
        for g in first..first + count {
            if self.gpus[g as usize].filed == NONE {
                continue;
            }
            self.unfile(g);
            let gpu = &mut self.gpus[g as usize];
            gpu.filed = f as u32;
            let since = gpu.since;
            let fifo = &mut self.fifos[f];
            let pos = fifo.partition_point(|e| e.since <= since);
            fifo.insert(
                pos,
                Idle {
                    since,
                    gpu: g,
                    stamp: gpu.stamp,
                },
            );
            self.idle_n[f] += 1;
            self.idle_total += 1;
        }
        false
    }

    /// Every frame on `node` is lost: its GPU time is rework, unpaid, and the
    /// frame goes back to the queue; each job hit counts one interruption.
    pub fn node_down(&mut self, ctx: &mut Ctx, node: NodeId) {
        self.init(ctx);
        let now = ctx.sched.now();
        let n = &mut self.nodes[node.ix()];
        if !n.up {
            // `init` just read the world, which already has it down.
            return;
        }
        n.up = false;
        if !n.banned {
            self.live_nodes[n.class as usize * self.bands + n.band as usize] -= 1;
        }
        let (first, count) = (n.first_gpu, n.gpus);
        // An outage interrupts a job once, however many of its frames it
        // held (as it interrupts a gang job once in the other designs).
        self.hit.clear();
        for g in first..first + count {
            self.unfile(g);
            let gpu = &mut self.gpus[g as usize];
            if gpu.slot == NONE {
                continue;
            }
            // Its frame's timer goes stale.
            gpu.stamp = gpu.stamp.wrapping_add(1);
            let (slot, frame, start) = (gpu.slot, gpu.frame, gpu.since);
            gpu.slot = NONE;
            ctx.metrics.busy_add(now, -1.0);
            let w = ctx.jobs[slot].workload;
            ctx.metrics.segment(w, start, now, 1, 0, 0.0, 0.0);
            if !self.hit.contains(&slot) {
                self.hit.push(slot);
                ctx.metrics.interrupted(w, now);
            }
            let job = &mut ctx.jobs[slot];
            if job.counted && !job.interrupted {
                ctx.metrics.jobs_interrupted += 1;
            }
            job.interrupted = true;
            self.requeue(ctx, slot, frame, NONE);
        }
        self.dispatch(ctx);
    }

    /// `node` is back: its GPUs are idle from now unless it is banned.
    pub fn node_up(&mut self, ctx: &mut Ctx, node: NodeId) {
        self.init(ctx);
        let now = ctx.sched.now();
        let n = &mut self.nodes[node.ix()];
        if n.up {
            // `init` just read the world, which already has it up.
            self.dispatch(ctx);
            return;
        }
        n.up = true;
        if n.banned {
            return;
        }
        self.live_nodes[n.class as usize * self.bands + n.band as usize] += 1;
        let (first, count) = (n.first_gpu, n.gpus);
        for g in first..first + count {
            self.file(g, now);
        }
        self.dispatch(ctx);
    }

    /// `node` joined the fleet: its GPUs are idle from now.
    pub fn node_join(&mut self, ctx: &mut Ctx, node: NodeId) {
        self.node_up(ctx, node);
    }

    /// `node` left dispatch for good: its frames are re-queued unpaid, as
    /// when it goes down (it never comes back up).
    pub fn node_leave(&mut self, ctx: &mut Ctx, node: NodeId, _was_up: bool) {
        self.node_down(ctx, node);
    }

    /// Render runs no gang jobs: frames end by timer.
    pub fn job_end(&mut self, _ctx: &mut Ctx, _slot: u32) {
        unreachable!("render schedules no JobEnd events")
    }

    /// At the horizon: frames in progress count as delivered work, paid for
    /// the time they ran; counted jobs still in the system record their wait
    /// so far (until their first frame started, or until now).
    pub fn finish(&mut self, ctx: &mut Ctx) {
        self.init(ctx);
        let now = ctx.sched.now();
        for g in 0..self.gpus.len() {
            let gpu = &self.gpus[g];
            if gpu.slot == NONE {
                continue;
            }
            let (slot, start) = (gpu.slot, gpu.since);
            let class = self.nodes[gpu.node as usize].class as usize;
            let price = self.price[self.jobs[slot as usize].tier as usize * self.classes + class];
            let paid = usd(1, now - start, price);
            let w = ctx.jobs[slot].workload;
            let work = Some((NodeId(gpu.node), (now - start) as f64));
            pay_tokens(ctx, start, paid, paid, work);
            ctx.metrics
                .segment(w, start, now, 1, now - start, paid, paid);
            ctx.metrics.busy_add(now, -1.0);
        }
        for slot in ctx.jobs.live_slots() {
            let job = &ctx.jobs[slot];
            if job.counted {
                let wait = match job.state {
                    JobState::Queued { since } => now - since,
                    JobState::Running { .. } => job.queued_ms,
                };
                ctx.metrics.record_wait(job.workload, wait);
            }
        }
        ctx.metrics.design = DesignColumns {
            frames_rejected: Some(self.rejected),
            ..DesignColumns::default()
        };
    }

    /// Checks the bookkeeping against a recount from scratch (tests).
    #[cfg(test)]
    pub fn check(&self) {
        let mut valid = vec![0u32; self.fifos.len()];
        for (f, fifo) in self.fifos.iter().enumerate() {
            for e in fifo {
                if self.gpus[e.gpu as usize].stamp == e.stamp {
                    valid[f] += 1;
                    assert_eq!(self.gpus[e.gpu as usize].filed, f as u32);
                }
            }
        }
        assert_eq!(valid, self.idle_n, "idle counts");
        assert_eq!(self.idle_total, valid.iter().sum::<u32>());
        let mut live = vec![0u32; self.live_nodes.len()];
        for n in &self.nodes {
            if n.up && !n.banned {
                live[n.class as usize * self.bands + n.band as usize] += 1;
            }
            for g in &self.gpus[n.first_gpu as usize..(n.first_gpu + n.gpus) as usize] {
                let idle = g.slot == NONE;
                assert_eq!(g.filed != NONE, idle && n.up && !n.banned, "filed");
                assert!(idle || n.up, "frames run only on nodes that are up");
                if g.filed != NONE {
                    let f = n.class as usize * self.bands + n.band as usize;
                    assert_eq!(g.filed as usize, f, "filed in its band");
                }
            }
        }
        assert_eq!(live, self.live_nodes, "live nodes");
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
        self.gpus
            .iter()
            .filter(|g| g.slot != NONE)
            .map(|g| {
                let rj = &self.jobs[g.slot as usize];
                (NodeId(g.node), rj.serial, g.frame, rj.tier as usize)
            })
            .collect()
    }

    /// The reputation of `node` (`None` with reputation off or before the
    /// first event).
    pub fn reputation_of(&self, node: NodeId) -> Option<f64> {
        self.reputation?;
        self.nodes.get(node.ix()).map(|n| n.rep)
    }

    /// Whether `node` is banned.
    pub fn is_banned(&self, node: NodeId) -> bool {
        self.nodes.get(node.ix()).is_some_and(|n| n.banned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::designs::Market;
    use crate::engine::MS_PER_HOUR;
    use crate::model::World;
    use crate::model::sim::Run;
    use crate::scenario::{DesignKind, from_str, parse_override};

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
        assert_eq!(s.frames_rejected, Some(2));
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
            for (i, n) in render(&run).nodes.iter().enumerate() {
                assert_eq!(n.up, world[i].up, "render and the world agree on node {i}");
            }
        }
        let r = render(&run);
        let banned_at_end = (0..r.nodes.len()).any(|n| r.is_banned(NodeId(n as u32)));
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
