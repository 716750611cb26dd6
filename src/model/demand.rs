//! Demand: job arrivals and job attributes per workload. Every workload draws
//! from its own named streams (times, durations, prices), so every design and
//! every sweep point that leaves a workload alone sees the same jobs. A
//! trace-replay workload takes its jobs from its trace instead, in order.

use crate::engine::{MS_PER_HOUR, Rng, SimTime, Streams};
use crate::scenario::{Arrivals, MAX_BATCH, Mmpp, Sampler, TraceJob, Workload};
use rand::Rng as _;
use rand_distr::{Distribution, Exp1};
use std::sync::Arc;

const MS_PER_DAY: f64 = 24.0 * MS_PER_HOUR as f64;

/// Arrivals later than this (about 3,000 years) never happen: a declining
/// growth law may push the next one to infinity.
const MAX_TIME_MS: f64 = 1e14;

pub use crate::scenario::MAX_FRAMES;

/// One job's attributes as drawn at arrival.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobDraw {
    /// Work, in ms on its GPUs.
    pub work_ms: SimTime,
    /// The most the user pays per GPU-hour, USD.
    pub max_price: f64,
    /// Frames of a render job (its per-frame work is in
    /// [`Demand::frame_work`]); 0 for other kinds.
    pub frames: u32,
    /// GPUs it takes at once (the workload's, or its trace row's).
    pub gpus: u32,
    /// Acceptable classes as a bitmask (the workload's, or its trace row's).
    pub class_mask: u64,
}

struct Stream {
    arrivals: Arrivals,
    /// Upper bound of the rate, per ms (for thinning).
    rate_max_per_ms: f64,
    times: Rng,
    durations: Rng,
    prices: Rng,
    frames: Rng,
    /// Trace replay: the jobs, and the index of the next one to arrive.
    trace: Option<Arc<[TraceJob]>>,
    next: usize,
    /// An MMPP's current state (`None`: the rate is `rate_max_per_ms`).
    modulation: Option<Modulation>,
    /// Jobs per arrival and their stream `batch/<workload>`; jobs of the
    /// current batch still to arrive.
    batch: Option<(Sampler, Rng)>,
    batch_left: u32,
    /// A plain Poisson process: no trace, growth, MMPP, daily cycle or
    /// batches, so the next arrival is one exponential gap (the same draws
    /// and arithmetic as the general path, without its tests).
    plain: bool,
}

/// The state of a workload's Markov-modulated Poisson process, drawn from
/// its own stream `mmpp/<workload>` (so the arrival stream's numbers are
/// the same whatever the states do).
struct Modulation {
    /// Per state: the thinning bound of its rate, per ms (rate × (1 + a)),
    /// and its mean sojourn, ms.
    rate_max_per_ms: Vec<f64>,
    mean_sojourn_ms: Vec<f64>,
    state: usize,
    /// When the current state ends, ms.
    until: f64,
    rng: Rng,
}

impl Modulation {
    /// Starts `m` in a state drawn from its stationary law (so the process
    /// is stationary from t = 0) for an exponential sojourn.
    fn new(m: &Mmpp, amplitude: f64, mut rng: Rng) -> Self {
        let pi = m.stationary();
        let x: f64 = rng.random();
        let mut acc = 0.0;
        let mut state = pi.len() - 1;
        for (i, p) in pi.iter().enumerate() {
            acc += p;
            if x < acc {
                state = i;
                break;
            }
        }
        let mean_sojourn_ms: Vec<f64> = m.states.iter().map(|s| s.mean_sojourn as f64).collect();
        let e: f64 = Exp1.sample(&mut rng);
        Self {
            rate_max_per_ms: (m.states.iter())
                .map(|s| s.rate_per_hour * (1.0 + amplitude) / MS_PER_HOUR as f64)
                .collect(),
            until: e * mean_sojourn_ms[state],
            mean_sojourn_ms,
            state,
            rng,
        }
    }

    /// Jumps, at `until`, to one of the other states (each equally likely)
    /// and draws how long it lasts.
    fn jump(&mut self) {
        let n = self.rate_max_per_ms.len();
        let r = self.rng.random_range(0..n - 1);
        self.state = if r >= self.state { r + 1 } else { r };
        let e: f64 = Exp1.sample(&mut self.rng);
        self.until += e * self.mean_sojourn_ms[self.state];
    }
}

impl Stream {
    /// The first arrival after `now` (Poisson or MMPP; growth by time
    /// change: the gaps are laid out in the growth's cumulative time `G`
    /// and mapped back by `G⁻¹`; a daily cycle by thinning, Lewis &
    /// Shedler 1979; an MMPP state that ends before the next candidate is
    /// left at its end, and the draw starts again from there, which is
    /// exact since the gaps are memoryless). A declining rate whose total
    /// is used up gives `SimTime::MAX` (no more arrivals).
    #[inline]
    fn next_time(&mut self, now: SimTime) -> SimTime {
        if self.plain {
            let gap: f64 = Exp1.sample(&mut self.times);
            let next = now as f64 + gap / self.rate_max_per_ms;
            if next.is_nan() || next >= MAX_TIME_MS {
                return SimTime::MAX;
            }
            return round_ms(next).max(now + 1);
        }
        self.next_time_general(now)
    }

    /// [`Stream::next_time`] for any process.
    #[inline(never)]
    fn next_time_general(&mut self, now: SimTime) -> SimTime {
        let mut t = now as f64;
        // Growth: the position in G-time, G(now).
        let mut u = self.arrivals.growth.as_ref().map(|g| g.cumulative(t));
        loop {
            let gap: f64 = Exp1.sample(&mut self.times);
            let rate = match &self.modulation {
                Some(m) => m.rate_max_per_ms[m.state],
                None => self.rate_max_per_ms,
            };
            let next = match (&self.arrivals.growth, u) {
                (Some(g), Some(u)) => g.inverse(u + gap / rate),
                _ => t + gap / rate,
            };
            if let Some(m) = &mut self.modulation
                && (next.is_nan() || next >= m.until)
            {
                // The state ends first: restart from its end in the next one.
                t = m.until;
                u = self.arrivals.growth.as_ref().map(|g| g.cumulative(t));
                m.jump();
                continue;
            }
            if next.is_nan() || next >= MAX_TIME_MS {
                return SimTime::MAX;
            }
            t = next;
            if let Some(u) = &mut u {
                *u += gap / rate;
            }
            let a = self.arrivals.diurnal_amplitude;
            if a == 0.0 {
                break;
            }
            let phase = 2.0
                * std::f64::consts::PI
                * (t / MS_PER_DAY - self.arrivals.diurnal_peak_hour / 24.0);
            let accept = (1.0 + a * phase.cos()) / (1.0 + a);
            if self.times.random::<f64>() < accept {
                break;
            }
        }
        // At least 1 ms later, so a run always advances.
        round_ms(t).max(now + 1)
    }
}

/// `t` (≥ 0, below 2^63 ms) rounded to the nearest ms: adding ½ and
/// truncating rounds without a libm call, and through `i64` the cast is
/// one instruction on x86-64 (a cast to `u64` is a branchy sequence
/// there); both casts agree on every value in range.
#[inline(always)]
fn round_ms(t: f64) -> SimTime {
    (t + 0.5) as i64 as SimTime
}

/// The arrival generators of all workloads of one run.
pub struct Demand {
    streams: Vec<Stream>,
    /// Work of each frame of the last render job drawn, ms on one GPU.
    pub frame_work: Vec<SimTime>,
}

impl Demand {
    /// Generators for `workloads`, drawing from `streams`.
    pub fn new(workloads: &[Workload], streams: &Streams) -> Self {
        Self {
            streams: workloads
                .iter()
                .map(|w| Stream {
                    arrivals: w.arrivals.clone(),
                    rate_max_per_ms: w.arrivals.rate_per_hour
                        * (1.0 + w.arrivals.diurnal_amplitude)
                        / MS_PER_HOUR as f64,
                    times: streams.stream(&format!("arrivals/{}", w.name)),
                    durations: streams.stream(&format!("durations/{}", w.name)),
                    prices: streams.stream(&format!("prices/{}", w.name)),
                    frames: streams.stream(&format!("frames/{}", w.name)),
                    trace: w.trace.clone(),
                    next: 0,
                    modulation: w.arrivals.mmpp.as_ref().map(|m| {
                        let rng = streams.stream(&format!("mmpp/{}", w.name));
                        Modulation::new(m, w.arrivals.diurnal_amplitude, rng)
                    }),
                    batch: (w.arrivals.batch.clone())
                        .map(|b| (b, streams.stream(&format!("batch/{}", w.name)))),
                    batch_left: 0,
                    plain: w.trace.is_none()
                        && w.arrivals.growth.is_none()
                        && w.arrivals.mmpp.is_none()
                        && w.arrivals.batch.is_none()
                        && w.arrivals.diurnal_amplitude == 0.0,
                })
                .collect(),
            frame_work: Vec::new(),
        }
    }

    /// The next arrival of workload `w` after `now`: of the batch in
    /// progress, at `now`; else the first arrival after `now` (see
    /// [`Stream::next_time`]), which draws the size of its batch.
    /// A trace's next job arrives at its submit time (jobs submitted at the
    /// same time arrive in file order at that time); after its last job,
    /// never (`SimTime::MAX`).
    #[inline]
    pub fn next_arrival(&mut self, w: usize, now: SimTime) -> SimTime {
        let s = &mut self.streams[w];
        if s.plain {
            return s.next_time(now);
        }
        Self::next_arrival_general(s, now)
    }

    /// [`Demand::next_arrival`] for any process.
    #[inline(never)]
    fn next_arrival_general(s: &mut Stream, now: SimTime) -> SimTime {
        if let Some(jobs) = &s.trace {
            return jobs
                .get(s.next)
                .map_or(SimTime::MAX, |j| j.submit_ms.max(now));
        }
        if s.batch_left > 0 {
            s.batch_left -= 1;
            return now;
        }
        let t = s.next_time(now);
        if let Some((size, rng)) = &mut s.batch
            && t != SimTime::MAX
        {
            // ≥ 0: adding ½ and truncating rounds; at least one job.
            let n = ((size.sample(rng) + 0.5) as u32).clamp(1, MAX_BATCH);
            s.batch_left = n - 1;
        }
        t
    }

    /// The attributes of the next job of workload `w`. A render job's frames
    /// each draw their work; `work_ms` is then the job's run time on its
    /// gang, the total work spread evenly over its GPUs.
    pub fn draw_job(&mut self, w: usize, wl: &Workload) -> JobDraw {
        let s = &mut self.streams[w];
        self.frame_work.clear();
        if let Some(jobs) = &s.trace {
            let job = jobs[s.next];
            s.next += 1;
            return Self::trace_job(s, wl, job, &mut self.frame_work);
        }
        let (work_ms, frames) = match &wl.frames {
            None => (wl.duration.sample_ms(&mut s.durations, 1), 0),
            Some(f) => {
                // ≥ 0: adding ½ and truncating rounds; at least one frame.
                let n = ((f.sample(&mut s.frames) + 0.5) as u32).clamp(1, MAX_FRAMES);
                let mut total = 0;
                for _ in 0..n {
                    let x = wl.duration.sample_ms(&mut s.durations, 1);
                    total += x;
                    self.frame_work.push(x);
                }
                (total.div_ceil(wl.gpus as u64), n)
            }
        };
        JobDraw {
            work_ms,
            max_price: wl.max_price.sample(&mut s.prices),
            frames,
            gpus: wl.gpus,
            class_mask: wl.class_mask,
        }
    }

    /// A trace job as drawn: its row's values; its price from the
    /// workload when the row has none; a render job's frames drawn from the
    /// workload and its work (run time × GPUs) split evenly over them.
    fn trace_job(
        s: &mut Stream,
        wl: &Workload,
        job: TraceJob,
        frame_work: &mut Vec<SimTime>,
    ) -> JobDraw {
        let frames = match &wl.frames {
            None => 0,
            Some(f) => {
                // ≥ 0: adding ½ and truncating rounds; at least one frame.
                let n = ((f.sample(&mut s.frames) + 0.5) as u32).clamp(1, MAX_FRAMES);
                let total = job.work_ms * job.gpus as u64;
                let (each, extra) = (total / n as u64, total % n as u64);
                frame_work.extend((0..n as u64).map(|i| each + u64::from(i < extra)));
                n
            }
        };
        JobDraw {
            work_ms: job.work_ms,
            max_price: job
                .max_price
                .unwrap_or_else(|| wl.max_price.sample(&mut s.prices)),
            frames,
            gpus: job.gpus,
            class_mask: job.class_mask,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Sampler, WorkloadKind};

    fn workload(rate_per_hour: f64, amplitude: f64, peak_hour: f64) -> Workload {
        Workload {
            name: "w".into(),
            kind: WorkloadKind::Training,
            arrivals: Arrivals {
                rate_per_hour,
                diurnal_amplitude: amplitude,
                diurnal_peak_hour: peak_hour,
                growth: None,
                mmpp: None,
                batch: None,
            },
            duration: Sampler::Fixed(1.0),
            gpus: 1,
            class_mask: 1,
            max_price: Sampler::Fixed(1.0),
            checkpoint_every: None,
            frames: None,
            audited_only: false,
            trace: None,
        }
    }

    /// Arrival counts per hour of the day over `days` days.
    fn hourly_counts(w: &Workload, days: u64) -> Vec<f64> {
        let mut d = Demand::new(std::slice::from_ref(w), &Streams::new(21));
        let mut counts = vec![0.0; 24];
        let end = days * 24 * MS_PER_HOUR;
        let mut t = d.next_arrival(0, 0);
        while t < end {
            counts[((t / MS_PER_HOUR) % 24) as usize] += 1.0;
            t = d.next_arrival(0, t);
        }
        counts
    }

    #[test]
    fn daily_cycle_follows_the_cosine_and_keeps_the_mean_rate() {
        let (rate, a, peak, days) = (10.0, 0.5, 14.0, 2_000u64);
        let counts = hourly_counts(&workload(rate, a, peak), days);
        let two_pi = 2.0 * std::f64::consts::PI;
        for (h, &n) in counts.iter().enumerate() {
            // ∫ over hour h of rate·(1 + a·cos(2π(t − peak)/24)) dt, times days.
            let x0 = two_pi * (h as f64 - peak) / 24.0;
            let x1 = two_pi * (h as f64 + 1.0 - peak) / 24.0;
            let expected = days as f64 * rate * (1.0 + a * 24.0 / two_pi * (x1.sin() - x0.sin()));
            // Poisson: sd = sqrt(mean); 5 sd bounds a false alarm below 1e-6 per hour.
            assert!(
                (n - expected).abs() < 5.0 * expected.sqrt(),
                "hour {h}: {n} vs {expected}"
            );
        }
        let total: f64 = counts.iter().sum();
        let expected = days as f64 * 24.0 * rate;
        assert!(
            (total - expected).abs() < 5.0 * expected.sqrt(),
            "{total} vs {expected}"
        );
        assert!(
            counts[14] > 1.4 * counts[2],
            "peak at 14:00, trough at 02:00"
        );
    }

    #[test]
    fn flat_arrivals_are_poisson() {
        // Counts per hour of a Poisson process: mean = variance = rate.
        let w = workload(30.0, 0.0, 14.0);
        let mut d = Demand::new(std::slice::from_ref(&w), &Streams::new(4));
        let hours = 20_000usize;
        let mut counts = vec![0.0f64; hours];
        let mut t = d.next_arrival(0, 0);
        while t < hours as u64 * MS_PER_HOUR {
            counts[(t / MS_PER_HOUR) as usize] += 1.0;
            t = d.next_arrival(0, t);
        }
        let n = hours as f64;
        let mean = counts.iter().sum::<f64>() / n;
        let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0);
        // sd of the mean: sqrt(30/20000) ≈ 0.039; of the variance ≈ 30·sqrt(2/n) ≈ 0.30.
        assert!((mean - 30.0).abs() < 0.2, "mean {mean}");
        assert!((var - 30.0).abs() < 1.5, "variance {var}");
    }

    /// Arrivals of `w` in each of `windows` equal windows of `[0, end)`.
    fn window_counts(w: &Workload, seed: u64, end: SimTime, windows: usize) -> Vec<f64> {
        let mut d = Demand::new(std::slice::from_ref(w), &Streams::new(seed));
        let mut counts = vec![0.0; windows];
        let mut t = d.next_arrival(0, 0);
        while t < end {
            counts[(t as u128 * windows as u128 / end as u128) as usize] += 1.0;
            t = d.next_arrival(0, t);
        }
        counts
    }

    /// ∫ rate·g(t)·(1 + a·cos(2π(t_h − peak)/24)) dt over [t0, t1] (ms), by
    /// Simpson's rule with 96 steps a day (the cycle and g are smooth).
    fn expected_arrivals(w: &Workload, t0: f64, t1: f64) -> f64 {
        let a = &w.arrivals;
        let n = (((t1 - t0) / MS_PER_DAY * 96.0) as usize).max(2) & !1;
        let h = (t1 - t0) / n as f64;
        let rate = |t: f64| {
            let g = a.growth.as_ref().map_or(1.0, |g| g.factor(t));
            let phase = 2.0 * std::f64::consts::PI * (t / MS_PER_DAY - a.diurnal_peak_hour / 24.0);
            a.rate_per_hour / MS_PER_HOUR as f64 * g * (1.0 + a.diurnal_amplitude * phase.cos())
        };
        let mut s = rate(t0) + rate(t1);
        for i in 1..n {
            s += if i % 2 == 1 { 4.0 } else { 2.0 } * rate(t0 + i as f64 * h);
        }
        s * h / 3.0
    }

    #[test]
    fn growing_arrivals_match_the_integral_of_the_rate() {
        use crate::model::growth::{Growth, MS_PER_YEAR};
        let laws = [
            ("exp +80%/year", Growth::exp(1.8, MS_PER_YEAR), 0.0),
            ("exp -3%/month", Growth::exp(0.97, MS_PER_YEAR / 12.0), 0.0),
            ("logistic k = 2/year to 4", Growth::logistic(2.0, 4.0), 0.0),
            (
                "table 1 -> 3 (6 months) -> 2 (1 year)",
                Growth::table(&[(0.0, 1.0), (0.5 * MS_PER_YEAR, 3.0), (MS_PER_YEAR, 2.0)]),
                0.0,
            ),
            (
                "exp +80%/year with a ±50% daily cycle",
                Growth::exp(1.8, MS_PER_YEAR),
                0.5,
            ),
        ];
        let end = (2.0 * MS_PER_YEAR) as SimTime;
        let windows = 8;
        for (seed, (name, g, amplitude)) in laws.into_iter().enumerate() {
            let mut w = workload(5.0, amplitude, 14.0);
            w.arrivals.growth = Some(g.clone());
            let counts = window_counts(&w, 30 + seed as u64, end, windows);
            let mut zs = Vec::new();
            for (i, &n) in counts.iter().enumerate() {
                let (t0, t1) = (
                    (i as u64 * end / windows as u64) as f64,
                    ((i as u64 + 1) * end / windows as u64) as f64,
                );
                let exact = 5.0 / MS_PER_HOUR as f64 * (g.cumulative(t1) - g.cumulative(t0));
                let expected = expected_arrivals(&w, t0, t1);
                if amplitude == 0.0 {
                    // The quadrature and the closed form agree (a check of the test).
                    assert!(
                        (expected - exact).abs() < 1e-6 * exact,
                        "{name}: {expected} vs {exact}"
                    );
                }
                // A window's count is Poisson: sd = sqrt(mean); 4 sd.
                let z = (n - expected) / expected.sqrt();
                assert!(
                    z.abs() < 4.0,
                    "{name}, window {i}: {n} vs {expected:.1} (z = {z:.2})"
                );
                zs.push(z);
            }
            let total: f64 = counts.iter().sum();
            let expected = expected_arrivals(&w, 0.0, end as f64);
            let z = (total - expected) / expected.sqrt();
            assert!(z.abs() < 4.0, "{name}: {total} vs {expected:.1}");
            eprintln!(
                "{name}: {total} arrivals in 2 years, expected {expected:.1} (z = {z:+.2}); windows z in [{:+.2}, {:+.2}]",
                zs.iter().cloned().fold(f64::INFINITY, f64::min),
                zs.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
            );
        }
    }

    /// Mean and sample sd of the job count over `[0, end)` in `reps`
    /// independent runs of `w`, and the index of dispersion (variance /
    /// mean) of its daily counts in the first run.
    fn replicated_counts(w: &Workload, reps: u64, end: SimTime) -> (f64, f64, f64) {
        let days = (end / (24 * MS_PER_HOUR)) as usize;
        let mut totals = Vec::new();
        let mut dispersion = 0.0;
        for r in 0..reps {
            let daily = window_counts(w, 1000 + r, end, days);
            if r == 0 {
                let m = daily.iter().sum::<f64>() / days as f64;
                let v = daily.iter().map(|c| (c - m).powi(2)).sum::<f64>() / (days as f64 - 1.0);
                dispersion = v / m;
            }
            totals.push(daily.iter().sum::<f64>());
        }
        let n = reps as f64;
        let mean = totals.iter().sum::<f64>() / n;
        let sd = (totals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        (mean, sd, dispersion)
    }

    fn mmpp(states: &[(f64, f64)]) -> Mmpp {
        Mmpp {
            states: (states.iter())
                .map(|&(rate, sojourn_h)| crate::scenario::MmppState {
                    rate_per_hour: rate,
                    mean_sojourn: (sojourn_h * MS_PER_HOUR as f64) as SimTime,
                })
                .collect(),
        }
    }

    #[test]
    fn mmpp_arrivals_match_the_stationary_rate() {
        // Student t(0.9995, 39) = 3.558: a 99.9% interval over 40 replicates.
        let t999 = 3.558;
        let cases = [
            // Calm 2/h for 20 h on average, bursts of 30/h for 4 h:
            // π = (20, 4)/24, rate = (2·20 + 30·4)/24 = 6.667/h.
            (vec![(2.0, 20.0), (30.0, 4.0)], 0.0),
            // Off 12 h, 10/h for 6 h, 50/h for 1 h: (0 + 60 + 50)/19.
            (vec![(0.0, 12.0), (10.0, 6.0), (50.0, 1.0)], 0.0),
            // The same calm/burst process under a ±40% daily cycle, whose
            // mean over whole days is 1.
            (vec![(2.0, 20.0), (30.0, 4.0)], 0.4),
        ];
        let end = 1000 * 24 * MS_PER_HOUR;
        for (states, amplitude) in cases {
            let m = mmpp(&states);
            let mut w = workload(1.0, amplitude, 14.0);
            w.arrivals.rate_per_hour = m.stationary_rate_per_hour();
            w.arrivals.mmpp = Some(m.clone());
            let exact = m.stationary_rate_per_hour() * 24_000.0;
            let (mean, sd, dispersion) = replicated_counts(&w, 40, end);
            let half = t999 * sd / 40f64.sqrt();
            eprintln!(
                "MMPP {states:?}, a = {amplitude}: {mean:.1} ± {half:.1} jobs in 1000 d, exact {exact:.1}; daily dispersion {dispersion:.1}"
            );
            assert!((mean - exact).abs() <= half, "{mean} ± {half} vs {exact}");
            assert!(half < 0.03 * exact, "interval too wide to tell: {half}");
            // Bursty: daily counts vary far more than a Poisson's (1).
            assert!(dispersion > 3.0, "dispersion {dispersion}");
        }
    }

    #[test]
    fn batches_arrive_together_and_multiply_the_mean() {
        let end = 2000 * MS_PER_HOUR;
        for (batch, mean_n, mean_n2) in [
            (Sampler::Fixed(5.0), 5.0, 25.0),
            // Uniform(0.5, 9.5) rounds to 1..9 equally: E[N] = 5, E[N²] = 285/9.
            (
                crate::scenario::DistSpec::<f64>::Uniform {
                    low: 0.5,
                    high: 9.5,
                }
                .resolve()
                .unwrap(),
                5.0,
                285.0 / 9.0,
            ),
        ] {
            let mut w = workload(4.0, 0.0, 14.0);
            w.arrivals.batch = Some(batch);
            let mut d = Demand::new(std::slice::from_ref(&w), &Streams::new(8));
            let (mut jobs, mut groups, mut run, mut last) = (0.0f64, 0.0f64, 0u32, SimTime::MAX);
            let mut t = d.next_arrival(0, 0);
            while t < end {
                jobs += 1.0;
                if t == last {
                    run += 1;
                } else {
                    groups += 1.0;
                    run = 1;
                }
                assert!(run <= 9, "a batch is at most 9 jobs");
                last = t;
                t = d.next_arrival(0, t);
            }
            // Compound Poisson: mean λT·E[N], variance λT·E[N²]; 4 sd.
            let lt: f64 = 4.0 * 2000.0;
            let (expected, sd) = (lt * mean_n, (lt * mean_n2).sqrt());
            assert!((jobs - expected).abs() < 4.0 * sd, "{jobs} vs {expected}");
            assert!(
                (groups - lt).abs() < 4.0 * lt.sqrt(),
                "{groups} batches vs {lt}"
            );
            eprintln!(
                "batch mean {mean_n}: {jobs} jobs in {groups} batches, expected {expected} ± {sd:.0}"
            );
        }
    }
}
