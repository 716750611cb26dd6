//! Capacity planning (`depinsim plan`): per design, the smallest value of
//! one scenario key (e.g. `supply.initial.H100`) at which every service-level
//! target holds with 95% confidence across replications.
//!
//! Not to be confused with [`crate::sweep::SweepPlan`], the list of points a
//! sweep runs. Here the points are chosen as the search goes ([`search`]):
//! the ends of the range, bracketing by doubling, then bisection. At each
//! point replications are added while a target's one-sided 95% bounds
//! straddle its threshold ([`target::verdict`]), up to a cap. Replicate r
//! has the same seed at every point and for every design (common random
//! numbers), so neighbouring points differ by the key, not by luck, and the
//! result does not depend on the thread count.

pub mod search;
pub mod target;

use crate::engine::SimTime;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::runner::{Control, RunSpec, run_one, run_seed, run_spec};
use crate::scenario::{self, DesignKind, Override, Scenario};
use crate::sim::StrategyRow;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
pub use search::{Domain, Outcome, not_monotone, search};
pub use target::{Bound, Stats, Target, Verdict, verdict};
use toml::Value;

/// Summary columns that identify a run rather than measure it.
const ID_COLUMNS: [&str; 4] = ["point", "replicate", "seed", "design"];

/// The metrics a target may name: the numeric columns of `summary.csv`.
pub fn metric_names() -> Vec<String> {
    // An empty run's summary has every column (undefined ones as null).
    let summary = Metrics::new(0, 1).summarize(1 as SimTime);
    let v = serde_json::to_value(&summary).expect("a summary serializes");
    v.as_object()
        .expect("a summary is a JSON object")
        .keys()
        .filter(|k| !ID_COLUMNS.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// The metrics a target may name when the scenario has `[world]`: the
/// numeric columns of `strategies.csv` (each strategy is planned as a whole,
/// over all its networks).
pub fn strategy_metric_names() -> Vec<String> {
    let v = serde_json::to_value(StrategyRow::default()).expect("a strategy row serializes");
    v.as_object()
        .expect("a strategy row is a JSON object")
        .keys()
        .filter(|k| !["point", "replicate", "seed", "strategy"].contains(&k.as_str()))
        .cloned()
        .collect()
}

/// The value of `metric` in a run's summary (`None` when undefined).
fn metric_value(summary: &serde_json::Value, metric: &str) -> Option<f64> {
    summary.get(metric).and_then(serde_json::Value::as_f64)
}

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The scenario file's name (messages) and text.
    pub file: String,
    pub text: String,
    /// Overrides applied before the varied key (`--set`, `--seed`, `--design`).
    pub base_sets: Vec<Override>,
    /// The varied key, as given (dotted path).
    pub key: String,
    pub lo: f64,
    pub hi: f64,
    pub targets: Vec<Target>,
    /// Replications at every point, and the most a point may get.
    pub replications: u32,
    pub max_replications: u32,
    /// Width at which bisection of a real-valued key stops; `None`:
    /// (HI − LO) / 256.
    pub tolerance: Option<f64>,
}

/// One evaluated point of one design.
#[derive(Debug, Clone)]
pub struct PlanPoint {
    pub value: f64,
    pub replications: u32,
    /// Per target: statistics (`None`: fewer than 2 replications define it)
    /// and verdict.
    pub stats: Vec<Option<Stats>>,
    pub verdicts: Vec<Verdict>,
    /// Every target holds.
    pub holds: bool,
    /// Position in evaluation order (0 first).
    pub order: usize,
    /// Per replicate: events simulated and wall seconds (manifest only).
    pub runs: Vec<(u32, u64, u64, f64)>,
}

/// The plan of one design alone, or of one world strategy.
#[derive(Debug, Clone)]
pub struct DesignPlan {
    /// The design (a world strategy's first network).
    pub design: DesignKind,
    /// World mode: the strategy (index into `world.strategies`, name).
    pub strategy: Option<(u16, String)>,
    /// Evaluated points, by value.
    pub points: Vec<PlanPoint>,
    /// The smallest value at which every target holds (`None`: unreachable).
    pub answer: Option<f64>,
    /// The largest evaluated value below the answer (it fails there).
    pub below: Option<f64>,
    pub warnings: Vec<String>,
}

impl DesignPlan {
    /// What was planned: the design's name, or `world:STRATEGY`.
    pub fn name(&self) -> String {
        match &self.strategy {
            Some((_, s)) => format!("world:{s}"),
            None => self.design.name().to_string(),
        }
    }

    /// The evaluated point at `value`.
    pub fn point(&self, value: f64) -> Option<&PlanPoint> {
        self.points.iter().find(|p| p.value == value)
    }
}

/// A checked request, ready to run.
pub struct Planner {
    pub req: PlanRequest,
    pub domain: Domain,
    path: Vec<String>,
    /// The scenario at the low end (name, seed, designs).
    pub base: Scenario,
    /// Counts the runs; cancelled, the search stops before its next round
    /// of replications with [`Error::Interrupted`].
    pub control: Control,
}

impl Planner {
    /// Checks the request: the key must exist and take numbers, both ends
    /// of the range must give a valid scenario, and integer keys need
    /// integer ends. Decides whether the key is integer-valued: it is when
    /// the scenario rejects a fractional value for it.
    pub fn new(req: PlanRequest) -> Result<Planner> {
        let bad = |m: String| Error::Usage(m);
        let path = scenario::parse_key(&req.key).map_err(|e| bad(format!("--vary: {e}")))?;
        let (lo, hi) = (req.lo, req.hi);
        if !(lo.is_finite() && hi.is_finite()) || lo >= hi {
            return Err(bad(format!(
                "--range {}..{}: must be LO..HI with LO < HI",
                fmt_value(lo),
                fmt_value(hi)
            )));
        }
        if req.targets.is_empty() {
            return Err(bad("give at least one --target".into()));
        }
        if req.replications < 2 {
            return Err(bad(format!(
                "--replications must be at least 2 (the 95% bound needs a spread), got {}",
                req.replications
            )));
        }
        if req.max_replications < req.replications {
            return Err(bad(format!(
                "--max-replications ({}) must be at least --replications ({})",
                req.max_replications, req.replications
            )));
        }
        if let Some(t) = req.tolerance
            && !(t.is_finite() && t > 0.0)
        {
            return Err(bad(format!("--tolerance must be > 0, got {t}")));
        }
        let integral = |x: f64| x.fract() == 0.0 && x.abs() < 9.0e15;
        let probe = |v: Value| {
            let mut sets = req.base_sets.clone();
            sets.push(Override {
                path: path.clone(),
                text: format!("{}={v}", req.key),
                value: v,
            });
            scenario::from_str(&req.text, &req.file, &sets)
        };
        // A fractional value tells integer keys from real ones.
        let mid = lo + (hi - lo) * 0.37;
        let mid = if integral(mid) { mid + 0.5 } else { mid };
        let domain = match probe(Value::Float(mid)) {
            Ok(_) => Domain::Real {
                tolerance: req.tolerance.unwrap_or((hi - lo) / 256.0),
            },
            Err(_) if integral(lo) && integral(hi) => Domain::Integer,
            Err(e) => {
                // Either the key takes integers (say so) or it is bad.
                let whole = lo.fract() == 0.0 && hi.fract() == 0.0;
                if whole && probe(Value::Integer(lo.ceil() as i64)).is_ok() {
                    return Err(bad(format!(
                        "--range {}..{}: {} takes integers, and an end beyond ±9e15 cannot be searched exactly; give ends within ±9e15",
                        fmt_value(lo),
                        fmt_value(hi),
                        req.key
                    )));
                }
                if probe(Value::Integer(lo.ceil() as i64)).is_ok() {
                    return Err(bad(format!(
                        "--range {}..{}: {} takes integers; give integer ends",
                        fmt_value(lo),
                        fmt_value(hi),
                        req.key
                    )));
                }
                return Err(e);
            }
        };
        if domain == Domain::Integer && req.tolerance.is_some() {
            return Err(bad(format!(
                "--tolerance is for real-valued keys; {} takes integers",
                req.key
            )));
        }
        let value = |x: f64| match domain {
            Domain::Integer => Value::Integer(x as i64),
            Domain::Real { .. } => Value::Float(x),
        };
        let base = probe(value(lo))?;
        probe(value(hi))?;
        if base.world.is_some() {
            let names = strategy_metric_names();
            if let Some(t) = req.targets.iter().find(|t| !names.contains(&t.metric)) {
                return Err(bad(format!(
                    "--target {}: the scenario has [world], whose strategies are planned on the columns of strategies.csv, and {} is not one of them (valid: {}); drop the [world] table to plan the designs alone on it",
                    t.text.trim(),
                    t.metric,
                    names.join(", ")
                )));
            }
        }
        Ok(Planner {
            req,
            domain,
            path,
            base,
            control: Control::default(),
        })
    }

    /// The scenario with the key set to `x`.
    fn scenario_at(&self, x: f64) -> Result<Scenario> {
        let v = match self.domain {
            Domain::Integer => Value::Integer(x as i64),
            Domain::Real { .. } => Value::Float(x),
        };
        let mut sets = self.req.base_sets.clone();
        sets.push(Override {
            path: self.path.clone(),
            text: format!("{}={v}", self.req.key),
            value: v,
        });
        scenario::from_str(&self.req.text, &self.req.file, &sets)
    }

    /// Evaluates design `d` alone (or world strategy `strategy`) at `x`:
    /// replications in rounds of `replications` while some target is
    /// unsure, none fails, and the cap allows.
    fn evaluate(
        &self,
        d: DesignKind,
        strategy: Option<u16>,
        x: f64,
        order: usize,
        bar: &ProgressBar,
    ) -> Result<PlanPoint> {
        let sc = self.scenario_at(x)?;
        let targets = &self.req.targets;
        let mut values: Vec<Vec<f64>> = vec![Vec::new(); targets.len()];
        let mut runs = Vec::new();
        let mut n = 0u32;
        loop {
            if self.control.is_cancelled() {
                return Err(self.control.interrupted());
            }
            let next = (n + self.req.replications).min(self.req.max_replications);
            let results: Vec<_> = (n..next)
                .into_par_iter()
                .map(|replicate| {
                    let spec = RunSpec {
                        point: 0,
                        replicate,
                        design: d,
                        seed: run_seed(sc.seed, replicate),
                        strategy,
                    };
                    let r = match strategy {
                        None => run_one(&sc, spec),
                        Some(_) => run_spec(&sc, spec).swap_remove(0),
                    };
                    self.control.run_finished();
                    bar.inc(1);
                    r
                })
                .collect();
            for r in &results {
                let s = match &r.world {
                    Some(w) => serde_json::to_value(&w.strategy),
                    None => serde_json::to_value(&r.summary),
                }
                .expect("a result row serializes");
                for (t, vs) in targets.iter().zip(&mut values) {
                    if let Some(v) = metric_value(&s, &t.metric) {
                        vs.push(v);
                    }
                }
                runs.push((r.spec.replicate, r.spec.seed, r.events, r.wall_seconds));
            }
            n = next;
            let stats: Vec<Option<Stats>> = values.iter().map(|v| Stats::of(v)).collect();
            let verdicts: Vec<Verdict> = targets
                .iter()
                .zip(&stats)
                .map(|(t, s)| verdict(t, *s))
                .collect();
            let decided =
                verdicts.contains(&Verdict::Fails) || verdicts.iter().all(|v| *v == Verdict::Holds);
            if decided || n >= self.req.max_replications {
                return Ok(PlanPoint {
                    value: x,
                    replications: n,
                    holds: verdicts.iter().all(|v| *v == Verdict::Holds),
                    stats,
                    verdicts,
                    order,
                    runs,
                });
            }
        }
    }

    /// Plans design `d` alone, or world strategy `strategy`.
    pub fn plan_design(
        &self,
        d: DesignKind,
        strategy: Option<u16>,
        bar: &ProgressBar,
    ) -> Result<DesignPlan> {
        let mut points: Vec<PlanPoint> = Vec::new();
        let outcome = search(self.req.lo, self.req.hi, self.domain, |x| {
            let p = self.evaluate(d, strategy, x, points.len(), bar)?;
            let ok = p.holds;
            points.push(p);
            Ok::<bool, Error>(ok)
        })?;
        points.sort_by(|a, b| a.value.total_cmp(&b.value));
        let names = self.base.world.as_ref().map(|w| &w.strategy_names);
        let mut plan = DesignPlan {
            design: d,
            strategy: strategy.zip(names).map(|(s, n)| (s, n[s as usize].clone())),
            points,
            answer: outcome.answer,
            below: outcome.below,
            warnings: Vec::new(),
        };
        plan.warnings = self.warnings(&plan, &outcome);
        Ok(plan)
    }

    /// What is planned: each design alone in scenario order, then each
    /// world strategy.
    pub fn subjects(&self) -> Vec<(DesignKind, Option<u16>)> {
        let mut v: Vec<_> = self.base.designs.iter().map(|&d| (d, None)).collect();
        if let Some(w) = &self.base.world {
            v.extend((0..w.strategies.len()).map(|s| (w.networks[0], Some(s as u16))));
        }
        v
    }

    /// Plans every design and world strategy, in parallel on `pool`;
    /// results in [`Planner::subjects`] order. A spinner counts the runs on
    /// a terminal (stderr).
    pub fn plan_all(&self, pool: &rayon::ThreadPool) -> Result<Vec<DesignPlan>> {
        let designs = self.subjects();
        let bar = if crate::quiet() {
            ProgressBar::hidden()
        } else {
            ProgressBar::new_spinner()
        };
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} runs  {per_sec}  {elapsed}")
                .expect("the progress template is valid"),
        );
        let plans = pool
            .install(|| {
                designs
                    .par_iter()
                    .map(|&(d, s)| self.plan_design(d, s, &bar))
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .collect();
        bar.finish_and_clear();
        plans
    }

    /// What a reader of the answer must know: unreachable targets, answers
    /// at the low end, non-monotone metrics, points left undecided.
    fn warnings(&self, plan: &DesignPlan, outcome: &Outcome) -> Vec<String> {
        let key = &self.req.key;
        let (lo, hi) = (fmt_value(self.req.lo), fmt_value(self.req.hi));
        let mut w = Vec::new();
        match plan.answer {
            None => w.push(format!(
                "the targets do not hold at the high end ({key} = {hi}): unreachable in {lo}..{hi}"
            )),
            Some(a) if a == self.req.lo => w.push(format!(
                "the targets already hold at the low end ({key} = {lo}); a smaller value may do"
            )),
            Some(_) => {}
        }
        for x in outcome.failures_above_answer() {
            w.push(format!(
                "not monotone: the targets fail at {key} = {} above the answer",
                fmt_value(x)
            ));
        }
        for (i, t) in self.req.targets.iter().enumerate() {
            let pts: Vec<(f64, f64, f64)> = plan
                .points
                .iter()
                .filter_map(|p| p.stats[i].map(|s| (p.value, s.mean, s.ci95_half)))
                .collect();
            if not_monotone(&pts) {
                w.push(format!(
                    "{} is not monotone in {key} over the evaluated points (it rises and falls beyond the 95% CIs); the answer assumes it is",
                    t.metric
                ));
            }
        }
        let unsure: Vec<String> = (plan.points.iter())
            .filter(|p| {
                p.verdicts.contains(&Verdict::Unsure) && !p.verdicts.contains(&Verdict::Fails)
            })
            .map(|p| format!("{} (n={})", fmt_value(p.value), p.replications))
            .collect();
        if !unsure.is_empty() {
            w.push(format!(
                "at {key} = {} the 95% bounds still straddle a threshold at the replication cap; counted as not holding (raise --max-replications to decide them)",
                unsure.join(", ")
            ));
        }
        w
    }
}

/// A value of the key as text: integers without a decimal point.
pub fn fmt_value(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Parses `LO..HI`.
pub fn parse_range(text: &str) -> std::result::Result<(f64, f64), String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("--range {text:?}: expected LO..HI, e.g. 8..4096"))?;
    let num = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("--range {text:?}: {:?} is not a number", s.trim()))
    };
    let (lo, hi) = (num(a)?, num(b)?);
    if lo >= hi {
        return Err(format!(
            "--range {text:?}: the range is empty or inverted (LO must be < HI)"
        ));
    }
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_are_the_summary_columns() {
        let names = metric_names();
        for m in [
            "p95_wait_h",
            "mean_wait_h",
            "utilization",
            "usd_per_gpu_hour",
        ] {
            assert!(names.iter().any(|n| n == m), "{m} missing from {names:?}");
        }
        assert!(!names.iter().any(|n| n == "design" || n == "seed"));
    }

    #[test]
    fn ranges_parse_and_reject_empty_ones() {
        assert_eq!(parse_range("8..4096"), Ok((8.0, 4096.0)));
        assert_eq!(parse_range("0.5..2.5"), Ok((0.5, 2.5)));
        assert!(parse_range("8-4096").unwrap_err().contains("LO..HI"));
        assert!(parse_range("9..8").unwrap_err().contains("inverted"));
        assert!(parse_range("8..8").unwrap_err().contains("empty"));
        assert!(parse_range("a..8").unwrap_err().contains("not a number"));
    }
}
