//! The `[sweep]` table of a scenario file: the same sweep as the command
//! line's `--param`, kept with the scenario so that it is a reproducible
//! artifact.
//!
//! ```toml
//! [sweep]
//! mode = "grid"          # or "zip"
//! replications = 8       # overrides scenario.replications for the sweep
//!
//! [[sweep.param]]
//! key = "workload.jobs.arrivals.rate_per_hour"
//! range = "8:14:2"       # as on the command line: LO:HI:STEP or LO:HI:xFACTOR
//!
//! [[sweep.param]]
//! key = "supply.initial.A100"
//! values = [16, 24]
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `[sweep]`: the parameters to vary, how to combine them, and how often to
/// repeat each point.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    /// How the parameters' values are combined into points.
    #[serde(default)]
    pub mode: SweepMode,
    /// Replications of every point (default: `scenario.replications`).
    #[serde(default)]
    pub replications: Option<u32>,
    /// The parameters, in the order of their columns; the first varies
    /// slowest in a grid.
    #[serde(default)]
    pub param: Vec<ParamSpec>,
}

/// How the values of several parameters make points.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SweepMode {
    /// Every combination (the Cartesian product), first parameter slowest.
    #[default]
    Grid,
    /// Values paired position by position; every list has the same length.
    Zip,
}

impl SweepMode {
    /// The name used in files and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            SweepMode::Grid => "grid",
            SweepMode::Zip => "zip",
        }
    }
}

/// `[[sweep.param]]`: one parameter and its values.
#[derive(Deserialize, Serialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// Dotted path into the scenario, as for `--set`.
    pub key: String,
    /// The values, as TOML values of the key's type.
    #[serde(default)]
    #[schemars(with = "Option<Vec<serde_json::Value>>")]
    pub values: Option<Vec<toml::Value>>,
    /// A range `LO:HI:STEP` or `LO:HI:xFACTOR`, instead of `values`.
    #[serde(default)]
    pub range: Option<String>,
}
