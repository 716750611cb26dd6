#!/usr/bin/env bash
# Executes every notebook in notebooks/ headlessly (nbclient), so a notebook
# that breaks fails CI.
#   scripts/run-notebooks.sh
# Makes a venv (target/nb-venv, or $DEPINSIM_NB_VENV) from
# notebooks/requirements.txt, installs the depinsim Python package into it
# (the wheel $DEPINSIM_WHEEL, or pip install ./python; cargo's target/
# keeps the build between runs), and
# runs each notebook, which simulates its scenario through the package, on
# a short horizon (DEPINSIM_SET) with its sweep directories in
# target/nb-results. Executed copies go to target/nb-results/; the committed
# notebooks are checked to have no outputs.
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

# A wheel already built (CI passes the one it tested) or a build here.
echo "== notebooks: install the depinsim package (${DEPINSIM_WHEEL:-./python})"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "${DEPINSIM_WHEEL:-./python}"
rm -rf "$out"
mkdir -p "$out"

echo "== notebooks: execute"
DEPINSIM_SET="scenario.horizon=3d;scenario.warmup=12h" DEPINSIM_REPLICATIONS=3 \
DEPINSIM_SWEEP=$PWD/$out/uptime-sweep DEPINSIM_TUTORIAL_OUT=$PWD/$out/tutorial-sweep \
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
