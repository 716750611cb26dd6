//! `depinsim merge`: shard directories of one sweep combined into the
//! directory the sweep would have written on one machine. Shard K of N holds
//! the runs i with i mod N = K − 1, so the merged rows of `summary.csv`,
//! `timeseries.csv` and `workloads.csv` are dealt back in turn;
//! `aggregate.csv` is then computed from the merged summary exactly as an
//! unsharded sweep computes it, so all four files are byte-identical to an
//! unsharded sweep's.
//!
//! Everything is checked before anything is written, and the result is built
//! in a temporary directory that is renamed into place.

use super::shard::Shard;
use super::store::{
    Progress, ROW_FILES, RunRecord, Session, SweepRecord, WORLD_ROW_FILES, check_empty_out,
    describe_difference, is_world, read_progress, read_record, write_aggregate, write_manifest,
    write_state,
};
use crate::error::{Error, Result};
use crate::output::place::Place;
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
fn check(dirs: &[PathBuf], out: &Path, force: bool) -> Result<Vec<Part>> {
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
        let in_merge = |e| match e {
            Error::Usage(m) => Error::Usage(format!("merge: {m}")),
            e => e,
        };
        let record = read_record(d).map_err(in_merge)?;
        let progress = read_progress(d, 0).map_err(in_merge)?;
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
        // A finished shard has all its files; one without them (deleted,
        // or copied in part) is refused before anything is written.
        let world: &[&str] = if is_world(&record) {
            &WORLD_ROW_FILES
        } else {
            &[]
        };
        let mut files = ROW_FILES
            .into_iter()
            .chain(world.iter().copied())
            .chain(["manifest.json"]);
        if let Some(name) = files.find(|f| !d.join(f).is_file()) {
            return usage(format!(
                "{} is finished but has no {name}; the directory is damaged: run that shard again in a new directory",
                shown(d)
            ));
        }
        crate::output::verify::check_dir(d).map_err(in_merge)?;
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
    if !force {
        check_empty_out(out)?;
    }
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
        let f = File::open(&path).map_err(|e| bad_shard(&path, format!("cannot read it: {e}")))?;
        let mut reader = csv::Reader::from_reader(BufReader::new(f));
        let header = reader
            .headers()
            .map_err(|e| bad_shard(&path, format!("not a valid CSV file: {e}")))?
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
                .map_err(|e| bad_shard(&self.path, format!("not a valid CSV file: {e}")))?;
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
            .ok_or_else(|| bad_shard(&self.path, format!("no {name} column")))
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

/// The columns that name a run: point, replicate, and design or strategy.
/// A world run's rows (one per network in `summary.csv`) carry its
/// strategy; a design alone's rows an empty strategy (or none, without
/// `[world]`), and its design. `strategies.csv` and `routing.csv` have a
/// strategy and no design.
#[derive(Clone, Copy)]
struct RunKey {
    point: usize,
    replicate: usize,
    design: Option<usize>,
    strategy: Option<usize>,
}

/// The run `rec` belongs to, by `k`.
type RunId = [String; 3];

impl RunKey {
    fn id(&self, rec: &StringRecord) -> RunId {
        let third = match (self.strategy.map(|c| &rec[c]), self.design) {
            (Some(s), _) if !s.is_empty() => format!("strategy {s}"),
            (_, Some(d)) => rec[d].to_string(),
            _ => String::new(),
        };
        [
            rec[self.point].to_string(),
            rec[self.replicate].to_string(),
            third,
        ]
    }
}

fn run_key(r: &Rows) -> Result<Option<RunKey>> {
    if r.header.is_empty() {
        return Ok(None);
    }
    let find = |name: &str| r.header.iter().position(|h| h == name);
    let design = find("design");
    let strategy = find("strategy");
    if design.is_none() && strategy.is_none() {
        r.column("design")?;
    }
    Ok(Some(RunKey {
        point: r.column("point")?,
        replicate: r.column("replicate")?,
        design,
        strategy,
    }))
}

/// One CSV file of every shard, and the merged file it becomes.
struct Merging {
    name: &'static str,
    shards: Vec<Rows>,
    keys: Vec<Option<RunKey>>,
    out: csv::Writer<std::io::BufWriter<File>>,
}

impl Merging {
    fn open(parts: &[Part], tmp: &Path, name: &'static str) -> Result<Merging> {
        let shards: Vec<Rows> = parts
            .iter()
            .map(|p| Rows::open(p.dir.join(name)))
            .collect::<Result<_>>()?;
        let keys = shards.iter().map(run_key).collect::<Result<_>>()?;
        let path = tmp.join(name);
        let mut out = File::create(&path)
            .map(|f| csv::Writer::from_writer(std::io::BufWriter::new(f)))
            .map_err(|e| Error::Other(format!("{}: {e}", shown(&path))))?;
        if let Some(h) = common_header(&shards)? {
            out.write_record(&h).map_err(write_err)?;
        }
        Ok(Merging {
            name,
            shards,
            keys,
            out,
        })
    }

    /// Copies the rows of run `id` at the head of shard `s` (a run may have
    /// none).
    fn copy_run(&mut self, s: usize, id: &RunId) -> Result<()> {
        let Some(k) = self.keys[s] else {
            return Ok(());
        };
        while let Some(t) = self.shards[s].peek()? {
            if &k.id(t) != id {
                break;
            }
            let t = self.shards[s].next()?.expect("peeked a row");
            self.out.write_record(&t).map_err(write_err)?;
        }
        Ok(())
    }

    /// Checks that every shard's rows were used, and writes the file out.
    fn finish(mut self) -> Result<()> {
        for rows in &mut self.shards {
            if rows.next()?.is_some() {
                return Err(bad_shard(
                    &rows.path,
                    "has rows of runs its summary does not have".into(),
                ));
            }
        }
        let name = self.name;
        let f = self
            .out
            .into_inner()
            .map_err(|e| Error::Other(format!("merge: cannot write {name}: {e}")))?
            .into_inner()
            .map_err(|e| Error::Other(format!("merge: cannot write {name}: {}", e.error())))?;
        f.sync_all()
            .map_err(|e| Error::Other(format!("merge: cannot write {name}: {e}")))
    }
}

/// A problem with a file of a shard: bad input (exit 2) naming the file.
fn bad_shard(path: &Path, msg: String) -> Error {
    Error::input(shown(path), "", format!("merge: {msg}"))
}

fn write_err(e: csv::Error) -> Error {
    Error::Other(format!("merge: cannot write rows: {e}"))
}

/// Interleaves the shards' row files ([`ROW_FILES`], and
/// [`WORLD_ROW_FILES`] in a world sweep) into `tmp`: run by run from
/// `summary.csv` (one row per run, one per network for a world run), each
/// run followed by its rows in the other files (any number per run, found
/// by point, replicate, and design or strategy).
fn merge_rows(parts: &[Part], tmp: &Path, total: u64) -> Result<()> {
    let n = parts.len() as u64;
    let [summary, others @ ..] = ROW_FILES;
    let world: &[&'static str] = if is_world(&parts[0].record) {
        &WORLD_ROW_FILES
    } else {
        &[]
    };
    let mut sums = Merging::open(parts, tmp, summary)?;
    let mut others: Vec<Merging> = others
        .iter()
        .chain(world)
        .map(|name| Merging::open(parts, tmp, name))
        .collect::<Result<_>>()?;
    let damaged =
        |p: &Part, what: &str| bad_shard(&p.dir.join(summary), format!("is damaged: {what}"));
    for i in 0..total {
        let s = (i % n) as usize;
        let row = sums.shards[s]
            .next()?
            .ok_or_else(|| damaged(&parts[s], &format!("it ends before run {i}")))?;
        let k = sums.keys[s].expect("a shard with rows has a header");
        let id = k.id(&row);
        sums.out.write_record(&row).map_err(write_err)?;
        // A world run's other networks' rows follow its first.
        sums.copy_run(s, &id)?;
        for m in &mut others {
            m.copy_run(s, &id)?;
        }
    }
    for (p, rows) in parts.iter().zip(&mut sums.shards) {
        if rows.next()?.is_some() {
            return Err(damaged(p, "it has more rows than its runs"));
        }
    }
    sums.finish()?;
    for m in others {
        m.finish()?;
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
        let f = File::open(&path).map_err(|e| bad_shard(&path, format!("cannot read it: {e}")))?;
        #[derive(serde::Deserialize)]
        struct Runs {
            runs: Vec<RunRecord>,
        }
        let m: Runs = serde_json::from_reader(BufReader::new(f))
            .map_err(|e| bad_shard(&path, format!("not a depinsim manifest: {e}")))?;
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
                bad_shard(
                    &parts[s].dir.join("manifest.json"),
                    "lists fewer runs than the shard holds".into(),
                )
            })
        })
        .collect()
}

/// Merges the shard directories `dirs` into `out`. `command` is recorded in
/// the manifest.
pub fn merge(dirs: &[PathBuf], out: &Path, command: &[String], force: bool) -> Result<Merged> {
    let t0 = Instant::now();
    let parts = check(dirs, out, force)?;
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
            return Err(Error::input(
                shown(&p.dir.join(super::store::PROGRESS_FILE)),
                "runs",
                format!(
                    "merge: the shard holds {} runs, but shard {} of this sweep has {want}",
                    p.progress.runs, p.record.shard
                ),
            ));
        }
    }

    // Everything read is checked: take --out (a second writer stops here;
    // what killed merges left beside it goes), and build beside it.
    let place = Place::lock(out, command)?;
    if force {
        place.check_force()?;
    } else {
        check_empty_out(out)?;
    }
    let tmp = place.temp_dir("merge")?;
    let build = || -> Result<()> {
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
        place.install(&tmp)
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
