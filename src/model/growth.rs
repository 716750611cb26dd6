//! Demand growth: a multiplier `g(t)` of a workload's arrival rate (1 at
//! t = 0 for the exponential and logistic laws), and its integral `G(t) = ∫₀ᵗ g(s) ds` and inverse in closed
//! form. Arrivals at rate `λ·g(t)` are drawn by time change: the gaps of a
//! Poisson process of rate `λ` are laid out in `G`-time and mapped back by
//! `G⁻¹`, so the expected number of arrivals in `[0, t]` is exactly `λ·G(t)`
//! (docs/model.md, "Demand growth"). Times are ms; `G` is in ms of
//! base-rate time.

/// A Julian year (365.25 days), ms: the year of every `per_year` key.
pub const MS_PER_YEAR: f64 = 365.25 * 24.0 * 3_600_000.0;

/// A rate multiplier over time, resolved from `arrivals.growth`.
#[derive(Debug, Clone, PartialEq)]
pub enum Growth {
    /// `g(t) = e^(c·t)`: with `per_year = r`, `c = ln(1 + r) / year`, so the
    /// rate is multiplied by `1 + r` every year (`per_month`: every month).
    Exp { c_per_ms: f64 },
    /// Logistic saturation from 1 towards `saturation` K at intrinsic rate
    /// k: `g(t) = K / (1 + (K − 1)·e^(−k·t))`.
    Logistic { k_per_ms: f64, saturation: f64 },
    /// Piecewise linear through `(at_ms[i], factor[i])`, constant before the
    /// first point and after the last; `cum[i] = G(at_ms[i])`.
    Table {
        at_ms: Vec<f64>,
        factor: Vec<f64>,
        cum: Vec<f64>,
    },
}

impl Growth {
    /// Exponential growth by a factor `per_period_factor` (> 0) every
    /// `period_ms`.
    pub fn exp(per_period_factor: f64, period_ms: f64) -> Self {
        Growth::Exp {
            c_per_ms: per_period_factor.ln() / period_ms,
        }
    }

    /// Logistic growth at `k_per_year` (> 0) towards `saturation` (> 0).
    pub fn logistic(k_per_year: f64, saturation: f64) -> Self {
        Growth::Logistic {
            k_per_ms: k_per_year / MS_PER_YEAR,
            saturation,
        }
    }

    /// Piecewise-linear table of `(time ms, factor > 0)`, times strictly
    /// increasing; before the first point its factor holds. The factor at
    /// t = 0 is the table's there (1 if the table says so).
    pub fn table(points: &[(f64, f64)]) -> Self {
        let at_ms: Vec<f64> = points.iter().map(|p| p.0).collect();
        let factor: Vec<f64> = points.iter().map(|p| p.1).collect();
        let mut cum = Vec::with_capacity(points.len());
        let mut acc = factor[0] * at_ms[0];
        cum.push(acc);
        for i in 1..points.len() {
            acc += 0.5 * (factor[i - 1] + factor[i]) * (at_ms[i] - at_ms[i - 1]);
            cum.push(acc);
        }
        Growth::Table { at_ms, factor, cum }
    }

    /// The multiplier at `t` ms.
    pub fn factor(&self, t: f64) -> f64 {
        match self {
            Growth::Exp { c_per_ms } => (c_per_ms * t).exp(),
            Growth::Logistic {
                k_per_ms,
                saturation: k,
            } => k / (1.0 + (k - 1.0) * (-k_per_ms * t).exp()),
            Growth::Table { at_ms, factor, .. } => {
                let i = at_ms.partition_point(|&a| a <= t);
                if i == 0 {
                    factor[0]
                } else if i == at_ms.len() {
                    factor[i - 1]
                } else {
                    let w = (t - at_ms[i - 1]) / (at_ms[i] - at_ms[i - 1]);
                    factor[i - 1] + w * (factor[i] - factor[i - 1])
                }
            }
        }
    }

    /// `G(t) = ∫₀ᵗ g`, ms of base-rate time.
    pub fn cumulative(&self, t: f64) -> f64 {
        match self {
            Growth::Exp { c_per_ms: c } => {
                if *c == 0.0 {
                    t
                } else {
                    (c * t).exp_m1() / c
                }
            }
            Growth::Logistic {
                k_per_ms: r,
                saturation: k,
            } => {
                // (K/r)·ln((e^(rt) + K − 1)/K), written so e^(rt) never overflows.
                let x = r * t;
                k / r * (x + ((k - 1.0) * (-x).exp()).ln_1p() - k.ln())
            }
            Growth::Table { at_ms, factor, cum } => {
                let i = at_ms.partition_point(|&a| a <= t);
                if i == 0 {
                    factor[0] * t
                } else {
                    let (a, f) = (at_ms[i - 1], factor[i - 1]);
                    let dt = t - a;
                    let slope = if i == at_ms.len() {
                        0.0
                    } else {
                        (factor[i] - f) / (at_ms[i] - a)
                    };
                    cum[i - 1] + f * dt + 0.5 * slope * dt * dt
                }
            }
        }
    }

    /// The `t` with `G(t) = u`; infinite when `G` never reaches `u` (a
    /// declining rate whose total is finite).
    pub fn inverse(&self, u: f64) -> f64 {
        match self {
            Growth::Exp { c_per_ms: c } => {
                if *c == 0.0 {
                    u
                } else if c * u <= -1.0 {
                    f64::INFINITY
                } else {
                    (c * u).ln_1p() / c
                }
            }
            Growth::Logistic {
                k_per_ms: r,
                saturation: k,
            } => {
                // e^(rt) = K·e^(ru/K) − (K − 1), factored by K·e^(ru/K).
                let x = r * u / k;
                (x + k.ln() + (-(k - 1.0) / k * (-x).exp()).ln_1p()) / r
            }
            Growth::Table { at_ms, factor, cum } => {
                if u <= cum[0] {
                    return u / factor[0];
                }
                let i = cum.partition_point(|&c| c <= u) - 1;
                let du = u - cum[i];
                if i + 1 == at_ms.len() {
                    return at_ms[i] + du / factor[i];
                }
                let f = factor[i];
                let slope = (factor[i + 1] - f) / (at_ms[i + 1] - at_ms[i]);
                // f·τ + slope·τ²/2 = du, the root of the stable form.
                let disc = (f * f + 2.0 * slope * du).max(0.0);
                at_ms[i] + 2.0 * du / (f + disc.sqrt())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laws() -> Vec<Growth> {
        vec![
            Growth::exp(1.8, MS_PER_YEAR),
            Growth::exp(0.5, MS_PER_YEAR),
            Growth::exp(1.05, MS_PER_YEAR / 12.0),
            Growth::logistic(2.0, 5.0),
            Growth::logistic(1.0, 0.4),
            Growth::table(&[
                (0.0, 1.0),
                (0.5 * MS_PER_YEAR, 3.0),
                (MS_PER_YEAR, 2.0),
                (2.0 * MS_PER_YEAR, 2.0),
            ]),
            Growth::table(&[(0.25 * MS_PER_YEAR, 1.5), (MS_PER_YEAR, 0.5)]),
        ]
    }

    #[test]
    fn cumulative_is_the_integral_of_the_factor() {
        // Simpson's rule over 3 years against the closed forms.
        for g in laws() {
            let n = 30_000;
            let h = 3.0 * MS_PER_YEAR / n as f64;
            let mut s = 0.0;
            for i in 0..=n {
                let w = if i == 0 || i == n {
                    1.0
                } else if i % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                s += w * g.factor(i as f64 * h);
            }
            let simpson = s * h / 3.0;
            let closed = g.cumulative(3.0 * MS_PER_YEAR);
            assert!(
                (simpson - closed).abs() < 1e-6 * closed,
                "{g:?}: {simpson} vs {closed}"
            );
        }
    }

    #[test]
    fn inverse_undoes_cumulative() {
        for g in laws() {
            for i in 0..200 {
                let t = i as f64 * 0.02 * MS_PER_YEAR;
                let back = g.inverse(g.cumulative(t));
                // Within a microsecond: the closed forms cancel near 0.
                assert!((back - t).abs() < 1e-3 + 1e-12 * t, "{g:?}: {t} -> {back}");
            }
        }
    }

    #[test]
    fn closed_forms() {
        let year = MS_PER_YEAR;
        // +80% a year: 1.8 after one year, 1.8² after two; G(1 y) = 0.8/ln 1.8 years.
        let g = Growth::exp(1.8, year);
        assert!((g.factor(year) - 1.8).abs() < 1e-12);
        assert!((g.factor(2.0 * year) - 3.24).abs() < 1e-12);
        assert!((g.cumulative(year) / year - 0.8 / 1.8f64.ln()).abs() < 1e-12);
        // Logistic: 1 at 0, K/(1 + (K − 1)/e) after 1/k, K in the limit.
        let l = Growth::logistic(2.0, 5.0);
        assert!((l.factor(0.0) - 1.0).abs() < 1e-15);
        assert!((l.factor(0.5 * year) - 5.0 / (1.0 + 4.0 / std::f64::consts::E)).abs() < 1e-12);
        assert!((l.factor(50.0 * year) - 5.0).abs() < 1e-12);
        // A declining exponential has a finite total: 1/c.
        let d = Growth::exp(0.5, year);
        let total = year / 2f64.ln();
        assert!(d.inverse(total * 1.000001).is_infinite());
        assert!(d.inverse(total * 0.999).is_finite());
    }
}
