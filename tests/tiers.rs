//! Provider tiers and admission (docs/model.md, "Who may join each
//! network"): tiers drawn on the world's streams (the same nodes in every
//! design and in world mode), each tier's availability against its on/off
//! closed form, io.net's uptime check on a hand-checked case, Akash's
//! audited-only orders, Render's admission by benchmark tier, and the
//! neutral cases (a check that removes nothing changes nothing).

mod common;

use common::Sandbox;
use depinsim::designs::Market;
use depinsim::engine::{MS_PER_HOUR, SimTime, Streams, derive_run_seed};
use depinsim::model::admission::Admission;
use depinsim::model::{Event, NodeId, World};
use depinsim::scenario::{DesignKind, Scenario, from_str, parse_override};
use depinsim::sim::Run;

const H: SimTime = MS_PER_HOUR;

/// 240 one-GPU nodes of class X in two provider tiers; three designs, each
/// with its admission rule on.
const TIERED: &str = r#"
[scenario]
name = "tiered"
horizon = "3d"
warmup = "6h"
seed = 11
designs = ["akash", "ionet", "render"]

[[gpu_class]]
name = "X"
vram_gb = 24
cost_per_hour = 0.1
cloud_price_per_hour = 1.0

[supply]
initial = { X = 240 }
gpus_per_node = 1

[[supply.tier]]
name = "dc"
share = 0.6
uptime = { dist = "exp", mean = "50h" }
downtime = { dist = "exp", mean = "2h" }
fault_share = 0.0
audited = true

[[supply.tier]]
name = "community"
share = 0.4
uptime = { dist = "exp", mean = "10h" }
downtime = { dist = "exp", mean = "3h" }
fault_share = 0.5

[faults]
frame_error_rate = 0.2

[[workload]]
name = "infer"
kind = "inference"
arrivals = { process = "poisson", rate_per_hour = 60.0 }
duration = { dist = "exp", mean = "1h" }
gpu_class = ["X"]
max_price_per_gpu_hour = 5.0

[[workload]]
name = "frames"
kind = "render"
arrivals = { process = "poisson", rate_per_hour = 6.0 }
frames = { dist = "fixed", value = 20 }
duration = { dist = "exp", mean = "20m" }
gpu_class = ["X"]
max_price_per_gpu_hour = 5.0

[design.akash]
[[design.akash.provider]]
share = 1.0
strategy = "cost_plus"
markup = { dist = "uniform", low = 0.2, high = 1.0 }

[design.ionet]
price_per_gpu_hour = { X = 0.3 }
[design.ionet.uptime_check]
window = "1d"
min_uptime = 0.9

[design.render]
price_per_gpu_hour = { X = 0.3 }
[[design.render.tier]]
name = "priority"
share = 0.5
price_factor = 1.0
priority = 0
node_tiers = ["dc"]
[[design.render.tier]]
name = "economy"
share = 0.5
price_factor = 0.5
priority = 1

[token]
enabled = false
"#;

fn scenario(text: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
    from_str(text, "tiered.toml", &sets).unwrap()
}

fn tier_of(sc: &Scenario, name: &str) -> u8 {
    sc.tiers.iter().position(|t| t.name == name).unwrap() as u8
}

#[test]
fn every_design_and_world_mode_see_the_same_tiers_faults_and_outages() {
    let sc = scenario(TIERED, &[]);
    let community = tier_of(&sc, "community");
    for replicate in 0..3 {
        let seed = derive_run_seed(sc.seed, 0, replicate);
        let mut runs: Vec<Run> = sc.designs.iter().map(|&d| Run::new(&sc, d, seed)).collect();
        // World mode builds its world the same way, from the same streams.
        let alone = World::new(&sc, &Streams::new(seed));
        let first: Vec<(u8, bool)> = (alone.nodes.iter()).map(|n| (n.tier, n.faulty)).collect();
        for r in &runs {
            let got: Vec<(u8, bool)> = r.world().nodes.iter().map(|n| (n.tier, n.faulty)).collect();
            assert_eq!(got, first, "replicate {replicate}: tiers and faults");
        }
        // Shares: 240 nodes, 40% community: within 4 binomial sd (30).
        let n_comm = first.iter().filter(|(t, _)| *t == community).count() as f64;
        let sd = (240.0f64 * 0.4 * 0.6).sqrt();
        assert!((n_comm - 96.0).abs() < 4.0 * sd, "{n_comm} community nodes");
        // Faults follow the tier: none in dc, about half in community.
        assert!(first.iter().all(|&(t, f)| t == community || !f));
        let faulty_comm = first.iter().filter(|&&(t, f)| t == community && f).count() as f64;
        assert!(
            (faulty_comm - n_comm / 2.0).abs() < 4.0 * (n_comm / 4.0).sqrt(),
            "{faulty_comm} of {n_comm}"
        );
        // The same outages under every design, io.net's removals notwithstanding.
        let mut t = 0;
        while t < sc.horizon {
            t += 2 * H;
            for r in &mut runs {
                r.advance(t);
            }
            let w0 = runs[0].world();
            for (r, d) in runs.iter().zip(&sc.designs).skip(1) {
                for (i, (a, b)) in w0.nodes.iter().zip(&r.world().nodes).enumerate() {
                    assert_eq!(
                        (a.up, a.since, a.epoch),
                        (b.up, b.since, b.epoch),
                        "node {i}, {d:?}, replicate {replicate}, at {t} ms"
                    );
                }
            }
        }
        let Market::Ionet(io) = runs[1].market() else {
            panic!("the second design is io.net")
        };
        assert!(
            !io.removed().is_empty(),
            "io.net's check removes some nodes here"
        );
    }
}

#[test]
fn a_higher_community_share_only_moves_nodes_into_the_community_tier() {
    let low = scenario(TIERED, &[]);
    let high = scenario(
        TIERED,
        &[
            "supply.tier.dc.share=0.3",
            "supply.tier.community.share=0.7",
        ],
    );
    let c = tier_of(&low, "community");
    let streams = Streams::new(5);
    let (a, b) = (World::new(&low, &streams), World::new(&high, &streams));
    let mut moved = 0;
    for (x, y) in a.nodes.iter().zip(&b.nodes) {
        assert!(
            x.tier != c || y.tier == c,
            "a community node stays community"
        );
        moved += (x.tier != c && y.tier == c) as u32;
    }
    assert!(moved > 30, "about 72 of 240 nodes move, {moved} did");
}

/// World mode lists a node on a network only if its admission takes the
/// node's tier; the draw of listing stays that of the node.
#[test]
fn world_listing_respects_each_networks_admission() {
    let sc = scenario(TIERED, &[]);
    let dc = tier_of(&sc, "dc");
    let mut w = World::new(&sc, &Streams::new(3));
    let only_dc = Admission {
        tiers: 1 << dc,
        removes: false,
    };
    w.list(
        &sc,
        &[1.0, 0.5],
        &[only_dc, Admission::ALL],
        &Streams::new(3),
    );
    let mut on_second = 0;
    for (i, n) in w.nodes.iter().enumerate() {
        assert_eq!(w.is_listed(NodeId(i as u32), 0), n.tier == dc, "node {i}");
        on_second += w.is_listed(NodeId(i as u32), 1) as u32;
    }
    // The second network lists half of all nodes, whatever their tier.
    assert!((80..160).contains(&on_second), "{on_second}");
    assert_eq!(
        w.listed_gpus(0),
        w.nodes.iter().filter(|n| n.tier == dc).count() as u64
    );
}

/// Availability of each tier against A = E[up] / (E[up] + E[down]). With
/// exponential periods each node starts in equilibrium, so the mean share of
/// time up over [0, T] is A exactly; its variance per node is
/// 2 u² d² / ((u + d)³ T) (alternating renewal process), and the test
/// allows 4 standard errors of the tier's mean.
#[test]
fn each_tiers_availability_matches_its_on_off_closed_form() {
    let text = TIERED
        .replace("initial = { X = 240 }", "initial = { X = 3000 }")
        .replace("horizon = \"3d\"", "horizon = \"300h\"")
        .replace("rate_per_hour = 60.0", "rate_per_hour = 1e-9")
        .replace("rate_per_hour = 6.0", "rate_per_hour = 1e-9");
    let sc = scenario(&text, &["scenario.designs=[\"akash\"]"]);
    let mut run = Run::new(&sc, DesignKind::Akash, 9);
    let t = sc.horizon;
    run.advance(t);
    for (name, u, d) in [("dc", 50.0f64, 2.0f64), ("community", 10.0, 3.0)] {
        let tier = tier_of(&sc, name);
        let w = run.world();
        let shares: Vec<f64> = (0..w.nodes.len())
            .filter(|&i| w.nodes[i].tier == tier)
            .map(|i| w.uptime_ms(NodeId(i as u32), t) as f64 / t as f64)
            .collect();
        let n = shares.len() as f64;
        let mean = shares.iter().sum::<f64>() / n;
        let a = u / (u + d);
        let t_h = t as f64 / H as f64;
        let se = (2.0 * u * u * d * d / ((u + d).powi(3) * t_h) / n).sqrt();
        assert!(
            (mean - a).abs() < 4.0 * se,
            "{name}: measured {mean}, closed form {a} (se {se}, {n} nodes)"
        );
    }
}

/// Three nodes of 2 GPUs, no churn but the outages injected; io.net judges
/// every 10 h and keeps nodes up at least 75% of the window.
const CHECKED: &str = r#"
[scenario]
name = "checked"
horizon = "25h"
designs = ["ionet"]

[[gpu_class]]
name = "X"
vram_gb = 80
cost_per_hour = 0.5
cloud_price_per_hour = 3.0

[supply]
initial = { X = 6 }
gpus_per_node = 2

[[workload]]
name = "train"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 1e-12 }
duration = { dist = "fixed", value = "20h" }
gpus = 2
gpu_class = ["X"]
max_price_per_gpu_hour = 10.0

[design.ionet]
price_per_gpu_hour = { X = 1.0 }
reservation_fee = 0.0
payment_fee = 0.0
pay_interrupted = false     # interrupted runs unpaid: user_usd counts completions only
[design.ionet.uptime_check]
window = "10h"
min_uptime = 0.75

[token]
enabled = false
"#;

#[test]
fn ionet_removes_exactly_the_nodes_that_fail_its_uptime_check() {
    let sc = scenario(CHECKED, &[]);
    let mut run = Run::new(&sc, DesignKind::Ionet, 1);
    let down = |run: &mut Run, node: u32, from_h: f64, to_h: f64| {
        let at = |h: f64| (h * H as f64) as SimTime;
        run.inject(at(from_h), Event::NodeDown(NodeId(node)));
        run.inject(at(to_h), Event::NodeUp(NodeId(node)));
    };
    // Window [0, 10 h): node 0 up 7 h (0.7 < 0.75: removed at 10 h), node 1
    // up 8 h, node 2 up 7.5 h (exactly 0.75: kept).
    down(&mut run, 0, 1.0, 4.0);
    down(&mut run, 1, 2.0, 4.0);
    down(&mut run, 2, 2.0, 4.5);
    // Window [10 h, 20 h): node 1 up 7 h (removed at 20 h), node 2 up 10 h.
    down(&mut run, 1, 12.0, 15.0);
    // Three 20-hour gangs of 2 at 5 h fill every node.
    for _ in 0..3 {
        run.inject(5 * H, Event::Arrival(0));
    }
    let removed = |run: &Run| match run.market() {
        Market::Ionet(io) => io.removed().to_vec(),
        _ => unreachable!("an io.net run"),
    };
    run.advance(10 * H - 1);
    assert!(removed(&run).is_empty());
    run.advance(10 * H);
    assert_eq!(removed(&run), [NodeId(0)]);
    assert!(!run.world().is_listed(NodeId(0), 0));
    assert_eq!(run.queue_len(), 1, "node 0's gang waits: no GPUs free");
    assert_eq!(run.world().listed_gpus(0), 4);
    run.advance(20 * H);
    assert_eq!(removed(&run), [NodeId(0), NodeId(1)]);
    assert!(run.world().is_listed(NodeId(2), 0));
    let s = run.finish().summary;
    // Interrupted: node 0's gang at 10 h (removal), node 1's at 12 h (its
    // outage); the older of the two restarts on node 1 at 15 h and is lost
    // again at 20 h (removal): 3 interruptions of 2 jobs, none paid. Node
    // 2's gang runs 5 h to 25 h and completes.
    assert_eq!(s.interruptions, 3);
    assert_eq!(s.jobs_interrupted, 2);
    assert_eq!(s.jobs_completed, 1);
    assert_eq!(s.gpu_hours_delivered, 40.0);
    assert_eq!(s.lost_gpu_hours, 2.0 * (5.0 + 7.0 + 5.0));
    assert_eq!(s.user_usd, 40.0);
    // io.net's fleet: 6 GPUs to 10 h, 4 to 20 h, 2 to 25 h.
    assert!((s.fleet_mean - (6.0 * 10.0 + 4.0 * 10.0 + 2.0 * 5.0) / 25.0).abs() < 1e-12);
    // GPU-hours up on io.net's nodes: node 0 7 h, node 1 2 + 8 + 5 h, node
    // 2 2 + 20.5 h, 2 GPUs each, over 110 GPU-hours of fleet.
    let up = 2.0 * (7.0 + 15.0 + 22.5);
    assert!((s.availability.unwrap() - up / 110.0).abs() < 1e-12);
}

/// A check nobody fails changes nothing: the same summary as without it
/// (io.net on the nodes it lists is io.net on the whole fleet).
#[test]
fn an_uptime_check_that_removes_nobody_changes_nothing() {
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/baseline.toml"
    ))
    .unwrap();
    let sets = [
        "scenario.horizon=4d",
        "scenario.warmup=12h",
        "scenario.designs=[\"ionet\"]",
    ];
    let plain = scenario(&base, &sets);
    let mut with = sets.to_vec();
    with.push("design.ionet.uptime_check={ window = \"1d\", min_uptime = 0.0 }");
    let checked = scenario(&base, &with);
    let seed = derive_run_seed(plain.seed, 0, 0);
    let a = depinsim::sim::simulate(&plain, DesignKind::Ionet, seed);
    let b = depinsim::sim::simulate(&checked, DesignKind::Ionet, seed);
    assert_eq!(format!("{:?}", a.summary), format!("{:?}", b.summary));
    assert_eq!(format!("{:?}", a.samples), format!("{:?}", b.samples));
    // And a strict one removes nodes: fewer GPUs.
    with.pop();
    with.push("design.ionet.uptime_check={ window = \"1d\", min_uptime = 0.95 }");
    let strict = scenario(&base, &with);
    let c = depinsim::sim::simulate(&strict, DesignKind::Ionet, seed);
    assert!(c.summary.fleet_mean < a.summary.fleet_mean);
}

#[test]
fn akash_audited_only_orders_take_audited_providers_only() {
    for audited_only in [true, false] {
        let sc = scenario(
            TIERED,
            &[
                "scenario.designs=[\"akash\"]",
                &format!("workload.infer.audited_only={audited_only}"),
                "workload.frames.arrivals.rate_per_hour=1e-9",
            ],
        );
        let dc = tier_of(&sc, "dc");
        let mut run = Run::new(&sc, DesignKind::Akash, 4);
        let (mut on_audited, mut on_other) = (0, 0);
        let mut t = 0;
        while t < sc.horizon {
            t += H;
            run.advance(t);
            for n in &run.world().nodes {
                let running = n.running.len();
                if n.tier == dc {
                    on_audited += running;
                } else {
                    on_other += running;
                }
            }
        }
        assert!(
            on_audited > 100,
            "{on_audited} leases seen on audited nodes"
        );
        if audited_only {
            assert_eq!(on_other, 0, "a lease on an unaudited provider");
        } else {
            assert!(
                on_other > 100,
                "without the key any provider wins ({on_other})"
            );
        }
    }
}

#[test]
fn render_frames_go_only_to_the_provider_tiers_their_job_tier_admits() {
    let sc = scenario(TIERED, &["scenario.designs=[\"render\"]"]);
    let dc = tier_of(&sc, "dc");
    let mut run = Run::new(&sc, DesignKind::Render, 2);
    let (mut priority_elsewhere, mut economy_on_community, mut priority) = (0, 0, 0);
    let mut t = 0;
    while t < sc.horizon {
        t += H / 2;
        run.advance(t);
        let Market::Render(r) = run.market() else {
            unreachable!("a Render run")
        };
        for (node, _, _, tier) in r.running() {
            let on_dc = run.world().nodes[node.ix()].tier == dc;
            match tier {
                0 if !on_dc => priority_elsewhere += 1,
                0 => priority += 1,
                _ if !on_dc => economy_on_community += 1,
                _ => {}
            }
        }
    }
    assert!(priority > 50, "{priority} priority frames seen");
    assert_eq!(
        priority_elsewhere, 0,
        "a priority frame on a community node"
    );
    assert!(
        economy_on_community > 10,
        "economy frames use community nodes too"
    );
}

#[test]
fn render_lists_no_node_that_no_job_tier_admits() {
    let sc = scenario(
        TIERED,
        &[
            "scenario.designs=[\"render\"]",
            "design.render.tier.economy.node_tiers=[\"dc\"]",
        ],
    );
    let dc = tier_of(&sc, "dc");
    let seed = 6;
    let run = Run::new(&sc, DesignKind::Render, seed);
    let w = run.world();
    let dc_gpus = w.nodes.iter().filter(|n| n.tier == dc).count() as f64;
    for (i, n) in w.nodes.iter().enumerate() {
        assert_eq!(w.is_listed(NodeId(i as u32), 0), n.tier == dc, "node {i}");
    }
    let s = depinsim::sim::simulate(&sc, DesignKind::Render, seed).summary;
    assert_eq!(s.fleet_mean, dc_gpus, "Render's fleet is the dc nodes");
}

/// Listing Render's nodes (a tier no job tier admits, but of share 0, so
/// no node is left out) gives the same run as not listing them.
#[test]
fn render_on_listed_nodes_is_render_on_the_whole_fleet_when_none_is_left_out() {
    let plain = scenario(TIERED, &["scenario.designs=[\"render\"]"]);
    let spare = TIERED.replace(
        "[faults]",
        "[[supply.tier]]\nname = \"spare\"\nshare = 0.0\n\n[faults]",
    );
    let listed = scenario(
        &spare,
        &[
            "scenario.designs=[\"render\"]",
            "design.render.tier.economy.node_tiers=[\"dc\", \"community\"]",
        ],
    );
    let admission = Market::admission(DesignKind::Render, &listed);
    assert!(
        admission.restricts(listed.tier_count()),
        "spare is left out"
    );
    let a = depinsim::sim::simulate(&plain, DesignKind::Render, 8);
    let b = depinsim::sim::simulate(&listed, DesignKind::Render, 8);
    assert_eq!(format!("{:?}", a.summary), format!("{:?}", b.summary));
}

/// The sweep over the community share, shortened, and a world-mode run on
/// tiers, give the same bytes at 1 and at 2 threads.
#[test]
fn tiers_and_admission_are_byte_identical_at_1_and_2_threads() {
    let sb = Sandbox::new();
    let sweep = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/sweeps/community-share.toml");
    let short = [
        "--set",
        "scenario.horizon=2d",
        "--set",
        "scenario.warmup=6h",
        "--set",
        "output.sample_every=6h",
        "--set",
        "design.ionet.uptime_check.window=12h",
        "--replications",
        "2",
        "--no-plots",
    ];
    for (out, threads) in [("sweep1", "1"), ("sweep2", "2")] {
        let mut args = vec!["--threads", threads];
        args.extend_from_slice(&short);
        sb.sweep(&sweep, out, &args)
            .assert_no_panic()
            .assert_code(0);
    }
    let world = format!(
        "{TIERED}\n[world]\nnetworks = [\"akash\", \"ionet\", \"render\"]\nstrategies = [\"cheapest\", \"by_kind\"]\n"
    );
    let file = sb.write("world.toml", &world);
    for (out, threads) in [("world1", "1"), ("world2", "2")] {
        let o = sb.depinsim(&[
            "run".as_ref(),
            file.as_os_str(),
            "--threads".as_ref(),
            threads.as_ref(),
            "--out".as_ref(),
            sb.path(out).as_os_str(),
            "--no-plots".as_ref(),
        ]);
        o.assert_no_panic().assert_code(0);
    }
    for (a, b, files) in [
        (
            "sweep1",
            "sweep2",
            &[
                "summary.csv",
                "timeseries.csv",
                "workloads.csv",
                "aggregate.csv",
            ][..],
        ),
        (
            "world1",
            "world2",
            &[
                "summary.csv",
                "timeseries.csv",
                "strategies.csv",
                "routing.csv",
            ][..],
        ),
    ] {
        for f in files {
            let x = std::fs::read(sb.path(a).join(f)).unwrap();
            let y = std::fs::read(sb.path(b).join(f)).unwrap();
            assert!(x == y, "{f} differs between --threads 1 and 2 ({a})");
        }
    }
    // The sweep's points differ: io.net keeps fewer GPUs as the community
    // share rises.
    let (head, rows) = common::read_csv(&sb.path("sweep1").join("summary.csv"));
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (p, d, fleet) = (col("point"), col("design"), col("fleet_mean"));
    let ionet = |point: &str| -> f64 {
        rows.iter()
            .filter(|r| r[p] == point && r[d] == "ionet")
            .map(|r| r[fleet].parse::<f64>().unwrap())
            .sum()
    };
    assert!(ionet("6") < ionet("0"), "{} vs {}", ionet("6"), ionet("0"));
}
