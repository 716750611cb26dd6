//! The shared world every design runs on: GPU nodes and their churn, demand,
//! jobs, and the events that drive them.

pub mod admission;
pub mod demand;
pub mod growth;
pub mod jobs;
pub mod pool;
pub mod supply;

use crate::engine::{Rng, Scheduler, SimTime, Streams};
use crate::scenario::{Churn, Scenario};
use admission::Admission;
use pool::FreePool;
use rand::Rng as _;
use rand_distr::{Distribution, LogNormal};

/// Index of a node in [`World::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl NodeId {
    /// As a `usize` index.
    #[inline]
    pub fn ix(self) -> usize {
        self.0 as usize
    }
}

/// What happens in a run. Plain data, small payloads. Laid out as C would
/// (a `u32` tag, then each variant's fields at their natural offsets; 16
/// bytes): with Rust's default layout (12 bytes, a byte tag and fields from
/// offset 1) the compiler copied it as a byte and two overlapping unaligned
/// words, and each copy through the stack (a pop from the queue, the call
/// to the handler) stalled on a failed store-to-load forward: over half of
/// the run loop's `perf` samples on the M/M/c model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, u32)]
pub enum Event {
    /// A job of workload `.0` arrives.
    Arrival(u16),
    /// A node fails.
    NodeDown(NodeId),
    /// A node comes back.
    NodeUp(NodeId),
    /// A run of the job in `slot` ends, if its generation still matches.
    JobEnd { slot: u32, generation: u32 },
    /// A design's own timer, packed: `net` is the network that set it,
    /// `(tag, a, b)` the design's timer enum as its `Timer::pack` gives it
    /// (see `designs::Timer`; only the design reads them).
    Timer { net: u8, tag: u8, a: u32, b: u32 },
    /// Dynamic supply: every provider reviews its margin.
    Review,
    /// Dynamic supply: an onboarding node starts serving.
    Join(NodeId),
    /// Dynamic supply: a node whose unstaking period is over leaves.
    Leave(NodeId),
    /// A token price period ends (only with tokens on).
    TokenTick,
}

/// Where a node stands with the fleet. Nodes of the pool of potential
/// entrants exist from the start (so designs size their arrays once) but
/// hold no capacity until they join.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// A potential node of the pool that has not decided to enter.
    Absent,
    /// Decided to enter; serves after the onboarding delay.
    Onboarding,
    /// In the fleet.
    Present,
    /// Decided to leave and unstaking (io.net): still in the fleet, serving.
    Leaving,
    /// Left for good (it does not return to the pool).
    Gone,
}

impl Presence {
    /// Whether the node is in the fleet (holds capacity, costs, churns).
    #[inline]
    pub fn in_fleet(self) -> bool {
        matches!(self, Presence::Present | Presence::Leaving)
    }
}

/// One node a run may have: its class, GPUs and the key of its per-node
/// streams (class, index within class).
#[derive(Clone, Copy, Debug)]
pub struct NodeSlot {
    pub class: u16,
    pub gpus: u16,
    pub key: u64,
    /// In the fleet at t = 0 (false: in the pool of potential entrants,
    /// or in the launch fleet of a later class).
    pub initial: bool,
    /// The launch fleet of a class that appears later: when it joins.
    pub launch_at: Option<SimTime>,
}

/// Every node a run of `sc` may have, in index order: per class, the initial
/// fleet in nodes of `gpus_per_node` GPUs (the last one smaller if the count
/// does not divide); then, with dynamic supply, per class the pool of
/// potential nodes, cut the same way. Keys are (class, node within class),
/// pool nodes continuing after the class's initial ones, so changing one
/// class's fleet leaves every other node's draws as they were.
pub fn node_layout(sc: &Scenario) -> Vec<NodeSlot> {
    let mut out = Vec::new();
    let mut next_k = vec![0u64; sc.classes.len()];
    let pools: Vec<u32> = match &sc.supply {
        Some(d) => d.pool_gpus.clone(),
        None => vec![0; sc.classes.len()],
    };
    // A later class's launch fleet takes the place of an initial fleet.
    let per_class = [
        sc.classes
            .iter()
            .map(|c| c.initial_gpus + c.launch_gpus)
            .collect::<Vec<_>>(),
        pools,
    ];
    for (phase, counts) in per_class.iter().enumerate() {
        for (c, &count) in counts.iter().enumerate() {
            let mut left = count;
            while left > 0 {
                let g = left.min(sc.gpus_per_node);
                let from = sc.classes[c].available_from;
                out.push(NodeSlot {
                    class: c as u16,
                    gpus: g as u16,
                    key: ((c as u64) << 32) | next_k[c],
                    initial: phase == 0 && from == 0,
                    launch_at: (phase == 0 && from > 0).then_some(from),
                });
                left -= g;
                next_k[c] += 1;
            }
        }
    }
    out
}

/// A provider's machine: GPUs of one class.
#[derive(Debug, Clone)]
pub struct Node {
    pub class: u16,
    pub gpus: u16,
    pub up: bool,
    /// Faulty hardware: frames it renders are bad with the scenario's
    /// `faults.frame_error_rate` (the same nodes in every design).
    pub faulty: bool,
    /// When it last went up or down.
    pub since: SimTime,
    /// When its current (or, while down, its last) up period began.
    pub up_since: SimTime,
    /// Up/down transitions so far: timers set during one period carry it
    /// and are ignored after the next transition.
    pub epoch: u32,
    /// Slots of the jobs running on it: inline up to six (no second cache
    /// miss when a run starts or ends), on the heap beyond.
    pub running: smallvec::SmallVec<[u32; 6]>,
    /// In the fleet or not (always present with a fixed fleet).
    pub presence: Presence,
    /// When it joined the fleet (0 for the initial fleet).
    pub joined: SimTime,
    /// Its provider's cost per GPU-hour as a multiple of the class's
    /// `cost_per_hour` (1 unless dynamic supply spreads costs).
    pub cost_factor: f64,
    /// Its provider tier (an index into `Scenario::tiers`; 0 without tiers).
    pub tier: u8,
    /// Time up before its current up period (or before now, while down),
    /// ms: with the current period, its whole uptime ([`World::uptime_ms`]).
    pub uptime_ms: SimTime,
}

/// Nodes, their free GPUs and their churn.
pub struct World {
    pub nodes: Vec<Node>,
    /// Free GPUs by node and class as the network being served now sees
    /// them: every node when a design runs alone; in world mode, the nodes
    /// listed on the active network ([`World::activate`]). Change it only
    /// through [`World::set_free`], which keeps every network's view in step.
    pub pool: FreePool,
    /// World mode: per node, the networks it is listed on (bit per network;
    /// empty when a design runs alone, where every node is its).
    pub listed: Vec<u8>,
    /// World mode: the other networks' views of the free pool (the active
    /// network's slot holds a placeholder), the active network, the free
    /// GPUs per node, and nodes whose free GPUs rose since the last drain
    /// with the network that was active then.
    views: Vec<FreePool>,
    active: u8,
    free: Vec<u16>,
    pub freed: Vec<(NodeId, u8)>,
    /// GPUs on nodes that are up.
    pub gpus_up: u64,
    /// GPUs in the fleet (up or down; present or unstaking).
    pub gpus_total: u64,
    /// Per provider tier: its nodes' up and down periods (`None`: they
    /// never fail). One entry without tiers: `[churn]`.
    laws: Vec<Option<Churn>>,
    /// Listed nodes only (world mode, or a design whose admission leaves
    /// nodes out): per network, the GPUs in the fleet it lists, and their
    /// providers' cost weights per class.
    net_gpus: Vec<u64>,
    net_weight: Vec<Vec<f64>>,
    /// Per node: the streams of its up and down periods.
    churn_rngs: Vec<(Rng, Rng)>,
    /// Per node: provider USD earned since the last supply review (designs
    /// credit it as they pay; the review reads and resets it). Empty with
    /// a fixed fleet, where nothing reads it.
    pub income_usd: Vec<f64>,
    /// Per class: GPUs in the fleet weighted by their providers' cost
    /// factors (the GPU count when costs are not spread); and the class
    /// costs, USD per GPU-hour.
    class_weight: Vec<f64>,
    class_cost: Vec<f64>,
    /// The classes, whose costs may decline (`GpuClass::cost_at`).
    classes: Vec<crate::scenario::GpuClass>,
    /// Launch fleets of classes that appear later: node and join time.
    launches: Vec<(NodeId, SimTime)>,
    /// When the last node left the fleet, if any did.
    pub last_leave: Option<SimTime>,
}

impl World {
    /// Builds every node of `sc` in the order of [`node_layout`]: the initial
    /// fleet, up with all GPUs free, then (dynamic supply) the pool's nodes,
    /// absent until they join. Call [`World::start_churn`] to begin churn.
    pub fn new(sc: &Scenario, streams: &Streams) -> Self {
        let layout = node_layout(sc);
        let mut nodes = Vec::with_capacity(layout.len());
        let mut churn_rngs = Vec::new();
        let cost_spread = sc.supply.as_ref().filter(|d| d.cost_cv > 0.0).map(|d| {
            let sigma2 = (1.0 + d.cost_cv * d.cost_cv).ln();
            LogNormal::new(-sigma2 / 2.0, sigma2.sqrt()).expect("cost_cv is checked")
        });
        for slot in &layout {
            let id = slot.key;
            let tier = if sc.tiers.len() > 1 {
                admission::draw_tier(&sc.tiers, &mut streams.substream("supply/tier", id))
            } else {
                0
            };
            let fault_share = sc.fault_share_of(tier as usize);
            let faulty = fault_share > 0.0 && {
                let mut r = streams.substream("faults", id);
                r.random::<f64>() < fault_share
            };
            nodes.push(Node {
                class: slot.class,
                gpus: slot.gpus,
                up: slot.initial,
                faulty,
                since: 0,
                up_since: 0,
                epoch: 0,
                running: Default::default(),
                presence: if slot.initial {
                    Presence::Present
                } else if slot.launch_at.is_some() {
                    Presence::Onboarding
                } else {
                    Presence::Absent
                },
                joined: 0,
                cost_factor: cost_spread
                    .as_ref()
                    .map_or(1.0, |d| d.sample(&mut streams.substream("supply/cost", id))),
                tier,
                uptime_ms: 0,
            });
            if sc.any_churn() {
                churn_rngs.push((
                    streams.substream("churn/up", id),
                    streams.substream("churn/down", id),
                ));
            }
        }
        let classes: Vec<u16> = nodes.iter().map(|n| n.class).collect();
        let mut pool = FreePool::new(sc.classes.len(), &classes, sc.gpus_per_node as u16);
        for (i, n) in nodes.iter().enumerate() {
            if n.up {
                pool.set(NodeId(i as u32), n.gpus);
            }
        }
        let gpus_total = sc.total_gpus();
        let mut class_weight = vec![0.0; sc.classes.len()];
        for n in nodes.iter().filter(|n| n.presence == Presence::Present) {
            class_weight[n.class as usize] += n.gpus as f64 * n.cost_factor;
        }
        Self {
            listed: Vec::new(),
            views: Vec::new(),
            active: 0,
            free: Vec::new(),
            freed: Vec::new(),
            income_usd: if sc.supply.is_some() {
                vec![0.0; nodes.len()]
            } else {
                Vec::new()
            },
            nodes,
            pool,
            gpus_up: gpus_total,
            gpus_total,
            laws: (0..sc.tier_count())
                .map(|t| sc.churn_of(t).cloned())
                .collect(),
            net_gpus: Vec::new(),
            net_weight: Vec::new(),
            churn_rngs,
            class_weight,
            class_cost: sc.classes.iter().map(|c| c.cost_per_hour).collect(),
            classes: sc.classes.clone(),
            launches: (layout.iter().enumerate())
                .filter_map(|(i, s)| s.launch_at.map(|t| (NodeId(i as u32), t)))
                .collect(),
            last_leave: None,
        }
    }

    /// Providers' cost rate of the fleet, USD per hour, at the class costs
    /// of the last fleet change (a join or leave). O(classes).
    pub fn cost_usd_per_h(&self) -> f64 {
        (self.class_cost.iter())
            .zip(&self.class_weight)
            .map(|(c, &w)| c * w)
            .sum()
    }

    /// Whether provider income is kept (dynamic supply, whose review reads
    /// it): without it, [`World::credit`] does nothing and a design may skip
    /// computing what it would credit.
    #[inline]
    pub fn tracks_income(&self) -> bool {
        !self.income_usd.is_empty()
    }

    /// Credits `usd` of provider income to `node` (for its margin review;
    /// nothing to do with a fixed fleet, which has no review).
    #[inline]
    pub fn credit(&mut self, node: NodeId, usd: f64) {
        if let Some(income) = self.income_usd.get_mut(node.ix()) {
            *income += usd;
        }
    }

    /// An onboarding `node` joins the fleet: up, all GPUs free, its first
    /// failure scheduled from its own churn stream.
    pub fn join(&mut self, node: NodeId, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let n = &mut self.nodes[node.ix()];
        debug_assert_eq!(n.presence, Presence::Onboarding);
        n.presence = Presence::Present;
        n.joined = now;
        n.up = true;
        n.since = now;
        n.up_since = now;
        n.epoch += 1;
        self.gpus_up += n.gpus as u64;
        self.gpus_total += n.gpus as u64;
        self.class_weight[n.class as usize] += n.gpus as f64 * n.cost_factor;
        let g = n.gpus;
        self.set_free(node, g);
        // Empty with a fixed fleet (a later class's launch fleet joins too).
        if let Some(income) = self.income_usd.get_mut(node.ix()) {
            *income = 0.0;
        }
        self.set_cost_time(now);
        self.net_fleet_add(node, 1.0);
        let t = self.nodes[node.ix()].tier as usize;
        if let Some(churn) = &self.laws[t] {
            let u = churn.uptime.sample_ms(&mut self.churn_rngs[node.ix()].0, 1);
            sched.after(u, Event::NodeDown(node));
        }
    }

    /// Listed nodes only: adds (`sign` = 1) or takes out (−1) `node`'s GPUs
    /// from the listed fleet of every network that lists it.
    fn net_fleet_add(&mut self, node: NodeId, sign: f64) {
        if self.listed.is_empty() {
            return;
        }
        let mut m = self.listed[node.ix()];
        while m != 0 {
            let j = m.trailing_zeros() as usize;
            m &= m - 1;
            self.net_fleet_add_to(j, node, sign);
        }
    }

    /// [`World::net_fleet_add`] for network `j` alone.
    fn net_fleet_add_to(&mut self, j: usize, node: NodeId, sign: f64) {
        let n = &self.nodes[node.ix()];
        let g = n.gpus as u64;
        self.net_gpus[j] = if sign > 0.0 {
            self.net_gpus[j] + g
        } else {
            self.net_gpus[j] - g
        };
        self.net_weight[j][n.class as usize] += sign * n.gpus as f64 * n.cost_factor;
    }

    /// Listed nodes only: GPUs in the fleet that network `j` lists now.
    pub fn listed_gpus(&self, j: u8) -> u64 {
        self.net_gpus[j as usize]
    }

    /// Listed nodes only: the providers' cost rate of the fleet network `j`
    /// lists, USD per hour, at the class costs of the last fleet change.
    pub fn listed_cost_usd_per_h(&self, j: u8) -> f64 {
        (self.class_cost.iter())
            .zip(&self.net_weight[j as usize])
            .map(|(c, &w)| c * w)
            .sum()
    }

    /// Time `node` has been up so far, ms, at `now`.
    #[inline]
    pub fn uptime_ms(&self, node: NodeId, now: SimTime) -> SimTime {
        let n = &self.nodes[node.ix()];
        n.uptime_ms + if n.up { now - n.up_since } else { 0 }
    }

    /// `node` leaves the fleet for good; returns whether it was up (its GPUs
    /// then left the pool now). Jobs on it are the design's business;
    /// pending churn events for it are ignored from now on.
    pub fn leave(&mut self, node: NodeId, now: SimTime) -> bool {
        let n = &mut self.nodes[node.ix()];
        debug_assert!(n.presence.in_fleet());
        n.presence = Presence::Gone;
        let was_up = n.up;
        if was_up {
            n.up = false;
            n.uptime_ms += now - n.up_since;
            n.since = now;
            n.epoch += 1;
            self.gpus_up -= n.gpus as u64;
            self.set_free(node, 0);
        }
        self.net_fleet_add(node, -1.0);
        let n = &self.nodes[node.ix()];
        self.gpus_total -= n.gpus as u64;
        self.class_weight[n.class as usize] -= n.gpus as f64 * n.cost_factor;
        self.last_leave = Some(now);
        self.set_cost_time(now);
        was_up
    }

    /// Re-prices the class costs at `now`, the time of a fleet change (only
    /// classes whose cost declines change).
    fn set_cost_time(&mut self, now: SimTime) {
        for (cost, class) in self.class_cost.iter_mut().zip(&self.classes) {
            if class.cost_decline_per_year > 0.0 {
                *cost = class.cost_at(now);
            }
        }
    }

    /// Starts each node's alternating up/down process in equilibrium: up
    /// with probability E[up] / (E[up] + E[down]), its first transition
    /// after the residual life of its current period's law (for
    /// exponential laws a fresh draw). Nodes starting down are taken out.
    /// Also schedules the launch fleets of classes that appear later (they
    /// join at their class's `available_from`).
    pub fn start_churn(&mut self, sched: &mut Scheduler<Event>) {
        for &(node, at) in &self.launches {
            sched.at(at, Event::Join(node));
        }
        let availability: Vec<Option<f64>> = (self.laws.iter())
            .map(|l| l.as_ref().map(Churn::availability))
            .collect();
        for i in 0..self.nodes.len() {
            if self.nodes[i].presence != Presence::Present {
                continue;
            }
            let t = self.nodes[i].tier as usize;
            let (Some(churn), Some(a)) = (&self.laws[t], availability[t]) else {
                continue;
            };
            let node = NodeId(i as u32);
            let (up_rng, down_rng) = &mut self.churn_rngs[i];
            if up_rng.random::<f64>() < a {
                let u = churn.uptime.sample_residual_ms(up_rng, 1);
                sched.at(u, Event::NodeDown(node));
            } else {
                let n = &mut self.nodes[i];
                n.up = false;
                n.epoch += 1;
                self.gpus_up -= n.gpus as u64;
                // Before any listing (world mode lists after churn starts).
                self.pool.set(node, 0);
                let d = churn.downtime.sample_residual_ms(down_rng, 1);
                sched.at(d, Event::NodeUp(node));
            }
        }
    }

    /// Marks `node` down, takes its GPUs out of the pool and schedules its
    /// return. Jobs on it are the design's business.
    pub fn node_down(&mut self, node: NodeId, sched: &mut Scheduler<Event>) {
        let n = &mut self.nodes[node.ix()];
        debug_assert!(n.up);
        n.up = false;
        n.uptime_ms += sched.now() - n.up_since;
        n.since = sched.now();
        n.epoch += 1;
        self.gpus_up -= n.gpus as u64;
        let t = n.tier as usize;
        self.set_free(node, 0);
        if let Some(churn) = &self.laws[t] {
            let d = churn
                .downtime
                .sample_ms(&mut self.churn_rngs[node.ix()].1, 1);
            sched.after(d, Event::NodeUp(node));
        }
    }

    /// Marks `node` up with all GPUs free and schedules its next failure.
    pub fn node_up(&mut self, node: NodeId, sched: &mut Scheduler<Event>) {
        let n = &mut self.nodes[node.ix()];
        debug_assert!(!n.up && n.running.is_empty());
        n.up = true;
        n.since = sched.now();
        n.up_since = n.since;
        n.epoch += 1;
        self.gpus_up += n.gpus as u64;
        let (g, t) = (n.gpus, n.tier as usize);
        self.set_free(node, g);
        if let Some(churn) = &self.laws[t] {
            let u = churn.uptime.sample_ms(&mut self.churn_rngs[node.ix()].0, 1);
            sched.after(u, Event::NodeDown(node));
        }
    }

    /// Takes `gpus` free GPUs of class `c` as [`FreePool::take`] does, for
    /// the active network, keeping the other networks' views in step.
    #[inline]
    pub fn take_class(
        &mut self,
        c: usize,
        gpus: u32,
        colocate: bool,
        out: &mut jobs::Alloc,
    ) -> bool {
        let start = out.len();
        if !self.pool.take(c, gpus, colocate, out) {
            return false;
        }
        if !self.views.is_empty() {
            for k in start..out.len() {
                let node = out[k].0;
                let f = self.pool.free(node);
                self.set_free_listed(node, f);
            }
        }
        true
    }

    /// Free GPUs on `node`, whichever network lists it.
    #[inline]
    pub fn free_of(&self, node: NodeId) -> u16 {
        if self.views.is_empty() {
            self.pool.free(node)
        } else {
            self.free[node.ix()]
        }
    }

    /// Sets the free GPUs of `node` to `k`, in the view of every network
    /// that lists it (world mode) or in the one pool.
    #[inline]
    pub fn set_free(&mut self, node: NodeId, k: u16) {
        if self.views.is_empty() {
            self.pool.set(node, k);
        } else {
            self.set_free_listed(node, k);
        }
    }

    #[cold]
    fn set_free_listed(&mut self, node: NodeId, k: u16) {
        let old = std::mem::replace(&mut self.free[node.ix()], k);
        // Only another network can take up what one freed (a design alone
        // whose admission lists its nodes has nobody to tell).
        if k > old && self.views.len() > 1 {
            self.freed.push((node, self.active));
        }
        let mut m = self.listed[node.ix()];
        while m != 0 {
            let j = m.trailing_zeros() as usize;
            m &= m - 1;
            if j == self.active as usize {
                self.pool.set(node, k);
            } else {
                self.views[j].set(node, k);
            }
        }
    }

    /// Lists each node on network `j` with probability `shares[j]`, drawn
    /// from the node's own substream of `world/listing` (the same nodes
    /// whatever the strategy), if network `j`'s admission takes its tier;
    /// gives each network its view of the free pool. Network 0 is active.
    /// World mode lists its networks so; a design alone whose admission
    /// leaves nodes out is listed with a share of 1.
    pub fn list(
        &mut self,
        sc: &Scenario,
        shares: &[f64],
        admissions: &[Admission],
        streams: &Streams,
    ) {
        assert!(shares.len() <= 8, "at most 8 networks");
        assert_eq!(shares.len(), admissions.len(), "one admission per network");
        let layout = node_layout(sc);
        self.listed = (layout.iter().zip(&self.nodes))
            .map(|(slot, node)| {
                let mut rng = streams.substream("world/listing", slot.key);
                let mut mask = 0u8;
                for (j, &share) in shares.iter().enumerate() {
                    // One draw per network, listed or not, so a share
                    // changes only its own network's nodes.
                    let u: f64 = rng.random();
                    if u < share && admissions[j].admits(node.tier) {
                        mask |= 1 << j;
                    }
                }
                mask
            })
            .collect();
        self.net_gpus = vec![0; shares.len()];
        self.net_weight = vec![vec![0.0; sc.classes.len()]; shares.len()];
        for i in 0..self.nodes.len() {
            if self.nodes[i].presence.in_fleet() {
                self.net_fleet_add(NodeId(i as u32), 1.0);
            }
        }
        self.free = (0..self.nodes.len())
            .map(|i| self.pool.free(NodeId(i as u32)))
            .collect();
        // Each view starts as the pool (same bucket order, so a network
        // listing every node sees exactly what a design alone sees) without
        // the nodes it does not list.
        self.views = (0..shares.len())
            .map(|j| {
                let mut v = self.pool.clone();
                for (i, &mask) in self.listed.iter().enumerate() {
                    if mask & (1 << j) == 0 {
                        v.set(NodeId(i as u32), 0);
                    }
                }
                v
            })
            .collect();
        let max = self.pool.max_per_node();
        self.pool = std::mem::replace(&mut self.views[0], FreePool::new(0, &[], max));
        self.active = 0;
    }

    /// World mode: makes network `j` the active one (its view becomes
    /// [`World::pool`]). O(1). Always inlined, the swap kept out of line:
    /// the driver calls it on every event, and with one network (no views)
    /// it is one compare.
    #[inline(always)]
    pub fn activate(&mut self, j: u8) {
        if j != self.active {
            self.swap_active(j);
        }
    }

    #[inline(never)]
    fn swap_active(&mut self, j: u8) {
        if !self.views.is_empty() {
            std::mem::swap(&mut self.pool, &mut self.views[self.active as usize]);
            std::mem::swap(&mut self.pool, &mut self.views[j as usize]);
            self.active = j;
        }
    }

    /// Whether `node` is listed on network `j` (always, with one design
    /// that admits every node).
    #[inline]
    pub fn is_listed(&self, node: NodeId, j: u8) -> bool {
        self.listed.is_empty() || self.listed[node.ix()] & (1 << j) != 0
    }

    /// Takes `node` off network `j` for the rest of the run (an admission
    /// rule removed it): `j` no longer sees its GPUs, nor its churn, and
    /// its GPUs leave `j`'s listed fleet. Runs of `j` on it are the
    /// design's business (end them first). Needs listed nodes
    /// ([`World::list`]).
    pub fn delist(&mut self, node: NodeId, j: u8) {
        assert!(
            !self.listed.is_empty(),
            "delisting needs listed nodes (World::list)"
        );
        debug_assert!(
            self.is_listed(node, j),
            "node {} is not listed on {j}",
            node.0
        );
        if self.nodes[node.ix()].presence.in_fleet() {
            self.net_fleet_add_to(j as usize, node, -1.0);
        }
        self.listed[node.ix()] &= !(1 << j);
        if j == self.active {
            self.pool.set(node, 0);
        } else {
            self.views[j as usize].set(node, 0);
        }
    }

    /// Takes `gpus` free GPUs of `node` (up, with that many free) from the
    /// pool, for a run that does not list itself on the node (Render's
    /// frames).
    #[inline]
    pub fn take(&mut self, node: NodeId, gpus: u16) {
        let free = self.free_of(node);
        debug_assert!(
            free >= gpus,
            "node {} has {free} free GPUs, not {gpus}",
            node.0
        );
        self.set_free(node, free - gpus);
    }

    /// Gives back `gpus` GPUs of `node` that [`World::take`] took (if the
    /// node is up: a node going down empties its pool entry).
    #[inline]
    pub fn give(&mut self, node: NodeId, gpus: u16) {
        if self.nodes[node.ix()].up {
            let free = self.free_of(node);
            self.set_free(node, free + gpus);
        }
    }

    /// Returns `gpus` GPUs of `node` to the pool (if the node is up) and
    /// forgets that job `slot` runs there.
    #[inline]
    pub fn release(&mut self, node: NodeId, gpus: u16, slot: u32) {
        let n = &mut self.nodes[node.ix()];
        if let Some(p) = n.running.iter().position(|&s| s == slot) {
            n.running.swap_remove(p);
        }
        if n.up {
            let free = self.free_of(node);
            self.set_free(node, free + gpus);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Event, node_layout};
    use crate::scenario::{from_str, parse_override};

    #[test]
    fn pool_nodes_follow_the_initial_fleet_with_their_keys() {
        let text = r#"
            [scenario]
            name = "layout"
            horizon = "2d"
            designs = ["ionet"]
            [[gpu_class]]
            name = "X"
            vram_gb = 80
            cost_per_hour = 1.0
            cloud_price_per_hour = 2.0
            [[gpu_class]]
            name = "Y"
            vram_gb = 24
            cost_per_hour = 0.1
            cloud_price_per_hour = 1.0
            [supply]
            initial = { X = 10, Y = 4 }
            gpus_per_node = 4
            dynamic = true
            pool = { X = 5, Y = 8 }
            [[workload]]
            name = "w"
            kind = "training"
            arrivals = { process = "poisson", rate_per_hour = 1.0 }
            duration = { dist = "fixed", value = "1h" }
            gpu_class = ["X"]
            max_price_per_gpu_hour = 10.0
            [design.ionet]
            price_per_gpu_hour = { X = 2.0, Y = 0.5 }
        "#;
        let sc = from_str(text, "layout.toml", &[]).unwrap();
        let got: Vec<(u16, u16, u64, bool)> = node_layout(&sc)
            .iter()
            .map(|s| (s.class, s.gpus, s.key & 0xffff_ffff, s.initial))
            .collect();
        // X: 4 + 4 + 2 initial, Y: 4; then X's pool 4 + 1, Y's 4 + 4.
        assert_eq!(
            got,
            [
                (0, 4, 0, true),
                (0, 4, 1, true),
                (0, 2, 2, true),
                (1, 4, 0, true),
                (0, 4, 3, false),
                (0, 1, 4, false),
                (1, 4, 1, false),
                (1, 4, 2, false),
            ]
        );
        let fixed = from_str(
            text,
            "layout.toml",
            &[parse_override("supply.dynamic=false").unwrap()],
        )
        .unwrap();
        assert_eq!(
            node_layout(&fixed).len(),
            4,
            "no pool without dynamic supply"
        );
    }

    #[test]
    fn events_stay_small() {
        // The queue stores events beside their keys: keep them at 16 bytes,
        // copied as whole words (see `Event`).
        assert_eq!(std::mem::size_of::<Event>(), 16);
    }
}
