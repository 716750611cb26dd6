//! `depinsim report DIR [DIR...] [--out FILE]`: one self-contained HTML
//! report of one or more results directories (see [`crate::output::report`]).

use crate::cli::ReportArgs;
use crate::error::{Error, Result};
use crate::output::place::{Place, clean_stale_files};
use crate::output::report::write_report;
use crate::output::verify::check_dir;

/// Writes the report and prints where.
pub fn run(args: ReportArgs, argv: &[String]) -> Result<()> {
    // Everything that can be refused is refused before a chart is drawn.
    if let Some(out) = &args.out {
        check_out_file(out)?;
    }
    for d in &args.dirs {
        check_dir(d)?;
    }
    let mut unique: Vec<std::path::PathBuf> = Vec::new();
    for d in &args.dirs {
        let c = std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
        if !unique.contains(&c) {
            unique.push(c);
        }
    }
    // Each directory gets its plots/ (and, alone, its report.html).
    let _places = unique
        .iter()
        .map(|d| Place::lock(d, argv))
        .collect::<Result<Vec<_>>>()?;
    for d in &unique {
        clean_stale_files(d);
    }
    let path = write_report(&args.dirs, args.out.as_deref())?;
    crate::note!("depinsim: report in {}", path.display());
    Ok(())
}

/// `--out FILE`: its directory exists, and it is not a directory itself.
fn check_out_file(out: &std::path::Path) -> Result<()> {
    if out.is_dir() {
        return Err(Error::Usage(format!(
            "--out {}: is a directory; give the report's file name, e.g. {}",
            out.display(),
            out.join("report.html").display()
        )));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if !parent.is_dir() {
        return Err(Error::Usage(format!(
            "--out {}: the directory {} does not exist; create it first",
            out.display(),
            parent.display()
        )));
    }
    Ok(())
}
