//! Bad input for provider tiers and admission (`[[supply.tier]]`, a
//! workload's `audited_only`, `[design.ionet.uptime_check]`, a Render
//! tier's `node_tiers`), end to end: the real binary in a scratch
//! directory. Every case must exit with code 2, name the file, the key and
//! what is wrong in stderr, not panic, and leave no output directory.

mod common;

use common::{Sandbox, edit, reject_with};

/// A small valid scenario with two provider tiers and every admission key;
/// every case below edits one thing.
const TIERS: &str = r#"[scenario]
name = "tiers-tiny"
horizon = "2d"
warmup = "1h"
seed = 1
designs = ["akash", "ionet", "render"]

[[gpu_class]]
name = "RTX4090"
vram_gb = 24
cost_per_hour = 0.1
cloud_price_per_hour = 0.7

[supply]
initial = { RTX4090 = 32 }
gpus_per_node = 4

[[supply.tier]]
name = "datacenter"
share = 0.7
uptime = { dist = "exp", mean = "100h" }
downtime = { dist = "exp", mean = "2h" }
fault_share = 0.01
audited = true

[[supply.tier]]
name = "community"
share = 0.3
uptime = { dist = "exp", mean = "20h" }
downtime = { dist = "exp", mean = "3h" }
fault_share = 0.1

[faults]
frame_error_rate = 0.2

[[workload]]
name = "infer"
kind = "inference"
arrivals = { process = "poisson", rate_per_hour = 6.0 }
duration = { dist = "exp", mean = "30m" }
gpu_class = ["RTX4090"]
max_price_per_gpu_hour = 2.0
audited_only = true

[[workload]]
name = "frames"
kind = "render"
arrivals = { process = "poisson", rate_per_hour = 2.0 }
frames = { dist = "fixed", value = 10 }
duration = { dist = "exp", mean = "5m" }
gpu_class = ["RTX4090"]
max_price_per_gpu_hour = 2.0

[design.akash]
[[design.akash.provider]]
share = 1.0
strategy = "cost_plus"
markup = { dist = "fixed", value = 0.5 }

[design.ionet]
price_per_gpu_hour = { RTX4090 = 0.35 }

[design.ionet.uptime_check]
window = "12h"
min_uptime = 0.9

[design.render]
price_per_gpu_hour = { RTX4090 = 0.35 }

[[design.render.tier]]
name = "tier2"
share = 0.6
price_factor = 1.0
node_tiers = ["datacenter"]

[[design.render.tier]]
name = "tier3"
share = 0.4
price_factor = 0.5
"#;

fn reject_edit(old: &str, new: &str, needles: &[&str]) {
    reject_with(&edit(TIERS, old, new), &[], needles);
}

#[test]
fn the_tiered_scenario_is_valid_and_runs() {
    let sb = Sandbox::new();
    let file = sb.write("tiers.toml", TIERS);
    let v = sb.validate(&[&file], &[]);
    v.assert_no_panic().assert_code(0);
    let r = sb.run(&file, &[]);
    r.assert_no_panic().assert_code(0);
    assert!(sb.out().join("summary.csv").is_file(), "{}", r.describe());
}

// ---------------------------------------------------------------------------
// [[supply.tier]]

#[test]
fn a_tier_share_above_one() {
    reject_edit(
        "share = 0.7\nuptime",
        "share = 1.7\nuptime",
        &["supply.tier[0].share", "must be in [0, 1], got 1.7"],
    );
}

#[test]
fn a_negative_tier_share_by_override() {
    reject_with(
        TIERS,
        &["supply.tier.community.share=-0.3"],
        &["supply.tier[1].share", "must be in [0, 1], got -0.3"],
    );
}

#[test]
fn tier_shares_that_do_not_sum_to_one() {
    reject_edit(
        "share = 0.3\nuptime",
        "share = 0.2\nuptime",
        &["supply.tier", "shares must sum to 1, got 0.8999"],
    );
}

#[test]
fn a_fault_share_outside_zero_one() {
    reject_edit(
        "fault_share = 0.1",
        "fault_share = 1.1",
        &["supply.tier[1].fault_share", "must be in [0, 1], got 1.1"],
    );
    reject_with(
        TIERS,
        &["supply.tier.datacenter.fault_share=-0.01"],
        &["supply.tier[0].fault_share", "must be in [0, 1], got -0.01"],
    );
}

#[test]
fn a_tier_defined_twice() {
    reject_edit(
        "name = \"community\"",
        "name = \"datacenter\"",
        &[
            "supply.tier[1].name",
            "provider tier \"datacenter\" is defined twice",
        ],
    );
}

#[test]
fn a_tier_without_a_name() {
    reject_edit(
        "name = \"community\"",
        "name = \" \"",
        &["supply.tier[1].name", "must not be empty"],
    );
}

#[test]
fn a_tier_with_uptime_but_no_downtime_and_churn_off() {
    reject_edit(
        "downtime = { dist = \"exp\", mean = \"3h\" }\n",
        "",
        &[
            "supply.tier[1].downtime",
            "is required when the tier gives uptime and churn.enabled = false",
        ],
    );
}

#[test]
fn a_tier_with_a_bad_law() {
    reject_edit(
        "uptime = { dist = \"exp\", mean = \"20h\" }",
        "uptime = { dist = \"exp\", mean = \"-20h\" }",
        &["supply.tier[1].uptime"],
    );
}

#[test]
fn a_misspelt_tier_key_suggests_the_right_one() {
    reject_edit(
        "fault_share = 0.1",
        "faults_share = 0.1",
        &[
            "supply.tier[1]",
            "unknown field `faults_share`",
            "did you mean `fault_share`?",
        ],
    );
}

#[test]
fn too_many_tiers() {
    let mut text = TIERS.replace("share = 0.7\nuptime", "share = 0.0\nuptime");
    text = text.replace("share = 0.3\nuptime", "share = 0.0\nuptime");
    let extra: String = (0..32)
        .map(|i| {
            let share = if i == 0 { 1.0 } else { 0.0 };
            format!("[[supply.tier]]\nname = \"t{i}\"\nshare = {share}\n\n")
        })
        .collect();
    let text = edit(&text, "[faults]", &format!("{extra}[faults]"));
    reject_with(
        &text,
        &[],
        &["supply.tier", "at most 32 provider tiers, got 34"],
    );
}

// ---------------------------------------------------------------------------
// Akash: audited_only

#[test]
fn audited_only_without_an_audited_tier() {
    reject_edit(
        "audited = true\n",
        "",
        &[
            "workload[0].audited_only",
            "no provider is audited",
            "no [[supply.tier]] with a share > 0 has audited = true",
        ],
    );
}

#[test]
fn audited_only_when_the_audited_tier_has_no_share() {
    reject_with(
        TIERS,
        &[
            "supply.tier.datacenter.share=0.0",
            "supply.tier.community.share=1.0",
            "design.render.tier.tier2.node_tiers=[\"community\"]",
        ],
        &["workload[0].audited_only", "no provider is audited"],
    );
}

#[test]
fn audited_only_without_tiers() {
    let start = TIERS.find("[[supply.tier]]").unwrap();
    let end = TIERS.find("[faults]").unwrap();
    let text = format!("{}{}", &TIERS[..start], &TIERS[end..]);
    let text = edit(&text, "node_tiers = [\"datacenter\"]\n", "");
    reject_with(
        &text,
        &[],
        &[
            "workload[0].audited_only",
            "no provider is audited: give the fleet provider tiers",
        ],
    );
}

#[test]
fn audited_only_not_a_boolean() {
    reject_edit(
        "audited_only = true",
        "audited_only = \"yes\"",
        &["workload[0].audited_only", "invalid type"],
    );
}

// ---------------------------------------------------------------------------
// io.net: uptime_check

#[test]
fn a_negative_min_uptime() {
    reject_edit(
        "min_uptime = 0.9",
        "min_uptime = -0.1",
        &[
            "design.ionet.uptime_check.min_uptime",
            "must be in [0, 1], got -0.1",
        ],
    );
}

#[test]
fn a_min_uptime_above_one_by_override() {
    reject_with(
        TIERS,
        &["design.ionet.uptime_check.min_uptime=1.5"],
        &[
            "design.ionet.uptime_check.min_uptime",
            "must be in [0, 1], got 1.5",
        ],
    );
}

#[test]
fn a_zero_review_window() {
    reject_edit(
        "window = \"12h\"",
        "window = \"0h\"",
        &["design.ionet.uptime_check.window", "must be > 0"],
    );
}

#[test]
fn a_review_window_as_long_as_the_run() {
    reject_edit(
        "window = \"12h\"",
        "window = \"2d\"",
        &[
            "design.ionet.uptime_check.window",
            "must be shorter than scenario.horizon",
        ],
    );
}

#[test]
fn a_negative_review_window() {
    reject_edit(
        "window = \"12h\"",
        "window = \"-12h\"",
        &["design.ionet.uptime_check.window"],
    );
}

#[test]
fn a_misspelt_uptime_check_key() {
    reject_edit(
        "min_uptime = 0.9",
        "min_up = 0.9",
        &[
            "design.ionet.uptime_check",
            "unknown field `min_up`",
            "did you mean `min_uptime`?",
        ],
    );
}

// ---------------------------------------------------------------------------
// Render: node_tiers

#[test]
fn an_unknown_tier_in_node_tiers_suggests_the_right_one() {
    reject_edit(
        "node_tiers = [\"datacenter\"]",
        "node_tiers = [\"datacentre\"]",
        &[
            "design.render.tier[0].node_tiers[0]",
            "unknown provider tier \"datacentre\"",
            "did you mean \"datacenter\"?",
            "tiers are [\"datacenter\", \"community\"]",
        ],
    );
}

#[test]
fn node_tiers_without_provider_tiers() {
    let start = TIERS.find("[[supply.tier]]").unwrap();
    let end = TIERS.find("[faults]").unwrap();
    let text = format!("{}{}", &TIERS[..start], &TIERS[end..]);
    let text = edit(&text, "audited_only = true\n", "");
    reject_with(
        &text,
        &[],
        &[
            "design.render.tier[0].node_tiers[0]",
            "the fleet has no provider tiers",
        ],
    );
}

#[test]
fn a_tier_listed_twice_in_node_tiers() {
    reject_edit(
        "node_tiers = [\"datacenter\"]",
        "node_tiers = [\"datacenter\", \"datacenter\"]",
        &[
            "design.render.tier[0].node_tiers[1]",
            "provider tier \"datacenter\" is listed twice",
        ],
    );
}

#[test]
fn node_tiers_of_no_share() {
    reject_with(
        TIERS,
        &[
            "supply.tier.datacenter.share=0.0",
            "supply.tier.community.share=1.0",
            "workload.infer.audited_only=false",
        ],
        &[
            "design.render.tier[0].node_tiers",
            "every provider tier listed has share 0",
        ],
    );
}
