//! The seed article's claims (the one it opens with, against the cloud, and its four about the networks), tested with paired differences across
//! replicates: cost and stability workload by workload on a run's
//! `workloads.csv`, quality on `summary.csv`.
//!
//! **Why per workload.** The designs do not serve the same work: Render
//! serves only render jobs (on cheap consumer GPUs), Akash also serves CPU
//! web services, io.net serves no web services. A run-wide price or
//! interruption rate averages over whatever basket of workloads a design
//! served, so comparing two designs' run-wide values mixes a difference in
//! the market with a difference in the basket. So the cost and stability
//! claims compare the claimed design with each rival on each workload both
//! served (`workloads.csv`), and the AI claim does so on the AI workloads
//! only (kind `training` or `inference`, from the resolved scenario in
//! `manifest.json`). A directory without `workloads.csv` (from before the
//! file existed) falls back to the run-wide values of `summary.csv`, and the reason
//! says so. Quality (`bad_frame_share`) concerns render frames only, so it is
//! decided on `summary.csv`.
//!
//! **Paired differences.** All designs of one replicate see the same jobs,
//! outages and market shock (common random numbers), so the difference
//! between two designs within a replicate cancels most of the noise the two
//! share. For each comparison — a (rival, workload) pair where both designs
//! have a value in the same replicates, or a rival alone on run-wide values —
//! we take the per-replicate difference `claimed design − rival` and its
//! Student-t confidence interval.
//!
//! - **holds**: in *every* comparison the 95% CI lies strictly on the side
//!   the claim states. This is an intersection–union test, so its level is
//!   5% without a multiple-comparison correction.
//! - **does not hold**: in *some* comparison the CI lies strictly on the
//!   other side, at a Bonferroni-adjusted level (1 − 0.05 / number of
//!   comparisons) because one of several comparisons is enough.
//! - **inconclusive**: anything else — an interval that contains 0, fewer
//!   than two replicates, the design, a rival or the metric missing.

use crate::plot::chart::fmt_num;
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
    /// The column (of `workloads.csv`, or `summary.csv`) that decides it.
    pub metric: &'static str,
    pub direction: Direction,
    /// How the metric stands for the claim, and its caveats.
    pub definition: &'static str,
    /// Only AI work counts: AI workloads (per workload), or designs serving
    /// AI jobs (run-wide fallback).
    pub ai_only: bool,
    /// A column shown beside the verdict but not deciding it.
    pub shown_too: Option<&'static str>,
    /// Decided workload by workload on `workloads.csv` when the directory
    /// has it; otherwise (and always when false) on `summary.csv`.
    pub per_workload: bool,
    /// Rivals are the decentralized networks only (the seed's claims compare
    /// them with each other; the centralized cloud is their reference, not
    /// their rival).
    pub depin_only: bool,
}

/// The name of the centralized-cloud design.
pub const CLOUD: &str = "cloud";

/// The claims of the seed article: the one it opens with (the DePIN
/// networks are cheaper than the centralized cloud) and its four claims
/// about the networks.
pub fn claims() -> [Claim; 5] {
    [
        Claim {
            text: "Decentralized networks are cheaper than the centralized cloud",
            design: CLOUD,
            metric: "usd_per_gpu_hour",
            direction: Direction::Highest,
            definition: "Cheaper than the cloud = the centralized cloud's usd_per_gpu_hour is the \
                         highest: the cloud serving the same jobs at its list price (spot and failures as \
                         configured) against each decentralized network, workload by workload, on each \
                         workload both served. It holds when every network is cheaper than the cloud on \
                         every workload it served.",
            ai_only: false,
            shown_too: Some("mean_wait_h"),
            per_workload: true,
            depin_only: false,
        },
        Claim {
            text: "Akash is the cheapest",
            design: "akash",
            metric: "usd_per_gpu_hour",
            direction: Direction::Lowest,
            definition: "Cheapest = lowest usd_per_gpu_hour: what users paid per GPU-hour of useful \
                         work delivered, rework and lost progress included. Compared workload by workload, \
                         against each rival on each workload both served: the designs serve different \
                         baskets of work (Render only render jobs, Akash also CPU web services), so \
                         run-wide averages would compare baskets, not markets.",
            ai_only: false,
            shown_too: None,
            per_workload: true,
            depin_only: true,
        },
        Claim {
            text: "Akash is the least stable",
            design: "akash",
            metric: "interruptions_per_1k_gpu_h",
            direction: Direction::Highest,
            definition: "Least stable = highest interruptions_per_1k_gpu_h: interrupted runs (lease \
                         closed, worker lost, frames lost) per 1,000 useful GPU-hours — what a user feels \
                         of the fleet's churn. Compared workload by workload, against each rival on each \
                         workload both served, because short jobs and long services meet the same churn \
                         at different rates.",
            ai_only: false,
            shown_too: None,
            per_workload: true,
            depin_only: true,
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
            per_workload: false,
            depin_only: true,
        },
        Claim {
            text: "io.net has the best cost-performance for AI",
            design: "ionet",
            metric: "usd_per_gpu_hour",
            direction: Direction::Lowest,
            definition: "Best AI cost-performance = lowest usd_per_gpu_hour on each AI (training or \
                         inference) workload, against each design that served it; a design that turns AI \
                         jobs away offers no AI performance at any price. Price per useful GPU-hour already \
                         charges for rework and lost progress, the performance loss a user pays for; the \
                         mean wait on each workload is shown beside it, not folded in, because no single \
                         exchange rate between hours waited and dollars fits every user.",
            ai_only: true,
            shown_too: Some("mean_wait_h"),
            per_workload: true,
            depin_only: true,
        },
    ]
}

impl Claim {
    /// Whether design `d` is a rival of this claim's design.
    pub fn rival_ok(&self, d: &str) -> bool {
        !self.depin_only || d != CLOUD
    }
}

/// Where a claim's numbers come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// Per workload, from `workloads.csv`.
    Workloads,
    /// Run-wide, from `summary.csv`, as the claim asks (quality).
    Summary,
    /// Run-wide, from `summary.csv`, because per-workload values were not
    /// available; the string says why.
    Fallback(String),
}

/// The paired comparison of the claimed design with one rival, on one
/// workload or on run-wide values.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub rival: String,
    /// The workload compared on; `None` for run-wide values (`summary.csv`).
    pub workload: Option<String>,
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
    /// Means of the claim's shown-too column over the same replicates (those
    /// of them where it has a value): claimed design, rival.
    pub design_shown: Option<f64>,
    pub rival_shown: Option<f64>,
}

/// A claim's verdict with the numbers behind it.
#[derive(Debug, Clone)]
pub struct ClaimResult {
    pub claim: Claim,
    pub verdict: Verdict,
    /// Why, in one sentence.
    pub reason: String,
    pub basis: Basis,
    pub comparisons: Vec<Comparison>,
    /// Run-wide mean of the shown-too column per design (claimed design
    /// first); run-wide bases only (per workload it is in the comparisons).
    pub shown_too: Vec<(String, f64)>,
    /// Workloads some design served but that gave no comparison (the claimed
    /// design or every rival did not serve them), with the designs that did.
    pub unshared: Vec<(String, Vec<String>)>,
}

impl ClaimResult {
    fn new(claim: &Claim, basis: Basis) -> Self {
        ClaimResult {
            claim: claim.clone(),
            verdict: Verdict::Inconclusive,
            reason: String::new(),
            basis,
            comparisons: Vec::new(),
            shown_too: Vec::new(),
            unshared: Vec::new(),
        }
    }
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

/// Design → replicate → value.
type ByDesign = BTreeMap<String, BTreeMap<u32, f64>>;

/// Values of one column at one point, per group: per workload (in order of
/// first appearance), or one unnamed group for run-wide values.
type Groups = Vec<(Option<String>, ByDesign)>;

/// Values of `metric` at `point` by group (the `group` column's value, in
/// order of first appearance; one unnamed group when `group` is `None`),
/// then design, then replicate. Empty or non-numeric cells are left out.
fn grouped(t: &Table, point: u64, metric: &str, group: Option<&str>) -> Groups {
    let (Some(pc), Some(rc), Some(dc)) = (t.col("point"), t.col("replicate"), t.col("design"))
    else {
        return Vec::new();
    };
    let gc = match group {
        Some(g) => match t.col(g) {
            Some(c) => Some(c),
            None => return Vec::new(),
        },
        None => None,
    };
    let mc = t.col(metric);
    let mut out: Groups = Vec::new();
    if gc.is_none() {
        out.push((None, ByDesign::new()));
    }
    for r in &t.rows {
        if r[pc].parse::<u64>().ok() != Some(point) {
            continue;
        }
        let i = match gc {
            None => 0,
            Some(gc) => match out.iter().position(|(g, _)| g.as_deref() == Some(&r[gc])) {
                Some(i) => i,
                None => {
                    out.push((Some(r[gc].to_string()), ByDesign::new()));
                    out.len() - 1
                }
            },
        };
        let (Some(mc), Ok(rep)) = (mc, r[rc].parse::<u32>()) else {
            continue;
        };
        if let Some(v) = num(&r[mc]) {
            out[i]
                .1
                .entry(r[dc].to_string())
                .or_default()
                .insert(rep, v);
        }
    }
    out
}

fn mean(xs: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (mut s, mut n) = (0.0, 0usize);
    for x in xs {
        s += x;
        n += 1;
    }
    (n > 0).then(|| s / n as f64)
}

/// Whether a workload kind is AI work.
pub fn is_ai_kind(kind: &str) -> bool {
    kind == "training" || kind == "inference"
}

/// Decides `claim` at `point` of a summary (run-wide values). `serves_ai`
/// says whether a design serves AI jobs (used by the AI claim only).
pub fn decide(
    claim: &Claim,
    summary: &Table,
    point: u64,
    serves_ai: &dyn Fn(&str) -> bool,
) -> ClaimResult {
    let groups = grouped(summary, point, claim.metric, None);
    let shown = claim
        .shown_too
        .map(|c| grouped(summary, point, c, None))
        .unwrap_or_default();
    let mut result = ClaimResult::new(claim, Basis::Summary);
    if let Some((_, by)) = shown.first() {
        let mut names: Vec<&String> = by.keys().collect();
        names.sort_by_key(|d| (d.as_str() != claim.design, d.to_string()));
        for d in names {
            if let Some(m) = mean(by[d].values().copied()) {
                result.shown_too.push((d.clone(), m));
            }
        }
    }
    if !groups
        .first()
        .is_some_and(|(_, by)| by.contains_key(claim.design))
    {
        result.reason = format!("{} has no {} in this run", claim.design, claim.metric);
        return result;
    }
    if claim.ai_only && !serves_ai(claim.design) {
        result.reason = format!("{} does not serve AI jobs in this scenario", claim.design);
        return result;
    }
    judge(
        claim,
        &groups,
        &shown,
        &|d| (!claim.ai_only || serves_ai(d)) && claim.rival_ok(d),
        &mut result,
    );
    result
}

/// Decides `claim` at `point` workload by workload on `workloads.csv`.
/// `kinds` maps workload names to kinds (the AI claim keeps `training` and
/// `inference` workloads). `Err` says why per-workload values cannot decide
/// the claim here (the caller then falls back to `summary.csv`).
pub fn decide_by_workload(
    claim: &Claim,
    workloads: &Table,
    kinds: &BTreeMap<String, String>,
    point: u64,
) -> Result<ClaimResult, String> {
    for col in ["point", "replicate", "design", "workload", claim.metric] {
        if workloads.col(col).is_none() {
            return Err(format!("workloads.csv has no {col} column"));
        }
    }
    let mut groups = grouped(workloads, point, claim.metric, Some("workload"));
    if groups.is_empty() {
        return Err(format!("workloads.csv has no rows at point {point}"));
    }
    if claim.ai_only {
        if kinds.is_empty() {
            return Err(
                "manifest.json gives no workload kinds, so the AI workloads are unknown".into(),
            );
        }
        groups.retain(|(w, _)| {
            w.as_ref()
                .and_then(|w| kinds.get(w))
                .is_some_and(|k| is_ai_kind(k))
        });
    }
    let shown = claim
        .shown_too
        .map(|c| grouped(workloads, point, c, Some("workload")))
        .unwrap_or_default();
    let mut result = ClaimResult::new(claim, Basis::Workloads);
    let ai = if claim.ai_only { "AI " } else { "" };
    if groups.is_empty() {
        result.reason = "the run has no AI (training or inference) workload".into();
        return Ok(result);
    }
    // Workloads that give no comparison, with the designs that served them.
    for (w, by) in &groups {
        let compared = by.contains_key(claim.design) && by.len() > 1;
        if !by.is_empty() && !compared {
            let served = by.keys().cloned().collect();
            result
                .unshared
                .push((w.clone().unwrap_or_default(), served));
        }
    }
    if !groups.iter().any(|(_, by)| by.contains_key(claim.design)) {
        result.reason = format!(
            "{} has no {} on any {ai}workload in workloads.csv (it served none)",
            claim.design, claim.metric
        );
        return Ok(result);
    }
    judge(claim, &groups, &shown, &|d| claim.rival_ok(d), &mut result);
    Ok(result)
}

/// What a claim is decided on: the directory's files at one point.
pub struct Inputs<'a> {
    pub summary: &'a Table,
    /// `workloads.csv`, when the directory has it.
    pub workloads: Option<&'a Table>,
    /// Workload name → kind, from the manifest's resolved scenario.
    pub kinds: &'a BTreeMap<String, String>,
    /// Whether a design serves AI jobs (run-wide fallback of the AI claim).
    pub serves_ai: &'a dyn Fn(&str) -> bool,
}

/// Decides `claim` at `point`: per workload when the claim asks for it and
/// `workloads.csv` allows, otherwise on `summary.csv` (saying why in the
/// reason when it is a fallback).
pub fn decide_claim(claim: &Claim, inputs: &Inputs, point: u64) -> ClaimResult {
    if !claim.per_workload {
        return decide(claim, inputs.summary, point, inputs.serves_ai);
    }
    let why = match inputs.workloads {
        None => "this directory has no workloads.csv".to_string(),
        Some(t) => match decide_by_workload(claim, t, inputs.kinds, point) {
            Ok(r) => return r,
            Err(why) => why,
        },
    };
    let mut r = decide(claim, inputs.summary, point, inputs.serves_ai);
    r.reason = format!(
        "{}. Run-wide values from summary.csv, not per workload ({why}), so designs serving \
         different workloads are compared on different baskets of work",
        r.reason
    );
    r.basis = Basis::Fallback(why);
    r
}

/// Compares the claimed design with every rival (`rival_ok`) in every group
/// where both have values, and sets the verdict and reason.
fn judge(
    claim: &Claim,
    groups: &Groups,
    shown: &Groups,
    rival_ok: &dyn Fn(&str) -> bool,
    result: &mut ClaimResult,
) {
    let per_workload = groups.iter().any(|(w, _)| w.is_some());
    // Every (workload, rival) pair where both designs have values.
    let mut todo = Vec::new();
    for (w, by) in groups {
        let Some(mine) = by.get(claim.design) else {
            continue;
        };
        for (rival, theirs) in by {
            if rival != claim.design && rival_ok(rival) {
                todo.push((w, rival, mine, theirs));
            }
        }
    }
    if todo.is_empty() {
        result.reason = if per_workload {
            format!(
                "no other design served a{} workload {} served: nothing to compare its {} with",
                if claim.ai_only { "n AI" } else { "" },
                claim.design,
                claim.metric
            )
        } else {
            format!(
                "no other design{} has a {} to compare with",
                if claim.ai_only {
                    " serving AI jobs"
                } else {
                    ""
                },
                claim.metric
            )
        };
        return;
    }
    let total = todo.len();
    let k = total as f64;
    let shown_mean = |w: &Option<String>, d: &str, reps: &[u32]| -> Option<f64> {
        let by = &shown.iter().find(|(g, _)| g == w)?.1;
        let vals = by.get(d)?;
        mean(reps.iter().filter_map(|r| vals.get(r).copied()))
    };
    for (w, rival, mine, theirs) in todo {
        let reps: Vec<u32> = mine
            .keys()
            .filter(|r| theirs.contains_key(r))
            .copied()
            .collect();
        let n = reps.len();
        if n == 0 {
            continue;
        }
        let diffs: Vec<f64> = reps.iter().map(|r| mine[r] - theirs[r]).collect();
        result.comparisons.push(Comparison {
            rival: rival.clone(),
            workload: w.clone(),
            n,
            design_mean: reps.iter().map(|r| mine[r]).sum::<f64>() / n as f64,
            rival_mean: reps.iter().map(|r| theirs[r]).sum::<f64>() / n as f64,
            diff_mean: diffs.iter().sum::<f64>() / n as f64,
            ci95: t_interval(&diffs, 0.95),
            ci_adjusted: t_interval(&diffs, 1.0 - 0.05 / k),
            design_shown: shown_mean(w, claim.design, &reps),
            rival_shown: shown_mean(w, rival, &reps),
        });
    }
    if result.comparisons.is_empty() {
        result.reason = "no replicate has both designs measured".into();
        return;
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
    let on = |c: &Comparison| {
        c.workload
            .as_ref()
            .map_or(String::new(), |w| format!(" on {w}"))
    };
    let level = fmt_num(100.0 * (1.0 - 0.05 / k));
    let bonferroni = if total == 1 {
        String::new()
    } else {
        format!(", Bonferroni over {total} comparisons")
    };
    let contrary: Vec<&Comparison> = (result.comparisons.iter())
        .filter(|c| against(c.ci_adjusted))
        .collect();
    if let [c] = contrary[..] {
        result.verdict = Verdict::DoesNotHold;
        result.reason = format!(
            "{} is significantly {} than {} on {}{} ({level}% CI of the paired difference excludes 0{bonferroni})",
            c.rival,
            word,
            claim.design,
            claim.metric,
            on(c),
        );
    } else if !contrary.is_empty() {
        result.verdict = Verdict::DoesNotHold;
        // Grouped by rival: "ionet on training, render; render on render".
        let mut who: Vec<(&str, Vec<String>)> = Vec::new();
        for c in &contrary {
            let i = match who.iter().position(|(r, _)| *r == c.rival) {
                Some(i) => i,
                None => {
                    who.push((&c.rival, Vec::new()));
                    who.len() - 1
                }
            };
            who[i].1.extend(c.workload.clone());
        }
        let who: Vec<String> = who
            .into_iter()
            .map(|(r, ws)| {
                if ws.is_empty() {
                    r.to_string()
                } else {
                    format!("{r} on {}", ws.join(", "))
                }
            })
            .collect();
        result.reason = format!(
            "significantly {} than {} on {}: {} ({level}% CI of each paired difference excludes 0{bonferroni})",
            word,
            claim.design,
            claim.metric,
            who.join("; ")
        );
    } else if result.comparisons.len() == total
        && result.comparisons.iter().all(|c| favours(c.ci95))
    {
        result.verdict = Verdict::Holds;
        result.reason = if per_workload {
            format!(
                "{} is significantly {} than every rival on {} on every workload both served \
                 (the 95% CI of the paired difference excludes 0 in {})",
                claim.design,
                word,
                claim.metric,
                if total == 1 {
                    "the one comparison".to_string()
                } else {
                    format!("each of the {total} comparisons")
                }
            )
        } else {
            format!(
                "{} is significantly {} than every rival on {} (each 95% CI of the paired difference excludes 0)",
                claim.design, word, claim.metric
            )
        };
    } else if result.comparisons.len() < total {
        result.reason =
            "some rival has values but none in a replicate where the claimed design has one: \
                         not every comparison can be made"
                .into();
    } else if result.comparisons.iter().any(|c| c.n < 2) {
        result.reason = "fewer than two paired replicates: no confidence interval".into();
    } else {
        let c = result
            .comparisons
            .iter()
            .find(|c| !favours(c.ci95))
            .expect("not every comparison favours the claim");
        let (lo, hi) = c.ci95.expect("n >= 2 gives an interval");
        result.reason = if lo <= 0.0 && hi >= 0.0 {
            format!(
                "the 95% CI of {} − {}{} contains 0: the replicates cannot tell the designs apart{}",
                claim.design,
                c.rival,
                on(c),
                if per_workload { " there" } else { "" }
            )
        } else {
            format!(
                "{} is {} than {} on {}{} at 95% but not at the Bonferroni-adjusted {level}% \
                 ({total} comparisons): not clear enough to reject the claim",
                c.rival,
                word,
                claim.design,
                claim.metric,
                on(c)
            )
        };
    }
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
        let r = decide(&claims()[1], &t, 0, ALL);
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
        let r = decide(&claims()[1], &t, 0, ALL);
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
            decide(&claims()[1], &noisy, 0, ALL).verdict,
            Verdict::Inconclusive
        );
        let single = summary(&[(0, "akash", 1.0), (0, "ionet", 2.0)]);
        let r = decide(&claims()[1], &single, 0, ALL);
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert!(r.reason.contains("fewer than two"), "{}", r.reason);
        let absent = summary(&[(0, "ionet", 1.0), (1, "ionet", 2.0)]);
        assert_eq!(
            decide(&claims()[1], &absent, 0, ALL).verdict,
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
        let r = decide(&claims()[4], &t, 0, &serves);
        assert_eq!(r.verdict, Verdict::Holds, "{}", r.reason);
        assert_eq!(r.comparisons.len(), 1);
        let r = decide(&claims()[4], &t, 0, ALL);
        assert_eq!(r.verdict, Verdict::DoesNotHold, "{}", r.reason);
    }

    /// workloads.csv with `usd_per_gpu_hour` (and `mean_wait_h` = value / 10)
    /// from (replicate, design, workload, value) rows at point 0.
    fn workloads(rows: &[(u32, &str, &str, f64)]) -> Table {
        let mut csv =
            String::from("point,replicate,design,workload,usd_per_gpu_hour,mean_wait_h\n");
        for (r, d, w, v) in rows {
            csv += &format!("0,{r},{d},{w},{v},{}\n", v / 10.0);
        }
        Table::parse(csv.as_bytes(), "workloads.csv").unwrap()
    }

    fn kinds(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(w, k)| (w.to_string(), k.to_string()))
            .collect()
    }

    #[test]
    fn bonferroni_counts_every_rival_workload_pair() {
        // One rival on three workloads. On "a" akash is dearer by 3, 4, 5:
        // the 97.5% CI (two comparisons) would exclude 0, the 98.33% one
        // (three comparisons) does not, so the claim is not rejected.
        let mut rows = Vec::new();
        for (rep, d) in [(0, 3.0), (1, 4.0), (2, 5.0)] {
            rows.push((rep, "akash", "a", 10.0 + d));
            rows.push((rep, "ionet", "a", 10.0));
        }
        for (rep, d) in [(0, -1.0), (1, -1.1), (2, -0.9)] {
            for w in ["b", "c"] {
                rows.push((rep, "akash", w, 5.0 + d));
                rows.push((rep, "ionet", w, 5.0));
            }
        }
        let r = decide_by_workload(&claims()[1], &workloads(&rows), &kinds(&[]), 0).unwrap();
        assert_eq!(r.basis, Basis::Workloads);
        assert_eq!(r.comparisons.len(), 3);
        assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.reason);
        assert!(r.reason.contains("98.33%"), "{}", r.reason);
        let a = &r.comparisons[0];
        assert_eq!(a.workload.as_deref(), Some("a"));
        let (lo, _) = a.ci95.unwrap();
        assert!(lo > 0.0, "the 95% CI lies above 0");
        let (lo, _) = a.ci_adjusted.unwrap();
        assert!(lo < 0.0, "the adjusted CI contains 0");
        // Drop workload c: two comparisons, 97.5%, and the claim fails.
        rows.retain(|(_, _, w, _)| *w != "c");
        let r = decide_by_workload(&claims()[1], &workloads(&rows), &kinds(&[]), 0).unwrap();
        assert_eq!(r.verdict, Verdict::DoesNotHold, "{}", r.reason);
        assert!(
            r.reason.contains("ionet") && r.reason.contains("on a"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn per_workload_pairs_only_designs_that_served_the_workload() {
        // Render serves only the cheap render workload and akash also serves
        // web: run-wide render would look cheapest; per workload akash is
        // cheaper than both rivals wherever they meet.
        let mut rows = Vec::new();
        for rep in 0..3 {
            let e = rep as f64 * 0.01;
            rows.push((rep, "akash", "train", 1.7 + e));
            rows.push((rep, "ionet", "train", 1.9 + e));
            rows.push((rep, "akash", "render", 0.28 + e));
            rows.push((rep, "ionet", "render", 0.33 + e));
            rows.push((rep, "render", "render", 0.30 + e));
            rows.push((rep, "akash", "web", 0.04 + e));
        }
        let r = decide_by_workload(&claims()[1], &workloads(&rows), &kinds(&[]), 0).unwrap();
        assert_eq!(r.verdict, Verdict::Holds, "{}", r.reason);
        let pairs: Vec<(&str, &str)> = r
            .comparisons
            .iter()
            .map(|c| (c.rival.as_str(), c.workload.as_deref().unwrap()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("ionet", "train"),
                ("ionet", "render"),
                ("render", "render")
            ]
        );
        assert_eq!(r.unshared, [("web".to_string(), vec!["akash".to_string()])]);
        let c = &r.comparisons[2];
        assert!((c.design_mean - 0.29).abs() < 1e-12 && (c.rival_mean - 0.31).abs() < 1e-12);
    }

    #[test]
    fn the_ai_claim_compares_on_ai_workloads_only() {
        // io.net is cheaper than akash on training and inference, dearer on
        // render (not AI) and than render (which serves no AI workload).
        let mut rows = Vec::new();
        for rep in 0..3 {
            let e = rep as f64 * 0.02;
            rows.push((rep, "ionet", "train", 1.8 + e));
            rows.push((rep, "akash", "train", 2.0 + e));
            rows.push((rep, "ionet", "infer", 0.5 + e));
            rows.push((rep, "akash", "infer", 0.6 + e));
            rows.push((rep, "ionet", "render", 0.5 + e));
            rows.push((rep, "akash", "render", 0.3 + e));
            rows.push((rep, "render", "render", 0.2 + e));
        }
        let k = kinds(&[
            ("train", "training"),
            ("infer", "inference"),
            ("render", "render"),
        ]);
        let r = decide_by_workload(&claims()[4], &workloads(&rows), &k, 0).unwrap();
        assert_eq!(r.verdict, Verdict::Holds, "{}", r.reason);
        assert_eq!(r.comparisons.len(), 2);
        assert!(r.comparisons.iter().all(|c| c.rival == "akash"));
        // The wait of each workload is carried beside its comparison.
        let c = &r.comparisons[0];
        assert!((c.design_shown.unwrap() - 0.182).abs() < 1e-12);
        assert!((c.rival_shown.unwrap() - 0.202).abs() < 1e-12);
        // Without kinds the AI workloads are unknown: no per-workload verdict.
        let err = decide_by_workload(&claims()[4], &workloads(&rows), &kinds(&[]), 0).unwrap_err();
        assert!(err.contains("kinds"), "{err}");
        // The cost claim, on every workload, fails on render.
        let r = decide_by_workload(&claims()[1], &workloads(&rows), &k, 0).unwrap();
        assert_eq!(r.verdict, Verdict::DoesNotHold, "{}", r.reason);
    }

    #[test]
    fn without_workload_values_the_claim_falls_back_to_the_summary_and_says_so() {
        let t = summary(&[
            (0, "akash", 1.0),
            (0, "ionet", 1.1),
            (1, "akash", 2.0),
            (1, "ionet", 2.12),
            (2, "akash", 3.0),
            (2, "ionet", 3.09),
        ]);
        let none = kinds(&[]);
        let mut inputs = Inputs {
            summary: &t,
            workloads: None,
            kinds: &none,
            serves_ai: ALL,
        };
        let r = decide_claim(&claims()[1], &inputs, 0);
        assert_eq!(r.verdict, Verdict::Holds);
        assert_eq!(
            r.basis,
            Basis::Fallback("this directory has no workloads.csv".into())
        );
        assert!(r.reason.contains("no workloads.csv"), "{}", r.reason);
        assert!(r.comparisons.iter().all(|c| c.workload.is_none()));
        // workloads.csv without rows at this point: the same.
        let w = workloads(&[(0, "akash", "a", 1.0)]);
        inputs.workloads = Some(&w);
        let r = decide_claim(&claims()[1], &inputs, 1);
        assert!(matches!(r.basis, Basis::Fallback(ref why) if why.contains("point 1")));
        // Quality is always decided on the summary, not as a fallback.
        let r = decide_claim(&claims()[3], &inputs, 0);
        assert_eq!(r.basis, Basis::Summary);
    }
}
