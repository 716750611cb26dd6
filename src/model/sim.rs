//! One run: one scenario, one design, one seed. Builds the world, feeds the
//! kernel, and returns the run's measurements.

use super::demand::Demand;
use super::jobs::Jobs;
use super::{Event, World};
use crate::designs::{Ctx, Market};
use crate::engine::{Handler, Scheduler, Streams, run_until};
use crate::metrics::{Metrics, Sample, Summary};
use crate::scenario::{DesignKind, Scenario};

/// What one run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub summary: Summary,
    pub samples: Vec<Sample>,
    /// Events handled by the kernel.
    pub events: u64,
}

struct Simulation<'a> {
    sc: &'a Scenario,
    world: World,
    demand: Demand,
    jobs: Jobs,
    metrics: Metrics,
    market: Market,
}

impl Simulation<'_> {
    fn ctx<'b>(&'b mut self, sched: &'b mut Scheduler<Event>) -> (Ctx<'b>, &'b mut Market) {
        (
            Ctx {
                sc: self.sc,
                world: &mut self.world,
                jobs: &mut self.jobs,
                metrics: &mut self.metrics,
                sched,
            },
            &mut self.market,
        )
    }
}

impl Handler<Event> for Simulation<'_> {
    fn handle(&mut self, event: Event, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        match event {
            Event::Arrival(w) => {
                let w = w as usize;
                let draw = self.demand.draw_job(w, &self.sc.workloads[w]);
                let next = self.demand.next_arrival(w, now);
                sched.at(next, Event::Arrival(w as u16));
                let (mut ctx, market) = self.ctx(sched);
                market.submit(&mut ctx, w, draw);
            }
            Event::NodeDown(node) => {
                self.world.node_down(node, sched);
                let g = self.world.nodes[node.ix()].gpus as f64;
                self.metrics.up_add(now, -g);
                let (mut ctx, market) = self.ctx(sched);
                market.node_down(&mut ctx, node);
            }
            Event::NodeUp(node) => {
                self.world.node_up(node, sched);
                let g = self.world.nodes[node.ix()].gpus as f64;
                self.metrics.up_add(now, g);
                let (mut ctx, market) = self.ctx(sched);
                market.node_up(&mut ctx, node);
            }
            Event::JobEnd { slot, generation } => {
                if self.jobs[slot].generation == generation {
                    let (mut ctx, market) = self.ctx(sched);
                    market.job_end(&mut ctx, slot);
                }
            }
            Event::Sample => {
                self.metrics.sample(
                    now,
                    self.world.gpus_up,
                    self.market.queue_len() as u64,
                    self.jobs.live() as u64 - self.market.queue_len() as u64,
                );
                let next = now + self.sc.sample_every;
                if next <= self.sc.horizon {
                    sched.at(next, Event::Sample);
                }
            }
        }
    }
}

/// Simulates `design` on `sc` with the streams of `run_seed` up to the horizon.
pub fn simulate(sc: &Scenario, design: DesignKind, run_seed: u64) -> RunOutput {
    let streams = Streams::new(run_seed);
    let mut sched = Scheduler::new();
    let mut world = World::new(sc, &streams);
    world.start_churn(&mut sched);
    let mut metrics = Metrics::new(sc.warmup);
    let cost_rate: f64 = sc
        .classes
        .iter()
        .map(|c| c.cost_per_hour * c.initial_gpus as f64)
        .sum();
    metrics.set_fleet(0, world.gpus_total, cost_rate);
    metrics.up_add(0, world.gpus_up as f64);
    let mut demand = Demand::new(&sc.workloads, &streams);
    for w in 0..sc.workloads.len() {
        let t = demand.next_arrival(w, 0);
        sched.at(t, Event::Arrival(w as u16));
    }
    sched.at(0, Event::Sample);
    let mut sim = Simulation {
        sc,
        world,
        demand,
        jobs: Jobs::default(),
        metrics,
        market: Market::new(design, sc),
    };
    let events = run_until(&mut sim, &mut sched, sc.horizon);
    let (mut ctx, market) = sim.ctx(&mut sched);
    market.finish(&mut ctx);
    let summary = sim.metrics.summarize(sc.horizon);
    RunOutput {
        summary,
        samples: std::mem::take(&mut sim.metrics.samples),
        events,
    }
}
