//! The M/M/c model of `benches/peers/` as a minimal hand-written event loop:
//! the practical limit of a discrete-event simulation of this model in
//! Rust, against which depinsim's full model is measured.
//!
//! What it does, and nothing more: a `BinaryHeap` of `(time, seq)` keys
//! (integer ms, as depinsim; `seq` breaks ties in scheduling order), two
//! event kinds (arrival, departure), ChaCha8 streams (one for gaps, one for
//! service times) with `rand_distr`'s `Exp1` (the ziggurat depinsim uses),
//! a FIFO queue of arrival times, and, for jobs arriving after the 2-day
//! warmup, a count, a wait sum and the busy server-time. No quantiles, no
//! time series, no billing, no per-workload rows, no output files.
//!
//!     mmc-minimal --servers 8 --rate 6 --days 3000 --reps 3
//!
//! prints one line per replication with `jobs_per_s=` (counted arrivals
//! over the wall time of the loop) and the mean wait and utilization next
//! to Erlang C's.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

const MS_PER_HOUR: f64 = 3_600_000.0;
const WARMUP_MS: u64 = 2 * 24 * 3_600_000;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrival,
    /// A departure; its job arrived at this time (for the busy time).
    Departure {
        started: u64,
    },
}

struct Stats {
    submitted: u64,
    completed: u64,
    wait_sum_ms: f64,
    waits: u64,
    busy_ms: f64,
}

/// An exponential draw of mean `mean_ms`, rounded to whole ms (at least 1
/// for gaps, as depinsim's arrivals).
#[inline]
fn draw_ms(rng: &mut ChaCha8Rng, mean_ms: f64) -> u64 {
    let x: f64 = Exp1.sample(rng);
    (x * mean_ms + 0.5) as i64 as u64
}

fn one_run(
    servers: u32,
    rate_per_h: f64,
    mean_service_h: f64,
    days: f64,
    seed: u64,
) -> (Stats, f64) {
    let horizon = (days * 24.0 * MS_PER_HOUR) as u64;
    let gap_ms = MS_PER_HOUR / rate_per_h;
    let service_ms = mean_service_h * MS_PER_HOUR;
    let mut arrivals = ChaCha8Rng::seed_from_u64(seed);
    let mut services = ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut heap: BinaryHeap<Reverse<(u64, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut free = servers;
    let mut queue: VecDeque<u64> = VecDeque::new();
    let mut st = Stats {
        submitted: 0,
        completed: 0,
        wait_sum_ms: 0.0,
        waits: 0,
        busy_ms: 0.0,
    };
    let t0 = Instant::now();
    heap.push(Reverse((
        draw_ms(&mut arrivals, gap_ms).max(1),
        seq,
        Ev::Arrival,
    )));
    seq += 1;
    while let Some(Reverse((now, _, ev))) = heap.pop() {
        if now > horizon {
            break;
        }
        match ev {
            Ev::Arrival => {
                let next = now + draw_ms(&mut arrivals, gap_ms).max(1);
                heap.push(Reverse((next, seq, Ev::Arrival)));
                seq += 1;
                let counted = now >= WARMUP_MS;
                st.submitted += counted as u64;
                if free > 0 {
                    free -= 1;
                    if counted {
                        st.waits += 1;
                    }
                    let end = now + draw_ms(&mut services, service_ms);
                    heap.push(Reverse((end, seq, Ev::Departure { started: now })));
                    seq += 1;
                } else {
                    queue.push_back(now);
                }
            }
            Ev::Departure { started } => {
                st.completed += 1;
                st.busy_ms += (now - started.max(WARMUP_MS).min(now)) as f64;
                if let Some(arrived) = queue.pop_front() {
                    if arrived >= WARMUP_MS {
                        st.wait_sum_ms += (now - arrived) as f64;
                        st.waits += 1;
                    }
                    let end = now + draw_ms(&mut services, service_ms);
                    heap.push(Reverse((end, seq, Ev::Departure { started: now })));
                    seq += 1;
                } else {
                    free += 1;
                }
            }
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    std::hint::black_box(&st);
    (st, wall)
}

fn erlang_c(c: u32, a: f64) -> f64 {
    let (mut term, mut s) = (1.0, 1.0);
    for k in 1..c {
        term *= a / k as f64;
        s += term;
    }
    let top = term * a / c as f64 * c as f64 / (c as f64 - a);
    top / (s + top)
}

fn main() {
    let mut servers = 8u32;
    let mut rate = 6.0f64;
    let mut days = 3000.0f64;
    let mut reps = 3u32;
    let mut seed = 1u64;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--servers" => servers = v.parse().expect("--servers N"),
            "--rate" => rate = v.parse().expect("--rate λ per hour"),
            "--days" => days = v.parse().expect("--days D"),
            "--reps" => reps = v.parse().expect("--reps N"),
            "--seed" => seed = v.parse().expect("--seed N"),
            _ => panic!("unknown argument {a}"),
        }
    }
    let a = rate * 1.0;
    let wq = erlang_c(servers, a) / (servers as f64 - rate);
    println!(
        "minimal loop; M/M/{servers}, lambda={rate}/h, mean service=1 h, horizon={days} d, warmup=2 d"
    );
    println!(
        "Erlang C: utilization={:.4} mean_wait_h={wq:.4}",
        a / servers as f64
    );
    for r in 0..reps {
        let (st, wall) = one_run(servers, rate, 1.0, days, seed + r as u64);
        let window_ms = (days * 24.0 - 48.0) * MS_PER_HOUR;
        println!(
            "rep {r}: jobs_submitted={} jobs_completed={} wall_s={wall:.3} jobs_per_s={:.0} \
             utilization={:.4} mean_wait_h={:.4}",
            st.submitted,
            st.completed,
            st.submitted as f64 / wall,
            st.busy_ms / (servers as f64 * window_ms),
            st.wait_sum_ms / st.waits as f64 / MS_PER_HOUR
        );
    }
}
