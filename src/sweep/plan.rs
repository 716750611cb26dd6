//! A checked sweep: the base scenario, the grid of points, and how many runs
//! each point has. Every point is resolved once before anything runs, so a
//! bad value or an impossible combination is reported (exit 2) before any
//! file is written.

use super::grid::{Grid, Param};
use super::spec::{SweepMode, SweepSpec};
use super::values::parse_list;
use crate::error::{Error, Problem, Result};
use crate::runner::{RunSpec, run_seed};
use crate::scenario::bounds::{RunEstimate, estimate_run};
use crate::scenario::{self, Override, Scenario, apply_override, parse_key, parse_override};
use rayon::prelude::*;
use serde_json::json;
use toml::Value;

/// What the user asked for, before checking.
#[derive(Debug, Clone, Default)]
pub struct SweepRequest {
    /// The scenario file, as named on the command line.
    pub file: String,
    /// Its text.
    pub text: String,
    /// Overrides of the base scenario (`--seed`, `--design`, `--set`).
    pub base_sets: Vec<Override>,
    /// `--param KEY=LIST`, in order; when given they replace `[sweep].param`.
    pub params: Vec<String>,
    /// `--zip`.
    pub zip: bool,
    /// `--replications`, which wins over `[sweep].replications`.
    pub replications: Option<u32>,
}

/// A checked sweep, ready to run.
#[derive(Debug)]
pub struct SweepPlan {
    /// The scenario file, for messages and the manifest.
    pub file: String,
    text: String,
    /// Overrides of the base scenario, in the order applied.
    pub base_sets: Vec<Override>,
    /// The base scenario (after `base_sets`, before any swept value).
    pub base: Scenario,
    pub grid: Grid,
    /// `starts[p]`: global index of point p's first run; `starts[points]` is
    /// the total.
    starts: Vec<u64>,
    /// The estimate of the largest run of any point (by memory).
    pub largest_run: RunEstimate,
    /// Estimated simulation events of all runs of all points.
    pub events: f64,
}

/// Points resolved per parallel batch while checking (bounds the memory of
/// the check to one batch of results).
const CHECK_BATCH: u64 = 4096;

impl SweepPlan {
    /// Parses and checks the request: the base scenario, the parameters and
    /// every point. `pool` runs the per-point checks.
    pub fn new(req: SweepRequest, pool: &rayon::ThreadPool) -> Result<SweepPlan> {
        let file = req.file.clone();
        let mut base_sets = req.base_sets.clone();
        let first = scenario::from_str(&req.text, &file, &base_sets)?;
        let table = first.spec.sweep.clone().unwrap_or_default();
        let replications = req.replications.or(table.replications);
        if let Some(r) = replications {
            if r == 0 {
                let key = if req.replications.is_some() {
                    "--replications"
                } else {
                    "sweep.replications"
                };
                return Err(Error::input(&file, key, "must be >= 1, got 0"));
            }
            base_sets.push(
                parse_override(&format!("scenario.replications={r}"))
                    .map_err(|e| Error::Other(format!("internal override: {e}")))?,
            );
        }
        let base = scenario::from_str(&req.text, &file, &base_sets)?;
        let (mode, params) = if req.params.is_empty() {
            (table.mode, params_from_table(&file, &table)?)
        } else {
            (SweepMode::Grid, params_from_cli(&file, &req.params)?)
        };
        let mode = if req.zip { SweepMode::Zip } else { mode };
        for p in params.iter().filter(|p| !p.values.is_empty()) {
            check_key(&file, &req.text, &base_sets, &base, p)?;
        }
        let grid = Grid::new(mode, params).map_err(|(key, msg)| {
            let prefix = if req.params.is_empty() {
                "[sweep]"
            } else {
                "--param"
            };
            Error::input(&file, key, format!("{prefix}: {msg}"))
        })?;
        let mut plan = SweepPlan {
            file,
            text: req.text,
            base_sets,
            base,
            grid,
            starts: Vec::new(),
            largest_run: RunEstimate::default(),
            events: 0.0,
        };
        plan.check_points(pool)?;
        Ok(plan)
    }

    /// Resolves every point, in parallel batches; sets the run-index starts
    /// and the estimates. The error names the first bad point and how many
    /// fail.
    fn check_points(&mut self, pool: &rayon::ThreadPool) -> Result<()> {
        let points = self.grid.points();
        let mut starts = Vec::with_capacity(points as usize + 1);
        starts.push(0u64);
        let mut first_err: Option<Error> = None;
        let mut failed = 0u64;
        let mut lo = 0;
        while lo < points {
            let hi = (lo + CHECK_BATCH).min(points);
            let batch: Vec<Result<(u64, RunEstimate)>> = pool.install(|| {
                (lo..hi)
                    .into_par_iter()
                    .map(|p| {
                        self.point_scenario(p).map(|sc| {
                            (
                                sc.replications as u64 * runs_per_replicate(&sc),
                                estimate_run(&sc),
                            )
                        })
                    })
                    .collect()
            });
            for r in batch {
                match r {
                    Ok((runs, est)) => {
                        let last = *starts.last().expect("starts begins with 0");
                        starts.push(last + runs);
                        self.events += est.events * runs as f64;
                        if est.bytes_running > self.largest_run.bytes_running {
                            self.largest_run = est;
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        first_err.get_or_insert(e);
                    }
                }
            }
            lo = hi;
        }
        match first_err {
            None => {
                self.starts = starts;
                Ok(())
            }
            Some(Error::Input { file, problems }) if failed > 1 => Err(Error::Input {
                file,
                problems: problems
                    .into_iter()
                    .chain([Problem {
                        key: String::new(),
                        msg: format!("{failed} of {points} sweep points have problems"),
                    }])
                    .collect(),
            }),
            Some(e) => Err(e),
        }
    }

    /// The scenario of point `p`: the base with the point's values applied.
    /// Problems are reported with the point's values.
    pub fn point_scenario(&self, p: u64) -> Result<Scenario> {
        let mut sets = self.base_sets.clone();
        sets.extend(self.grid.overrides(p));
        scenario::from_str(&self.text, &self.file, &sets).map_err(|e| match e {
            Error::Input { file, problems } => Error::Input {
                file,
                problems: problems
                    .into_iter()
                    .map(|q| Problem {
                        msg: format!("at sweep point {p} ({}): {}", self.grid.describe(p), q.msg),
                        key: q.key,
                    })
                    .collect(),
            },
            other => other,
        })
    }

    /// Number of points.
    pub fn points(&self) -> u64 {
        self.grid.points()
    }

    /// Runs of the whole sweep (all shards).
    pub fn total_runs(&self) -> u64 {
        *self.starts.last().expect("starts has points + 1 entries")
    }

    /// The point of global run `i`.
    pub fn point_of(&self, i: u64) -> u64 {
        (self.starts.partition_point(|&s| s <= i) - 1) as u64
    }

    /// Global run `i`, given the scenario of its point: per replicate the
    /// designs alone in scenario order, then one world run per strategy, as
    /// [`crate::runner::plan_runs`] orders a run's.
    pub fn run_spec(&self, i: u64, sc: &Scenario) -> RunSpec {
        let point = self.point_of(i);
        let offset = i - self.starts[point as usize];
        let per = runs_per_replicate(sc);
        let (replicate, k) = ((offset / per) as u32, (offset % per) as usize);
        let designs = sc.designs.len();
        let (design, strategy) = match &sc.world {
            Some(w) if k >= designs => (w.networks[0], Some((k - designs) as u16)),
            _ => (sc.designs[k], None),
        };
        RunSpec {
            point,
            replicate,
            design,
            seed: run_seed(sc.seed, replicate),
            strategy,
        }
    }

    /// What this sweep is, as recorded in `sweep.json`: two directories hold
    /// the same sweep (or shards of it) exactly when these agree.
    pub fn identity(&self) -> Result<serde_json::Value> {
        let mut spec = self.base.spec.clone();
        spec.sweep = None;
        let params: Vec<serde_json::Value> = self
            .grid
            .params
            .iter()
            .map(|p| {
                serde_json::to_value(p)
                    .map_err(|e| Error::Other(format!("cannot record parameter {}: {e}", p.key)))
            })
            .collect::<Result<_>>()?;
        let scenario = serde_json::to_value(&spec)
            .map_err(|e| Error::Other(format!("cannot record the scenario: {e}")))?;
        Ok(json!({
            "depinsim_version": env!("CARGO_PKG_VERSION"),
            "scenario": scenario,
            "mode": self.grid.mode.name(),
            "params": params,
            "points": self.points(),
            "runs": self.total_runs(),
        }))
    }
}

/// Runs of one replicate of `sc`: each design alone, and one world run per
/// strategy.
fn runs_per_replicate(sc: &Scenario) -> u64 {
    (sc.designs.len() + sc.world.as_ref().map_or(0, |w| w.strategies.len())) as u64
}

/// Rejects a parameter whose path is not a key of the scenario, suggesting
/// the closest valid keys.
fn check_key(
    file: &str,
    text: &str,
    base_sets: &[Override],
    base: &Scenario,
    p: &Param,
) -> Result<()> {
    let fail = |msg: String| Err(Error::input(file, &p.key, msg));
    if p.path.first().is_some_and(|s| s == "sweep") {
        return fail("the [sweep] table itself cannot be swept".into());
    }
    // The file as written (after the base overrides), and the scenario with
    // every default filled in, which knows more keys.
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| Error::Other(format!("{file}: cannot re-read: {e}")))?;
    for ov in base_sets {
        apply_override(&mut table, ov).map_err(|e| Error::input(file, &ov.text, e))?;
    }
    let mut spec = base.spec.clone();
    spec.sweep = None;
    let known = Value::try_from(&spec).unwrap_or_else(|_| {
        let mut t = table.clone();
        t.remove("sweep");
        Value::Table(t)
    });
    if lookup(&known, &p.path) {
        return Ok(());
    }
    // Not in the resolved scenario: an optional key left out (fine), a path
    // through a non-table or a missing array entry (apply_override explains
    // it), or no key at all (suggest close ones).
    let ov = Override {
        path: p.path.clone(),
        value: p.values[0].clone(),
        text: p.key.clone(),
    };
    if let Err(e) = apply_override(&mut table, &ov) {
        return fail(format!("not a path of this scenario: {e}"));
    }
    let mut sets = base_sets.to_vec();
    sets.push(ov);
    match scenario::from_str(text, file, &sets) {
        Err(Error::Input { problems, .. })
            if problems.iter().any(|q| q.msg.starts_with("unknown key")) =>
        {
            let mut paths = Vec::new();
            key_paths(&known, "", &mut paths);
            let mut ranked: Vec<(f64, &String)> = paths
                .iter()
                .map(|k| (strsim::normalized_levenshtein(&p.key, k), k))
                .collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
            let best: Vec<&str> = ranked.iter().take(3).map(|(_, k)| k.as_str()).collect();
            fail(format!(
                "unknown parameter path; the closest valid keys are {}",
                best.join(", ")
            ))
        }
        _ => Ok(()),
    }
}

/// Parameters from `--param KEY=LIST` arguments.
fn params_from_cli(file: &str, args: &[String]) -> Result<Vec<Param>> {
    args.iter()
        .map(|arg| {
            let Some((key, list)) = arg.split_once('=') else {
                return Err(Error::input(
                    file,
                    "",
                    format!("--param {arg:?}: expected KEY=V1,V2,... or KEY=LO:HI:STEP"),
                ));
            };
            let key = key.trim();
            let path = parse_key(key)
                .map_err(|e| Error::input(file, key, format!("--param {arg:?}: {e}")))?;
            let values = parse_list(list)
                .map_err(|e| Error::input(file, key, format!("--param {arg:?}: {e}")))?;
            Ok(Param {
                key: key.to_string(),
                path,
                values,
            })
        })
        .collect()
}

/// Parameters from a `[sweep]` table.
fn params_from_table(file: &str, table: &SweepSpec) -> Result<Vec<Param>> {
    table
        .param
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let at = |f: &str| format!("sweep.param[{i}].{f}");
            let path = parse_key(&p.key).map_err(|e| Error::input(file, at("key"), e))?;
            let values = match (&p.values, &p.range) {
                (Some(v), None) => v.clone(),
                (None, Some(r)) => match super::values::parse_range(r) {
                    Ok(Some(v)) => v,
                    Ok(None) => {
                        return Err(Error::input(
                            file,
                            at("range"),
                            format!("{r:?} is not a range: expected LO:HI:STEP or LO:HI:xFACTOR"),
                        ));
                    }
                    Err(e) => return Err(Error::input(file, at("range"), e)),
                },
                _ => {
                    return Err(Error::input(
                        file,
                        format!("sweep.param[{i}]"),
                        format!(
                            "{}: give exactly one of values = [...] or range = \"LO:HI:STEP\"",
                            p.key
                        ),
                    ));
                }
            };
            if values.is_empty() {
                return Err(Error::input(
                    file,
                    at("values"),
                    format!("{}: the list of values is empty", p.key),
                ));
            }
            Ok(Param {
                key: p.key.clone(),
                path,
                values,
            })
        })
        .collect()
}

/// Whether `path` names a key of `root`, arrays of tables being indexed by
/// position or by `name` as in `--set`.
fn lookup(root: &Value, path: &[String]) -> bool {
    let Some((seg, rest)) = path.split_first() else {
        return true;
    };
    match root {
        Value::Table(t) => t.get(seg).is_some_and(|v| lookup(v, rest)),
        Value::Array(items) => {
            let found = match seg.parse::<usize>() {
                Ok(i) => items.get(i),
                Err(_) => items
                    .iter()
                    .find(|v| v.get("name").and_then(Value::as_str) == Some(seg)),
            };
            found.is_some_and(|v| lookup(v, rest))
        }
        _ => false,
    }
}

/// Every key path of `v` (tables and leaves), arrays of named tables by name.
fn key_paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    let join = |seg: &str| {
        if prefix.is_empty() {
            seg.to_string()
        } else {
            format!("{prefix}.{seg}")
        }
    };
    match v {
        Value::Table(t) => {
            for (k, child) in t {
                let path = join(k);
                out.push(path.clone());
                key_paths(child, &path, out);
            }
        }
        Value::Array(items) if items.iter().all(Value::is_table) => {
            for (i, item) in items.iter().enumerate() {
                let seg = item
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(|| i.to_string(), str::to_string);
                key_paths(item, &join(&seg), out);
            }
        }
        _ => {}
    }
}
