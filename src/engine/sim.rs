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

    /// Number of pending events.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

/// A model: reacts to one event at a time.
pub trait Handler<E> {
    /// Handles `event` at time `sched.now()`.
    fn handle(&mut self, event: E, sched: &mut Scheduler<E>);
}

/// Runs events with time ≤ `horizon` in `(time, seq)` order and returns how
/// many were handled. Later events stay queued; the clock ends at `horizon`.
pub fn run_until<E, H: Handler<E>>(
    model: &mut H,
    sched: &mut Scheduler<E>,
    horizon: SimTime,
) -> u64 {
    let mut handled = 0u64;
    while let Some((t, event)) = sched.queue.pop_until(horizon) {
        sched.now = t;
        model.handle(event, sched);
        handled += 1;
    }
    sched.now = sched.now.max(horizon);
    handled
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

    #[test]
    fn event_at_horizon_is_handled() {
        let mut s = Scheduler::new();
        s.at(50, 0);
        let mut m = Recorder(vec![]);
        assert_eq!(run_until(&mut m, &mut s, 50), 1);
    }
}
