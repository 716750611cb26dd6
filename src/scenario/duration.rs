//! Durations written with a unit: `"500ms"`, `"90s"`, `"5m"`, `"2.5h"`, `"30d"`.

use crate::engine::SimTime;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A non-negative span of simulated time, parsed from a string with a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration(pub SimTime);

const UNITS: [(&str, f64); 7] = [
    ("ms", 1.0),
    ("s", 1_000.0),
    ("m", 60_000.0),
    ("h", 3_600_000.0),
    ("d", 86_400_000.0),
    ("w", 604_800_000.0),
    // A Julian year, 365.25 days (as the token schedules' years).
    ("y", 31_557_600_000.0),
];

/// Parses `"2.5h"` and the like into milliseconds (rounded to the nearest ms).
pub fn parse_duration(s: &str) -> Result<SimTime, String> {
    let t = s.trim();
    // The unit is the trailing run of letters, so "1e3ms" reads as 1e3 ms
    // and "5µs" as 5 of the unknown unit "µs". The split is after the last
    // other character, whatever its width in UTF-8.
    let split = t
        .char_indices()
        .rfind(|&(_, c)| !c.is_alphabetic())
        .map_or(0, |(i, c)| i + c.len_utf8());
    if split == t.len() {
        return Err(format!(
            "duration {s:?} has no unit; write e.g. \"90s\", \"5m\", \"2.5h\" or \"30d\""
        ));
    }
    let (num, unit) = t.split_at(split);
    let num = num.trim();
    let scale = UNITS
        .iter()
        .find(|(u, _)| *u == unit.trim())
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            format!(
                "duration {s:?} has unknown unit {unit:?}; use ms, s, m, h, d, w or y (365.25 d)"
            )
        })?;
    let v: f64 = num
        .parse()
        .map_err(|_| format!("duration {s:?}: {num:?} is not a number"))?;
    if !v.is_finite() {
        return Err(format!("duration {s:?} is not finite"));
    }
    if v < 0.0 {
        return Err(format!("duration {s:?} is negative"));
    }
    let ms = (v * scale).round();
    if ms > 1e17 {
        return Err(format!("duration {s:?} is too long"));
    }
    Ok(ms as SimTime)
}

/// Formats milliseconds with the largest unit that keeps the value exact
/// enough to read (`"2.5h"`, `"90s"`).
pub fn format_duration(ms: SimTime) -> String {
    for (unit, scale) in UNITS.iter().rev() {
        let v = ms as f64 / scale;
        if v >= 1.0 && (v * 1000.0).fract() == 0.0 {
            return format!("{v}{unit}");
        }
    }
    format!("{ms}ms")
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a duration string with a unit, e.g. \"90s\", \"5m\", \"2.5h\", \"30d\"",
                )
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Duration, E> {
                parse_duration(s).map(Duration).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "duration {v} has no unit; write it as a string, e.g. \"{v}h\""
                )))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                Err(E::custom(format!(
                    "duration {v} has no unit; write it as a string, e.g. \"{v}h\""
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// The schema: a string, a number and a unit (ms, s, m, h, d, w, y).
impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A duration with a unit: ms, s, m, h, d, w or y (365.25 days), e.g. \"500ms\", \"90s\", \"5m\", \"2.5h\", \"30d\".",
            "pattern": r"^\s*[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?\s*(ms|s|m|h|d|w|y)\s*$",
            "examples": ["90s", "2.5h", "30d"],
        })
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_units() {
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("2.5h"), Ok(9_000_000));
        assert_eq!(parse_duration("30d"), Ok(2_592_000_000));
        assert_eq!(parse_duration(" 1 w "), Ok(604_800_000));
        assert_eq!(parse_duration("3y"), Ok(3 * 31_557_600_000));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert_eq!(parse_duration("1e3ms"), Ok(1_000));
        assert_eq!(parse_duration("1.5e1m"), Ok(900_000));
    }

    #[test]
    fn rejects_bad_durations() {
        for bad in [
            "5",
            "",
            "h",
            "-1h",
            "1.5.2h",
            "3 parsecs",
            "NaNh",
            "infh",
            "1e30d",
            // Non-ASCII text (each of these panicked before the split moved
            // to a character boundary).
            "5é",
            "1µs",
            "2µd",
            "é",
            "5 h\u{301}",
            "💥h",
            "1💥",
            "\u{0}",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn formats_readably() {
        assert_eq!(format_duration(9_000_000), "2.5h");
        assert_eq!(format_duration(90_000), "1.5m");
        assert_eq!(format_duration(86_400_000), "1d");
        assert_eq!(format_duration(7), "7ms");
        for ms in [1, 999, 1_000, 61_000, 3_600_000, 123_456_789] {
            assert_eq!(parse_duration(&format_duration(ms)), Ok(ms));
        }
    }
}
