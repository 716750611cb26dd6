#!/usr/bin/env bash
# Runs the M/M/c model in depinsim and its peers side by side, alternately,
# in one session, and prints jobs/s for each and depinsim's ratio to each:
#
#   depinsim  the full model (cargo bench --bench mmc_peer; benches/mmc_peer.rs)
#   minimal   a minimal hand-written Rust loop (benches/peers/minimal/)
#   nexosim   NeXosim 1.0, single-threaded executor (benches/peers/nexosim/)
#   simpy     SimPy 4.1.2 (mmc_simpy.py)
#   ciw       Ciw 3.2.7 (mmc_ciw.py)
#
# for c = 8, lambda = 6/h and c = 64, lambda = 56/h (mu = 1/h, rho 0.75 and
# 0.875). Each round runs every peer once per configuration, in an order
# rotated from round to round; the table gives each peer's median over the
# rounds and depinsim's ratio to it (the median of the per-round ratios, so
# the host's drift between rounds cancels).
#
#   bash benches/peers/run.sh [--rounds 5] [--rust-days 3000] [--py-days 300]
#   bash benches/peers/run.sh simpy|ciw [ARGS]   # one Python peer alone, ARGS
#                                                # to mmc_simpy.py / mmc_ciw.py
#
# Creates benches/peers/.venv (once) with the pinned SimPy and Ciw, and
# builds the three Rust programs (release) before the first round.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
alone=""
case "${1:-}" in
    simpy|ciw) alone="$1"; shift ;;
    --days|--reps|--seed|--servers|--rate) alone=simpy ;; # the former interface
esac
if [ -n "$alone" ]; then
    venv="$here/.venv"
    [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    exec "$venv/bin/python" "$here/mmc_$alone.py" "$@"
fi
rounds=5
rust_days=3000
py_days=300
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --rust-days) rust_days="$2"; shift 2 ;;
        --py-days) py_days="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
(cd "$here/minimal" && cargo build --release --quiet)
(cd "$here/nexosim" && cargo build --release --quiet)
depinsim_bin="$(cd "$root" && cargo bench --bench mmc_peer --no-run 2>&1 \
    | grep -o 'target/release/deps/mmc_peer-[0-9a-f]*' | head -1)"
depinsim_bin="$root/$depinsim_bin"

peers=(depinsim minimal nexosim simpy ciw)
configs=("8 6" "64 56")

run_peer() { # peer servers rate -> jobs/s
    local peer="$1" c="$2" lam="$3" out
    case "$peer" in
        depinsim) out="$("$depinsim_bin" --servers "$c" --rate "$lam" --days "$rust_days" --reps 1)" ;;
        minimal) out="$("$here/minimal/target/release/mmc-minimal" --servers "$c" --rate "$lam" --days "$rust_days" --reps 1)" ;;
        nexosim) out="$("$here/nexosim/target/release/mmc-nexosim" --servers "$c" --rate "$lam" --days "$rust_days" --reps 1)" ;;
        simpy) out="$("$venv/bin/python" "$here/mmc_simpy.py" --servers "$c" --rate "$lam" --days "$py_days" --reps 1)" ;;
        ciw) out="$("$venv/bin/python" "$here/mmc_ciw.py" --servers "$c" --rate "$lam" --days "$py_days" --reps 1)" ;;
    esac
    echo "$out" | grep '^rep ' >&2
    echo "$out" | grep '^rep ' | sed -E 's/.*jobs_per_s=([0-9]+).*/\1/'
}

results="$(mktemp)"
trap 'rm -f "$results"' EXIT
echo "$(date -u +%FT%TZ) $(uname -n), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); HEAD $(git -C "$root" rev-parse --short HEAD)"
echo "horizons: Rust peers $rust_days d, Python peers $py_days d; $rounds rounds"
for ((r = 0; r < rounds; r++)); do
    for cfg in "${configs[@]}"; do
        set -- $cfg
        for ((k = 0; k < ${#peers[@]}; k++)); do
            peer="${peers[(k + r) % ${#peers[@]}]}"
            echo "round $r c=$1 lambda=$2 $peer:" >&2
            rate="$(run_peer "$peer" "$1" "$2")"
            echo "$r $1 $2 $peer $rate" >> "$results"
        done
    done
done

python3 - "$results" <<'PY'
import collections, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = collections.defaultdict(dict)  # (c, lam) -> peer -> {round: rate}
for r, c, lam, peer, rate in rows:
    by[(c, lam)].setdefault(peer, {})[r] = float(rate)
peers = ["depinsim", "minimal", "nexosim", "simpy", "ciw"]
print()
print("| M/M/c | " + " | ".join(f"{p} jobs/s" for p in peers) + " |")
print("|---|" + "---:|" * len(peers))
for (c, lam), d in by.items():
    cells = []
    for p in peers:
        xs = list(d[p].values())
        cells.append(f"{statistics.median(xs):,.0f} ({min(xs):,.0f}–{max(xs):,.0f})")
    print(f"| c={c}, λ={lam}/h | " + " | ".join(cells) + " |")
print()
print("| M/M/c | " + " | ".join(f"depinsim ÷ {p}" for p in peers[1:]) + " |")
print("|---|" + "---:|" * (len(peers) - 1))
for (c, lam), d in by.items():
    cells = []
    for p in peers[1:]:
        rs = [d["depinsim"][r] / d[p][r] for r in d["depinsim"] if r in d[p]]
        cells.append(f"{statistics.median(rs):.2f} ({min(rs):.2f}–{max(rs):.2f})")
    print(f"| c={c}, λ={lam}/h | " + " | ".join(cells) + " |")
PY
