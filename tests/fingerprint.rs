//! Regression fingerprint: the summary of a small, fixed scenario, hashed.
//! A change that moves any result changes the hash. If the move is intended,
//! update `EXPECTED` and say in the commit what moved and by how much.

use depinsim::output::{summary_csv, timeseries_csv};
use depinsim::runner::{RunResult, plan_runs, run_one};
use depinsim::scenario::{self, parse_override};
use sha2::{Digest, Sha256};

/// The baseline as shipped (tokens on). Last moved when io.net's emissions
/// followed its published per-epoch schedule (io.net's token columns and
/// provider margin only).
const EXPECTED: &str = "036c73308917520e8fd8e8e6cc53eb048608944a82636a94d36b0adb77f81598";

/// The baseline's cloud alone (tokens on; the cloud has none).
const EXPECTED_CLOUD: &str = "c1b379aa4f9c129593696ee87989ea644530676cf35fce9461ddd7a3a027d559";

/// The baseline with tokens off and the token columns added with the token
/// economies left out: the bytes from before the token economies existed,
/// but for `p95_wait_h`, which moved with the wait histogram, io.net's user
/// and provider USD, which moved when users paid interrupted runs, and
/// every figure, when nodes starting down drew a residual downtime.
const EXPECTED_BEFORE_TOKENS: &str =
    "e919849e9a5241e217a25f89ed03f80bea8f52fb2f705f4bf0bc6fcf635ece76";

fn results(extra: &[&str]) -> Vec<RunResult> {
    let mut sets = vec![
        "scenario.horizon=3d",
        "scenario.warmup=12h",
        "scenario.replications=2",
        "output.sample_every=6h",
        // The three designs the fingerprints were first taken on; the cloud
        // has its own fingerprint below.
        "scenario.designs=[\"akash\",\"ionet\",\"render\"]",
    ];
    sets.extend_from_slice(extra);
    let sets: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    let sc = scenario::load(
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml").as_ref(),
        &sets,
    )
    .unwrap();
    plan_runs(&sc, 0)
        .into_iter()
        .map(|s| run_one(&sc, s))
        .collect()
}

fn hex(h: Sha256) -> String {
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `csv` without the columns named in `drop`, re-serialized.
fn drop_columns(csv: &[u8], drop: &[&str]) -> Vec<u8> {
    let mut r = csv::Reader::from_reader(csv);
    let keep: Vec<bool> = r
        .headers()
        .unwrap()
        .iter()
        .map(|h| !drop.contains(&h))
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let pick = |rec: &csv::StringRecord| -> Vec<String> {
        rec.iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| c.to_string())
            .collect()
    };
    w.write_record(pick(r.headers().unwrap())).unwrap();
    for rec in r.records() {
        w.write_record(pick(&rec.unwrap())).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn baseline_three_days_fingerprint() {
    let results = results(&[]);
    let mut h = Sha256::new();
    h.update(summary_csv(&results).unwrap());
    h.update(timeseries_csv(&results).unwrap());
    assert_eq!(
        hex(h),
        EXPECTED,
        "results moved; if intended, update EXPECTED and explain the move in the commit"
    );
}

#[test]
fn without_tokens_the_bytes_are_those_from_before_the_token_economies() {
    let results = results(&["token.enabled=false"]);
    let new_columns = [
        "token_max_drawdown",
        "token_supply_final",
        "token_rewards_usd",
    ];
    let mut h = Sha256::new();
    h.update(drop_columns(&summary_csv(&results).unwrap(), &new_columns));
    h.update(timeseries_csv(&results).unwrap());
    assert_eq!(hex(h), EXPECTED_BEFORE_TOKENS, "non-token results moved");
}

#[test]
fn the_clouds_fingerprint() {
    let results = results(&["scenario.designs=[\"cloud\"]"]);
    let mut h = Sha256::new();
    h.update(summary_csv(&results).unwrap());
    h.update(timeseries_csv(&results).unwrap());
    assert_eq!(
        hex(h),
        EXPECTED_CLOUD,
        "the cloud's results moved; if intended, update EXPECTED_CLOUD and explain"
    );
}
