//! The M/M/c model of `benches/peers/` in NeXosim 1.0, on its
//! single-threaded executor (`SimInit::with_num_threads(1)`).
//!
//! One model holds the whole system (a NeXosim model is an actor; the
//! servers, the queue and the source share state, so splitting them into
//! actors would only add messages): a self-scheduled `arrive` input whose
//! every call schedules the next arrival, and a self-scheduled `depart`
//! input per job in service. Times are NeXosim's `MonotonicTime`, delays
//! drawn in whole ms (at least 1 ms, as NeXosim only schedules into the
//! future), ChaCha8 streams and `rand_distr`'s `Exp1` as in depinsim. Jobs
//! arriving after the 2-day warmup are counted, with their wait sum and the
//! busy server-time; a query reads the totals at the end. No quantiles, no
//! time series, no billing, no output files.
//!
//!     mmc-nexosim --servers 8 --rate 6 --days 3000 --reps 3

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use nexosim::model::{Context, Model, schedulable};
use nexosim::ports::QuerySource;
use nexosim::simulation::{Mailbox, SimInit};
use nexosim::time::MonotonicTime;

const MS_PER_HOUR: f64 = 3_600_000.0;
const WARMUP_MS: u64 = 2 * 24 * 3_600_000;

#[derive(Serialize, Deserialize)]
pub struct Mmc {
    arrivals: ChaCha8Rng,
    services: ChaCha8Rng,
    gap_ms: f64,
    service_ms: f64,
    free: u32,
    /// Arrival times (ms) of the waiting jobs, FIFO.
    queue: VecDeque<u64>,
    submitted: u64,
    completed: u64,
    wait_sum_ms: f64,
    waits: u64,
    busy_ms: f64,
}

fn draw_ms(rng: &mut ChaCha8Rng, mean_ms: f64) -> u64 {
    let x: f64 = Exp1.sample(rng);
    (x * mean_ms + 0.5) as i64 as u64
}

fn ms_since_epoch(cx: &Context<Mmc>) -> u64 {
    cx.time().duration_since(MonotonicTime::EPOCH).as_millis() as u64
}

#[Model]
impl Mmc {
    fn new(servers: u32, rate_per_h: f64, seed: u64) -> Self {
        Self {
            arrivals: ChaCha8Rng::seed_from_u64(seed),
            services: ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15),
            gap_ms: MS_PER_HOUR / rate_per_h,
            service_ms: MS_PER_HOUR,
            free: servers,
            queue: VecDeque::new(),
            submitted: 0,
            completed: 0,
            wait_sum_ms: 0.0,
            waits: 0,
            busy_ms: 0.0,
        }
    }

    #[nexosim(init)]
    async fn init(&mut self, cx: &Context<Self>) {
        let gap = draw_ms(&mut self.arrivals, self.gap_ms).max(1);
        cx.schedule_event(Duration::from_millis(gap), schedulable!(Self::arrive), ())
            .unwrap();
    }

    #[nexosim(schedulable)]
    async fn arrive(&mut self, _: (), cx: &Context<Self>) {
        let now = ms_since_epoch(cx);
        let gap = draw_ms(&mut self.arrivals, self.gap_ms).max(1);
        cx.schedule_event(Duration::from_millis(gap), schedulable!(Self::arrive), ())
            .unwrap();
        let counted = now >= WARMUP_MS;
        self.submitted += counted as u64;
        if self.free > 0 {
            self.free -= 1;
            if counted {
                self.waits += 1;
            }
            self.start(now, cx);
        } else {
            self.queue.push_back(now);
        }
    }

    /// A job in service since `started` (ms) departs.
    #[nexosim(schedulable)]
    async fn depart(&mut self, started: u64, cx: &Context<Self>) {
        let now = ms_since_epoch(cx);
        self.completed += 1;
        self.busy_ms += (now - started.max(WARMUP_MS).min(now)) as f64;
        if let Some(arrived) = self.queue.pop_front() {
            if arrived >= WARMUP_MS {
                self.wait_sum_ms += (now - arrived) as f64;
                self.waits += 1;
            }
            self.start(now, cx);
        } else {
            self.free += 1;
        }
    }

    fn start(&mut self, now: u64, cx: &Context<Self>) {
        let service = draw_ms(&mut self.services, self.service_ms).max(1);
        cx.schedule_event(
            Duration::from_millis(service),
            schedulable!(Self::depart),
            now,
        )
        .unwrap();
    }

    /// The totals: (submitted, completed, wait sum ms, waits, busy ms).
    pub async fn totals(&mut self) -> (u64, u64, f64, u64, f64) {
        (
            self.submitted,
            self.completed,
            self.wait_sum_ms,
            self.waits,
            self.busy_ms,
        )
    }
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
    let wq = erlang_c(servers, rate) / (servers as f64 - rate);
    println!(
        "NeXosim 1.0, 1 thread; M/M/{servers}, lambda={rate}/h, mean service=1 h, horizon={days} d, warmup=2 d"
    );
    println!(
        "Erlang C: utilization={:.4} mean_wait_h={wq:.4}",
        rate / servers as f64
    );
    for r in 0..reps {
        let mbox = Mailbox::new();
        let mut bench = SimInit::with_num_threads(1);
        let query = QuerySource::new()
            .connect(Mmc::totals, &mbox)
            .register(&mut bench);
        let mut simu = bench
            .add_model(Mmc::new(servers, rate, seed + r as u64), mbox, "mmc")
            .init(MonotonicTime::EPOCH)
            .expect("the bench assembles");
        let horizon = Duration::from_millis((days * 24.0 * MS_PER_HOUR) as u64);
        let t0 = Instant::now();
        simu.step_until(horizon).expect("the run completes");
        let wall = t0.elapsed().as_secs_f64();
        let (submitted, completed, wait_sum, waits, busy) =
            simu.process_query(&query, ()).expect("the totals");
        let window_ms = (days * 24.0 - 48.0) * MS_PER_HOUR;
        println!(
            "rep {r}: jobs_submitted={submitted} jobs_completed={completed} wall_s={wall:.3} \
             jobs_per_s={:.0} utilization={:.4} mean_wait_h={:.4}",
            submitted as f64 / wall,
            busy / (servers as f64 * window_ms),
            wait_sum / waits as f64 / MS_PER_HOUR
        );
    }
}
