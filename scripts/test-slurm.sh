#!/usr/bin/env bash
# scripts/slurm-sweep.sh on a real Slurm cluster of one node: installs
# Debian's slurm-wlm and munge (apt) when missing, starts munged, slurmctld
# and slurmd on this machine with a minimal configuration in a temporary
# directory, submits a small sweep as a job array plus its dependent merge
# job, waits for both, and checks that the merged directory's CSV files are
# byte for byte those of the same sweep run on one machine.
#
#   scripts/test-slurm.sh [--depinsim PATH] [--keep]
#
# Needs root (the daemons run as root, apt installs the packages). Nothing
# outside the temporary directory is configured: clients find the cluster
# through SLURM_CONF, the daemons talk through a munge socket of their own,
# and the ports are not Slurm's defaults, so a Slurm already on the machine
# is left alone. --keep leaves the temporary directory (logs, results).
set -euo pipefail
cd "$(dirname "$0")/.."

depinsim="" keep=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --depinsim) depinsim=${2:?--depinsim needs a value}; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "test-slurm: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ $(id -u) -eq 0 ]] || { echo "test-slurm: run as root (the Slurm daemons run as root)" >&2; exit 2; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "== slurm: apt-get install slurm-wlm munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
if [[ -z $depinsim ]]; then
    echo "== slurm: cargo build --release"
    cargo build --release --quiet
    depinsim=target/release/depinsim
fi
depinsim=$(cd "$(dirname "$depinsim")" && pwd)/$(basename "$depinsim")
repo=$PWD

tmp=$(mktemp -d /tmp/depinsim-slurm.XXXXXX)
pids=()
cleanup() {
    local rc=$?
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    done
    if [[ $rc -ne 0 ]]; then
        for log in "$tmp"/log/*.log; do
            [[ -f $log ]] || continue
            echo "---- $log (last lines)" >&2
            tail -n 30 "$log" >&2
        done
    fi
    if [[ $keep -eq 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
mkdir -p "$tmp"/{munge,state,spool,log,work}
chmod 700 "$tmp/munge"

# munge: a key and a socket of this test's own.
key=$tmp/munge/munge.key
dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
chmod 400 "$key"
socket=$tmp/munge/munge.socket
munged --force --key-file="$key" --socket="$socket" \
    --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munge.seed" \
    --log-file="$tmp/log/munged.log" --num-threads=2
pids+=("$(cat "$tmp/munge/munged.pid")")

host=$(hostname -s)
cpus=$(nproc)
# Free TCP ports for slurmctld and slurmd (not 6817/6818, Slurm's defaults).
read -r ctld_port slurmd_port < <(python3 - <<'PY'
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))
PY
)
export SLURM_CONF=$tmp/slurm.conf
cat > "$SLURM_CONF" <<EOF
ClusterName=depinsim-ci
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
MinJobAge=600
MailProg=/bin/true
NodeName=$host CPUs=$cpus RealMemory=2048 State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

echo "== slurm: start slurmctld and slurmd ($host, $cpus CPUs)"
slurmctld -i
slurmd
for _ in $(seq 100); do
    [[ -s $tmp/slurmctld.pid && -s $tmp/slurmd.pid ]] && break
    sleep 0.1
done
pids+=("$(cat "$tmp/slurmd.pid")" "$(cat "$tmp/slurmctld.pid")")
for _ in $(seq 300); do
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
    [[ $state == idle* ]] && break
    sleep 0.2
done
[[ $state == idle* ]] || { echo "test-slurm: node $host is '${state:-unknown}', not idle" >&2; sinfo -R >&2 || true; exit 1; }
sinfo

# A small grid: 3 points x 2 replications x the designs, in 3 shards.
sweep_args=(--param "supply.initial.A100=192,256,320" --replications 2
    --set scenario.horizon=2d --set scenario.warmup=6h --no-plots)
scenario=$repo/scenarios/baseline.toml
work=$tmp/work
cd "$work"

echo "== slurm: scripts/slurm-sweep.sh (job array of 3 shards + merge job)"
submitted=$(bash "$repo/scripts/slurm-sweep.sh" --shards 3 --cpus 1 --mem 256M \
    --time 00:20:00 --out "$work/study" --depinsim "$depinsim" "$scenario" -- "${sweep_args[@]}")
echo "$submitted"
array_id=$(sed -n 's/^submitted shards as job array \([0-9]*\) .*/\1/p' <<<"$submitted")
merge_id=$(sed -n 's/.* the merge as job \([0-9]*\)$/\1/p' <<<"$submitted")
[[ -n $array_id && -n $merge_id ]] || { echo "test-slurm: could not read the job ids" >&2; exit 1; }

# Wait until neither job is queued or running (20 minutes at most).
for _ in $(seq 1200); do
    [[ -z $(squeue -h -j "$array_id,$merge_id" 2>/dev/null) ]] && break
    sleep 1
done
[[ -z $(squeue -h -j "$array_id,$merge_id") ]] || { echo "test-slurm: jobs still queued after 20 minutes" >&2; squeue >&2; exit 1; }
tasks=$(scontrol show job "$array_id" | grep -c "JobState=COMPLETED" || true)
echo "  array job $array_id: $tasks of 3 tasks COMPLETED"
[[ $tasks -eq 3 ]] || { echo "test-slurm: not every array task completed" >&2; scontrol show job "$array_id" >&2; exit 1; }
scontrol show job "$merge_id" | grep -E "JobState|ExitCode" | sed 's/^ */  merge: /'
scontrol show job "$merge_id" | grep -q "JobState=COMPLETED" \
    || { echo "test-slurm: the merge job did not complete" >&2; cat "$work/study.shards/logs/"*.log >&2; exit 1; }

echo "== slurm: the same sweep on one machine"
"$depinsim" sweep "$scenario" "${sweep_args[@]}" --out "$work/local"
for f in summary.csv aggregate.csv timeseries.csv workloads.csv; do
    cmp "$work/study/$f" "$work/local/$f" \
        || { echo "test-slurm: $f of the Slurm sweep differs from the one-machine sweep" >&2; exit 1; }
    echo "  identical: $f ($(wc -l < "$work/local/$f") lines)"
done
echo "slurm: ok: the job array and merge job on a real slurmctld/slurmd gave the one-machine sweep's files"
