//! `scripts/slurm-sweep.sh` against a stand-in `sbatch` that runs each job
//! script at once (array tasks one after another, with the variables Slurm
//! sets), so the script's job array and merge job are exercised for real:
//! the merged directory must equal a sweep on one machine, a second
//! submission must change nothing, and bad input must stop the script
//! before anything is submitted.

mod common;

use common::{MINIMAL, SWEEP_GRID as GRID, Sandbox};
use std::path::Path;
use std::process::{Command, Output};

/// A stand-in for sbatch: logs its arguments, runs the script from stdin
/// (every array index in turn), prints a job id the way `--parsable` does.
const FAKE_SBATCH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
script=$(mktemp)
cat > "$script"
array="" cpus=1 out=/dev/null
for a in "$@"; do
    case $a in
        --array=*) array=${a#--array=} ;;
        --cpus-per-task=*) cpus=${a#*=} ;;
        --output=*) out=${a#*=} ;;
    esac
done
echo "sbatch $*" >> "$FAKE_SBATCH_LOG"
id=$(( $(wc -l < "$FAKE_SBATCH_LOG") + 1000 ))
if [[ -n $array ]]; then
    for ((k = ${array%-*}; k <= ${array#*-}; k++)); do
        SLURM_ARRAY_TASK_ID=$k SLURM_CPUS_PER_TASK=$cpus bash "$script" >> "${out//%a/$k}" 2>&1
    done
else
    SLURM_CPUS_PER_TASK=$cpus bash "$script" >> "$out" 2>&1
fi
echo "$id;testcluster"
"#;

fn slurm_sweep(sb: &Sandbox, extra: &[&str]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-sweep.sh");
    Command::new("bash")
        .arg(script)
        .args(["--shards", "3", "--cpus", "2", "--out", "study"])
        .args(["--depinsim", env!("CARGO_BIN_EXE_depinsim")])
        .arg("tiny.toml")
        .arg("--")
        .args(extra)
        .current_dir(sb.root())
        .env("SBATCH", sb.path("sbatch"))
        .env("FAKE_SBATCH_LOG", sb.path("sbatch.log"))
        .output()
        .expect("running bash")
}

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.write("tiny.toml", MINIMAL);
    let fake = sb.write("sbatch", FAKE_SBATCH);
    Command::new("chmod").arg("+x").arg(fake).status().unwrap();
    sb
}

#[test]
fn the_slurm_script_merges_shards_into_the_one_machine_result() {
    let sb = sandbox();
    let o = slurm_sweep(&sb, &GRID);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("submitted shards as job array 1001 (1-3) and the merge as job 1002"),
        "{stdout}"
    );
    let log = std::fs::read_to_string(sb.path("sbatch.log")).unwrap();
    assert!(
        log.contains("--array=1-3") && log.contains("--dependency=afterok:1001"),
        "{log}"
    );

    let local = sb.depinsim(&[&["sweep", "tiny.toml", "--out", "local"][..], &GRID[..]].concat());
    local.assert_code(0);
    for name in [
        "summary.csv",
        "aggregate.csv",
        "timeseries.csv",
        "workloads.csv",
    ] {
        let a = std::fs::read(sb.path("local").join(name)).unwrap();
        let b = std::fs::read(sb.path("study").join(name)).unwrap();
        assert!(a == b, "{name}: Slurm result differs from one machine");
    }
    for k in 1..=3 {
        let shard = sb.path(&format!("study.shards/{k}-of-3"));
        assert!(shard.join("summary.csv").is_file(), "{}", shard.display());
        let logf = sb.path(&format!("study.shards/logs/shard-{k}.log"));
        let text = std::fs::read_to_string(logf).unwrap();
        assert!(
            text.contains(&format!("shard {k}/3 (6 runs): 6 runs done")),
            "{text}"
        );
    }

    // Submitting again redoes nothing.
    let before = std::fs::read(sb.path("study/manifest.json")).unwrap();
    let again = slurm_sweep(&sb, &GRID);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        std::fs::read(sb.path("study/manifest.json")).unwrap(),
        before
    );
    let merge_log = std::fs::read_to_string(sb.path("study.shards/logs/merge.log")).unwrap();
    assert!(merge_log.contains("already merged"), "{merge_log}");
    let shard_log = std::fs::read_to_string(sb.path("study.shards/logs/shard-2.log")).unwrap();
    assert!(shard_log.contains("already complete"), "{shard_log}");
}

#[test]
fn the_slurm_script_submits_nothing_on_bad_input() {
    let sb = sandbox();
    let o = slurm_sweep(&sb, &["--param", "workload.train.gpu=1,2"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("unknown parameter path"), "{stderr}");
    assert!(!sb.path("sbatch.log").exists(), "nothing was submitted");
    assert!(!sb.path("study.shards").exists() && !sb.path("study").exists());
}

#[test]
fn the_slurm_script_without_sbatch_says_so_and_writes_nothing() {
    let sb = sandbox();
    std::fs::remove_file(sb.path("sbatch")).unwrap();
    let o = slurm_sweep(&sb, &["--param", "supply.initial.A100=8,16"]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("not found") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("command not found"),
        "bash's own message: {stderr}"
    );
    assert!(!sb.path("study.shards").exists() && !sb.path("study").exists());
}
