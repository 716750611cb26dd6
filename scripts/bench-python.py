#!/usr/bin/env python3
"""Paired timings of `depinsim.run` from Python against the CLI on one
scenario (default: the baseline), for docs/performance.md.

    python scripts/bench-python.py [--pairs N] [--threads T] [SCENARIO]

Run it with the Python of a venv where the package is installed
(pip install ./python), from the repository root, after
`cargo build --release`. Each pair runs, in alternating order:
  cli   target/release/depinsim run SCENARIO --no-plots --threads T --out TMP
        (simulate, write the CSV files and manifest), timed as a process;
  call  depinsim.run(scenario, threads=T) in this process (simulate, keep the
        results), then, timed apart, building every DataFrame;
  py    a fresh `python -c` process doing load + run + every DataFrame +
        save() (the CLI's files), timed as a process: includes starting
        Python and importing pandas.
Prints each pair and the medians, and the median of the per-pair ratios.
Nothing is asserted: wall-clock figures are for reading, not for tests.
"""

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import depinsim

ap = argparse.ArgumentParser()
ap.add_argument("scenario", nargs="?", default="scenarios/baseline.toml")
ap.add_argument("--pairs", type=int, default=10)
ap.add_argument("--threads", type=int, default=2)
args = ap.parse_args()

cli_bin = Path("target/release/depinsim")
tmp = Path(tempfile.mkdtemp(prefix="depinsim-bench-"))
T = args.threads
PY_PROCESS = (
    "import depinsim, sys; "
    f"r = depinsim.run(depinsim.load({args.scenario!r}), threads={T}); "
    "[getattr(r, t) for t in ('summary', 'workloads', 'timeseries', 'waits', 'aggregate')]; "
    f"r.save({str(tmp / 'py')!r})"
)


def cpu(who) -> float:
    u = resource.getrusage(who)
    return u.ru_utime + u.ru_stime


def timed_process(argv) -> tuple:
    """(wall, CPU seconds of all threads) of a child process."""
    c0, t0 = cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - t0, cpu(resource.RUSAGE_CHILDREN) - c0


def cli() -> tuple:
    return timed_process([str(cli_bin), "run", args.scenario, "--no-plots", "--threads", str(T),
                          "--out", str(tmp / "cli")])


def call() -> tuple:
    """(wall, CPU) of depinsim.run in this process, then (wall) of the frames."""
    sc = depinsim.load(args.scenario)
    c0, t0 = cpu(resource.RUSAGE_SELF), time.perf_counter()
    r = depinsim.run(sc, threads=T)
    t1, c1 = time.perf_counter(), cpu(resource.RUSAGE_SELF)
    for t in ("summary", "workloads", "timeseries", "waits", "aggregate"):
        getattr(r, t)
    return (t1 - t0, c1 - c0), time.perf_counter() - t1


def py() -> tuple:
    return timed_process([sys.executable, "-c", PY_PROCESS])


call()  # warm the page cache and the import
rows = []
for i in range(args.pairs):
    if i % 2 == 0:
        c = cli()
        (k, f) = call()
        p = py()
    else:
        p = py()
        (k, f) = call()
        c = cli()
    rows.append((c, k, f, p))
    print(f"pair {i + 1:2}: cli {c[0]:6.3f} s wall {c[1]:6.3f} s CPU | call {k[0]:6.3f} s wall "
          f"{k[1]:6.3f} s CPU (+ frames {f:5.3f} s) | py process {p[0]:6.3f} s wall {p[1]:6.3f} s CPU",
          flush=True)

med = statistics.median
for j, what in ((0, "wall"), (1, "CPU")):
    c, k, p = (med([r[i][j] for r in rows]) for i in (0, 1, 3))
    print(f"{what} medians: cli {c:.3f} s, call {k:.3f} s, py process {p:.3f} s; "
          f"median per-pair ratio call/cli {med([r[1][j] / r[0][j] for r in rows]):.4f}, "
          f"py process/cli {med([r[3][j] / r[0][j] for r in rows]):.4f}")
print(f"frames (all five tables): median {med([r[2] for r in rows]):.3f} s wall")
for name in ("summary", "timeseries", "workloads", "waits", "aggregate"):
    a, b = (tmp / "cli" / f"{name}.csv").read_bytes(), (tmp / "py" / f"{name}.csv").read_bytes()
    print(f"{name}.csv: {'identical' if a == b else 'DIFFERENT'}")
