//! `depinsim init [--template T] [--out FILE]`: writes a commented scenario
//! to start from. The templates are bundled scenarios (`scenarios/`), so
//! each one is a file the test suite validates and runs.

use crate::cli::InitArgs;
use crate::error::{Error, Result};
use std::io::Write as _;
use std::path::PathBuf;

/// The templates: name, the bundled scenario it is, and what it is for.
pub const TEMPLATES: [(&str, &str, &str); 5] = [
    (
        "minimal",
        include_str!("../../scenarios/minimal.toml"),
        "four designs on their defaults: name only what you change",
    ),
    (
        "baseline",
        include_str!("../../scenarios/baseline.toml"),
        "a mixed workload (render, training, inference, web), every key shown with its source",
    ),
    (
        "ai",
        include_str!("../../scenarios/ai-lab.toml"),
        "an AI lab: training gangs and inference",
    ),
    (
        "render",
        include_str!("../../scenarios/render-studio.toml"),
        "a render studio: frame jobs under deadlines",
    ),
    (
        "web",
        include_str!("../../scenarios/web-backend.toml"),
        "a web backend: long-running services on CPU capacity and GPU inference",
    ),
];

/// The text of template `name`.
pub fn template(name: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|t| t.0 == name).map(|t| t.1)
}

/// Writes the template to `--out` (default `scenario.toml`, never over an
/// existing file without `--force`) or, with `--out -`, to stdout.
pub fn run(args: InitArgs) -> Result<()> {
    let text = template(&args.template)
        .ok_or_else(|| Error::Usage(format!("unknown template {:?}", args.template)))?;
    let out = args.out.unwrap_or_else(|| PathBuf::from("scenario.toml"));
    if out.as_os_str() == "-" {
        std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| Error::Other(format!("cannot write to stdout: {e}")))?;
        return Ok(());
    }
    if out.is_dir() {
        return Err(Error::Usage(format!(
            "--out {}: is a directory; give a file name, e.g. {}",
            out.display(),
            out.join("scenario.toml").display()
        )));
    }
    if out.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} exists; choose another --out, or add --force to replace it",
            out.display()
        )));
    }
    crate::output::write_atomic(&out, text.as_bytes())?;
    crate::note!(
        "depinsim: wrote {} (template {}). Next: depinsim validate {0}; depinsim run {0}",
        out.display(),
        args.template
    );
    Ok(())
}
