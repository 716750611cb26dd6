//! Priority queues of events ordered by `(time, seq)`, all with the same API
//! and the same pop order for any sequence of calls: [`EventQueue`] (a 4-ary
//! heap), [`RadixQueue`] (a radix heap) and [`WheelQueue`] (a hierarchical
//! timing wheel, with a 4-ary heap below 256 events), which `Scheduler` uses
//! (docs/performance.md, "1. The kernel").
//!
//! `seq` is a counter incremented on every push, so events scheduled for the
//! same millisecond leave in the order they were scheduled, never in an order
//! chosen by the queue's internals.
//!
//! [`EventQueue`] is a 4-ary min-heap stored as two parallel arrays: the keys,
//! which every comparison reads, and the events, which only move. A node's
//! four children then share one or two cache lines, and a heap of n events is
//! half as deep as a binary heap: `benches/engine.rs` (hold model) measured
//! it faster than `std::collections::BinaryHeap` at 100 000 pending events
//! and level with it at 1 000 (docs/performance.md). Keys are unique, so the
//! order events leave in depends only on `(time, seq)`, not on the heap.

use super::time::SimTime;
use std::collections::VecDeque;

/// Children per node.
const ARITY: usize = 4;

/// `if cond { x } else { y }` without a branch.
#[inline(always)]
fn pick(cond: bool, x: u128, y: u128) -> u128 {
    y ^ ((x ^ y) & (cond as u128).wrapping_neg())
}

/// `if cond { x } else { y }` without a branch.
#[inline(always)]
fn pick_index(cond: bool, x: usize, y: usize) -> usize {
    y ^ ((x ^ y) & (cond as usize).wrapping_neg())
}

/// Events of type `E` ordered by `(time, seq)`; equal times leave in push order.
pub struct EventQueue<E> {
    /// `(time << 64) | seq` per heap slot: one integer comparison orders by
    /// time, then seq. Slot 0 is the minimum; the children of slot `i` are
    /// `4i + 1 ..= 4i + 4`.
    keys: Vec<u128>,
    /// The event of each heap slot; always as long as `keys`.
    events: Vec<E>,
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
            keys: Vec::with_capacity(capacity),
            events: Vec::with_capacity(capacity),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`. O(log n).
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let key = ((time as u128) << 64) | self.next_seq as u128;
        self.next_seq += 1;
        self.push_entry(key, event);
    }

    /// Takes the next `seq` without scheduling anything, for an event that
    /// may be pushed later with [`push_reserved`](Self::push_reserved) and
    /// must then leave as if it had been pushed now. O(1).
    #[inline]
    pub fn reserve(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Schedules `event` at `time` with a `seq` taken by
    /// [`reserve`](Self::reserve) (each reserved `seq` at most once, so keys
    /// stay unique). O(log n).
    #[inline]
    pub fn push_reserved(&mut self, time: SimTime, seq: u64, event: E) {
        debug_assert!(seq < self.next_seq, "seq was not reserved");
        let key = ((time as u128) << 64) | seq as u128;
        self.push_entry(key, event);
    }

    /// Removes and returns the earliest event (ties: the first pushed). O(log n).
    // Always inlined (as is `push_entry`): the run loop is the one hot
    // caller, and the hold-model bench was slower when LLVM kept these out
    // of line.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_keyed()
            .map(|(key, event)| ((key >> 64) as SimTime, event))
    }

    /// Adds `event` with the packed key `key`, moving it up from the end to
    /// its place. Events move as in a hole-based heap (std's `BinaryHeap`):
    /// each parent passed is copied down once and `event` is written once,
    /// where a swap per level would copy every event through a temporary.
    #[inline(always)]
    fn push_entry(&mut self, key: u128, event: E) {
        let mut i = self.keys.len();
        self.keys.push(key);
        self.events.reserve(1);
        let ev = self.events.as_mut_ptr();
        // SAFETY: `events` has room for slot `i` (reserved above) and slots
        // `0..i` are initialised; slot `i` is the hole, and every copy moves
        // an initialised event into the hole and makes its slot the hole
        // (nothing in the loop can panic: indices are below `i + 1`, the
        // length of `keys`). `event` fills the last hole, and the length
        // then covers exactly the initialised slots.
        unsafe {
            while i > 0 {
                let parent = (i - 1) / ARITY;
                let pk = *self.keys.get_unchecked(parent);
                if pk < key {
                    break;
                }
                *self.keys.get_unchecked_mut(i) = pk;
                std::ptr::copy_nonoverlapping(ev.add(parent), ev.add(i), 1);
                i = parent;
            }
            *self.keys.get_unchecked_mut(i) = key;
            std::ptr::write(ev.add(i), event);
            self.events.set_len(self.keys.len());
        }
    }

    /// [`pop`](Self::pop), returning the packed key `(time << 64) | seq`.
    #[inline(always)]
    fn pop_keyed(&mut self) -> Option<(u128, E)> {
        let n = self.keys.len().checked_sub(1)?;
        if n == 0 {
            let key = self.keys.pop()?;
            return self.events.pop().map(|e| (key, e));
        }
        let top = self.keys[0];
        let last_key = self.keys[n];
        let ev = self.events.as_mut_ptr();
        // SAFETY: `n + 1` events are initialised. The top event and the last
        // one are read out and the lengths cut to `n`, so slot 0 is a hole
        // and slot `n` is outside; every copy below moves an initialised
        // event into the hole and makes its slot the hole, and the former
        // last event fills the final hole. Indices stay below `n` (checked
        // by the conditions that select them), and nothing in between can
        // panic.
        unsafe {
            let event = std::ptr::read(ev);
            let last_event = std::ptr::read(ev.add(n));
            self.keys.set_len(n);
            self.events.set_len(n);
            let keys = self.keys.as_mut_ptr();
            // Floyd's bottom-up deletion: walk the hole at the root down to
            // a leaf along the smallest children, then put the former last
            // key there and sift it up; it belongs near the bottom, so this
            // saves a comparison per level.
            let mut i = 0;
            loop {
                let c = ARITY * i + 1;
                let (m, km) = if c + ARITY <= n {
                    let k = [
                        *keys.add(c),
                        *keys.add(c + 1),
                        *keys.add(c + 2),
                        *keys.add(c + 3),
                    ];
                    // The smaller of each pair, then of the two winners,
                    // chosen without branches (which child wins is a coin
                    // flip, so a branch would be mispredicted at every other
                    // level) and by value, so the next level's loads wait on
                    // few operations.
                    let x = k[1] < k[0];
                    let (a, ka) = (x as usize, pick(x, k[1], k[0]));
                    let y = k[3] < k[2];
                    let (b, kb) = (2 + y as usize, pick(y, k[3], k[2]));
                    let z = kb < ka;
                    (c + pick_index(z, b, a), pick(z, kb, ka))
                } else if c < n {
                    let mut best = (c, *keys.add(c));
                    for j in c + 1..n {
                        let kj = *keys.add(j);
                        if kj < best.1 {
                            best = (j, kj);
                        }
                    }
                    best
                } else {
                    break;
                };
                *keys.add(i) = km;
                std::ptr::copy_nonoverlapping(ev.add(m), ev.add(i), 1);
                i = m;
            }
            while i > 0 {
                let parent = (i - 1) / ARITY;
                let pk = *keys.add(parent);
                if pk < last_key {
                    break;
                }
                *keys.add(i) = pk;
                std::ptr::copy_nonoverlapping(ev.add(parent), ev.add(i), 1);
                i = parent;
            }
            *keys.add(i) = last_key;
            std::ptr::write(ev.add(i), last_event);
            Some((top, event))
        }
    }

    /// Schedules `event` at `time` with any `seq` not pending (for
    /// [`WheelQueue`], which numbers events itself). O(log n).
    #[inline(always)]
    fn push_keyed(&mut self, time: SimTime, seq: u64, event: E) {
        let key = ((time as u128) << 64) | seq as u128;
        self.push_entry(key, event);
    }

    /// Removes every pending event, in no particular order, as `(time, seq, event)`.
    fn drain_keyed(&mut self) -> impl Iterator<Item = (SimTime, u64, E)> + '_ {
        self.keys
            .drain(..)
            .zip(self.events.drain(..))
            .map(|(key, event)| ((key >> 64) as SimTime, key as u64, event))
    }

    /// Removes and returns the earliest event if its time is ≤ `horizon`;
    /// otherwise leaves the queue unchanged and returns `None`.
    #[inline(always)]
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        if self.peek_time()? > horizon {
            return None;
        }
        self.pop()
    }

    /// The time of the earliest event, if any. O(1).
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.keys.first().map(|k| (k >> 64) as SimTime)
    }

    /// Number of pending events. O(1).
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no events are pending. O(1).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of events pushed so far (the next `seq`). O(1).
    pub fn pushed(&self) -> u64 {
        self.next_seq
    }
}

/// Buckets of a [`RadixQueue`]: one per bit length of `key ^ last` (1..=128).
const RADIX_BUCKETS: usize = 129;

/// One pending event of a [`RadixQueue`]; its key is `(time << 64) | seq`.
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    #[inline(always)]
    fn key(&self) -> u128 {
        ((self.time as u128) << 64) | self.seq as u128
    }
}

/// Events of type `E` ordered by `(time, seq)`, like [`EventQueue`], kept in a
/// radix heap (Ahuja, Mehlhorn, Orlin & Tarjan, 1990) over the packed key
/// `(time << 64) | seq`.
///
/// A radix heap is a monotone priority queue: it needs every pushed key to be
/// at least the last key popped (`last`). A simulation satisfies this, since
/// `Scheduler` never schedules before `now`, and `seq` grows with every push.
/// An entry with key `k` sits in bucket `bitlen(k ^ last)`, so all entries of
/// a lower bucket have smaller keys than those of a higher one. A pop takes
/// the lowest non-empty bucket, removes its smallest entry (which becomes
/// `last`) and spreads the rest over strictly lower buckets; an entry thus
/// moves at most 128 times, and in practice a few times (the bits in which
/// its time differs from the clock). Buckets are scanned sequentially, which
/// the cache and prefetcher like, instead of walking a heap's dependent loads.
///
/// `seq` is stored as push count + 1, so no stored key ever equals `last`
/// (which starts at 0) and bucket 0 is never used. A push earlier than
/// `last` (not made by `Scheduler`, but allowed, as for [`EventQueue`]) lowers
/// `last` to below it and re-spreads every entry: O(n), but still correct, so
/// the two queues pop the same sequence for any sequence of calls.
pub struct RadixQueue<E> {
    /// `buckets[b]` holds the entries whose key differs from `last` first at
    /// bit `b - 1` (counting from 0 at the least significant bit).
    buckets: Vec<Vec<Entry<E>>>,
    /// Bit `b - 1` is set iff `buckets[b]` is not empty.
    nonempty: u128,
    /// The key of the last popped event (0 before the first pop); every
    /// stored key is greater.
    last: u128,
    len: usize,
    next_seq: u64,
}

impl<E> Default for RadixQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> RadixQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue. `capacity` is accepted for parity with [`EventQueue`];
    /// buckets grow as needed.
    pub fn with_capacity(_capacity: usize) -> Self {
        Self {
            buckets: (0..RADIX_BUCKETS).map(|_| Vec::new()).collect(),
            nonempty: 0,
            last: 0,
            len: 0,
            next_seq: 0,
        }
    }

    /// The bucket of `key` (> `last`): the bit length of `key ^ last`, 1..=128.
    #[inline(always)]
    fn bucket_of(&self, key: u128) -> usize {
        128 - (key ^ self.last).leading_zeros() as usize
    }

    /// Puts `entry`, whose key is greater than `last`, in its bucket.
    #[inline(always)]
    fn place(&mut self, entry: Entry<E>) {
        let b = self.bucket_of(entry.key());
        self.nonempty |= 1u128 << (b - 1);
        self.buckets[b].push(entry);
    }

    /// Schedules `event` at `time`. Amortized O(1) (O(n) if `time` is earlier
    /// than the last event popped).
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        self.next_seq += 1;
        let entry = Entry {
            time,
            seq: self.next_seq,
            event,
        };
        // `last` may be a floor set by `lower_last` rather than a popped key,
        // so a reserved key can equal it.
        if entry.key() <= self.last {
            self.lower_last(entry.key() - 1);
        }
        self.place(entry);
        self.len += 1;
    }

    /// Takes the next `seq` without scheduling anything (as
    /// [`EventQueue::reserve`]). O(1).
    #[inline]
    pub fn reserve(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Schedules `event` at `time` with a `seq` taken by
    /// [`reserve`](Self::reserve) (as [`EventQueue::push_reserved`]).
    #[inline]
    pub fn push_reserved(&mut self, time: SimTime, seq: u64, event: E) {
        debug_assert!(seq <= self.next_seq, "seq was not reserved");
        let entry = Entry { time, seq, event };
        // `last` may be a floor set by `lower_last` rather than a popped key,
        // so a reserved key can equal it.
        if entry.key() <= self.last {
            self.lower_last(entry.key() - 1);
        }
        self.place(entry);
        self.len += 1;
    }

    /// Sets `last` to `floor` (below every stored key) and re-spreads all entries.
    #[cold]
    fn lower_last(&mut self, floor: u128) {
        let mut all = Vec::with_capacity(self.len);
        for bucket in &mut self.buckets {
            all.append(bucket);
        }
        self.nonempty = 0;
        self.last = floor;
        for entry in all {
            self.place(entry);
        }
    }

    /// The lowest non-empty bucket and the index and key of its smallest entry.
    #[inline(always)]
    fn find_min(&self) -> Option<(usize, usize, u128)> {
        if self.nonempty == 0 {
            return None;
        }
        let b = self.nonempty.trailing_zeros() as usize + 1;
        let bucket = &self.buckets[b];
        let mut mi = 0;
        let mut mk = bucket[0].key();
        for (j, entry) in bucket.iter().enumerate().skip(1) {
            let k = entry.key();
            if k < mk {
                mi = j;
                mk = k;
            }
        }
        Some((b, mi, mk))
    }

    /// Removes entry `mi` of bucket `b`, whose key `mk` is the minimum, makes
    /// it `last` and spreads the rest of bucket `b` over lower buckets.
    #[inline(always)]
    fn take(&mut self, b: usize, mi: usize, mk: u128) -> (SimTime, E) {
        let mut bucket = std::mem::take(&mut self.buckets[b]);
        let entry = bucket.swap_remove(mi);
        self.last = mk;
        self.nonempty &= !(1u128 << (b - 1));
        for rest in bucket.drain(..) {
            self.place(rest);
        }
        self.buckets[b] = bucket;
        self.len -= 1;
        (entry.time, entry.event)
    }

    /// Removes and returns the earliest event (ties: the first pushed).
    /// Amortized O(log of the time span of pending events).
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (b, mi, mk) = self.find_min()?;
        Some(self.take(b, mi, mk))
    }

    /// Removes and returns the earliest event if its time is ≤ `horizon`;
    /// otherwise leaves the queue unchanged and returns `None`.
    #[inline(always)]
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        let (b, mi, mk) = self.find_min()?;
        if (mk >> 64) as SimTime > horizon {
            return None;
        }
        Some(self.take(b, mi, mk))
    }

    /// The time of the earliest event, if any. O(size of the lowest bucket).
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.find_min().map(|(_, _, k)| (k >> 64) as SimTime)
    }

    /// Number of pending events. O(1).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no events are pending. O(1).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of events pushed so far (the next `seq`). O(1).
    pub fn pushed(&self) -> u64 {
        self.next_seq
    }
}

/// Bits of time per level of a [`WheelQueue`] (64 slots per level).
const WHEEL_BITS: u32 = 6;
/// Slots per level of a [`WheelQueue`].
const WHEEL_SLOTS: usize = 1 << WHEEL_BITS;
/// A [`WheelQueue`] bucket of at most this many entries is scanned for its
/// earliest time before it is spread.
const WHEEL_SCAN: usize = 16;
/// A [`WheelQueue`] of fewer events is a 4-ary heap ([`EventQueue`]): it
/// becomes a wheel when a push brings it to `WHEEL_FROM` events, and a heap
/// again when a pop leaves it below `HEAP_BELOW`; the gap keeps switches
/// (O(n) each) at most one per 191 operations.
const WHEEL_FROM: usize = 256;
/// See [`WHEEL_FROM`].
const HEAP_BELOW: usize = 65;
/// A spent [`WheelQueue`] bucket buffer of more entries than this is freed,
/// not kept as a spare.
const WHEEL_SPARE_MAX: usize = 4096;
/// Levels of a [`WheelQueue`]: enough digits for any `u64` time (the last
/// level holds the top 4 bits).
const WHEEL_LEVELS: usize = (u64::BITS as usize).div_ceil(WHEEL_BITS as usize);

/// Events of type `E` ordered by `(time, seq)`, like [`EventQueue`], kept in
/// a hierarchical timing wheel over integer time (Varghese & Lauck, 1987):
/// a radix heap (as [`RadixQueue`]) with 64 buckets per 6-bit digit of time
/// instead of one bucket per bit.
///
/// `cur` is a time at or before every wheel entry. An entry with time
/// `t > cur` sits at level `l` = the digit (bits `6l .. 6l + 5`) where `t`
/// first differs from `cur`, in slot `s` = that digit of `t`. Every entry of
/// a lower level, or of a lower slot of the same level, is earlier, and a
/// level-0 slot holds a single time. Events with `t ≤ cur` wait in `near`,
/// a deque sorted by `(time, seq)`, from which pops are taken. When `near`
/// runs dry, the lowest non-empty bucket is taken: a level-0 slot becomes
/// `near` as it is (its events share one time, and are in `seq` order
/// unless a reserved `seq` was used, which a check catches and a sort
/// fixes); a higher slot moves `cur` to its first possible time and
/// spreads its entries over lower levels. An entry therefore moves at most
/// once per level and in practice once or twice (a 2-second increment spans
/// two digits), whatever the time scale: the width of a bucket is set by
/// the distance to `cur`, so events 1 ms and years ahead both land in
/// buckets of a few of their peers. Buckets are plain `Vec`s written and
/// read sequentially; no pop walks a chain of dependent loads.
///
/// Every operation is correct for any sequence of calls: a push at or
/// before `cur` (only `pop_until` moves `cur` past the scheduler's clock,
/// and then by at most one event; or a push into the past) is a binary
/// search and insertion in `near`, O(log n + its distance to an end).
pub struct WheelQueue<E> {
    /// Whether the pending events are in `heap` (fewer than `WHEEL_FROM`)
    /// rather than in `near` and `buckets`.
    small: bool,
    /// The pending events while `small`.
    heap: EventQueue<E>,
    /// `HEAP_BELOW` (0 in tests of the wheel alone: never back to the heap).
    heap_below: usize,
    /// Every pending event with time ≤ `cur`, sorted by `(time, seq)`.
    near: VecDeque<Entry<E>>,
    /// `buckets[64 l + s]`: the entries at level `l`, slot `s`, in push order.
    buckets: Vec<Vec<Entry<E>>>,
    /// Allocations of spent buckets, most recently spent last: an empty
    /// bucket takes one when it is first pushed to, so a sparse queue keeps
    /// writing to a few buffers that are still in cache, and the memory held
    /// follows the number of non-empty buckets, not of buckets ever used.
    spare: Vec<Vec<Entry<E>>>,
    /// Bit `l` is set iff level `l` has a non-empty slot.
    levels: u32,
    /// `slots[l]` has bit `s` set iff bucket `64 l + s` is not empty.
    slots: [u64; WHEEL_LEVELS],
    /// Every entry in `buckets` is later than `cur`; every entry in `near` is not.
    cur: SimTime,
    /// Pending events while not `small`.
    len: usize,
    next_seq: u64,
    /// See [`WheelQueue::last_seq`].
    last_seq: u64,
}

impl<E> Default for WheelQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> WheelQueue<E> {
    /// An empty queue. O(1) (704 empty buckets).
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue. `capacity` is accepted for parity with [`EventQueue`];
    /// buckets grow as needed.
    pub fn with_capacity(_capacity: usize) -> Self {
        Self {
            small: true,
            heap: EventQueue::new(),
            heap_below: HEAP_BELOW,
            near: VecDeque::new(),
            buckets: (0..WHEEL_LEVELS * WHEEL_SLOTS)
                .map(|_| Vec::new())
                .collect(),
            spare: Vec::new(),
            levels: 0,
            slots: [0; WHEEL_LEVELS],
            cur: 0,
            len: 0,
            next_seq: 0,
            last_seq: 0,
        }
    }

    /// An empty queue that is always a wheel, never a heap, for tests.
    #[cfg(test)]
    fn wheel_only() -> Self {
        Self {
            small: false,
            heap_below: 0,
            ..Self::new()
        }
    }

    /// Schedules `event` at `time`. O(1) (O(log n) if `time` ≤ `cur`).
    #[inline(always)]
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert(Entry { time, seq, event });
    }

    /// Takes the next `seq` without scheduling anything (as
    /// [`EventQueue::reserve`]). O(1).
    #[inline]
    pub fn reserve(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Schedules `event` at `time` with a `seq` taken by
    /// [`reserve`](Self::reserve) (as [`EventQueue::push_reserved`]). O(1)
    /// (O(log n) if `time` ≤ `cur`).
    #[inline]
    pub fn push_reserved(&mut self, time: SimTime, seq: u64, event: E) {
        debug_assert!(seq < self.next_seq, "seq was not reserved");
        self.insert(Entry { time, seq, event });
    }

    #[inline(always)]
    fn insert(&mut self, entry: Entry<E>) {
        if self.small {
            self.heap.push_keyed(entry.time, entry.seq, entry.event);
            if self.heap.len() >= WHEEL_FROM {
                self.switch_to_wheel();
            }
            return;
        }
        self.len += 1;
        if entry.time > self.cur {
            self.place(entry);
        } else {
            self.insert_near(entry);
        }
    }

    /// Puts `entry`, whose time is later than `cur`, in its bucket.
    #[inline(always)]
    fn place(&mut self, entry: Entry<E>) {
        let differ = entry.time ^ self.cur;
        let level = (u64::BITS - 1 - differ.leading_zeros()) / WHEEL_BITS;
        let slot = (entry.time >> (level * WHEEL_BITS)) as usize % WHEEL_SLOTS;
        self.levels |= 1 << level;
        self.slots[level as usize] |= 1 << slot;
        let bucket = &mut self.buckets[level as usize * WHEEL_SLOTS + slot];
        if bucket.capacity() == 0
            && let Some(spare) = self.spare.pop()
        {
            *bucket = spare;
        }
        bucket.push(entry);
    }

    /// Puts `entry`, whose time is ≤ `cur`, in its place in `near`.
    #[inline]
    fn insert_near(&mut self, entry: Entry<E>) {
        let key = entry.key();
        match self.near.back() {
            Some(last) if last.key() > key => {
                let i = self.near.partition_point(|e| e.key() < key);
                self.near.insert(i, entry);
            }
            _ => self.near.push_back(entry),
        }
    }

    /// Moves the events from `heap` to the wheel, with `cur` at the earliest.
    #[cold]
    fn switch_to_wheel(&mut self) {
        self.small = false;
        self.len = self.heap.len();
        self.cur = self.heap.peek_time().expect("a heap of WHEEL_FROM events");
        let mut heap = std::mem::take(&mut self.heap);
        for (time, seq, event) in heap.drain_keyed() {
            let entry = Entry { time, seq, event };
            if entry.time > self.cur {
                self.place(entry);
            } else {
                self.insert_near(entry);
            }
        }
        self.heap = heap;
    }

    /// Moves the events from the wheel to `heap`.
    #[cold]
    fn switch_to_heap(&mut self) {
        self.small = true;
        self.len = 0;
        for e in self.near.drain(..) {
            self.heap.push_keyed(e.time, e.seq, e.event);
        }
        while let Some((level, slot)) = self.lowest() {
            self.slots[level as usize] &= !(1 << slot);
            if self.slots[level as usize] == 0 {
                self.levels &= !(1 << level);
            }
            let idx = level as usize * WHEEL_SLOTS + slot as usize;
            let mut bucket = std::mem::take(&mut self.buckets[idx]);
            for e in bucket.drain(..) {
                self.heap.push_keyed(e.time, e.seq, e.event);
            }
            self.recycle(bucket);
        }
    }

    /// Keeps the empty `buffer` as a spare, unless it is large: a large
    /// buffer is freed, so the memory held follows the pending events rather
    /// than the largest bucket each spare has ever been.
    #[inline(always)]
    fn recycle(&mut self, buffer: Vec<Entry<E>>) {
        if buffer.capacity() <= WHEEL_SPARE_MAX {
            self.spare.push(buffer);
        }
    }

    /// The lowest non-empty bucket as `(level, slot)`, if any.
    #[inline(always)]
    fn lowest(&self) -> Option<(u32, u32)> {
        if self.levels == 0 {
            return None;
        }
        let level = self.levels.trailing_zeros();
        Some((level, self.slots[level as usize].trailing_zeros()))
    }

    /// The earliest time bucket `(level, slot)` can hold: `cur`'s digits
    /// above `level`, then `slot`, then zeros.
    #[inline(always)]
    fn bucket_start(&self, level: u32, slot: u32) -> SimTime {
        let shift = level * WHEEL_BITS;
        let above = self
            .cur
            .checked_shr(shift + WHEEL_BITS)
            .map_or(0, |high| high << (shift + WHEEL_BITS));
        above | (slot as SimTime) << shift
    }

    /// Fills the empty `near` from the lowest buckets, if any event is pending.
    #[inline(never)]
    fn refill(&mut self) {
        while self.near.is_empty() {
            let Some((level, slot)) = self.lowest() else {
                return;
            };
            self.slots[level as usize] &= !(1 << slot);
            if self.slots[level as usize] == 0 {
                self.levels &= !(1 << level);
            }
            let idx = level as usize * WHEEL_SLOTS + slot as usize;
            let mut bucket = std::mem::take(&mut self.buckets[idx]);
            // `cur` may move to any time from the bucket's start (which shares
            // `cur`'s digits from `level` up) to its earliest entry: every
            // other bucket's entries then stay where they are. A small bucket
            // is scanned for its earliest time, so that its entries move once
            // (sparse models, where most buckets hold an event or two); a
            // large one is spread from its start in one pass.
            self.cur = if level > 0 && bucket.len() <= WHEEL_SCAN {
                bucket
                    .iter()
                    .map(|e| e.time)
                    .min()
                    .expect("a non-empty bucket")
            } else {
                self.bucket_start(level, slot)
            };
            if level == 0 {
                // One time: the bucket becomes `near` as it is, and the spent
                // `near`'s allocation a spare.
                let spent = std::mem::replace(&mut self.near, VecDeque::from(bucket));
                self.recycle(Vec::from(spent));
            } else {
                for entry in bucket.drain(..) {
                    if entry.time == self.cur {
                        self.near.push_back(entry);
                    } else {
                        self.place(entry);
                    }
                }
                self.recycle(bucket);
            }
        }
        // `near` now holds one time. Entries reach a bucket in `seq` order
        // (a bucket is only spread into empty lower buckets, and later
        // pushes have larger `seq`) unless a reserved `seq` was used.
        if self.near.len() > 1 && !self.near.iter().is_sorted_by_key(|e| e.seq) {
            self.near.make_contiguous().sort_unstable_by_key(|e| e.seq);
        }
    }

    /// Removes and returns the earliest event (ties: the first pushed).
    /// Amortized O(1) per event for a bounded ratio of the longest to the
    /// shortest delay (each entry moves down at most once per level, 11
    /// levels).
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.small {
            return self.pop_heap();
        }
        if self.near.is_empty() {
            self.refill();
        }
        let entry = self.near.pop_front()?;
        self.popped();
        Some((entry.time, entry.event))
    }

    /// [`pop`](Self::pop) while `small`.
    #[inline(always)]
    fn pop_heap(&mut self) -> Option<(SimTime, E)> {
        let (key, event) = self.heap.pop_keyed()?;
        Some(((key >> 64) as SimTime, event))
    }

    /// Counts a pop from the wheel, and goes back to the heap below `heap_below`.
    #[inline(always)]
    fn popped(&mut self) {
        self.len -= 1;
        if self.len < self.heap_below {
            self.switch_to_heap();
        }
    }

    /// Removes and returns the earliest event if its time is ≤ `horizon`;
    /// otherwise leaves the pending events unchanged and returns `None`.
    /// The event's `seq` is then [`last_seq`](Self::last_seq).
    #[inline(always)]
    pub fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        if self.small {
            if self.heap.peek_time()? > horizon {
                return None;
            }
            let (key, event) = self.heap.pop_keyed()?;
            self.last_seq = key as u64;
            return Some(((key >> 64) as SimTime, event));
        }
        if self.near.is_empty() {
            self.refill();
        }
        if self.near.front()?.time > horizon {
            return None;
        }
        let entry = self.near.pop_front()?;
        self.popped();
        self.last_seq = entry.seq;
        Some((entry.time, entry.event))
    }

    /// The `seq` of the event [`pop_until`](Self::pop_until) last returned
    /// (the run loop places its tick by it).
    #[inline(always)]
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The time of the earliest event, if any. O(1), or O(size of the lowest
    /// bucket) when `near` is empty.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        if self.small {
            return self.heap.peek_time();
        }
        if let Some(entry) = self.near.front() {
            return Some(entry.time);
        }
        let (level, slot) = self.lowest()?;
        if level == 0 {
            return Some(self.bucket_start(0, slot));
        }
        let bucket = &self.buckets[level as usize * WHEEL_SLOTS + slot as usize];
        bucket.iter().map(|e| e.time).min()
    }

    /// Number of pending events. O(1).
    pub fn len(&self) -> usize {
        if self.small {
            self.heap.len()
        } else {
            self.len
        }
    }

    /// Whether no events are pending. O(1).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of events pushed so far (the next `seq`). O(1).
    pub fn pushed(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    /// The same tests for both queues: `$name` is a module of tests, `$queue` the type.
    macro_rules! queue_tests {
        ($name:ident, $queue:ident) => {
            mod $name {
                use super::super::*;
                type Q<E> = $queue<E>;

                #[test]
                fn pops_in_time_order() {
                    let mut q = Q::new();
                    for (t, e) in [(30, 'c'), (10, 'a'), (20, 'b'), (5, 'z')] {
                        q.push(t, e);
                    }
                    let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
                    assert_eq!(order, vec![(5, 'z'), (10, 'a'), (20, 'b'), (30, 'c')]);
                }

                #[test]
                fn a_reserved_event_leaves_as_if_pushed_when_reserved() {
                    let mut q = Q::new();
                    q.push(5, 'a');
                    let seq = q.reserve();
                    q.push(5, 'c');
                    q.push(3, 'x');
                    q.push_reserved(5, seq, 'b');
                    let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
                    assert_eq!(order, vec![(3, 'x'), (5, 'a'), (5, 'b'), (5, 'c')]);
                    assert_eq!(q.pushed(), 4);
                }

                #[test]
                fn ties_leave_in_scheduling_order() {
                    let mut q = Q::new();
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
                    let mut q = Q::new();
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

                #[test]
                fn pop_until_leaves_later_events_alone() {
                    let mut q = Q::new();
                    q.push(10, 'a');
                    q.push(50, 'c');
                    assert_eq!(q.pop_until(10), Some((10, 'a')));
                    assert_eq!(q.pop_until(49), None);
                    assert_eq!(q.len(), 1);
                    // Pushes between the horizon and the pending event.
                    q.push(30, 'b');
                    q.push(20, 'x');
                    assert_eq!(q.pop_until(u64::MAX), Some((20, 'x')));
                    assert_eq!(q.pop_until(u64::MAX), Some((30, 'b')));
                    assert_eq!(q.pop_until(u64::MAX), Some((50, 'c')));
                    assert_eq!(q.pop_until(u64::MAX), None);
                }

                /// Against a reference (a sorted list of `(time, seq)`), under random
                /// interleaved pushes and pops, including pushes earlier than events
                /// already popped, at sizes that exercise partial child groups.
                #[test]
                fn matches_a_sorted_reference() {
                    let mut state = 0x1234_5678_9ABC_DEF0u64;
                    let mut draw = |m: u64| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        state % m
                    };
                    for size in [1u64, 2, 3, 4, 5, 6, 17, 64, 300] {
                        let mut q = Q::new();
                        let mut reference: Vec<(SimTime, u64)> = Vec::new();
                        let mut now: SimTime = 0;
                        for step in 0..20_000u64 {
                            let grow = (reference.len() as u64) < size && draw(3) != 0;
                            if grow || reference.is_empty() {
                                let t = if draw(10) == 0 {
                                    now.saturating_sub(draw(50))
                                } else {
                                    now + draw(40)
                                };
                                q.push(t, step);
                                reference.push((t, step));
                                reference.sort_unstable();
                            } else {
                                let want = reference[0];
                                assert_eq!(q.peek_time(), Some(want.0));
                                if draw(4) == 0 {
                                    // A horizon before the earliest event pops nothing.
                                    let h = want.0.checked_sub(1 + draw(5));
                                    if let Some(h) = h {
                                        assert_eq!(q.pop_until(h), None);
                                        continue;
                                    }
                                }
                                let got = if draw(2) == 0 {
                                    q.pop()
                                } else {
                                    q.pop_until(want.0 + draw(3))
                                };
                                assert_eq!(got, Some(want));
                                reference.remove(0);
                                now = want.0;
                            }
                            assert_eq!(q.len(), reference.len());
                        }
                        for want in reference {
                            assert_eq!(q.pop(), Some(want));
                        }
                        assert!(q.is_empty());
                        assert_eq!(q.pop(), None);
                        assert_eq!(q.peek_time(), None);
                    }
                }
            }
        };
    }

    queue_tests!(four_ary, EventQueue);
    queue_tests!(radix, RadixQueue);
    queue_tests!(wheel, WheelQueue);

    use super::*;
    use std::collections::BTreeSet;

    /// A xorshift64 draw in `0..m` (`m > 0`): the tests need no `rand`.
    fn xorshift(state: &mut u64, m: u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state % m
    }

    /// The three queues (the wheel also without its small-size heap) and a
    /// reference (a sorted set of `(time, seq)`), driven by the same random calls: pushes at delays from 0 to years and
    /// to `u64::MAX`, ties, pushes before the last pop (in half the cases),
    /// reserved `seq`s used later and out of order, `pop`, `pop_until` with
    /// horizons before, at and after the next event, `peek_time`, `len`,
    /// `pushed`. The event is the reference's `seq`, so a pop names the event.
    #[test]
    fn all_queues_agree_on_random_call_sequences() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for case in 0..400u64 {
            let draw = &mut |m: u64| xorshift(&mut state, m);
            let monotone = case % 2 == 0;
            let cap = [3u64, 40, 300, 3000][(case % 4) as usize];
            let mut heap = EventQueue::new();
            let mut radix = RadixQueue::new();
            let mut wheel = WheelQueue::new();
            let mut bare = WheelQueue::wheel_only();
            let mut reference: BTreeSet<(SimTime, u64)> = BTreeSet::new();
            let mut next_seq = 0u64;
            // Reserved places: (reference seq, the four queues' seqs).
            let mut reserved: Vec<(u64, u64, u64, u64, u64)> = Vec::new();
            let mut now: SimTime = draw(3) * draw(1 << 40);
            for _ in 0..3000 {
                let op = draw(100);
                if op < 50 && (reference.len() as u64) < cap {
                    let t = match draw(9) {
                        0 => now,
                        1 => now.saturating_add(1 + draw(8)),
                        2 => now.saturating_add(1 + draw(2000)),
                        3 => now.saturating_add(draw(1 << 22)),
                        4 => now.saturating_add(draw(1 << 37)),
                        5 => u64::MAX - draw(3),
                        6 if !monotone => {
                            let bits = draw(40);
                            now.saturating_sub(draw(1 << bits))
                        }
                        _ => now.saturating_add(draw(64)),
                    };
                    if op < 6 && !reserved.is_empty() {
                        let i = draw(reserved.len() as u64) as usize;
                        let (r, sh, sr, sw, sb) = reserved.swap_remove(i);
                        heap.push_reserved(t, sh, r);
                        radix.push_reserved(t, sr, r);
                        wheel.push_reserved(t, sw, r);
                        bare.push_reserved(t, sb, r);
                        reference.insert((t, r));
                    } else {
                        heap.push(t, next_seq);
                        radix.push(t, next_seq);
                        wheel.push(t, next_seq);
                        bare.push(t, next_seq);
                        reference.insert((t, next_seq));
                        next_seq += 1;
                    }
                } else if op < 56 {
                    reserved.push((
                        next_seq,
                        heap.reserve(),
                        radix.reserve(),
                        wheel.reserve(),
                        bare.reserve(),
                    ));
                    next_seq += 1;
                } else if op < 62 {
                    let want = reference.first().map(|&(t, _)| t);
                    assert_eq!(heap.peek_time(), want);
                    assert_eq!(radix.peek_time(), want);
                    assert_eq!(wheel.peek_time(), want);
                    assert_eq!(bare.peek_time(), want);
                } else {
                    let first = reference.first().copied();
                    let horizon = match (draw(4), first) {
                        (0, _) => SimTime::MAX,
                        (1, Some((t, _))) => t.saturating_sub(1 + draw(3)),
                        (2, Some((t, _))) => t.saturating_add(draw(3)),
                        _ => {
                            let bits = draw(40);
                            now.saturating_add(draw(1 << bits))
                        }
                    };
                    let want = first.filter(|&(t, _)| t <= horizon);
                    if let Some(w) = want {
                        reference.remove(&w);
                        now = w.0;
                    }
                    let (got_heap, got_radix, got_wheel, got_bare) =
                        if draw(3) == 0 && horizon == SimTime::MAX {
                            (heap.pop(), radix.pop(), wheel.pop(), bare.pop())
                        } else {
                            (
                                heap.pop_until(horizon),
                                radix.pop_until(horizon),
                                wheel.pop_until(horizon),
                                bare.pop_until(horizon),
                            )
                        };
                    assert_eq!(got_heap, want, "case {case}: 4-ary heap");
                    assert_eq!(got_radix, want, "case {case}: radix heap");
                    assert_eq!(got_wheel, want, "case {case}: wheel");
                    assert_eq!(got_bare, want, "case {case}: wheel only");
                }
                assert_eq!(heap.len(), reference.len());
                assert_eq!(radix.len(), reference.len());
                assert_eq!(wheel.len(), reference.len());
                assert_eq!(wheel.is_empty(), reference.is_empty());
                assert_eq!(bare.len(), reference.len());
                assert_eq!(heap.pushed(), next_seq);
                assert_eq!(radix.pushed(), next_seq);
                assert_eq!(wheel.pushed(), next_seq);
                assert_eq!(bare.pushed(), next_seq);
            }
            for want in reference {
                assert_eq!(heap.pop(), Some(want));
                assert_eq!(radix.pop(), Some(want));
                assert_eq!(wheel.pop(), Some(want));
                assert_eq!(bare.pop(), Some(want));
            }
            assert_eq!(
                (heap.pop(), radix.pop(), wheel.pop(), bare.pop()),
                (None, None, None, None)
            );
        }
    }

    /// The worst cases of a bucketed queue: every event at one time (with
    /// reserved places used in reverse, so the time's bucket is out of `seq`
    /// order), and a few events years ahead of a dense near future.
    #[test]
    fn wheel_handles_one_crowded_time_and_distant_events() {
        let mut q = WheelQueue::new();
        let mut seqs = Vec::new();
        for i in 0..50_000u64 {
            if i % 10 == 0 {
                seqs.push((q.reserve(), i));
            } else {
                q.push(7, i);
            }
        }
        for &(seq, i) in seqs.iter().rev() {
            q.push_reserved(7, seq, i);
        }
        for i in 0..50_000u64 {
            assert_eq!(q.pop(), Some((7, i)));
        }
        assert!(q.is_empty());

        const YEAR_MS: SimTime = 365 * 24 * 3_600_000;
        let mut q = WheelQueue::wheel_only();
        q.push(3 * YEAR_MS, u64::MAX);
        q.push(YEAR_MS + 1, u64::MAX - 1);
        let mut state = 99u64;
        let mut popped = 0;
        let mut now = 0;
        for i in 0..1000u64 {
            q.push(1 + xorshift(&mut state, 2000), i);
        }
        while popped < 100_000 {
            let (t, i) = q.pop().expect("1,002 events stay pending");
            assert!(t >= now && t < YEAR_MS, "popped {t} after {now}");
            now = t;
            q.push(t + 1 + xorshift(&mut state, 2000), i);
            popped += 1;
        }
        assert_eq!(q.len(), 1002);
        assert!(q.peek_time() < Some(YEAR_MS));
        let horizon = YEAR_MS - 1;
        while q.pop_until(horizon).is_some() {}
        assert_eq!(q.len(), 2);
        assert_eq!(q.peek_time(), Some(YEAR_MS + 1));
        assert_eq!(q.pop(), Some((YEAR_MS + 1, u64::MAX - 1)));
        assert_eq!(q.pop(), Some((3 * YEAR_MS, u64::MAX)));
        assert_eq!(q.pop(), None);
    }
}
