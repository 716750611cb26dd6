//! The seed article's four claims, tested on a run's `summary.csv` with
//! paired differences across replicates.
//!
//! All designs of one replicate see the same jobs, outages and market
//! shock (common random numbers), so the difference between two designs
//! within a replicate cancels most of the noise the two share. For each
//! rival design the claim names, we take the per-replicate difference
//! `claimed design − rival` and its 95% Student-t confidence interval.
//!
//! - **holds**: against *every* rival the 95% CI lies strictly on the side
//!   the claim states. This is an intersection–union test, so its level is
//!   5% without a multiple-comparison correction.
//! - **does not hold**: against *some* rival the CI lies strictly on the
//!   other side, using a Bonferroni-adjusted level (95% / number of rivals)
//!   because one of several comparisons is enough.
//! - **inconclusive**: anything else — an interval that contains 0, fewer
//!   than two replicates, the design or the metric missing.

use crate::plot::data::{Table, num};
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::BTreeMap;

/// The outcome of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    DoesNotHold,
    Inconclusive,
}

impl Verdict {
    /// The words shown in the report.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// Which direction of the metric the claim calls better for its design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The claimed design has the lowest value.
    Lowest,
    /// The claimed design has the highest value.
    Highest,
}

/// One claim of the article, made precise.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The article's words.
    pub text: &'static str,
    /// The design the claim is about.
    pub design: &'static str,
    /// The `summary.csv` column that decides it.
    pub metric: &'static str,
    pub direction: Direction,
    /// How the metric stands for the claim, and its caveats.
    pub definition: &'static str,
    /// Only designs serving AI jobs are rivals (the AI cost-performance claim).
    pub ai_only: bool,
    /// A column shown beside the verdict but not deciding it.
    pub shown_too: Option<&'static str>,
}

/// The four claims of the seed article.
pub fn claims() -> [Claim; 4] {
    [
        Claim {
            text: "Akash is the cheapest",
            design: "akash",
            metric: "usd_per_gpu_hour",
            direction: Direction::Lowest,
            definition: "Cheapest = lowest usd_per_gpu_hour: what users paid per GPU-hour of useful \
                         work delivered, rework and lost progress included, over all jobs each design served.",
            ai_only: false,
            shown_too: None,
        },
        Claim {
            text: "Akash is the least stable",
            design: "akash",
            metric: "interruptions_per_1k_gpu_h",
            direction: Direction::Highest,
            definition: "Least stable = highest interruptions_per_1k_gpu_h: interrupted runs (lease \
                         closed, worker lost, frames lost) per 1,000 useful GPU-hours — what a user feels \
                         of the fleet's churn.",
            ai_only: false,
            shown_too: None,
        },
        Claim {
            text: "Render gives the highest quality",
            design: "render",
            metric: "bad_frame_share",
            direction: Direction::Lowest,
            definition: "Highest quality = lowest bad_frame_share: the share of delivered render \
                         frames that are bad. Only designs that delivered render frames are compared.",
            ai_only: false,
            shown_too: None,
        },
        Claim {
            text: "io.net has the best cost-performance for AI",
            design: "ionet",
            metric: "usd_per_gpu_hour",
            direction: Direction::Lowest,
            definition: "Best AI cost-performance = lowest usd_per_gpu_hour among the designs that serve \
                         AI (training or inference) jobs; a design that turns AI jobs away offers no AI \
                         performance at any price. Price per useful GPU-hour already charges for rework \
                         and lost progress, the performance loss a user pays for; the mean wait is shown \
                         beside it, not folded in, because no single exchange rate between hours waited \
                         and dollars fits every user.",
            ai_only: true,
            shown_too: Some("mean_wait_h"),
        },
    ]
}

/// The paired comparison of the claimed design with one rival.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub rival: String,
    /// Replicates where both have a value.
    pub n: usize,
    /// Means of the claimed design and the rival over those replicates.
    pub design_mean: f64,
    pub rival_mean: f64,
    /// Mean of `design − rival`.
    pub diff_mean: f64,
    /// 95% CI of the mean difference (n ≥ 2).
    pub ci95: Option<(f64, f64)>,
    /// Bonferroni-adjusted CI used for "does not hold".
    pub ci_adjusted: Option<(f64, f64)>,
}

/// A claim's verdict with the numbers behind it.
#[derive(Debug, Clone)]
pub struct ClaimResult {
    pub claim: Claim,
    pub verdict: Verdict,
    /// Why, in one sentence.
    pub reason: String,
    pub comparisons: Vec<Comparison>,
    /// Mean of the shown-too column per design (claimed design first).
    pub shown_too: Vec<(String, f64)>,
}

/// Mean and two-sided CI at `confidence` of the mean of `xs` (n ≥ 2).
pub fn t_interval(xs: &[f64], confidence: f64) -> Option<(f64, f64)> {
    let n = xs.len();
    if n < 2 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("n - 1 >= 1 degrees of freedom is valid")
        .inverse_cdf(0.5 + confidence / 2.0);
    let h = t * (var / n as f64).sqrt();
    Some((mean - h, mean + h))
}

/// Values of `metric` at `point` by design, then replicate.
fn by_design(summary: &Table, point: u64, metric: &str) -> BTreeMap<String, BTreeMap<u32, f64>> {
    let mut out: BTreeMap<String, BTreeMap<u32, f64>> = BTreeMap::new();
    let (Some(pc), Some(rc), Some(dc), Some(mc)) = (
        summary.col("point"),
        summary.col("replicate"),
        summary.col("design"),
        summary.col(metric),
    ) else {
        return out;
    };
    for r in &summary.rows {
        if r[pc].parse::<u64>().ok() != Some(point) {
            continue;
        }
        let (Ok(rep), Some(v)) = (r[rc].parse::<u32>(), num(&r[mc])) else {
            continue;
        };
        out.entry(r[dc].to_string()).or_default().insert(rep, v);
    }
    out
}

/// Decides `claim` at `point` of a summary. `serves_ai` says whether a
/// design serves AI jobs (used by the AI claim only).
pub fn decide(
    claim: &Claim,
    summary: &Table,
    point: u64,
    serves_ai: &dyn Fn(&str) -> bool,
) -> ClaimResult {
    let values = by_design(summary, point, claim.metric);
    let mut result = ClaimResult {
        claim: claim.clone(),
        verdict: Verdict::Inconclusive,
        reason: String::new(),
        comparisons: Vec::new(),
        shown_too: Vec::new(),
    };
    if let Some(col) = claim.shown_too {
        let shown = by_design(summary, point, col);
        let mut names: Vec<&String> = shown.keys().collect();
        names.sort_by_key(|d| (d.as_str() != claim.design, d.to_string()));
        for d in names {
            let v = &shown[d];
            result
                .shown_too
                .push((d.clone(), v.values().sum::<f64>() / v.len() as f64));
        }
    }
    let Some(mine) = values.get(claim.design) else {
        result.reason = format!("{} has no {} in this run", claim.design, claim.metric);
        return result;
    };
    if claim.ai_only && !serves_ai(claim.design) {
        result.reason = format!("{} does not serve AI jobs in this scenario", claim.design);
        return result;
    }
    let rivals: Vec<(&String, &BTreeMap<u32, f64>)> = values
        .iter()
        .filter(|(d, _)| d.as_str() != claim.design && (!claim.ai_only || serves_ai(d)))
        .collect();
    if rivals.is_empty() {
        result.reason = format!(
            "no other design{} has a {} to compare with",
            if claim.ai_only {
                " serving AI jobs"
            } else {
                ""
            },
            claim.metric
        );
        return result;
    }
    let k = rivals.len() as f64;
    for (rival, theirs) in rivals {
        let pairs: Vec<(f64, f64)> = mine
            .iter()
            .filter_map(|(rep, &a)| theirs.get(rep).map(|&b| (a, b)))
            .collect();
        let n = pairs.len();
        if n == 0 {
            continue;
        }
        let diffs: Vec<f64> = pairs.iter().map(|(a, b)| a - b).collect();
        result.comparisons.push(Comparison {
            rival: rival.clone(),
            n,
            design_mean: pairs.iter().map(|p| p.0).sum::<f64>() / n as f64,
            rival_mean: pairs.iter().map(|p| p.1).sum::<f64>() / n as f64,
            diff_mean: diffs.iter().sum::<f64>() / n as f64,
            ci95: t_interval(&diffs, 0.95),
            ci_adjusted: t_interval(&diffs, 1.0 - 0.05 / k),
        });
    }
    if result.comparisons.is_empty() {
        result.reason = "no replicate has both designs measured".into();
        return result;
    }
    // Sign of a difference the claim predicts: −1 for lowest, +1 for highest.
    let s = match claim.direction {
        Direction::Lowest => -1.0,
        Direction::Highest => 1.0,
    };
    let favours = |ci: Option<(f64, f64)>| ci.is_some_and(|(lo, hi)| s * lo > 0.0 && s * hi > 0.0);
    let against = |ci: Option<(f64, f64)>| ci.is_some_and(|(lo, hi)| s * lo < 0.0 && s * hi < 0.0);
    let word = match claim.direction {
        Direction::Lowest => "lower",
        Direction::Highest => "higher",
    };
    if let Some(c) = result.comparisons.iter().find(|c| against(c.ci_adjusted)) {
        result.verdict = Verdict::DoesNotHold;
        result.reason = format!(
            "{} is significantly {} than {} on {} ({:.1}% CI of the paired difference excludes 0)",
            c.rival,
            word,
            claim.design,
            claim.metric,
            100.0 * (1.0 - 0.05 / k)
        );
    } else if result.comparisons.len() == rivals_len(&values, claim, serves_ai)
        && result.comparisons.iter().all(|c| favours(c.ci95))
    {
        result.verdict = Verdict::Holds;
        result.reason = format!(
            "{} is significantly {} than every rival on {} (each 95% CI of the paired difference excludes 0)",
            claim.design, word, claim.metric
        );
    } else if result.comparisons.iter().any(|c| c.n < 2) {
        result.reason = "fewer than two paired replicates: no confidence interval".into();
    } else {
        result.reason = "a 95% CI of the paired difference contains 0: the replicates cannot tell the designs apart".into();
    }
    result
}

fn rivals_len(
    values: &BTreeMap<String, BTreeMap<u32, f64>>,
    claim: &Claim,
    serves_ai: &dyn Fn(&str) -> bool,
) -> usize {
    values
        .keys()
        .filter(|d| d.as_str() != claim.design && (!claim.ai_only || serves_ai(d)))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(rows: &[(u32, &str, f64)]) -> Table {
        let mut csv = String::from("point,replicate,design,usd_per_gpu_hour\n");
        for (r, d, v) in rows {
            csv += &format!("0,{r},{d},{v}\n");
        }
        Table::parse(csv.as_bytes(), "summary.csv").unwrap()
    }

    const ALL: &dyn Fn(&str) -> bool = &|_| true;

    #[test]
    fn t_interval_matches_the_table() {
        // n = 3, mean 2, sd 1: t(0.975, 2) = 4.302653, half = 4.302653 / sqrt(3).
        let (lo, hi) = t_interval(&[1.0, 2.0, 3.0], 0.95).unwrap();
        assert!((hi - 2.0 - 4.302653 / 3f64.sqrt()).abs() < 1e-5);
        assert!((2.0 - lo - 4.302653 / 3f64.sqrt()).abs() < 1e-5);
        assert_eq!(t_interval(&[1.0], 0.95), None);
    }

    #[test]
    fn a_clear_paired_gap_holds_even_when_levels_overlap() {
        // Replicates differ a lot, but akash is 0.1 below ionet in each: the
        // unpaired intervals overlap, the paired one does not.
        let t = summary(&[
            (0, "akash", 1.0),
            (0, "ionet", 1.1),
            (1, "akash", 2.0),
            (1, "ionet", 2.12),
            (2, "akash", 3.0),
            (2, "ionet", 3.09),
        ]);
        let r = decide(&claims()[0], &t, 0, ALL);
        assert_eq!(r.verdict, Verdict::Holds, "{}", r.reason);
        assert!((r.comparisons[0].diff_mean + 0.10333).abs() < 1e-4);
    }

    #[test]
    fn a_significant_gap_the_other_way_does_not_hold() {
        let t = summary(&[
            (0, "akash", 2.0),
            (0, "ionet", 1.0),
            (0, "render", 3.0),
            (1, "akash", 2.1),
            (1, "ionet", 1.05),
            (1, "render", 3.0),
            (2, "akash", 2.2),
            (2, "ionet", 1.1),
            (2, "render", 3.1),
        ]);
        let r = decide(&claims()[0], &t, 0, ALL);
        assert_eq!(r.verdict, Verdict::DoesNotHold, "{}", r.reason);
        assert!(r.reason.contains("ionet"), "{}", r.reason);
    }

    #[test]
    fn noise_or_one_replicate_is_inconclusive() {
        let noisy = summary(&[
            (0, "akash", 1.0),
            (0, "ionet", 1.2),
            (1, "akash", 2.0),
            (1, "ionet", 1.7),
            (2, "akash", 3.0),
            (2, "ionet", 3.05),
        ]);
        assert_eq!(
            decide(&claims()[0], &noisy, 0, ALL).verdict,
            Verdict::Inconclusive
        );
        let single = summary(&[(0, "akash", 1.0), (0, "ionet", 2.0)]);
        let r = decide(&claims()[0], &single, 0, ALL);
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert!(r.reason.contains("fewer than two"), "{}", r.reason);
        let absent = summary(&[(0, "ionet", 1.0), (1, "ionet", 2.0)]);
        assert_eq!(
            decide(&claims()[0], &absent, 0, ALL).verdict,
            Verdict::Inconclusive
        );
    }

    #[test]
    fn the_ai_claim_ignores_designs_that_do_not_serve_ai() {
        // render is cheapest but serves no AI jobs; ionet beats akash.
        let t = summary(&[
            (0, "akash", 2.0),
            (0, "ionet", 1.0),
            (0, "render", 0.1),
            (1, "akash", 2.1),
            (1, "ionet", 1.1),
            (1, "render", 0.2),
        ]);
        let serves = |d: &str| d != "render";
        let r = decide(&claims()[3], &t, 0, &serves);
        assert_eq!(r.verdict, Verdict::Holds, "{}", r.reason);
        assert_eq!(r.comparisons.len(), 1);
        let r = decide(&claims()[3], &t, 0, ALL);
        assert_eq!(r.verdict, Verdict::DoesNotHold, "{}", r.reason);
    }
}
