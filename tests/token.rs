//! Token economies end to end: tokens only observe with a fixed fleet,
//! supply is conserved in every row, the market path is common to the
//! designs, and the supply-side API (rewards per node, staking) works.

use depinsim::engine::MS_PER_HOUR;
use depinsim::model::NodeId;
use depinsim::output::{summary_csv, timeseries_csv};
use depinsim::runner::{RunResult, plan_runs, run_one};
use depinsim::scenario::{self, DesignKind, Scenario, parse_override};
use depinsim::sim::Run;

const H: u64 = MS_PER_HOUR;
const DAY: u64 = 24 * H;

fn baseline(sets: &[&str]) -> Scenario {
    let mut all = vec![
        "scenario.horizon=3d",
        "scenario.warmup=12h",
        "scenario.replications=1",
        "output.sample_every=3h",
    ];
    all.extend_from_slice(sets);
    let sets: Vec<_> = all.iter().map(|s| parse_override(s).unwrap()).collect();
    scenario::load(
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml").as_ref(),
        &sets,
    )
    .unwrap()
}

fn run_all(sc: &Scenario) -> Vec<RunResult> {
    plan_runs(sc, 0)
        .into_iter()
        .map(|s| run_one(sc, s))
        .collect()
}

/// The CSV as rows of cells with the columns whose names `drop` accepts removed.
fn without(csv: &[u8], drop: impl Fn(&str) -> bool) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(csv);
    let keep: Vec<bool> = r.headers().unwrap().iter().map(|h| !drop(h)).collect();
    let mut rows = vec![
        r.headers()
            .unwrap()
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(h, _)| h.to_string())
            .collect::<Vec<_>>(),
    ];
    for rec in r.records() {
        let rec = rec.unwrap();
        rows.push(
            rec.iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(c, _)| c.to_string())
                .collect(),
        );
    }
    rows
}

fn is_token_column(h: &str) -> bool {
    h.starts_with("token") || h == "provider_margin"
}

#[test]
fn tokens_with_a_fixed_fleet_change_no_usd_or_job_figure() {
    let on = run_all(&baseline(&[]));
    let off = run_all(&baseline(&["token.enabled=false"]));
    let (s_on, s_off) = (summary_csv(&on).unwrap(), summary_csv(&off).unwrap());
    assert_eq!(
        without(&s_on, is_token_column),
        without(&s_off, is_token_column)
    );
    let (t_on, t_off) = (timeseries_csv(&on).unwrap(), timeseries_csv(&off).unwrap());
    assert_eq!(
        without(&t_on, is_token_column),
        without(&t_off, is_token_column)
    );
    // Off: the token columns are empty, not zero; on: filled.
    for (r_on, r_off) in on.iter().zip(&off) {
        if r_on.spec.design == DesignKind::Cloud {
            continue; // the cloud has no token
        }
        let (a, b) = (&r_on.summary, &r_off.summary);
        assert!(b.token_price_final_usd.is_none() && b.tokens_minted.is_none());
        assert!(b.token_max_drawdown.is_none() && b.token_supply_final.is_none());
        assert!(a.token_price_final_usd.is_some() && a.tokens_minted.is_some());
        assert!(r_off.samples.iter().all(|s| s.token.is_none()));
        // The margin moves by the token rewards only.
        let fleet_h = a.fleet_mean * 60.0;
        let expect = b.provider_margin.unwrap() + a.token_rewards_usd.unwrap() / fleet_h;
        assert!((a.provider_margin.unwrap() - expect).abs() < 1e-9);
    }
}

#[test]
fn supply_is_conserved_in_every_row_and_in_the_summary() {
    let sc = baseline(&["token.akash.mode=burn_mint", "token.render.epoch=1d"]);
    let t = sc.token.as_ref().unwrap();
    for r in run_all(&sc) {
        let initial = match r.spec.design {
            DesignKind::Akash => t.akash.base.supply,
            DesignKind::Ionet => t.ionet.base.supply,
            DesignKind::Render => t.render.base.supply,
            DesignKind::Cloud => continue, // no token
        };
        for s in &r.samples {
            let k = s.token.unwrap();
            let expect = initial + k.minted_cum - k.burned_cum;
            assert!((k.supply - expect).abs() <= 1e-9 * initial, "{k:?}");
        }
        let s = &r.summary;
        let (m, b) = (s.tokens_minted.unwrap(), s.tokens_burned.unwrap());
        assert!((s.token_supply_final.unwrap() - (initial + m - b)).abs() <= 1e-9 * initial);
        assert!(m > 0.0, "{}: something is minted", r.spec.design.name());
        if r.spec.design != DesignKind::Ionet || s.user_usd > 0.0 {
            assert!(b > 0.0, "{}: something is burned", r.spec.design.name());
        }
        // The last sample is at the horizon, before runs in progress are
        // settled (their burns and mints are in the summary only).
        let last = r.samples.last().unwrap().token.unwrap();
        assert!(last.minted_cum <= m && last.burned_cum <= b);
    }
}

#[test]
fn all_designs_see_the_same_market_path() {
    // With the flows switched off and the tokens fully correlated, every
    // design's price is its initial price times the same factor.
    let sc = baseline(&[
        "token.market.correlation=1",
        "token.render.emission_share=0",
        "token.render.burn_share=0",
        "token.ionet.emission_share=0",
        "token.ionet.buyback_share=0",
        "token.akash.emission_share=0",
        "token.akash.pool_depth_usd=1e30",
    ]);
    let t = sc.token.as_ref().unwrap();
    let rs = run_all(&sc);
    let p0 = [
        t.akash.base.price_usd,
        t.ionet.base.price_usd,
        t.render.base.price_usd,
    ];
    let n = rs[0].samples.len();
    for i in 0..n {
        let f: Vec<f64> = rs
            .iter()
            .zip(p0)
            .map(|(r, p)| r.samples[i].token.unwrap().price_usd / p)
            .collect();
        assert!(
            (f[0] - f[1]).abs() < 1e-9 && (f[1] - f[2]).abs() < 1e-9,
            "{f:?}"
        );
    }
    assert!(rs[0].samples[n - 1].token.unwrap().price_usd != p0[0]);
}

#[test]
fn a_crash_moves_every_token_by_the_shock() {
    let base = baseline(&["token.market.volatility=0", "scenario.horizon=2d"]);
    let mut text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/baseline.toml"
    ))
    .unwrap();
    text.push_str("\n[[token.market.shock]]\nat = \"1d\"\nchange = -0.8\n");
    let sets: Vec<_> = [
        "token.market.volatility=0",
        "scenario.horizon=2d",
        "scenario.warmup=12h",
        "scenario.replications=1",
    ]
    .iter()
    .map(|s| parse_override(s).unwrap())
    .collect();
    let crash = scenario::from_str(&text, "crash.toml", &sets).unwrap();
    for d in [DesignKind::Akash, DesignKind::Ionet, DesignKind::Render] {
        let mut a = Run::new(&base, d, 5);
        let mut b = Run::new(&crash, d, 5);
        a.advance(DAY - 1);
        b.advance(DAY - 1);
        assert_eq!(
            a.token().unwrap().price_usd(),
            b.token().unwrap().price_usd()
        );
        a.advance(DAY);
        b.advance(DAY);
        let ratio = b.token().unwrap().price_usd() / a.token().unwrap().price_usd();
        assert!((ratio - 0.2).abs() < 1e-9, "{}: {ratio}", d.name());
    }
}

#[test]
fn render_pays_each_epoch_to_the_nodes_and_rewards_are_taken_once() {
    let sc = baseline(&["scenario.horizon=8d", "token.market.volatility=0"]);
    let mut run = Run::new(&sc, DesignKind::Render, 3);
    run.advance(7 * DAY);
    let t = sc.token.as_ref().unwrap();
    let week = 9_126_804.0 * 7.0 / 365.25 * t.render.base.emission_share;
    let nodes = run.world().nodes.len();
    let e = run.token_mut().unwrap();
    let minted = e.ledger().minted_cum();
    assert!((minted - week).abs() < 1e-6 * week, "{minted} vs {week}");
    let taken: f64 = (0..nodes)
        .map(|n| e.take_node_rewards(NodeId(n as u32)))
        .sum();
    assert!((taken - minted).abs() < 1e-6 * minted);
    let again: f64 = (0..nodes)
        .map(|n| e.take_node_rewards(NodeId(n as u32)))
        .sum();
    assert_eq!(again, 0.0);
    // A node the supply model adds later has nothing yet (and no panic).
    assert_eq!(e.take_node_rewards(NodeId(nodes as u32 + 10)), 0.0);
}

#[test]
fn ionet_rewards_go_only_to_nodes_with_five_hours_of_uptime() {
    let sc = baseline(&["scenario.horizon=1d"]);
    let mut run = Run::new(&sc, DesignKind::Ionet, 3);
    run.advance(4 * H);
    assert_eq!(
        run.token().unwrap().ledger().minted_cum(),
        0.0,
        "nobody has 5 h yet"
    );
    run.advance(6 * H);
    let minted = run.token().unwrap().ledger().minted_cum();
    assert!(minted > 0.0);
    // Nodes up since t = 0 share the 6th hour; a node that went down got nothing.
    let world = run.world();
    let down: Vec<usize> = (0..world.nodes.len())
        .filter(|&i| world.nodes[i].up_since > H)
        .collect();
    let e = run.token_mut().unwrap();
    for i in down {
        assert_eq!(e.take_node_rewards(NodeId(i as u32)), 0.0, "node {i}");
    }
}

#[test]
fn ionet_stakes_buy_on_joining_and_sell_after_the_unstaking_delay() {
    let sc = baseline(&[
        "scenario.horizon=16d",
        "token.ionet.emission_share=0",
        "token.ionet.buyback_share=0",
        "token.market.volatility=0",
        "token.ionet.pool_depth_usd=1e6",
    ]);
    let gpus_initial = sc.total_gpus() as f64;
    let mut quiet = Run::new(&sc, DesignKind::Ionet, 9);
    let mut busy = Run::new(&sc, DesignKind::Ionet, 9);
    assert_eq!(busy.token().unwrap().staked(), 200.0 * gpus_initial);
    quiet.advance(H / 2);
    busy.advance(H / 2);
    busy.token_mut().unwrap().stake(H / 2, 0, 8);
    assert_eq!(busy.token().unwrap().staked(), 200.0 * (gpus_initial + 8.0));
    quiet.advance(H);
    busy.advance(H);
    // 1,600 IO bought at $0.5 against $1M: the price rises by (1 + 800/1e6)².
    let (pq, pb) = (
        quiet.token().unwrap().price_usd(),
        busy.token().unwrap().price_usd(),
    );
    assert!(
        (pb / pq - (1.0 + 800.0 / 1e6f64).powi(2)).abs() < 1e-12,
        "{}",
        pb / pq
    );
    busy.token_mut().unwrap().unstake(H, 0, 8);
    assert_eq!(busy.token().unwrap().staked(), 200.0 * gpus_initial);
    let up = pb / pq;
    quiet.advance(14 * DAY);
    busy.advance(14 * DAY);
    let (pq, pb) = (
        quiet.token().unwrap().price_usd(),
        busy.token().unwrap().price_usd(),
    );
    assert_eq!(pb / pq, up, "still locked after 14 days");
    quiet.advance(14 * DAY + H);
    busy.advance(14 * DAY + H);
    // Sold at 1 h + 14 d: back to where the quiet run is, up to the
    // slippage of the round trip (flows are valued at the quoted price).
    let (pq, pb) = (
        quiet.token().unwrap().price_usd(),
        busy.token().unwrap().price_usd(),
    );
    assert!((pb / pq - 1.0).abs() < 1e-5, "{}", pb / pq);
}

#[test]
fn incentive_dynamic_emission_mints_a_fixed_usd_payout_per_eligible_gpu_hour() {
    // No churn: every GPU is up from t = 0, so from 5 h on every GPU-hour
    // is eligible. A pool too deep to move keeps the price at $0.50.
    let sc = baseline(&[
        "churn.enabled=false",
        "token.ionet.emission_mode=incentive_dynamic",
        "token.ionet.usd_per_gpu_hour=0.05",
        "token.ionet.pool_depth_usd=1e30",
        "token.market.volatility=0",
    ]);
    let gpus = sc.total_gpus() as f64;
    let mut run = Run::new(&sc, DesignKind::Ionet, 2);
    run.advance(5 * H);
    assert_eq!(run.token().unwrap().ledger().minted_cum(), 0.0);
    run.advance(10 * H);
    let minted = run.token().unwrap().ledger().minted_cum();
    let expect = gpus * 5.0 * 0.05 / 0.5;
    assert!(
        (minted - expect).abs() < 1e-6 * expect,
        "{minted} vs {expect}"
    );
}

#[test]
fn the_token_scenarios_load_as_they_are() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/");
    for (file, check) in [("token-crash.toml", 0), ("emission-halving.toml", 1)] {
        let path = format!("{dir}{file}");
        let sc = scenario::load(path.as_ref(), &[]).unwrap();
        assert!(sc.supply.is_some(), "{file}: profit-driven supply on");
        let t = sc.token.as_ref().expect("tokens on");
        assert!(sc.horizon >= 30 * DAY && sc.replications >= 3, "{file}");
        assert_eq!(sc.designs.len(), 3);
        if check == 0 {
            let [(at, factor)] = t.market.shocks[..] else {
                panic!("one shock")
            };
            assert!(at == 10 * DAY && (factor - 0.2).abs() < 1e-12);
        } else {
            assert_eq!(t.emission_changes, vec![(15 * DAY, 0.5)]);
        }
    }
}

#[test]
fn akash_halving_inflation_mints_the_whitepaper_curve() {
    // supply(t) = M0 + M0·T½/ln2·(1 − 2^(−t/T½)), M0 = 100 M, T½ = 2 years:
    // 547,050.91 AKT in the first 2 days, minted hour by hour.
    let sc = baseline(&[
        "scenario.horizon=2d",
        r#"token.akash.inflation={ schedule = "halving", genesis = 100e6, half_life = "730.5d" }"#,
        "token.akash.emission_share=1",
    ]);
    let out = depinsim::sim::simulate(&sc, DesignKind::Akash, 4);
    let t_years = 2.0 / 365.25;
    let expect = 100e6 * 2.0 / std::f64::consts::LN_2 * (1.0 - (-t_years / 2.0f64).exp2());
    let minted = out.summary.tokens_minted.unwrap();
    assert!(
        (minted - expect).abs() < 1e-6 * expect,
        "{minted} vs {expect}"
    );
    assert!((expect - 547_050.91).abs() < 0.01);
}

#[test]
fn render_income_accrues_through_the_epoch_and_adds_up_to_the_payout() {
    // Daily accrual reads over 8 days (one 7-day epoch paid at day 7): every
    // day before the payout already shows income (the pending share), and
    // the reads add up to what was paid plus what is pending at day 8.
    let sc = baseline(&["scenario.horizon=9d", "token.market.volatility=0"]);
    let mut run = Run::new(&sc, DesignKind::Render, 3);
    let nodes = run.world().nodes.len();
    let mut total = 0.0;
    for day in 1..=8u64 {
        run.advance(day * DAY);
        let e = run.token_mut().unwrap();
        let got: f64 = (0..nodes)
            .map(|n| e.take_node_income(NodeId(n as u32), day * DAY))
            .sum();
        assert!(got > 0.0, "day {day}: income accrues before the payout");
        total += got;
    }
    let t = sc.token.as_ref().unwrap();
    let per_day = 9_126_804.0 / 365.25 * t.render.base.emission_share;
    // Paid at day 7: one epoch; pending at day 8: one day of the next.
    let minted = run.token().unwrap().ledger().minted_cum();
    assert!((minted - 7.0 * per_day).abs() < 1e-6 * minted, "{minted}");
    assert!(
        (total - 8.0 * per_day).abs() < 1e-6 * total,
        "{total} vs {}",
        8.0 * per_day
    );
}

/// io.net on one 8-GPU node with tokens on at a fixed $0.40 (no market
/// moves, a pool too deep to move, no emissions), no reservation fee and a
/// 5% payment fee: the fees of a run are 5% of its base, and 60% of them
/// buy back and burn IO. `{work}` is the job's length.
const IONET_FEES: &str = r#"
    [scenario]
    name = "fees"
    horizon = "10h"
    designs = ["ionet"]
    [[gpu_class]]
    name = "X"
    vram_gb = 80
    cost_per_hour = 0.5
    cloud_price_per_hour = 5.0
    [supply]
    initial = { X = 8 }
    gpus_per_node = 8
    [[workload]]
    name = "job"
    kind = "training"
    arrivals = { process = "poisson", rate_per_hour = 1e-12 }
    duration = { dist = "fixed", value = "{work}" }
    gpus = 8
    gpu_class = ["X"]
    max_price_per_gpu_hour = 10.0
    [design.ionet]
    price_per_gpu_hour = { X = 3.125 }
    reservation_fee = 0.0
    payment_fee = 0.05
    [token]
    enabled = true
    [token.market]
    volatility = 0.0
    [token.ionet]
    price_usd = 0.4
    pool_depth_usd = 1e30
    emission_share = 0.0
    buyback_share = 0.6
"#;

#[test]
fn ionet_burns_the_buyback_of_runs_settled_at_the_horizon() {
    use depinsim::model::Event;
    for (work, base_usd) in [
        // Ends inside the run: 8 GPUs × 5 h × $3.125 = $125 billed.
        ("5h", 125.0),
        // Runs past the 10 h horizon: settled for the 10 h it ran, $250.
        ("20h", 250.0),
    ] {
        let text = IONET_FEES.replace("{work}", work);
        let sc = scenario::from_str(&text, "fees.toml", &[]).unwrap();
        let mut run = Run::new(&sc, DesignKind::Ionet, 1);
        run.inject(0, Event::Arrival(0));
        let s = run.finish().summary;
        assert!(
            (s.user_usd - base_usd).abs() < 1e-9,
            "{work}: {}",
            s.user_usd
        );
        // Fees 5% of the base; 60% of them buy IO at $0.40 and burn it: for
        // the run past the horizon $12.50 of fees and 18.75 IO.
        let burned = 0.6 * 0.05 * base_usd / 0.4;
        let got = s.tokens_burned.unwrap();
        assert!(
            (got - burned).abs() < 1e-6,
            "{work}: burned {got}, expected {burned}"
        );
    }
}
