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

/// `--quiet`: no progress bars and no closing summary lines on stderr.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Turns `--quiet` on or off for this process.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// True under `--quiet`.
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// A progress bar of `len` steps on stderr, hidden under `--quiet` (and,
/// as indicatif does, when stderr is not a terminal).
pub fn progress_bar(len: u64) -> indicatif::ProgressBar {
    if quiet() {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(len)
    }
}

/// An informational line on stderr (what was written, how long it took),
/// left out under `--quiet`; errors and warnings use `eprintln!`.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        if !$crate::quiet() {
            eprintln!($($arg)*);
        }
    };
}
