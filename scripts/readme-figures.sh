#!/usr/bin/env bash
# Regenerates every block of README.md marked `<!-- figures:NAME -->` ...
# `<!-- /figures:NAME -->` from what the code prints, so the README cannot
# drift from it: the baseline's closing line and tables, the niche
# scenarios' verdicts, the capacity plan of the M/M/c scenario, the world
# scenario's strategies and questions.
#
#   scripts/readme-figures.sh [--check] [--bin PATH] [--only NAME,...]
#
#   --check      write nothing; exit 1 (and print the difference) if the
#                README differs from what the code prints
#   --bin PATH   the depinsim binary [target/release/depinsim, built if absent]
#   --only N,..  only these blocks (the others are left as they are)
#
# Wall-clock figures (seconds, events per second) differ from run to run:
# the check compares them as "N". Results go to a scratch directory, not
# results/. Blocks: run-baseline, table-baseline, table-baseline-price,
# table-baseline-interruptions, niche-verdicts, plan-mmc, world.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0 bin="" only=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --check) check=1; shift ;;
        --bin) bin=${2:?--bin needs a path}; shift 2 ;;
        --only) only=${2:?--only needs block names}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "readme-figures: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [[ -z $bin ]]; then
    bin=target/release/depinsim
    [[ -x $bin ]] || cargo build --release --quiet
fi
[[ -x $bin ]] || { echo "readme-figures: no binary $bin" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
blocks=$scratch/blocks
mkdir -p "$blocks"
want() { [[ -z $only || ,$only, == *,$1,* ]]; }

# Every block is written as the README shows it; commands are shown with
# the paths a reader uses (results/NAME), run in the scratch directory.
run_in() { (cd "$scratch" && "$@"); }
ln -s "$PWD/scenarios" "$scratch/scenarios"
ln -s "$PWD/traces" "$scratch/traces"

if want run-baseline || want table-baseline || want table-baseline-price || want table-baseline-interruptions; then
    line=$(run_in "$bin" run scenarios/baseline.toml 2>&1 >/dev/null | tail -1)
    { echo '```'; echo "$line"; echo '```'; } > "$blocks/run-baseline"
    run_in "$bin" table results/baseline > "$blocks/table-baseline"
    run_in "$bin" table results/baseline --by-workload usd_per_gpu_hour > "$blocks/table-baseline-price"
    run_in "$bin" table results/baseline --by-workload interruptions_per_1k_gpu_h > "$blocks/table-baseline-interruptions"
fi

if want niche-verdicts; then
    # The verdicts of each scenario's report, in the claims' order.
    {
        echo "| scenario | DePIN cheaper than the cloud | Akash cheapest | Akash least stable | Render highest quality | io.net best AI cost-performance |"
        echo "|---|---|---|---|---|---|"
        for s in baseline render-studio ai-lab web-backend stress-churn; do
            [[ -f $scratch/results/$s/report.html ]] || run_in "$bin" -q run "scenarios/$s.toml" >/dev/null
            verdicts=$(grep -o 'data-verdict="[^"]*"' "$scratch/results/$s/report.html" | head -5 |
                sed 's/data-verdict="\(.*\)"/\1/' | paste -sd'|' - | sed 's/|/ | /g')
            echo "| \`$s\` | $verdicts |"
        done
    } > "$blocks/niche-verdicts"
fi

if want plan-mmc; then
    cmd=(plan scenarios/mmc.toml --target 'mean_wait_h<=0.17' --vary supply.initial.A100 --range 1..64 --set scenario.horizon=20d --replications 4)
    {
        echo '```'
        echo "\$ depinsim plan scenarios/mmc.toml --target 'mean_wait_h<=0.17' --vary supply.initial.A100 --range 1..64 --set scenario.horizon=20d --replications 4"
        run_in "$bin" "${cmd[@]}" 2> "$scratch/plan.err"
        tail -1 "$scratch/plan.err"
        echo '```'
    } > "$blocks/plan-mmc"
fi

if want world; then
    # The world scenario's strategies and the report's two questions.
    run_in "$bin" -q run scenarios/world.toml >/dev/null
    {
        run_in "$bin" table results/world --strategies
        echo
        grep -o '<p><b>[^<]*</b></p>' "$scratch/results/world/report.html" |
            sed 's|<p><b>\(.*\)</b></p>|- **\1**|'
    } > "$blocks/world"
fi

python3 - "$check" "$blocks" <<'EOF'
import difflib, os, re, sys
check, blocks = sys.argv[1] == "1", sys.argv[2]
readme = open("README.md", encoding="utf-8").read()
wall = lambda s: re.sub(r"[0-9.]+ (s wall|M events/s|runs/s)", r"N \1", s)
out = readme
for name in sorted(os.listdir(blocks)):
    body = open(os.path.join(blocks, name), encoding="utf-8").read()
    start, end = f"<!-- figures:{name} -->\n", f"<!-- /figures:{name} -->"
    i = out.find(start)
    j = out.find(end, i)
    if i < 0 or j < 0:
        sys.exit(f"readme-figures: README.md has no block {name} ({start.strip()} ... {end})")
    old = out[i + len(start):j]
    # In check mode a block whose only change is wall-clock time stays.
    if wall(old) == wall(body):
        body = old
    out = out[:i + len(start)] + body + out[j:]
if check:
    if out != readme:
        sys.stdout.writelines(difflib.unified_diff(
            readme.splitlines(True), out.splitlines(True), "README.md", "README.md (from the code)"))
        sys.exit("readme-figures: README.md differs from what the code prints; run scripts/readme-figures.sh")
    print("readme-figures: README.md matches the code")
elif out != readme:
    open("README.md", "w", encoding="utf-8").write(out)
    print("readme-figures: README.md updated")
else:
    print("readme-figures: README.md already up to date")
EOF
