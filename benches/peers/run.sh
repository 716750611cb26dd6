#!/usr/bin/env bash
# Creates benches/peers/.venv (once), installs the pinned SimPy and runs the
# M/M/c peer model. Extra arguments go to mmc_simpy.py (e.g. --days 30).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
exec "$venv/bin/python" "$here/mmc_simpy.py" "$@"
