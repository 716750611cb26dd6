//! Market designs: how jobs meet GPUs and how money moves. Each design is one
//! module behind one trait, [`Design`]; [`Market`] is the one place that lists
//! them and dispatches to them without trait objects. What every design does
//! the same way (admitting a job, starting, ending and interrupting a run,
//! completing a job, settling at the horizon) lives in [`common`].
//!
//! Adding a design: a module with a type that implements [`Design`] (its
//! own parameter struct from `scenario`, its own [`Timer`] enum, its own
//! random streams from the [`StreamNs`] it is given), a variant of
//! [`DesignKind`] and of [`Market`]; the compiler points at every `match`
//! that must learn the new variant.

pub mod akash;
pub mod cloud;
pub mod common;
pub mod ionet;
pub mod render;

pub use common::*;

use crate::engine::{Scheduler, SimTime, StreamNs};
use crate::metrics::{Metrics, Summary};
use crate::model::admission::Admission;
use crate::model::demand::JobDraw;
use crate::model::jobs::Jobs;
use crate::model::{Event, NodeId, World};
use crate::scenario::{DesignKind, Scenario};
use crate::token::TokenEconomy;

/// What a design may touch while it handles an event.
pub struct Ctx<'a> {
    pub sc: &'a Scenario,
    pub world: &'a mut World,
    pub jobs: &'a mut Jobs,
    pub metrics: &'a mut Metrics,
    pub sched: &'a mut Scheduler<Event>,
    /// Per-frame work (ms on one GPU) of the render job just submitted.
    pub frame_work: &'a [SimTime],
    /// The design's token economy (`None` with tokens off). A reference to
    /// the option, not an option of a reference: building `Ctx` on every
    /// event then costs a pointer copy.
    pub token: &'a mut Option<TokenEconomy>,
    /// Which network of the run the design is (0 when a design runs
    /// alone); its timers and jobs carry it back.
    pub net: u8,
    /// Set when the job just submitted was refused (not served, priced
    /// out, no acceptable bid): world mode's broker may fail it over.
    pub refused: bool,
}

impl Ctx<'_> {
    /// The current time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.sched.now()
    }

    /// Sets the design's timer `t` to fire after `delay`. Always inlined
    /// (`#[inline]` left it out of line in Akash's auction).
    #[inline(always)]
    pub fn timer_after<T: Timer>(&mut self, delay: SimTime, t: T) {
        let (tag, a, b) = t.pack();
        let net = self.net;
        self.sched.after(delay, Event::Timer { net, tag, a, b });
    }

    /// Sets the design's timer `t` at `at` with the sequence number `seq`
    /// reserved earlier (see [`Scheduler::at_reserved`]).
    #[inline]
    pub fn timer_at_reserved<T: Timer>(&mut self, at: SimTime, seq: u64, t: T) {
        let (tag, a, b) = t.pack();
        let net = self.net;
        self.sched
            .at_reserved(at, seq, Event::Timer { net, tag, a, b });
    }
}

/// What a network quotes a job, for the broker: USD per useful GPU-hour,
/// expected wait, and the risk of a bad result (expected share of bad
/// frames for a render job, chance of an interruption for others).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quote {
    pub usd_per_gpu_h: f64,
    pub wait_h: f64,
    pub risk: f64,
}

/// A design's own timers: a small enum, packed into the shared event's
/// `(tag, a, b)` only here, at the boundary, and unpacked when it fires.
pub trait Timer: Copy {
    /// The timer as (tag, a, b).
    fn pack(self) -> (u8, u32, u32);
    /// The timer [`Timer::pack`] gave `(tag, a, b)`.
    fn unpack(tag: u8, a: u32, b: u32) -> Self;
}

/// The timers of a design that sets none.
#[derive(Clone, Copy, Debug)]
pub enum NoTimer {}

impl Timer for NoTimer {
    fn pack(self) -> (u8, u32, u32) {
        match self {}
    }
    fn unpack(tag: u8, _: u32, _: u32) -> Self {
        unreachable!("a design without timers got timer tag {tag}")
    }
}

/// A market design: the events it reacts to. Defaults cover the events a
/// design may ignore.
pub trait Design {
    /// Its timers.
    type Timer: Timer;

    /// A job of workload `w` arrives.
    fn submit(&mut self, ctx: &mut Ctx, w: usize, draw: JobDraw);

    /// `node` just went down (the world already took its GPUs out).
    fn node_down(&mut self, ctx: &mut Ctx, node: NodeId);

    /// `node` just came up with all GPUs free.
    fn node_up(&mut self, ctx: &mut Ctx, node: NodeId);

    /// Dynamic supply: `node` just joined the fleet, up with all GPUs free.
    fn node_join(&mut self, ctx: &mut Ctx, node: NodeId) {
        self.node_up(ctx, node);
    }

    /// Dynamic supply: `node` just left the fleet for good (the world already
    /// took its GPUs out; `was_up` says whether it was up until now). By
    /// default its jobs go the way of jobs on a node that goes down and
    /// never returns.
    fn node_leave(&mut self, ctx: &mut Ctx, node: NodeId, was_up: bool) {
        if was_up {
            self.node_down(ctx, node);
        }
    }

    /// A job's run ends (already checked to be current).
    fn job_end(&mut self, _ctx: &mut Ctx, slot: u32) {
        unreachable!("this design schedules no JobEnd events (slot {slot})")
    }

    /// One of the design's timers fires.
    fn timer(&mut self, _ctx: &mut Ctx, _t: Self::Timer) {}

    /// Jobs waiting.
    fn queue_len(&self) -> usize;

    /// Accounts for work in progress at the horizon and fills the design's
    /// own summary columns.
    fn finish(&mut self, ctx: &mut Ctx);

    /// Whether the design serves jobs on the world's fleet (the DePIN
    /// networks) or on capacity of its own (the cloud): only for the former
    /// do the fleet's GPUs count as its capacity in the metrics.
    fn on_fleet(&self) -> bool {
        true
    }

    /// Called once at t = 0, before any event, with the run assembled.
    fn begin(&mut self, _ctx: &mut Ctx) {}

    /// World mode: another network freed GPUs on nodes this one lists too;
    /// waiting work may start there.
    fn capacity_freed(&mut self, _ctx: &mut Ctx) {}

    /// World mode: what this network would charge and how long a job of
    /// workload `w` would wait, drawing no random numbers; `None` if it
    /// does not serve the job (kind, classes, the user's maximum price).
    fn quote(&self, _ctx: &Ctx, _w: usize, _draw: &JobDraw) -> Option<Quote> {
        None
    }

    /// Amends the run's summary after it is computed (a design whose
    /// capacity is not the fleet's says what its own is).
    fn amend(&self, _s: &mut Summary) {}
}

/// The design under simulation. The one list of the designs: a new design
/// is a variant here (and in [`DesignKind`]), its constructor in
/// [`Market::new`], its parameter section in `scenario`, and its own
/// summary columns in [`crate::metrics::DesignColumns`].
pub enum Market {
    Akash(Box<akash::Akash>),
    Ionet(Box<ionet::Ionet>),
    Render(Box<render::Render>),
    Cloud(Box<cloud::Cloud>),
}

/// Calls `$body` with `$m` bound to the design inside `$self`.
macro_rules! each {
    ($self:expr, $m:ident => $body:expr) => {
        match $self {
            Market::Akash($m) => $body,
            Market::Ionet($m) => $body,
            Market::Render($m) => $body,
            Market::Cloud($m) => $body,
        }
    };
}

impl Market {
    /// The market of `design` for scenario `sc`, built from the design's own
    /// parameter section, drawing its randomness from the streams of
    /// namespace `ns` (never from the shared demand or churn streams).
    ///
    /// Panics if the scenario lacks the design's section: scenario checking
    /// requires it for every design the scenario runs.
    pub fn new(design: DesignKind, sc: &Scenario, ns: &StreamNs, world: &World, net: u8) -> Self {
        let missing = || -> ! {
            panic!(
                "scenario checking requires [design.{}] for it",
                design.name()
            )
        };
        match design {
            DesignKind::Akash => {
                let p = sc.akash.as_ref().unwrap_or_else(|| missing());
                Market::Akash(Box::new(akash::Akash::new(p, sc, ns, world)))
            }
            DesignKind::Ionet => {
                let p = sc.ionet.as_ref().unwrap_or_else(|| missing());
                Market::Ionet(Box::new(ionet::Ionet::new(p, sc)))
            }
            DesignKind::Render => {
                let p = sc.render.as_ref().unwrap_or_else(|| missing());
                Market::Render(Box::new(render::Render::new(p, sc, ns, world, net)))
            }
            DesignKind::Cloud => {
                let p = sc.cloud.as_ref().unwrap_or_else(|| missing());
                Market::Cloud(Box::new(cloud::Cloud::new(p, sc, ns)))
            }
        }
    }

    /// Which nodes `design` admits to its network in `sc`, from the start
    /// and later (docs/model.md, "Who may join each network"); each
    /// design's rule is in its module. The world lists the nodes by it
    /// before the market is built.
    pub fn admission(design: DesignKind, sc: &Scenario) -> Admission {
        match design {
            DesignKind::Akash => akash::admission(),
            DesignKind::Ionet => sc.ionet.as_ref().map_or(Admission::ALL, ionet::admission),
            DesignKind::Render => sc.render.as_ref().map_or(Admission::ALL, render::admission),
            // The cloud serves on its own capacity, not the fleet's.
            DesignKind::Cloud => Admission::ALL,
        }
    }

    /// A job of workload `w` arrives.
    #[inline]
    pub fn submit(&mut self, ctx: &mut Ctx, w: usize, draw: JobDraw) {
        each!(self, m => m.submit(ctx, w, draw))
    }

    /// `node` just went down (the world already took its GPUs out).
    #[inline]
    pub fn node_down(&mut self, ctx: &mut Ctx, node: NodeId) {
        each!(self, m => m.node_down(ctx, node))
    }

    /// `node` just came up with all GPUs free.
    #[inline]
    pub fn node_up(&mut self, ctx: &mut Ctx, node: NodeId) {
        each!(self, m => m.node_up(ctx, node))
    }

    /// Dynamic supply: `node` just joined the fleet.
    #[inline]
    pub fn node_join(&mut self, ctx: &mut Ctx, node: NodeId) {
        each!(self, m => m.node_join(ctx, node))
    }

    /// Dynamic supply: `node` just left the fleet for good.
    #[inline]
    pub fn node_leave(&mut self, ctx: &mut Ctx, node: NodeId, was_up: bool) {
        each!(self, m => m.node_leave(ctx, node, was_up))
    }

    /// A job's run ends (already checked to be current).
    #[inline]
    pub fn job_end(&mut self, ctx: &mut Ctx, slot: u32) {
        each!(self, m => m.job_end(ctx, slot))
    }

    /// A design timer fires, as packed in the shared event.
    #[inline]
    #[allow(unreachable_code)] // a design without timers cannot get one
    pub fn timer(&mut self, ctx: &mut Ctx, tag: u8, a: u32, b: u32) {
        each!(self, m => m.timer(ctx, Timer::unpack(tag, a, b)))
    }

    /// Jobs waiting.
    #[inline]
    pub fn queue_len(&self) -> usize {
        each!(self, m => m.queue_len())
    }

    /// Whether the design serves jobs on the world's fleet.
    pub fn on_fleet(&self) -> bool {
        each!(self, m => m.on_fleet())
    }

    /// Called once at t = 0, before any event.
    pub fn begin(&mut self, ctx: &mut Ctx) {
        each!(self, m => m.begin(ctx))
    }

    /// Amends the run's summary after it is computed.
    pub fn amend(&self, s: &mut Summary) {
        each!(self, m => m.amend(s))
    }

    /// World mode: another network freed GPUs on shared nodes.
    pub fn capacity_freed(&mut self, ctx: &mut Ctx) {
        each!(self, m => m.capacity_freed(ctx))
    }

    /// World mode: the network's quote for a job (no random numbers).
    pub fn quote(&self, ctx: &Ctx, w: usize, draw: &JobDraw) -> Option<Quote> {
        each!(self, m => m.quote(ctx, w, draw))
    }

    /// Accounts for work in progress at the horizon and fills the design's
    /// own summary columns.
    pub fn finish(&mut self, ctx: &mut Ctx) {
        each!(self, m => m.finish(ctx))
    }
}
