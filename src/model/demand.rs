//! Demand: job arrivals and job attributes per workload. Every workload draws
//! from its own named streams (times, durations, prices), so every design and
//! every sweep point that leaves a workload alone sees the same jobs.

use crate::engine::{MS_PER_HOUR, Rng, SimTime, Streams};
use crate::scenario::{Arrivals, Workload};
use rand::Rng as _;
use rand_distr::{Distribution, Exp1};

const MS_PER_DAY: f64 = 24.0 * MS_PER_HOUR as f64;

/// One job's attributes as drawn at arrival.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobDraw {
    /// Work, in ms on its GPUs.
    pub work_ms: SimTime,
    /// The most the user pays per GPU-hour, USD.
    pub max_price: f64,
}

struct Stream {
    arrivals: Arrivals,
    /// Upper bound of the rate, per ms (for thinning).
    rate_max_per_ms: f64,
    times: Rng,
    durations: Rng,
    prices: Rng,
}

/// The arrival generators of all workloads of one run.
pub struct Demand {
    streams: Vec<Stream>,
}

impl Demand {
    /// Generators for `workloads`, drawing from `streams`.
    pub fn new(workloads: &[Workload], streams: &Streams) -> Self {
        Self {
            streams: workloads
                .iter()
                .map(|w| Stream {
                    arrivals: w.arrivals,
                    rate_max_per_ms: w.arrivals.rate_per_hour
                        * (1.0 + w.arrivals.diurnal_amplitude)
                        / MS_PER_HOUR as f64,
                    times: streams.stream(&format!("arrivals/{}", w.name)),
                    durations: streams.stream(&format!("durations/{}", w.name)),
                    prices: streams.stream(&format!("prices/{}", w.name)),
                })
                .collect(),
        }
    }

    /// The first arrival after `now` of workload `w` (Poisson; a daily cycle
    /// by thinning, Lewis & Shedler 1979).
    pub fn next_arrival(&mut self, w: usize, now: SimTime) -> SimTime {
        let s = &mut self.streams[w];
        let mut t = now as f64;
        loop {
            let gap: f64 = Exp1.sample(&mut s.times);
            t += gap / s.rate_max_per_ms;
            let a = s.arrivals.diurnal_amplitude;
            if a == 0.0 {
                break;
            }
            let phase =
                2.0 * std::f64::consts::PI * (t / MS_PER_DAY - s.arrivals.diurnal_peak_hour / 24.0);
            let accept = (1.0 + a * phase.cos()) / (1.0 + a);
            if s.times.random::<f64>() < accept {
                break;
            }
        }
        // At least 1 ms later, so a run always advances.
        (t.round() as SimTime).max(now + 1)
    }

    /// The attributes of the next job of workload `w`.
    pub fn draw_job(&mut self, w: usize, wl: &Workload) -> JobDraw {
        let s = &mut self.streams[w];
        JobDraw {
            work_ms: wl.duration.sample_ms(&mut s.durations, 1),
            max_price: wl.max_price.sample(&mut s.prices),
        }
    }
}
