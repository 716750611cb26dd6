#!/usr/bin/env bash
# Executes every notebook in notebooks/ headlessly (nbclient) on freshly
# simulated results, so a notebook that breaks fails CI.
#   scripts/run-notebooks.sh
# Makes a venv (target/nb-venv, or $DEPINSIM_NB_VENV) from
# notebooks/requirements.txt, runs a small baseline and a three-value
# --set sweep into target/nb-results, then runs each notebook with
# DEPINSIM_BASELINE / DEPINSIM_SWEEP pointing there. Executed copies go to
# target/nb-results/; the committed notebooks are checked to have no outputs.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${DEPINSIM_NB_VENV:-target/nb-venv}
out=target/nb-results
stamp="$venv/.requirements"
if ! cmp -s notebooks/requirements.txt "$stamp" 2>/dev/null; then
    echo "== notebooks: venv $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r notebooks/requirements.txt
    cp notebooks/requirements.txt "$stamp"
fi

echo "== notebooks: committed without outputs"
"$venv/bin/python" - <<'PY'
import glob, sys, nbformat
bad = []
for path in sorted(glob.glob("notebooks/*.ipynb")):
    nb = nbformat.read(path, as_version=4)
    if any(c.get("outputs") or c.get("execution_count") for c in nb.cells if c.cell_type == "code"):
        bad.append(path)
if bad:
    sys.exit(f"notebooks committed with outputs (clear them): {bad}")
PY

echo "== notebooks: simulate their inputs"
cargo build --quiet
bin=target/debug/depinsim
rm -rf "$out"
short=(--replications 3 --set scenario.horizon=3d --set scenario.warmup=12h --no-plots)
"$bin" run scenarios/baseline.toml --out "$out/baseline" "${short[@]}"
for up in 24h 72h 216h; do
    "$bin" run scenarios/baseline.toml --out "$out/uptime/$up" "${short[@]}" \
        --set "churn.uptime.mean=$up"
done

echo "== notebooks: execute"
DEPINSIM_BASELINE=$PWD/$out/baseline DEPINSIM_SWEEP=$PWD/$out/uptime \
"$venv/bin/python" - "$out" <<'PY'
import glob, os, sys, time
import nbformat
from nbclient import NotebookClient
out = sys.argv[1]
paths = sorted(glob.glob("notebooks/*.ipynb"))
failed = []
for path in paths:
    t0 = time.time()
    nb = nbformat.read(path, as_version=4)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": "notebooks"}}).execute()
        print(f"ok     {path} ({time.time() - t0:.1f} s)")
    except Exception as e:  # a failing cell: report it and go on to the next notebook
        failed.append(path)
        print(f"FAILED {path}: {e}", file=sys.stderr)
    nbformat.write(nb, os.path.join(out, os.path.basename(path)))
print(f"notebooks: {len(paths) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
PY
