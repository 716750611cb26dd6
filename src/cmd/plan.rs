//! `depinsim plan`: per design, the smallest value of a scenario key at
//! which every target holds with 95% confidence (see [`crate::capacity`]).
//! Writes `plan.csv`, `manifest.json` and `plots/plan_*.svg`; prints the
//! answers as a table.

use super::Prelude;
use super::table::Format;
use crate::capacity::{
    Bound, DesignPlan, PlanRequest, Planner, Target, fmt_value, metric_names, parse_range,
};
use crate::cli::PlanArgs;
use crate::error::{Error, Result};
use crate::output::place::{Kind, Place};
use crate::output::{csv_bytes, write_atomic};
use crate::plot::chart::{Point, Series, XyChart, design_color, draw_xy};
use crate::plot::metric_label;
use plotters::style::RGBColor;
use serde::Serialize;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// One row of `plan.csv`: one target at one evaluated point of one design.
#[derive(Serialize)]
pub struct PlanRow {
    pub design: String,
    /// The varied key's value.
    pub value: String,
    pub replications: u32,
    pub target: String,
    pub metric: String,
    /// Replications where the metric is defined.
    pub n: usize,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    /// Two-sided 95% Student-t interval of the mean.
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// The one-sided 95% bound the rule compares with the threshold: upper
    /// for `<=`, lower for `>=`.
    pub bound95: Option<f64>,
    /// `holds`, `fails` or `unsure` (bounds straddle the threshold).
    pub verdict: &'static str,
    /// Every target holds at this point.
    pub all_hold: bool,
    /// This point is the design's answer.
    pub answer: bool,
    /// Evaluation order within the design (0 first).
    pub order: usize,
}

/// Runs the search and writes the plan directory.
pub fn run(args: PlanArgs, argv: &[String]) -> Result<()> {
    let pre = Prelude::new(
        &args.scenario,
        args.threads,
        args.seed,
        None,
        &args.designs,
        &args.set,
    )?;
    let text = pre.read(&args.scenario)?;
    let Prelude { file, sets } = pre;
    let names = metric_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t, &names).map_err(Error::Usage))
        .collect::<Result<Vec<_>>>()?;
    let (lo, hi) = parse_range(&args.range).map_err(Error::Usage)?;
    // The file's own replications, raised to 3: the bound needs a spread.
    let first = crate::scenario::from_str(&text, &file, &sets)?;
    let file_reps = first.replications;
    let replications = args.replications.unwrap_or(file_reps.max(3));
    let max_replications = args
        .max_replications
        .unwrap_or(replications.saturating_mul(4));
    let planner = Planner::new(PlanRequest {
        file: file.clone(),
        text,
        base_sets: sets.clone(),
        key: args.vary.clone(),
        lo,
        hi,
        targets,
        replications,
        max_replications,
        tolerance: args.tolerance,
    })?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(format!("{}-plan", planner.base.name)));
    let threads = super::threads_of(args.threads);
    // The most one point may take (every design at the most replications);
    // the search visits a few dozen points, one at a time.
    let point_runs = planner.subjects().len() as u64 * max_replications as u64;
    super::check_bounds(
        &planner.base,
        point_runs,
        threads,
        false,
        &args.limits.limits(),
    )?;
    let place = Place::lock(&out, argv)?;
    place.check_replace(Kind::Plan, args.force)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Other(format!("cannot start worker threads: {e}")))?;

    let t0 = Instant::now();
    let plans = planner.plan_all(&pool)?;
    let wall = t0.elapsed().as_secs_f64();

    let rows = plan_rows(&planner, &plans);
    let csv = csv_bytes(&rows)?;
    let runs: usize = plans
        .iter()
        .flat_map(|p| &p.points)
        .map(|p| p.runs.len())
        .sum();
    let events: u64 = plans
        .iter()
        .flat_map(|p| &p.points)
        .flat_map(|p| &p.runs)
        .map(|r| r.2)
        .sum();
    let req = &planner.req;
    let manifest = json!({
        "depinsim_version": env!("CARGO_PKG_VERSION"),
        "kind": "plan",
        "command": argv,
        "scenario_file": file,
        "scenario": planner.base.spec,
        "overrides": sets.iter().map(|s| s.text.clone()).collect::<Vec<_>>(),
        "master_seed": planner.base.seed,
        "vary": req.key,
        "range": [req.lo, req.hi],
        "domain": match planner.domain {
            crate::capacity::Domain::Integer => json!("integer"),
            crate::capacity::Domain::Real { tolerance } => json!({ "real_tolerance": tolerance }),
        },
        "targets": req.targets.iter().map(|t| t.text.clone()).collect::<Vec<_>>(),
        "confidence_rule": "a target METRIC<=X holds when mean + t(0.95, n-1)*s/sqrt(n) <= X over the replications (METRIC>=X: mean - t(0.95, n-1)*s/sqrt(n) >= X); a point holds when every target does",
        "replications": req.replications,
        "max_replications": req.max_replications,
        "designs": plans.iter().map(|p| json!({
            "design": p.name(),
            "answer": p.answer.map(fmt_value),
            "below": p.below.map(fmt_value),
            "points_evaluated": p.points.len(),
            "warnings": p.warnings,
            "runs": p.points.iter().flat_map(|pt| pt.runs.iter().map(move |r| json!({
                "value": fmt_value(pt.value),
                "replicate": r.0,
                "seed": r.1,
                "events": r.2,
                "wall_seconds": r.3,
            }))).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "runs": runs,
        "events": events,
        "wall_seconds": wall,
        "threads": threads,
    });
    let charts = req
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| Ok((chart_name(req, i), draw_xy(&chart(&planner, &plans, i, t))?)))
        .collect::<Result<Vec<_>>>()?;

    // Built beside --out and renamed into place, as a run's directory.
    let tmp = place.temp_dir("plan")?;
    let built = (|| -> Result<()> {
        std::fs::create_dir_all(tmp.join("plots"))
            .map_err(|e| Error::Other(format!("cannot create {}: {e}", tmp.display())))?;
        write_atomic(&tmp.join("plan.csv"), &csv)?;
        for (name, svg) in &charts {
            write_atomic(&tmp.join("plots").join(name), svg.as_bytes())?;
        }
        let manifest = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::Other(format!("cannot format the manifest: {e}")))?;
        write_atomic(&tmp.join("manifest.json"), &manifest)?;
        place.install(&tmp)
    })();
    if built.is_err() {
        let _ = crate::output::place::remove_any(&tmp);
    }
    built?;

    match args.format {
        Format::Markdown => print!("{}", answer_table(&planner, &plans)),
        Format::Csv => print!(
            "{}",
            String::from_utf8_lossy(&csv_bytes(answer_rows(&planner, &plans))?)
        ),
        Format::Json => {
            let rows = serde_json::to_string_pretty(&answer_rows(&planner, &plans))
                .map_err(|e| Error::Other(format!("cannot format the answers: {e}")))?;
            println!("{rows}");
        }
    }
    crate::note!(
        "depinsim: plan of {} over {}..{}: {runs} runs, {events} events in {wall:.2} s wall; results in {}",
        req.key,
        fmt_value(req.lo),
        fmt_value(req.hi),
        out.display()
    );
    // Scripts tell "no value in the range meets the targets" by the exit
    // code (3), after every file is written.
    let unmet: Vec<String> = (plans.iter())
        .filter(|p| p.answer.is_none())
        .map(|p| p.name())
        .collect();
    if !unmet.is_empty() {
        return Err(Error::Unmet(format!(
            "the targets are unreachable within {}..{} for {} (exit code 3); widen --range, or see {}",
            fmt_value(req.lo),
            fmt_value(req.hi),
            unmet.join(", "),
            out.join("plan.csv").display()
        )));
    }
    Ok(())
}

/// One record of `plan --format csv|json`: one target of one design, at
/// its answer (or, unreachable, at the top of the range).
#[derive(Serialize)]
pub struct AnswerRow {
    /// The design, or `world:STRATEGY`.
    pub design: String,
    /// The varied key.
    pub key: String,
    /// The smallest value at which every target holds; empty: unreachable.
    pub answer: Option<String>,
    pub reachable: bool,
    /// The largest evaluated value below the answer (it fails there).
    pub below: Option<String>,
    /// Where the statistics are taken: the answer, or the range's top.
    pub at: String,
    pub target: String,
    pub metric: String,
    pub n: usize,
    pub mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// The one-sided 95% bound compared with the threshold.
    pub bound95: Option<f64>,
    pub verdict: &'static str,
}

/// The answers as records, designs in scenario order, targets as given.
pub fn answer_rows(planner: &Planner, plans: &[DesignPlan]) -> Vec<AnswerRow> {
    let req = &planner.req;
    let mut rows = Vec::new();
    for plan in plans {
        let at = plan.answer.unwrap_or(req.hi);
        let point = plan.point(at);
        for (i, t) in req.targets.iter().enumerate() {
            let s = point.and_then(|p| p.stats[i]);
            rows.push(AnswerRow {
                design: plan.name(),
                key: req.key.clone(),
                answer: plan.answer.map(fmt_value),
                reachable: plan.answer.is_some(),
                below: plan.below.map(fmt_value),
                at: fmt_value(at),
                target: t.text.trim().to_string(),
                metric: t.metric.clone(),
                n: s.map_or(0, |s| s.n),
                mean: s.map(|s| s.mean),
                ci95_low: s.map(|s| s.mean - s.ci95_half),
                ci95_high: s.map(|s| s.mean + s.ci95_half),
                bound95: s.map(|s| match t.bound {
                    Bound::AtMost => s.mean + s.margin95,
                    Bound::AtLeast => s.mean - s.margin95,
                }),
                verdict: point.map_or("unsure", |p| p.verdicts[i].name()),
            });
        }
    }
    rows
}

/// The rows of `plan.csv`: designs in scenario order, values ascending,
/// targets in the order given.
pub fn plan_rows(planner: &Planner, plans: &[DesignPlan]) -> Vec<PlanRow> {
    let mut rows = Vec::new();
    for plan in plans {
        for p in &plan.points {
            for (i, t) in planner.req.targets.iter().enumerate() {
                let s = p.stats[i];
                rows.push(PlanRow {
                    design: plan.name(),
                    value: fmt_value(p.value),
                    replications: p.replications,
                    target: t.text.trim().to_string(),
                    metric: t.metric.clone(),
                    n: s.map_or(0, |s| s.n),
                    mean: s.map(|s| s.mean),
                    sd: s.map(|s| s.sd),
                    ci95_low: s.map(|s| s.mean - s.ci95_half),
                    ci95_high: s.map(|s| s.mean + s.ci95_half),
                    bound95: s.map(|s| match t.bound {
                        Bound::AtMost => s.mean + s.margin95,
                        Bound::AtLeast => s.mean - s.margin95,
                    }),
                    verdict: p.verdicts[i].name(),
                    all_hold: p.holds,
                    answer: plan.answer == Some(p.value),
                    order: p.order,
                });
            }
        }
    }
    rows
}

/// `plan_<metric>.svg`, numbered when a metric has several targets.
fn chart_name(req: &PlanRequest, i: usize) -> String {
    let m = &req.targets[i].metric;
    let earlier = req.targets[..i].iter().filter(|t| &t.metric == m).count();
    if earlier == 0 {
        format!("plan_{m}.svg")
    } else {
        format!("plan_{m}_{}.svg", earlier + 1)
    }
}

/// The metric of target `i` against the key, per design (means with 95%
/// CIs), with the threshold as a dashed line.
fn chart(planner: &Planner, plans: &[DesignPlan], i: usize, t: &Target) -> XyChart {
    let req = &planner.req;
    let mut c = XyChart::new(
        format!("Capacity plan: {} against {}", t.metric, req.key),
        req.key.clone(),
        metric_label(&t.metric),
    );
    let answers: Vec<String> = plans
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.name(),
                p.answer.map_or("unreachable".into(), fmt_value)
            )
        })
        .collect();
    // Doubling leaves the high end far from the answers: when every design
    // has an answer, show up to twice the largest (and say so).
    let all_answered = plans.iter().all(|p| p.answer.is_some());
    let top = plans.iter().filter_map(|p| p.answer).fold(req.lo, f64::max);
    let x_max = if all_answered && 2.0 * top < req.hi {
        (2.0 * top).max(req.lo + (req.hi - req.lo) / 64.0)
    } else {
        req.hi
    };
    let mut sub = format!(
        "target {} {} {}; smallest: {}",
        t.metric,
        t.op(),
        t.threshold,
        answers.join(", ")
    );
    if x_max < req.hi {
        sub.push_str(&format!(
            "; shown up to {} of {}",
            fmt_value(x_max),
            fmt_value(req.hi)
        ));
    }
    c.subtitle = Some(sub);
    c.x_range = Some((req.lo, x_max));
    for (k, plan) in plans.iter().enumerate() {
        let name = plan.name();
        let mut s = Series::new(name.clone(), design_color(&name, k));
        for p in plan.points.iter().filter(|p| p.value <= x_max) {
            if let Some(st) = p.stats[i] {
                s.line.push((p.value, st.mean));
                s.points.push(Point {
                    x: p.value,
                    y: st.mean,
                    x_ci: None,
                    y_ci: Some((st.mean - st.ci95_half, st.mean + st.ci95_half)),
                });
            }
        }
        c.series.push(s);
    }
    // Waits near saturation dwarf those near the target: a log scale when
    // the means span two decades (points at 0 are then not drawn).
    let ys: Vec<f64> = (c.series.iter())
        .flat_map(|s| s.points.iter().map(|p| p.y))
        .filter(|y| *y > 0.0)
        .collect();
    let (ymin, ymax) = ys
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &y| (a.min(y), b.max(y)));
    if t.threshold > 0.0 && ymax > 100.0 * ymin {
        c.y_log = true;
        c.subtitle = c.subtitle.map(|s| s + "; log scale");
    }
    let mut line = Series::new(
        format!("target {} {}", t.op(), t.threshold),
        RGBColor(90, 90, 90),
    );
    line.dashed = true;
    line.line = vec![(req.lo, t.threshold), (x_max, t.threshold)];
    c.series.push(line);
    c
}

/// The answers as a Markdown table: per design, the answer and the point
/// just below it, each with the first target's mean and 95% CI.
pub fn answer_table(planner: &Planner, plans: &[DesignPlan]) -> String {
    let req = &planner.req;
    let targets: Vec<String> = req
        .targets
        .iter()
        .map(|t| t.text.trim().to_string())
        .collect();
    let mut s = format!(
        "Smallest {} in {}..{} with {} (95% one-sided bound)\n\n",
        req.key,
        fmt_value(req.lo),
        fmt_value(req.hi),
        targets.join(" and ")
    );
    let cell = |plan: &DesignPlan, v: Option<f64>| -> String {
        let Some(p) = v.and_then(|v| plan.point(v)) else {
            return "–".into();
        };
        let stats: Vec<String> = req
            .targets
            .iter()
            .zip(&p.stats)
            .zip(&p.verdicts)
            .map(|((t, st), v)| match st {
                Some(st) => {
                    // The bound the rule compares with the threshold.
                    let (bound, op) = match t.bound {
                        Bound::AtMost => (st.mean + st.margin95, "<="),
                        Bound::AtLeast => (st.mean - st.margin95, ">="),
                    };
                    format!(
                        "{} {} (bound {}; CI [{}, {}]) {} {}: {}",
                        t.metric,
                        num(st.mean),
                        num(bound),
                        num(st.mean - st.ci95_half),
                        num(st.mean + st.ci95_half),
                        op,
                        num(t.threshold),
                        v.name()
                    )
                }
                None => format!("{} undefined", t.metric),
            })
            .collect();
        format!(
            "{} (n={}): {}",
            fmt_value(p.value),
            p.replications,
            stats.join("; ")
        )
    };
    s.push_str(
        "| design | answer | at the answer: mean (one-sided 95% bound; two-sided 95% CI) | next value below |\n",
    );
    s.push_str("|---|---|---|---|\n");
    for plan in plans {
        let answer = plan.answer.map_or("unreachable".to_string(), fmt_value);
        let at = match plan.answer {
            Some(a) => cell(plan, Some(a)),
            None => cell(plan, Some(req.hi)),
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            plan.name(),
            answer,
            at,
            cell(plan, plan.below)
        ));
    }
    for plan in plans {
        for w in &plan.warnings {
            s.push_str(&format!("\nwarning: {}: {w}", plan.name()));
        }
    }
    if plans.iter().any(|p| !p.warnings.is_empty()) {
        s.push('\n');
    }
    s
}

/// A number with 4 significant digits.
fn num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}
