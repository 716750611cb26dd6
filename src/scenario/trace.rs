//! Trace replay: jobs read from a CSV file instead of drawn. Each row is one
//! job: when it is submitted, how many GPUs it takes, how long it runs, and
//! optionally which classes (by name or by VRAM need) and the most its
//! user pays. Read and checked once when the scenario is resolved; the
//! model only sees [`TraceJob`]s.
//!
//! Columns (header names; others are ignored; `#` starts a comment line):
//! `submit_s` (seconds from the start of the run), `gpus`, `duration_s`
//! (run time on its GPUs without interruptions), and optionally
//! `gpu_class` (a class name, or several joined by `|`), `vram_gb`, and
//! `max_price_per_gpu_hour` (USD).

use super::spec::GpuClassSpec;
use crate::engine::SimTime;
use crate::error::closest;
use std::path::Path;

/// The columns a trace must have.
pub const REQUIRED: [&str; 3] = ["submit_s", "gpus", "duration_s"];
/// The columns a trace may have.
pub const OPTIONAL: [&str; 3] = ["gpu_class", "vram_gb", "max_price_per_gpu_hour"];

/// One job of a trace, resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceJob {
    /// Submit time, ms from the start of the run.
    pub submit_ms: SimTime,
    /// GPUs it takes at once (a gang).
    pub gpus: u32,
    /// Run time on its GPUs without interruptions, ms (≥ 1).
    pub work_ms: SimTime,
    /// Acceptable classes as a bitmask of class indices.
    pub class_mask: u64,
    /// The most its user pays per GPU-hour, USD; `None`: drawn from the
    /// workload's `max_price_per_gpu_hour`.
    pub max_price: Option<f64>,
}

/// What a trace's rows are checked against.
pub struct TraceRules<'a> {
    pub classes: &'a [GpuClassSpec],
    /// GPUs per class at t = 0.
    pub initial: &'a [u32],
    /// Classes of rows that name neither a class nor a VRAM need (the
    /// workload's `gpu_class`); 0 when the workload lists none.
    pub default_mask: u64,
    /// Whether the workload has a `max_price_per_gpu_hour` for rows
    /// without a price.
    pub has_default_price: bool,
    /// Rows submitted after this are ignored.
    pub horizon: SimTime,
}

/// The largest trace file read, bytes (about 40 million rows).
pub const MAX_TRACE_BYTES: u64 = 1 << 30;
/// The longest line of a trace, bytes: a row is a few numbers and names.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// The most jobs a trace may hold (each takes 40 bytes in every run).
pub const MAX_TRACE_JOBS: usize = 40_000_000;

/// A reader that fails once more than `limit` bytes are read, or a line
/// is longer than [`MAX_LINE_BYTES`]: what the CSV parser buffers stays
/// bounded whatever the file (`/dev/zero`, a binary, a huge one-line file).
struct Bounded<R> {
    inner: R,
    read: u64,
    limit: u64,
    line: usize,
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(format!(
                "the file is larger than {} MiB, the most a trace may be",
                self.limit >> 20
            )));
        }
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line = 0;
            } else {
                self.line += 1;
                if self.line > MAX_LINE_BYTES {
                    return Err(std::io::Error::other(format!(
                        "a line is longer than {MAX_LINE_BYTES} bytes; is this a CSV trace?"
                    )));
                }
            }
        }
        Ok(n)
    }
}

/// Reads and checks the trace at `path`, streaming, within
/// [`MAX_TRACE_BYTES`]. Errors name the file and the line.
pub fn load(path: &Path, rules: &TraceRules) -> Result<Vec<TraceJob>, String> {
    let shown = path.display().to_string();
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read the trace {shown}: {e}"))?;
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(format!("cannot read the trace {shown}: it is a directory"));
        }
        if meta.len() > MAX_TRACE_BYTES {
            return Err(format!(
                "{shown}: the file is {} MiB, more than the {} MiB a trace may be",
                meta.len() >> 20,
                MAX_TRACE_BYTES >> 20
            ));
        }
    }
    let reader = Bounded {
        inner: std::io::BufReader::new(file),
        read: 0,
        limit: MAX_TRACE_BYTES,
        line: 0,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| format!("{shown}: cannot read the header: {e}"))?
        .clone();
    for (i, h) in headers.iter().enumerate() {
        if headers.iter().take(i).any(|g| g == h) {
            return Err(format!(
                "{shown}: line 1: column {h:?} appears twice; which one is meant?"
            ));
        }
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut missing = Vec::new();
    for name in REQUIRED {
        if col(name).is_none() {
            missing.push(name);
        }
    }
    if !missing.is_empty() {
        let known: Vec<&str> = REQUIRED.iter().chain(&OPTIONAL).copied().collect();
        let hints: Vec<String> = headers
            .iter()
            .filter(|h| !known.contains(h))
            .filter_map(|h| closest(h, known.iter().copied()).map(|c| format!("{h:?} → {c:?}?")))
            .collect();
        let hint = if hints.is_empty() {
            String::new()
        } else {
            format!(" (misspelt? {})", hints.join(", "))
        };
        return Err(format!(
            "{shown}: line 1: missing column(s) {}; a trace needs {} and may have {}{hint}",
            missing.join(", "),
            REQUIRED.join(", "),
            OPTIONAL.join(", ")
        ));
    }
    let [submit_c, gpus_c, dur_c] = REQUIRED.map(|n| col(n).expect("checked above"));
    let [class_c, vram_c, price_c] = OPTIONAL.map(col);

    let mut jobs = Vec::new();
    let mut last_submit = 0.0f64;
    let mut last_line = 0;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("{shown}: line {line}: {e}")
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let at = |c: &str, m: String| format!("{shown}: line {line}: {c}: {m}");
        let cell = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("");

        let submit_s: f64 = cell(Some(submit_c))
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| {
                at(
                    "submit_s",
                    format!("expected seconds, got {:?}", cell(Some(submit_c))),
                )
            })?;
        if submit_s < 0.0 {
            return Err(at("submit_s", format!("must be >= 0, got {submit_s}")));
        }
        if submit_s < last_submit {
            return Err(at(
                "submit_s",
                format!(
                    "rows must be sorted by submit time: {submit_s} comes after {last_submit} (line {last_line})"
                ),
            ));
        }
        (last_submit, last_line) = (submit_s, line);

        let raw = cell(Some(gpus_c));
        let gpus: u32 = raw
            .parse()
            .ok()
            .filter(|&g| g >= 1)
            .ok_or_else(|| at("gpus", format!("must be a whole number >= 1, got {raw:?}")))?;

        let raw = cell(Some(dur_c));
        let duration_s: f64 = raw
            .parse()
            .map_err(|_| at("duration_s", format!("expected seconds, got {raw:?}")))?;
        // ≥ 0: adding ½ and truncating rounds to whole ms.
        let work_ms = if duration_s.is_finite() && duration_s > 0.0 {
            (duration_s * 1000.0 + 0.5) as SimTime
        } else {
            0
        };
        if work_ms == 0 {
            return Err(at(
                "duration_s",
                format!("must be > 0 (at least 1 ms), got {raw:?}"),
            ));
        }

        let class_mask =
            row_classes(cell(class_c), cell(vram_c), rules).map_err(|(c, m)| at(c, m))?;
        let pool_max = (0..rules.classes.len())
            .filter(|&c| class_mask & (1 << c) != 0)
            .map(|c| rules.initial[c])
            .max()
            .unwrap_or(0);
        if gpus > pool_max {
            return Err(at(
                "gpus",
                format!(
                    "a gang of {gpus} GPUs is larger than any acceptable class's fleet (largest: {pool_max}); it could never run"
                ),
            ));
        }

        let raw = cell(price_c);
        let max_price = if raw.is_empty() {
            if !rules.has_default_price {
                return Err(at(
                    "max_price_per_gpu_hour",
                    "is empty and the workload has no max_price_per_gpu_hour to fall back on"
                        .into(),
                ));
            }
            None
        } else {
            Some(
                raw.parse::<f64>()
                    .ok()
                    .filter(|p| p.is_finite() && *p >= 0.0)
                    .ok_or_else(|| {
                        at(
                            "max_price_per_gpu_hour",
                            format!("must be a number >= 0, got {raw:?}"),
                        )
                    })?,
            )
        };

        // ≥ 0: adding ½ and truncating rounds to whole ms.
        let submit_ms = (submit_s * 1000.0 + 0.5) as SimTime;
        if submit_ms > rules.horizon {
            // Sorted: every later row is after the horizon too; they are
            // still checked, so a bad file is never half accepted.
            continue;
        }
        if jobs.len() >= MAX_TRACE_JOBS {
            return Err(at(
                "submit_s",
                format!(
                    "the trace has more than {MAX_TRACE_JOBS} jobs within the horizon, the most it may have"
                ),
            ));
        }
        jobs.push(TraceJob {
            submit_ms,
            gpus,
            work_ms,
            class_mask,
            max_price,
        });
    }
    if jobs.is_empty() {
        return Err(format!(
            "{shown}: no job is submitted within the horizon (the trace has no rows, or all come later)"
        ));
    }
    Ok(jobs)
}

/// The acceptable classes of a row: its `gpu_class` names if any, else
/// every class with supply and at least its `vram_gb`, else the workload's.
fn row_classes(names: &str, vram: &str, rules: &TraceRules) -> Result<u64, (&'static str, String)> {
    if !names.is_empty() {
        let mut mask = 0u64;
        for name in names.split('|').map(str::trim) {
            let Some(c) = rules.classes.iter().position(|c| c.name == name) else {
                let hint = closest(name, rules.classes.iter().map(|c| c.name.as_str()))
                    .map(|c| format!(" (did you mean {c:?}?)"))
                    .unwrap_or_default();
                let known: Vec<&str> = rules.classes.iter().map(|c| c.name.as_str()).collect();
                return Err((
                    "gpu_class",
                    format!("unknown GPU class {name:?}{hint}; classes are {known:?}"),
                ));
            };
            if rules.initial[c] == 0 {
                return Err((
                    "gpu_class",
                    format!("class {name:?} has no supply (supply.initial.{name} is 0 or absent)"),
                ));
            }
            mask |= 1 << c;
        }
        return Ok(mask);
    }
    if !vram.is_empty() {
        let need: f64 = vram
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| ("vram_gb", format!("must be a number >= 0, got {vram:?}")))?;
        let mask = (rules.classes.iter().enumerate())
            .filter(|(c, k)| k.vram_gb >= need && rules.initial[*c] > 0)
            .fold(0u64, |m, (c, _)| m | (1 << c));
        if mask == 0 {
            return Err((
                "vram_gb",
                format!("no GPU class with supply has {need} GB of VRAM or more"),
            ));
        }
        return Ok(mask);
    }
    if rules.default_mask == 0 {
        return Err((
            "gpu_class",
            "the row names neither a class nor vram_gb, and the workload lists no gpu_class to fall back on".into(),
        ));
    }
    Ok(rules.default_mask)
}
