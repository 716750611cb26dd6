#!/usr/bin/env bash
# Takes a screenshot of a depinsim report with headless Chromium, to check
# that it renders as a reader would see it.
#   scripts/screenshot-report.sh [REPORT.html] [OUT.png] [WIDTHxHEIGHT]
# Defaults: results/baseline/report.html, REPORT's folder/report.png, 1400x4000.
# Installs Debian's chromium when no Chromium is on PATH (needs root).
set -euo pipefail
report=${1:-results/baseline/report.html}
out=${2:-"$(dirname "$report")/report.png"}
size=${3:-1400x4000}
[ -f "$report" ] || { echo "no such report: $report (run: depinsim run scenarios/baseline.toml)" >&2; exit 2; }

browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
    echo "installing chromium (Debian package)..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >&2
    browser=chromium
fi

abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
# No network: the report is self-contained, so block everything else.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --disable-background-networking --proxy-server=127.0.0.1:9 \
    --window-size="${size/x/,}" --screenshot="$out" "file://$abs" >/dev/null 2>&1
[ -s "$out" ] || { echo "no screenshot written" >&2; exit 1; }
echo "screenshot: $out"
