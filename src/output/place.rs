//! Where a command writes its results: the output directory, the lock that
//! keeps a second writer out, the temporary siblings a directory is built
//! in, and what kind of result an existing directory holds.
//!
//! For an output directory `DIR/NAME`:
//! - `DIR/.NAME.lock` is the writers' lock: an advisory lock (flock on
//!   Unix, LockFileEx on Windows) held for as long as a process writes
//!   `NAME`, with the holder's pid and command line inside. A second
//!   writer fails at once (exit 2) and names the holder. The file is
//!   removed when the lock is released; a lock of a killed process is
//!   released by the kernel, so a stale file never blocks anyone.
//! - `DIR/.NAME.KIND-tmpPID/` (KIND `run`, `merge`, `old`, ...) are the
//!   directories a result is built in, or the previous result set aside
//!   while the new one is renamed in. Whoever next takes the lock removes
//!   those of killed processes (restoring a previous result that was set
//!   aside, if `NAME` is missing).
//!
//! A result built whole (`run`, `merge`, `plan`) is renamed into place in
//! one step, so a reader sees the previous complete result or the new one,
//! never a mix. A sweep writes in place (its journal is what `--resume`
//! continues from) and marks itself complete last; readers refuse an
//! unfinished sweep.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What an existing output directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The directory does not exist.
    Absent,
    /// An empty directory (or one holding only leftovers of killed writers).
    Empty,
    /// A `depinsim run` result.
    Run,
    /// A `depinsim sweep` (finished or not) or a merged sweep.
    Sweep,
    /// A `depinsim plan` result.
    Plan,
    /// Files depinsim did not write.
    Foreign,
}

impl Kind {
    /// In words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Absent => "nothing",
            Kind::Empty => "an empty directory",
            Kind::Run => "the result of a depinsim run",
            Kind::Sweep => "a depinsim sweep",
            Kind::Plan => "the result of a depinsim plan",
            Kind::Foreign => "files depinsim did not write",
        }
    }
}

/// Whether `name` (an entry of a result directory) is a temporary file of an
/// interrupted atomic write (`.summary.csv.tmp1234`).
pub fn is_stale_tmp(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp")
}

/// The entries of `dir` other than leftovers of killed writers, sorted.
pub fn entries(dir: &Path) -> Result<Vec<String>> {
    let mut v = Vec::new();
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Error::Other(format!("cannot list {}: {e}", dir.display())))?;
    for e in rd {
        let e = e.map_err(|e| Error::Other(format!("cannot list {}: {e}", dir.display())))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !is_stale_tmp(&name) {
            v.push(name);
        }
    }
    v.sort();
    Ok(v)
}

/// What `dir` holds, from the files depinsim writes (`sweep.json`, and the
/// manifest's keys).
pub fn kind_of(dir: &Path) -> Result<Kind> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Kind::Absent),
        Err(e) => {
            return Err(Error::Other(format!(
                "cannot inspect {}: {e}",
                dir.display()
            )));
        }
    };
    if meta.file_type().is_symlink() {
        // A result is swapped in by renaming: that would replace the link.
        return Err(Error::Usage(format!(
            "--out {}: is a symbolic link; give the directory it points to",
            dir.display()
        )));
    }
    if !meta.is_dir() {
        return Err(Error::Usage(format!(
            "--out {}: exists and is not a directory",
            dir.display()
        )));
    }
    let found = entries(dir)?;
    if found.is_empty() {
        return Ok(Kind::Empty);
    }
    if found.iter().any(|n| n == "sweep.json") {
        return Ok(Kind::Sweep);
    }
    let manifest: Option<serde_json::Value> = std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    Ok(match manifest {
        Some(m) if m.get("depinsim_version").is_some() => {
            match m.get("kind").and_then(|k| k.as_str()) {
                Some("run") => Kind::Run,
                Some("sweep") => Kind::Sweep,
                Some("plan") => Kind::Plan,
                // Manifests written before the kind was recorded.
                _ if m.get("sweep").is_some() => Kind::Sweep,
                _ if m.get("plan").is_some() || m.get("targets").is_some() => Kind::Plan,
                _ => Kind::Run,
            }
        }
        _ => Kind::Foreign,
    })
}

/// The writers' lock on one output directory, held until dropped.
#[derive(Debug)]
pub struct Place {
    out: PathBuf,
    parent: PathBuf,
    name: String,
    lock_path: PathBuf,
    lock: Option<File>,
}

/// `dir`'s parent and final name; `results/tiny` → (`results`, `tiny`).
fn split(out: &Path) -> Result<(PathBuf, String)> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n != "." && n != "..")
        .ok_or_else(|| {
            Error::Usage(format!(
                "--out {}: not a directory name (give a path that ends in a name)",
                out.display()
            ))
        })?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// The pid and command line written into a lock file by its holder.
fn holder_of(path: &Path) -> String {
    let mut text = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    let text = text.trim();
    if text.is_empty() {
        "another process (it has not yet written its pid)".to_string()
    } else {
        text.lines().collect::<Vec<_>>().join(", ")
    }
}

/// Whether `a` and `b` are the same file (the lock file at its path is the
/// one this process locked, not one a previous holder removed).
#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

impl Place {
    /// Takes the writers' lock of `out` for `command`, then removes what
    /// killed writers left beside it. Fails (exit 2) naming the holder if
    /// another process writes `out`. Creates `out`'s parent if needed.
    pub fn lock(out: &Path, command: &[String]) -> Result<Place> {
        let (parent, name) = split(out)?;
        std::fs::create_dir_all(&parent)
            .map_err(|e| Error::Other(format!("cannot create {}: {e}", parent.display())))?;
        let lock_path = parent.join(format!(".{name}.lock"));
        let io =
            |e: std::io::Error| Error::Other(format!("cannot lock {}: {e}", lock_path.display()));
        let file = loop {
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&lock_path)
                .map_err(io)?;
            match fs4::FileExt::try_lock(&f) {
                Ok(()) => {}
                Err(fs4::TryLockError::WouldBlock) => {
                    return Err(Error::Usage(format!(
                        "--out {}: is being written by {}; wait for it to finish, or choose another --out",
                        out.display(),
                        holder_of(&lock_path)
                    )));
                }
                Err(fs4::TryLockError::Error(e)) => return Err(io(e)),
            }
            // A holder removes the file before it unlocks: if the path no
            // longer names the file locked here, lock the new one.
            let ours = f.metadata().map_err(io)?;
            match std::fs::metadata(&lock_path) {
                Ok(now) if same_file(&ours, &now) => break f,
                _ => continue,
            }
        };
        let mut place = Place {
            out: out.to_path_buf(),
            parent,
            name,
            lock_path,
            lock: Some(file),
        };
        place.write_holder(command)?;
        place.clean_leftovers()?;
        Ok(place)
    }

    fn write_holder(&mut self, command: &[String]) -> Result<()> {
        let f = self.lock.as_mut().expect("the lock is held until drop");
        let text = format!("pid {}: {}\n", std::process::id(), command.join(" "));
        f.set_len(0)
            .and_then(|()| f.write_all(text.as_bytes()))
            .and_then(|()| f.flush())
            .map_err(|e| Error::Other(format!("cannot write {}: {e}", self.lock_path.display())))
    }

    /// The output directory.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// `.NAME.TAG-tmpPID` beside the output directory.
    pub fn sibling(&self, tag: &str) -> PathBuf {
        self.parent
            .join(format!(".{}.{tag}-tmp{}", self.name, std::process::id()))
    }

    /// Whether `entry` (a name in the parent) is one of this place's
    /// temporary siblings, `.NAME.TAG-tmpDIGITS`; returns TAG.
    fn sibling_tag<'a>(&self, entry: &'a str) -> Option<&'a str> {
        let rest = entry.strip_prefix('.')?.strip_prefix(self.name.as_str())?;
        let rest = rest.strip_prefix('.')?;
        let (tag, pid) = rest.rsplit_once("-tmp")?;
        let ok = !tag.is_empty()
            && tag.chars().all(|c| c.is_ascii_lowercase())
            && !pid.is_empty()
            && pid.chars().all(|c| c.is_ascii_digit());
        ok.then_some(tag)
    }

    /// Removes the temporary siblings of killed writers (this process holds
    /// the lock, so no live writer owns any). A previous result set aside
    /// (`old`) by a writer killed before it renamed the new one in is put
    /// back if the output directory is missing.
    fn clean_leftovers(&self) -> Result<()> {
        let Ok(rd) = std::fs::read_dir(&self.parent) else {
            return Ok(());
        };
        let mut found: Vec<(String, PathBuf)> = Vec::new();
        for e in rd.flatten() {
            let entry = e.file_name().to_string_lossy().into_owned();
            if let Some(tag) = self.sibling_tag(&entry) {
                found.push((tag.to_string(), e.path()));
            }
        }
        found.sort();
        if !self.out.exists()
            && let Some((_, old)) = found.iter().find(|(t, _)| t == "old")
        {
            std::fs::rename(old, &self.out).map_err(|e| {
                Error::Other(format!(
                    "cannot restore {} from {}: {e}",
                    self.out.display(),
                    old.display()
                ))
            })?;
        }
        for (_, p) in found {
            if p.exists() {
                remove_any(&p)?;
            }
        }
        Ok(())
    }

    /// What the output directory holds now.
    pub fn kind(&self) -> Result<Kind> {
        kind_of(&self.out)
    }

    /// Checks that the output directory may be replaced by a result of kind
    /// `want`: it is absent, empty, or holds a result of the same kind; any
    /// other content needs `force`. Returns what is there.
    pub fn check_replace(&self, want: Kind, force: bool) -> Result<Kind> {
        let have = self.kind()?;
        if matches!(have, Kind::Absent | Kind::Empty) {
            return Ok(have);
        }
        if have == want || force {
            self.check_force()?;
            return Ok(have);
        }
        let mut shown = entries(&self.out)?;
        let more = shown.len().saturating_sub(5);
        shown.truncate(5);
        let list = if more > 0 {
            format!("{}, and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        };
        Err(Error::Usage(format!(
            "--out {}: holds {} ({list}), not {}; pass --force to replace it, or choose another --out",
            self.out.display(),
            have.describe(),
            want.describe()
        )))
    }

    /// Refuses to replace a directory that holds the current directory
    /// (replacing it would delete the user's work around it).
    pub fn check_force(&self) -> Result<()> {
        let (Ok(out), Ok(cwd)) = (
            std::fs::canonicalize(&self.out),
            std::env::current_dir().and_then(std::fs::canonicalize),
        ) else {
            return Ok(());
        };
        if cwd.starts_with(&out) {
            return Err(Error::Usage(format!(
                "--out {}: holds the current directory; depinsim will not replace it",
                self.out.display()
            )));
        }
        Ok(())
    }

    /// Creates a fresh temporary sibling `.NAME.TAG-tmpPID/` to build a
    /// result in.
    pub fn temp_dir(&self, tag: &str) -> Result<PathBuf> {
        let tmp = self.sibling(tag);
        if tmp.exists() {
            remove_any(&tmp)?;
        }
        std::fs::create_dir(&tmp)
            .map_err(|e| Error::Other(format!("cannot create {}: {e}", tmp.display())))?;
        Ok(tmp)
    }

    /// Moves the result built in `tmp` into place, replacing what is there
    /// in one step where the system can exchange two directories, else by
    /// setting the previous result aside first (a process killed in between
    /// leaves it aside; the next writer puts it back).
    pub fn install(&self, tmp: &Path) -> Result<()> {
        replace_dir_via(tmp, &self.out, &self.sibling("old"))
    }

    /// Removes the output directory (before a sweep starts over in it with
    /// `--force`), setting it aside first so that a kill leaves no half.
    pub fn remove_out(&self) -> Result<()> {
        if !self.out.exists() {
            return Ok(());
        }
        let old = self.sibling("old");
        if old.exists() {
            remove_any(&old)?;
        }
        std::fs::rename(&self.out, &old)
            .map_err(|e| Error::Other(format!("cannot remove {}: {e}", self.out.display())))?;
        // The output is gone on purpose now: a leftover `old` must not be
        // put back by the next writer, so it goes under another tag.
        let gone = self.sibling("gone");
        std::fs::rename(&old, &gone)
            .map_err(|e| Error::Other(format!("cannot remove {}: {e}", old.display())))?;
        remove_any(&gone)
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        // Removed while still locked: a process that opened it meanwhile
        // sees, once it holds the lock, that the path names another file
        // (or none) and starts again.
        let _ = std::fs::remove_file(&self.lock_path);
        drop(self.lock.take());
    }
}

/// Moves the directory `tmp` to `target`, replacing what is there in one
/// step where the system can exchange two directories, else by setting the
/// previous one aside as `old` first.
fn replace_dir_via(tmp: &Path, target: &Path, old: &Path) -> Result<()> {
    let err = |e: std::io::Error| {
        Error::Other(format!(
            "cannot move {} into place as {}: {e}",
            tmp.display(),
            target.display()
        ))
    };
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    sync_dir(tmp);
    if !target.exists() {
        std::fs::rename(tmp, target).map_err(err)?;
        sync_dir(parent);
        return Ok(());
    }
    if exchange(tmp, target).is_ok() {
        // `tmp` now holds the previous one.
        sync_dir(parent);
        return remove_any(tmp);
    }
    if old.exists() {
        remove_any(old)?;
    }
    std::fs::rename(target, old).map_err(err)?;
    std::fs::rename(tmp, target).map_err(err)?;
    sync_dir(parent);
    remove_any(old)
}

/// Moves the directory `tmp` to `target` (a directory of results' own, like
/// `plots/`), replacing what is there.
pub fn replace_dir(tmp: &Path, target: &Path) -> Result<()> {
    let name = target
        .file_name()
        .map_or_else(|| "dir".into(), |n| n.to_string_lossy().into_owned());
    let old = target.with_file_name(format!(".{name}.old.tmp{}", std::process::id()));
    replace_dir_via(tmp, target, &old)
}

/// Removes a file or a directory tree.
pub fn remove_any(p: &Path) -> Result<()> {
    let r = match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p),
        Ok(_) => std::fs::remove_file(p),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    r.map_err(|e| Error::Other(format!("cannot remove {}: {e}", p.display())))
}

/// Flushes a directory's entries to disk (best effort: not every system
/// can open a directory).
pub fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Swaps two directories in one step (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other("no atomic exchange here"))
}

/// Removes the temporary files of interrupted atomic writes inside `dir`
/// (and in `dir/plots/`).
pub fn clean_stale_files(dir: &Path) {
    for d in [dir.to_path_buf(), dir.join("plots")] {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            if is_stale_tmp(&e.file_name().to_string_lossy()) {
                let _ = remove_any(&e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_places_siblings_are_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let p = Place::lock(&dir.path().join("a"), &["t".into()]).unwrap();
        assert_eq!(p.sibling_tag(".a.run-tmp123"), Some("run"));
        assert_eq!(p.sibling_tag(".a.merge-tmp9"), Some("merge"));
        // Another directory whose name starts with "a.".
        assert_eq!(p.sibling_tag(".a.b.run-tmp1"), None);
        assert_eq!(p.sibling_tag(".ab.run-tmp1"), None);
        assert_eq!(p.sibling_tag(".a.lock"), None);
        assert_eq!(p.sibling_tag(".a.run-tmp"), None);
    }

    #[test]
    fn a_second_lock_is_refused_and_the_file_goes_with_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let first = Place::lock(&out, &["depinsim".into(), "run".into()]).unwrap();
        let e = Place::lock(&out, &["x".into()]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains("depinsim run"), "{msg}");
        drop(first);
        assert!(!dir.path().join(".out.lock").exists());
        Place::lock(&out, &["x".into()]).unwrap();
    }

    #[test]
    fn a_result_replaces_the_previous_one_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("aggregate.csv"), "old").unwrap();
        let p = Place::lock(&out, &[]).unwrap();
        let tmp = p.temp_dir("run").unwrap();
        std::fs::write(tmp.join("summary.csv"), "new").unwrap();
        p.install(&tmp).unwrap();
        assert!(!out.join("aggregate.csv").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("summary.csv")).unwrap(),
            "new"
        );
        assert!(!tmp.exists());
    }

    #[test]
    fn leftovers_are_removed_and_a_result_set_aside_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let old = dir.path().join(".out.old-tmp4242");
        let run = dir.path().join(".out.run-tmp4243");
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("summary.csv"), "previous").unwrap();
        std::fs::create_dir(&run).unwrap();
        let _p = Place::lock(&out, &[]).unwrap();
        assert!(!run.exists() && !old.exists());
        assert_eq!(
            std::fs::read_to_string(out.join("summary.csv")).unwrap(),
            "previous"
        );
    }

    #[test]
    fn kinds_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("d");
        assert_eq!(kind_of(&d).unwrap(), Kind::Absent);
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join(".x.tmp1"), "").unwrap();
        assert_eq!(kind_of(&d).unwrap(), Kind::Empty);
        std::fs::write(d.join("notes.txt"), "mine").unwrap();
        assert_eq!(kind_of(&d).unwrap(), Kind::Foreign);
        std::fs::write(d.join("manifest.json"), r#"{"depinsim_version":"0"}"#).unwrap();
        assert_eq!(kind_of(&d).unwrap(), Kind::Run);
        std::fs::write(d.join("sweep.json"), "{}").unwrap();
        assert_eq!(kind_of(&d).unwrap(), Kind::Sweep);
    }
}
