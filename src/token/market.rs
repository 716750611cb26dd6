//! The exogenous market factor: a geometric random walk with drift and
//! volatility, correlated across the three tokens, plus scheduled shocks.
//!
//! Common random numbers: the stream `token/market` draws one common normal
//! every period, the same for every design; each design's own normal comes
//! from its own stream `token/market/NAME`. Every design therefore sees the
//! same common path, and adding a design (or a network) never shifts
//! another's draws.

use crate::engine::{Rng, SimTime, Streams};
use crate::scenario::token::Market;
use rand_distr::{Distribution, StandardNormal};

/// The market factor of one design's token (1 at t = 0).
#[derive(Debug, Clone)]
pub struct MarketFactor {
    ln_factor: f64,
    /// The common normals, and the token's own.
    common: Rng,
    own: Rng,
    /// Per-period log drift and the weights of the common and own normals.
    drift: f64,
    w_common: f64,
    w_own: f64,
    shocks: Vec<(SimTime, f64)>,
    next_shock: usize,
}

impl MarketFactor {
    /// The factor of the token of network `name`, updated every `period` ms.
    pub fn new(m: &Market, name: &str, period: SimTime, streams: &Streams) -> Self {
        let dt = period as f64 / super::schedule::YEAR_MS as f64;
        let sd = m.volatility * dt.sqrt();
        Self {
            ln_factor: 0.0,
            common: streams.stream("token/market"),
            own: streams.stream(&format!("token/market/{name}")),
            drift: (m.drift - 0.5 * m.volatility * m.volatility) * dt,
            w_common: sd * m.correlation.sqrt(),
            w_own: sd * (1.0 - m.correlation).sqrt(),
            shocks: m.shocks.clone(),
            next_shock: 0,
        }
    }

    /// One period's move (skipped at t = 0), then every shock due by `now`.
    pub fn step(&mut self, now: SimTime) {
        if now > 0 {
            let common: f64 = StandardNormal.sample(&mut self.common);
            let own: f64 = StandardNormal.sample(&mut self.own);
            self.ln_factor += self.drift + self.w_common * common + self.w_own * own;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn market(vol: f64, corr: f64, shocks: Vec<(SimTime, f64)>) -> Market {
        Market {
            drift: 0.0,
            volatility: vol,
            correlation: corr,
            shocks,
        }
    }

    const H: SimTime = 3_600_000;

    #[test]
    fn fully_correlated_tokens_share_one_path_and_draws_do_not_depend_on_the_design() {
        let s = Streams::new(42);
        let m = market(0.8, 1.0, vec![]);
        let mut f: Vec<MarketFactor> = ["akash", "ionet", "render"]
            .iter()
            .map(|&d| MarketFactor::new(&m, d, H, &s))
            .collect();
        for k in 0..500 {
            for x in &mut f {
                x.step(k * H);
            }
            assert_eq!(f[0].value(), f[1].value());
            assert_eq!(f[1].value(), f[2].value());
        }
        assert_ne!(f[0].value(), 1.0);
    }

    #[test]
    fn a_new_network_does_not_shift_another_networks_path() {
        let s = Streams::new(9);
        let m = market(0.8, 0.5, vec![]);
        let mut a = MarketFactor::new(&m, "akash", H, &s);
        let mut a2 = MarketFactor::new(&m, "akash", H, &s);
        let mut other = MarketFactor::new(&m, "akash-b", H, &s);
        for k in 0..100 {
            a.step(k * H);
            other.step(k * H);
            a2.step(k * H);
        }
        assert_eq!(a.value(), a2.value());
        assert_ne!(a.value(), other.value());
    }

    #[test]
    fn increments_have_the_configured_correlation_and_volatility() {
        let s = Streams::new(7);
        let m = market(0.8, 0.7, vec![]);
        let mut a = MarketFactor::new(&m, "akash", H, &s);
        let mut b = MarketFactor::new(&m, "render", H, &s);
        let n = 40_000;
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for k in 1..=n {
            let (a0, b0) = (a.ln_factor, b.ln_factor);
            a.step(k * H);
            b.step(k * H);
            xs.push(a.ln_factor - a0);
            ys.push(b.ln_factor - b0);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (mx, my) = (mean(&xs), mean(&ys));
        let cov: f64 = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (x - mx) * (y - my))
            .sum::<f64>()
            / n as f64;
        let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>() / n as f64;
        let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum::<f64>() / n as f64;
        let rho = cov / (vx * vy).sqrt();
        // Standard error of a correlation near 0.7 with n = 40,000: ~0.0026.
        assert!((rho - 0.7).abs() < 0.015, "{rho}");
        let annual = (vx * super::super::schedule::YEAR_MS as f64 / H as f64).sqrt();
        assert!((annual - 0.8).abs() < 0.02, "{annual}");
    }

    #[test]
    fn a_shock_multiplies_the_factor_once_when_due() {
        let s = Streams::new(1);
        let day = 24 * H;
        let m = market(0.0, 0.7, vec![(10 * day, 0.2)]);
        let mut f = MarketFactor::new(&m, "ionet", H, &s);
        for k in 0..=(10 * 24 - 1) {
            f.step(k * H);
        }
        assert_eq!(f.value(), 1.0);
        f.step(10 * day);
        assert!((f.value() - 0.2).abs() < 1e-12);
        f.step(10 * day + H);
        assert!((f.value() - 0.2).abs() < 1e-12);
    }
}
