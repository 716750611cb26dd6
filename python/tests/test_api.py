"""The Python API against the CLI: same files byte for byte, same tables,
same error messages; determinism across thread counts; GIL released;
Ctrl-C stops a run and a sweep, and an interrupted sweep resumes to the
uninterrupted sweep's bytes.

The CLI binary is $DEPINSIM_BIN, else target/release/depinsim, else
target/debug/depinsim (built by `cargo build`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import depinsim

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
MMC = ROOT / "scenarios" / "mmc.toml"
# A short baseline: 2 simulated days, 2 replications x 3 designs.
SHORT = {"scenario.horizon": "2d", "scenario.warmup": "6h"}
SHORT_CLI = [a for k, v in SHORT.items() for a in ("--set", f"{k}={v}")]
CSV_FILES = ["summary", "timeseries", "waits", "workloads", "aggregate"]


def read_csv(path, **kw):
    """The CSV's exact floats (pandas 3 by default, older with round_trip)."""
    if int(pd.__version__.split(".")[0]) < 3:
        kw["float_precision"] = "round_trip"
    return pd.read_csv(path, **kw)


def cli_binary() -> Path:
    env = os.environ.get("DEPINSIM_BIN")
    if env:
        return Path(env)
    for profile in ("release", "debug"):
        p = ROOT / "target" / profile / "depinsim"
        if p.exists():
            return p
    pytest.skip("no depinsim binary: run `cargo build` (or set DEPINSIM_BIN)")


def cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([str(cli_binary()), *args], capture_output=True, text=True)
    if ok:
        assert p.returncode == 0, p.stderr
    return p


def short_baseline() -> depinsim.Scenario:
    sc = depinsim.load(BASELINE)
    sc.update(SHORT)
    return sc


@pytest.fixture(scope="module")
def baseline_run():
    return depinsim.run(short_baseline(), replications=2, threads=2)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    cli("run", str(BASELINE), "--replications", "2", *SHORT_CLI, "--no-plots", "--out", str(out))
    return out


# --- scenarios -------------------------------------------------------------


def test_load_reads_the_file():
    sc = depinsim.load(BASELINE)
    assert sc.name == "baseline"
    assert {"akash", "ionet", "render"} <= set(sc.designs)
    assert sc.horizon_h == 30 * 24
    assert sc.file == str(BASELINE)


def test_set_changes_the_scenario_and_records_the_override():
    sc = depinsim.load(BASELINE)
    sc.set("workload.training.arrivals.rate_per_hour", 6)
    sc.set("design.ionet.policy", "backfill")
    assert sc.overrides == [
        "workload.training.arrivals.rate_per_hour=6",
        'design.ionet.policy="backfill"',
    ]
    assert 'policy = "backfill"' in sc.to_toml()
    spec = json.loads(sc.to_json())
    train = [w for w in spec["workload"] if w["name"] == "training"][0]
    assert train["arrivals"]["rate_per_hour"] == 6


def test_update_checks_the_keys_together():
    sc = depinsim.load(BASELINE)
    with pytest.raises(depinsim.ScenarioError, match="must be shorter than scenario.horizon"):
        sc.set("scenario.horizon", "2d")  # alone: shorter than the 2d warmup
    sc.update({"scenario.horizon": "2d", "scenario.warmup": "6h"})
    assert sc.horizon_h == 48 and sc.warmup_h == 6


def test_copy_is_independent():
    a = depinsim.load(BASELINE)
    b = a.copy()
    b.set("scenario.seed", 99)
    assert (a.seed, b.seed) == (7, 99)


def test_from_dict_is_the_file():
    tomllib = pytest.importorskip("tomllib")
    d = tomllib.loads(BASELINE.read_text())
    via_dict = depinsim.Scenario.from_dict(d)
    assert via_dict.to_toml() == depinsim.load(BASELINE).to_toml()


@pytest.mark.parametrize(
    "key, value, cli_value",
    [
        ("workload.trainin.arrivals.rate_per_hour", 6, "6"),  # misspelt name
        ("supply.initiall.H100", 64, "64"),  # misspelt key
        ("workload.training.arrivals.rate_per_hour", -3, "-3"),  # bad value
        ("scenario.horizon", "5 parsecs", '"5 parsecs"'),
    ],
)
def test_a_bad_set_raises_the_clis_message(key, value, cli_value):
    sc = depinsim.load(BASELINE)
    before = sc.to_toml()
    with pytest.raises(depinsim.ScenarioError) as e:
        sc.set(key, value)
    p = cli("run", str(BASELINE), "--set", f"{key}={cli_value}", "--out", "/nonexistent", ok=False)
    assert p.returncode == 2
    assert p.stderr.strip() == f"error: {e.value}"
    assert sc.to_toml() == before, "a failed set leaves the scenario unchanged"


def test_a_misspelt_key_gets_a_suggestion():
    sc = depinsim.load(BASELINE)
    with pytest.raises(depinsim.ScenarioError, match=r'did you mean "training"'):
        sc.set("workload.trainin.gpus", 2)
    with pytest.raises(depinsim.ScenarioError, match="supply.initiall"):
        sc.set("supply.initiall.H100", 64)


def test_bad_input_elsewhere():
    with pytest.raises(depinsim.ScenarioError, match="cannot read the scenario file"):
        depinsim.load("no/such/file.toml")
    with pytest.raises(depinsim.ScenarioError, match="not valid TOML"):
        depinsim.Scenario.from_toml("[scenario\n")
    sc = short_baseline()
    with pytest.raises(depinsim.ScenarioError, match="threads must be at least 1"):
        depinsim.run(sc, threads=0)
    with pytest.raises(depinsim.ScenarioError, match="scenario.designs"):
        depinsim.run(sc, designs=["akosh"])
    with pytest.raises(depinsim.ScenarioError, match="replications"):
        depinsim.run(sc, replications=0)
    with pytest.raises(TypeError):
        sc.set("scenario.seed", object())
    assert issubclass(depinsim.ScenarioError, depinsim.DepinsimError)


# --- run -------------------------------------------------------------------


@pytest.mark.parametrize("name", CSV_FILES)
def test_run_files_are_the_clis_bytes(baseline_run, cli_run, name):
    assert baseline_run.csv(name) == (cli_run / f"{name}.csv").read_bytes()


@pytest.mark.parametrize("name", CSV_FILES)
def test_run_tables_are_the_clis_csvs(baseline_run, cli_run, name):
    got = getattr(baseline_run, name)
    want = read_csv(cli_run / f"{name}.csv")
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_tables_are_built_without_csv_text(baseline_run):
    # The same frame from a second native call, and its columns' order is the CSV header's.
    header = baseline_run.csv("summary").split(b"\n", 1)[0].decode().split(",")
    assert list(baseline_run.summary.columns) == header
    assert baseline_run.summary["design"].tolist() == short_baseline().designs * 2
    assert baseline_run.summary["seed"].dtype in (np.int64, np.uint64)


def test_save_writes_the_run_directory(baseline_run, cli_run, tmp_path):
    out = baseline_run.save(tmp_path / "py")
    for name in CSV_FILES:
        assert (out / f"{name}.csv").read_bytes() == (cli_run / f"{name}.csv").read_bytes()
    m = json.loads((out / "manifest.json").read_text())
    assert m["master_seed"] == 7 and len(m["runs"]) == 2 * len(short_baseline().designs)
    assert m["overrides"] == ["scenario.horizon=\"2d\"", "scenario.warmup=\"6h\"", "scenario.replications=2"]


def test_one_replication_has_no_aggregate():
    r = depinsim.run(short_baseline(), replications=1, designs=["ionet"])
    assert r.aggregate is None and r.csv("aggregate") is None
    assert len(r) == 1 and r.summary.shape[0] == 1


def test_results_do_not_depend_on_threads(baseline_run):
    one = depinsim.run(short_baseline(), replications=2, threads=1)
    for name in CSV_FILES:
        assert one.csv(name) == baseline_run.csv(name), name
    pd.testing.assert_frame_equal(one.timeseries, baseline_run.timeseries, check_exact=True)


def test_seed_and_designs_options_act_like_the_clis(tmp_path):
    r = depinsim.run(short_baseline(), seed=11, designs=["render", "akash"], replications=2)
    out = tmp_path / "cli"
    cli("run", str(BASELINE), "--seed", "11", "--design", "render", "--design", "akash",
        "--replications", "2", *SHORT_CLI, "--no-plots", "--out", str(out))
    assert r.csv("summary") == (out / "summary.csv").read_bytes()


def test_progress_callback_counts_runs():
    seen = []
    depinsim.run(short_baseline(), replications=2, progress=lambda d, t: seen.append((d, t)))
    n = 2 * len(short_baseline().designs)
    assert seen[-1] == (n, n)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_the_gil_is_released_while_simulating():
    # Another Python thread advances only if run() lets go of the GIL (no
    # progress callback, so no Python code runs on this thread meanwhile).
    count = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        before = count[0]
        depinsim.run(depinsim.load(BASELINE), replications=2, threads=1)
        during = count[0] - before
    finally:
        stop.set()
        t.join()
    assert during > 0


def sigint_after(n: int):
    """A progress callback that sends this process SIGINT (as Ctrl-C does)
    once n runs are done."""

    def cb(done, total):
        if done >= n:
            os.kill(os.getpid(), signal.SIGINT)

    return cb


def test_ctrl_c_stops_a_run():
    sc = depinsim.load(BASELINE)
    with pytest.raises(KeyboardInterrupt):
        depinsim.run(sc, replications=4, threads=1, progress=sigint_after(1))
    # Nothing is left running: the next call works as usual.
    assert len(depinsim.run(short_baseline(), replications=1, designs=["ionet"])) == 1


def test_polars_if_installed(baseline_run):
    pl = pytest.importorskip("polars")
    frames = baseline_run.to_polars()
    assert isinstance(frames["summary"], pl.DataFrame)
    assert frames["summary"].height == baseline_run.summary.shape[0]


# --- sweep -----------------------------------------------------------------

PARAMS = {"supply.initial.A100": [192, 256, 320]}
PARAM_CLI = ["--param", "supply.initial.A100=192,256,320"]
SWEEP_FILES = ["summary", "aggregate", "timeseries", "workloads"]


@pytest.fixture(scope="module")
def cli_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("clisweep") / "sweep"
    cli("sweep", str(BASELINE), *PARAM_CLI, "--replications", "2", *SHORT_CLI,
        "--no-plots", "--out", str(out))
    return out


def test_sweep_writes_the_clis_files(cli_sweep, tmp_path):
    res = depinsim.sweep(short_baseline(), PARAMS, replications=2, out=tmp_path / "s", threads=2)
    runs = 3 * 2 * len(short_baseline().designs)
    assert res.state == "ran" and res.runs == runs and res.runs_now == runs
    for name in SWEEP_FILES:
        assert (res.out / f"{name}.csv").read_bytes() == (cli_sweep / f"{name}.csv").read_bytes(), name
    per_point = runs // 3
    assert res.summary["supply.initial.A100"].tolist() == [192] * per_point + [256] * per_point + [320] * per_point
    again = depinsim.sweep(short_baseline(), PARAMS, replications=2, out=tmp_path / "s", resume=True)
    assert again.state == "complete" and again.runs_now == 0


def test_sweep_range_text_and_zip(tmp_path):
    grid = depinsim.sweep(short_baseline(), {"supply.initial.A100": "192:320:64"},
                          replications=1, designs=["ionet"], out=tmp_path / "g")
    assert grid.runs == 3
    z = depinsim.sweep(short_baseline(),
                       {"supply.initial.A100": [192, 256], "supply.initial.H100": [128, 256]},
                       zip=True, replications=1, designs=["ionet"], out=tmp_path / "z")
    assert z.runs == 2


def test_sweep_refuses_an_existing_directory_without_resume(tmp_path):
    depinsim.sweep(short_baseline(), PARAMS, replications=1, designs=["ionet"], out=tmp_path / "s")
    with pytest.raises(depinsim.ScenarioError, match="pass --resume"):
        depinsim.sweep(short_baseline(), PARAMS, replications=1, designs=["ionet"], out=tmp_path / "s")


def test_sweep_bad_param_names_the_key():
    with pytest.raises(depinsim.ScenarioError, match="supply.initiall"):
        depinsim.sweep(short_baseline(), {"supply.initiall.A100": [1, 2]}, dry_run=True)


def test_an_interrupted_sweep_resumes_to_the_same_bytes(cli_sweep, tmp_path):
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        depinsim.sweep(short_baseline(), PARAMS, replications=2, out=out, threads=1,
                       progress=sigint_after(4))
    runs = 3 * 2 * len(short_baseline().designs)
    progress = json.loads((out / "progress.json").read_text())
    assert 4 <= progress["runs_done"] < runs and not progress["complete"]
    assert not (out / "summary.csv").exists()
    res = depinsim.sweep(short_baseline(), PARAMS, replications=2, out=out, resume=True, threads=2)
    assert res.state == "ran"
    assert res.runs_before == progress["runs_done"]
    assert res.runs_before + res.runs_now == runs
    for name in SWEEP_FILES:
        assert (out / f"{name}.csv").read_bytes() == (cli_sweep / f"{name}.csv").read_bytes(), name


# --- plan ------------------------------------------------------------------


def test_plan_matches_the_cli(tmp_path):
    sc = depinsim.load(MMC)
    sc.set("scenario.horizon", "20d")
    res = depinsim.plan(sc, "mean_wait_h<=0.17", "supply.initial.A100", (1, 64), replications=4, threads=2)
    out = tmp_path / "plan"
    p = cli("plan", str(MMC), "--vary", "supply.initial.A100", "--set", "scenario.horizon=20d",
            "--replications", "4", "--target", "mean_wait_h<=0.17", "--range", "1..64",
            "--out", str(out))
    want = read_csv(out / "plan.csv", dtype={"value": str})
    got = res.rows.astype({"value": str})
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert res.answers == {"ionet": 15.0}
    assert res.table == p.stdout
    with pytest.raises(depinsim.ScenarioError):
        depinsim.plan(sc, "no_such_metric<=1", "supply.initial.A100", "1..64")
