//! The run driver: one scenario, one seed, and either one design alone on
//! the fleet or (world mode) several networks side by side on it with a
//! broker. Assembles the shared world, each network's design and token
//! economy, feeds the kernel, and returns the run's measurements. It sits
//! above the designs, the token economies and the broker; nothing below
//! imports it. A design alone is a world of one network that gets every
//! job, so both kinds of run share this code.

mod world;

pub use world::{RoutingRow, StrategyRow, WorldOutput, simulate_world};

use crate::broker::{Broker, Offer};
use crate::designs::{Ctx, Market};
use crate::engine::{Handler, Scheduler, SimTime, StreamNs, Streams, run_until};
use crate::metrics::{Metrics, Sample, Summary, WAIT_PROBS, WorkloadSummary};
use crate::model::demand::{Demand, JobDraw};
use crate::model::jobs::Jobs;
use crate::model::supply::Supply;
use crate::model::{Event, NodeId, World};
use crate::scenario::{DesignKind, Scenario};
use crate::token::TokenEconomy;

/// What one run (of one network, in world mode) produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub summary: Summary,
    pub samples: Vec<Sample>,
    /// Wait quantiles of the counted jobs at [`WAIT_PROBS`], hours (empty
    /// when no job was counted).
    pub wait_quantiles_h: Vec<f64>,
    /// One row per workload, in scenario order.
    pub workloads: Vec<WorkloadSummary>,
    /// Events handled by the kernel.
    pub events: u64,
}

/// One network of the run: its design, its measurements, its token.
struct Net {
    kind: DesignKind,
    market: Market,
    metrics: Metrics,
    /// The network's token economy (`None` with tokens off, or the cloud).
    token: Option<TokenEconomy>,
    /// Whether it serves on the world's fleet (then the fleet's GPUs it
    /// lists are its capacity in the metrics; those up are its metrics'
    /// `up`).
    on_fleet: bool,
}

/// World mode: the broker and what it saw of the strategy's jobs.
struct Brokerage {
    broker: Broker,
    tally: world::Tally,
}

struct Simulation<'a> {
    sc: &'a Scenario,
    world: World,
    demand: Demand,
    jobs: Jobs,
    nets: Vec<Net>,
    /// Profit-driven entry and exit (`None` for a fixed fleet; a design
    /// alone only).
    supply: Option<Supply>,
    /// World mode's broker (`None`: one design gets every job).
    brokerage: Option<Brokerage>,
}

impl Simulation<'_> {
    /// The context of network `net` (its view of the free pool active).
    /// Always inlined: it runs on every event and is a few moves.
    #[inline(always)]
    fn ctx<'b>(
        &'b mut self,
        net: u8,
        sched: &'b mut Scheduler<Event>,
    ) -> (Ctx<'b>, &'b mut Market) {
        self.world.activate(net);
        let n = &mut self.nets[net as usize];
        (
            Ctx {
                sc: self.sc,
                world: &mut self.world,
                jobs: &mut self.jobs,
                metrics: &mut n.metrics,
                sched,
                frame_work: &self.demand.frame_work,
                token: &mut n.token,
                net,
                refused: false,
            },
            &mut n.market,
        )
    }

    /// Changes the GPUs up of every network listing `node` by `delta`.
    fn up_changed(&mut self, node: NodeId, delta: i64, now: SimTime) {
        for (j, n) in self.nets.iter_mut().enumerate() {
            if n.on_fleet && self.world.is_listed(node, j as u8) {
                n.metrics.up_add(now, delta as f64);
            }
        }
    }

    /// Takes `node` out of the fleet for good and lets the design react (its
    /// jobs are handled as on a node that went down and never returns).
    /// Dynamic supply runs one design alone.
    fn leave(&mut self, node: NodeId, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let was_up = self.world.leave(node, now);
        let g = self.world.nodes[node.ix()].gpus as i64;
        if was_up {
            self.up_changed(node, -g, now);
        }
        self.fleet_changed(now);
        let (mut ctx, market) = self.ctx(0, sched);
        market.node_leave(&mut ctx, node, was_up);
    }

    /// The fleet's size or cost changed (dynamic supply: one design alone;
    /// its fleet is the nodes it lists when its admission leaves some out).
    fn fleet_changed(&mut self, now: SimTime) {
        let n = &mut self.nets[0];
        if n.on_fleet {
            let (gpus, cost) = if self.world.listed.is_empty() || self.brokerage.is_some() {
                (self.world.gpus_total, self.world.cost_usd_per_h())
            } else {
                (
                    self.world.listed_gpus(0),
                    self.world.listed_cost_usd_per_h(0),
                )
            };
            n.metrics.set_fleet(now, gpus, cost);
        }
    }

    /// Routes an arriving job of workload `w`: to the one design, or (world
    /// mode) to the networks the broker ranks, the next one when one
    /// refuses and failover is on.
    fn route(&mut self, w: usize, draw: JobDraw, sched: &mut Scheduler<Event>) {
        if self.brokerage.is_none() {
            let (mut ctx, market) = self.ctx(0, sched);
            market.submit(&mut ctx, w, draw);
            return;
        }
        let offers: Vec<Offer> = (0..self.nets.len() as u8)
            .map(|j| {
                let (ctx, market) = self.ctx(j, sched);
                Offer {
                    net: j,
                    quote: market.quote(&ctx, w, &draw),
                    realised: ctx.metrics.by_workload[w].realised(),
                }
            })
            .collect();
        let kind = self.sc.workloads[w].kind;
        let b = self.brokerage.as_mut().expect("checked above");
        let ranking = b.broker.rank(kind, &offers);
        let counted = sched.now() >= self.sc.warmup;
        for &j in &ranking {
            let (mut ctx, market) = self.ctx(j, sched);
            market.submit(&mut ctx, w, draw);
            if !ctx.refused {
                self.tally().routed(w, j, counted);
                return;
            }
        }
        let sc = self.sc;
        self.tally().lost(sc, w, &draw, counted);
    }

    fn tally(&mut self) -> &mut world::Tally {
        &mut self.brokerage.as_mut().expect("world mode").tally
    }

    /// World mode: a network that lists a node whose GPUs another network
    /// freed may start waiting work there.
    fn poke(&mut self, sched: &mut Scheduler<Event>) {
        if self.world.freed.is_empty() {
            return;
        }
        let freed = std::mem::take(&mut self.world.freed);
        for j in 0..self.nets.len() as u8 {
            if self.nets[j as usize].on_fleet
                && freed
                    .iter()
                    .any(|&(n, by)| by != j && self.world.is_listed(n, j))
            {
                let (mut ctx, market) = self.ctx(j, sched);
                market.capacity_freed(&mut ctx);
            }
        }
        self.world.freed = freed;
        self.world.freed.clear();
    }

    /// Records a row of every network's time series.
    fn sample(&mut self, now: SimTime) {
        let alone = self.brokerage.is_none();
        for (j, n) in self.nets.iter_mut().enumerate() {
            let queued = n.market.queue_len() as u64;
            let mine = if alone {
                self.jobs.live() as u64
            } else {
                self.jobs.live_of(j as u8) as u64
            };
            // A design with capacity of its own (the cloud) counts that; a
            // network on listed nodes, the GPUs up of those it lists.
            let up = if n.on_fleet && self.world.listed.is_empty() {
                self.world.gpus_up
            } else {
                n.metrics.up.value() as u64
            };
            n.metrics
                .sample(now, up, queued, mine.saturating_sub(queued));
            if let (Some(t), Some(s)) = (&n.token, n.metrics.samples.last_mut()) {
                s.token = Some(t.sample());
            }
        }
    }
}

impl Handler<Event> for Simulation<'_> {
    /// A row of the time series, every `sample_every` from t = 0 to the
    /// horizon: a tick of the run loop, in the place in the order of events
    /// that a `Sample` event scheduled by the previous row would have had
    /// (so the rows are those of such events, bit for bit).
    fn tick(&mut self, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        self.sample(now);
        let next = now + self.sc.sample_every;
        if next <= self.sc.horizon {
            sched.set_tick(next);
        }
    }

    fn handle(&mut self, event: Event, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        match event {
            Event::Arrival(w) => {
                let w = w as usize;
                let draw = self.demand.draw_job(w, &self.sc.workloads[w]);
                let next = self.demand.next_arrival(w, now);
                sched.at(next, Event::Arrival(w as u16));
                self.route(w, draw, sched);
            }
            Event::NodeDown(node) => {
                if !self.world.nodes[node.ix()].presence.in_fleet() {
                    return; // it left: its churn is over
                }
                self.world.node_down(node, sched);
                let g = self.world.nodes[node.ix()].gpus as i64;
                self.up_changed(node, -g, now);
                for j in 0..self.nets.len() as u8 {
                    if self.world.is_listed(node, j) {
                        let (mut ctx, market) = self.ctx(j, sched);
                        market.node_down(&mut ctx, node);
                    }
                }
            }
            Event::NodeUp(node) => {
                if !self.world.nodes[node.ix()].presence.in_fleet() {
                    return;
                }
                self.world.node_up(node, sched);
                let g = self.world.nodes[node.ix()].gpus as i64;
                self.up_changed(node, g, now);
                for j in 0..self.nets.len() as u8 {
                    if self.world.is_listed(node, j) {
                        let (mut ctx, market) = self.ctx(j, sched);
                        market.node_up(&mut ctx, node);
                    }
                }
                // Every network listing it was told: nothing to poke.
                self.world.freed.clear();
            }
            Event::Review => {
                self.review(sched);
            }
            Event::Join(node) => {
                self.world.join(node, sched);
                let n = &self.world.nodes[node.ix()];
                let (g, class, gpus) = (n.gpus as i64, n.class, n.gpus as u32);
                // io.net: a joining provider buys its stake through the pool.
                if let Some(t) = &mut self.nets[0].token {
                    t.stake(now, class, gpus);
                }
                self.up_changed(node, g, now);
                self.fleet_changed(now);
                let (mut ctx, market) = self.ctx(0, sched);
                market.node_join(&mut ctx, node);
            }
            Event::Leave(node) => self.leave(node, sched),
            Event::Timer { net, tag, a, b } => {
                let (mut ctx, market) = self.ctx(net, sched);
                market.timer(&mut ctx, tag, a, b);
            }
            Event::JobEnd { slot, generation } => {
                if self.jobs[slot].generation != generation {
                    return;
                }
                let net = self.jobs[slot].net;
                let (mut ctx, market) = self.ctx(net, sched);
                market.job_end(&mut ctx, slot);
            }
            Event::TokenTick => {
                let mut period = None;
                for n in &mut self.nets {
                    if let Some(t) = &mut n.token {
                        t.tick(now, &self.world);
                        period = Some(t.period);
                    }
                }
                let next = now + period.expect("token ticks only with tokens on");
                if next <= self.sc.horizon {
                    sched.at(next, Event::TokenTick);
                }
                return;
            }
        };
        if self.brokerage.is_some() {
            self.poke(sched);
            #[cfg(debug_assertions)]
            self.check_gpus(&event);
        }
    }
}

impl Simulation<'_> {
    /// World mode, debug builds: on every node up, free GPUs plus those
    /// of every network's runs and frames make the node's GPUs.
    #[cfg(debug_assertions)]
    fn check_gpus(&self, event: &Event) {
        let mut used = vec![0u32; self.world.nodes.len()];
        for slot in self.jobs.live_slots() {
            let job = &self.jobs[slot];
            {
                for &(n, g) in &job.alloc {
                    used[n.ix()] += g as u32;
                }
            }
        }
        for n in &self.nets {
            if let Market::Render(r) = &n.market {
                for (node, ..) in r.running() {
                    used[node.ix()] += 1;
                }
            }
        }
        for (i, node) in self.world.nodes.iter().enumerate() {
            if node.up {
                let free = self.world.free_of(NodeId(i as u32)) as u32;
                assert_eq!(
                    free + used[i],
                    node.gpus as u32,
                    "node {i} after {event:?}: {free} free, {} in use",
                    used[i]
                );
            }
        }
    }
}

impl Simulation<'_> {
    /// Dynamic supply's review (one design alone): every provider reviews
    /// its margin; those leaving unstake and go.
    fn review(&mut self, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let supply = self.supply.as_mut().expect("reviews need dynamic supply");
        let token = &mut self.nets[0].token;
        // Token rewards earned since the last review (paid, or pending in
        // Render's running epoch), valued at the market price now (0 with
        // tokens off).
        supply.review(&mut self.world, sched, |node| {
            token
                .as_mut()
                .map_or(0.0, |t| t.take_node_income(node, now) * t.price_usd())
        });
        let next = now + supply.tick();
        // A review at the horizon would change nothing measured.
        if next < self.sc.horizon {
            sched.at(next, Event::Review);
        }
        // Providers that decided to leave unstake now (io.net: the stake is
        // sold after the unstaking delay; they serve on and leave at their
        // `Leave` event; other designs: no stake).
        if let Some(t) = &mut self.nets[0].token {
            for &node in supply.unstaking_now.iter().chain(&supply.leaving_now) {
                let n = &self.world.nodes[node.ix()];
                t.unstake(now, n.class, n.gpus as u32);
            }
        }
        for k in 0..supply.leaving_now.len() {
            let node = self.supply.as_ref().expect("set above").leaving_now[k];
            self.leave(node, sched);
        }
    }
}

/// A run in progress: the model and its scheduler. [`simulate`] is the
/// usual way in; tests use it to inject events at chosen times.
pub struct Run<'a> {
    sim: Simulation<'a>,
    sched: Scheduler<Event>,
    events: u64,
}

impl<'a> Run<'a> {
    /// Builds the world of `sc` for `design` alone with the streams of
    /// `run_seed` and schedules churn, the first arrivals and the first
    /// sample.
    pub fn new(sc: &'a Scenario, design: DesignKind, run_seed: u64) -> Self {
        Self::build(sc, &[design], None, run_seed)
    }

    /// Builds the world of `sc` with `networks` side by side (world mode
    /// when `strategy` is given: nodes listed as `[world]` says, jobs routed
    /// by the broker with that strategy of `world.strategies`).
    fn build(
        sc: &'a Scenario,
        networks: &[DesignKind],
        strategy: Option<usize>,
        run_seed: u64,
    ) -> Self {
        let streams = Streams::new(run_seed);
        let mut sched = Scheduler::new();
        let mut world = World::new(sc, &streams);
        world.start_churn(&mut sched);
        let admissions: Vec<_> = networks.iter().map(|&k| Market::admission(k, sc)).collect();
        let brokerage = strategy.map(|s| {
            let w = sc.world.as_ref().expect("world mode needs [world]");
            world.list(sc, &w.listing, &admissions, &streams);
            Brokerage {
                broker: Broker::new(w, s, &streams),
                tally: world::Tally::new(sc),
            }
        });
        // A design alone whose admission leaves nodes out, now or later,
        // runs on the nodes it lists.
        if brokerage.is_none() && admissions[0].restricts(sc.tier_count()) {
            world.list(sc, &[1.0], &admissions[..1], &streams);
        }
        let mut nets: Vec<Net> = (networks.iter().enumerate())
            .map(|(j, &kind)| {
                let ns = StreamNs::new(streams, kind.name());
                let market = Market::new(kind, sc, &ns, &world, j as u8);
                let on_fleet = market.on_fleet();
                Net {
                    kind,
                    market,
                    metrics: Metrics::new(sc.warmup, sc.workloads.len()),
                    token: None,
                    on_fleet,
                }
            })
            .collect();
        for (j, n) in nets.iter_mut().enumerate() {
            if n.on_fleet {
                let mut up = 0;
                let (total, cost_rate) = Self::listed_fleet(sc, &world, j as u8, &mut up);
                n.metrics.set_fleet(0, total, cost_rate);
                n.metrics.up_add(0, up as f64);
            }
        }
        let supply = sc
            .supply
            .as_ref()
            .map(|_| Supply::new(sc, networks[0], &world, &streams, &mut sched));
        let mut demand = Demand::new(&sc.workloads, &streams);
        for w in 0..sc.workloads.len() {
            let t = demand.next_arrival(w, 0);
            sched.at(t, Event::Arrival(w as u16));
        }
        // Before the first sample, so a sample sees its period's price.
        for n in &mut nets {
            n.token = TokenEconomy::new(sc, n.kind, &streams, &world);
        }
        if nets.iter().any(|n| n.token.is_some()) {
            sched.at(0, Event::TokenTick);
        }
        // The first row of the time series (a tick: see `tick`).
        sched.set_tick(0);
        let mut sim = Simulation {
            sc,
            world,
            demand,
            jobs: Jobs::default(),
            nets,
            supply,
            brokerage,
        };
        for j in 0..sim.nets.len() as u8 {
            let (mut ctx, market) = sim.ctx(j, &mut sched);
            market.begin(&mut ctx);
        }
        Self {
            sim,
            sched,
            events: 0,
        }
    }

    /// The GPUs in the fleet listed on network `j`, their providers' cost
    /// rate, and (into `up`) those up, at t = 0.
    fn listed_fleet(sc: &Scenario, world: &World, j: u8, up: &mut u64) -> (u64, f64) {
        if world.listed.is_empty() {
            // A design alone: the whole fleet.
            *up = world.gpus_up;
            let cost = (sc.classes.iter())
                .map(|c| c.cost_per_hour * c.initial_gpus as f64)
                .sum();
            return (world.gpus_total, cost);
        }
        let mut by_class = vec![0u64; sc.classes.len()];
        for (i, node) in world.nodes.iter().enumerate() {
            if world.is_listed(NodeId(i as u32), j) && node.presence.in_fleet() {
                by_class[node.class as usize] += node.gpus as u64;
                if node.up {
                    *up += node.gpus as u64;
                }
            }
        }
        let total = by_class.iter().sum();
        let cost = (sc.classes.iter().zip(&by_class))
            .map(|(c, &g)| c.cost_per_hour * g as f64)
            .sum();
        (total, cost)
    }

    /// Schedules `event` at `at` (not before the current time).
    pub fn inject(&mut self, at: SimTime, event: Event) {
        self.sched.at(at, event);
    }

    /// Handles every event up to and including time `t`.
    pub fn advance(&mut self, t: SimTime) {
        self.events += run_until(&mut self.sim, &mut self.sched, t);
    }

    /// Runs to the horizon and returns the measurements of each network,
    /// and the simulation for what world mode reads of it.
    fn finish_all(mut self) -> (Vec<RunOutput>, Simulation<'a>, Vec<Metrics>) {
        let horizon = self.sim.sc.horizon;
        self.advance(horizon);
        let mut outs = Vec::new();
        for j in 0..self.sim.nets.len() as u8 {
            let (mut ctx, market) = self.sim.ctx(j, &mut self.sched);
            market.finish(&mut ctx);
            let n = &mut self.sim.nets[j as usize];
            let mut summary = n.metrics.summarize(horizon);
            if let Some(t) = &mut n.token {
                t.settle();
                t.fill(&mut summary, horizon);
            }
            n.market.amend(&mut summary);
            let workloads = (n.metrics.by_workload.iter())
                .zip(&self.sim.sc.workloads)
                .map(|(t, w)| t.summary(&w.name))
                .collect();
            outs.push(RunOutput {
                summary,
                workloads,
                wait_quantiles_h: n.metrics.wait_quantiles_h(&WAIT_PROBS),
                samples: std::mem::take(&mut n.metrics.samples),
                events: self.events,
            });
        }
        let metrics = (self.sim.nets.iter_mut())
            .map(|n| std::mem::replace(&mut n.metrics, Metrics::new(0, 0)))
            .collect();
        (outs, self.sim, metrics)
    }

    /// Runs to the horizon and returns the measurements (a design alone).
    pub fn finish(self) -> RunOutput {
        self.finish_all().0.remove(0)
    }

    /// Jobs waiting.
    pub fn queue_len(&self) -> usize {
        self.sim.nets[0].market.queue_len()
    }

    /// The shared world: nodes, their state and free GPUs.
    pub fn world(&self) -> &World {
        &self.sim.world
    }

    /// The design under simulation (tests inspect its state).
    pub fn market(&self) -> &Market {
        &self.sim.nets[0].market
    }

    /// The token economy (`None` with tokens off).
    pub fn token(&self) -> Option<&TokenEconomy> {
        self.sim.nets[0].token.as_ref()
    }

    /// The token economy, to call its supply-side API (stake, unstake,
    /// take_node_rewards) as the supply model will.
    pub fn token_mut(&mut self) -> Option<&mut TokenEconomy> {
        self.sim.nets[0].token.as_mut()
    }

    /// The current time.
    pub fn now(&self) -> SimTime {
        self.sched.now()
    }

    /// The supply side, with dynamic supply (tests inspect it).
    pub fn supply(&self) -> Option<&Supply> {
        self.sim.supply.as_ref()
    }

    /// Jobs in the system (waiting or running).
    pub fn live_jobs(&self) -> usize {
        self.sim.jobs.live()
    }

    /// GPUs busy now.
    pub fn gpus_busy(&self) -> f64 {
        self.sim.nets[0].metrics.busy.value()
    }

    /// Free GPUs of class `c` now.
    pub fn class_free(&self, c: usize) -> u64 {
        self.sim.world.pool.class_free(c)
    }
}

/// Simulates `design` on `sc` with the streams of `run_seed` up to the horizon.
pub fn simulate(sc: &Scenario, design: DesignKind, run_seed: u64) -> RunOutput {
    Run::new(sc, design, run_seed).finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MS_PER_HOUR;
    use crate::model::NodeId;
    use crate::scenario::from_str;

    const H: SimTime = MS_PER_HOUR;

    /// Class X: two nodes of 4 GPUs; class Y: one node of 2. Workloads with
    /// fixed work and (practically) no random arrivals: tests inject them.
    const WORLD: &str = r#"
        [scenario]
        name = "mechanics"
        horizon = "40h"
        designs = ["ionet"]
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
        initial = { X = 8, Y = 2 }
        gpus_per_node = 4
        [[workload]]
        name = "small"
        kind = "training"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "10h" }
        gpus = 2
        gpu_class = ["X"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "big"
        kind = "training"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "5h" }
        gpus = 8
        gpu_class = ["X"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "y"
        kind = "inference"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "1h" }
        gpus = 1
        gpu_class = ["Y"]
        max_price_per_gpu_hour = 10.0
        [[workload]]
        name = "ckpt"
        kind = "training"
        arrivals = { process = "poisson", rate_per_hour = 1e-12 }
        duration = { dist = "fixed", value = "10h" }
        gpus = 1
        gpu_class = ["Y"]
        max_price_per_gpu_hour = 10.0
        checkpoint_every = "3h"
        [design.ionet]
        price_per_gpu_hour = { X = 2.0, Y = 0.5 }
        reservation_fee = 0.0
        payment_fee = 0.0
    "#;

    const SMALL: Event = Event::Arrival(0);
    const BIG: Event = Event::Arrival(1);
    const Y: Event = Event::Arrival(2);
    const CKPT: Event = Event::Arrival(3);

    fn scenario() -> Scenario {
        from_str(WORLD, "mechanics.toml", &[]).unwrap()
    }

    #[test]
    fn fifo_blocks_only_the_classes_an_earlier_job_waits_for() {
        let sc = scenario();
        let mut run = Run::new(&sc, DesignKind::Ionet, 1);
        run.inject(0, SMALL); // starts on X: 6 free
        run.inject(H, BIG); // needs 8 of X: waits
        run.inject(2 * H, SMALL); // 2 would fit, but BIG is first in line for X
        run.inject(3 * H, Y); // Y is nobody's to block: starts
        run.advance(3 * H);
        assert_eq!(run.queue_len(), 2);
        assert_eq!(run.gpus_busy(), 3.0);
        assert_eq!(run.class_free(0), 6);
        run.advance(10 * H); // SMALL ends at 10 h: BIG takes all 8 of X
        assert_eq!(run.queue_len(), 1);
        assert_eq!(run.gpus_busy(), 8.0);
        let s = run.finish().summary;
        // Waits: SMALL 0, BIG 10 − 1 = 9 h, SMALL#2 15 − 2 = 13 h, Y 0.
        assert_eq!(s.jobs_completed, 4);
        assert_eq!(s.mean_wait_h, Some((9.0 + 13.0) / 4.0));
        // Paid: 2 GPU × 10 h × $2 twice, 8 × 5 × $2, 1 × 1 × $0.5.
        assert_eq!(s.user_usd, 40.0 + 40.0 + 80.0 + 0.5);
        assert_eq!(s.gpu_hours_delivered, 20.0 + 20.0 + 40.0 + 1.0);
    }

    #[test]
    fn a_failed_node_interrupts_a_spread_gang_and_frees_its_other_gpus() {
        // Fleet cost: (8 × $0.5 + 2 × $0.1) × 40 h = $168 over 400 GPU-hours.
        let margin = |provider_usd: f64| (provider_usd - 168.0) / 400.0;
        for (pay_interrupted, user, provider) in [
            // The user pays the 2-hour run on 8 GPUs ($32); node 1's four
            // workers get theirs ($16), node 0's, which dropped, nothing.
            (true, 80.0 + 32.0, 80.0 + 16.0),
            // Nobody pays or is paid for the interrupted run.
            (false, 80.0, 80.0),
        ] {
            let set = format!("design.ionet.pay_interrupted={pay_interrupted}");
            let sc = from_str(
                WORLD,
                "m.toml",
                &[crate::scenario::parse_override(&set).unwrap()],
            )
            .unwrap();
            let mut run = Run::new(&sc, DesignKind::Ionet, 1);
            run.inject(0, BIG); // spans both X nodes (4 + 4)
            run.inject(2 * H, Event::NodeDown(NodeId(0)));
            run.advance(2 * H);
            // Back in the queue; node 1's 4 GPUs are free again, node 0's are gone.
            assert_eq!(run.queue_len(), 1);
            assert_eq!(run.gpus_busy(), 0.0);
            assert_eq!(run.class_free(0), 4);
            run.inject(3 * H, Event::NodeUp(NodeId(0)));
            let s = run.finish().summary; // restarts at 3 h from scratch, ends at 8 h
            assert_eq!(s.jobs_interrupted, 1);
            assert_eq!(s.jobs_completed, 1);
            assert_eq!(s.lost_gpu_hours, 16.0);
            assert_eq!(s.gpu_hours_delivered, 40.0);
            assert_eq!(s.user_usd, user, "{set}");
            assert_eq!(s.provider_margin, Some(margin(provider)), "{set}");
            assert_eq!(s.mean_wait_h, Some(1.0));
        }
        // The default is to bill the user.
        let s = {
            let sc = scenario();
            let mut run = Run::new(&sc, DesignKind::Ionet, 1);
            run.inject(0, BIG);
            run.inject(2 * H, Event::NodeDown(NodeId(0)));
            run.inject(3 * H, Event::NodeUp(NodeId(0)));
            run.finish().summary
        };
        assert_eq!(s.user_usd, 112.0);
    }

    #[test]
    fn checkpointed_job_resumes_from_its_last_checkpoint() {
        let sc = scenario();
        let mut run = Run::new(&sc, DesignKind::Ionet, 1);
        run.inject(0, CKPT); // 10 h of work on Y, checkpoints every 3 h
        // Y's only node is node 2 (after X's two nodes).
        run.inject(7 * H, Event::NodeDown(NodeId(2))); // keeps 6 h, loses 1 h
        run.inject(8 * H, Event::NodeUp(NodeId(2))); // restarts: 4 h left, ends at 12 h
        run.advance(11 * H);
        assert_eq!(run.live_jobs(), 1);
        run.advance(12 * H);
        assert_eq!(run.live_jobs(), 0);
        let s = run.finish().summary;
        assert_eq!(s.lost_gpu_hours, 1.0);
        assert_eq!(s.gpu_hours_delivered, 10.0);
        assert_eq!(
            s.user_usd,
            (7.0 + 4.0) * 0.5,
            "the interrupted 7-hour run and the completed 4-hour run are paid"
        );
        assert_eq!(s.usd_per_gpu_hour, Some(0.55));
        assert_eq!(s.mean_wait_h, Some(1.0));
        assert_eq!(s.interruptions, 1);
    }

    #[test]
    fn jobs_priced_out_go_to_the_cloud() {
        let sc = from_str(
            WORLD,
            "m.toml",
            &[crate::scenario::parse_override("design.ionet.price_per_gpu_hour.Y=20").unwrap()],
        )
        .unwrap();
        let mut run = Run::new(&sc, DesignKind::Ionet, 1);
        run.inject(0, Y);
        run.inject(0, SMALL);
        let s = run.finish().summary;
        assert_eq!(s.jobs_submitted, 2);
        assert_eq!(s.jobs_lost_to_cloud, 1);
        assert_eq!(s.jobs_completed, 1);
    }
}
