//! `depinsim validate FILE...`: check scenario files, report every problem.

use super::parse_sets;
use crate::cli::ValidateArgs;
use crate::error::{Error, Result};
use crate::scenario;

/// Checks each file; prints `ok` lines to stdout and problems to stderr.
/// Fails (exit 2) if any file has a problem.
pub fn run(args: ValidateArgs) -> Result<()> {
    let mut bad = Vec::new();
    for path in &args.scenarios {
        let file = path.display().to_string();
        let checked = parse_sets(&file, &args.set).and_then(|sets| scenario::load(path, &sets));
        match checked {
            Ok(sc) => println!(
                "{file}: ok (designs {}; {} workload{}; {} units of capacity; horizon {})",
                sc.designs
                    .iter()
                    .map(|d| d.name())
                    .collect::<Vec<_>>()
                    .join(", "),
                sc.workloads.len(),
                if sc.workloads.len() == 1 { "" } else { "s" },
                sc.total_gpus(),
                scenario::format_duration(sc.horizon)
            ),
            Err(e) => bad.push(e.to_string()),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(bad.join("\n")))
    }
}
