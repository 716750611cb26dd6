//! Output files: `summary.csv`, `timeseries.csv`, `aggregate.csv`,
//! `waits.csv`, `manifest.json`, and the HTML report. Every file is written to a temporary name and renamed, so
//! a crash never leaves a half file that looks whole.

pub mod aggregate;
pub mod place;
pub mod report;
pub mod report_claims;
pub mod report_world;
pub mod run_dir;
pub mod verify;

use crate::error::{Error, Result};
use crate::runner::RunResult;
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes).map_err(|e| f.error(e))?;
    f.commit()
}

/// A file written under a temporary name in its final directory and renamed
/// into place by [`AtomicFile::commit`]; dropped uncommitted, it is removed.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
    committed: bool,
}

impl AtomicFile {
    /// Starts writing `path` (nothing is visible under that name until commit).
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let name = path
            .file_name()
            .ok_or_else(|| Error::Other(format!("{} is not a file path", path.display())))?;
        let tmp = path.with_file_name(format!(
            ".{}.tmp{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::create(&tmp)
            .map_err(|e| Error::Other(format!("cannot write {}: {e}", path.display())))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(BufWriter::new(file)),
            committed: false,
        })
    }

    /// An I/O error while writing this file, as a user-facing error.
    pub fn error(&self, e: std::io::Error) -> Error {
        Error::Other(format!("cannot write {}: {e}", self.path.display()))
    }

    /// Flushes to disk and renames the file into place.
    pub fn commit(self) -> Result<()> {
        self.finish(true)
    }

    /// Renames the file into place without waiting for the disk: the file
    /// survives the process being killed at any point, not a crash of the
    /// machine.
    pub fn commit_unsynced(self) -> Result<()> {
        self.finish(false)
    }

    fn finish(mut self, sync: bool) -> Result<()> {
        let w = self.file.take().expect("an AtomicFile is committed once");
        let f = w.into_inner().map_err(|e| self.error(e.into_error()))?;
        if sync {
            f.sync_all().map_err(|e| self.error(e))?;
        }
        drop(f);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| self.error(e))?;
        self.committed = true;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file
            .as_mut()
            .expect("an AtomicFile is not written after commit")
            .write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file
            .as_mut()
            .expect("an AtomicFile is not written after commit")
            .flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            self.file = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Serializes rows to CSV bytes with a header.
pub fn csv_bytes<T: Serialize>(rows: impl IntoIterator<Item = T>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| Error::Other(format!("cannot format a CSV row: {e}")))?;
    }
    w.into_inner()
        .map_err(|e| Error::Other(format!("cannot finish CSV: {e}")))
}

/// The CSV header `row` serializes to: its field names, in order.
pub fn header_of<T: Serialize>(row: &T) -> Result<csv::StringRecord> {
    let bytes = csv_bytes([row])?;
    let mut r = csv::Reader::from_reader(&bytes[..]);
    r.headers()
        .cloned()
        .map_err(|e| Error::Other(format!("cannot read back a CSV header: {e}")))
}

/// One row of `timeseries.csv`.
#[derive(Serialize)]
pub struct TimeseriesRow {
    pub point: u64,
    pub replicate: u32,
    pub t_h: f64,
    pub design: &'static str,
    pub gpus_online: u64,
    pub gpus_busy: u64,
    pub queue_len: u64,
    pub usd_per_gpu_hour: Option<f64>,
    pub token_price_usd: Option<f64>,
    pub token_supply: Option<f64>,
    pub tokens_minted_cum: Option<f64>,
    pub tokens_burned_cum: Option<f64>,
    pub jobs_running: u64,
}

/// One row of `waits.csv`: one quantile of one run's job waits.
#[derive(Serialize)]
pub struct WaitRow {
    pub point: u64,
    pub replicate: u32,
    pub design: &'static str,
    /// Probability in [0, 1]: the share of counted jobs that waited at most `wait_h`.
    pub prob: f64,
    /// Nearest-rank wait quantile, hours.
    pub wait_h: f64,
}

/// The rows of `waits.csv` (per run, the wait quantiles at
/// [`crate::metrics::WAIT_PROBS`]), in run order. A run that counted no job
/// has no rows.
pub fn waits_csv(results: &[RunResult]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // The header is written even when no run counted a job.
    w.write_record(["point", "replicate", "design", "prob", "wait_h"])
        .map_err(|e| Error::Other(format!("cannot format a CSV row: {e}")))?;
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(
        w.into_inner()
            .map_err(|e| Error::Other(format!("cannot finish CSV: {e}")))?,
    );
    for r in results {
        for (&prob, &wait_h) in crate::metrics::WAIT_PROBS.iter().zip(&r.wait_quantiles_h) {
            w.serialize(WaitRow {
                point: r.spec.point,
                replicate: r.spec.replicate,
                design: r.spec.design.name(),
                prob,
                wait_h,
            })
            .map_err(|e| Error::Other(format!("cannot format a CSV row: {e}")))?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Other(format!("cannot finish CSV: {e}")))?;
    let n = crate::metrics::WAIT_PROBS.len();
    with_strategy(bytes, results, |r| r.wait_quantiles_h.len().min(n))
}

/// The rows of `workloads.csv`: per run, one row per workload (what its
/// users submitted, got, paid and waited), so designs that serve different
/// workloads can be compared on the ones they share.
pub fn workloads_csv(results: &[RunResult]) -> Result<Vec<u8>> {
    let bytes = csv_bytes(results.iter().flat_map(|r| &r.workloads))?;
    with_strategy(bytes, results, |r| r.workloads.len())
}

/// Appends a `strategy` column to `csv` (rows of `results` in order,
/// `rows(r)` of them per result) when any result is a world run's: the
/// strategy's name for its networks' rows, empty for designs alone.
/// Without world runs the bytes are as they always were.
pub fn with_strategy(
    csv: Vec<u8>,
    results: &[RunResult],
    rows: impl Fn(&RunResult) -> usize,
) -> Result<Vec<u8>> {
    if results.iter().all(|r| r.strategy.is_none()) {
        return Ok(csv);
    }
    let err = |e: csv::Error| Error::Other(format!("cannot add the strategy column: {e}"));
    let mut rdr = csv::Reader::from_reader(&csv[..]);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = rdr.headers().map_err(err)?.clone();
    header.push_field("strategy");
    w.write_record(&header).map_err(err)?;
    let mut recs = rdr.records();
    for r in results {
        let name = r.strategy.as_deref().unwrap_or("");
        for _ in 0..rows(r) {
            let mut rec = recs
                .next()
                .ok_or_else(|| Error::Other("fewer CSV rows than results".into()))?
                .map_err(err)?;
            rec.push_field(name);
            w.write_record(&rec).map_err(err)?;
        }
    }
    w.into_inner()
        .map_err(|e| Error::Other(format!("cannot finish CSV: {e}")))
}

/// `strategies.csv`: one row per world run (point, replicate, strategy).
pub fn strategies_csv(results: &[RunResult]) -> Result<Vec<u8>> {
    csv_bytes(
        results
            .iter()
            .filter_map(|r| r.world.as_ref().map(|w| &w.strategy)),
    )
}

/// `routing.csv`: per world run, workload and network.
pub fn routing_csv(results: &[RunResult]) -> Result<Vec<u8>> {
    csv_bytes(
        results
            .iter()
            .flat_map(|r| r.world.iter().flat_map(|w| &w.routing)),
    )
}

/// The rows of a results CSV that belong to designs alone: those with an
/// empty `strategy` (all of them when there is no such column). What the
/// tables, charts and claims of single designs read.
pub fn single_design_rows(csv: &[u8]) -> Result<Vec<u8>> {
    let err = |e: csv::Error| Error::Other(format!("cannot read CSV rows: {e}"));
    let mut rdr = csv::Reader::from_reader(csv);
    let header = rdr.headers().map_err(err)?.clone();
    let Some(sc) = header.iter().position(|h| h == "strategy") else {
        return Ok(csv.to_vec());
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let keep = |rec: &csv::StringRecord| -> csv::StringRecord {
        rec.iter()
            .enumerate()
            .filter(|&(i, _)| i != sc)
            .map(|(_, c)| c)
            .collect()
    };
    w.write_record(&keep(&header)).map_err(err)?;
    for rec in rdr.records() {
        let rec = rec.map_err(err)?;
        if rec.get(sc).is_none_or(|s| s.is_empty()) {
            w.write_record(&keep(&rec)).map_err(err)?;
        }
    }
    w.into_inner()
        .map_err(|e| Error::Other(format!("cannot finish CSV: {e}")))
}

/// The rows of `summary.csv`, in run order.
pub fn summary_csv(results: &[RunResult]) -> Result<Vec<u8>> {
    let bytes = csv_bytes(results.iter().map(|r| &r.summary))?;
    with_strategy(bytes, results, |_| 1)
}

/// The rows of `timeseries.csv`, in run order then time.
pub fn timeseries_csv(results: &[RunResult]) -> Result<Vec<u8>> {
    let bytes = csv_bytes(results.iter().flat_map(timeseries_rows))?;
    with_strategy(bytes, results, |r| r.samples.len())
}

/// The `timeseries.csv` rows of one run, in time order.
pub fn timeseries_rows(r: &RunResult) -> impl Iterator<Item = TimeseriesRow> + '_ {
    r.samples.iter().map(move |s| TimeseriesRow {
        point: r.spec.point,
        replicate: r.spec.replicate,
        t_h: s.t_h,
        design: r.spec.design.name(),
        gpus_online: s.gpus_online,
        gpus_busy: s.gpus_busy,
        queue_len: s.queue_len,
        usd_per_gpu_hour: s.usd_per_gpu_hour,
        token_price_usd: s.token.map(|t| t.price_usd),
        token_supply: s.token.map(|t| t.supply),
        tokens_minted_cum: s.token.map(|t| t.minted_cum),
        tokens_burned_cum: s.token.map(|t| t.burned_cum),
        jobs_running: s.jobs_running,
    })
}

/// Escapes text for HTML (and XML) content and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}
