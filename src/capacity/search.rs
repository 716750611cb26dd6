//! The search for the smallest value of a key at which a target holds:
//! both ends of the range first, then bracketing upwards from the low end
//! (doubling), then bisection inside the bracket. Pure: the evaluation is a
//! closure, so the logic is tested on synthetic functions.

/// How the varied key's values are spaced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Domain {
    /// Integer values: bisection ends when the bracket is two neighbours.
    Integer,
    /// Real values: bisection ends when the bracket is at most `tolerance` wide.
    Real { tolerance: f64 },
}

/// Where the search ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Values in the order they were evaluated, with whether the target held.
    pub evaluated: Vec<(f64, bool)>,
    /// The smallest value found at which the target holds (`None`: it does
    /// not hold at the high end, so it is unreachable in the range).
    pub answer: Option<f64>,
    /// The largest evaluated value below the answer (where it failed).
    pub below: Option<f64>,
}

impl Outcome {
    /// Evaluated values above the answer at which the target failed: the
    /// target is not monotone in the key there.
    pub fn failures_above_answer(&self) -> Vec<f64> {
        let Some(a) = self.answer else {
            return Vec::new();
        };
        let mut v: Vec<f64> = (self.evaluated.iter())
            .filter(|&&(x, ok)| x > a && !ok)
            .map(|&(x, _)| x)
            .collect();
        v.sort_by(f64::total_cmp);
        v
    }
}

/// The bracketing steps from `lo` towards `hi`: doubling the value when
/// `lo > 0` (8, 16, 32, ...), else doubling the step from `lo` (lo + s,
/// lo + 3s, lo + 7s, ... with s = 1 for integers, (hi − lo)/1024 for reals);
/// always ends with `hi`.
pub fn bracket_steps(lo: f64, hi: f64, domain: Domain) -> Vec<f64> {
    let mut out = Vec::new();
    let mut x = lo;
    let mut step = match domain {
        Domain::Integer => 1.0,
        Domain::Real { .. } => (hi - lo) / 1024.0,
    };
    loop {
        let next = if lo > 0.0 { x * 2.0 } else { x + step };
        step *= 2.0;
        let next = match domain {
            Domain::Integer => next.round(),
            Domain::Real { .. } => next,
        };
        if next >= hi {
            out.push(hi);
            return out;
        }
        out.push(next);
        x = next;
    }
}

/// Finds the smallest value in `[lo, hi]` at which `holds` is true,
/// assuming `holds` is false below some value and true from there on.
///
/// Evaluates `lo`, then `hi` (if the target fails there, it is
/// unreachable), then the bracketing steps up to the first value that
/// holds, then bisects between it and the last value that failed. Each
/// value is evaluated at most once. `holds` may fail with an error, which
/// ends the search.
pub fn search<E>(
    lo: f64,
    hi: f64,
    domain: Domain,
    mut holds: impl FnMut(f64) -> Result<bool, E>,
) -> Result<Outcome, E> {
    let mut evaluated = Vec::new();
    let mut eval = |x: f64, evaluated: &mut Vec<(f64, bool)>| -> Result<bool, E> {
        if let Some(&(_, ok)) = evaluated.iter().find(|(v, _)| *v == x) {
            return Ok(ok);
        }
        let ok = holds(x)?;
        evaluated.push((x, ok));
        Ok(ok)
    };
    let at_lo = eval(lo, &mut evaluated)?;
    let at_hi = eval(hi, &mut evaluated)?;
    if at_lo {
        return Ok(Outcome {
            evaluated,
            answer: Some(lo),
            below: None,
        });
    }
    if !at_hi {
        return Ok(Outcome {
            evaluated,
            answer: None,
            below: None,
        });
    }
    // Bracket: the last failing and the first holding value.
    let (mut a, mut b) = (lo, hi);
    for x in bracket_steps(lo, hi, domain) {
        if eval(x, &mut evaluated)? {
            b = x;
            break;
        }
        a = x;
    }
    // Bisect.
    loop {
        let mid = match domain {
            Domain::Integer => {
                if b - a <= 1.0 {
                    break;
                }
                (a + ((b - a) / 2.0).floor()).round()
            }
            Domain::Real { tolerance } => {
                if b - a <= tolerance {
                    break;
                }
                a + (b - a) / 2.0
            }
        };
        if eval(mid, &mut evaluated)? {
            b = mid;
        } else {
            a = mid;
        }
    }
    Ok(Outcome {
        evaluated,
        answer: Some(b),
        below: Some(a),
    })
}

/// Whether a sequence of (value, mean, CI half-width) points, in any order,
/// both rises and falls significantly: two neighbours (by value) differ by
/// more than the sum of their CI half-widths in both directions somewhere.
pub fn not_monotone(points: &[(f64, f64, f64)]) -> bool {
    let mut p: Vec<&(f64, f64, f64)> = points.iter().filter(|p| p.1.is_finite()).collect();
    p.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut up, mut down) = (false, false);
    for w in p.windows(2) {
        let (d, slack) = (w[1].1 - w[0].1, w[0].2 + w[1].2);
        up |= d > slack;
        down |= -d > slack;
    }
    up && down
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the search on a deterministic predicate and counts evaluations.
    fn run(lo: f64, hi: f64, domain: Domain, f: impl Fn(f64) -> bool) -> (Outcome, usize) {
        let mut n = 0;
        let o = search::<()>(lo, hi, domain, |x| {
            n += 1;
            Ok(f(x))
        })
        .unwrap();
        (o, n)
    }

    #[test]
    fn integer_search_finds_the_threshold_with_few_evaluations() {
        for c in [8, 9, 37, 100, 1000, 2049, 4095, 4096] {
            let (o, n) = run(8.0, 4096.0, Domain::Integer, |x| x >= c as f64);
            assert_eq!(o.answer, Some(c as f64), "threshold {c}");
            if c > 8 {
                assert_eq!(o.below, Some(c as f64 - 1.0), "threshold {c}");
            }
            // 2 ends + ≤ 9 doublings + ≤ 11 bisections, far below 4089 values.
            assert!(n <= 22, "threshold {c}: {n} evaluations");
            assert!(o.failures_above_answer().is_empty());
        }
    }

    #[test]
    fn holds_at_the_low_end() {
        let (o, n) = run(8.0, 64.0, Domain::Integer, |_| true);
        assert_eq!(o.answer, Some(8.0));
        assert_eq!(o.below, None);
        assert_eq!(n, 2);
    }

    #[test]
    fn unreachable_target_has_no_answer() {
        let (o, n) = run(1.0, 100.0, Domain::Integer, |_| false);
        assert_eq!(o.answer, None);
        assert_eq!(n, 2);
    }

    #[test]
    fn non_monotone_predicates() {
        // Holds on [10, 20] and from 60: the bracket meets the first region
        // (16 holds), so the answer is its start, 10.
        let f = |x: f64| (10.0..=20.0).contains(&x) || x >= 60.0;
        let (o, _) = run(1.0, 100.0, Domain::Integer, f);
        assert_eq!(o.answer, Some(10.0));
        // Holds only inside the range: it fails at the high end, so it is
        // reported unreachable (the caller warns).
        let g = |x: f64| (5.0..=40.0).contains(&x);
        let (o, _) = run(1.0, 100.0, Domain::Integer, g);
        assert_eq!(o.answer, None);
        // Holds at the low end but not at the high end: the answer is the
        // low end, and the failure above it is reported.
        let h = |x: f64| x < 50.0;
        let (o, _) = run(1.0, 100.0, Domain::Integer, h);
        assert_eq!(o.answer, Some(1.0));
        assert_eq!(o.failures_above_answer(), vec![100.0]);
    }

    #[test]
    fn real_search_ends_within_tolerance() {
        let t = std::f64::consts::PI;
        let (o, n) = run(0.0, 10.0, Domain::Real { tolerance: 1e-3 }, |x| x >= t);
        let a = o.answer.unwrap();
        let b = o.below.unwrap();
        assert!(a >= t && b < t && a - b <= 1e-3, "{b} .. {a}");
        assert!(n < 30, "{n}");
    }

    #[test]
    fn bracket_steps_double() {
        assert_eq!(
            bracket_steps(8.0, 100.0, Domain::Integer),
            vec![16.0, 32.0, 64.0, 100.0]
        );
        assert_eq!(
            bracket_steps(0.0, 20.0, Domain::Integer),
            vec![1.0, 3.0, 7.0, 15.0, 20.0]
        );
    }

    #[test]
    fn monotonicity_check_ignores_noise_within_the_cis() {
        let falling = [(1.0, 10.0, 0.5), (2.0, 5.0, 0.5), (3.0, 5.2, 0.5)];
        assert!(!not_monotone(&falling));
        let u_shape = [(1.0, 10.0, 0.5), (2.0, 5.0, 0.5), (3.0, 9.0, 0.5)];
        assert!(not_monotone(&u_shape));
    }
}
