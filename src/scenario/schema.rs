//! The scenario file's JSON Schema (`depinsim schema`), derived from the
//! serde structs of [`super::spec`], and the one-pass shape check that
//! walks a parsed file against it: every unknown, missing or mistyped key
//! is reported at once, in the file's own terms, before serde reads it.

use super::spec::ScenarioFile;
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// The JSON Schema (draft 7, which editors and TOML language servers such
/// as taplo read) of a scenario file.
pub fn scenario_schema() -> Value {
    let generator = SchemaSettings::draft07().for_deserialize().into_generator();
    let schema = generator.into_root_schema_for::<ScenarioFile>();
    let mut v = serde_json::to_value(schema).expect("a schema is JSON");
    // A known class's figures have defaults (`super::defaults`), which
    // serde does not see: they are filled in before it reads the file.
    if let Some(class) = v.pointer_mut("/definitions/GpuClassSpec") {
        let defaulted = ["vram_gb", "cost_per_hour", "cloud_price_per_hour"];
        if let Some(Value::Array(req)) = class.get_mut("required") {
            req.retain(|k| !k.as_str().is_some_and(|k| defaulted.contains(&k)));
        }
        for k in defaulted {
            if let Some(Value::String(d)) =
                class.pointer_mut(&format!("/properties/{k}/description"))
            {
                d.push_str(&format!(
                    " Default for the classes depinsim knows by name ({}); required for any other.",
                    super::defaults::known_names()
                ));
            }
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.insert("title".into(), "depinsim scenario file".into());
        o.insert(
            "description".into(),
            "A depinsim scenario (TOML). Durations are strings with a unit (\"90s\", \"2.5h\", \"30d\"); rates are per hour; money is USD. See docs/model.md for every key's meaning and source.".into(),
        );
    }
    v
}

/// The schema, built once per process (sweeps check every point).
fn cached() -> &'static Value {
    static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(scenario_schema)
}

/// Every problem of shape in `root` (a scenario file as parsed, after
/// overrides and defaults): unknown keys, missing keys, values of the wrong
/// kind, names outside a list. Empty when serde will read the file.
pub fn check_shape(root: &toml::Table) -> Vec<crate::error::Problem> {
    let value = to_json(&toml::Value::Table(root.clone()));
    let schema = cached();
    let mut w = Walker {
        root: schema,
        problems: Vec::new(),
    };
    w.check(&value, schema, "");
    w.problems
}

/// A TOML value as JSON for the shape check. JSON has no infinity or NaN:
/// they become the largest finite number, so they pass as numbers here and
/// the range checks name them ("must be a finite number").
fn to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) if f.is_finite() => Value::from(*f),
        toml::Value::Float(f) if f.is_sign_negative() => Value::from(f64::MIN),
        toml::Value::Float(_) => Value::from(f64::MAX),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => {
            serde_json::json!({ "$__toml_private_datetime": d.to_string() })
        }
        toml::Value::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

struct Walker<'a> {
    root: &'a Value,
    problems: Vec<crate::error::Problem>,
}

/// `path` joined with an object key.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// What a value is, in the file's terms.
fn shown(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the text {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(o) if o.contains_key("$__toml_private_datetime") => "a date".into(),
        Value::Object(_) => "a table".into(),
    }
}

/// A value as written in the file (`"ionett"`, `3`).
fn shown_bare(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        other => shown(other),
    }
}

/// The first sentence of a doc comment, on one line.
fn first_sentence(doc: &str) -> String {
    let one: String = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.find(". ") {
        Some(i) => one[..i].to_string(),
        None => one.trim_end_matches('.').to_string(),
    }
}

impl<'a> Walker<'a> {
    fn fail(&mut self, key: &str, msg: String) {
        self.problems.push(crate::error::Problem {
            key: key.to_string(),
            msg,
        });
    }

    /// `s` with `$ref`s (and one-element `allOf`s) followed; the name of
    /// the last definition passed through.
    fn resolve(&self, mut s: &'a Value) -> (&'a Value, Option<&'a str>) {
        let mut name = None;
        for _ in 0..32 {
            if let Some(r) = s.get("$ref").and_then(Value::as_str) {
                let n = r.rsplit('/').next().unwrap_or(r);
                name = Some(n);
                match self.root["definitions"].get(n) {
                    Some(d) => s = d,
                    None => break,
                }
            } else if let Some([one]) = s.get("allOf").and_then(Value::as_array).map(Vec::as_slice)
                && s.get("properties").is_none()
            {
                s = one;
            } else {
                break;
            }
        }
        (s, name)
    }

    /// What `s` accepts, in words, for "expected ..." messages.
    fn describe(&self, s: &'a Value) -> String {
        let (s, name) = self.resolve(s);
        match name {
            Some("Duration") => {
                return "a duration with a unit, e.g. \"90s\", \"2.5h\" or \"30d\"".into();
            }
            Some("DurationDistribution") => {
                return "a distribution table like { dist = \"exp\", mean = \"1h\" }, or a duration like \"1h\" (read as dist = \"fixed\")".into();
            }
            Some("NumberDistribution") => {
                return "a distribution table like { dist = \"uniform\", low = 1.0, high = 2.0 }, or a number (read as dist = \"fixed\")".into();
            }
            Some("PriceSpec") => {
                return "a number, or a distribution table like { dist = \"uniform\", low = 2.0, high = 4.0 }".into();
            }
            _ => {}
        }
        if let Some(values) = self.consts(s) {
            let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
            return format!("one of {}", quoted.join(", "));
        }
        if let Some(alts) = alternatives(s) {
            let real: Vec<String> = alts
                .iter()
                .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .map(|a| self.describe(a))
                .collect();
            if let Some((tag, names)) = self.tagged(alts) {
                let quoted: Vec<String> = names.iter().map(|v| format!("{v:?}")).collect();
                return format!("a table with {tag} = {}", quoted.join(" or "));
            }
            return real.join(", or ");
        }
        let ty = match s.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or(""),
            _ => "",
        };
        match ty {
            "integer" => "a whole number".into(),
            "number" => "a number".into(),
            "string" => "a text string".into(),
            "boolean" => "true or false".into(),
            "array" => match s.get("items") {
                Some(items) => format!("a list of {}", plural(&self.describe(items))),
                None => "a list".into(),
            },
            "object" => "a table".into(),
            _ => "a value".into(),
        }
    }

    /// The names of a schema that is a choice of constants (an enum).
    fn consts(&self, s: &'a Value) -> Option<Vec<String>> {
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            return Some(
                e.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            );
        }
        let alts = alternatives(s)?;
        let mut names = Vec::new();
        for a in alts {
            let (a, _) = self.resolve(a);
            if let Some(c) = a.get("const").and_then(Value::as_str) {
                names.push(c.to_string());
            } else if let Some(e) = a.get("enum").and_then(Value::as_array) {
                names.extend(e.iter().filter_map(|v| v.as_str().map(str::to_string)));
            } else {
                return None;
            }
        }
        Some(names)
    }

    /// An internally tagged choice of tables: the tag key and the names.
    fn tagged(&self, alts: &'a [Value]) -> Option<(String, Vec<String>)> {
        let mut tag: Option<String> = None;
        let mut names = Vec::new();
        for a in alts {
            let (a, _) = self.resolve(a);
            let props = a.get("properties")?.as_object()?;
            let (k, c) = props.iter().find_map(|(k, p)| {
                let p = self.resolve(p).0;
                p.get("const")
                    .and_then(Value::as_str)
                    .map(|c| (k, c))
                    .or_else(
                        || match p.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
                            Some([Value::String(c)]) => Some((k, c.as_str())),
                            _ => None,
                        },
                    )
            })?;
            if tag.as_ref().is_some_and(|t| t != k) {
                return None;
            }
            tag = Some(k.clone());
            names.push(c.to_string());
        }
        tag.map(|t| (t, names))
    }

    /// Whether `v`'s kind (table, list, number, ...) is one `s` may take.
    fn kind_fits(&self, v: &Value, s: &'a Value) -> bool {
        let (s, name) = self.resolve(s);
        if name == Some("Duration") {
            return v.is_string();
        }
        if let Some(alts) = alternatives(s) {
            return alts.iter().any(|a| self.kind_fits(v, a));
        }
        if let Some(c) = s.get("const") {
            return std::mem::discriminant(c) == std::mem::discriminant(v);
        }
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return true,
        };
        types.iter().any(|t| type_fits(v, t))
    }

    fn check(&mut self, v: &Value, s: &'a Value, path: &str) {
        let (s, name) = self.resolve(s);
        if name == Some("Duration") {
            match v.as_str() {
                Some(text) => {
                    if let Err(e) = super::duration::parse_duration(text) {
                        self.fail(path, e);
                    }
                }
                None => self.fail(
                    path,
                    match v.as_f64() {
                        Some(n) => format!(
                            "expected a duration with a unit, got the number {n}, which has no unit; write it as a string, e.g. \"{n}h\""
                        ),
                        None => format!("expected {}, got {}", self.describe(s), shown(v)),
                    },
                ),
            }
            return;
        }
        for part in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.check(v, part, path);
        }
        if let Some(alts) = alternatives(s) {
            self.choice(v, s, alts, path);
            return;
        }
        if let Some(c) = s.get("const") {
            if c != v {
                self.fail(path, format!("expected {c}, got {}", shown(v)));
            }
            return;
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            if !values.contains(v) {
                self.unknown_name(v, values, path);
            }
            return;
        }
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| type_fits(v, t)) {
            self.fail(
                path,
                format!("expected {}, got {}", self.describe(s), shown(v)),
            );
            return;
        }
        match v {
            Value::Object(o) => self.object(o, s, path),
            Value::Array(items) => {
                if let Some(item) = s.get("items") {
                    for (i, x) in items.iter().enumerate() {
                        self.check(x, item, &format!("{path}[{i}]"));
                    }
                }
            }
            Value::Number(n) => {
                let min = s.get("minimum").and_then(Value::as_f64);
                let x = n.as_f64().unwrap_or(f64::NAN);
                let max = match s.get("format").and_then(Value::as_str) {
                    Some("uint32") => Some(u32::MAX as f64),
                    Some("uint64") => Some(i64::MAX as f64),
                    _ => s.get("maximum").and_then(Value::as_f64),
                };
                if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
                    let range = match (min, max) {
                        (Some(0.0), Some(m)) if x < 0.0 => {
                            format!("a whole number >= 0 (at most {m})")
                        }
                        (Some(0.0), Some(m)) => format!("a whole number of at most {m}"),
                        (Some(a), Some(b)) => format!("a number from {a} to {b}"),
                        (Some(a), None) => format!("a number >= {a}"),
                        (None, Some(b)) => format!("a number <= {b}"),
                        (None, None) => unreachable!("one bound is set"),
                    };
                    self.fail(path, format!("expected {range}, got {n}"));
                }
            }
            _ => {}
        }
    }

    fn unknown_name(&mut self, v: &Value, values: &[Value], path: &str) {
        let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        let hint = v
            .as_str()
            .and_then(|t| closest(t, names.iter().copied()))
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        self.fail(
            path,
            format!(
                "unknown value {}{hint}; expected one of {}",
                shown_bare(v),
                quoted.join(", ")
            ),
        );
    }

    fn object(&mut self, o: &serde_json::Map<String, Value>, s: &'a Value, path: &str) {
        let props = s.get("properties").and_then(Value::as_object);
        let extra = s.get("additionalProperties");
        for (k, x) in o {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => self.check(x, ps, &join(path, k)),
                None => match extra {
                    Some(Value::Bool(false)) => {
                        let known: Vec<&str> = props
                            .into_iter()
                            .flatten()
                            .map(|(k, _)| k.as_str())
                            .collect();
                        let hint = closest(k, known.iter().copied())
                            .map(|c| format!(" (did you mean `{c}`?)"))
                            .unwrap_or_default();
                        let list = if known.is_empty() {
                            String::new()
                        } else {
                            format!("; the keys here are {}", known.join(", "))
                        };
                        self.fail(&join(path, k), format!("unknown key{hint}{list}"));
                    }
                    Some(extra) if extra.is_object() => self.check(x, extra, &join(path, k)),
                    _ => {}
                },
            }
        }
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(k) = r.as_str() else { continue };
            if o.contains_key(k) {
                continue;
            }
            let ps = props.and_then(|p| p.get(k));
            let what = ps
                .map(|p| self.describe(p))
                .unwrap_or_else(|| "a value".into());
            let doc = ps
                .and_then(|p| p.get("description").and_then(Value::as_str))
                .map(|d| format!(" ({})", first_sentence(d).replace('`', "")))
                .unwrap_or_default();
            self.fail(&join(path, k), format!("missing: expected {what}{doc}"));
        }
    }

    /// A value checked against a choice (`anyOf` / `oneOf`): fine if one
    /// alternative takes it; else the problems of the alternative it was
    /// meant for (by its kind, or its tag), or what the choice accepts.
    fn choice(&mut self, v: &Value, s: &'a Value, alts: &'a [Value], path: &str) {
        let fitting: Vec<&'a Value> = alts.iter().filter(|a| self.kind_fits(v, a)).collect();
        if fitting.is_empty() && v.is_number() && self.describe(s).contains("a duration like") {
            self.fail(
                path,
                format!(
                    "expected a duration with a unit or a distribution, got {}; a bare duration is written as a string, e.g. \"{v}h\" (read as dist = \"fixed\")",
                    shown(v)
                ),
            );
            return;
        }
        if fitting.is_empty() {
            self.fail(
                path,
                format!("expected {}, got {}", self.describe(s), shown(v)),
            );
            return;
        }
        if let Some(values) = self.consts(s) {
            let values: Vec<Value> = values.into_iter().map(Value::String).collect();
            if !values.contains(v) {
                self.unknown_name(v, &values, path);
            }
            return;
        }
        let mut best: Option<Vec<crate::error::Problem>> = None;
        for a in &fitting {
            let mut sub = Walker {
                root: self.root,
                problems: Vec::new(),
            };
            sub.check(v, a, path);
            if sub.problems.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| sub.problems.len() < b.len()) {
                best = Some(sub.problems);
            }
        }
        // A tagged table: the tag names the alternative meant.
        if let (Value::Object(o), Some((tag, names))) = (v, self.tagged(alts)) {
            let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
            match o.get(&tag) {
                None => {
                    self.fail(
                        &join(path, &tag),
                        format!("missing: expected one of {}", quoted.join(", ")),
                    );
                    return;
                }
                Some(t) => {
                    let Some(i) = t.as_str().and_then(|t| names.iter().position(|n| n == t)) else {
                        let values: Vec<Value> =
                            names.iter().map(|n| Value::String(n.clone())).collect();
                        self.unknown_name(t, &values, &join(path, &tag));
                        return;
                    };
                    self.check(v, &alts[i], path);
                    return;
                }
            }
        }
        if let Some((inner, a)) = fitting
            .iter()
            .find_map(|a| alternatives(self.resolve(a).0).map(|inner| (inner, *a)))
            .filter(|_| fitting.len() == 1)
        {
            let (a, _) = self.resolve(a);
            self.choice(v, a, inner, path);
            return;
        }
        self.problems.extend(best.unwrap_or_default());
    }
}

/// The alternatives of an `anyOf` / `oneOf`.
fn alternatives(s: &Value) -> Option<&[Value]> {
    s.get("anyOf")
        .or_else(|| s.get("oneOf"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
}

fn type_fits(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

/// "a number" → "numbers", for "a list of numbers".
fn plural(what: &str) -> String {
    let w = what.strip_prefix("a ").unwrap_or(what);
    match w.split_once(' ') {
        Some((noun, rest)) if !noun.ends_with('s') => format!("{noun}s {rest}"),
        None if !w.ends_with('s') => format!("{w}s"),
        _ => w.to_string(),
    }
}

use crate::error::closest;
