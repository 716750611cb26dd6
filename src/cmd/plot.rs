//! `depinsim plot DIR`: draws the charts of a results directory into
//! `DIR/plots/` and says what it wrote and what it skipped.

use crate::cli::PlotArgs;
use crate::error::Result;
use crate::plot::plot_dir;

/// Draws the charts of `args.dir`.
pub fn run(args: PlotArgs) -> Result<()> {
    let set = plot_dir(&args.dir)?;
    for note in &set.notes {
        eprintln!("depinsim: note: {note}");
    }
    eprintln!(
        "depinsim: {} plots in {}",
        set.plots.len(),
        args.dir.join("plots").display()
    );
    Ok(())
}
