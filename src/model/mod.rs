//! The shared world every design runs on: GPU nodes and their churn, demand,
//! jobs, and the events that drive them.

pub mod demand;
pub mod jobs;
pub mod pool;
pub mod sim;

use crate::engine::{Rng, Scheduler, SimTime, Streams};
use crate::scenario::{Churn, Scenario};
use pool::FreePool;
use rand::Rng as _;

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

/// What happens in a run. Plain data, small payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A job of workload `.0` arrives.
    Arrival(u16),
    /// A node fails.
    NodeDown(NodeId),
    /// A node comes back.
    NodeUp(NodeId),
    /// A run of the job in `slot` ends, if its generation still matches.
    JobEnd { slot: u32, generation: u32 },
    /// Time to record a row of the time series.
    Sample,
    /// A design's own timer; `tag` says which (each design defines its
    /// tags), `a` and `b` are its payload (a slot, a node, a generation...).
    Timer { tag: u8, a: u32, b: u32 },
    /// A token price period ends (only with tokens on).
    TokenTick,
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
    /// Slots of the jobs running on it.
    pub running: Vec<u32>,
}

/// Nodes, their free GPUs and their churn.
pub struct World {
    pub nodes: Vec<Node>,
    pub pool: FreePool,
    /// GPUs on nodes that are up.
    pub gpus_up: u64,
    /// GPUs in the fleet (up or down).
    pub gpus_total: u64,
    churn: Option<Churn>,
    /// Per node: the streams of its up and down periods.
    churn_rngs: Vec<(Rng, Rng)>,
}

impl World {
    /// Builds the fleet of `sc`: per class, nodes of `gpus_per_node` GPUs
    /// (the last one smaller if the count does not divide). Every node is up
    /// and all its GPUs free; call [`World::start_churn`] to begin churn.
    pub fn new(sc: &Scenario, streams: &Streams) -> Self {
        let mut nodes = Vec::new();
        let mut churn_rngs = Vec::new();
        for (c, class) in sc.classes.iter().enumerate() {
            let mut left = class.initial_gpus;
            let mut k = 0u64;
            while left > 0 {
                let g = left.min(sc.gpus_per_node);
                // Keyed by (class, node within class): changing one class's
                // fleet leaves every other node's outages as they were.
                let id = ((c as u64) << 32) | k;
                let faulty = sc.faults.share > 0.0 && {
                    let mut r = streams.substream("faults", id);
                    r.random::<f64>() < sc.faults.share
                };
                nodes.push(Node {
                    class: c as u16,
                    gpus: g as u16,
                    up: true,
                    faulty,
                    since: 0,
                    up_since: 0,
                    epoch: 0,
                    running: Vec::with_capacity(g as usize),
                });
                if sc.churn.is_some() {
                    churn_rngs.push((
                        streams.substream("churn/up", id),
                        streams.substream("churn/down", id),
                    ));
                }
                left -= g;
                k += 1;
            }
        }
        let classes: Vec<u16> = nodes.iter().map(|n| n.class).collect();
        let mut pool = FreePool::new(sc.classes.len(), &classes, sc.gpus_per_node as u16);
        for (i, n) in nodes.iter().enumerate() {
            pool.set(NodeId(i as u32), n.gpus);
        }
        let gpus_total = sc.total_gpus();
        Self {
            nodes,
            pool,
            gpus_up: gpus_total,
            gpus_total,
            churn: sc.churn.clone(),
            churn_rngs,
        }
    }

    /// Draws each node's initial state (up with probability equal to the
    /// long-run availability, so the fleet starts near equilibrium) and
    /// schedules its first transition. Nodes starting down are taken out.
    pub fn start_churn(&mut self, sched: &mut Scheduler<Event>) {
        let Some(churn) = &self.churn else { return };
        let a = churn.availability();
        for i in 0..self.nodes.len() {
            let node = NodeId(i as u32);
            let (up_rng, down_rng) = &mut self.churn_rngs[i];
            if up_rng.random::<f64>() < a {
                sched.at(churn.uptime.sample_ms(up_rng, 1), Event::NodeDown(node));
            } else {
                let n = &mut self.nodes[i];
                n.up = false;
                n.epoch += 1;
                self.gpus_up -= n.gpus as u64;
                self.pool.set(node, 0);
                sched.at(churn.downtime.sample_ms(down_rng, 1), Event::NodeUp(node));
            }
        }
    }

    /// Marks `node` down, takes its GPUs out of the pool and schedules its
    /// return. Jobs on it are the design's business.
    pub fn node_down(&mut self, node: NodeId, sched: &mut Scheduler<Event>) {
        let n = &mut self.nodes[node.ix()];
        debug_assert!(n.up);
        n.up = false;
        n.since = sched.now();
        n.epoch += 1;
        self.gpus_up -= n.gpus as u64;
        self.pool.set(node, 0);
        if let Some(churn) = &self.churn {
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
        self.pool.set(node, n.gpus);
        if let Some(churn) = &self.churn {
            let u = churn.uptime.sample_ms(&mut self.churn_rngs[node.ix()].0, 1);
            sched.after(u, Event::NodeDown(node));
        }
    }

    /// Returns `gpus` GPUs of `node` to the pool (if the node is up) and
    /// forgets that job `slot` runs there.
    pub fn release(&mut self, node: NodeId, gpus: u16, slot: u32) {
        let n = &mut self.nodes[node.ix()];
        if let Some(p) = n.running.iter().position(|&s| s == slot) {
            n.running.swap_remove(p);
        }
        if n.up {
            let free = self.pool.free(node);
            self.pool.set(node, free + gpus);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Event;

    #[test]
    fn events_stay_small() {
        // The queue stores events beside their keys: keep them at 12 bytes.
        assert!(
            std::mem::size_of::<Event>() <= 12,
            "{}",
            std::mem::size_of::<Event>()
        );
    }
}
