//! Service-level targets (`p95_wait_h<=0.5`, `utilization>=0.7`) and the
//! rule that decides whether one holds with 95% confidence.

use crate::error::closest;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Which side of the threshold the metric must be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `METRIC<=X`: the metric must be at most X.
    AtMost,
    /// `METRIC>=X`: the metric must be at least X.
    AtLeast,
}

/// One target, as given with `--target`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub metric: String,
    pub bound: Bound,
    pub threshold: f64,
    /// The text as the user gave it.
    pub text: String,
}

impl Target {
    /// Parses `METRIC<=X` or `METRIC>=X` (spaces allowed); `metrics` are the
    /// names a target may use (a misspelt one gets the closest suggested).
    pub fn parse(text: &str, metrics: &[&str]) -> Result<Target, String> {
        let (metric, bound, rest) = if let Some((m, x)) = text.split_once("<=") {
            (m, Bound::AtMost, x)
        } else if let Some((m, x)) = text.split_once(">=") {
            (m, Bound::AtLeast, x)
        } else {
            return Err(format!(
                "--target {text:?}: expected METRIC<=X or METRIC>=X, e.g. 'p95_wait_h<=0.5'"
            ));
        };
        let metric = metric.trim();
        let threshold: f64 = rest.trim().parse().map_err(|_| {
            format!(
                "--target {text:?}: the threshold {:?} is not a number",
                rest.trim()
            )
        })?;
        if !threshold.is_finite() {
            return Err(format!("--target {text:?}: the threshold must be finite"));
        }
        if !metrics.contains(&metric) {
            let hint = closest(metric, metrics.iter().copied())
                .map(|c| format!(" (did you mean {c:?}?)"))
                .unwrap_or_default();
            return Err(format!(
                "--target {text:?}: unknown metric {metric:?}{hint}; metrics are the numeric columns of summary.csv: {}",
                metrics.join(", ")
            ));
        }
        Ok(Target {
            metric: metric.to_string(),
            bound,
            threshold,
            text: text.to_string(),
        })
    }

    /// The operator as written.
    pub fn op(&self) -> &'static str {
        match self.bound {
            Bound::AtMost => "<=",
            Bound::AtLeast => ">=",
        }
    }
}

/// Mean, spread and one-sided bounds of a metric across replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Replications where the metric is defined.
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
    /// Half-width of the two-sided 95% Student-t interval (t_{0.975, n−1}·s/√n).
    pub ci95_half: f64,
    /// One-sided 95% Student-t margin t_{0.95, n−1}·s/√n: the mean is
    /// below `mean + margin` (and above `mean − margin`) with 95% confidence.
    pub margin95: f64,
}

impl Stats {
    /// The statistics of `xs` (`None` when fewer than 2 values: no spread).
    pub fn of(xs: &[f64]) -> Option<Stats> {
        let n = xs.len();
        if n < 2 {
            return None;
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
            .expect("n - 1 >= 1 degrees of freedom is valid");
        let se = sd / (n as f64).sqrt();
        Some(Stats {
            n,
            mean,
            sd,
            ci95_half: t.inverse_cdf(0.975) * se,
            margin95: t.inverse_cdf(0.95) * se,
        })
    }
}

/// What the replications say about one target at one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Holds with 95% confidence: for `<=X`, mean + t_{0.95,n−1}·s/√n ≤ X;
    /// for `>=X`, mean − t_{0.95,n−1}·s/√n ≥ X.
    Holds,
    /// Fails with 95% confidence: the opposite one-sided bound is on the
    /// wrong side (for `<=X`, mean − t_{0.95,n−1}·s/√n > X).
    Fails,
    /// The one-sided bounds straddle the threshold: more replications may
    /// decide it. Counts as not holding.
    Unsure,
}

impl Verdict {
    /// Lower-case name for the CSV.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::Unsure => "unsure",
        }
    }
}

/// The verdict of `target` given `stats` (`None`: fewer than two
/// replications define the metric, so it cannot hold).
pub fn verdict(target: &Target, stats: Option<Stats>) -> Verdict {
    let Some(s) = stats else {
        return Verdict::Fails;
    };
    let (upper, lower) = (s.mean + s.margin95, s.mean - s.margin95);
    match target.bound {
        Bound::AtMost if upper <= target.threshold => Verdict::Holds,
        Bound::AtMost if lower > target.threshold => Verdict::Fails,
        Bound::AtLeast if lower >= target.threshold => Verdict::Holds,
        Bound::AtLeast if upper < target.threshold => Verdict::Fails,
        _ => Verdict::Unsure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METRICS: [&str; 3] = ["p95_wait_h", "mean_wait_h", "utilization"];

    #[test]
    fn parses_both_operators_and_spaces() {
        let t = Target::parse("p95_wait_h<=0.5", &METRICS).unwrap();
        assert_eq!(
            (t.metric.as_str(), t.bound, t.threshold),
            ("p95_wait_h", Bound::AtMost, 0.5)
        );
        let t = Target::parse(" utilization >= 0.7 ", &METRICS).unwrap();
        assert_eq!(
            (t.metric.as_str(), t.bound, t.threshold),
            ("utilization", Bound::AtLeast, 0.7)
        );
    }

    #[test]
    fn bad_targets_are_explained() {
        let e = Target::parse("p95_wait_h<0.5", &METRICS).unwrap_err();
        assert!(e.contains("expected METRIC<=X"), "{e}");
        let e = Target::parse("p95_wait_h<=half", &METRICS).unwrap_err();
        assert!(e.contains("not a number"), "{e}");
        let e = Target::parse("p95_wait<=0.5", &METRICS).unwrap_err();
        assert!(e.contains("did you mean \"p95_wait_h\""), "{e}");
    }

    #[test]
    fn one_sided_student_t_rule() {
        // xs = 1, 2, 3: mean 2, s = 1, n = 3; t_{0.95, 2} = 2.919986.
        let s = Stats::of(&[1.0, 2.0, 3.0]).unwrap();
        let m = 2.919_986 / 3f64.sqrt();
        assert!((s.margin95 - m).abs() < 1e-5, "{}", s.margin95);
        let at_most = |x| Target {
            metric: "m".into(),
            bound: Bound::AtMost,
            threshold: x,
            text: String::new(),
        };
        assert_eq!(verdict(&at_most(2.0 + m + 1e-3), Some(s)), Verdict::Holds);
        assert_eq!(verdict(&at_most(2.0 + m - 1e-3), Some(s)), Verdict::Unsure);
        assert_eq!(verdict(&at_most(2.0 - m - 1e-3), Some(s)), Verdict::Fails);
        let at_least = Target {
            bound: Bound::AtLeast,
            ..at_most(2.0 - m - 1e-3)
        };
        assert_eq!(verdict(&at_least, Some(s)), Verdict::Holds);
        assert_eq!(verdict(&at_most(1e9), None), Verdict::Fails);
    }
}
