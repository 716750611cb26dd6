//! Regression fingerprint: the summary of a small, fixed scenario, hashed.
//! A change that moves any result changes the hash. If the move is intended,
//! update `EXPECTED` and say in the commit what moved and by how much.

use depinsim::output::{summary_csv, timeseries_csv};
use depinsim::runner::{plan_runs, run_one};
use depinsim::scenario::{self, parse_override};
use sha2::{Digest, Sha256};

const EXPECTED: &str = "53a2613893b75797028871c39f5338b2c877c4cfa92dfc25ff1e104c6518cbe4";

#[test]
fn baseline_three_days_fingerprint() {
    let sets: Vec<_> = [
        "scenario.horizon=3d",
        "scenario.warmup=12h",
        "scenario.replications=2",
        "output.sample_every=6h",
    ]
    .iter()
    .map(|s| parse_override(s).unwrap())
    .collect();
    let sc = scenario::load(
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml").as_ref(),
        &sets,
    )
    .unwrap();
    let results: Vec<_> = plan_runs(&sc, 0)
        .into_iter()
        .map(|s| run_one(&sc, s))
        .collect();
    let mut h = Sha256::new();
    h.update(summary_csv(&results).unwrap());
    h.update(timeseries_csv(&results).unwrap());
    let got: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        got, EXPECTED,
        "results moved; if intended, update EXPECTED and explain the move in the commit"
    );
}
