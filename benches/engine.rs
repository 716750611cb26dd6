//! The bare kernel under the classic "hold model" (Vaucher & Duval, 1975;
//! Jones, 1986): a fixed population of N pending events; handling one event
//! schedules it again at `now + increment`. Every handled event is therefore
//! one pop and one push at a steady queue size N, which is the cost a model
//! pays per event on top of its own logic.
//!
//! The increment comes from a SplitMix64 step and a few integer operations
//! inside the handler (no floating point, no `rand`), because we measure the
//! kernel, not the generator.
//!
//! Groups:
//! - `hold`: `Scheduler` + `Handler` + `run_until`, N = 1 000 and 100 000.
//! - `queue_hold`: the same pop/push pattern on `EventQueue` (4-ary heap) alone.
//! - `queue_hold_radix`: the same on `RadixQueue` (radix heap) alone.
//! - `queue_hold_wheel`: the same on `WheelQueue` (hierarchical timing wheel) alone.
//!
//! Each reports `Throughput::Elements(EVENTS_PER_ITER)`, i.e. events/s, over
//! 20 samples (an iteration is ~10^6 events, so 100 would take minutes).
//!
//! Run: `cargo bench --bench engine -- --warm-up-time 1 --measurement-time 5`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use depinsim::engine::{
    EventQueue, Handler, RadixQueue, Scheduler, SimTime, WheelQueue, run_until,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Events handled per criterion iteration.
const EVENTS_PER_ITER: u64 = 1_000_000;
/// The two population sizes of the hold model.
const POPULATIONS: [usize; 2] = [1_000, 100_000];

/// A cheap deterministic increment generator: one SplitMix64 step, then an
/// "exponential-ish" value in 1..=2000 ms. The number of trailing zeros of
/// the high bits is geometric (P(k) = 2^-(k+1)), the low bits add a uniform
/// fraction, so the result is a piecewise-uniform approximation of an
/// exponential (mean ~ 300 ms), clamped to 2000.
#[derive(Clone)]
struct Incr(u64);

impl Incr {
    #[inline(always)]
    fn next(&mut self) -> SimTime {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // k in 0..=31 (geometric, mean 1); frac in 0..200 (uniform).
        let k = ((z >> 32) as u32 | (1 << 31)).trailing_zeros() as u64;
        let frac = ((z & 0xFFFF_FFFF) * 200) >> 32;
        (1 + k * 200 + frac).min(2000)
    }
}

/// The hold-model handler: every event is rescheduled after an increment.
struct Hold {
    incr: Incr,
}

impl Handler<u32> for Hold {
    #[inline]
    fn handle(&mut self, event: u32, sched: &mut Scheduler<u32>) {
        let dt = self.incr.next();
        sched.after(dt, event);
    }
}

/// A scheduler holding `n` events at the steady state, the handler, and the
/// simulated span that holds about `EVENTS_PER_ITER` events.
fn primed(n: usize) -> (Scheduler<u32>, Hold, SimTime) {
    let mut hold = Hold {
        incr: Incr(0x5EED_0000_0000_0000 ^ n as u64),
    };
    let mut sched = Scheduler::new();
    for i in 0..n {
        sched.at(hold.incr.next(), i as u32);
    }
    // Warm up to the steady state (every event handled several times), and
    // measure the event rate per simulated ms on the way.
    let warm: SimTime = 20_000;
    let handled = run_until(&mut hold, &mut sched, warm);
    let per_ms = handled as f64 / warm as f64;
    let span = (EVENTS_PER_ITER as f64 / per_ms).round().max(1.0) as SimTime;
    (sched, hold, span)
}

fn bench_hold(c: &mut Criterion) {
    let mut g = c.benchmark_group("hold");
    g.sample_size(20);
    g.throughput(Throughput::Elements(EVENTS_PER_ITER));
    for &n in &POPULATIONS {
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            let (mut sched, mut hold, span) = primed(n);
            // `run_until` stops at a simulated time, not a count, so one
            // iteration handles ~EVENTS_PER_ITER events (±0.1 %); the time
            // reported is rescaled to exactly EVENTS_PER_ITER per iteration.
            b.iter_custom(|iters| {
                let mut handled = 0u64;
                let start = Instant::now();
                for _ in 0..iters {
                    let horizon = sched.now() + span;
                    handled += run_until(&mut hold, &mut sched, horizon);
                }
                let elapsed = start.elapsed();
                black_box(sched.pending());
                scale(elapsed, iters * EVENTS_PER_ITER, handled)
            });
        });
    }
    g.finish();
}

/// `elapsed` × `wanted` / `got`: the time `wanted` events would have taken.
fn scale(elapsed: Duration, wanted: u64, got: u64) -> Duration {
    let nanos = elapsed.as_nanos() as f64 * wanted as f64 / got.max(1) as f64;
    Duration::from_nanos(nanos as u64)
}

/// `queue_hold` for one queue type: `$group` is the criterion group name.
macro_rules! queue_hold {
    ($fn:ident, $group:literal, $queue:ident) => {
        fn $fn(c: &mut Criterion) {
            let mut g = c.benchmark_group($group);
            g.sample_size(20);
            g.throughput(Throughput::Elements(EVENTS_PER_ITER));
            for &n in &POPULATIONS {
                g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
                    let mut incr = Incr(0xC0FF_EE00_0000_0000 ^ n as u64);
                    let mut q = $queue::with_capacity(n);
                    for i in 0..n {
                        q.push(incr.next(), i as u32);
                    }
                    let mut step = |q: &mut $queue<u32>| {
                        let (t, e) = q.pop().expect("the population is constant");
                        q.push(t + incr.next(), e);
                    };
                    for _ in 0..(20 * n) {
                        step(&mut q);
                    }
                    b.iter(|| {
                        for _ in 0..EVENTS_PER_ITER {
                            step(&mut q);
                        }
                        black_box(q.len())
                    });
                });
            }
            g.finish();
        }
    };
}

queue_hold!(bench_queue_hold, "queue_hold", EventQueue);
queue_hold!(bench_queue_hold_radix, "queue_hold_radix", RadixQueue);
queue_hold!(bench_queue_hold_wheel, "queue_hold_wheel", WheelQueue);

criterion_group!(
    benches,
    bench_hold,
    bench_queue_hold,
    bench_queue_hold_radix,
    bench_queue_hold_wheel
);
criterion_main!(benches);
