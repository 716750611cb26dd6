#!/usr/bin/env bash
# Run a depinsim sweep on a Slurm cluster: a job array with one task per
# shard, and a merge job that starts when every shard has succeeded.
#
#   scripts/slurm-sweep.sh [OPTIONS] SCENARIO.toml [-- SWEEP OPTIONS...]
#
# Everything after `--` goes to `depinsim sweep` as it is (--param, --zip,
# --replications, --seed, --set, ...); without it, the scenario's [sweep]
# table is used. Example:
#
#   scripts/slurm-sweep.sh --shards 16 --cpus 8 --time 02:00:00 \
#       --out results/load-study scenarios/baseline.toml -- \
#       --param workload.training.arrivals.rate_per_hour=2:8:1 \
#       --param supply.initial.H100=128:512:64 --replications 10
#
# Layout: shard K writes OUT.shards/K-of-N/, logs go to OUT.shards/logs/, and
# the merged sweep is OUT/ — the same files, byte for byte, as
# `depinsim sweep ... --out OUT` on one machine.
#
# Safe to run again with the same arguments: every task runs with --resume,
# so finished shards return at once and interrupted ones (time limit, node
# failure, scancel) continue where their journal stopped; a finished merge is
# not redone. Input is checked on the submitting host first (--dry-run), so a
# typo fails here, not in N jobs.
#
# Options:
#   --shards N        array tasks (shards)                       [8]
#   --out DIR         merged result directory           [results/<scenario stem>]
#   --cpus C          CPUs per shard task (= --threads)          [4]
#   --time T          time limit per shard task                  [04:00:00]
#   --mem M           memory per shard task                      [2G]
#   --partition P     Slurm partition                            [cluster default]
#   --account A       Slurm account                              [cluster default]
#   --depinsim PATH   the depinsim binary                        [depinsim on PATH]
#   --sbatch-arg ARG  extra sbatch argument for both jobs (repeatable)
#   -h, --help        this text
# Environment: SBATCH (the sbatch command, default "sbatch").
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "slurm-sweep: $*" >&2; exit 2; }

shards=8 out="" cpus=4 time_limit=04:00:00 mem=2G depinsim=depinsim
extra=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --shards) shards=${2:?--shards needs a value}; shift 2 ;;
        --out) out=${2:?--out needs a value}; shift 2 ;;
        --cpus) cpus=${2:?--cpus needs a value}; shift 2 ;;
        --time) time_limit=${2:?--time needs a value}; shift 2 ;;
        --mem) mem=${2:?--mem needs a value}; shift 2 ;;
        --partition) extra+=("--partition=${2:?--partition needs a value}"); shift 2 ;;
        --account) extra+=("--account=${2:?--account needs a value}"); shift 2 ;;
        --depinsim) depinsim=${2:?--depinsim needs a value}; shift 2 ;;
        --sbatch-arg) extra+=("${2:?--sbatch-arg needs a value}"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) die "the scenario file comes before --" ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) break ;;
    esac
done
[[ $# -ge 1 ]] || die "no scenario file (see --help)"
scenario=$1; shift
if [[ $# -gt 0 ]]; then
    [[ $1 == -- ]] || die "depinsim sweep options go after --, got $1"
    shift
fi
sweep_args=("$@")
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "--shards must be a whole number >= 1, got $shards"
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus must be a whole number >= 1, got $cpus"
[[ -f $scenario ]] || die "no scenario file $scenario"
# Before anything is written: without sbatch nothing could be submitted.
sbatch_cmd=${SBATCH:-sbatch}
command -v "$sbatch_cmd" >/dev/null 2>&1 ||
    die "$sbatch_cmd not found: run this on a Slurm login node (or set SBATCH); nothing was written"

# Absolute paths: the jobs may start in another directory.
depinsim=$(command -v "$depinsim") || die "depinsim not found (put it on PATH or pass --depinsim)"
depinsim=$(cd "$(dirname "$depinsim")" && pwd)/$(basename "$depinsim")
scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")
[[ -n $out ]] || out=results/$(basename "$scenario" .toml)
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
shard_dir=$out.shards
logs=$shard_dir/logs

# Check the scenario, every point and the first shard's directory here.
"$depinsim" sweep "$scenario" ${sweep_args[@]+"${sweep_args[@]}"} --shard "1/$shards" \
    --out "$shard_dir/1-of-$shards" --resume --dry-run
mkdir -p "$logs"

# Shell-quoted words for the job scripts (q: several words, q1: one).
q() { printf '%q ' "$@"; }
q1() { printf '%q' "$1"; }

array_id=$("$sbatch_cmd" --parsable --job-name=depinsim-sweep \
    --array="1-$shards" --cpus-per-task="$cpus" --time="$time_limit" --mem="$mem" \
    --requeue --open-mode=append --output="$logs/shard-%a.log" \
    ${extra[@]+"${extra[@]}"} <<EOF
#!/bin/bash
set -euo pipefail
k=\$SLURM_ARRAY_TASK_ID
exec $(q "$depinsim" sweep "$scenario" ${sweep_args[@]+"${sweep_args[@]}"}) \\
    --shard "\$k/$shards" --threads "\${SLURM_CPUS_PER_TASK:-1}" --resume \\
    --out $(q1 "$shard_dir")/"\$k-of-$shards"
EOF
)
array_id=${array_id%%;*}

dirs=()
for ((k = 1; k <= shards; k++)); do dirs+=("$shard_dir/$k-of-$shards"); done
merge_id=$("$sbatch_cmd" --parsable --job-name=depinsim-merge \
    --dependency="afterok:$array_id" --cpus-per-task=1 --time=01:00:00 --mem="$mem" \
    --output="$logs/merge.log" ${extra[@]+"${extra[@]}"} <<EOF
#!/bin/bash
set -euo pipefail
if grep -qs '"complete": true' $(q1 "$out/progress.json"); then
    echo "already merged: $(q1 "$out")"
    exit 0
fi
exec $(q "$depinsim" merge "${dirs[@]}" --out "$out")
EOF
)
merge_id=${merge_id%%;*}

cat <<EOF
submitted shards as job array $array_id (1-$shards) and the merge as job $merge_id
  shard logs:  $logs/shard-K.log
  result:      $out   (when job $merge_id has run)
  watch:       squeue -j $array_id,$merge_id
If shards fail or time out, run this same command again: finished shards
return at once, the others resume.
EOF
