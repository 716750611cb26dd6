//! depinsim: a seeded, deterministic discrete-event simulator of
//! decentralized GPU compute markets.
//!
//! The crate is layered: [`engine`] is a generic DES kernel; [`scenario`]
//! parses and checks scenario files; [`model`] is the shared world (GPUs,
//! churn, demand, jobs); [`designs`] are the markets; [`metrics`] measures;
//! [`token`] holds the token economies; [`sim`] assembles and drives one run
//! above them; [`runner`] runs replicates in parallel; [`sweep`] runs grids of scenario
//! variants, resumable and shardable; [`output`] writes the files and the
//! HTML report; [`plot`] draws the SVG charts; [`capacity`] plans the
//! fleet a service level needs (`depinsim plan`).

pub mod broker;
pub mod capacity;
pub mod cli;
pub mod cmd;
pub mod designs;
pub mod engine;
pub mod error;
pub mod metrics;
pub mod model;
pub mod output;
pub mod plot;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod token;

pub use error::{Error, Result};
