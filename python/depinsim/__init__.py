"""depinsim: a seeded, deterministic discrete-event simulator of decentralized
GPU compute markets (Akash, io.net, Render, a centralized cloud), with the
Rust simulator behind a Python API.

    >>> import depinsim
    >>> sc = depinsim.load("scenarios/baseline.toml")
    >>> sc.set("workload.training.arrivals.rate_per_hour", 6)
    >>> res = depinsim.run(sc, replications=3)
    >>> res.summary.groupby("design").usd_per_gpu_hour.mean()

Tables are pandas DataFrames with the columns and the numbers of the CSV
files `depinsim run` writes (`res.csv("summary")` gives those files' bytes).
Sweeps stream to a directory as `depinsim sweep` does and resume after an
interruption; `plan` finds the smallest fleet (or any key's value) at which
service targets hold. The GIL is released while simulating; Ctrl-C (or a
notebook's interrupt) stops after the runs in flight and raises
KeyboardInterrupt.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._native import DepinsimError, Scenario, ScenarioError

__all__ = [
    "DepinsimError",
    "PlanResult",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SweepResult",
    "load",
    "plan",
    "run",
    "sweep",
    "__version__",
]

__version__: str = _native.version()

PathLike = Union[str, "os.PathLike[str]"]
Progress = Union[bool, Callable[[int, Optional[int]], Any], None]

_TABLES = ("summary", "workloads", "timeseries", "waits")


def load(path: PathLike) -> Scenario:
    """Reads and checks a scenario file (TOML), as `depinsim validate` does.

    Raises ScenarioError naming the file, the key and what is wrong.
    """
    return Scenario.load(os.fspath(path))


def _read_csv(src: Any):
    """pandas.read_csv with the exact float each shortest-repr cell stands
    for: pandas 3 parses floats exactly by default; before it, that needs
    float_precision="round_trip"."""
    import pandas as pd

    if int(pd.__version__.split(".")[0]) >= 3:
        return pd.read_csv(src)
    return pd.read_csv(src, float_precision="round_trip")


def _frame(columns: List[Tuple[str, str, Any]], csv: Optional[bytes] = None):
    """A DataFrame from native columns: numeric columns straight from their
    bytes (numpy.frombuffer), strings from lists. With no rows, the CSV
    header gives the columns."""
    import numpy as np
    import pandas as pd

    if not columns:
        if csv is None:
            return pd.DataFrame()
        return _read_csv(io.BytesIO(csv))
    data: Dict[str, Any] = {}
    for name, dtype, payload in columns:
        if dtype == "str":
            # read_csv reads an empty cell as NaN: do the same.
            data[name] = np.array([np.nan if v is None else v for v in payload], dtype=object)
        else:
            data[name] = np.frombuffer(payload, dtype=dtype).copy()
    return pd.DataFrame(data)


def _polars(frames: Mapping[str, Any], table: Optional[str]):
    try:
        import polars as pl
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("to_polars() needs polars: pip install polars") from e
    if table is not None:
        return pl.from_pandas(frames[table])
    return {k: pl.from_pandas(v) for k, v in frames.items()}


class _ProgressLine:
    """A progress display: tqdm when it is installed (tqdm.auto draws a widget
    in notebooks), otherwise one line on stderr, rewritten in place."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.bar = None
        self.last = -1
        try:
            from tqdm.auto import tqdm  # type: ignore

            self.tqdm = tqdm
        except ImportError:
            self.tqdm = None

    def __call__(self, done: int, total: Optional[int]) -> None:
        if self.tqdm is not None:
            if self.bar is None:
                self.bar = self.tqdm(total=total, unit="run", desc=self.what)
            self.bar.update(done - self.bar.n)
            return
        if done != self.last:
            self.last = done
            of = f"/{total}" if total is not None else ""
            sys.stderr.write(f"\r{self.what}: {done}{of} runs")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.last >= 0:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _progress(progress: Progress, what: str):
    if progress is True:
        return _ProgressLine(what)
    if progress in (False, None):
        return None
    return progress


def _close(cb: Any) -> None:
    if isinstance(cb, _ProgressLine):
        cb.close()


class RunResult:
    """The results of `run`: every (replicate x design) of one scenario.

    `summary`, `workloads`, `timeseries`, `waits` and `aggregate` are pandas
    DataFrames with the columns and numbers of the CSV files `depinsim run`
    writes (`aggregate` is None with one replication). `csv(name)` gives a
    file's exact bytes and `save(dir)` writes the run directory.
    """

    def __init__(self, native: "_native.Run") -> None:
        self._native = native
        self._frames: Dict[str, Any] = {}

    def _table(self, name: str):
        if name not in self._frames:
            if name == "aggregate":
                data = self._native.csv("aggregate")
                self._frames[name] = None if data is None else _frame([], data)
            else:
                cols = self._native.columns(name)
                self._frames[name] = _frame(cols, None if cols else self._native.csv(name))
        return self._frames[name]

    @property
    def summary(self):
        """summary.csv: one row per (replicate, design)."""
        return self._table("summary")

    @property
    def workloads(self):
        """workloads.csv: one row per (replicate, design, workload)."""
        return self._table("workloads")

    @property
    def timeseries(self):
        """timeseries.csv: one row per (replicate, design, sample time)."""
        return self._table("timeseries")

    @property
    def waits(self):
        """waits.csv: wait-time quantiles per run."""
        return self._table("waits")

    @property
    def aggregate(self):
        """aggregate.csv: per (design, metric) mean, sd, n and 95% CI over
        replicates; None with one replication."""
        return self._table("aggregate")

    def csv(self, name: str) -> Optional[bytes]:
        """The bytes of NAME.csv exactly as `depinsim run` writes it."""
        return self._native.csv(name)

    def save(self, out: PathLike) -> Path:
        """Writes the run directory (`depinsim run --no-plots`'s files and
        manifest.json) into `out`; returns its path."""
        out = Path(out)
        self._native.save(os.fspath(out), ["depinsim.run (Python)", self.scenario.file])
        return out

    def to_polars(self, table: Optional[str] = None):
        """The tables as polars DataFrames (a dict, or the one named)."""
        names = list(_TABLES) + (["aggregate"] if self.aggregate is not None else [])
        return _polars({n: self._table(n) for n in names}, table)

    @property
    def scenario(self) -> Scenario:
        """The scenario as run (with run()'s options applied)."""
        return self._native.scenario

    @property
    def events(self) -> int:
        """Simulation events of all runs."""
        return self._native.events

    @property
    def wall_seconds(self) -> float:
        """Wall-clock seconds of the simulations (not in any table)."""
        return self._native.wall_seconds

    def __len__(self) -> int:
        return self._native.runs

    def __repr__(self) -> str:
        sc = self.scenario
        return (
            f"<RunResult {sc.name!r}: {self._native.runs} runs "
            f"({sc.replications} replications x {', '.join(sc.designs)}), "
            f"{self.events} events in {self.wall_seconds:.2f} s>"
        )


def run(
    scenario: Union[Scenario, PathLike],
    *,
    replications: Optional[int] = None,
    designs: Optional[Sequence[str]] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Progress = False,
) -> RunResult:
    """Runs every replicate x design of `scenario`, as `depinsim run`.

    `replications`, `designs` and `seed` override the scenario's (checked
    like `--replications`, `--design`, `--seed`). `threads`: worker threads
    (default all cores); results do not depend on it. `progress`: True for a
    progress bar (tqdm if installed), or a callable `f(done, total)`.
    """
    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    cb = _progress(progress, sc.name)
    try:
        native = _native.run(
            sc,
            replications=replications,
            designs=list(designs) if designs is not None else None,
            seed=seed,
            threads=threads,
            progress=cb,
        )
    finally:
        _close(cb)
    return RunResult(native)


class SweepResult:
    """A sweep directory written by `sweep` (or `depinsim sweep`).

    `summary`, `workloads`, `timeseries` and `aggregate` read its CSV files
    (once, on first use); `out` is the directory; `state` says what this call
    did: "ran", "complete" (was complete already), "finalized" (all runs were
    done; the final files written now) or "dry_run".
    """

    def __init__(self, info: Mapping[str, Any]) -> None:
        self.out = Path(info["out"])
        self.state: str = info["state"]
        self.runs: int = info["runs"]
        self.runs_before: int = info["runs_before"]
        self.runs_now: int = info["runs_now"]
        self.events: int = info["events"]
        self.wall_seconds: float = info["wall_seconds"]
        self.description: str = info["description"]
        self._frames: Dict[str, Any] = {}

    def _table(self, name: str):
        if name not in self._frames:
            path = self.out / f"{name}.csv"
            if not path.exists():
                raise DepinsimError(f"{path}: not there (is the sweep finished, and not a shard?)")
            self._frames[name] = _read_csv(path)
        return self._frames[name]

    @property
    def summary(self):
        """summary.csv: one row per (point, replicate, design), then the swept parameters."""
        return self._table("summary")

    @property
    def workloads(self):
        """workloads.csv: per (point, replicate, design, workload), then the swept parameters."""
        return self._table("workloads")

    @property
    def timeseries(self):
        """timeseries.csv: per (point, replicate, design, sample time)."""
        return self._table("timeseries")

    @property
    def aggregate(self):
        """aggregate.csv: per (point, design, metric) mean, sd, n, 95% CI, then the swept parameters."""
        return self._table("aggregate")

    def to_polars(self, table: Optional[str] = None):
        """The tables as polars DataFrames (a dict, or the one named)."""
        names = ["summary", "workloads", "timeseries", "aggregate"]
        return _polars({n: self._table(n) for n in names if table in (None, n)}, table)

    def __repr__(self) -> str:
        return f"<SweepResult {self.description} in {str(self.out)!r}: {self.state}>"


def sweep(
    scenario: Union[Scenario, PathLike],
    params: Optional[Mapping[str, Union[Sequence[Any], str]]] = None,
    *,
    zip: bool = False,
    out: Optional[PathLike] = None,
    resume: bool = False,
    replications: Optional[int] = None,
    designs: Optional[Sequence[str]] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    shard: Optional[str] = None,
    dry_run: bool = False,
    report: bool = False,
    progress: Progress = False,
) -> SweepResult:
    """Runs a sweep into `out`, streaming rows to disk, as `depinsim sweep`.

    `params` maps keys to value lists, e.g. {"supply.initial.H100": [64, 128,
    256]}, or to the CLI's list or range text ("64:256:64", "1h:8h:x2");
    without params the scenario's [sweep] table is used. Points are the grid
    of all combinations, or with `zip=True` the i-th values together.
    `out` defaults to results/<scenario name>. With `resume=True` an
    interrupted sweep in `out` continues where its journal stopped and a
    finished one returns at once. `shard="K/N"` runs one shard (merge shards
    with `depinsim merge`). `report=True` also draws the charts and writes
    report.html. Ctrl-C stops after the runs in flight; what is done stays in
    the journal for `resume=True`.
    """
    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    cb = _progress(progress, f"sweep {sc.name}")
    try:
        info = _native.sweep(
            sc,
            dict(params) if params is not None else None,
            zip=zip,
            out=os.fspath(out) if out is not None else None,
            resume=resume,
            replications=replications,
            designs=list(designs) if designs is not None else None,
            seed=seed,
            threads=threads,
            shard=shard,
            dry_run=dry_run,
            report=report,
            progress=cb,
            command=["depinsim.sweep (Python)", sc.file],
        )
    finally:
        _close(cb)
    return SweepResult(info)


class PlanResult:
    """The answer of `plan`: per design the smallest value of the varied key
    at which every target holds (one-sided 95% bounds).

    `answers` maps design -> answer (None: unreachable in the range);
    `rows` is plan.csv as a DataFrame (every evaluated point and target);
    `table` the answers as Markdown; `warnings` per design.
    """

    def __init__(self, info: Mapping[str, Any], vary: str) -> None:
        self.vary = vary
        self.rows = _frame(info["rows"])
        self.table: str = info["table"]
        self.designs: List[Dict[str, Any]] = list(info["designs"])
        self.answers: Dict[str, Optional[float]] = {d["design"]: d["answer"] for d in self.designs}
        self.warnings: Dict[str, List[str]] = {d["design"]: d["warnings"] for d in self.designs}
        self.runs: int = info["runs"]

    def _repr_markdown_(self) -> str:
        return self.table

    def __repr__(self) -> str:
        return f"<PlanResult {self.vary}: {self.answers}>"


def plan(
    scenario: Union[Scenario, PathLike],
    target: Union[str, Iterable[str]],
    vary: str,
    range: Union[str, Tuple[float, float]],
    *,
    replications: Optional[int] = None,
    max_replications: Optional[int] = None,
    tolerance: Optional[float] = None,
    designs: Optional[Sequence[str]] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    progress: Progress = False,
) -> PlanResult:
    """Capacity planning, as `depinsim plan`: per design, the smallest value
    of `vary` in `range` (LO, HI) at which every target ("p95_wait_h<=0.5",
    "utilization>=0.6") holds with 95% confidence over replications.
    """
    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    targets = [target] if isinstance(target, str) else list(target)
    if isinstance(range, str):
        lo_s, sep, hi_s = range.partition("..")
        if not sep:
            raise ScenarioError(f"range {range!r}: expected LO..HI")
        lo, hi = float(lo_s), float(hi_s)
    else:
        lo, hi = (float(x) for x in range)
    cb = _progress(progress, f"plan {vary}")
    try:
        info = _native.plan(
            sc,
            targets,
            vary,
            lo,
            hi,
            replications=replications,
            max_replications=max_replications,
            tolerance=tolerance,
            designs=list(designs) if designs is not None else None,
            seed=seed,
            threads=threads,
            progress=cb,
        )
    finally:
        _close(cb)
    return PlanResult(info, vary)
