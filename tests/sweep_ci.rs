//! Do the confidence intervals of `aggregate.csv` mean what they say? Where
//! the model has an exact answer — the M/M/c reduction of
//! `scenarios/mmc.toml`, whose mean wait is Erlang C's
//! W_q = C(c, λ/μ) / (cμ − λ) — the 95% Student-t interval over replicates
//! must cover that answer at about 95% of the points of a sweep.
//!
//! The sweep has 300 points, each with its own master seed (zipped with the
//! load), so the points are independent trials: common random numbers, which
//! couple points that share a seed, do not apply across them. If the model is
//! exact and the intervals are right, the number of covering points is
//! Binomial(300, 0.95): mean 285, sd 3.8. The test rejects at a two-sided
//! level of 0.001, i.e. when the count is outside [271, 296] (bounds computed
//! below from the binomial distribution, not typed in). A replicate mean over
//! 58 days is only approximately normal and slightly biased (the queue starts
//! empty; jobs still waiting at the horizon count their wait so far); the
//! tolerance leaves room for that, and the run covers at 287 of 300.
//!
//! What it catches (measured on this sweep's `aggregate.csv` by moving the
//! exact value or the quantile): intervals built with the normal 1.96
//! instead of Student's t(4) = 2.776 cover at 261 — rejected; intervals at
//! 99% instead of 95% cover at 297 — rejected; a model whose mean wait were
//! 10% off covers at 247 (too high) or 269 (too low) — rejected. Errors of 5%
//! are within this test's noise (271 and 287); the validation tests check
//! the mean wait itself more tightly (tests/validation.rs).

mod common;

use common::{Sandbox, mmc_wait_h};
use statrs::distribution::{Binomial, DiscreteCDF};
use std::path::Path;

const POINTS: usize = 300;
/// Offered loads of 10 and 12 GPUs on c = 16: ρ = 0.625 and 0.75.
const RATES: [f64; 2] = [10.0, 12.0];
const REPLICATIONS: usize = 5;

#[test]
fn confidence_intervals_cover_erlang_c_at_95_percent_of_points() {
    let sb = Sandbox::new();
    let mmc = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc.toml");
    let seeds = format!("scenario.seed=1:{POINTS}:1");
    let rates: Vec<String> = (0..POINTS)
        .map(|i| format!("{:.1}", RATES[i % RATES.len()]))
        .collect();
    let rates = format!("workload.jobs.arrivals.rate_per_hour={}", rates.join(","));
    let reps = REPLICATIONS.to_string();
    let out = sb.out();
    let o = sb.depinsim(&[
        "sweep".as_ref(),
        mmc.as_os_str(),
        "--zip".as_ref(),
        "--param".as_ref(),
        seeds.as_ref(),
        "--param".as_ref(),
        rates.as_ref(),
        "--set".as_ref(),
        "scenario.horizon=60d".as_ref(),
        "--set".as_ref(),
        "output.sample_every=30d".as_ref(),
        "--replications".as_ref(),
        reps.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    o.assert_no_panic().assert_code(0);

    let mut r = csv::Reader::from_path(out.join("aggregate.csv")).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let at = |name: &str| h.iter().position(|x| x == name).unwrap();
    let (metric, n, lo, hi, rate) = (
        at("metric"),
        at("n"),
        at("ci95_low"),
        at("ci95_high"),
        at("workload.jobs.arrivals.rate_per_hour"),
    );
    let mut points = 0;
    let mut covered = 0u64;
    for rec in r.records() {
        let rec = rec.unwrap();
        if &rec[metric] != "mean_wait_h" {
            continue;
        }
        points += 1;
        assert_eq!(rec[n].parse::<usize>().unwrap(), REPLICATIONS);
        let exact = mmc_wait_h(16, rec[rate].parse().unwrap(), 1.0);
        let (l, u): (f64, f64) = (rec[lo].parse().unwrap(), rec[hi].parse().unwrap());
        assert!(l < u, "a proper interval");
        covered += u64::from(l <= exact && exact <= u);
    }
    assert_eq!(points, POINTS);

    let alpha = 0.001;
    let b = Binomial::new(0.95, POINTS as u64).unwrap();
    let accept = |x: u64| b.cdf(x) > alpha / 2.0 && (x == 0 || b.sf(x - 1) > alpha / 2.0);
    let low = (0..=POINTS as u64).find(|&x| accept(x)).unwrap();
    let high = (0..=POINTS as u64).rev().find(|&x| accept(x)).unwrap();
    eprintln!("95% CIs cover Erlang C at {covered} of {POINTS} points; accepted: {low}..={high}");
    assert!(
        (low..=high).contains(&covered),
        "coverage {covered}/{POINTS} is outside the binomial acceptance region {low}..={high}"
    );
}
