//! Akash: a reverse-auction cloud market. A job becomes an order; providers
//! (nodes) with room for the whole gang bid; the lowest bid wins (ties: the
//! earlier bid) unless it is above the user's maximum price, in which case the
//! user goes to the cloud. The lease is paid per block from an escrow the user
//! funds; it keeps being charged while its provider is down and is closed
//! when the provider stays down longer than the health window or the escrow
//! runs dry; the user then redeploys (a new order) after a delay.
//!
//! Simplifications (docs/model.md (Akash) gives the reasons):
//! - Bids are collected from the providers that have room when the order
//!   opens, and the winner's GPUs are reserved at once, so no other order
//!   can take them; the lease starts when the bid window closes. Reserved
//!   GPUs are not busy (nothing runs) and are not paid for.
//! - Only the order of bids matters (the order always closes at the end of
//!   the window), so bid times are not drawn: the `max_bids` earliest of N
//!   i.i.d. uniform bid times are a uniformly random subset of the N
//!   candidates in uniformly random order, which is what is drawn, in
//!   O(max_bids) draws.
//! - Blocks are a global clock: block height h(t) = ⌊t / block_time⌋; a lease
//!   from s to e pays h(e) − h(s) blocks. Payments are settled when a run
//!   ends, when an outage ends, when a lease closes and at the horizon.
//! - Orders with no candidate at all stay open and are retried, oldest first,
//!   whenever GPUs are freed or a node comes up; waiting orders are kept in
//!   lanes of identical requirements, so a retry costs O(lanes).

use super::{
    Ctx, Design, Lane, Timer, admit, begin_run, complete, end_run, enqueue_in_lane, finish_jobs,
};
use super::{Quote, cheapest_class, expected_wait_h, unchecked_frame_risk};
use super::{kept_progress, new_job, pay_tokens, runs_on};
use super::{lost_to_cloud, requeue_interrupted, run_elapsed};
use crate::engine::{MS_PER_HOUR, Rng, SimTime, StreamNs};
use crate::metrics::{DesignColumns, finite};
use crate::model::admission::Admission;
use crate::model::demand::JobDraw;
use crate::model::{NodeId, World};
use crate::scenario::{AkashParams, AkashPricing, Scenario};
use rand::Rng as _;
use smallvec::SmallVec;

/// Akash's timers. Lease timers carry the lease's slot and id: a timer of
/// a lease that has moved on (closed, restarted) finds another id and is
/// ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AkashTimer {
    /// An order's bid window closes and its lease starts.
    CloseBids { slot: u32, lease: u32 },
    /// A node has been down for the health window (ignored if the node
    /// has gone up or down again since: its epoch moved).
    Health { node: NodeId, epoch: u32 },
    /// A lease's escrow cannot pay the next block.
    Escrow { slot: u32, lease: u32 },
    /// The user of a closed lease places a new order.
    Redeploy { slot: u32, lease: u32 },
}

impl Timer for AkashTimer {
    fn pack(self) -> (u8, u32, u32) {
        match self {
            AkashTimer::CloseBids { slot, lease } => (1, slot, lease),
            AkashTimer::Health { node, epoch } => (2, node.0, epoch),
            AkashTimer::Escrow { slot, lease } => (3, slot, lease),
            AkashTimer::Redeploy { slot, lease } => (4, slot, lease),
        }
    }
    fn unpack(tag: u8, a: u32, b: u32) -> Self {
        match tag {
            1 => AkashTimer::CloseBids { slot: a, lease: b },
            2 => AkashTimer::Health {
                node: NodeId(a),
                epoch: b,
            },
            3 => AkashTimer::Escrow { slot: a, lease: b },
            4 => AkashTimer::Redeploy { slot: a, lease: b },
            _ => unreachable!("akash sets no timer with tag {tag}"),
        }
    }
}

/// Where a job stands with the market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// No order or lease (a new job, or a slot not in use).
    #[default]
    Idle,
    /// Its order got no bid: waiting in a lane for capacity.
    Waiting,
    /// Its order has a winner whose GPUs are reserved; the lease starts when
    /// the bid window closes.
    Bidding,
    /// The lease runs the workload.
    Running,
    /// The lease's provider is down; the lease is still charged.
    Down,
    /// The lease was closed; a new order follows after the redeploy delay.
    Redeploying,
}

/// The order or lease of one job slot. Aligned to a cache line (it is 64
/// bytes): an event reads one line, not two.
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(64))]
struct Lease {
    /// Unique per order; timers carry it so stale ones are ignored.
    id: u32,
    phase: Phase,
    /// The winning provider.
    node: u32,
    /// Winning price, USD per GPU-hour.
    price: f64,
    /// USD per block for the whole gang.
    usd_per_block: f64,
    /// Block height up to which the lease is paid.
    paid_height: u64,
    /// The last block height the escrow can pay.
    max_height: u64,
    /// When the provider went down (phase `Down`).
    down_since: SimTime,
    /// The place of the lease's escrow timer (`T_ESCROW`) in the order of
    /// events, reserved when the lease starts; the timer is only scheduled
    /// once it can fire while the lease is still on (see `start_lease`).
    escrow_seq: u64,
    /// Whether the escrow timer has been scheduled.
    escrow_queued: bool,
}

// One cache line; `start_lease` and `job_end` read it far apart in time.
const _: () = assert!(std::mem::size_of::<Lease>() == 64);

/// Most non-empty free-pool buckets an order's candidates are looked up in
/// at once (classes in its mask × free counts); beyond it, per candidate.
/// A power of two (the lookup is a binary search of fixed depth).
const MAX_SEGMENTS: usize = 32;

/// What a node's provider needs to bid.
#[derive(Clone, Copy, Debug)]
struct Provider {
    /// Its own cost, USD per GPU-hour: the class's `cost_per_hour` times the
    /// node's cost factor (fixed for the run).
    cost: f64,
    /// Its current markup (adaptive providers; 0 for the others).
    markup: f64,
    /// Its population, an index into `AkashParams::populations`.
    population: u16,
    /// Its GPU class.
    class: u16,
    /// Audited (its provider tier's `audited`): the only bidders on orders
    /// of `audited_only` workloads.
    audited: bool,
}

/// Akash admits any provider: every node of the fleet may bid. What differs
/// between providers is visible to users who ask for it: orders of
/// workloads with `audited_only = true` take bids from audited providers
/// only (Akash's audited attributes, signed by an auditor).
pub fn admission() -> Admission {
    Admission::ALL
}

/// The Akash market.
pub struct Akash {
    p: AkashParams,
    /// Per node: what its bid needs, in one record (one cache line at most
    /// per bid, where the node and two arrays were three).
    providers: Vec<Provider>,
    /// Which providers' bids count and in which order.
    bid_rng: Rng,
    /// Cost-plus markups, one per bid.
    markup_rng: Rng,
    /// Per job slot.
    leases: Vec<Lease>,
    /// Per node: slots whose order it won (node up) or whose lease it holds
    /// while down; inline up to four (a node rarely holds more), so a
    /// lease's start reads no heap.
    parked: Vec<SmallVec<[u32; 4]>>,
    lanes: Vec<Lane>,
    /// Waiting orders of `audited_only` workloads (their candidates are the
    /// audited providers with room).
    audited_lanes: Vec<Lane>,
    /// Jobs without a running lease (ordering, waiting, provider down,
    /// redeploying).
    waiting: usize,
    next_serial: u64,
    next_lease: u32,
    /// Scratch buffers, kept to avoid allocating per order or per event.
    bidders: Vec<NodeId>,
    picks: Vec<u32>,
    scratch: Vec<u32>,
    /// After warmup: orders that got at least one bid, and their bids.
    orders: u64,
    bids: u64,
    /// After warmup: leases made, and the sum of their markups over cost
    /// (leases on classes with a cost of 0 have no markup and are left out).
    markup_sum: f64,
    markups: u64,
    closures: u64,
    /// Per class: recent winning prices, USD per GPU-hour (an exponential
    /// average, starting from the providers' expected bids): what the
    /// broker of world mode quotes.
    recent_price: Vec<f64>,
}

/// Weight of the latest winning price in [`Akash`]'s recent price.
const RECENT_WEIGHT: f64 = 0.1;

/// USD per block for `gpus` GPUs at `price` USD per GPU-hour.
#[inline]
fn usd_per_block(price: f64, gpus: u32, block_time: SimTime) -> f64 {
    price * gpus as f64 * block_time as f64 / MS_PER_HOUR as f64
}

impl Akash {
    /// The market with parameters `p` on the world of `sc`; every node's provider population (and an
    /// adaptive provider's starting markup) is drawn from its own substream,
    /// keyed by (class, node within class) as the world keys its nodes, in namespace `ns`.
    pub fn new(p: &AkashParams, sc: &Scenario, ns: &StreamNs, world: &World) -> Self {
        let p = p.clone();
        let mut providers = Vec::with_capacity(world.nodes.len());
        // Pool nodes of dynamic supply get theirs too, keyed the same way.
        for (slot, node) in crate::model::node_layout(sc).into_iter().zip(&world.nodes) {
            let mut rng = ns.substream("provider", slot.key);
            let u: f64 = rng.random();
            let mut cum = 0.0;
            let mut pick = p.populations.len() - 1;
            for (i, pop) in p.populations.iter().enumerate() {
                cum += pop.share;
                if u < cum {
                    pick = i;
                    break;
                }
            }
            let markup = match &p.populations[pick].pricing {
                AkashPricing::Adaptive {
                    start, min, max, ..
                } => start.sample(&mut rng).clamp(*min, *max),
                _ => 0.0,
            };
            providers.push(Provider {
                cost: sc.classes[node.class as usize].cost_per_hour * node.cost_factor,
                markup,
                population: pick as u16,
                class: node.class,
                audited: sc.tiers.get(node.tier as usize).is_some_and(|t| t.audited),
            });
        }
        let n = providers.len();
        assert_eq!(n, world.nodes.len(), "one provider per node");
        // The providers' expected bids, averaged per class.
        let mut sum = vec![(0.0, 0u32); sc.classes.len()];
        for pr in &providers {
            let bid = match &p.populations[pr.population as usize].pricing {
                AkashPricing::CostPlus { markup } => pr.cost * (1.0 + markup.mean()),
                AkashPricing::Adaptive { .. } => pr.cost * (1.0 + pr.markup),
                AkashPricing::Script { usd_per_hour } => usd_per_hour[pr.class as usize],
            };
            let e = &mut sum[pr.class as usize];
            *e = (e.0 + bid, e.1 + 1);
        }
        let recent_price = sum.iter().map(|&(s, n)| s / n.max(1) as f64).collect();
        Self {
            p,
            providers,
            bid_rng: ns.stream("bids"),
            markup_rng: ns.stream("markup"),
            leases: Vec::new(),
            parked: vec![SmallVec::new(); n],
            lanes: Vec::new(),
            audited_lanes: Vec::new(),
            waiting: 0,
            next_serial: 0,
            next_lease: 0,
            bidders: Vec::new(),
            picks: Vec::new(),
            scratch: Vec::new(),
            orders: 0,
            bids: 0,
            markup_sum: 0.0,
            markups: 0,
            closures: 0,
            recent_price,
        }
    }

    fn add_waiting(&mut self, ctx: &mut Ctx, delta: i32) {
        self.waiting = (self.waiting as i64 + delta as i64) as usize;
        ctx.metrics.queue_add(ctx.sched.now(), delta as f64);
    }

    /// Providers that could bid on a gang of `gpus` of a class in `mask`:
    /// nodes that are up with at least `gpus` GPUs free. O(classes · GPUs per node).
    fn candidates(ctx: &Ctx, mask: u64, gpus: u32) -> usize {
        let pool = &ctx.world.pool;
        let max = pool.max_per_node() as u32;
        let mut m = mask & pool.free_mask();
        let mut n = 0;
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            for k in gpus..=max {
                n += pool.nodes_with_free(c, k as u16).len();
            }
        }
        n
    }

    /// The `i`-th candidate (0-based) in the order [`Self::candidates`] counts them.
    fn candidate(ctx: &Ctx, mask: u64, gpus: u32, mut i: usize) -> NodeId {
        let pool = &ctx.world.pool;
        let max = pool.max_per_node() as u32;
        let mut m = mask & pool.free_mask();
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            for k in gpus..=max {
                let nodes = pool.nodes_with_free(c, k as u16);
                if i < nodes.len() {
                    return nodes[i];
                }
                i -= nodes.len();
            }
        }
        unreachable!("candidate index beyond the candidates counted")
    }

    /// Fills `self.bidders` with the providers whose bids count, earliest
    /// bid first: all `n` candidates in random order if there are at most
    /// `max_bids`, else `max_bids` of them drawn without replacement.
    fn draw_bidders(&mut self, ctx: &Ctx, mask: u64, gpus: u32, n: usize) {
        self.bidders.clear();
        let m = self.p.max_bids as usize;
        if n <= m {
            let pool = &ctx.world.pool;
            let mut cm = mask & pool.free_mask();
            while cm != 0 {
                let c = cm.trailing_zeros() as usize;
                cm &= cm - 1;
                for k in gpus..=pool.max_per_node() as u32 {
                    self.bidders
                        .extend_from_slice(pool.nodes_with_free(c, k as u16));
                }
            }
            debug_assert_eq!(self.bidders.len(), n);
            for i in (1..n).rev() {
                let j = crate::engine::rng::up_to(&mut self.bid_rng, i);
                self.bidders.swap(i, j);
            }
        } else {
            // `m` distinct indices, in the order drawn. A 256-bit filter of
            // the indices drawn so far answers "new" for most draws without
            // scanning the picks.
            self.picks.clear();
            let mut seen = [0u64; 4];
            while self.picks.len() < m {
                let i = crate::engine::rng::below(&mut self.bid_rng, n) as u32;
                let (w, b) = ((i as usize >> 6) & 3, 1u64 << (i & 63));
                if seen[w] & b == 0 || !self.picks.contains(&i) {
                    seen[w] |= b;
                    self.picks.push(i);
                }
            }
            // The candidates' buckets, in the order `candidates` counts
            // them, looked up once rather than once per pick, with the
            // running count of candidates at the end of each.
            let pool = &ctx.world.pool;
            let mut segments: [&[NodeId]; MAX_SEGMENTS] = [&[]; MAX_SEGMENTS];
            let mut ends = [u32::MAX; MAX_SEGMENTS];
            let mut len = 0;
            let mut total = 0u32;
            let mut cm = mask & pool.free_mask();
            'classes: while cm != 0 {
                let c = cm.trailing_zeros() as usize;
                cm &= cm - 1;
                for k in gpus..=pool.max_per_node() as u32 {
                    let nodes = pool.nodes_with_free(c, k as u16);
                    if !nodes.is_empty() {
                        if len == MAX_SEGMENTS {
                            len = 0;
                            break 'classes;
                        }
                        total += nodes.len() as u32;
                        segments[len] = nodes;
                        ends[len] = total;
                        len += 1;
                    }
                }
            }
            for k in 0..m {
                let i = self.picks[k];
                let node = if len > 0 {
                    // The segment holding candidate i: the number of
                    // segments that end at or before it, by a binary search
                    // of fixed depth over the sorted ends (unused ends are
                    // u32::MAX, and i < total, so the count is below len).
                    let mut s = 0;
                    let mut step = MAX_SEGMENTS / 2;
                    while step > 0 {
                        if ends[s + step - 1] <= i {
                            s += step;
                        }
                        step /= 2;
                    }
                    let before = if s == 0 { 0 } else { ends[s - 1] };
                    segments[s][(i - before) as usize]
                } else {
                    Self::candidate(ctx, mask, gpus, i as usize)
                };
                self.bidders.push(node);
            }
        }
    }

    /// Fills `self.bidders` with the audited providers that could bid on a
    /// gang of `gpus` of a class in `mask` (up, with `gpus` GPUs free), in
    /// the order [`Self::candidates`] counts all of them; returns how many.
    /// O(candidates): audited orders scan what the others count.
    fn audited_candidates(&mut self, ctx: &Ctx, mask: u64, gpus: u32) -> usize {
        self.bidders.clear();
        let pool = &ctx.world.pool;
        let mut m = mask & pool.free_mask();
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            for k in gpus..=pool.max_per_node() as u32 {
                let nodes = pool.nodes_with_free(c, k as u16);
                let providers = &self.providers;
                (self.bidders).extend(nodes.iter().filter(|n| providers[n.ix()].audited));
            }
        }
        self.bidders.len()
    }

    /// Whether an audited provider could bid on a gang of `gpus` of a class
    /// in `mask` now.
    fn any_audited_candidate(&self, ctx: &Ctx, mask: u64, gpus: u32) -> bool {
        let pool = &ctx.world.pool;
        let mut m = mask & pool.free_mask();
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            for k in gpus..=pool.max_per_node() as u32 {
                let nodes = pool.nodes_with_free(c, k as u16);
                if nodes.iter().any(|n| self.providers[n.ix()].audited) {
                    return true;
                }
            }
        }
        false
    }

    /// Keeps in `self.bidders` (the `n` audited candidates) those whose bids
    /// count, earliest bid first: all of them in random order if there are
    /// at most `max_bids`, else `max_bids` drawn without replacement (a
    /// partial shuffle), as [`Self::draw_bidders`] draws among all
    /// candidates.
    fn draw_audited_bidders(&mut self, n: usize) {
        let m = self.p.max_bids as usize;
        if n <= m {
            for i in (1..n).rev() {
                let j = self.bid_rng.random_range(0..=i);
                self.bidders.swap(i, j);
            }
        } else {
            for i in 0..m {
                let j = self.bid_rng.random_range(i..n);
                self.bidders.swap(i, j);
            }
            self.bidders.truncate(m);
        }
    }

    /// Provider `node`'s bid, USD per GPU-hour.
    #[inline]
    fn bid(&mut self, node: NodeId) -> f64 {
        // The provider's own cost (its factor is 1 unless dynamic supply
        // spreads costs).
        let pr = self.providers[node.ix()];
        match &self.p.populations[pr.population as usize].pricing {
            AkashPricing::CostPlus { markup } => {
                pr.cost * (1.0 + markup.sample(&mut self.markup_rng))
            }
            AkashPricing::Adaptive { .. } => pr.cost * (1.0 + pr.markup),
            AkashPricing::Script { usd_per_hour } => usd_per_hour[pr.class as usize],
        }
    }

    /// Adaptive providers among the bidders learn the outcome: the winner of
    /// an accepted order raises its markup, every other bidder lowers it.
    fn adapt(&mut self, winner: Option<usize>) {
        for (i, node) in self.bidders.iter().enumerate() {
            let pr = &mut self.providers[node.ix()];
            if let AkashPricing::Adaptive {
                min,
                max,
                step_up,
                step_down,
                ..
            } = self.p.populations[pr.population as usize].pricing
            {
                pr.markup = if winner == Some(i) {
                    (pr.markup + step_up).min(max)
                } else {
                    (pr.markup - step_down).max(min)
                };
            }
        }
    }

    /// Places an order for job `slot`: an auction among the providers with
    /// room, or a wait in its lane if there are none. The winner's GPUs are
    /// reserved and the lease starts when the bid window closes; a best bid
    /// above the user's maximum price sends the job to the cloud.
    fn open_order(&mut self, ctx: &mut Ctx, slot: u32) {
        let (mask, gpus) = (ctx.jobs[slot].class_mask, ctx.jobs[slot].gpus);
        let audited = Self::audited_only(ctx, slot);
        let n = if audited {
            self.audited_candidates(ctx, mask, gpus)
        } else {
            Self::candidates(ctx, mask, gpus)
        };
        if n == 0 {
            self.wait(ctx, slot);
            return;
        }
        if audited {
            self.draw_audited_bidders(n);
        } else {
            self.draw_bidders(ctx, mask, gpus, n);
        }
        let mut best: Option<(f64, usize)> = None;
        for i in 0..self.bidders.len() {
            let price = self.bid(self.bidders[i]);
            // Strictly lower: equal prices go to the earlier bid.
            if best.is_none_or(|(b, _)| price < b) {
                best = Some((price, i));
            }
        }
        let (price, wi) = best.expect("at least one candidate bids");
        let now = ctx.sched.now();
        let after_warmup = now >= ctx.metrics.warmup();
        if after_warmup {
            self.orders += 1;
            self.bids += self.bidders.len() as u64;
        }
        let accepted = price <= ctx.jobs[slot].max_price;
        self.adapt(accepted.then_some(wi));
        if !accepted {
            let job = &ctx.jobs[slot];
            lost_to_cloud(ctx, job.workload, job.counted);
            self.leases[slot as usize].phase = Phase::Idle;
            ctx.jobs.remove(slot);
            self.add_waiting(ctx, -1);
            return;
        }
        let node = self.bidders[wi];
        let cost = self.providers[node.ix()].cost;
        if after_warmup && cost > 0.0 {
            self.markup_sum += price / cost - 1.0;
            self.markups += 1;
        }
        let free = ctx.world.pool.free(node);
        ctx.world.set_free(node, free - gpus as u16);
        ctx.jobs[slot].alloc.push((node, gpus as u16));
        let q = &mut self.recent_price[self.providers[node.ix()].class as usize];
        *q += RECENT_WEIGHT * (price - *q);
        self.next_lease = self.next_lease.wrapping_add(1);
        let id = self.next_lease;
        self.leases[slot as usize] = Lease {
            id,
            phase: Phase::Bidding,
            node: node.0,
            price,
            ..Lease::default()
        };
        self.parked[node.ix()].push(slot);
        let t = AkashTimer::CloseBids { slot, lease: id };
        ctx.timer_after(self.p.bid_window, t);
    }

    /// Whether job `slot`'s workload takes bids from audited providers only.
    #[inline]
    fn audited_only(ctx: &Ctx, slot: u32) -> bool {
        ctx.sc.workloads[ctx.jobs[slot].workload as usize].audited_only
    }

    /// Puts order `slot` in its lane, in arrival order.
    fn wait(&mut self, ctx: &Ctx, slot: u32) {
        self.leases[slot as usize].phase = Phase::Waiting;
        let lanes = if Self::audited_only(ctx, slot) {
            &mut self.audited_lanes
        } else {
            &mut self.lanes
        };
        enqueue_in_lane(lanes, ctx.jobs, slot);
    }

    /// Reopens waiting orders that now have candidates, oldest first.
    fn retry_waiting(&mut self, ctx: &mut Ctx) {
        loop {
            let mut best: Option<(u64, bool, usize)> = None;
            for (li, lane) in self.lanes.iter().enumerate() {
                let Some(&s) = lane.jobs.front() else {
                    continue;
                };
                let serial = ctx.jobs[s].serial;
                if best.is_some_and(|(b, ..)| b < serial) {
                    continue;
                }
                if Self::candidates(ctx, lane.mask, lane.gpus) > 0 {
                    best = Some((serial, false, li));
                }
            }
            for (li, lane) in self.audited_lanes.iter().enumerate() {
                let Some(&s) = lane.jobs.front() else {
                    continue;
                };
                let serial = ctx.jobs[s].serial;
                if best.is_some_and(|(b, ..)| b < serial) {
                    continue;
                }
                if self.any_audited_candidate(ctx, lane.mask, lane.gpus) {
                    best = Some((serial, true, li));
                }
            }
            let Some((_, audited, li)) = best else { return };
            let lanes = if audited {
                &mut self.audited_lanes
            } else {
                &mut self.lanes
            };
            let slot = lanes[li].jobs.pop_front().expect("the lane has a head");
            self.leases[slot as usize].phase = Phase::Idle;
            self.open_order(ctx, slot);
        }
    }

    /// Pays the lease of `slot` up to now (capped by its escrow): returns
    /// (user USD, provider USD).
    /// The lease's provider earns its share (for its margin review).
    fn settle(&mut self, ctx: &mut Ctx, slot: u32) -> (f64, f64) {
        let l = &mut self.leases[slot as usize];
        let h = (ctx.sched.now() / self.p.block_time).min(l.max_height);
        let blocks = h.saturating_sub(l.paid_height);
        l.paid_height = l.paid_height.max(h);
        let user = blocks as f64 * l.usd_per_block;
        let provider = user * (1.0 - self.p.take_rate);
        ctx.world.credit(NodeId(l.node), provider);
        (user, provider)
    }

    /// Pays the outage of the lease of `slot` (provider down since
    /// `down_since`) up to now: the user pays blocks in which no GPU works.
    fn settle_outage(&mut self, ctx: &mut Ctx, slot: u32) {
        let (user, provider) = self.settle(ctx, slot);
        let since = self.leases[slot as usize].down_since;
        // On no GPUs: paid, but neither useful nor lost GPU-time.
        let w = ctx.jobs[slot].workload;
        pay_tokens(ctx, since, user, provider, None);
        ctx.metrics
            .segment(w, since, ctx.sched.now(), 0, 0, user, provider);
    }

    /// The bid window of order `slot` closed: its lease starts on the
    /// reserved GPUs, with an escrow of `escrow_cover` times the expected
    /// cost (the blocks its remaining work spans at most).
    fn start_lease(&mut self, ctx: &mut Ctx, slot: u32) {
        let now = ctx.sched.now();
        let bt = self.p.block_time;
        let job = &ctx.jobs[slot];
        let (gpus, remaining) = (job.gpus, job.remaining);
        let class = self.providers[job.alloc[0].0.ix()].class;
        let expected_blocks = remaining.div_ceil(bt) as f64;
        let deposit_blocks = (self.p.escrow_cover * expected_blocks).ceil() as u64;
        let l = &mut self.leases[slot as usize];
        l.phase = Phase::Running;
        l.usd_per_block = usd_per_block(l.price, gpus, bt);
        l.paid_height = now / bt;
        l.max_height = l.paid_height + deposit_blocks;
        // The escrow timer's place is taken now, before the run's end is
        // scheduled, so it leaves exactly where it would have had it been
        // scheduled here; it is scheduled only if the escrow can run dry
        // before the run ends (never with `escrow_cover` ≥ 1) or once the
        // provider goes down (`node_down`). Otherwise the lease is over
        // before it could fire and it would be ignored.
        l.escrow_seq = ctx.sched.reserve();
        l.escrow_queued = false;
        let (price, node, dry_at) = (l.price, l.node, (l.max_height + 1) * bt);
        let parked = &mut self.parked[node as usize];
        let pos = parked.iter().position(|&s| s == slot);
        parked.remove(pos.expect("a bidding order is parked on its winner"));
        begin_run(ctx, slot, class, price);
        if now.saturating_add(remaining) >= dry_at {
            self.queue_escrow(ctx, slot);
        }
        self.add_waiting(ctx, -1);
    }

    /// Schedules the escrow timer of the lease of `slot` (when its escrow
    /// cannot pay the next block), in the place reserved when it started.
    fn queue_escrow(&mut self, ctx: &mut Ctx, slot: u32) {
        let l = &mut self.leases[slot as usize];
        if l.escrow_queued {
            return;
        }
        l.escrow_queued = true;
        let (at, seq) = ((l.max_height + 1) * self.p.block_time, l.escrow_seq);
        let t = AkashTimer::Escrow { slot, lease: l.id };
        ctx.timer_at_reserved(at, seq, t);
    }

    /// The provider of the lease of `slot` is gone for good (health window)
    /// or its escrow is dry: the lease is closed and the user orders again
    /// after the redeploy delay.
    fn close(&mut self, ctx: &mut Ctx, slot: u32) {
        if ctx.sched.now() >= ctx.metrics.warmup() {
            self.closures += 1;
        }
        let l = &mut self.leases[slot as usize];
        l.phase = Phase::Redeploying;
        let id = l.id;
        let t = AkashTimer::Redeploy { slot, lease: id };
        ctx.timer_after(self.p.redeploy_delay, t);
    }

    /// Stops the running workload of `slot` (progress since its last
    /// checkpoint is lost), paying the lease up to now; counts a disruption.
    fn stop_run(&mut self, ctx: &mut Ctx, slot: u32) {
        let (user, provider) = self.settle(ctx, slot);
        let kept = kept_progress(&ctx.jobs[slot], run_elapsed(ctx, slot));
        end_run(ctx, slot, kept, user, provider);
        requeue_interrupted(ctx, slot, kept);
        self.add_waiting(ctx, 1);
    }
}

impl Design for Akash {
    type Timer = AkashTimer;

    fn capacity_freed(&mut self, ctx: &mut Ctx) {
        self.retry_waiting(ctx);
    }

    /// Recent winning prices of the cheapest acceptable class (gangs on one
    /// node only).
    fn quote(&self, ctx: &Ctx, w: usize, draw: &JobDraw) -> Option<Quote> {
        if ctx.sc.workloads[w].kind.bit() & self.p.serves == 0
            || draw.gpus > ctx.world.pool.max_per_node() as u32
        {
            return None;
        }
        let (_, price) = cheapest_class(&self.recent_price, draw.class_mask, draw.max_price)?;
        let mean_h = ctx.sc.workloads[w].duration.mean() / MS_PER_HOUR as f64;
        Some(Quote {
            usd_per_gpu_h: price,
            wait_h: expected_wait_h(ctx, self.waiting, draw.gpus, draw.class_mask, mean_h)
                + self.p.bid_window as f64 / MS_PER_HOUR as f64,
            risk: unchecked_frame_risk(ctx, w),
        })
    }

    /// A job arrives: not served if Akash does not run its kind; else it
    /// places an order.
    fn submit(&mut self, ctx: &mut Ctx, w: usize, draw: JobDraw) {
        let Some(counted) = admit(ctx, w, self.p.serves) else {
            return;
        };
        let mask = draw.class_mask;
        let slot = new_job(ctx, self.next_serial, w, draw, mask, counted);
        self.next_serial += 1;
        if self.leases.len() <= slot as usize {
            self.leases.resize(slot as usize + 1, Lease::default());
        }
        self.leases[slot as usize] = Lease::default();
        self.add_waiting(ctx, 1);
        self.open_order(ctx, slot);
    }

    /// The lease's workload is done: the last blocks are paid, the lease
    /// ends and its GPUs are free for waiting orders.
    fn job_end(&mut self, ctx: &mut Ctx, slot: u32) {
        let (user, provider) = self.settle(ctx, slot);
        self.leases[slot as usize].phase = Phase::Idle;
        complete(ctx, slot, user, provider);
        self.retry_waiting(ctx);
    }

    /// `node` failed: workloads on it stop and their leases go on being
    /// charged until it returns or the health window passes; orders it had
    /// won lose their winner and are placed again.
    fn node_down(&mut self, ctx: &mut Ctx, node: NodeId) {
        let now = ctx.sched.now();
        self.scratch.clear();
        self.scratch.extend(self.parked[node.ix()].drain(..));
        let withdrawn = self.scratch.len();
        runs_on(ctx, node, &mut self.scratch);
        for k in withdrawn..self.scratch.len() {
            let slot = self.scratch[k];
            self.stop_run(ctx, slot);
            let l = &mut self.leases[slot as usize];
            l.phase = Phase::Down;
            l.down_since = now;
            self.parked[node.ix()].push(slot);
            // Down, the lease is charged until an event not known yet.
            self.queue_escrow(ctx, slot);
        }
        if withdrawn < self.scratch.len() {
            let epoch = ctx.world.nodes[node.ix()].epoch;
            let t = AkashTimer::Health { node, epoch };
            ctx.timer_after(self.p.health_window, t);
        }
        for k in 0..withdrawn {
            let slot = self.scratch[k];
            debug_assert_eq!(self.leases[slot as usize].phase, Phase::Bidding);
            // The node's GPUs left the pool when it went down.
            ctx.jobs[slot].alloc.clear();
            self.leases[slot as usize].phase = Phase::Idle;
            self.open_order(ctx, slot);
        }
    }

    /// `node` came back within the health window of its leases: their
    /// workloads restart on it (from their last checkpoint) and the outage
    /// is paid; the rest of its GPUs are free for waiting orders.
    fn node_up(&mut self, ctx: &mut Ctx, node: NodeId) {
        self.scratch.clear();
        self.scratch.extend(self.parked[node.ix()].drain(..));
        for k in 0..self.scratch.len() {
            let slot = self.scratch[k];
            debug_assert_eq!(self.leases[slot as usize].phase, Phase::Down);
            self.settle_outage(ctx, slot);
            let gpus = ctx.jobs[slot].gpus as u16;
            let free = ctx.world.pool.free(node);
            ctx.world.set_free(node, free - gpus);
            ctx.jobs[slot].alloc.push((node, gpus));
            let l = &mut self.leases[slot as usize];
            l.phase = Phase::Running;
            let price = l.price;
            let class = ctx.world.nodes[node.ix()].class;
            begin_run(ctx, slot, class, price);
            self.add_waiting(ctx, -1);
        }
        self.retry_waiting(ctx);
    }

    /// `node`'s provider left the market: it withdraws from the auction and
    /// its leases are closed as when it is down past the health window (the
    /// outage so far is paid; the users redeploy after the delay).
    fn node_leave(&mut self, ctx: &mut Ctx, node: NodeId, was_up: bool) {
        if was_up {
            self.node_down(ctx, node);
        }
        self.scratch.clear();
        self.scratch.extend(self.parked[node.ix()].drain(..));
        for k in 0..self.scratch.len() {
            let slot = self.scratch[k];
            debug_assert_eq!(self.leases[slot as usize].phase, Phase::Down);
            self.settle_outage(ctx, slot);
            self.close(ctx, slot);
        }
    }

    /// A design timer fires; stale ones (the lease or the node moved on)
    /// are ignored.
    fn timer(&mut self, ctx: &mut Ctx, t: AkashTimer) {
        let current = |s: &Self, slot: u32, lease: u32, phase: Phase| {
            s.leases
                .get(slot as usize)
                .is_some_and(|l| l.id == lease && l.phase == phase)
        };
        use AkashTimer::*;
        match t {
            CloseBids { slot, lease } if current(self, slot, lease, Phase::Bidding) => {
                self.start_lease(ctx, slot)
            }
            Redeploy { slot, lease } if current(self, slot, lease, Phase::Redeploying) => {
                self.leases[slot as usize].phase = Phase::Idle;
                self.open_order(ctx, slot);
            }
            Health { node, epoch } if ctx.world.nodes[node.ix()].epoch == epoch => {
                self.scratch.clear();
                self.scratch.extend(self.parked[node.ix()].drain(..));
                for k in 0..self.scratch.len() {
                    let slot = self.scratch[k];
                    self.settle_outage(ctx, slot);
                    self.close(ctx, slot);
                }
            }
            Escrow { slot, lease } if current(self, slot, lease, Phase::Running) => {
                self.stop_run(ctx, slot);
                self.close(ctx, slot);
                self.retry_waiting(ctx);
            }
            Escrow { slot, lease } if current(self, slot, lease, Phase::Down) => {
                self.settle_outage(ctx, slot);
                let parked = &mut self.parked[self.leases[slot as usize].node as usize];
                let pos = parked.iter().position(|&s| s == slot);
                parked.remove(pos.expect("a lease whose provider is down is parked on it"));
                self.close(ctx, slot);
            }
            _ => {}
        }
    }

    /// Jobs without a running lease.
    fn queue_len(&self) -> usize {
        self.waiting
    }

    /// At the horizon: outages in progress and running leases are paid up to
    /// now (blocks elapsed), and the design's columns are filled.
    fn finish(&mut self, ctx: &mut Ctx) {
        for n in 0..self.parked.len() {
            for k in 0..self.parked[n].len() {
                let slot = self.parked[n][k];
                if self.leases[slot as usize].phase == Phase::Down {
                    self.settle_outage(ctx, slot);
                }
            }
        }
        let (bt, take) = (self.p.block_time, self.p.take_rate);
        let now = ctx.sched.now();
        // A running lease is paid from its run's start (settled then) to
        // now; its escrow has not run dry, or its timer would have fired.
        finish_jobs(ctx, |job, elapsed| {
            let blocks = now / bt - (now - elapsed) / bt;
            let user = blocks as f64 * usd_per_block(job.price_per_gpu_h, job.gpus, bt);
            (user, user * (1.0 - take))
        });
        ctx.metrics.design = DesignColumns {
            bids_per_order: finite(self.bids as f64 / self.orders as f64),
            mean_markup: finite(self.markup_sum / self.markups as f64),
            lease_closures: Some(self.closures),
            ..DesignColumns::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{MS_PER_HOUR, SimTime};
    use crate::metrics::Summary;
    use crate::model::{Event, NodeId};
    use crate::scenario::{DesignKind, Scenario, from_str};
    use crate::sim::Run;

    const H: SimTime = MS_PER_HOUR;
    const M: SimTime = 60_000;
    /// Akash's block time (REFERENCE.md), in ms.
    const BT: SimTime = 6_117;

    /// One node per class: X (node 0, cost $1/h), A100 (node 1, cost $2/h),
    /// W (node 2: CPU-only units of 4 threads and 16 GB). Arrivals are
    /// practically off: tests inject jobs.
    const WORLD: &str = r#"
        [scenario]
        name = "akash-mechanics"
        horizon = "40h"
        designs = ["akash"]
        [[gpu_class]]
        name = "X"
        vram_gb = 80
        cost_per_hour = 1.0
        cloud_price_per_hour = 3.0
        [[gpu_class]]
        name = "A100"
        vram_gb = 80
        cost_per_hour = 2.0
        cloud_price_per_hour = 3.0
        [[gpu_class]]
        name = "W"
        vram_gb = 0
        cost_per_hour = 0.02
        cloud_price_per_hour = 0.1
        cpu_threads = 4
        memory_gb = 16
        [supply]
        initial = { X = 4, A100 = 4, W = 4 }
        gpus_per_node = 4
        [[workload]]
        name = "train"
        kind = "training"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "10h" }
        gpus = 2
        gpu_class = ["X"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "ckpt"
        kind = "training"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "10h" }
        gpus = 1
        gpu_class = ["X", "A100"]
        max_price_per_gpu_hour = 10.0
        checkpoint_every = "3h"
        [[workload]]
        name = "web"
        kind = "web"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "10h" }
        gpus = 1
        gpu_class = ["W"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "pricey"
        kind = "inference"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "1h" }
        gpus = 1
        gpu_class = ["X"]
        max_price_per_gpu_hour = 1.2
        [[workload]]
        name = "quick"
        kind = "inference"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "10m" }
        gpus = 1
        gpu_class = ["X", "A100"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "hog"
        kind = "training"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "10h" }
        gpus = 4
        gpu_class = ["X"]
        max_price_per_gpu_hour = 10.0
        [design.akash]
        bid_window = "1m"
        block_time = "6117ms"
        take_rate = 0.02
        health_window = "8m"
        redeploy_delay = "5m"
        escrow_cover = 2.0
        [[design.akash.provider]]
        share = 1.0
        strategy = "cost_plus"
        markup = { dist = "fixed", value = 0.5 }
    "#;

    const TRAIN: Event = Event::Arrival(0);
    const CKPT: Event = Event::Arrival(1);
    const WEB: Event = Event::Arrival(2);
    const PRICEY: Event = Event::Arrival(3);
    const QUICK: Event = Event::Arrival(4);
    const HOG: Event = Event::Arrival(5);
    const X_NODE: NodeId = NodeId(0);
    const W_NODE: NodeId = NodeId(2);

    const COST_PLUS: &str = r#"strategy = "cost_plus"
        markup = { dist = "fixed", value = 0.5 }"#;

    fn scenario(sets: &[&str]) -> Scenario {
        let ov: Vec<_> = sets
            .iter()
            .map(|s| crate::scenario::parse_override(s).unwrap())
            .collect();
        from_str(WORLD, "akash.toml", &ov).unwrap()
    }

    fn with_pricing(pricing: &str) -> Scenario {
        let text = WORLD.replace(COST_PLUS, pricing);
        assert_ne!(text, WORLD, "the provider block to replace was not found");
        from_str(&text, "akash.toml", &[]).unwrap()
    }

    /// Blocks between times `a` and `b` (block heights ⌊t / block_time⌋).
    fn blocks(a: SimTime, b: SimTime) -> f64 {
        (b / BT - a / BT) as f64
    }

    /// USD a gang of `gpus` pays per block at `price` per GPU-hour.
    fn per_block(price: f64, gpus: f64) -> f64 {
        price * gpus * BT as f64 / H as f64
    }

    /// Providers' USD, from the margin: margin · fleet GPU-h + fleet cost
    /// (12 GPUs for 40 h; costs 4·1 + 4·2 + 4·0.02 per hour).
    fn provider_usd(s: &Summary) -> f64 {
        s.provider_margin.unwrap() * 480.0 + (4.0 + 8.0 + 0.08) * 40.0
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn lease_pays_whole_blocks_less_the_take_rate() {
        let sc = scenario(&[]);
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        run.inject(0, TRAIN); // order at 0, lease 1m..10h1m on X at 1.5/h
        run.advance(M - 1);
        assert_eq!(run.queue_len(), 1, "still in its bid window");
        assert_eq!(run.gpus_busy(), 0.0, "reserved GPUs are not busy");
        assert_eq!(run.class_free(0), 2, "but reserved");
        run.advance(M);
        assert_eq!(run.gpus_busy(), 2.0);
        let s = run.finish().summary;
        // h(10h1m) − h(1m) = ⌊36,060,000 / 6117⌋ − ⌊60,000 / 6117⌋ = 5895 − 9.
        assert_eq!(blocks(M, 10 * H + M), 5886.0);
        let user = 5886.0 * per_block(1.5, 2.0);
        assert!(close(s.user_usd, user), "{} vs {user}", s.user_usd);
        assert!(close(provider_usd(&s), 0.98 * user));
        assert_eq!(s.gpu_hours_delivered, 20.0);
        assert_eq!(s.mean_wait_h, Some(1.0 / 60.0), "the bid window is waited");
        assert_eq!(s.bids_per_order, Some(1.0));
        assert!(close(s.mean_markup.unwrap(), 0.5));
        assert_eq!(s.lease_closures, Some(0));
    }

    #[test]
    fn provider_down_past_the_health_window_closes_the_lease_and_the_user_redeploys() {
        let sc = scenario(&[]);
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        // Bids: X at 1.5, A100 at 3.0: X wins; lease from 1m.
        run.inject(0, CKPT);
        // At 7h1m it has run 7 h: keeps 6 h (checkpoints every 3 h), loses 1 h.
        run.inject(7 * H + M, Event::NodeDown(X_NODE));
        run.inject(20 * H, Event::NodeUp(X_NODE));
        run.advance(7 * H + 9 * M - 1);
        assert_eq!(run.queue_len(), 1);
        // Closed at 7h9m; new order at 7h14m: only A100 bids (3.0); lease
        // from 7h15m runs the 4 h left, to 11h15m.
        run.advance(7 * H + 15 * M);
        assert_eq!(run.class_free(1), 3);
        assert_eq!(run.gpus_busy(), 1.0);
        let s = run.finish().summary;
        let first = blocks(M, 7 * H + 9 * M) * per_block(1.5, 1.0);
        let second = blocks(7 * H + 15 * M, 11 * H + 15 * M) * per_block(3.0, 1.0);
        assert!(
            close(s.user_usd, first + second),
            "{} vs {}: the 8 minutes down are paid",
            s.user_usd,
            first + second
        );
        assert!(close(provider_usd(&s), 0.98 * (first + second)));
        assert_eq!(s.lease_closures, Some(1));
        assert_eq!(s.interruptions, 1);
        assert_eq!(s.jobs_interrupted, 1);
        assert_eq!(s.jobs_completed, 1);
        assert_eq!(s.gpu_hours_delivered, 10.0);
        assert_eq!(s.lost_gpu_hours, 1.0);
        // Waited: the first bid window, then 7h1m → 7h15m.
        assert_eq!(s.mean_wait_h, Some(0.25));
        assert!(close(s.mean_markup.unwrap(), 0.5));
        assert_eq!(s.bids_per_order, Some(1.5), "2 bids, then 1 (X is down)");
    }

    #[test]
    fn provider_back_within_the_health_window_keeps_the_lease() {
        let sc = scenario(&[]);
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        run.inject(0, CKPT);
        run.inject(7 * H + M, Event::NodeDown(X_NODE));
        // Back after 4 minutes: restarts from its 6 h checkpoint, 4 h left.
        run.inject(7 * H + 5 * M, Event::NodeUp(X_NODE));
        run.advance(11 * H + 5 * M - 1);
        assert_eq!(run.live_jobs(), 1);
        run.advance(11 * H + 5 * M);
        assert_eq!(run.live_jobs(), 0);
        let s = run.finish().summary;
        let user = blocks(M, 11 * H + 5 * M) * per_block(1.5, 1.0);
        assert!(close(s.user_usd, user), "{} vs {user}", s.user_usd);
        assert_eq!(s.lease_closures, Some(0));
        assert_eq!(s.interruptions, 1);
        assert_eq!(s.lost_gpu_hours, 1.0);
        assert_eq!(s.gpu_hours_delivered, 10.0);
        assert_eq!(s.bids_per_order, Some(2.0));
        assert!(close(s.usd_per_gpu_hour.unwrap(), user / 10.0));
    }

    #[test]
    fn a_web_service_loses_only_the_outage() {
        let sc = scenario(&[]);
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        run.inject(0, WEB); // W unit at 0.02 · 1.5 = 0.03/h, from 1m
        run.inject(5 * H + M, Event::NodeDown(W_NODE));
        run.inject(5 * H + 3 * M, Event::NodeUp(W_NODE));
        // Served 5 h, down 2 min, serves the other 5 h: ends 10h3m.
        run.advance(10 * H + 3 * M - 1);
        assert_eq!(run.live_jobs(), 1);
        run.advance(10 * H + 3 * M);
        assert_eq!(run.live_jobs(), 0);
        let s = run.finish().summary;
        assert_eq!(s.interruptions, 1);
        assert_eq!(s.lost_gpu_hours, 0.0);
        assert_eq!(s.gpu_hours_delivered, 10.0);
        let user = blocks(M, 10 * H + 3 * M) * per_block(0.03, 1.0);
        assert!(close(s.user_usd, user), "{} vs {user}", s.user_usd);
    }

    #[test]
    fn an_escrow_that_runs_dry_closes_the_lease() {
        let sc = scenario(&["design.akash.escrow_cover=1"]);
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        // Lease from 1m (height 9); escrow ⌈10 h / 6117 ms⌉ = 5886 blocks:
        // it cannot pay block 9 + 5886 + 1, at 5896 · 6117 ms.
        run.inject(0, TRAIN);
        // A 5-minute outage restarts the job from scratch (no checkpoints):
        // it would end at 12h5m, after the escrow runs dry.
        run.inject(2 * H, Event::NodeDown(X_NODE));
        run.inject(2 * H + 5 * M, Event::NodeUp(X_NODE));
        let dry = 5896 * BT;
        let reorder = dry + 5 * M;
        let start2 = reorder + M;
        let end2 = start2 + 10 * H;
        run.advance(end2 - 1);
        assert_eq!(run.live_jobs(), 1);
        run.advance(end2);
        assert_eq!(run.live_jobs(), 0);
        let s = run.finish().summary;
        assert_eq!(s.lease_closures, Some(1));
        assert_eq!(s.interruptions, 2, "the outage, then the closure");
        let user = (5886.0 + blocks(start2, end2)) * per_block(1.5, 2.0);
        assert!(close(s.user_usd, user), "{} vs {user}", s.user_usd);
        let lost_h = 2.0 * ((2 * H - M) + (dry - (2 * H + 5 * M))) as f64 / H as f64;
        assert!(close(s.lost_gpu_hours, lost_h));
        assert_eq!(s.gpu_hours_delivered, 20.0);
    }

    #[test]
    fn a_best_bid_above_the_users_maximum_sends_the_job_to_the_cloud() {
        let sc = scenario(&[]);
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        run.inject(0, PRICEY); // X bids 1.5 > 1.2
        run.inject(0, QUICK); // X 1.5 and A100 3.0; takes X
        let s = run.finish().summary;
        assert_eq!(s.jobs_submitted, 2);
        assert_eq!(s.jobs_lost_to_cloud, 1);
        assert_eq!(s.jobs_completed, 1);
        assert_eq!(s.bids_per_order, Some(1.5));
        let user = blocks(M, M + 10 * M) * per_block(1.5, 1.0);
        assert!(close(s.user_usd, user));
    }

    #[test]
    fn adaptive_markups_rise_after_wins_and_fall_after_losses_within_bounds() {
        let sc = with_pricing(
            r#"strategy = "adaptive"
            markup = { dist = "fixed", value = 0.3 }
            markup_min = 0.1
            markup_max = 0.5
            step_up = 0.1
            step_down = 0.05"#,
        );
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        // Five orders with both X (cost 1) and A100 (cost 2) idle: X wins
        // at markups 0.3, 0.4, 0.5, 0.5 (max), 0.5; A100 falls 0.3 → 0.25,
        // 0.2, 0.15, 0.1, 0.1 (min).
        for i in 0..5 {
            run.inject(i * H, QUICK);
        }
        // X is taken whole (X's markup stays at its max), so A100 wins the
        // next two at 0.1 and 0.2.
        run.inject(5 * H, HOG);
        run.inject(6 * H, QUICK);
        run.inject(7 * H, QUICK);
        let s = run.finish().summary;
        assert_eq!(s.jobs_completed, 8);
        let want = (0.3 + 0.4 + 0.5 + 0.5 + 0.5 + 0.5 + 0.1 + 0.2) / 8.0;
        let got = s.mean_markup.unwrap();
        assert!((got - want).abs() < 1e-12, "mean markup {got}, want {want}");
    }

    #[test]
    fn script_prices_follow_the_default_bid_script() {
        let sc = with_pricing(r#"strategy = "script""#);
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        // HOG takes X whole (GPU $100/month); CKPT then gets only the A100
        // bid ($120/month); WEB a W unit: 4 threads · $1.60 + 16 GB · $0.80.
        run.inject(0, HOG);
        run.inject(0, CKPT);
        run.inject(0, WEB);
        let s = run.finish().summary;
        let month_h = 730.5;
        let usd_per_hour = 4.0 * 100.0 / month_h + 120.0 / month_h + 19.2 / month_h;
        let user = blocks(M, 10 * H + M) * usd_per_hour * BT as f64 / H as f64;
        assert!(close(s.user_usd, user), "{} vs {user}", s.user_usd);
        // Markups over cost: X 100/730.5/1 − 1, A100 120/730.5/2 − 1, W 19.2/730.5/0.02 − 1.
        let want = ((100.0 / month_h - 1.0)
            + (120.0 / month_h / 2.0 - 1.0)
            + (19.2 / month_h / 0.02 - 1.0))
            / 3.0;
        assert!(close(s.mean_markup.unwrap(), want));
    }

    #[test]
    fn an_order_without_candidates_waits_and_gets_the_next_free_provider() {
        let sc = scenario(&[]);
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        run.inject(0, HOG); // X whole until 10h1m
        run.inject(H, TRAIN); // X only: no bid; waits
        run.advance(2 * H);
        assert_eq!(run.queue_len(), 1);
        // At 10h1m the hog ends; TRAIN orders then and starts at 10h2m.
        run.advance(10 * H + 2 * M);
        assert_eq!(run.gpus_busy(), 2.0);
        let s = run.finish().summary;
        assert_eq!(s.jobs_completed, 2);
        let wait_h = (1.0 / 60.0 + (9.0 + 2.0 / 60.0)) / 2.0;
        assert!(close(s.mean_wait_h.unwrap(), wait_h));
    }

    #[test]
    fn a_winner_that_fails_before_the_lease_starts_is_replaced() {
        let sc = scenario(&[]);
        let mut run = Run::new(&sc, DesignKind::Akash, 1);
        run.inject(0, CKPT); // X wins
        run.inject(30_000, Event::NodeDown(X_NODE)); // within the bid window
        run.advance(30_000);
        assert_eq!(run.class_free(1), 3, "re-ordered at once: A100 reserved");
        let s = run.finish().summary;
        // Lease on A100 at 3.0 from 1m30s for 10 h.
        let user = blocks(90_000, 90_000 + 10 * H) * per_block(3.0, 1.0);
        assert!(close(s.user_usd, user), "{} vs {user}", s.user_usd);
        assert_eq!(s.interruptions, 0, "no workload ran");
    }
}
