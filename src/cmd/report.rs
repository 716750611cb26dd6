//! `depinsim report DIR [DIR...] [--out FILE]`: one self-contained HTML
//! report of one or more results directories (see [`crate::output::report`]).

use crate::cli::ReportArgs;
use crate::error::Result;
use crate::output::report::write_report;

/// Writes the report and prints where.
pub fn run(args: ReportArgs) -> Result<()> {
    let path = write_report(&args.dirs, args.out.as_deref())?;
    eprintln!("depinsim: report in {}", path.display());
    Ok(())
}
