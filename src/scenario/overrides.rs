//! `--set KEY=VALUE`: overrides by dotted path, applied to the parsed TOML
//! before it is checked, so an override is validated exactly like the file.

use crate::error::closest;
use toml::{Table, Value};

/// One `--set` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Path segments, e.g. `["workload", "training", "arrivals", "rate_per_hour"]`.
    pub path: Vec<String>,
    /// The new value.
    pub value: Value,
    /// The text as the user gave it, for messages and the manifest.
    pub text: String,
}

/// Parses `KEY=VALUE`. VALUE is read as a TOML value (`3.5`, `true`, `"5m"`,
/// `["A100"]`, `{ dist = "exp", mean = "1h" }`); anything that is not valid
/// TOML is taken as a bare string, so `policy=fifo` and `horizon=5d` work.
pub fn parse_override(text: &str) -> Result<Override, String> {
    let (key, raw) = text
        .split_once('=')
        .ok_or_else(|| format!("--set {text:?}: expected KEY=VALUE"))?;
    let path = parse_key(key).map_err(|e| format!("--set {text:?}: {e}"))?;
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(format!("--set {text:?}: the value is empty"));
    }
    Ok(Override {
        path,
        value: parse_value(raw),
        text: text.to_string(),
    })
}

/// Splits a dotted key into its segments; none may be empty.
pub fn parse_key(key: &str) -> Result<Vec<String>, String> {
    let key = key.trim();
    if key.is_empty() {
        return Err("the key is empty".into());
    }
    let path: Vec<String> = key.split('.').map(|s| s.trim().to_string()).collect();
    if path.iter().any(|s| s.is_empty()) {
        return Err(format!("empty segment in key {key:?}"));
    }
    Ok(path)
}

/// Reads a value as TOML, or as a bare string when it is not valid TOML.
pub fn parse_value(raw: &str) -> Value {
    toml::from_str::<Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_string()))
}

/// Applies `ov` to `root`. Tables along the path are created when missing
/// (unknown keys are caught later by the schema); arrays of tables are
/// indexed by position (`workload.0`) or by their `name` (`workload.training`).
pub fn apply_override(root: &mut Table, ov: &Override) -> Result<(), String> {
    let mut table = root;
    let mut shown = String::new();
    let n = ov.path.len();
    let mut i = 0;
    while i < n {
        let seg = &ov.path[i];
        let last = i + 1 == n;
        if last {
            table.insert(seg.clone(), ov.value.clone());
            return Ok(());
        }
        let entry = table
            .entry(seg.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        push_seg(&mut shown, seg);
        match entry {
            Value::Table(t) => {
                table = t;
                i += 1;
            }
            Value::Array(items) => {
                let sel = &ov.path[i + 1];
                let idx = select(items, sel).map_err(|e| format!("{shown}: {e}"))?;
                shown.push_str(&format!("[{idx}]"));
                if i + 2 == n {
                    items[idx] = ov.value.clone();
                    return Ok(());
                }
                match &mut items[idx] {
                    Value::Table(t) => table = t,
                    _ => return Err(format!("{shown} is not a table")),
                }
                i += 2;
            }
            other => {
                return Err(format!(
                    "{shown} is a {}, not a table, so it has no key {:?}",
                    other.type_str(),
                    ov.path[i + 1]
                ));
            }
        }
    }
    Ok(())
}

fn push_seg(shown: &mut String, seg: &str) {
    if !shown.is_empty() {
        shown.push('.');
    }
    shown.push_str(seg);
}

/// Finds an array element by index or by its `name` key.
fn select(items: &[Value], sel: &str) -> Result<usize, String> {
    if let Ok(idx) = sel.parse::<usize>() {
        return if idx < items.len() {
            Ok(idx)
        } else {
            Err(format!(
                "index {idx} is out of range (there are {} entries)",
                items.len()
            ))
        };
    }
    let names: Vec<&str> = items
        .iter()
        .filter_map(|v| v.get("name").and_then(Value::as_str))
        .collect();
    if let Some(idx) = names.iter().position(|n| *n == sel) {
        return Ok(idx);
    }
    let hint = closest(sel, names.iter().copied())
        .map(|c| format!(" (did you mean {c:?}?)"))
        .unwrap_or_default();
    Err(format!(
        "no entry named {sel:?}{hint}; names are {names:?}, or use an index 0..{}",
        items.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Table {
        toml::from_str(
            r#"
            [scenario]
            horizon = "1d"
            [[workload]]
            name = "training"
            arrivals = { process = "poisson", rate_per_hour = 1.0 }
            [[workload]]
            name = "inference"
            arrivals = { process = "poisson", rate_per_hour = 2.0 }
            "#,
        )
        .unwrap()
    }

    fn rate(t: &Table, i: usize) -> f64 {
        t["workload"][i]["arrivals"]["rate_per_hour"]
            .as_float()
            .unwrap()
    }

    #[test]
    fn sets_by_index_and_by_name() {
        let mut t = doc();
        apply_override(
            &mut t,
            &parse_override("workload.1.arrivals.rate_per_hour=5.5").unwrap(),
        )
        .unwrap();
        assert_eq!(rate(&t, 1), 5.5);
        apply_override(
            &mut t,
            &parse_override("workload.training.arrivals.rate_per_hour=0.5").unwrap(),
        )
        .unwrap();
        assert_eq!(rate(&t, 0), 0.5);
        apply_override(&mut t, &parse_override("scenario.horizon=5d").unwrap()).unwrap();
        assert_eq!(t["scenario"]["horizon"].as_str(), Some("5d"));
        apply_override(&mut t, &parse_override("churn.enabled=true").unwrap()).unwrap();
        assert_eq!(t["churn"]["enabled"].as_bool(), Some(true));
    }

    #[test]
    fn values_are_toml_or_bare_strings() {
        assert_eq!(parse_override("a=3").unwrap().value, Value::Integer(3));
        assert_eq!(
            parse_override("a=\"3\"").unwrap().value,
            Value::String("3".into())
        );
        assert_eq!(
            parse_override("a=fifo").unwrap().value,
            Value::String("fifo".into())
        );
        assert!(matches!(
            parse_override("a=[\"A100\", \"H100\"]").unwrap().value,
            Value::Array(_)
        ));
    }

    #[test]
    fn bad_paths_are_explained() {
        let mut t = doc();
        let e = apply_override(&mut t, &parse_override("workload.trainin.gpus=2").unwrap())
            .unwrap_err();
        assert!(e.contains("did you mean \"training\""), "{e}");
        let e = apply_override(&mut t, &parse_override("workload.7.gpus=2").unwrap()).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        let e =
            apply_override(&mut t, &parse_override("scenario.horizon.x=2").unwrap()).unwrap_err();
        assert!(e.contains("not a table"), "{e}");
        assert!(parse_override("novalue").is_err());
        assert!(parse_override("=3").is_err());
        assert!(parse_override("a..b=3").is_err());
        assert!(parse_override("a=").is_err());
    }
}
