//! The run loop: pop the earliest event, advance the clock, hand the event to
//! the model, until the horizon. The queue is a [`WheelQueue`] (hierarchical
//! timing wheel); see docs/performance.md, "1. The kernel".

use super::queue::WheelQueue;
use super::time::SimTime;

/// The model's view of the kernel while it handles an event: the clock and
/// the means to schedule further events.
pub struct Scheduler<E> {
    now: SimTime,
    queue: WheelQueue<E>,
    /// The pending tick's key `(time << 64) | seq` ([`Scheduler::set_tick`]),
    /// `u128::MAX` when none is pending; and its time (`SimTime::MAX` when
    /// none), which the run loop compares first (one comparison per event).
    tick: u128,
    tick_time: SimTime,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Scheduler<E> {
    /// A scheduler at t = 0 with no events.
    pub fn new() -> Self {
        Self {
            now: 0,
            queue: WheelQueue::new(),
            tick: NO_TICK,
            tick_time: SimTime::MAX,
        }
    }

    /// The current simulated time (ms).
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at absolute time `at`. Scheduling in the past is a
    /// model bug; it is clamped to `now` in release builds.
    #[inline]
    pub fn at(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        self.queue.push(at.max(self.now), event);
    }

    /// Schedules `event` after a delay of `delay` ms (saturating).
    #[inline]
    pub fn after(&mut self, delay: SimTime, event: E) {
        self.queue.push(self.now.saturating_add(delay), event);
    }

    /// Reserves a place in the order of events scheduled now, for an event
    /// that may be scheduled later with [`at_reserved`](Self::at_reserved)
    /// (or never): it then leaves exactly as if scheduled now.
    #[inline]
    pub fn reserve(&mut self) -> u64 {
        self.queue.reserve()
    }

    /// Schedules `event` at absolute time `at` in the place `seq` reserved
    /// by [`reserve`](Self::reserve); each reservation is used at most once.
    #[inline]
    pub fn at_reserved(&mut self, at: SimTime, seq: u64, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        self.queue.push_reserved(at.max(self.now), seq, event);
    }

    /// Sets the model's tick ([`Handler::tick`]) at `at`: it runs exactly
    /// where an event scheduled now at `at` would run (its place in the
    /// order of events is reserved now, as by [`reserve`](Self::reserve)),
    /// but it is not an event in the queue. A periodic observation (a
    /// time-series row) then costs the run loop one comparison per event
    /// instead of a push and a pop per row. At most one tick is pending.
    #[inline]
    pub fn set_tick(&mut self, at: SimTime) {
        debug_assert_eq!(self.tick, NO_TICK, "one tick at a time");
        debug_assert!(at >= self.now, "tick set in the past");
        let seq = self.queue.reserve();
        let at = at.max(self.now);
        self.tick = ((at as u128) << 64) | seq as u128;
        self.tick_time = at;
    }

    /// Number of pending events (a pending tick is not one).
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

/// [`Scheduler::tick`] when no tick is pending.
const NO_TICK: u128 = u128::MAX;

/// A model: reacts to one event at a time.
pub trait Handler<E> {
    /// Handles `event` at time `sched.now()`.
    fn handle(&mut self, event: E, sched: &mut Scheduler<E>);

    /// The tick set by [`Scheduler::set_tick`], at time `sched.now()`: the
    /// model observes its state; it may set the next tick but schedules no
    /// event (the run loop has already taken the next event from the queue).
    fn tick(&mut self, _sched: &mut Scheduler<E>) {}
}

/// Runs events with time ≤ `horizon` in `(time, seq)` order, and the ticks
/// in their places among them, and returns how many were handled (ticks
/// included). Later events and ticks stay pending; the clock ends at
/// `horizon`.
pub fn run_until<E, H: Handler<E>>(
    model: &mut H,
    sched: &mut Scheduler<E>,
    horizon: SimTime,
) -> u64 {
    let mut handled = 0u64;
    while let Some((t, event)) = sched.queue.pop_until(horizon) {
        if t >= sched.tick_time {
            handled += run_ticks_before(model, sched, t);
        }
        sched.now = t;
        model.handle(event, sched);
        handled += 1;
    }
    while sched.tick != NO_TICK && sched.tick_time <= horizon {
        handled += run_tick(model, sched);
    }
    sched.now = sched.now.max(horizon);
    handled
}

/// Runs the ticks due before the event just popped, at time `t`; returns
/// how many ran. Out of line, so the run loop pays a comparison per event.
#[cold]
#[inline(never)]
fn run_ticks_before<E, H: Handler<E>>(model: &mut H, sched: &mut Scheduler<E>, t: SimTime) -> u64 {
    // Keys are unique, so a tick is never equal to an event's key.
    let key = ((t as u128) << 64) | sched.queue.last_seq() as u128;
    let mut n = 0;
    while sched.tick < key {
        n += run_tick(model, sched);
    }
    n
}

/// Runs the pending tick; returns 1 (it counts as handled).
#[inline(always)]
fn run_tick<E, H: Handler<E>>(model: &mut H, sched: &mut Scheduler<E>) -> u64 {
    sched.now = sched.tick_time;
    sched.tick = NO_TICK;
    sched.tick_time = SimTime::MAX;
    #[cfg(debug_assertions)]
    let pending = sched.queue.len();
    model.tick(sched);
    #[cfg(debug_assertions)]
    debug_assert_eq!(sched.queue.len(), pending, "a tick schedules no event");
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what it sees; each event `n > 0` schedules `n - 1` 10 ms later
    /// and, at the same time, a marker that must come after it.
    struct Recorder(Vec<(SimTime, i32)>);

    impl Handler<i32> for Recorder {
        fn handle(&mut self, ev: i32, s: &mut Scheduler<i32>) {
            self.0.push((s.now(), ev));
            if ev > 0 {
                s.after(10, ev - 1);
                s.after(10, -ev);
            }
        }
    }

    #[test]
    fn runs_in_order_and_stops_at_horizon() {
        let mut s = Scheduler::new();
        s.at(0, 3);
        let mut m = Recorder(vec![]);
        let n = run_until(&mut m, &mut s, 25);
        assert_eq!(m.0, vec![(0, 3), (10, 2), (10, -3), (20, 1), (20, -2)]);
        assert_eq!(n, 5);
        assert_eq!(s.now(), 25);
        assert_eq!(s.pending(), 2);
        // Continuing picks up where it stopped.
        let n2 = run_until(&mut m, &mut s, 100);
        assert_eq!(n2, 2);
        assert_eq!(&m.0[5..], &[(30, 0), (30, -1)][..]);
        assert_eq!(m.0.last(), Some(&(30, -1)));
    }

    /// Records events and ticks; a tick at t sets the next at t + 10.
    struct Ticker(Vec<(SimTime, i32)>);

    impl Handler<i32> for Ticker {
        fn handle(&mut self, ev: i32, s: &mut Scheduler<i32>) {
            self.0.push((s.now(), ev));
        }
        fn tick(&mut self, s: &mut Scheduler<i32>) {
            self.0.push((s.now(), 0));
            s.set_tick(s.now() + 10);
        }
    }

    #[test]
    fn a_tick_runs_where_an_event_scheduled_then_would() {
        let mut s = Scheduler::new();
        s.at(10, 1); // before the tick's place at t = 10
        s.set_tick(0);
        s.at(10, 2); // after it
        s.at(0, 3);
        let mut m = Ticker(vec![]);
        // Ticks at 0, 10, 20, 30 (the last at the horizon, after the events).
        assert_eq!(run_until(&mut m, &mut s, 30), 3 + 4);
        // At t = 0 the tick was set before event 3; at t = 10 it was set (by
        // the tick at 0) after events 1 and 2 were scheduled.
        assert_eq!(
            m.0,
            vec![(0, 0), (0, 3), (10, 1), (10, 2), (10, 0), (20, 0), (30, 0)]
        );
        assert_eq!(s.now(), 30);
        // The next tick (40) waits for a later run.
        assert_eq!(run_until(&mut m, &mut s, 39), 0);
        assert_eq!(run_until(&mut m, &mut s, 40), 1);
    }

    #[test]
    fn event_at_horizon_is_handled() {
        let mut s = Scheduler::new();
        s.at(50, 0);
        let mut m = Recorder(vec![]);
        assert_eq!(run_until(&mut m, &mut s, 50), 1);
    }
}
