//! Lists of swept values as written on the command line
//! (`--param KEY=V1,V2,...`) and ranges: `LO:HI:STEP` (linear) and
//! `LO:HI:xFACTOR` (logarithmic), of numbers or of durations.
//!
//! Each item of a list is a TOML value or a bare string, exactly as a
//! `--set` value, so `8`, `2.5`, `"5m"`, `5m`, `fifo`, `["A100", "H100"]` and
//! `{ dist = "exp", mean = "1h" }` all work; commas inside brackets, braces
//! and quotes do not split items.

use crate::scenario::{format_duration, parse_duration, parse_value};
use toml::Value;

/// The most values one range may produce (a typo like `0:1e9:1` should be an
/// error, not a billion points).
pub const MAX_RANGE_VALUES: u64 = 100_000;

/// Parses the value list of `--param KEY=LIST`. Errors say what is wrong with
/// which item.
pub fn parse_list(list: &str) -> Result<Vec<Value>, String> {
    if list.trim().is_empty() {
        return Err("the list of values is empty; give V1,V2,... or a range LO:HI:STEP".into());
    }
    let mut values = Vec::new();
    for (i, item) in split_items(list).into_iter().enumerate() {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!(
                "value {} of {list:?} is empty (two commas in a row, or a trailing comma?)",
                i + 1
            ));
        }
        match parse_range(item)? {
            Some(range) => values.extend(range),
            None => values.push(parse_value(item)),
        }
    }
    Ok(values)
}

/// Splits at commas that are not inside brackets, braces or quotes.
fn split_items(s: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut quote, mut escaped, mut start) = (0i32, None::<char>, false, 0);
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    items.push(&s[start..]);
    items
}

/// One bound or step of a range.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Num {
    Int(i64),
    /// A float and the number of decimals it was written with (`None` for
    /// exponent notation).
    Float(f64, Option<usize>),
    /// A duration, ms.
    Duration(u64),
}

impl Num {
    fn parse(s: &str) -> Option<Num> {
        let s = s.trim();
        if let Ok(i) = s.parse::<i64>() {
            return Some(Num::Int(i));
        }
        if let Ok(f) = s.parse::<f64>() {
            if !f.is_finite() {
                return None;
            }
            let decimals = if s.contains(['e', 'E']) {
                None
            } else {
                Some(s.split_once('.').map_or(0, |(_, d)| d.len()))
            };
            return Some(Num::Float(f, decimals));
        }
        // A duration needs a unit after a number ("5m", not "m").
        if s.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return parse_duration(s).ok().map(Num::Duration);
        }
        None
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f, _) => f,
            Num::Duration(ms) => ms as f64,
        }
    }
}

/// Expands `item` if it is a range (`LO:HI:STEP` or `LO:HI:xFACTOR` with
/// numeric or duration bounds); `Ok(None)` if it is not a range at all.
pub fn parse_range(item: &str) -> Result<Option<Vec<Value>>, String> {
    let parts: Vec<&str> = item.split(':').collect();
    let [lo_s, hi_s, step_s] = parts[..] else {
        return Ok(None);
    };
    let (Some(lo), Some(hi)) = (Num::parse(lo_s), Num::parse(hi_s)) else {
        return Ok(None);
    };
    let step_s = step_s.trim();
    let what = format!("range {item:?}");
    let (log, step_text) = match step_s.strip_prefix(['x', 'X']) {
        Some(f) => (true, f),
        None => (false, step_s),
    };
    let step = Num::parse(step_text).ok_or_else(|| {
        format!("{what}: the step {step_s:?} is not a number, a duration or xFACTOR")
    })?;
    let durations = [lo, hi]
        .iter()
        .filter(|n| matches!(n, Num::Duration(_)))
        .count();
    if durations == 1 {
        return Err(format!(
            "{what}: LO and HI must both be numbers or both durations"
        ));
    }
    let is_duration = durations == 2;
    if is_duration && !log && !matches!(step, Num::Duration(_)) {
        return Err(format!(
            "{what}: a range of durations needs a duration step, e.g. 1h:4h:30m"
        ));
    }
    if !is_duration && matches!(step, Num::Duration(_)) {
        return Err(format!("{what}: a duration step needs duration bounds"));
    }
    if log && matches!(step, Num::Duration(_)) {
        return Err(format!("{what}: the factor after x is a plain number"));
    }
    let (l, h, s) = (lo.as_f64(), hi.as_f64(), step.as_f64());
    if l > h {
        return Err(format!("{what}: LO must not exceed HI"));
    }
    let count = if log {
        if s <= 1.0 {
            return Err(format!("{what}: the factor must be > 1, got {s}"));
        }
        if l <= 0.0 {
            return Err(format!("{what}: a log range needs LO > 0"));
        }
        ((h / l).ln() / s.ln() + 1e-9).floor() + 1.0
    } else {
        if s <= 0.0 {
            return Err(format!("{what}: the step must be > 0, got {step_s}"));
        }
        ((h - l) / s + 1e-9).floor() + 1.0
    };
    if count > MAX_RANGE_VALUES as f64 {
        return Err(format!(
            "{what} gives {count} values; at most {MAX_RANGE_VALUES}"
        ));
    }
    let n = count as u64;
    let values = match (lo, step, log) {
        (Num::Int(a), Num::Int(st), false) => {
            (0..n as i64).map(|i| Value::Integer(a + i * st)).collect()
        }
        (Num::Int(a), Num::Int(f), true) if matches!(hi, Num::Int(_)) => {
            let mut v = a;
            let mut out = vec![Value::Integer(v)];
            for _ in 1..n {
                v = v
                    .checked_mul(f)
                    .ok_or_else(|| format!("{what}: values overflow a 64-bit integer"))?;
                out.push(Value::Integer(v));
            }
            out
        }
        _ if is_duration => (0..n)
            .map(|i| {
                let ms = if log {
                    (l * s.powi(i as i32)).round()
                } else {
                    l + i as f64 * s
                };
                // ms is finite, >= 0 and whole here.
                Value::String(format_duration(ms as u64))
            })
            .collect(),
        _ => {
            let decimals = match (lo, step) {
                (Num::Float(_, None), _) | (_, Num::Float(_, None)) => None,
                (Num::Float(_, a), Num::Float(_, b)) => a.max(b),
                (Num::Float(_, a), _) | (_, Num::Float(_, a)) => a,
                _ => Some(0),
            };
            (0..n)
                .map(|i| {
                    let v = if log {
                        round_significant(l * s.powi(i as i32))
                    } else {
                        match decimals {
                            Some(d) => round_decimals(l + i as f64 * s, d),
                            None => round_significant(l + i as f64 * s),
                        }
                    };
                    Value::Float(v)
                })
                .collect()
        }
    };
    Ok(Some(values))
}

/// `v` rounded to `d` decimals, so `0.1:0.3:0.1` gives 0.3, not 0.30000000000000004.
fn round_decimals(v: f64, d: usize) -> f64 {
    format!("{v:.d$}")
        .parse()
        .expect("a formatted float parses back")
}

/// `v` rounded to 12 significant digits (log ranges: 10³ is 1000, not 999.9999999999999).
fn round_significant(v: f64) -> f64 {
    format!("{v:.11e}")
        .parse()
        .expect("a formatted float parses back")
}

/// The text of a value in a CSV cell: strings as they are, anything else as
/// TOML writes it (`8`, `2.5`, `true`, `["A100", "H100"]`).
pub fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &str) -> Vec<String> {
        parse_list(s).unwrap().iter().map(cell).collect()
    }

    #[test]
    fn lists_of_toml_values_and_bare_strings() {
        assert_eq!(list("1,2.5,fifo,\"5m\""), ["1", "2.5", "fifo", "5m"]);
        assert_eq!(
            list("[\"A100\", \"H100\"],{ dist = \"exp\", mean = \"1h\" }"),
            ["[\"A100\", \"H100\"]", "{ dist = \"exp\", mean = \"1h\" }"]
        );
        assert_eq!(list("\"a,b\",c"), ["a,b", "c"]);
        assert_eq!(parse_list("3").unwrap(), [Value::Integer(3)]);
    }

    #[test]
    fn linear_ranges() {
        assert_eq!(list("8:16:4"), ["8", "12", "16"]);
        assert_eq!(list("8:17:4"), ["8", "12", "16"]);
        assert_eq!(list("0.1:0.5:0.1"), ["0.1", "0.2", "0.3", "0.4", "0.5"]);
        assert_eq!(list("-1:1:0.5"), ["-1.0", "-0.5", "0.0", "0.5", "1.0"]);
        assert_eq!(list("1,4:6:1,10"), ["1", "4", "5", "6", "10"]);
        assert_eq!(list("5:5:1"), ["5"]);
        assert_eq!(list("1h:3h:30m"), ["1h", "1.5h", "2h", "2.5h", "3h"]);
    }

    #[test]
    fn log_ranges() {
        assert_eq!(list("1:1000:x10"), ["1", "10", "100", "1000"]);
        assert_eq!(list("2:100:x2"), ["2", "4", "8", "16", "32", "64"]);
        assert_eq!(list("0.1:100:x10"), ["0.1", "1.0", "10.0", "100.0"]);
        assert_eq!(list("1.5:12:x2"), ["1.5", "3.0", "6.0", "12.0"]);
        assert_eq!(list("1m:1h:x4"), ["1m", "4m", "16m"]);
    }

    #[test]
    fn colons_that_are_not_ranges_are_strings() {
        assert_eq!(list("gpu:a100"), ["gpu:a100"]);
        assert_eq!(list("a:b:c"), ["a:b:c"]);
    }

    #[test]
    fn bad_lists_and_ranges_are_explained() {
        let err = |s: &str| parse_list(s).unwrap_err();
        assert!(err("").contains("empty"));
        assert!(err("1,,2").contains("value 2"));
        assert!(err("1,2,").contains("value 3"));
        assert!(err("5:1:1").contains("LO must not exceed HI"));
        assert!(err("1:5:0").contains("step must be > 0"));
        assert!(err("1:5:-1").contains("step must be > 0"));
        assert!(err("1:5:x1").contains("factor must be > 1"));
        assert!(err("0:5:x2").contains("LO > 0"));
        assert!(err("1:5:q").contains("not a number"));
        assert!(err("1h:5:1").contains("both durations"));
        assert!(err("1h:5h:1").contains("duration step"));
        assert!(err("0:1e9:1").contains("at most"));
    }
}
