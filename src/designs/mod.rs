//! Market designs: how jobs meet GPUs and how money moves. Each design is one
//! module; [`Market`] dispatches to them without trait objects.

pub mod ionet;

use crate::engine::Scheduler;
use crate::metrics::Metrics;
use crate::model::demand::JobDraw;
use crate::model::jobs::Jobs;
use crate::model::{Event, NodeId, World};
use crate::scenario::{DesignKind, Scenario};

/// What a design may touch while it handles an event.
pub struct Ctx<'a> {
    pub sc: &'a Scenario,
    pub world: &'a mut World,
    pub jobs: &'a mut Jobs,
    pub metrics: &'a mut Metrics,
    pub sched: &'a mut Scheduler<Event>,
}

/// The design under simulation.
pub enum Market {
    Ionet(ionet::Ionet),
}

impl Market {
    /// The market of `design` for scenario `sc`.
    pub fn new(design: DesignKind, sc: &Scenario) -> Self {
        match design {
            DesignKind::Ionet => Market::Ionet(ionet::Ionet::new(sc)),
            other => unreachable!("scenario checking rejects the unimplemented design {other:?}"),
        }
    }

    /// A job of workload `w` arrives.
    #[inline]
    pub fn submit(&mut self, ctx: &mut Ctx, w: usize, draw: JobDraw) {
        match self {
            Market::Ionet(m) => m.submit(ctx, w, draw),
        }
    }

    /// `node` just went down (the world already took its GPUs out).
    #[inline]
    pub fn node_down(&mut self, ctx: &mut Ctx, node: NodeId) {
        match self {
            Market::Ionet(m) => m.node_down(ctx, node),
        }
    }

    /// `node` just came up with all GPUs free.
    #[inline]
    pub fn node_up(&mut self, ctx: &mut Ctx, _node: NodeId) {
        match self {
            // Its GPUs are in the pool again: the queue may move.
            Market::Ionet(m) => m.dispatch(ctx),
        }
    }

    /// A job's run ends (already checked to be current).
    #[inline]
    pub fn job_end(&mut self, ctx: &mut Ctx, slot: u32) {
        match self {
            Market::Ionet(m) => m.job_end(ctx, slot),
        }
    }

    /// Jobs waiting.
    #[inline]
    pub fn queue_len(&self) -> usize {
        match self {
            Market::Ionet(m) => m.queue_len(),
        }
    }

    /// Accounts for work in progress at the horizon.
    pub fn finish(&mut self, ctx: &mut Ctx) {
        match self {
            Market::Ionet(m) => m.finish(ctx),
        }
    }
}
