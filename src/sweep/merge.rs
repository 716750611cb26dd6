//! `depinsim merge`: shard directories of one sweep combined into the
//! directory the sweep would have written on one machine. Shard K of N holds
//! the runs i with i mod N = K − 1, so the merged rows are dealt back in
//! turn; `aggregate.csv` is then computed from the merged summary exactly as
//! an unsharded sweep computes it, so both files are byte-identical to an
//! unsharded sweep's.
//!
//! Everything is checked before anything is written, and the result is built
//! in a temporary directory that is renamed into place.

use super::shard::Shard;
use super::store::{
    Progress, RunRecord, Session, SweepRecord, check_empty_out, describe_difference, read_progress,
    read_record, write_aggregate, write_manifest, write_state,
};
use crate::error::{Error, Result};
use csv::StringRecord;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One shard directory, checked.
struct Part {
    dir: PathBuf,
    record: SweepRecord,
    progress: Progress,
}

/// What a merge did.
#[derive(Debug)]
pub struct Merged {
    pub shards: u64,
    pub runs: u64,
    pub points: u64,
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

/// Checks `dirs` as the complete set of shards of one finished sweep and
/// `out` as a place for the result. Returns the parts in shard order.
fn check(dirs: &[PathBuf], out: &Path) -> Result<Vec<Part>> {
    let usage = |m: String| Err(Error::Usage(format!("merge: {m}")));
    let canon = |d: &Path| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf());
    for (i, d) in dirs.iter().enumerate() {
        if let Some(j) = dirs[..i].iter().position(|e| canon(e) == canon(d)) {
            return usage(format!(
                "{} is given twice ({} and {})",
                shown(d),
                shown(&dirs[j]),
                shown(d)
            ));
        }
    }
    let mut parts = Vec::new();
    for d in dirs {
        if !d.join(super::store::SWEEP_FILE).is_file() {
            return usage(format!(
                "{} is not a sweep directory (it has no {})",
                shown(d),
                super::store::SWEEP_FILE
            ));
        }
        let record = read_record(d)?;
        let progress = read_progress(d, 0)?;
        if !progress.complete {
            return usage(format!(
                "{} is not finished ({} of {} runs done); finish it with `depinsim sweep ... --shard {} --resume --out {}`",
                shown(d),
                progress.runs_done,
                progress.runs,
                record.shard,
                shown(d)
            ));
        }
        parts.push(Part {
            dir: d.clone(),
            record,
            progress,
        });
    }
    let first = &parts[0];
    for p in &parts[1..] {
        if let Some(diff) = describe_difference(&first.record, &p.record) {
            return usage(format!(
                "{} (shard {}) and {} (shard {}) are not shards of the same sweep: {diff}",
                shown(&first.dir),
                first.record.shard,
                shown(&p.dir),
                p.record.shard
            ));
        }
    }
    parts.sort_by_key(|p| p.record.shard);
    for w in parts.windows(2) {
        if w[0].record.shard == w[1].record.shard {
            return usage(format!(
                "shard {} is given twice: {} and {}",
                w[0].record.shard,
                shown(&w[0].dir),
                shown(&w[1].dir)
            ));
        }
    }
    let n = parts[0].record.shard.n;
    if parts.len() as u64 != n {
        let missing: Vec<String> = (1..=n)
            .filter(|&k| !parts.iter().any(|p| p.record.shard.k == k))
            .map(|k| format!("{k}/{n}"))
            .collect();
        let have: Vec<String> = parts
            .iter()
            .map(|p| format!("{} in {}", p.record.shard, shown(&p.dir)))
            .collect();
        return usage(format!(
            "shard{} {} missing (have {})",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            have.join("; ")
        ));
    }
    for p in &parts {
        if canon(out) == canon(&p.dir) {
            return usage(format!(
                "--out {} is one of the shards; choose a new directory",
                shown(out)
            ));
        }
    }
    check_empty_out(out)?;
    Ok(parts)
}

/// A CSV file of a shard, read one row at a time with one row of look-ahead.
struct Rows {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    header: StringRecord,
    peeked: Option<StringRecord>,
}

impl Rows {
    fn open(path: PathBuf) -> Result<Rows> {
        let f = File::open(&path).map_err(|e| Error::Other(format!("{}: {e}", shown(&path))))?;
        let mut reader = csv::Reader::from_reader(BufReader::new(f));
        let header = reader
            .headers()
            .map_err(|e| Error::Other(format!("{}: {e}", shown(&path))))?
            .clone();
        Ok(Rows {
            path,
            reader,
            header,
            peeked: None,
        })
    }

    fn peek(&mut self) -> Result<Option<&StringRecord>> {
        if self.peeked.is_none() {
            let mut rec = StringRecord::new();
            let more = self
                .reader
                .read_record(&mut rec)
                .map_err(|e| Error::Other(format!("{}: {e}", shown(&self.path))))?;
            self.peeked = more.then_some(rec);
        }
        Ok(self.peeked.as_ref())
    }

    fn next(&mut self) -> Result<Option<StringRecord>> {
        self.peek()?;
        Ok(self.peeked.take())
    }

    fn column(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Other(format!("{}: no {name} column", shown(&self.path))))
    }
}

/// The header all `rows` share (shards without rows have none).
fn common_header(rows: &[Rows]) -> Result<Option<StringRecord>> {
    let mut header: Option<&Rows> = None;
    for r in rows.iter().filter(|r| !r.header.is_empty()) {
        match header {
            None => header = Some(r),
            Some(h) if h.header != r.header => {
                return Err(Error::Usage(format!(
                    "merge: {} and {} have different columns",
                    shown(&h.path),
                    shown(&r.path)
                )));
            }
            Some(_) => {}
        }
    }
    Ok(header.map(|h| h.header.clone()))
}

/// Interleaves the shards' `summary.csv` and `timeseries.csv` into `tmp`.
fn merge_rows(parts: &[Part], tmp: &Path, total: u64) -> Result<()> {
    let n = parts.len() as u64;
    let mut sums: Vec<Rows> = parts
        .iter()
        .map(|p| Rows::open(p.dir.join("summary.csv")))
        .collect::<Result<_>>()?;
    let mut series: Vec<Rows> = parts
        .iter()
        .map(|p| Rows::open(p.dir.join("timeseries.csv")))
        .collect::<Result<_>>()?;
    let open_out = |name: &str| {
        let path = tmp.join(name);
        File::create(&path)
            .map(|f| csv::Writer::from_writer(std::io::BufWriter::new(f)))
            .map_err(|e| Error::Other(format!("{}: {e}", shown(&path))))
    };
    let (mut sum_out, mut ts_out) = (open_out("summary.csv")?, open_out("timeseries.csv")?);
    let werr = |e: csv::Error| Error::Other(format!("merge: cannot write rows: {e}"));
    if let Some(h) = common_header(&sums)? {
        sum_out.write_record(&h).map_err(werr)?;
    }
    if let Some(h) = common_header(&series)? {
        ts_out.write_record(&h).map_err(werr)?;
    }
    let key = |r: &Rows| -> Result<[usize; 3]> {
        Ok([
            r.column("point")?,
            r.column("replicate")?,
            r.column("design")?,
        ])
    };
    let sum_keys: Vec<Option<[usize; 3]>> = sums
        .iter()
        .map(|r| (!r.header.is_empty()).then(|| key(r)).transpose())
        .collect::<Result<_>>()?;
    let ts_keys: Vec<Option<[usize; 3]>> = series
        .iter()
        .map(|r| (!r.header.is_empty()).then(|| key(r)).transpose())
        .collect::<Result<_>>()?;
    let damaged = |p: &Part, what: &str| {
        Error::Other(format!(
            "merge: {} is damaged: {what}",
            shown(&p.dir.join("summary.csv"))
        ))
    };
    for i in 0..total {
        let s = (i % n) as usize;
        let row = sums[s]
            .next()?
            .ok_or_else(|| damaged(&parts[s], &format!("it ends before run {i}")))?;
        let k = sum_keys[s].expect("a shard with rows has a header");
        let id: [&str; 3] = [&row[k[0]], &row[k[1]], &row[k[2]]];
        sum_out.write_record(&row).map_err(werr)?;
        if let Some(tk) = ts_keys[s] {
            while let Some(t) = series[s].peek()? {
                if [&t[tk[0]], &t[tk[1]], &t[tk[2]]] != id {
                    break;
                }
                let t = series[s].next()?.expect("peeked a row");
                ts_out.write_record(&t).map_err(werr)?;
            }
        }
    }
    for (p, (sum, ts)) in parts.iter().zip(sums.iter_mut().zip(series.iter_mut())) {
        if sum.next()?.is_some() {
            return Err(damaged(p, "it has more rows than its runs"));
        }
        if ts.next()?.is_some() {
            return Err(Error::Other(format!(
                "merge: {} has rows of runs its summary does not have",
                shown(&ts.path)
            )));
        }
    }
    for (w, name) in [(sum_out, "summary.csv"), (ts_out, "timeseries.csv")] {
        let f = w
            .into_inner()
            .map_err(|e| Error::Other(format!("merge: cannot write {name}: {e}")))?
            .into_inner()
            .map_err(|e| Error::Other(format!("merge: cannot write {name}: {}", e.error())))?;
        f.sync_all()
            .map_err(|e| Error::Other(format!("merge: cannot write {name}: {e}")))?;
    }
    Ok(())
}

/// The shards' runs from their manifests, dealt back into run order, with
/// session indices shifted into the merged list of sessions.
fn merge_runs(parts: &[Part], total: u64) -> Result<Vec<RunRecord>> {
    let mut per_shard = Vec::new();
    let mut offset = 0;
    for p in parts {
        let path = p.dir.join("manifest.json");
        let f = File::open(&path).map_err(|e| Error::Other(format!("{}: {e}", shown(&path))))?;
        #[derive(serde::Deserialize)]
        struct Runs {
            runs: Vec<RunRecord>,
        }
        let m: Runs = serde_json::from_reader(BufReader::new(f))
            .map_err(|e| Error::Other(format!("{}: {e}", shown(&path))))?;
        let runs: Vec<RunRecord> = m
            .runs
            .into_iter()
            .map(|mut r| {
                r.session += offset;
                r
            })
            .collect();
        offset += p.progress.sessions.len();
        per_shard.push(runs.into_iter());
    }
    let n = parts.len() as u64;
    (0..total)
        .map(|i| {
            let s = (i % n) as usize;
            per_shard[s].next().ok_or_else(|| {
                Error::Other(format!(
                    "merge: {} lists fewer runs than it holds",
                    shown(&parts[s].dir.join("manifest.json"))
                ))
            })
        })
        .collect()
}

/// Merges the shard directories `dirs` into `out`. `command` is recorded in
/// the manifest.
pub fn merge(dirs: &[PathBuf], out: &Path, command: &[String]) -> Result<Merged> {
    let t0 = Instant::now();
    let parts = check(dirs, out)?;
    let first = &parts[0];
    let total = first.record.identity["runs"].as_u64().ok_or_else(|| {
        Error::Other(format!(
            "{}: no run count",
            shown(&first.dir.join(super::store::SWEEP_FILE))
        ))
    })?;
    for p in &parts {
        let want = p.record.shard.runs_of(total);
        if p.progress.runs != want {
            return Err(Error::Other(format!(
                "merge: {} holds {} runs, but shard {} of this sweep has {want}",
                shown(&p.dir),
                p.progress.runs,
                p.record.shard
            )));
        }
    }

    let name = out
        .file_name()
        .ok_or_else(|| Error::Usage(format!("--out {}: not a directory name", shown(out))))?;
    let tmp = out.with_file_name(format!(
        ".{}.merge-tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let build = || -> Result<()> {
        std::fs::create_dir_all(&tmp).map_err(|e| Error::Other(format!("{}: {e}", shown(&tmp))))?;
        merge_rows(&parts, &tmp, total)?;
        let record = SweepRecord {
            shard: Shard::ALL,
            ..first.record.clone()
        };
        write_aggregate(&tmp, &record.param_columns)?;
        let mut sessions: Vec<Session> = parts
            .iter()
            .flat_map(|p| p.progress.sessions.iter().cloned())
            .collect();
        sessions.push(Session {
            command: command.to_vec(),
            threads: 1,
            runs: 0,
            wall_seconds: t0.elapsed().as_secs_f64(),
        });
        let progress = Progress {
            runs: total,
            runs_done: total,
            events: parts.iter().map(|p| p.progress.events).sum(),
            complete: true,
            sessions,
            ..Progress::default()
        };
        write_manifest(&tmp, &record, &progress, merge_runs(&parts, total)?)?;
        write_state(&tmp, &record, &progress)?;
        if out.exists() {
            // check() made sure it is an empty directory.
            std::fs::remove_dir(out).map_err(|e| Error::Other(format!("{}: {e}", shown(out))))?;
        }
        std::fs::rename(&tmp, out).map_err(|e| Error::Other(format!("{}: {e}", shown(out))))
    };
    let built = build();
    if built.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    built?;
    Ok(Merged {
        shards: parts.len() as u64,
        runs: total,
        points: first.record.identity["points"].as_u64().unwrap_or(0),
    })
}
