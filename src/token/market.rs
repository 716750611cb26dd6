//! The exogenous market factor: a geometric random walk with drift and
//! volatility, correlated across the three tokens, plus scheduled shocks.
//!
//! Common random numbers: the stream `token/market` draws, every period,
//! one common normal and one per design, in a fixed order, whatever the
//! design simulated. All three designs therefore see the same path.

use crate::engine::{Rng, SimTime, Streams};
use crate::scenario::DesignKind;
use crate::scenario::token::Market;
use rand_distr::{Distribution, StandardNormal};

/// The market factor of one design's token (1 at t = 0).
#[derive(Debug, Clone)]
pub struct MarketFactor {
    ln_factor: f64,
    rng: Rng,
    /// Per-period log drift and the weights of the common and own normals.
    drift: f64,
    w_common: f64,
    w_own: f64,
    design: usize,
    shocks: Vec<(SimTime, f64)>,
    next_shock: usize,
}

impl MarketFactor {
    /// The factor of `design`'s token, updated every `period` ms.
    pub fn new(m: &Market, design: DesignKind, period: SimTime, streams: &Streams) -> Self {
        let dt = period as f64 / super::schedule::YEAR_MS as f64;
        let sd = m.volatility * dt.sqrt();
        Self {
            ln_factor: 0.0,
            rng: streams.stream("token/market"),
            drift: (m.drift - 0.5 * m.volatility * m.volatility) * dt,
            w_common: sd * m.correlation.sqrt(),
            w_own: sd * (1.0 - m.correlation).sqrt(),
            design: DesignKind::ALL
                .iter()
                .position(|&d| d == design)
                .expect("every design is in DesignKind::ALL"),
            shocks: m.shocks.clone(),
            next_shock: 0,
        }
    }

    /// One period's move (skipped at t = 0), then every shock due by `now`.
    pub fn step(&mut self, now: SimTime) {
        if now > 0 {
            let mut z = [0.0; 4];
            for v in &mut z {
                *v = StandardNormal.sample(&mut self.rng);
            }
            self.ln_factor += self.drift + self.w_common * z[0] + self.w_own * z[1 + self.design];
        }
        while let Some(&(at, mult)) = self.shocks.get(self.next_shock)
            && at <= now
        {
            self.ln_factor += mult.ln();
            self.next_shock += 1;
        }
    }

    /// The factor now.
    #[inline]
    pub fn value(&self) -> f64 {
        self.ln_factor.exp()
    }
}
