//! `depinsim schema [--out FILE]`: the JSON Schema of scenario files, for
//! editors (a TOML language server such as taplo validates and completes
//! a scenario against it). See [`crate::scenario::schema`].

use crate::cli::SchemaArgs;
use crate::error::{Error, Result};
use std::io::Write as _;

/// Prints (or writes) the schema, pretty-printed JSON.
pub fn run(args: SchemaArgs) -> Result<()> {
    let schema = crate::scenario::schema::scenario_schema();
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    match args.out {
        Some(out) => crate::output::write_atomic(&out, text.as_bytes()),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| Error::Other(format!("cannot write to stdout: {e}"))),
    }
}
