//! The sweep directory on disk, written so that a sweep killed at any moment
//! (Ctrl-C, `kill -9`, a batch system's time limit) resumes without redoing
//! finished runs and ends with the same bytes as an uninterrupted sweep.
//!
//! While a sweep runs, the directory holds:
//! - `sweep.json`: what the sweep is (scenario as resolved, parameters, shard),
//!   written once; a resume or a merge compares against it;
//! - `summary.csv.partial`, `timeseries.csv.partial`,
//!   `workloads.csv.partial`, `runs.jsonl.partial`: rows appended in run
//!   order (the reorder buffer sees to the order);
//! - `progress.json`: the journal — runs done and the length of each partial
//!   file after them, rewritten atomically (temp file + rename) after the
//!   partial files are written, at most every [`COMMIT_EVERY`]. A killed
//!   process loses nothing the kernel has been given, so this survives
//!   Ctrl-C and `kill -9`; every [`SYNC_EVERY`] the partial files and then
//!   the journal are also flushed to disk (fsync), which bounds what a crash
//!   of the machine can lose. Syncing on every commit would stall the
//!   writer for milliseconds each time, which costs short runs up to 15%.
//!
//! A resume truncates the partial files to the journal's lengths (dropping
//! rows written after the last commit) and continues from the next run. At
//! the end the partial files are renamed to `summary.csv`, `timeseries.csv`
//! and `workloads.csv`, `aggregate.csv` and `manifest.json` are written, and
//! the journal is marked complete. Every step of that finish can be redone,
//! so an interruption there is resumed too.

use super::shard::Shard;
use crate::error::{Error, Result};
use crate::metrics::WorkloadTotals;
use crate::output::aggregate::aggregate_stream;
use crate::output::{AtomicFile, header_of, timeseries_rows, write_atomic};
use crate::runner::{RunResult, WorldRows};
use serde::ser::{Error as _, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the sweep is.
pub const SWEEP_FILE: &str = "sweep.json";
/// The journal.
pub const PROGRESS_FILE: &str = "progress.json";
const SUMMARY_PARTIAL: &str = "summary.csv.partial";
const TIMESERIES_PARTIAL: &str = "timeseries.csv.partial";
const WORKLOADS_PARTIAL: &str = "workloads.csv.partial";
const RUNS_PARTIAL: &str = "runs.jsonl.partial";
const STRATEGIES_PARTIAL: &str = "strategies.csv.partial";
const ROUTING_PARTIAL: &str = "routing.csv.partial";
/// The version of this layout, recorded in `sweep.json`. Version 2 added
/// `workloads.csv`: a version-1 directory has no workloads rows for the runs
/// it holds, so resuming or merging it would write a `workloads.csv` that
/// misses runs, and it is refused.
pub const FORMAT: &str = "depinsim-sweep/2";
/// The final CSV files of a sweep directory, each with rows in run order
/// (`aggregate.csv` aside, which is computed from `summary.csv`).
pub const ROW_FILES: [&str; 3] = ["summary.csv", "timeseries.csv", "workloads.csv"];
/// The row files a sweep with `[world]` adds: one row per world run, and
/// per world run, workload and network.
pub const WORLD_ROW_FILES: [&str; 2] = ["strategies.csv", "routing.csv"];
/// The longest time between journal commits: a killed sweep redoes at most
/// the runs finished in this span (plus those in flight).
pub const COMMIT_EVERY: Duration = Duration::from_millis(100);
/// The longest time between commits that are flushed to disk.
pub const SYNC_EVERY: Duration = Duration::from_secs(2);

/// `sweep.json`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SweepRecord {
    pub format: String,
    /// The scenario file as named when the sweep started (not compared).
    pub scenario_file: String,
    /// `--set`-style overrides of the base scenario, as given (not compared:
    /// their effect is in `identity.scenario`).
    pub overrides: Vec<String>,
    /// The swept parameters' column names, in order.
    pub param_columns: Vec<String>,
    /// Which runs this directory holds.
    pub shard: Shard,
    /// Scenario, parameters, points and runs: equal for the same sweep.
    pub identity: Value,
}

/// One session (one invocation) that worked on the directory.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Session {
    pub command: Vec<String>,
    pub threads: usize,
    /// Runs this session finished and committed.
    pub runs: u64,
    /// Wall-clock seconds of this session.
    pub wall_seconds: f64,
}

/// `progress.json`: the journal.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Runs this directory holds when complete.
    pub runs: u64,
    /// Runs done and committed.
    pub runs_done: u64,
    /// Simulation events of the runs done.
    pub events: u64,
    pub summary_bytes: u64,
    pub timeseries_bytes: u64,
    pub workloads_bytes: u64,
    pub runs_bytes: u64,
    /// World sweeps: the lengths of `strategies.csv.partial` and
    /// `routing.csv.partial` (absent, and 0, without `[world]`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub strategies_bytes: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub routing_bytes: u64,
    /// All runs done and the final files written.
    pub complete: bool,
    pub sessions: Vec<Session>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One run in `manifest.json`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub point: u64,
    pub replicate: u32,
    pub design: String,
    /// World runs: the strategy (the run simulated every network of
    /// `[world]`; `design` is the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    pub seed: u64,
    pub events: u64,
    pub wall_seconds: f64,
    /// Index into `sessions` of the session that ran it.
    pub session: usize,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Other(format!("{}: {e}", path.display()))
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::Usage(format!(
            "{}: not a depinsim sweep file ({e}); was the directory made by depinsim sweep?",
            path.display()
        ))
    })
}

fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    write_json_synced(path, v, true)
}

/// Writes `v` to `path` atomically, flushed to disk if `sync`.
fn write_json_synced<T: Serialize>(path: &Path, v: &T, sync: bool) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(v)
        .map_err(|e| Error::Other(format!("cannot format {}: {e}", path.display())))?;
    if sync {
        write_atomic(path, &bytes)
    } else {
        let mut f = AtomicFile::create(path)?;
        f.write_all(&bytes).map_err(|e| f.error(e))?;
        f.commit_unsynced()
    }
}

/// Reads a directory's `sweep.json`.
pub fn read_record(dir: &Path) -> Result<SweepRecord> {
    let path = dir.join(SWEEP_FILE);
    let value: Value = read_json(&path)?;
    // The format first, so that a directory of another version is named as
    // such even if the rest of its record would not parse.
    let format = value.get("format").and_then(Value::as_str);
    if format != Some(FORMAT) {
        let why = match format {
            Some("depinsim-sweep/1") => {
                " (written by an older depinsim, without workloads.csv: its runs cannot be \
                 resumed or merged into a sweep that has one)"
            }
            _ => "",
        };
        return Err(Error::Usage(format!(
            "{}: sweep format {}{why}; this depinsim reads {FORMAT:?}: finish or merge it with \
             the depinsim that started it, or run the sweep again in a new directory",
            path.display(),
            format.map_or("none".to_string(), |f| format!("{f:?}")),
        )));
    }
    serde_json::from_value(value).map_err(|e| {
        Error::Usage(format!(
            "{}: not a depinsim sweep file ({e}); was the directory made by depinsim sweep?",
            path.display()
        ))
    })
}

/// Reads a directory's journal; a sweep killed before its first commit has
/// none, and starts over.
pub fn read_progress(dir: &Path, runs: u64) -> Result<Progress> {
    let path = dir.join(PROGRESS_FILE);
    if path.exists() {
        read_json(&path)
    } else {
        Ok(Progress {
            runs,
            ..Progress::default()
        })
    }
}

use crate::output::place::{entries, is_stale_tmp};

/// Checks that `dir` may receive a new result directory: absent, or empty.
pub fn check_empty_out(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--out {}: exists and is not a directory",
            dir.display()
        )));
    }
    let found = entries(dir)?;
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "--out {}: exists and is not empty (it holds {}); choose another directory, remove it, or pass --force to replace it",
            dir.display(),
            found.join(", ")
        )))
    }
}

/// The first place where `old` and `new` differ, as `path: was X, now Y`.
pub fn first_difference(old: &Value, new: &Value, path: &str) -> Option<String> {
    let shown = |v: Option<&Value>| v.map_or("absent".to_string(), |v| v.to_string());
    let child = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| match (a.get(k), b.get(k)) {
                (Some(x), Some(y)) => first_difference(x, y, &child(k)),
                (x, y) => Some(format!("{}: was {}, now {}", child(k), shown(x), shown(y))),
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]"))),
        _ if old == new => None,
        _ => Some(format!("{path}: was {old}, now {new}")),
    }
}

/// What differs between the sweeps recorded as `old` and `new`, in words.
pub fn describe_difference(old: &SweepRecord, new: &SweepRecord) -> Option<String> {
    if old.shard.n != new.shard.n {
        return Some(match (old.shard.n, new.shard.n) {
            (1, n) => format!("it is the whole sweep, not one of {n} shards"),
            (n, 1) => format!("it is split into {n} shards, not the whole sweep"),
            (a, b) => format!("it is split into {a} shards, not {b}"),
        });
    }
    // Name the most telling difference first: a different run count
    // follows from a different scenario or grid.
    let diff = ["depinsim_version", "scenario", "mode", "params"]
        .iter()
        .find_map(|k| first_difference(&old.identity[k], &new.identity[k], k))
        .or_else(|| first_difference(&old.identity, &new.identity, ""))?;
    Some(if let Some(rest) = diff.strip_prefix("scenario.") {
        format!("the scenario differs at {rest}")
    } else if diff.starts_with("params") {
        let keys = |r: &SweepRecord| format!("[{}]", r.param_columns.join(", "));
        if old.param_columns == new.param_columns {
            // "params[1].values[1]: was 16, now 24" → name the parameter.
            let key = diff
                .strip_prefix("params[")
                .and_then(|r| r.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| old.param_columns.get(i));
            match (key, diff.split_once(".values")) {
                (Some(key), Some((_, rest))) => format!("the values of {key} differ: values{rest}"),
                _ => format!("the swept values differ at {diff}"),
            }
        } else {
            format!(
                "the swept parameters differ: was {}, now {}",
                keys(old),
                keys(new)
            )
        }
    } else {
        diff
    })
}

/// How a sweep starts in its directory.
pub enum Start {
    /// No sweep there yet: a fresh start.
    Fresh,
    /// An unfinished sweep of the same kind, to continue from its journal.
    Resume(Progress),
    /// The same sweep, already complete.
    Complete(Progress),
}

/// Decides how the sweep `record` starts in `dir`, writing nothing: refuses
/// a directory that holds other files, an existing sweep without
/// `--resume`, and a different sweep with it, naming what differs.
pub fn check_start(dir: &Path, record: &SweepRecord, runs: u64, resume: bool) -> Result<Start> {
    if !dir.join(SWEEP_FILE).exists() {
        check_empty_out(dir)?;
        return Ok(Start::Fresh);
    }
    let old = read_record(dir)?;
    let progress = read_progress(dir, runs)?;
    if !resume {
        let state = if progress.complete {
            "complete".to_string()
        } else {
            format!("{} of {} runs done", progress.runs_done, progress.runs)
        };
        return Err(Error::Usage(format!(
            "--out {}: holds a sweep already ({state}); pass --resume to continue it, --force to start it over, or choose another --out",
            dir.display()
        )));
    }
    let diff = if old.shard != record.shard && old.shard.n == record.shard.n {
        Some(format!("it is shard {}, not {}", old.shard, record.shard))
    } else {
        describe_difference(&old, record)
    };
    if let Some(diff) = diff {
        return Err(Error::Usage(format!(
            "--resume: {} holds a different sweep ({diff}); resume it with the scenario and parameters it was started with, or choose another --out",
            dir.display()
        )));
    }
    if progress.runs != runs || progress.runs_done > runs {
        return Err(Error::Other(format!(
            "{}: the journal records {} of {} runs, but this sweep has {runs}; the directory is damaged",
            dir.join(PROGRESS_FILE).display(),
            progress.runs_done,
            progress.runs
        )));
    }
    Ok(if progress.complete {
        Start::Complete(progress)
    } else {
        Start::Resume(progress)
    })
}

/// Appends finished runs to a sweep directory, in run order.
pub struct SweepWriter {
    dir: PathBuf,
    record: SweepRecord,
    summary: csv::Writer<File>,
    summary_header: bool,
    timeseries: csv::Writer<File>,
    workloads: csv::Writer<File>,
    workloads_header: bool,
    runs: BufWriter<File>,
    /// World sweeps: the strategy column and the world's own files.
    world: Option<WorldFiles>,
    progress: Progress,
    session: usize,
    started: Instant,
    last_commit: Instant,
    last_sync: Instant,
}

/// The files a world sweep adds, with whether each still needs its header.
struct WorldFiles {
    strategies: csv::Writer<File>,
    strategies_header: bool,
    routing: csv::Writer<File>,
    routing_header: bool,
    timeseries_header: bool,
}

/// Opens `name` in `dir` for appending after truncating it to `len` bytes.
fn open_at(dir: &Path, name: &str, len: u64) -> Result<File> {
    let path = dir.join(name);
    let f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io_err(&path))?;
    let have = f.metadata().map_err(io_err(&path))?.len();
    if have < len {
        return Err(Error::Other(format!(
            "{}: {have} bytes, but the journal records {len}; the directory is damaged (did the machine crash?): start the sweep again in a new directory",
            path.display()
        )));
    }
    f.set_len(len).map_err(io_err(&path))?;
    Ok(f)
}

impl SweepWriter {
    /// Starts (`progress` = `None`) or resumes writing the sweep `record` in
    /// `dir`, as `session`; `world`: the sweep has `[world]` runs.
    pub fn open(
        dir: &Path,
        record: SweepRecord,
        progress: Option<Progress>,
        runs: u64,
        session: Session,
        world: bool,
    ) -> Result<SweepWriter> {
        let fresh = progress.is_none();
        if fresh {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        for name in std::fs::read_dir(dir).map_err(io_err(dir))? {
            let name = name.map_err(io_err(dir))?.file_name();
            if is_stale_tmp(&name.to_string_lossy()) {
                let _ = crate::output::place::remove_any(&dir.join(name));
            }
        }
        if fresh {
            write_json(&dir.join(SWEEP_FILE), &record)?;
        }
        let mut progress = progress.unwrap_or(Progress {
            runs,
            ..Progress::default()
        });
        let summary = open_at(dir, SUMMARY_PARTIAL, progress.summary_bytes)?;
        let timeseries = open_at(dir, TIMESERIES_PARTIAL, progress.timeseries_bytes)?;
        let workloads = open_at(dir, WORKLOADS_PARTIAL, progress.workloads_bytes)?;
        let runs_file = open_at(dir, RUNS_PARTIAL, progress.runs_bytes)?;
        let world = if world {
            let csv_at = |f: File| csv::WriterBuilder::new().has_headers(false).from_writer(f);
            Some(WorldFiles {
                strategies: csv_at(open_at(dir, STRATEGIES_PARTIAL, progress.strategies_bytes)?),
                strategies_header: progress.strategies_bytes == 0,
                routing: csv_at(open_at(dir, ROUTING_PARTIAL, progress.routing_bytes)?),
                routing_header: progress.routing_bytes == 0,
                timeseries_header: progress.timeseries_bytes == 0,
            })
        } else {
            None
        };
        progress.sessions.push(session);
        let now = Instant::now();
        let mut w = SweepWriter {
            dir: dir.to_path_buf(),
            summary_header: progress.summary_bytes == 0,
            summary: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(summary),
            // A world sweep writes its own header (with `strategy`).
            timeseries: csv::WriterBuilder::new()
                .has_headers(progress.timeseries_bytes == 0 && world.is_none())
                .from_writer(timeseries),
            workloads_header: progress.workloads_bytes == 0,
            workloads: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(workloads),
            runs: BufWriter::new(runs_file),
            world,
            session: progress.sessions.len() - 1,
            progress,
            record,
            started: now,
            last_commit: now,
            last_sync: now,
        };
        w.commit(true)?;
        Ok(w)
    }

    /// Runs done so far (all sessions).
    pub fn runs_done(&self) -> u64 {
        self.progress.runs_done
    }

    /// Appends one run — `rs`, its results (one per network for a world
    /// run) — of the point whose parameter cells are `cells`; commits the
    /// journal if the last commit is older than [`COMMIT_EVERY`].
    pub fn write(&mut self, rs: &[RunResult], cells: &[String]) -> Result<()> {
        let first = rs
            .first()
            .ok_or_else(|| Error::Other("a run with no result".into()))?;
        for r in rs {
            self.write_rows(r, cells)?;
        }
        if let Some(w) = &first.world {
            self.write_world(w, cells)?;
        }
        let rec = RunRecord {
            point: first.spec.point,
            replicate: first.spec.replicate,
            design: first.spec.design.name().to_string(),
            strategy: first.strategy.clone(),
            seed: first.spec.seed,
            events: rs.iter().map(|r| r.events).sum(),
            wall_seconds: first.wall_seconds,
            session: self.session,
        };
        let runs_path = self.dir.join(RUNS_PARTIAL);
        serde_json::to_writer(&mut self.runs, &rec)
            .map_err(|e| Error::Other(format!("{}: {e}", runs_path.display())))?;
        self.runs.write_all(b"\n").map_err(io_err(&runs_path))?;
        self.progress.runs_done += 1;
        self.progress.events += rec.events;
        self.progress.sessions[self.session].runs += 1;
        if self.last_commit.elapsed() >= COMMIT_EVERY {
            self.commit(self.last_sync.elapsed() >= SYNC_EVERY)?;
        }
        Ok(())
    }

    /// The summary, time-series and workload rows of one result; in a world
    /// sweep each row gets the strategy column (empty for designs alone)
    /// before the parameter cells, as in a run directory.
    fn write_rows(&mut self, r: &RunResult, cells: &[String]) -> Result<()> {
        let err = |e: csv::Error| Error::Other(format!("cannot write a result row: {e}"));
        let strategy: Option<&str> = self
            .world
            .as_ref()
            .map(|_| r.strategy.as_deref().unwrap_or(""));
        let with = |mut h: csv::StringRecord| {
            if strategy.is_some() {
                h.push_field("strategy");
            }
            h
        };
        if self.summary_header {
            let mut header = with(header_of(&r.summary)?);
            header.extend(&self.record.param_columns);
            self.summary.write_record(&header).map_err(err)?;
            self.summary_header = false;
        }
        match strategy {
            Some(st) => self.summary.serialize((&r.summary, st, cells)),
            None => self.summary.serialize((&r.summary, cells)),
        }
        .map_err(err)?;
        for row in timeseries_rows(r) {
            if let Some(w) = self.world.as_mut() {
                if w.timeseries_header {
                    self.timeseries
                        .write_record(&with(header_of(&row)?))
                        .map_err(err)?;
                    w.timeseries_header = false;
                }
                self.timeseries
                    .serialize((row, strategy.unwrap_or("")))
                    .map_err(err)?;
            } else {
                self.timeseries.serialize(row).map_err(err)?;
            }
        }
        if self.workloads_header {
            // From a blank row: the header does not depend on the values,
            // and is written with the first run whatever its workloads.
            let mut header = with(header_of(&WorkloadTotals::default().summary(""))?);
            header.extend(&self.record.param_columns);
            self.workloads.write_record(&header).map_err(err)?;
            self.workloads_header = false;
        }
        for w in &r.workloads {
            match strategy {
                Some(st) => self.workloads.serialize((w, st, cells)),
                None => self.workloads.serialize((w, cells)),
            }
            .map_err(err)?;
        }
        Ok(())
    }

    /// A world run's row of `strategies.csv` and rows of `routing.csv`,
    /// each followed by the parameter cells.
    fn write_world(&mut self, rows: &WorldRows, cells: &[String]) -> Result<()> {
        let err = |e: csv::Error| Error::Other(format!("cannot write a world row: {e}"));
        let params = &self.record.param_columns;
        let w = self
            .world
            .as_mut()
            .ok_or_else(|| Error::Other("a world run in a sweep without [world]".into()))?;
        if w.strategies_header {
            let mut header = header_of(&rows.strategy)?;
            header.extend(params);
            w.strategies.write_record(&header).map_err(err)?;
            w.strategies_header = false;
        }
        w.strategies
            .serialize((&rows.strategy, cells))
            .map_err(err)?;
        for r in &rows.routing {
            if w.routing_header {
                let mut header = header_of(r)?;
                header.extend(params);
                w.routing.write_record(&header).map_err(err)?;
                w.routing_header = false;
            }
            w.routing.serialize((r, cells)).map_err(err)?;
        }
        Ok(())
    }

    /// Writes out the partial files, then records their lengths in the
    /// journal (atomically), so the journal never runs ahead of the data.
    /// With `sync`, both are flushed to disk first.
    pub fn commit(&mut self, sync: bool) -> Result<()> {
        let dir = &self.dir;
        let len = |f: &File, name: &str| -> Result<u64> {
            let path = dir.join(name);
            if sync {
                f.sync_data().map_err(io_err(&path))?;
            }
            Ok(f.metadata().map_err(io_err(&path))?.len())
        };
        let flush_err = |name: &str| {
            let path = dir.join(name);
            move |e: std::io::Error| Error::Other(format!("{}: {e}", path.display()))
        };
        self.summary.flush().map_err(flush_err(SUMMARY_PARTIAL))?;
        self.timeseries
            .flush()
            .map_err(flush_err(TIMESERIES_PARTIAL))?;
        self.workloads
            .flush()
            .map_err(flush_err(WORKLOADS_PARTIAL))?;
        self.runs.flush().map_err(flush_err(RUNS_PARTIAL))?;
        if let Some(w) = self.world.as_mut() {
            w.strategies
                .flush()
                .map_err(flush_err(STRATEGIES_PARTIAL))?;
            w.routing.flush().map_err(flush_err(ROUTING_PARTIAL))?;
            self.progress.strategies_bytes = len(w.strategies.get_ref(), STRATEGIES_PARTIAL)?;
            self.progress.routing_bytes = len(w.routing.get_ref(), ROUTING_PARTIAL)?;
        }
        self.progress.summary_bytes = len(self.summary.get_ref(), SUMMARY_PARTIAL)?;
        self.progress.timeseries_bytes = len(self.timeseries.get_ref(), TIMESERIES_PARTIAL)?;
        self.progress.workloads_bytes = len(self.workloads.get_ref(), WORKLOADS_PARTIAL)?;
        self.progress.runs_bytes = len(self.runs.get_ref(), RUNS_PARTIAL)?;
        self.progress.sessions[self.session].wall_seconds = self.started.elapsed().as_secs_f64();
        write_json_synced(&dir.join(PROGRESS_FILE), &self.progress, sync)?;
        self.last_commit = Instant::now();
        if sync {
            self.last_sync = self.last_commit;
        }
        Ok(())
    }

    /// Commits, and once every run is done writes the final files.
    pub fn finish(mut self) -> Result<Progress> {
        self.commit(true)?;
        if self.progress.runs_done < self.progress.runs {
            return Err(Error::Other(format!(
                "the sweep stopped after {} of {} runs",
                self.progress.runs_done, self.progress.runs
            )));
        }
        let SweepWriter {
            dir,
            record,
            summary,
            timeseries,
            workloads,
            runs,
            world,
            progress,
            ..
        } = self;
        drop((summary, timeseries, workloads, runs, world));
        finalize(&dir, &record, progress)
    }
}

/// Turns a directory whose runs are all done into its final files; every
/// step can be repeated, so an interrupted finish is resumed by calling it
/// again. Returns the completed journal.
pub fn finalize(dir: &Path, record: &SweepRecord, mut progress: Progress) -> Result<Progress> {
    for (partial, fin, len) in [
        (SUMMARY_PARTIAL, "summary.csv", progress.summary_bytes),
        (
            TIMESERIES_PARTIAL,
            "timeseries.csv",
            progress.timeseries_bytes,
        ),
        (WORKLOADS_PARTIAL, "workloads.csv", progress.workloads_bytes),
        (
            STRATEGIES_PARTIAL,
            "strategies.csv",
            progress.strategies_bytes,
        ),
        (ROUTING_PARTIAL, "routing.csv", progress.routing_bytes),
    ] {
        let from = dir.join(partial);
        let world_file = WORLD_ROW_FILES.contains(&fin);
        if from.exists() {
            let f = OpenOptions::new()
                .write(true)
                .open(&from)
                .map_err(io_err(&from))?;
            f.set_len(len).map_err(io_err(&from))?;
            f.sync_all().map_err(io_err(&from))?;
            std::fs::rename(&from, dir.join(fin)).map_err(io_err(&from))?;
        } else if !dir.join(fin).exists() && (!world_file || is_world(record)) {
            return Err(Error::Other(format!(
                "{}: neither {partial} nor {fin} is there; the directory is damaged",
                dir.display()
            )));
        }
    }
    if record.shard == Shard::ALL {
        write_aggregate(dir, &record.param_columns)?;
    }
    let runs_path = dir.join(RUNS_PARTIAL);
    if runs_path.exists() {
        let runs = RunsJsonl {
            path: runs_path.clone(),
            len: progress.runs_bytes,
        };
        write_manifest(dir, record, &progress, runs)?;
        // The manifest now holds the runs; without this file a repeated
        // finish keeps the manifest as it is.
        std::fs::remove_file(&runs_path).map_err(io_err(&runs_path))?;
    }
    progress.complete = true;
    write_json(&dir.join(PROGRESS_FILE), &progress)?;
    Ok(progress)
}

/// Whether the sweep `record` has `[world]` runs (its resolved scenario
/// has a `world` table).
pub fn is_world(record: &SweepRecord) -> bool {
    record.identity["scenario"]
        .get("world")
        .is_some_and(|w| !w.is_null())
}

/// Writes `sweep.json` and `progress.json` of a directory built whole (a
/// merge).
pub fn write_state(dir: &Path, record: &SweepRecord, progress: &Progress) -> Result<()> {
    write_json(&dir.join(SWEEP_FILE), record)?;
    write_json(&dir.join(PROGRESS_FILE), progress)
}

/// Writes `aggregate.csv` from `summary.csv`, streaming.
pub fn write_aggregate(dir: &Path, params: &[String]) -> Result<()> {
    let path = dir.join("summary.csv");
    let summary = BufReader::new(File::open(&path).map_err(io_err(&path))?);
    let mut out = AtomicFile::create(&dir.join("aggregate.csv"))?;
    aggregate_stream(summary, &mut out, params)?;
    out.commit()
}

/// The runs of `runs.jsonl.partial`, serialized as a JSON array straight
/// from the file.
struct RunsJsonl {
    path: PathBuf,
    len: u64,
}

impl Serialize for RunsJsonl {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let f = File::open(&self.path).map_err(S::Error::custom)?;
        let mut seq = s.serialize_seq(None)?;
        for line in BufReader::new(f.take(self.len)).lines() {
            let line = line.map_err(S::Error::custom)?;
            let rec: RunRecord = serde_json::from_str(&line).map_err(S::Error::custom)?;
            seq.serialize_element(&rec)?;
        }
        seq.end()
    }
}

/// `manifest.json` of a sweep directory.
#[derive(Serialize)]
struct Manifest<'a, R: Serialize> {
    depinsim_version: &'static str,
    /// `"sweep"`: what the directory holds (a merged sweep too).
    kind: &'static str,
    /// The command line of the session that finished the directory.
    command: &'a [String],
    scenario_file: &'a str,
    /// The base scenario as resolved (after overrides, before swept values).
    scenario: &'a Value,
    overrides: &'a [String],
    master_seed: &'a Value,
    replications: &'a Value,
    designs: &'a Value,
    sweep: SweepInfo<'a>,
    sessions: &'a [Session],
    events: u64,
    /// Sum of the sessions' wall-clock seconds.
    wall_seconds: f64,
    /// The result files and their lengths, which readers check.
    files: Value,
    runs: R,
}

#[derive(Serialize)]
struct SweepInfo<'a> {
    mode: &'a Value,
    params: &'a Value,
    points: &'a Value,
    /// Runs of the whole sweep.
    runs: &'a Value,
    /// Which of them this directory holds (`"1/1"`: all).
    shard: String,
    /// Runs this directory holds.
    shard_runs: u64,
}

/// Writes `manifest.json` for `record` with the runs `runs` (a JSON array).
pub fn write_manifest<R: Serialize>(
    dir: &Path,
    record: &SweepRecord,
    progress: &Progress,
    runs: R,
) -> Result<()> {
    let id = &record.identity;
    let sc = &id["scenario"]["scenario"];
    let command: &[String] = progress.sessions.last().map_or(&[], |s| &s.command);
    let mut names = vec![
        "summary.csv",
        "timeseries.csv",
        "workloads.csv",
        "aggregate.csv",
    ];
    if is_world(record) {
        names.extend(WORLD_ROW_FILES);
    }
    let files = crate::output::verify::file_lengths(dir, &names)?;
    let m = Manifest {
        depinsim_version: env!("CARGO_PKG_VERSION"),
        kind: "sweep",
        files,
        command,
        scenario_file: &record.scenario_file,
        scenario: &id["scenario"],
        overrides: &record.overrides,
        master_seed: &sc["seed"],
        replications: &sc["replications"],
        designs: &sc["designs"],
        sweep: SweepInfo {
            mode: &id["mode"],
            params: &id["params"],
            points: &id["points"],
            runs: &id["runs"],
            shard: record.shard.to_string(),
            shard_runs: progress.runs,
        },
        sessions: &progress.sessions,
        events: progress.events,
        wall_seconds: progress.sessions.iter().map(|s| s.wall_seconds).sum(),
        runs,
    };
    let path = dir.join("manifest.json");
    let mut out = AtomicFile::create(&path)?;
    serde_json::to_writer_pretty(&mut out, &m)
        .map_err(|e| Error::Other(format!("cannot write {}: {e}", path.display())))?;
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_are_located() {
        let a = json!({"scenario": {"w": [{"rate": 12.0}]}, "points": 3});
        let b = json!({"scenario": {"w": [{"rate": 10.0}]}, "points": 3});
        assert_eq!(
            first_difference(&a, &b, "").as_deref(),
            Some("scenario.w[0].rate: was 12.0, now 10.0")
        );
        assert_eq!(first_difference(&a, &a, ""), None);
        let c = json!({"points": 3});
        assert_eq!(
            first_difference(&c, &json!({"points": 3, "x": 1}), "").as_deref(),
            Some("x: was absent, now 1")
        );
        assert_eq!(
            first_difference(&json!({"v": [1, 2]}), &json!({"v": [1]}), "").as_deref(),
            Some("v: was [1,2], now [1]")
        );
    }

    #[test]
    fn stale_temporary_files_are_recognised() {
        assert!(is_stale_tmp(".progress.json.tmp1234"));
        assert!(!is_stale_tmp("progress.json"));
        assert!(!is_stale_tmp("summary.csv.partial"));
    }
}
