//! Bad input for the cloud's keys (`[design.cloud]` and its spot table), end
//! to end: the real binary in a scratch directory. Every case exits with
//! code 2, names the file, the key and what is wrong, does not panic and
//! leaves no output directory.

mod common;

use common::{Sandbox, reject_with};

const CLOUD: &str = r#"[scenario]
name = "cloud-tiny"
horizon = "2h"
designs = ["cloud"]

[[gpu_class]]
name = "A100"
vram_gb = 80
cost_per_hour = 0.5
cloud_price_per_hour = 2.5

[supply]
initial = { A100 = 8 }
gpus_per_node = 4

[[workload]]
name = "train"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 2.0 }
duration = { dist = "exp", mean = "30m" }
gpus = 4
gpu_class = ["A100"]
max_price_per_gpu_hour = 3.0
"#;

fn with_cloud(table: &str) -> String {
    format!("{CLOUD}\n[design.cloud]\n{table}\n")
}

#[test]
fn the_cloud_runs_with_every_key_at_its_default() {
    let sb = Sandbox::new();
    let file = sb.write("ok.toml", CLOUD);
    sb.run(&file, &[]).assert_code(0);
    let file = sb.write("ok2.toml", &with_cloud(""));
    sb.validate(&[&file], &[]).assert_code(0);
}

#[test]
fn sla_outside_zero_one() {
    reject_with(&with_cloud("sla = 1.5"), &[], &["design.cloud.sla", "1.5"]);
    reject_with(&with_cloud("sla = -0.1"), &[], &["design.cloud.sla"]);
    reject_with(&with_cloud("sla = 0.0"), &[], &["design.cloud.sla", "> 0"]);
}

#[test]
fn zero_outage_with_an_sla_below_one() {
    reject_with(
        &with_cloud("sla = 0.99\noutage = \"0s\""),
        &[],
        &["design.cloud.outage", "> 0"],
    );
}

#[test]
fn spot_share_and_discount_outside_their_ranges() {
    reject_with(
        &with_cloud("[design.cloud.spot]\nshare = 1.5"),
        &[],
        &["design.cloud.spot.share"],
    );
    reject_with(
        &with_cloud("[design.cloud.spot]\nshare = 0.5\ndiscount = 1.0"),
        &[],
        &["design.cloud.spot.discount", "< 1"],
    );
    reject_with(
        &with_cloud("[design.cloud.spot]\nshare = 0.5\ndiscount = -0.2"),
        &[],
        &["design.cloud.spot.discount"],
    );
}

#[test]
fn spot_preemption_without_a_positive_mean() {
    reject_with(
        &with_cloud(
            "[design.cloud.spot]\nshare = 0.5\npreemption = { dist = \"exp\", mean = \"0s\" }",
        ),
        &[],
        &["design.cloud.spot.preemption"],
    );
    reject_with(
        &with_cloud("[design.cloud.spot]\nshare = 0.5\npreemption = { dist = \"exp\", mean = 3 }"),
        &[],
        &["design.cloud.spot.preemption"],
    );
}

#[test]
fn spot_without_a_share() {
    reject_with(
        &with_cloud("[design.cloud.spot]\ndiscount = 0.6"),
        &[],
        &["design.cloud.spot", "share"],
    );
}

#[test]
fn quota_of_an_unknown_class_zero_or_below_a_gang() {
    reject_with(
        &with_cloud("quota = { H100 = 8 }"),
        &[],
        &["design.cloud.quota.H100", "unknown GPU class"],
    );
    reject_with(
        &with_cloud("quota = { A100 = 0 }"),
        &[],
        &["design.cloud.quota.A100", ">= 1"],
    );
    reject_with(
        &with_cloud("quota = { A100 = 2 }"),
        &[],
        &["design.cloud.quota.A100", "4 GPUs", "never start"],
    );
    reject_with(
        &with_cloud("quota = { A100 = -3 }"),
        &[],
        &["design.cloud.quota"],
    );
}

#[test]
fn prices_of_unknown_classes_or_negative() {
    reject_with(
        &with_cloud("price_per_gpu_hour = { B200 = 5.0 }"),
        &[],
        &["design.cloud.price_per_gpu_hour.B200", "unknown GPU class"],
    );
    reject_with(
        &with_cloud("price_per_gpu_hour = { A100 = -1.0 }"),
        &[],
        &["design.cloud.price_per_gpu_hour.A100", ">= 0"],
    );
}

#[test]
fn billing_and_durations() {
    reject_with(
        &with_cloud("billing_increment = \"0s\""),
        &[],
        &["design.cloud.billing_increment", "> 0"],
    );
    reject_with(
        &with_cloud("restart_delay = \"5 minutes\""),
        &[],
        &["design.cloud.restart_delay"],
    );
    reject_with(
        &with_cloud("min_billed = 60"),
        &[],
        &["design.cloud.min_billed"],
    );
}

#[test]
fn serves_nothing_or_an_unknown_kind() {
    reject_with(
        &with_cloud("serves = []"),
        &[],
        &["design.cloud.serves", "at least one"],
    );
    reject_with(
        &with_cloud("serves = [\"mining\"]"),
        &[],
        &["design.cloud.serves"],
    );
}

#[test]
fn unknown_keys() {
    reject_with(
        &with_cloud("spot_share = 0.5"),
        &[],
        &["design.cloud", "spot_share"],
    );
    reject_with(
        &with_cloud("[design.cloud.spot]\nshare = 0.5\nrate = 2"),
        &[],
        &["design.cloud.spot", "rate"],
    );
    reject_with(CLOUD, &["design.cloud.sla_target=0.9"], &["sla_target"]);
}
