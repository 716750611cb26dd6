//! `depinsim merge DIR... --out DIR`: shard directories of one sweep into one.

use crate::cli::MergeArgs;
use crate::error::Result;
use crate::sweep::merge::merge;

/// Checks the shards and writes the merged directory.
pub fn run(args: MergeArgs, argv: &[String]) -> Result<()> {
    let m = merge(&args.dirs, &args.out, argv, args.force)?;
    crate::note!(
        "depinsim: merged {} shards: {} runs of {} points; results in {}",
        m.shards,
        m.runs,
        m.points,
        args.out.display()
    );
    Ok(())
}
