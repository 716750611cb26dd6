//! Distribution tables (`{ dist = "exp", mean = "1h" }`, ...) and the
//! samplers they resolve to.

use super::duration::Duration;
use crate::engine::Rng;
use rand::Rng as _;
use rand::distr::Distribution;
use rand_distr::{Exp, Gamma, LogNormal, Uniform, Weibull};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use statrs::function::gamma::gamma;
use std::borrow::Cow;
use std::marker::PhantomData;

/// A value a distribution is written in: a [`Duration`] (resolved to ms) or a
/// plain number.
pub trait DistValue {
    /// The value in the sampler's base unit (ms for durations).
    fn base(&self) -> f64;
}

impl DistValue for Duration {
    fn base(&self) -> f64 {
        self.0 as f64
    }
}

impl DistValue for f64 {
    fn base(&self) -> f64 {
        *self
    }
}

/// A distribution as written in a scenario file. `V` is [`Duration`] for
/// times and `f64` for unitless quantities. A bare value where a
/// distribution is expected (`frames = 100`, `duration = "2h"`) is read as
/// `{ dist = "fixed", value = ... }`; it is written back as that table.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DistSpec<V> {
    /// Exponential with the given mean.
    Exp { mean: V },
    /// Lognormal with the given mean and coefficient of variation (sd/mean).
    Lognormal { mean: V, cv: f64 },
    /// Weibull with the given shape k and mean (scale = mean / Γ(1 + 1/k)).
    Weibull { shape: f64, mean: V },
    /// Always the same value.
    Fixed { value: V },
    /// Uniform on `[low, high]`.
    Uniform { low: V, high: V },
}

/// The table form of [`DistSpec`], as serde reads it.
#[derive(Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
enum Table<V> {
    Exp { mean: V },
    Lognormal { mean: V, cv: f64 },
    Weibull { shape: f64, mean: V },
    Fixed { value: V },
    Uniform { low: V, high: V },
}

impl<V> From<Table<V>> for DistSpec<V> {
    fn from(t: Table<V>) -> Self {
        match t {
            Table::Exp { mean } => DistSpec::Exp { mean },
            Table::Lognormal { mean, cv } => DistSpec::Lognormal { mean, cv },
            Table::Weibull { shape, mean } => DistSpec::Weibull { shape, mean },
            Table::Fixed { value } => DistSpec::Fixed { value },
            Table::Uniform { low, high } => DistSpec::Uniform { low, high },
        }
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for DistSpec<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = DistSpec<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a distribution table like { dist = \"exp\", mean = ... }, or a bare value (read as dist = \"fixed\")",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Table::deserialize(de::value::MapAccessDeserializer::new(map)).map(Into::into)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                V::deserialize(s.into_deserializer()).map(|value| DistSpec::Fixed { value })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                V::deserialize(v.into_deserializer()).map(|value| DistSpec::Fixed { value })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                V::deserialize(v.into_deserializer()).map(|value| DistSpec::Fixed { value })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                V::deserialize(v.into_deserializer()).map(|value| DistSpec::Fixed { value })
            }
        }
        d.deserialize_any(Vis(PhantomData))
    }
}

/// The schema: a bare value of `V`, or one of the five tables.
impl<V: JsonSchema> JsonSchema for DistSpec<V> {
    fn schema_name() -> Cow<'static, str> {
        match V::schema_name().as_ref() {
            "double" => "NumberDistribution".into(),
            name => format!("{name}Distribution").into(),
        }
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let v = g.subschema_for::<V>();
        let num = g.subschema_for::<f64>();
        let table = |dist: &str, fields: &[(&str, &Schema)], doc: &str| {
            let mut props = serde_json::Map::new();
            props.insert("dist".into(), serde_json::json!({ "const": dist }));
            let mut required = vec![serde_json::json!("dist")];
            for (name, schema) in fields {
                props.insert(
                    name.to_string(),
                    serde_json::to_value(schema).unwrap_or_default(),
                );
                required.push(serde_json::json!(name));
            }
            serde_json::json!({
                "type": "object",
                "description": doc,
                "properties": props,
                "required": required,
                "additionalProperties": false,
            })
        };
        let variants = vec![
            table("exp", &[("mean", &v)], "Exponential with the given mean."),
            table(
                "lognormal",
                &[("mean", &v), ("cv", &num)],
                "Lognormal with the given mean and coefficient of variation (sd / mean).",
            ),
            table(
                "weibull",
                &[("shape", &num), ("mean", &v)],
                "Weibull with the given shape k and mean.",
            ),
            table("fixed", &[("value", &v)], "Always the same value."),
            table(
                "uniform",
                &[("low", &v), ("high", &v)],
                "Uniform on [low, high].",
            ),
        ];
        json_schema!({
            "description": "A distribution: { dist = \"exp\", mean = ... }, { dist = \"lognormal\", mean = ..., cv = ... }, { dist = \"weibull\", shape = ..., mean = ... }, { dist = \"fixed\", value = ... } or { dist = \"uniform\", low = ..., high = ... }; a bare value is read as fixed.",
            "anyOf": [v, { "oneOf": variants }],
        })
    }
}

/// A resolved distribution, sampling in the base unit (ms for durations).
/// Each variant keeps its mean after the law, and what its residual life
/// ([`Sampler::sample_residual`]) needs.
#[derive(Clone, Debug)]
pub enum Sampler {
    Exp(Exp<f64>, f64),
    /// The law, its mean and `1 + cv²` (= e^{σ²}).
    LogNormal(LogNormal<f64>, f64, f64),
    /// The law, its mean, its scale λ and its shape k.
    Weibull(Weibull<f64>, f64, f64, f64),
    Fixed(f64),
    /// The law and its ends.
    Uniform(Uniform<f64>, f64, f64),
}

fn positive(name: &str, v: f64) -> Result<f64, String> {
    if !v.is_finite() {
        Err(format!("{name} must be a finite number, got {v}"))
    } else if v <= 0.0 {
        Err(format!("{name} must be > 0, got {v}"))
    } else {
        Ok(v)
    }
}

fn non_negative(name: &str, v: f64) -> Result<f64, String> {
    if !v.is_finite() {
        Err(format!("{name} must be a finite number, got {v}"))
    } else if v < 0.0 {
        Err(format!("{name} must be >= 0, got {v}"))
    } else {
        Ok(v)
    }
}

impl<V: DistValue> DistSpec<V> {
    /// Checks the parameters and builds the sampler. The error says which
    /// parameter is wrong and why.
    pub fn resolve(&self) -> Result<Sampler, String> {
        Ok(match self {
            DistSpec::Exp { mean } => {
                let m = positive("mean", mean.base())?;
                Sampler::Exp(Exp::new(1.0 / m).map_err(|e| e.to_string())?, m)
            }
            DistSpec::Lognormal { mean, cv } => {
                let m = positive("mean", mean.base())?;
                let cv = positive("cv", *cv)?;
                let sigma2 = (1.0 + cv * cv).ln();
                let mu = m.ln() - sigma2 / 2.0;
                Sampler::LogNormal(
                    LogNormal::new(mu, sigma2.sqrt()).map_err(|e| e.to_string())?,
                    m,
                    1.0 + cv * cv,
                )
            }
            DistSpec::Weibull { shape, mean } => {
                let k = positive("shape", *shape)?;
                if k < 0.05 {
                    return Err(format!("shape must be >= 0.05, got {k}"));
                }
                let m = positive("mean", mean.base())?;
                let scale = m / gamma(1.0 + 1.0 / k);
                Sampler::Weibull(
                    Weibull::new(scale, k).map_err(|e| e.to_string())?,
                    m,
                    scale,
                    k,
                )
            }
            DistSpec::Fixed { value } => Sampler::Fixed(non_negative("value", value.base())?),
            DistSpec::Uniform { low, high } => {
                let lo = non_negative("low", low.base())?;
                let hi = non_negative("high", high.base())?;
                if lo > hi {
                    return Err(format!("low ({lo}) must be <= high ({hi})"));
                }
                Sampler::Uniform(
                    Uniform::new_inclusive(lo, hi).map_err(|e| e.to_string())?,
                    lo,
                    hi,
                )
            }
        })
    }
}

impl Sampler {
    /// One draw, in the base unit. The cheap laws (fixed, uniform,
    /// exponential) are drawn inline at the call site, the others by a call:
    /// an Akash auction draws a uniform markup per bid, up to 20 per order.
    #[inline(always)]
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform(d, ..) => d.sample(rng),
            Sampler::Exp(d, _) => d.sample(rng),
            _ => self.sample_transcendental(rng),
        }
    }

    /// A draw of a law that needs `exp`, `ln` or `powf` (lognormal, Weibull).
    #[inline(never)]
    fn sample_transcendental(&self, rng: &mut Rng) -> f64 {
        match self {
            Sampler::LogNormal(d, ..) => d.sample(rng),
            Sampler::Weibull(d, ..) => d.sample(rng),
            Sampler::Fixed(_) | Sampler::Uniform(..) | Sampler::Exp(..) => {
                unreachable!("drawn inline by `sample`")
            }
        }
    }

    /// One draw of a duration in whole milliseconds, at least `min_ms`.
    #[inline]
    pub fn sample_ms(&self, rng: &mut Rng, min_ms: u64) -> u64 {
        whole_ms(self.sample(rng), min_ms)
    }

    /// The distribution's mean, in the base unit.
    pub fn mean(&self) -> f64 {
        match self {
            Sampler::Exp(_, m) | Sampler::LogNormal(_, m, _) | Sampler::Weibull(_, m, ..) => *m,
            Sampler::Uniform(_, lo, hi) => (lo + hi) / 2.0,
            Sampler::Fixed(v) => *v,
        }
    }

    /// One draw of the residual life of a renewal process in equilibrium
    /// whose periods follow this law: the time from a random instant to the
    /// end of the period it falls in, density (1 − F(x)) / E[X]. Drawn as a
    /// length-biased period L (density x·f(x) / E[X]: the period a random
    /// instant falls in) times an independent uniform fraction. The
    /// exponential law is memoryless: its residual life is a fresh draw (the
    /// same numbers as [`Sampler::sample`]).
    pub fn sample_residual(&self, rng: &mut Rng) -> f64 {
        let length_biased = match self {
            Sampler::Exp(d, _) => return d.sample(rng),
            Sampler::Fixed(v) => *v,
            // Inverse CDF of the density 2x / (b² − a²) on [a, b].
            Sampler::Uniform(_, a, b) => {
                let u: f64 = rng.random();
                (a * a + u * (b * b - a * a)).sqrt()
            }
            // ln L ~ N(μ + σ², σ²): a fresh draw times e^{σ²}.
            Sampler::LogNormal(d, _, e_sigma2) => e_sigma2 * d.sample(rng),
            // (L/λ)^k ~ Gamma(1 + 1/k, 1).
            Sampler::Weibull(_, _, scale, k) => {
                let g = Gamma::new(1.0 + 1.0 / k, 1.0).expect("k > 0 is checked");
                scale * g.sample(rng).powf(1.0 / k)
            }
        };
        rng.random::<f64>() * length_biased
    }

    /// [`Sampler::sample_residual`] in whole milliseconds, at least `min_ms`.
    pub fn sample_residual_ms(&self, rng: &mut Rng, min_ms: u64) -> u64 {
        whole_ms(self.sample_residual(rng), min_ms)
    }
}

/// A draw `x` ≥ 0 in ms rounded to whole ms, at least `min_ms`, at most 1e17.
#[inline(always)]
fn whole_ms(x: f64, min_ms: u64) -> u64 {
    // Samples are ≥ 0, so adding ½ and truncating rounds to nearest; the
    // cast is one instruction, where `f64::round` is a libm call. Below
    // 1e17 the cast through `i64` (one instruction on x86-64, where a cast
    // to `u64` is a branchy sequence) gives what a cast to `u64` gives,
    // negative values and NaN included (0).
    let v = x + 0.5;
    if v >= 1e17 {
        100_000_000_000_000_000
    } else {
        ((v as i64).max(0) as u64).max(min_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Streams;

    fn sample_mean_cv(s: &Sampler, n: usize) -> (f64, f64) {
        let mut rng = Streams::new(3).stream("dist-test");
        let xs: Vec<f64> = (0..n).map(|_| s.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64;
        (m, var.sqrt() / m)
    }

    #[test]
    fn samplers_have_the_written_mean_and_cv() {
        let n = 200_000;
        let cases: Vec<(DistSpec<f64>, f64, f64)> = vec![
            (DistSpec::Exp { mean: 2.0 }, 2.0, 1.0),
            (DistSpec::Lognormal { mean: 5.0, cv: 1.5 }, 5.0, 1.5),
            // Weibull k = 0.7: cv = sqrt(Γ(1+2/k)/Γ(1+1/k)^2 - 1).
            (
                DistSpec::Weibull {
                    shape: 0.7,
                    mean: 72.0,
                },
                72.0,
                (gamma(1.0 + 2.0 / 0.7) / gamma(1.0 + 1.0 / 0.7).powi(2) - 1.0).sqrt(),
            ),
            (
                DistSpec::Uniform {
                    low: 1.1,
                    high: 1.6,
                },
                1.35,
                (0.5 / 12f64.sqrt()) / 1.35,
            ),
        ];
        for (spec, mean, cv) in cases {
            let s = spec.resolve().unwrap();
            assert!((s.mean() - mean).abs() < 1e-12);
            let (m, c) = sample_mean_cv(&s, n);
            // Sample mean has sd = cv*mean/sqrt(n); 5 sd is a safe bound.
            // The lognormal's cv estimate converges slowly (heavy tail), hence 10%.
            assert!(
                (m - mean).abs() < 5.0 * cv * mean / (n as f64).sqrt() * 1.5,
                "{spec:?}: mean {m}"
            );
            assert!((c - cv).abs() / cv < 0.10, "{spec:?}: cv {c} vs {cv}");
        }
        let f = DistSpec::Fixed { value: 4.0 }.resolve().unwrap();
        assert_eq!(sample_mean_cv(&f, 10).0, 4.0);
    }

    #[test]
    fn residual_lives_have_the_equilibrium_mean() {
        // The residual life of a renewal process in equilibrium has mean
        // E[X²] / (2 E[X]).
        let k = 6.0;
        let weibull_scale = 24.0 / gamma(1.0 + 1.0 / k);
        let cases: Vec<(DistSpec<f64>, f64)> = vec![
            (DistSpec::Exp { mean: 5.0 }, 5.0),
            (
                DistSpec::Weibull {
                    shape: k,
                    mean: 24.0,
                },
                weibull_scale * gamma(1.0 + 2.0 / k) / (2.0 * gamma(1.0 + 1.0 / k)),
            ),
            // E[X²] = m²(1 + cv²).
            (DistSpec::Lognormal { mean: 4.0, cv: 1.0 }, 4.0 * 2.0 / 2.0),
            (DistSpec::Fixed { value: 24.0 }, 12.0),
            // (a² + ab + b²) / (3(a + b)).
            (
                DistSpec::Uniform {
                    low: 4.0,
                    high: 6.0,
                },
                (16.0 + 24.0 + 36.0) / 30.0,
            ),
        ];
        let n = 200_000;
        for (spec, expect) in cases {
            let s = spec.resolve().unwrap();
            let mut rng = Streams::new(5).stream("residual-test");
            let xs: Vec<f64> = (0..n).map(|_| s.sample_residual(&mut rng)).collect();
            let m = xs.iter().sum::<f64>() / n as f64;
            let sd = (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64).sqrt();
            let se = sd / (n as f64).sqrt();
            assert!(
                (m - expect).abs() < 5.0 * se,
                "{spec:?}: residual mean {m} vs {expect} ± {}",
                5.0 * se
            );
        }
    }

    #[test]
    fn rejects_bad_parameters() {
        let bad: Vec<DistSpec<f64>> = vec![
            DistSpec::Exp { mean: 0.0 },
            DistSpec::Exp { mean: -1.0 },
            DistSpec::Exp { mean: f64::NAN },
            DistSpec::Lognormal { mean: 1.0, cv: 0.0 },
            DistSpec::Weibull {
                shape: -1.0,
                mean: 1.0,
            },
            DistSpec::Fixed { value: -2.0 },
            DistSpec::Uniform {
                low: 2.0,
                high: 1.0,
            },
            DistSpec::Uniform {
                low: f64::INFINITY,
                high: f64::INFINITY,
            },
        ];
        for b in bad {
            assert!(b.resolve().is_err(), "{b:?} should be rejected");
        }
    }

    #[test]
    fn durations_resolve_to_ms() {
        let spec: DistSpec<Duration> = toml::from_str("dist = \"exp\"\nmean = \"2h\"").unwrap();
        assert_eq!(spec.resolve().unwrap().mean(), 7_200_000.0);
        let unknown: Result<DistSpec<Duration>, _> =
            toml::from_str("dist = \"exp\"\nmean = \"2h\"\ncv = 1");
        assert!(unknown.is_err());
        let unitless: Result<DistSpec<Duration>, _> = toml::from_str("dist = \"exp\"\nmean = 2");
        assert!(unitless.is_err());
    }
}
