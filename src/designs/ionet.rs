//! io.net: a coordinator with one global queue places gang jobs on free GPUs
//! of an acceptable class and bills per GPU-hour with a minimum. A worker
//! that drops mid-job is not paid for that run (io.net docs); the user pays
//! for it unless `pay_interrupted = false`; the job goes back to the queue
//! and restarts from its last checkpoint.
//!
//! Waiting jobs are kept in lanes of identical requirements (the same class
//! set and gang size), each in arrival order: within a lane only the oldest
//! job can matter for whether something fits, so every policy works on lane
//! heads and a dispatch costs O(lanes), not O(queue).
//!
//! Who may join: with `uptime_check`, io.net judges every node it lists
//! once per review window on the window just ended (its hourly proofs of
//! work, taken as the time it was up); a node up less than `min_uptime` of
//! it is removed from io.net for the rest of the run, its runs lost as in
//! an outage. io.net then has fewer GPUs: it relies on the supply that
//! passes its checks.

use super::{
    Ctx, Design, Lane, Timer, admit, begin_run, complete, end_run, enqueue_in_lane, finish_jobs,
};
use super::{Quote, cheapest_class, expected_wait_h, unchecked_frame_risk};
use super::{kept_progress, new_job, runs_on};
use super::{lost_to_cloud, requeue_interrupted, run_elapsed, usd};
use crate::engine::SimTime;
use crate::metrics::DesignColumns;
use crate::model::NodeId;
use crate::model::admission::{ALL_TIERS, Admission};
use crate::model::demand::JobDraw;
use crate::model::jobs::{Job, JobState};
use crate::scenario::{IonetParams, IonetPolicy, Scenario, UptimeCheck};
use std::collections::BTreeSet;

/// io.net admits every node at first; with `uptime_check` it removes those
/// that fail it ([`Ionet`]'s review).
pub fn admission(p: &IonetParams) -> Admission {
    Admission {
        tiers: ALL_TIERS,
        removes: p.uptime_check.is_some(),
    }
}

/// io.net's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IonetTimer {
    /// A review window ends: nodes that failed the uptime check go.
    UptimeReview,
}

impl Timer for IonetTimer {
    fn pack(self) -> (u8, u32, u32) {
        match self {
            IonetTimer::UptimeReview => (1, 0, 0),
        }
    }
    fn unpack(tag: u8, _: u32, _: u32) -> Self {
        match tag {
            1 => IonetTimer::UptimeReview,
            _ => unreachable!("ionet sets no timer with tag {tag}"),
        }
    }
}

/// The head job's reservation (EASY backfilling).
#[derive(Debug, Clone, Copy)]
struct Reservation {
    class: u16,
    /// When enough GPUs will be free for it, from running jobs' known ends.
    shadow: SimTime,
    /// GPUs of `class` free at `shadow` beyond what the head needs
    /// (spread gangs).
    extra: u64,
    /// The node it will use (colocated gangs).
    node: Option<NodeId>,
}

/// The io.net coordinator.
pub struct Ionet {
    p: IonetParams,
    /// Class indices, cheapest first (ties: scenario order): where a job that
    /// accepts several classes is placed.
    by_price: Vec<u16>,
    lanes: Vec<Lane>,
    /// Jobs waiting in all lanes.
    queued: usize,
    /// Backfill: per class, running jobs by (expected end, slot).
    ends: Vec<BTreeSet<(SimTime, u32)>>,
    /// Backfill, colocated: free GPUs per node in a look-ahead, and the
    /// nodes touched (scratch, kept to avoid allocating).
    node_free: Vec<u16>,
    touched: Vec<u32>,
    /// Scratch buffer for a slot list.
    scratch: Vec<u32>,
    next_serial: u64,
    backfilled: u64,
    /// Backfill: the serial of the job holding the reservation and the
    /// start it was first promised; heads that started later than promised.
    promise: Option<(u64, SimTime)>,
    late_heads: u64,
    /// GPU-ms online after warmup, and of those, GPU-ms on nodes up longer
    /// than `uptime_for_rewards`.
    online_gpu_ms: f64,
    eligible_gpu_ms: f64,
    /// Uptime check: per node, its uptime (ms) at the last review; nodes
    /// removed so far (after warmup or not).
    uptime_seen: Vec<SimTime>,
    removed: Vec<NodeId>,
}

impl Ionet {
    /// A coordinator with the parameters `p` on the world of `sc`.
    pub fn new(p: &IonetParams, sc: &Scenario) -> Self {
        let p = p.clone();
        let price = &p.price_per_gpu_hour;
        let mut by_price: Vec<u16> = (0..price.len() as u16)
            .filter(|&c| price[c as usize].is_finite())
            .collect();
        by_price.sort_by(|&a, &b| {
            price[a as usize]
                .total_cmp(&price[b as usize])
                .then(a.cmp(&b))
        });
        let n_nodes = crate::model::node_layout(sc).len();
        let backfill = p.policy == IonetPolicy::Backfill;
        Self {
            ends: if backfill {
                vec![BTreeSet::new(); sc.classes.len()]
            } else {
                Vec::new()
            },
            node_free: if backfill && p.colocate {
                vec![0; n_nodes]
            } else {
                Vec::new()
            },
            p,
            by_price,
            lanes: Vec::new(),
            queued: 0,
            touched: Vec::new(),
            scratch: Vec::new(),
            next_serial: 0,
            backfilled: 0,
            promise: None,
            late_heads: 0,
            online_gpu_ms: 0.0,
            eligible_gpu_ms: 0.0,
            uptime_seen: Vec::new(),
            removed: Vec::new(),
        }
    }

    /// Nodes the uptime check removed so far, in the order removed.
    pub fn removed(&self) -> &[NodeId] {
        &self.removed
    }

    /// The uptime check at the end of a review window: every node listed
    /// here and in the fleet for the whole window that was up less than
    /// `min_uptime` of it is removed; then waiting jobs are placed on what
    /// is left.
    fn review_uptime(&mut self, ctx: &mut Ctx, check: UptimeCheck) {
        let now = ctx.sched.now();
        let from = now.saturating_sub(check.window);
        self.uptime_seen.resize(ctx.world.nodes.len(), 0);
        let mut failed = Vec::new();
        for i in 0..ctx.world.nodes.len() {
            let node = NodeId(i as u32);
            if !ctx.world.is_listed(node, ctx.net) {
                continue;
            }
            let up = ctx.world.uptime_ms(node, now);
            let seen = std::mem::replace(&mut self.uptime_seen[i], up);
            let n = &ctx.world.nodes[i];
            if !n.presence.in_fleet() || n.joined > from {
                continue;
            }
            let share = (up - seen) as f64 / check.window as f64;
            if share < check.min_uptime {
                failed.push(node);
            }
        }
        for node in failed {
            self.remove(ctx, node);
        }
        self.dispatch(ctx);
        if now + check.window < ctx.sc.horizon {
            ctx.timer_after(check.window, IonetTimer::UptimeReview);
        }
    }

    /// Removes `node` from io.net: its up period so far counts, its runs
    /// are lost as in an outage, and io.net no longer lists it.
    fn remove(&mut self, ctx: &mut Ctx, node: NodeId) {
        if ctx.world.nodes[node.ix()].up {
            self.count_uptime(ctx, node);
        }
        self.drop_runs(ctx, node);
        super::delist(ctx, node);
        self.removed.push(node);
    }

    /// Every run of this network on `node` is lost: progress since its last
    /// checkpoint is gone, the run is unpaid, and the job goes back to the
    /// queue in its arrival position.
    fn drop_runs(&mut self, ctx: &mut Ctx, node: NodeId) {
        self.scratch.clear();
        runs_on(ctx, node, &mut self.scratch);
        for k in 0..self.scratch.len() {
            let slot = self.scratch[k];
            self.forget_end(ctx, slot);
            let elapsed = run_elapsed(ctx, slot);
            let kept = kept_progress(&ctx.jobs[slot], elapsed);
            let (user, provider) = match self.p.pay_interrupted {
                true => self.bill_interrupted(ctx, slot, node, elapsed),
                false => (0.0, 0.0),
            };
            end_run(ctx, slot, kept, user, provider);
            requeue_interrupted(ctx, slot, kept);
            self.enqueue(ctx, slot);
        }
    }

    /// Backfill: jobs that held the reservation and started later than it
    /// first promised. Without churn (known run times, no failures) EASY
    /// backfilling keeps this at 0; node failures can legitimately break
    /// promises.
    pub fn late_heads(&self) -> u64 {
        self.late_heads
    }

    /// Jobs started by backfilling ahead of the reserved job.
    pub fn backfilled(&self) -> u64 {
        self.backfilled
    }

    /// Puts `slot` in its lane, in arrival order.
    #[inline]
    fn enqueue(&mut self, ctx: &mut Ctx, slot: u32) {
        enqueue_in_lane(&mut self.lanes, ctx.jobs, slot);
        self.queued += 1;
        ctx.metrics.queue_add(ctx.sched.now(), 1.0);
    }

    /// Starts every waiting job that the policy allows to start now.
    pub fn dispatch(&mut self, ctx: &mut Ctx) {
        // Nothing waits (most run ends below saturation): no policy has
        // anything to start.
        if self.queued == 0 {
            return;
        }
        match self.p.policy {
            IonetPolicy::Fifo => self.dispatch_fifo(ctx),
            IonetPolicy::BestFit => self.dispatch_best_fit(ctx),
            IonetPolicy::Backfill => {
                self.dispatch_fifo(ctx);
                self.backfill(ctx);
            }
        }
    }

    /// FIFO: jobs are taken in arrival order; a job that cannot be placed
    /// blocks its classes, so no later job starts on a class an earlier job
    /// is waiting for (later jobs may still start on other classes). Each
    /// step starts a job or blocks at least one more class.
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
            if self.start_queued(ctx, slot, mask & !blocked) {
                self.pop(li, 0);
            } else {
                blocked |= mask;
            }
        }
    }

    /// Best fit: repeatedly starts the largest waiting gang that fits now
    /// (ties: the oldest). No reservations: big gangs may wait long.
    fn dispatch_best_fit(&mut self, ctx: &mut Ctx) {
        let mut skip = vec![false; self.lanes.len()];
        loop {
            let open = ctx.world.pool.free_mask();
            let mut best: Option<(u32, u64, usize)> = None;
            for (li, lane) in self.lanes.iter().enumerate() {
                if skip[li] || lane.mask & open == 0 {
                    continue;
                }
                if let Some(&s) = lane.jobs.front() {
                    let serial = ctx.jobs[s].serial;
                    let better = best
                        .is_none_or(|(g, b, _)| lane.gpus > g || (lane.gpus == g && serial < b));
                    if better {
                        best = Some((lane.gpus, serial, li));
                    }
                }
            }
            let Some((_, _, li)) = best else { return };
            let (slot, mask) = (self.lanes[li].jobs[0], self.lanes[li].mask);
            if self.start_queued(ctx, slot, mask) {
                self.pop(li, 0);
            } else {
                // Nothing of this lane fits until GPUs are freed.
                skip[li] = true;
            }
        }
    }

    /// EASY backfilling after FIFO: the oldest waiting job gets a
    /// reservation on the class where it can start soonest, given the known
    /// ends of running jobs; later jobs start now only if they cannot delay
    /// it: on another class, or ending before the reservation, or (spread
    /// gangs) using GPUs beyond what it needs, or (colocated gangs) on
    /// another node.
    fn backfill(&mut self, ctx: &mut Ctx) {
        let Some((head_serial, head_li)) = self.oldest(ctx) else {
            return;
        };
        let head = self.lanes[head_li].jobs[0];
        let Some(mut res) = self.reserve(ctx, head) else {
            return;
        };
        if self.promise.is_none_or(|(s, _)| s != head_serial) {
            self.promise = Some((head_serial, res.shadow));
        }
        let now = ctx.sched.now();
        let mut full = vec![false; self.lanes.len()];
        let mut exact_min: Vec<(usize, SimTime)> = Vec::new();
        loop {
            // The oldest job, over all lanes, that may start now.
            let mut pick: Option<(u64, usize, usize, u64)> = None;
            for (li, lane) in self.lanes.iter().enumerate() {
                if full[li] || lane.mask & ctx.world.pool.free_mask() == 0 {
                    continue;
                }
                // Only short jobs can go (long ones are kept off every free
                // class) and none is short enough (`min_remaining` is a
                // lower bound): nothing to find here.
                let long_classes = match self.p.colocate || (lane.gpus as u64) <= res.extra {
                    true => lane.mask,
                    false => lane.mask & !(1 << res.class),
                };
                let only_short = long_classes & ctx.world.pool.free_mask() == 0;
                if only_short && now.saturating_add(lane.min_remaining) > res.shadow {
                    continue;
                }
                let (mut min_remaining, mut seen) = (SimTime::MAX, 0);
                for (pos, &s) in lane.jobs.iter().enumerate() {
                    let job = &ctx.jobs[s];
                    min_remaining = min_remaining.min(job.remaining);
                    seen += 1;
                    if job.serial == head_serial {
                        continue;
                    }
                    if pick.is_some_and(|(b, ..)| job.serial > b) {
                        break;
                    }
                    let short = now + job.remaining <= res.shadow;
                    let mut classes = lane.mask;
                    let fits_beside = self.p.colocate || (lane.gpus as u64) <= res.extra;
                    if !short && !fits_beside {
                        classes &= !(1 << res.class);
                    }
                    if classes & ctx.world.pool.free_mask() != 0 {
                        pick = Some((job.serial, li, pos, classes));
                        break;
                    }
                    // Only a shorter job of this lane could still go.
                    if classes == lane.mask {
                        break;
                    }
                }
                if seen == lane.jobs.len() {
                    exact_min.push((li, min_remaining));
                }
            }
            // Every job read: the bound becomes the exact minimum.
            for (li, m) in exact_min.drain(..) {
                self.lanes[li].min_remaining = m;
            }
            let Some((_, li, pos, classes)) = pick else {
                return;
            };
            let slot = self.lanes[li].jobs[pos];
            let short = now + ctx.jobs[slot].remaining <= res.shadow;
            // A long colocated gang must not take the reserved node.
            let hide = match res.node {
                Some(n) if !short => {
                    let f = ctx.world.pool.free(n);
                    ctx.world.set_free(n, 0);
                    Some((n, f))
                }
                _ => None,
            };
            let started = self.start_queued(ctx, slot, classes);
            if let Some((n, f)) = hide {
                let now_free = ctx.world.pool.free(n);
                debug_assert_eq!(now_free, 0);
                ctx.world.set_free(n, f);
            }
            if started {
                let job = &ctx.jobs[slot];
                if job.class == res.class && !short && !self.p.colocate {
                    res.extra -= job.gpus as u64;
                }
                self.pop(li, pos);
                self.backfilled += 1;
            } else {
                full[li] = true;
            }
        }
    }

    /// The oldest waiting job's serial and lane.
    fn oldest(&self, ctx: &Ctx) -> Option<(u64, usize)> {
        let mut best: Option<(u64, usize)> = None;
        for (li, lane) in self.lanes.iter().enumerate() {
            if let Some(&s) = lane.jobs.front() {
                let serial = ctx.jobs[s].serial;
                if best.is_none_or(|(b, _)| serial < b) {
                    best = Some((serial, li));
                }
            }
        }
        best
    }

    /// The earliest reservation for job `slot` over its classes (ties: the
    /// cheaper class); `None` if no class can ever hold it with the GPUs
    /// that are up now.
    fn reserve(&mut self, ctx: &mut Ctx, slot: u32) -> Option<Reservation> {
        let (mask, need) = (ctx.jobs[slot].class_mask, ctx.jobs[slot].gpus);
        let mut best: Option<Reservation> = None;
        for k in 0..self.by_price.len() {
            let c = self.by_price[k];
            if mask & (1 << c) == 0 {
                continue;
            }
            let r = if self.p.colocate {
                self.shadow_colocated(ctx, c, need)
            } else {
                self.shadow_spread(ctx, c, need)
            };
            if let Some(r) = r
                && best.is_none_or(|b| r.shadow < b.shadow)
            {
                best = Some(r);
            }
        }
        best
    }

    fn shadow_spread(&self, ctx: &Ctx, c: u16, need: u32) -> Option<Reservation> {
        let mut free = ctx.world.pool.class_free(c as usize);
        let mut shadow = ctx.sched.now();
        if free < need as u64 {
            for &(end, s) in &self.ends[c as usize] {
                free += ctx.jobs[s].gpus as u64;
                shadow = end;
                if free >= need as u64 {
                    break;
                }
            }
        }
        (free >= need as u64).then(|| Reservation {
            class: c,
            shadow,
            extra: free - need as u64,
            node: None,
        })
    }

    fn shadow_colocated(&mut self, ctx: &Ctx, c: u16, need: u32) -> Option<Reservation> {
        let mut found = None;
        for &(end, s) in &self.ends[c as usize] {
            for &(n, g) in &ctx.jobs[s].alloc {
                let i = n.ix();
                if !self.touched.contains(&n.0) {
                    self.touched.push(n.0);
                    self.node_free[i] = ctx.world.pool.free(n);
                }
                self.node_free[i] += g;
                if self.node_free[i] as u32 >= need {
                    found = Some(Reservation {
                        class: c,
                        shadow: end,
                        extra: 0,
                        node: Some(n),
                    });
                }
            }
            if found.is_some() {
                break;
            }
        }
        self.touched.clear();
        found
    }

    /// Removes the job at `pos` of lane `li` from the queue.
    #[inline]
    fn pop(&mut self, li: usize, pos: usize) {
        let lane = &mut self.lanes[li].jobs;
        // FIFO always takes a lane's head: no shifting then.
        if pos == 0 {
            lane.pop_front();
        } else {
            lane.remove(pos);
        }
        self.queued -= 1;
    }

    /// Places `slot` on the cheapest class in `classes` with room; false if
    /// none. A queued job that starts leaves the queue ([`Ionet::start_queued`]).
    #[inline]
    fn try_start(&mut self, ctx: &mut Ctx, slot: u32, classes: u64) -> bool {
        let now = ctx.sched.now();
        for &c in &self.by_price {
            if classes & (1 << c) == 0 {
                continue;
            }
            let job = &mut ctx.jobs[slot];
            if !(ctx.world).take_class(c as usize, job.gpus, self.p.colocate, &mut job.alloc) {
                continue;
            }
            let (remaining, serial) = (job.remaining, job.serial);
            if let Some((s, promised)) = self.promise
                && s == serial
            {
                self.late_heads += u64::from(now > promised);
                self.promise = None;
            }
            begin_run(ctx, slot, c, self.p.price_per_gpu_hour[c as usize]);
            if !self.ends.is_empty() {
                self.ends[c as usize].insert((now + remaining, slot));
            }
            return true;
        }
        false
    }

    /// [`Ionet::try_start`] for a job of the queue: if it starts, the queue
    /// is one shorter.
    #[inline]
    fn start_queued(&mut self, ctx: &mut Ctx, slot: u32, classes: u64) -> bool {
        let started = self.try_start(ctx, slot, classes);
        if started {
            ctx.metrics.queue_add(ctx.sched.now(), -1.0);
        }
        started
    }

    /// Forgets the expected end of the current run of `slot` (backfill).
    /// Always inlined: FIFO and best fit keep no ends, and the test is all
    /// they pay.
    #[inline(always)]
    fn forget_end(&mut self, ctx: &Ctx, slot: u32) {
        if self.ends.is_empty() {
            return;
        }
        let job = &ctx.jobs[slot];
        if let JobState::Running { since } = job.state {
            self.ends[job.class as usize].remove(&(since + job.remaining, slot));
        }
    }

    /// What a finished run of `ms` costs: billed for at least `min_billed`;
    /// the user pays the reservation fee on top, the provider gets the
    /// payment less its reservation fee and the USDC payment fee.
    #[inline]
    fn bill(&self, job: &Job, ms: SimTime) -> (f64, f64) {
        let base = usd(job.gpus, ms.max(self.p.min_billed), job.price_per_gpu_h);
        (
            base * (1.0 + self.p.reservation_fee),
            base * (1.0 - self.p.reservation_fee - self.p.payment_fee),
        )
    }

    /// An interrupted run of `slot` that lasted `ms`, billed to the user as
    /// a run of that length; the workers on `dropped` are not paid, those
    /// on the gang's other nodes get their share (credited here). Returns
    /// (user USD, provider USD); what the dropped workers are not paid stays
    /// with io.net as revenue.
    fn bill_interrupted(
        &self,
        ctx: &mut Ctx,
        slot: u32,
        dropped: NodeId,
        ms: SimTime,
    ) -> (f64, f64) {
        let job = &ctx.jobs[slot];
        let (user, provider) = self.bill(job, ms);
        let per_gpu = provider / job.gpus as f64;
        let mut paid = 0.0;
        for k in 0..job.alloc.len() {
            let (n, g) = ctx.jobs[slot].alloc[k];
            if n != dropped {
                ctx.world.credit(n, per_gpu * g as f64);
                paid += per_gpu * g as f64;
            }
        }
        (user, paid)
    }

    /// Adds the up period of `node` ending now to the uptime tallies: every
    /// GPU-ms after warmup is online, those after `uptime_for_rewards` of
    /// continuous uptime are eligible for block rewards.
    fn count_uptime(&mut self, ctx: &Ctx, node: NodeId) {
        let n = &ctx.world.nodes[node.ix()];
        let (now, w) = (ctx.sched.now(), ctx.metrics.warmup());
        let g = n.gpus as f64;
        let from = n.up_since.max(w);
        if now > from {
            self.online_gpu_ms += g * (now - from) as f64;
        }
        let eligible_from = (n.up_since + self.p.uptime_for_rewards).max(w);
        if now > eligible_from {
            self.eligible_gpu_ms += g * (now - eligible_from) as f64;
        }
    }
}

impl Design for Ionet {
    type Timer = IonetTimer;

    /// With the uptime check, its first review at the end of the first window.
    fn begin(&mut self, ctx: &mut Ctx) {
        if let Some(check) = self.p.uptime_check {
            ctx.timer_after(check.window, IonetTimer::UptimeReview);
        }
    }

    fn timer(&mut self, ctx: &mut Ctx, t: IonetTimer) {
        match t {
            IonetTimer::UptimeReview => {
                let check = self.p.uptime_check.expect("reviews need the check");
                self.review_uptime(ctx, check);
            }
        }
    }

    /// A job arrives: not served if io.net does not run its kind; to the
    /// cloud if no acceptable class is within its maximum price; else queued.
    fn submit(&mut self, ctx: &mut Ctx, w: usize, draw: JobDraw) {
        let Some(counted) = admit(ctx, w, self.p.serves) else {
            return;
        };
        let affordable = self
            .by_price
            .iter()
            .filter(|&&c| self.p.price_per_gpu_hour[c as usize] <= draw.max_price)
            .fold(0u64, |m, &c| m | (1 << c));
        let mask = draw.class_mask & affordable;
        if mask == 0 {
            lost_to_cloud(ctx, w as u16, counted);
            return;
        }
        let slot = new_job(ctx, self.next_serial, w, draw, mask, counted);
        self.next_serial += 1;
        if self.queued == 0 {
            // Nobody waits: the job would be the only one in the queue, and
            // every policy then starts it now if it fits, which is all that
            // dispatching would do (the same calls, in the same order), so
            // it starts without passing through a lane. Nor through the
            // queue-length average: it would go from 0 to 1 and back at the
            // same instant, and at 0 nothing accrues (0 × any time is +0),
            // so its sums are those of going through it, bit for bit.
            if ctx.world.pool.free_mask() & mask != 0 && self.try_start(ctx, slot, mask) {
                return;
            }
            ctx.metrics.queue_add(ctx.sched.now(), 1.0);
            enqueue_in_lane(&mut self.lanes, ctx.jobs, slot);
            self.queued += 1;
        } else {
            self.enqueue(ctx, slot);
        }
        self.dispatch(ctx);
    }

    /// A run finished: the job is done and paid; each of its nodes earns
    /// the provider's share by the GPUs it gave.
    fn job_end(&mut self, ctx: &mut Ctx, slot: u32) {
        self.forget_end(ctx, slot);
        let (user, provider) = self.bill(&ctx.jobs[slot], run_elapsed(ctx, slot));
        if ctx.world.tracks_income() {
            let job = &ctx.jobs[slot];
            let per_gpu = provider / job.gpus as f64;
            for &(node, g) in &job.alloc {
                ctx.world.credit(node, per_gpu * g as f64);
            }
        }
        complete(ctx, slot, user, provider);
        self.dispatch(ctx);
    }

    /// Every job on `node` loses the run: progress since its last checkpoint
    /// is lost, the workers on `node` are not paid (the user pays the run
    /// unless `pay_interrupted = false`, and the gang's workers on other
    /// nodes are paid then), and the job goes back to the queue in its
    /// arrival position.
    fn node_down(&mut self, ctx: &mut Ctx, node: NodeId) {
        self.count_uptime(ctx, node);
        self.drop_runs(ctx, node);
        self.dispatch(ctx);
    }

    /// `node` came up: its GPUs may start waiting jobs.
    fn node_up(&mut self, ctx: &mut Ctx, _node: NodeId) {
        self.dispatch(ctx);
    }

    fn capacity_freed(&mut self, ctx: &mut Ctx) {
        self.dispatch(ctx);
    }

    /// Its posted price for the cheapest acceptable class, with the
    /// reservation fee and the 1-hour minimum over the job's run.
    fn quote(&self, ctx: &Ctx, w: usize, draw: &JobDraw) -> Option<Quote> {
        if ctx.sc.workloads[w].kind.bit() & self.p.serves == 0 {
            return None;
        }
        let (_, price) =
            cheapest_class(&self.p.price_per_gpu_hour, draw.class_mask, draw.max_price)?;
        let run = draw.work_ms.max(1) as f64;
        let billed = run.max(self.p.min_billed as f64) / run;
        let mean_h = ctx.sc.workloads[w].duration.mean() / crate::engine::MS_PER_HOUR as f64;
        Some(Quote {
            usd_per_gpu_h: price * (1.0 + self.p.reservation_fee) * billed,
            wait_h: expected_wait_h(ctx, self.queued, draw.gpus, draw.class_mask, mean_h),
            risk: unchecked_frame_risk(ctx, w),
        })
    }

    /// Jobs waiting.
    fn queue_len(&self) -> usize {
        self.queued
    }

    /// At the horizon: runs in progress are paid for the time they ran (no
    /// minimum: the run has not ended), uptime of nodes still up counts.
    fn finish(&mut self, ctx: &mut Ctx) {
        let (fee_r, fee_p) = (self.p.reservation_fee, self.p.payment_fee);
        finish_jobs(ctx, |job, ms| {
            let base = usd(job.gpus, ms, job.price_per_gpu_h);
            (base * (1.0 + fee_r), base * (1.0 - fee_r - fee_p))
        });
        for i in 0..ctx.world.nodes.len() {
            let node = NodeId(i as u32);
            if ctx.world.nodes[i].up && ctx.world.is_listed(node, ctx.net) {
                self.count_uptime(ctx, node);
            }
        }
        ctx.metrics.design = DesignColumns {
            backfilled_jobs: Some(self.backfilled),
            reward_eligible_share: crate::metrics::finite(
                self.eligible_gpu_ms / self.online_gpu_ms,
            ),
            ..DesignColumns::default()
        };
    }
}
