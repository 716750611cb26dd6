//! A priority queue of events ordered by `(time, seq)`.
//!
//! `seq` is a counter incremented on every push, so events scheduled for the
//! same millisecond leave in the order they were scheduled, never in an order
//! chosen by the heap's internals.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    /// `(time << 64) | seq`: one integer comparison orders by time, then seq.
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the smallest key.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// Events of type `E` ordered by `(time, seq)`; equal times leave in push order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue. O(1).
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue with room for `capacity` events before it reallocates. O(1).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(capacity),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`. O(log n).
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let key = ((time as u128) << 64) | self.next_seq as u128;
        self.next_seq += 1;
        self.heap.push(Entry { key, event });
    }

    /// Removes and returns the earliest event (ties: the first pushed). O(log n).
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| ((e.key >> 64) as SimTime, e.event))
    }

    /// The time of the earliest event, if any. O(1).
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| (e.key >> 64) as SimTime)
    }

    /// Number of pending events. O(1).
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no events are pending. O(1).
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Number of events pushed so far (the next `seq`). O(1).
    pub fn pushed(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::new();
        for (t, e) in [(30, 'c'), (10, 'a'), (20, 'b'), (5, 'z')] {
            q.push(t, e);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(5, 'z'), (10, 'a'), (20, 'b'), (30, 'c')]);
    }

    #[test]
    fn ties_leave_in_scheduling_order() {
        let mut q = EventQueue::new();
        for i in 0..1000u32 {
            // Interleave two times so the heap has to reorder a lot.
            q.push(if i % 2 == 0 { 7 } else { 3 }, i);
        }
        let mut last_at_3 = None;
        let mut last_at_7 = None;
        while let Some((t, i)) = q.pop() {
            let last = if t == 3 {
                &mut last_at_3
            } else {
                &mut last_at_7
            };
            if let Some(prev) = *last {
                assert!(i > prev, "tie at t={t} left out of order: {prev} then {i}");
            }
            *last = Some(i);
            if t == 7 {
                assert!(last_at_3.is_some());
            }
        }
        assert_eq!(last_at_3, Some(999));
        assert_eq!(last_at_7, Some(998));
    }

    #[test]
    fn extreme_times_order_correctly() {
        let mut q = EventQueue::new();
        q.push(u64::MAX, 2);
        q.push(0, 0);
        q.push(u64::MAX - 1, 1);
        assert_eq!(q.peek_time(), Some(0));
        assert_eq!(q.pop(), Some((0, 0)));
        assert_eq!(q.pop(), Some((u64::MAX - 1, 1)));
        assert_eq!(q.pop(), Some((u64::MAX, 2)));
        assert!(q.is_empty());
        assert_eq!(q.pushed(), 3);
    }
}
