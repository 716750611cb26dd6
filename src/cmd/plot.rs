//! `depinsim plot DIR`: draws the charts of a results directory into
//! `DIR/plots/` and says what it wrote and what it skipped.

use crate::cli::PlotArgs;
use crate::error::Result;
use crate::output::place::{Place, clean_stale_files};
use crate::output::verify::check_dir;
use crate::plot::plot_dir;

/// Draws the charts of `args.dir`.
pub fn run(args: PlotArgs, argv: &[String]) -> Result<()> {
    check_dir(&args.dir)?;
    // plots/ is written: one writer at a time, as for the results.
    let dir = std::fs::canonicalize(&args.dir).unwrap_or_else(|_| args.dir.clone());
    let _place = Place::lock(&dir, argv)?;
    clean_stale_files(&args.dir);
    let set = plot_dir(&args.dir)?;
    for note in &set.notes {
        crate::note!("depinsim: note: {note}");
    }
    crate::note!(
        "depinsim: {} plots in {}",
        set.plots.len(),
        args.dir.join("plots").display()
    );
    Ok(())
}
