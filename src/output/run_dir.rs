//! The files of a `depinsim run` directory, built from the runs' results by
//! one function that the CLI and the Python package both call, so their
//! bytes cannot drift apart.

use super::aggregate::aggregate_csv;
use super::verify::{FILES_KEY, file_lengths};
use super::{routing_csv, single_design_rows, strategies_csv};
use super::{summary_csv, timeseries_csv, waits_csv, workloads_csv, write_atomic};
use crate::error::{Error, Result};
use crate::runner::RunResult;
use crate::scenario::{Override, Scenario};
use serde_json::{Value, json};
use std::path::Path;

/// The CSV files of a run directory, as bytes.
pub struct RunFiles {
    pub summary: Vec<u8>,
    pub timeseries: Vec<u8>,
    pub waits: Vec<u8>,
    pub workloads: Vec<u8>,
    /// `aggregate.csv` (of the designs alone), written when the scenario
    /// has more than one replication.
    pub aggregate: Option<Vec<u8>>,
    /// World mode: `strategies.csv` and `routing.csv`.
    pub world: Option<(Vec<u8>, Vec<u8>)>,
}

impl RunFiles {
    /// The files of `results`, the runs of `sc` in run order.
    pub fn build(sc: &Scenario, results: &[RunResult]) -> Result<RunFiles> {
        let summary = summary_csv(results)?;
        let aggregate = if sc.replications > 1 && !sc.designs.is_empty() {
            Some(aggregate_csv(&single_design_rows(&summary)?)?)
        } else {
            None
        };
        let world = match sc.world {
            Some(_) => Some((strategies_csv(results)?, routing_csv(results)?)),
            None => None,
        };
        Ok(RunFiles {
            world,
            timeseries: timeseries_csv(results)?,
            waits: waits_csv(results)?,
            workloads: workloads_csv(results)?,
            summary,
            aggregate,
        })
    }

    /// The files by name, in the order they are written.
    pub fn named(&self) -> Vec<(&'static str, &[u8])> {
        let mut v: Vec<(&'static str, &[u8])> = vec![
            ("summary.csv", &self.summary),
            ("timeseries.csv", &self.timeseries),
            ("waits.csv", &self.waits),
            ("workloads.csv", &self.workloads),
        ];
        if let Some(a) = &self.aggregate {
            v.push(("aggregate.csv", a));
        }
        if let Some((strategies, routing)) = &self.world {
            v.push(("strategies.csv", strategies));
            v.push(("routing.csv", routing));
        }
        v
    }

    /// Writes the files and `manifest` (as `manifest.json`, with the
    /// files' lengths, which readers check) into `out`, creating it; each
    /// file atomically.
    pub fn write(&self, out: &Path, manifest: &Value) -> Result<()> {
        std::fs::create_dir_all(out)
            .map_err(|e| Error::Other(format!("cannot create {}: {e}", out.display())))?;
        let mut names = Vec::new();
        for (name, bytes) in self.named() {
            write_atomic(&out.join(name), bytes)?;
            names.push(name);
        }
        let mut manifest = manifest.clone();
        manifest[FILES_KEY] = file_lengths(out, &names)?;
        let manifest = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::Other(format!("cannot format the manifest: {e}")))?;
        write_atomic(&out.join("manifest.json"), &manifest)
    }
}

/// What a run directory's `manifest.json` records: the command, the
/// scenario as resolved and its overrides, and per run its seed, events and
/// wall seconds. `file` names the scenario file; `threads` the workers used.
pub fn run_manifest(
    command: &[String],
    file: &str,
    sc: &Scenario,
    sets: &[Override],
    results: &[RunResult],
    wall_seconds: f64,
    threads: usize,
) -> Value {
    let events: u64 = results.iter().map(|r| r.events).sum();
    json!({
        "depinsim_version": env!("CARGO_PKG_VERSION"),
        "kind": "run",
        "command": command,
        "scenario_file": file,
        "scenario": sc.spec,
        "overrides": sets.iter().map(|s| s.text.clone()).collect::<Vec<_>>(),
        "master_seed": sc.seed,
        "replications": sc.replications,
        "designs": sc.designs.iter().map(|d| d.name()).collect::<Vec<_>>(),
        "runs": results.iter().map(|r| json!({
            "point": r.spec.point,
            "replicate": r.spec.replicate,
            "design": r.spec.design.name(),
            "strategy": r.strategy,
            "seed": r.spec.seed,
            "events": r.events,
            "wall_seconds": r.wall_seconds,
        })).collect::<Vec<_>>(),
        "events": events,
        "wall_seconds": wall_seconds,
        "threads": threads,
    })
}
