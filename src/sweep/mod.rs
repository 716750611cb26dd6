//! Sweeps: many variants of one scenario, run in parallel, with replications
//! and confidence intervals, resumable after an interruption and splittable
//! into shards for a cluster.
//!
//! - [`spec`]: the `[sweep]` table of a scenario file;
//! - [`values`]: value lists and ranges as written on the command line;
//! - [`grid`]: parameters combined into points (grid or zip);
//! - [`plan`]: the checked sweep — base scenario, points, runs per point;
//! - [`shard`]: `--shard K/N`, which runs a shard holds;
//! - [`exec`]: the parallel executor with its reorder buffer;
//! - [`job`]: a checked sweep bound to its directory, run to the end (what
//!   `depinsim sweep` and the Python package call);
//! - [`store`]: the sweep directory, its journal and its final files;
//! - [`merge`]: shard directories combined into one.
//!
//! Seeds: run i of a sweep is (point, replicate, design); its seed is
//! [`crate::runner::run_seed`]`(master, replicate)`, independent of the
//! point and the design, so common random numbers hold across both.

pub mod exec;
pub mod grid;
pub mod job;
pub mod merge;
pub mod plan;
pub mod shard;
pub mod spec;
pub mod store;
pub mod values;

pub use grid::{Grid, Param};
pub use job::{SweepEnd, SweepJob};
pub use plan::{SweepPlan, SweepRequest};
pub use shard::Shard;
pub use spec::{ParamSpec, SweepMode, SweepSpec};
