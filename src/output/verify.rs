//! What readers of a results directory (`table`, `plot`, `report`, `merge`)
//! check before they use it: that it is a directory, that a sweep in it is
//! finished, that its manifest is whole and the files it lists have the
//! lengths it records, and (per CSV, see [`check_table`]) that the columns
//! a reader needs are there and their cells are numbers. Every problem is
//! bad input (exit 2) naming the file and what is wrong.

use crate::error::{Error, Result};
use serde_json::Value;
use std::path::Path;

/// The manifest key listing the result files and their lengths in bytes.
pub const FILES_KEY: &str = "files";

/// `{"summary.csv": {"bytes": N}, ...}` for the manifest, from the files in
/// `dir` named `names` (those that exist).
pub fn file_lengths(dir: &Path, names: &[&str]) -> Result<Value> {
    let mut m = serde_json::Map::new();
    for name in names {
        let path = dir.join(name);
        match std::fs::metadata(&path) {
            Ok(meta) => {
                m.insert(
                    (*name).to_string(),
                    serde_json::json!({ "bytes": meta.len() }),
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::Other(format!(
                    "cannot inspect {}: {e}",
                    path.display()
                )));
            }
        }
    }
    Ok(Value::Object(m))
}

/// The manifest of a results directory, checked; `None` for a directory
/// without one (CSV files put together by hand are still read).
pub fn check_dir(dir: &Path) -> Result<Option<Value>> {
    let shown = dir.display().to_string();
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(Error::input(
                &shown,
                "",
                "is not a directory (give a results directory of depinsim run or sweep)",
            ));
        }
        Err(e) => {
            return Err(Error::input(
                &shown,
                "",
                format!("cannot read the results directory: {e}"),
            ));
        }
    }
    if dir.join("sweep.json").exists() {
        let path = dir.join("progress.json");
        let progress: Option<Value> = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let complete = progress
            .as_ref()
            .and_then(|p| p.get("complete"))
            .and_then(Value::as_bool);
        if complete != Some(true) {
            let done = progress
                .as_ref()
                .map(|p| format!(" ({} of {} runs done)", p["runs_done"], p["runs"]))
                .unwrap_or_default();
            return Err(Error::input(
                &shown,
                "",
                format!(
                    "the sweep in it is not finished{done}; finish it with `depinsim sweep ... --resume --out {shown}`"
                ),
            ));
        }
    }
    let mpath = dir.join("manifest.json");
    let mfile = mpath.display().to_string();
    let bytes = match std::fs::read(&mpath) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if dir.join("sweep.json").exists() {
                return Err(Error::input(
                    &mfile,
                    "",
                    "is missing from a finished sweep: the directory is damaged",
                ));
            }
            return Ok(None);
        }
        Err(e) => return Err(Error::input(&mfile, "", format!("cannot read it: {e}"))),
    };
    let manifest: Value = serde_json::from_slice(&bytes).map_err(|e| {
        Error::input(
            &mfile,
            "",
            format!("not valid JSON ({e}): the file is cut short or damaged"),
        )
    })?;
    if !manifest.is_object() {
        return Err(Error::input(&mfile, "", "is not a JSON object"));
    }
    if let Some(files) = manifest.get(FILES_KEY) {
        let files = files
            .as_object()
            .ok_or_else(|| Error::input(&mfile, FILES_KEY, "must be an object of file lengths"))?;
        for (name, rec) in files {
            let want = rec.get("bytes").and_then(Value::as_u64).ok_or_else(|| {
                Error::input(&mfile, format!("{FILES_KEY}.{name}.bytes"), "is missing")
            })?;
            let path = dir.join(name);
            // A file removed on purpose is read as absent, as in older
            // directories; one of another length was cut short or edited.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.len() != want {
                return Err(Error::input(
                    path.display().to_string(),
                    "",
                    format!(
                        "{} bytes, but the manifest records {want}: the file is cut short or was changed after depinsim wrote it",
                        meta.len()
                    ),
                ));
            }
        }
    }
    Ok(Some(manifest))
}

/// What a reader needs of one CSV file.
pub struct Columns<'a> {
    /// Columns that must be there.
    pub required: &'a [&'a str],
    /// Columns whose cells must be whole numbers >= 0 (if present).
    pub integers: &'a [&'a str],
    /// Columns whose cells must be numbers or empty (if present).
    pub numbers: &'a [&'a str],
}

/// Checks `headers` and `rows` of the CSV file `file` against `cols`:
/// names the first missing or duplicated column and the first bad cell by
/// line and column.
pub fn check_table(
    file: &str,
    headers: &[String],
    rows: &[csv::StringRecord],
    cols: &Columns,
) -> Result<()> {
    for (i, h) in headers.iter().enumerate() {
        if headers[..i].contains(h) {
            return Err(Error::input(file, h, "the column appears twice"));
        }
    }
    for c in cols.required {
        if !headers.iter().any(|h| h == c) {
            return Err(Error::input(
                file,
                *c,
                "column missing: the file is not what depinsim writes",
            ));
        }
    }
    let idx = |names: &[&str]| -> Vec<(usize, String)> {
        names
            .iter()
            .filter_map(|n| {
                headers
                    .iter()
                    .position(|h| h == n)
                    .map(|i| (i, n.to_string()))
            })
            .collect()
    };
    let (ints, nums) = (idx(cols.integers), idx(cols.numbers));
    for (r, rec) in rows.iter().enumerate() {
        // Line 1 is the header.
        let line = rec.position().map_or(r as u64 + 2, |p| p.line());
        for (i, name) in &ints {
            let cell = rec.get(*i).unwrap_or("");
            if cell.parse::<u64>().is_err() {
                return Err(Error::input(
                    file,
                    name,
                    format!("line {line}: expected a whole number, got {cell:?}"),
                ));
            }
        }
        for (i, name) in &nums {
            let cell = rec.get(*i).unwrap_or("");
            if !cell.is_empty() && cell.parse::<f64>().is_err() {
                return Err(Error::input(
                    file,
                    name,
                    format!("line {line}: expected a number or an empty cell, got {cell:?}"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let h = r.headers().unwrap().iter().map(String::from).collect();
        (h, r.records().map(|x| x.unwrap()).collect())
    }

    const COLS: Columns = Columns {
        required: &["point", "mean"],
        integers: &["point"],
        numbers: &["mean"],
    };

    #[test]
    fn bad_cells_are_named_by_line_and_column() {
        let (h, rows) = table("point,mean\n0,1.5\n1,0x\n");
        let e = check_table("a.csv", &h, &rows, &COLS)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "a.csv: mean: line 3: expected a number or an empty cell, got \"0x\""
        );
        let (h, rows) = table("point,mean\n-1,1\n");
        let e = check_table("a.csv", &h, &rows, &COLS)
            .unwrap_err()
            .to_string();
        assert!(e.contains("point: line 2: expected a whole number"), "{e}");
        let (h, rows) = table("point,mean\n0,\n");
        check_table("a.csv", &h, &rows, &COLS).unwrap();
    }

    #[test]
    fn missing_and_doubled_columns_are_named() {
        let (h, rows) = table("point\n0\n");
        let e = check_table("a.csv", &h, &rows, &COLS)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.csv: mean: column missing"), "{e}");
        let (h, rows) = table("point,mean,mean\n0,1,1\n");
        let e = check_table("a.csv", &h, &rows, &COLS)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.csv: mean: the column appears twice"), "{e}");
    }
}
