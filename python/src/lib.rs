//! `depinsim._native`: the Python face of the depinsim library. Everything
//! here calls the library's public API (scenario, runner, output, sweep,
//! capacity); the Python package `depinsim` (python/depinsim) wraps it in
//! pandas DataFrames. The GIL is released while simulating, and the calling
//! thread polls for signals (Ctrl-C) so a run stops cleanly between runs.

mod columns;

use columns::{ColumnData, Columns};
use depinsim::capacity::{PlanRequest, Planner, Target, fmt_value, metric_names};
use depinsim::cmd::option_overrides;
use depinsim::cmd::plan::{answer_table, plan_rows};
use depinsim::output::run_dir::{RunFiles, run_manifest};
use depinsim::output::{WaitRow, timeseries_rows};
use depinsim::runner::{Control, RunResult, plan_runs, run_all_controlled};
use depinsim::scenario::{self, Override, parse_key, parse_override};
use depinsim::sweep::store::Start;
use depinsim::sweep::{Shard, SweepEnd, SweepJob, SweepRequest};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

create_exception!(
    depinsim,
    DepinsimError,
    PyException,
    "A depinsim failure: bad input (ScenarioError) or anything else (I/O while writing results, ...)."
);
create_exception!(
    depinsim,
    ScenarioError,
    DepinsimError,
    "Bad input: a scenario, a key, a value or an option; the message names the file, the key and what is wrong, as the CLI's does."
);

/// How often the calling thread wakes to check for Ctrl-C and report progress.
const POLL: Duration = Duration::from_millis(100);

/// The library's error as a Python exception: bad input (the CLI's exit
/// code 2) is a `ScenarioError`, anything else a `DepinsimError`.
fn py_err(e: depinsim::Error) -> PyErr {
    match e {
        depinsim::Error::Input { .. } | depinsim::Error::Usage(_) => {
            ScenarioError::new_err(e.to_string())
        }
        depinsim::Error::Interrupted(m) => PyKeyboardInterrupt::new_err(m),
        depinsim::Error::Other(m) | depinsim::Error::Unmet(m) => DepinsimError::new_err(m),
    }
}

fn usage(msg: impl Into<String>) -> PyErr {
    ScenarioError::new_err(msg.into())
}

/// Runs `work` on a thread of its own with the GIL released, while this
/// thread wakes every [`POLL`] to report `ctl`'s count to `progress`
/// (`progress(done, total)`) and to check for signals. When a signal
/// handler raises (Ctrl-C: `KeyboardInterrupt`) or `progress` raises,
/// `ctl` is cancelled, the work stops after the runs in flight, and the
/// exception is raised here.
fn run_blocking<T: Send>(
    py: Python<'_>,
    ctl: &Control,
    total: Option<u64>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce() -> depinsim::Result<T> + Send,
) -> PyResult<T> {
    let done = (Mutex::new(false), Condvar::new());
    let wait = || {
        let (m, cv) = &done;
        let finished = m.lock().expect("no thread panics holding the done flag");
        let (finished, _) = cv
            .wait_timeout_while(finished, POLL, |f| !*f)
            .expect("no thread panics holding the done flag");
        *finished
    };
    std::thread::scope(|s| {
        let handle = s.spawn(|| {
            let r = work();
            *done
                .0
                .lock()
                .expect("no thread panics holding the done flag") = true;
            done.1.notify_all();
            r
        });
        let mut shown = None;
        let mut report = || -> PyResult<()> {
            if let Some(cb) = progress {
                let n = ctl.runs_done();
                if shown != Some(n) {
                    shown = Some(n);
                    cb.call1((n, total))?;
                }
            }
            Ok(())
        };
        let mut failure: Option<PyErr> = None;
        loop {
            let finished = py.detach(wait) || handle.is_finished();
            if let Err(e) = py.check_signals().and_then(|()| report()) {
                failure = Some(e);
                ctl.cancel();
                break;
            }
            if finished {
                break;
            }
        }
        let joined = py.detach(|| handle.join());
        if let Some(e) = failure {
            return Err(e);
        }
        let r = joined.map_err(|_| DepinsimError::new_err("the simulation thread panicked"))?;
        let r = r.map_err(py_err)?;
        report()?;
        Ok(r)
    })
}

/// A Python value as a TOML value, the way `--set` reads its text: bool,
/// int, float, str, list/tuple, dict.
fn to_toml(v: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
    if v.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(v.extract()?));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(v.extract()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(v.extract()?));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut t = toml::Table::new();
        for (k, x) in d.iter() {
            let k: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err("scenario keys must be strings"))?;
            if x.is_none() {
                continue;
            }
            t.insert(k, to_toml(&x)?);
        }
        return Ok(toml::Value::Table(t));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
        return Ok(toml::Value::Array(
            items.iter().map(to_toml).collect::<PyResult<_>>()?,
        ));
    }
    // numpy scalars and the like: by their Python number or text.
    if let Ok(i) = v.extract::<i64>() {
        return Ok(toml::Value::Integer(i));
    }
    if let Ok(f) = v.extract::<f64>() {
        return Ok(toml::Value::Float(f));
    }
    Err(PyTypeError::new_err(format!(
        "cannot use a {} as a scenario value (use bool, int, float, str, list or dict)",
        v.get_type().name()?
    )))
}

/// A scenario value as `--set` text (`6`, `"5d"`, `["A100"]`).
fn value_text(v: &toml::Value) -> String {
    v.to_string()
}

/// A checked scenario: the file's text, the overrides applied to it, and
/// the resolved scenario the simulator runs.
#[pyclass(module = "depinsim._native")]
#[derive(Clone)]
pub struct Scenario {
    file: String,
    text: String,
    sets: Vec<Override>,
    sc: Arc<scenario::Scenario>,
}

impl Scenario {
    fn resolve(file: String, text: String, sets: Vec<Override>) -> PyResult<Scenario> {
        let sc = scenario::from_str(&text, &file, &sets).map_err(py_err)?;
        Ok(Scenario {
            file,
            text,
            sets,
            sc: Arc::new(sc),
        })
    }

    /// `key = value` as an override whose text is what `--set` would show.
    fn override_of(&self, key: &str, value: &Bound<'_, PyAny>) -> PyResult<Override> {
        let path =
            parse_key(key).map_err(|e| usage(format!("{}: --set {key:?}: {e}", self.file)))?;
        let value = to_toml(value)?;
        Ok(Override {
            text: format!("{}={}", key.trim(), value_text(&value)),
            path,
            value,
        })
    }

    /// Adds `ovs` to the overrides if the scenario stays valid.
    fn apply(&mut self, ovs: Vec<Override>) -> PyResult<()> {
        let mut sets = self.sets.clone();
        sets.extend(ovs);
        *self = Scenario::resolve(self.file.clone(), self.text.clone(), sets)?;
        Ok(())
    }

    /// The overrides plus those of the `run`/`sweep`/`plan` options.
    fn with_options(
        &self,
        seed: Option<u64>,
        replications: Option<u32>,
        designs: &[String],
    ) -> PyResult<Vec<Override>> {
        let mut sets = self.sets.clone();
        for text in option_overrides(seed, replications, designs) {
            sets.push(parse_override(&text).map_err(usage)?);
        }
        Ok(sets)
    }
}

#[pymethods]
impl Scenario {
    /// Reads and checks a scenario file (TOML).
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Scenario> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            py_err(depinsim::Error::input(
                &file,
                "",
                format!("cannot read the scenario file: {e}"),
            ))
        })?;
        Scenario::resolve(file, text, Vec::new())
    }

    /// Checks scenario TOML text; `file` names it in messages.
    #[staticmethod]
    #[pyo3(signature = (text, file = "<string>".to_string()))]
    fn from_toml(text: String, file: String) -> PyResult<Scenario> {
        Scenario::resolve(file, text, Vec::new())
    }

    /// Checks a scenario given as a dict with the file's tables and keys
    /// (`{"scenario": {...}, "gpu_class": [...], ...}`); `None` values are
    /// left out.
    #[staticmethod]
    #[pyo3(signature = (d, file = "<dict>".to_string()))]
    fn from_dict(d: &Bound<'_, PyDict>, file: String) -> PyResult<Scenario> {
        let toml::Value::Table(t) = to_toml(d.as_any())? else {
            unreachable!("a dict converts to a table")
        };
        let text = toml::to_string(&t)
            .map_err(|e| usage(format!("{file}: cannot write the dict as TOML: {e}")))?;
        Scenario::resolve(file, text, Vec::new())
    }

    /// Sets `key` (a dotted path, as `--set KEY=VALUE`) to `value`, with the
    /// checks and messages of `--set`; on a bad key or value the scenario is
    /// unchanged and `ScenarioError` is raised.
    fn set(&mut self, key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let ov = self.override_of(key, value)?;
        self.apply(vec![ov])
    }

    /// Sets several keys at once, checked together as several `--set`s on
    /// one command line are (so `scenario.horizon` and `scenario.warmup` can
    /// change together).
    fn update(&mut self, values: &Bound<'_, PyDict>) -> PyResult<()> {
        let mut ovs = Vec::new();
        for (k, v) in values.iter() {
            let key: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err("keys must be strings"))?;
            ovs.push(self.override_of(&key, &v)?);
        }
        self.apply(ovs)
    }

    /// Sets from a `KEY=VALUE` text exactly as `--set` reads it.
    fn set_text(&mut self, text: &str) -> PyResult<()> {
        let ov = parse_override(text).map_err(|e| usage(format!("{}: {e}", self.file)))?;
        self.apply(vec![ov])
    }

    /// A copy (later `set`s on one do not change the other).
    fn copy(&self) -> Scenario {
        self.clone()
    }

    /// The scenario's name (`scenario.name`).
    #[getter]
    fn name(&self) -> String {
        self.sc.name.clone()
    }
    /// The file it came from, as named in messages.
    #[getter]
    fn file(&self) -> String {
        self.file.clone()
    }
    /// The master seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.sc.seed
    }
    #[getter]
    fn replications(&self) -> u32 {
        self.sc.replications
    }
    /// The designs, in scenario order.
    #[getter]
    fn designs(&self) -> Vec<&'static str> {
        self.sc.designs.iter().map(|d| d.name()).collect()
    }
    /// Simulated horizon, hours.
    #[getter]
    fn horizon_h(&self) -> f64 {
        self.sc.horizon as f64 / 3_600_000.0
    }
    /// Warmup excluded from the metrics, hours.
    #[getter]
    fn warmup_h(&self) -> f64 {
        self.sc.warmup as f64 / 3_600_000.0
    }
    /// The overrides applied so far, as `KEY=VALUE` texts.
    #[getter]
    fn overrides(&self) -> Vec<String> {
        self.sets.iter().map(|o| o.text.clone()).collect()
    }
    /// The scenario as resolved (after overrides), as TOML text.
    fn to_toml(&self) -> PyResult<String> {
        toml::to_string(&self.sc.spec).map_err(|e| DepinsimError::new_err(e.to_string()))
    }
    /// The scenario as resolved, as JSON text (the manifest's `scenario`).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.sc.spec).map_err(|e| DepinsimError::new_err(e.to_string()))
    }
    fn __repr__(&self) -> String {
        format!(
            "Scenario({:?}, file={:?}, designs={:?}, replications={}, seed={}, overrides={:?})",
            self.sc.name,
            self.file,
            self.designs(),
            self.sc.replications,
            self.sc.seed,
            self.overrides()
        )
    }
}

/// The results of `run`: every (replicate x design) of one scenario, in
/// run order, with the CSV files built on demand by the library's writers.
#[pyclass(module = "depinsim._native", frozen)]
pub struct Run {
    file: String,
    text: String,
    sets: Vec<Override>,
    sc: Arc<scenario::Scenario>,
    results: Vec<RunResult>,
    wall_seconds: f64,
    threads: usize,
    files: OnceLock<RunFiles>,
}

impl Run {
    fn files(&self) -> PyResult<&RunFiles> {
        if let Some(f) = self.files.get() {
            return Ok(f);
        }
        let f = RunFiles::build(&self.sc, &self.results).map_err(py_err)?;
        Ok(self.files.get_or_init(|| f))
    }
}

/// Columns as `[(name, dtype, data)]`: data is bytes for numpy dtypes, a
/// list for `"str"`.
fn columns_py<'py>(
    py: Python<'py>,
    cols: Vec<(String, ColumnData)>,
) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for (name, data) in cols {
        let dtype = data.dtype();
        let payload: Bound<'py, PyAny> = match data {
            ColumnData::F64(b) | ColumnData::I64(b) | ColumnData::U64(b) | ColumnData::Bool(b) => {
                PyBytes::new(py, &b).into_any()
            }
            ColumnData::Str(v) => PyList::new(py, v)?.into_any(),
        };
        out.append((name, dtype, payload))?;
    }
    Ok(out)
}

fn col_err(e: columns::ColError) -> PyErr {
    DepinsimError::new_err(format!("cannot build a table: {e}"))
}

#[pymethods]
impl Run {
    /// The columns of table `name` (`summary`, `workloads`, `timeseries`,
    /// `waits`) as `[(column, dtype, data)]`, built from the result rows
    /// without CSV text. Empty when the table has no rows.
    fn columns<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyList>> {
        let r = &self.results;
        let cols = match name {
            "summary" => Columns::of(r.iter().map(|r| &r.summary)),
            "workloads" => Columns::of(r.iter().flat_map(|r| &r.workloads)),
            "timeseries" => Columns::of(r.iter().flat_map(timeseries_rows)),
            "waits" => Columns::of(r.iter().flat_map(wait_rows)),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "no table {name:?}; tables are summary, workloads, timeseries, waits"
                )));
            }
        }
        .map_err(col_err)?;
        columns_py(py, cols.finish())
    }

    /// The bytes of `NAME.csv` as `depinsim run` writes it (`summary`,
    /// `timeseries`, `waits`, `workloads`, `aggregate`); `None` for
    /// `aggregate` with one replication.
    fn csv<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let f = self.files()?;
        let bytes = match name {
            "summary" => Some(&f.summary),
            "timeseries" => Some(&f.timeseries),
            "waits" => Some(&f.waits),
            "workloads" => Some(&f.workloads),
            "aggregate" => f.aggregate.as_ref(),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "no file {name:?}; files are summary, timeseries, waits, workloads, aggregate"
                )));
            }
        };
        Ok(bytes.map(|b| PyBytes::new(py, b)))
    }

    /// Writes the run directory `depinsim run --no-plots` writes (CSV files
    /// and `manifest.json`, whose `command` is `command`) into `out`.
    fn save(&self, py: Python<'_>, out: PathBuf, command: Vec<String>) -> PyResult<()> {
        let files = self.files()?;
        let manifest = run_manifest(
            &command,
            &self.file,
            &self.sc,
            &self.sets,
            &self.results,
            self.wall_seconds,
            self.threads,
        );
        py.detach(|| files.write(&out, &manifest)).map_err(py_err)
    }

    /// Runs done.
    #[getter]
    fn runs(&self) -> usize {
        self.results.len()
    }
    /// Simulation events, all runs.
    #[getter]
    fn events(&self) -> u64 {
        self.results.iter().map(|r| r.events).sum()
    }
    /// Wall-clock seconds of the simulations.
    #[getter]
    fn wall_seconds(&self) -> f64 {
        self.wall_seconds
    }
    /// Worker threads used.
    #[getter]
    fn threads(&self) -> usize {
        self.threads
    }
    /// The scenario as run (with the run's options applied).
    #[getter]
    fn scenario(&self) -> Scenario {
        Scenario {
            file: self.file.clone(),
            text: self.text.clone(),
            sets: self.sets.clone(),
            sc: Arc::clone(&self.sc),
        }
    }
}

/// `waits.csv`'s rows of one run.
fn wait_rows(r: &RunResult) -> impl Iterator<Item = WaitRow> + '_ {
    depinsim::metrics::WAIT_PROBS
        .iter()
        .zip(&r.wait_quantiles_h)
        .map(move |(&prob, &wait_h)| WaitRow {
            point: r.spec.point,
            replicate: r.spec.replicate,
            design: r.spec.design.name(),
            prob,
            wait_h,
        })
}

fn check_threads(threads: Option<usize>) -> PyResult<()> {
    if threads == Some(0) {
        return Err(usage("threads must be at least 1"));
    }
    Ok(())
}

fn all_threads(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    })
}

/// Runs every replicate x design of `scenario` (as `depinsim run`).
#[pyfunction]
#[pyo3(signature = (scenario, *, replications = None, designs = None, seed = None, threads = None, progress = None))]
fn run(
    py: Python<'_>,
    scenario: &Scenario,
    replications: Option<u32>,
    designs: Option<Vec<String>>,
    seed: Option<u64>,
    threads: Option<usize>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<Run> {
    check_threads(threads)?;
    let sets = scenario.with_options(seed, replications, designs.as_deref().unwrap_or(&[]))?;
    let sc = if sets.len() == scenario.sets.len() {
        Arc::clone(&scenario.sc)
    } else {
        Arc::new(scenario::from_str(&scenario.text, &scenario.file, &sets).map_err(py_err)?)
    };
    let runs = plan_runs(&sc, 0);
    let ctl = Control::default();
    let t0 = Instant::now();
    let results = run_blocking(py, &ctl, Some(runs.len() as u64), progress.as_ref(), || {
        run_all_controlled(&sc, &runs, threads, &ctl, false)
    })?;
    Ok(Run {
        file: scenario.file.clone(),
        text: scenario.text.clone(),
        sets,
        sc,
        results,
        wall_seconds: t0.elapsed().as_secs_f64(),
        threads: all_threads(threads),
        files: OnceLock::new(),
    })
}

/// The `--param KEY=LIST` texts of a params dict: a list's items as TOML
/// values, a string as the CLI's list or range syntax (`"64:256:64"`).
fn param_texts(params: &Bound<'_, PyDict>) -> PyResult<Vec<String>> {
    let mut out = Vec::new();
    for (k, v) in params.iter() {
        let key: String = k
            .extract()
            .map_err(|_| PyTypeError::new_err("params keys must be strings"))?;
        let list = if v.is_instance_of::<PyString>() {
            v.extract::<String>()?
        } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
            let items: Vec<Bound<'_, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
            items
                .iter()
                .map(|x| to_toml(x).map(|t| value_text(&t)))
                .collect::<PyResult<Vec<_>>>()?
                .join(",")
        } else {
            // range(), numpy arrays and other iterables.
            let items: Vec<Bound<'_, PyAny>> = v
                .try_iter()
                .map_err(|_| {
                    PyTypeError::new_err(format!(
                        "params[{key:?}]: give a list of values or a range string like \"64:256:64\""
                    ))
                })?
                .collect::<PyResult<_>>()?;
            items
                .iter()
                .map(|x| to_toml(x).map(|t| value_text(&t)))
                .collect::<PyResult<Vec<_>>>()?
                .join(",")
        };
        out.push(format!("{key}={list}"));
    }
    Ok(out)
}

/// Runs (or resumes) a sweep into `out` (as `depinsim sweep`); returns a
/// dict: out, state (`ran`, `complete`, `finalized`, `dry_run`), runs,
/// runs_before, runs_now, events, description, wall_seconds.
#[pyfunction]
#[pyo3(signature = (scenario, params = None, *, zip = false, out = None, resume = false, replications = None, designs = None, seed = None, threads = None, shard = None, dry_run = false, report = false, progress = None, command = None))]
#[allow(clippy::too_many_arguments)]
fn sweep<'py>(
    py: Python<'py>,
    scenario: &Scenario,
    params: Option<Bound<'py, PyDict>>,
    zip: bool,
    out: Option<PathBuf>,
    resume: bool,
    replications: Option<u32>,
    designs: Option<Vec<String>>,
    seed: Option<u64>,
    threads: Option<usize>,
    shard: Option<String>,
    dry_run: bool,
    report: bool,
    progress: Option<Bound<'py, PyAny>>,
    command: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyDict>> {
    check_threads(threads)?;
    let base_sets = scenario.with_options(seed, None, designs.as_deref().unwrap_or(&[]))?;
    let params = match &params {
        Some(p) => param_texts(p)?,
        None => Vec::new(),
    };
    let shard = match shard {
        Some(s) => Shard::parse(&s).map_err(|e| usage(format!("shard: {e}")))?,
        None => Shard::ALL,
    };
    let req = SweepRequest {
        file: scenario.file.clone(),
        text: scenario.text.clone(),
        base_sets,
        params,
        zip,
        replications,
    };
    let t0 = Instant::now();
    let job = py
        .detach(|| SweepJob::new(req, shard, out, threads))
        .map_err(py_err)?;
    let start = job.check(resume).map_err(py_err)?;
    let d = PyDict::new(py);
    d.set_item("out", job.out.display().to_string())?;
    d.set_item("runs", job.runs())?;
    d.set_item("description", job.describe())?;
    let before = match &start {
        Start::Resume(p) => p.runs_done,
        Start::Complete(p) => p.runs_done,
        Start::Fresh => 0,
    };
    d.set_item("runs_before", before)?;
    if dry_run {
        d.set_item("state", "dry_run")?;
        d.set_item("runs_now", 0)?;
        d.set_item("events", 0)?;
        d.set_item("wall_seconds", 0.0)?;
        return Ok(d);
    }
    let command = command.unwrap_or_else(|| vec!["depinsim.sweep".into()]);
    let ctl = Control::default();
    let remaining = job.runs() - before;
    let end = run_blocking(py, &ctl, Some(remaining), progress.as_ref(), || {
        let end = job.run(start, command, &ctl, |_| {})?;
        if report && shard == Shard::ALL && end != SweepEnd::AlreadyComplete {
            depinsim::output::report::write_report(std::slice::from_ref(&job.out), None)?;
        }
        Ok(end)
    })?;
    let (state, now, events) = match end {
        SweepEnd::AlreadyComplete => ("complete", 0, 0),
        SweepEnd::Finalized => ("finalized", 0, 0),
        SweepEnd::Ran { now, events, .. } => ("ran", now, events),
    };
    d.set_item("state", state)?;
    d.set_item("runs_now", now)?;
    d.set_item("events", events)?;
    d.set_item("wall_seconds", t0.elapsed().as_secs_f64())?;
    Ok(d)
}

/// Capacity planning (as `depinsim plan`): per design, the smallest value
/// of `vary` in `lo..hi` at which every target holds with 95% confidence.
/// Returns a dict: rows (columns of plan.csv), table (the answers as
/// Markdown), designs (list of dicts: design, answer, below, warnings),
/// runs, replications, max_replications.
#[pyfunction]
#[pyo3(signature = (scenario, targets, vary, lo, hi, *, replications = None, max_replications = None, tolerance = None, designs = None, seed = None, threads = None, progress = None))]
#[allow(clippy::too_many_arguments)]
fn plan<'py>(
    py: Python<'py>,
    scenario: &Scenario,
    targets: Vec<String>,
    vary: String,
    lo: f64,
    hi: f64,
    replications: Option<u32>,
    max_replications: Option<u32>,
    tolerance: Option<f64>,
    designs: Option<Vec<String>>,
    seed: Option<u64>,
    threads: Option<usize>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    check_threads(threads)?;
    let sets = scenario.with_options(seed, None, designs.as_deref().unwrap_or(&[]))?;
    let names = metric_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let targets = targets
        .iter()
        .map(|t| Target::parse(t, &names).map_err(usage))
        .collect::<PyResult<Vec<_>>>()?;
    // As `depinsim plan`: the file's replications raised to 3, and 4x that
    // at most.
    let file_reps = scenario::from_str(&scenario.text, &scenario.file, &sets)
        .map_err(py_err)?
        .replications;
    let replications = replications.unwrap_or(file_reps.max(3));
    let max_replications = max_replications.unwrap_or(replications * 4);
    let req = PlanRequest {
        file: scenario.file.clone(),
        text: scenario.text.clone(),
        base_sets: sets,
        key: vary,
        lo,
        hi,
        targets,
        replications,
        max_replications,
        tolerance,
    };
    let planner = py.detach(|| Planner::new(req)).map_err(py_err)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(all_threads(threads))
        .build()
        .map_err(|e| DepinsimError::new_err(format!("cannot start worker threads: {e}")))?;
    let plans = run_blocking(py, &planner.control, None, progress.as_ref(), || {
        planner.plan_all(&pool)
    })?;
    let rows = plan_rows(&planner, &plans);
    let cols = Columns::of(&rows).map_err(col_err)?;
    let d = PyDict::new(py);
    d.set_item("rows", columns_py(py, cols.finish())?)?;
    d.set_item("table", answer_table(&planner, &plans))?;
    let per_design = PyList::empty(py);
    for p in &plans {
        let e = PyDict::new(py);
        e.set_item("design", p.design.name())?;
        e.set_item("answer", p.answer)?;
        e.set_item("answer_text", p.answer.map(fmt_value))?;
        e.set_item("below", p.below)?;
        e.set_item("points_evaluated", p.points.len())?;
        e.set_item("warnings", p.warnings.clone())?;
        per_design.append(e)?;
    }
    d.set_item("designs", per_design)?;
    d.set_item("runs", planner.control.runs_done())?;
    d.set_item("replications", replications)?;
    d.set_item("max_replications", max_replications)?;
    Ok(d)
}

/// The metrics a plan target may name (summary.csv's metric columns).
#[pyfunction]
fn plan_metrics() -> Vec<String> {
    metric_names()
}

/// The depinsim library's version.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DepinsimError", py.get_type::<DepinsimError>())?;
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add_class::<Scenario>()?;
    m.add_class::<Run>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(plan_metrics, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
