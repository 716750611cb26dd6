//! Defaults that depend on what else a scenario says, filled into the file
//! as parsed (a TOML table, after `--set` overrides) before it is checked:
//! a known GPU class's figures, each design's prices for the known classes,
//! Akash's provider populations and Render's tiers. So a scenario names only
//! what it changes, and the manifest records every value a run used.
//!
//! Every figure here is from `../shared/REFERENCE.md` or the baseline's
//! estimates; `docs/model.md` ("Defaults") gives each one's source.

use crate::error::{Problem, closest};
use toml::{Table, Value};

/// A GPU class depinsim knows by name: its VRAM, provider cost and cloud
/// price per GPU-hour (USD), and CPU threads and memory per unit.
#[derive(Debug, Clone, Copy)]
pub struct KnownClass {
    pub name: &'static str,
    pub vram_gb: f64,
    /// Provider cost per GPU-hour, USD (est.: amortisation over 3 years
    /// and power at $0.12/kWh).
    pub cost_per_hour: f64,
    /// On-demand cloud price per GPU-hour, USD.
    pub cloud_price_per_hour: f64,
    pub cpu_threads: f64,
    pub memory_gb: f64,
    /// io.net's price per GPU-hour, USD (`None`: no published price).
    pub ionet_price: Option<f64>,
    /// Render's price per GPU-hour at price factor 1, USD.
    pub render_price: Option<f64>,
    /// Akash's market price per GPU-hour, USD (the bid script's rate).
    pub akash_price: Option<f64>,
}

/// The classes known by name (case and punctuation ignored: `rtx-4090`
/// is `RTX4090`).
pub const KNOWN_CLASSES: [KnownClass; 4] = [
    KnownClass {
        name: "H100",
        vram_gb: 80.0,
        cost_per_hour: 1.10,        // est.: ~$28k over 3 years + 0.7 kW
        cloud_price_per_hour: 3.99, // Lambda H100 on demand
        cpu_threads: 0.0,
        memory_gb: 0.0,
        ionet_price: Some(2.49), // io.net 2026
        render_price: None,
        akash_price: Some(2.71), // Akash pricing page 2026
    },
    KnownClass {
        name: "A100",
        vram_gb: 80.0,
        cost_per_hour: 0.55,        // est., DESIGN.md's example
        cloud_price_per_hour: 2.79, // Lambda A100
        cpu_threads: 0.0,
        memory_gb: 0.0,
        ionet_price: Some(1.89),
        render_price: None,
        akash_price: Some(1.71),
    },
    KnownClass {
        name: "RTX4090",
        vram_gb: 24.0,
        cost_per_hour: 0.12,        // est.: ~$1.8k over 3 years + 0.45 kW
        cloud_price_per_hour: 0.69, // est.: specialty-cloud consumer GPU
        cpu_threads: 0.0,
        memory_gb: 0.0,
        ionet_price: Some(0.35), // Render's AI subnet RTX 4090 (no io.net figure)
        render_price: Some(0.35), // Render AI subnet
        akash_price: Some(0.39),
    },
    KnownClass {
        name: "CPU",
        vram_gb: 0.0,
        cost_per_hour: 0.03,        // est.: a 4-thread share of a server
        cloud_price_per_hour: 0.20, // est.: a 4 vCPU / 16 GB instance
        cpu_threads: 4.0,
        memory_gb: 16.0,
        ionet_price: None,
        render_price: None,
        akash_price: None,
    },
];

/// The known class `name` stands for, if any.
pub fn known_class(name: &str) -> Option<&'static KnownClass> {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let n = norm(name);
    KNOWN_CLASSES.iter().find(|k| norm(k.name) == n)
}

/// The names of the known classes, for messages.
pub fn known_names() -> String {
    let names: Vec<&str> = KNOWN_CLASSES.iter().map(|k| k.name).collect();
    names.join(", ")
}

/// The designs a scenario runs: `scenario.designs` and `world.networks`.
fn designs_used(root: &Table) -> Vec<String> {
    let mut used = Vec::new();
    let lists = [
        root.get("scenario").and_then(|s| s.get("designs")),
        root.get("world").and_then(|w| w.get("networks")),
    ];
    for list in lists.into_iter().flatten() {
        for d in list.as_array().into_iter().flatten() {
            if let Some(d) = d.as_str()
                && !used.iter().any(|u| u == d)
            {
                used.push(d.to_string());
            }
        }
    }
    used
}

/// The `name`s of the `[[gpu_class]]` tables.
fn class_names(root: &Table) -> Vec<String> {
    let classes = root.get("gpu_class").and_then(Value::as_array);
    (classes.into_iter().flatten())
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// Fills the defaults into `root`. Returns the problems of keys that have
/// no default here (a class depinsim does not know, without its figures).
pub fn fill(root: &mut Table) -> Vec<Problem> {
    let mut problems = Vec::new();
    fill_classes(root, &mut problems);
    let classes = class_names(root);
    let used = designs_used(root);
    for design in ["akash", "ionet", "render"] {
        if !used.iter().any(|u| u == design) {
            continue;
        }
        let Value::Table(section) = root
            .entry("design")
            .or_insert_with(|| Value::Table(Table::new()))
        else {
            return problems; // `design` is not a table: the shape check says so
        };
        let Value::Table(t) = section
            .entry(design)
            .or_insert_with(|| Value::Table(Table::new()))
        else {
            continue;
        };
        match design {
            "ionet" => fill_prices(t, &classes, |k| k.ionet_price),
            "render" => {
                fill_prices(t, &classes, |k| k.render_price);
                if !t.contains_key("tier") {
                    t.insert("tier".into(), default_render_tiers());
                }
            }
            _ => {
                if !t.contains_key("provider") {
                    t.insert("provider".into(), default_akash_providers(&classes));
                }
            }
        }
    }
    problems
}

/// A `[[gpu_class]]` of a known name gets the figures it leaves out; an
/// unknown one without them is a problem named here (serde would name
/// only the first).
fn fill_classes(root: &mut Table, problems: &mut Vec<Problem>) {
    let Some(Value::Array(classes)) = root.get_mut("gpu_class") else {
        return;
    };
    for (i, c) in classes.iter_mut().enumerate() {
        let Value::Table(t) = c else { continue };
        let Some(name) = t.get("name").and_then(Value::as_str).map(str::to_string) else {
            continue; // the shape check reports the missing name
        };
        let known = known_class(&name);
        let figures = [
            ("vram_gb", known.map(|k| k.vram_gb)),
            ("cost_per_hour", known.map(|k| k.cost_per_hour)),
            (
                "cloud_price_per_hour",
                known.map(|k| k.cloud_price_per_hour),
            ),
        ];
        for (key, default) in figures {
            if t.contains_key(key) {
                continue;
            }
            match default {
                Some(v) => {
                    t.insert(key.into(), Value::Float(v));
                }
                None => {
                    let hint = closest(&name, KNOWN_CLASSES.iter().map(|k| k.name))
                        .map(|c| format!(" (did you mean {c:?}?)"))
                        .unwrap_or_default();
                    problems.push(Problem {
                        key: format!("gpu_class[{i}].{key}"),
                        msg: format!(
                            "missing: class {name:?} is not one depinsim knows{hint}, so give its {}; classes with defaults are {}",
                            what(key),
                            known_names()
                        ),
                    });
                }
            }
        }
        if let Some(k) = known.filter(|k| k.vram_gb == 0.0) {
            for (key, v) in [("cpu_threads", k.cpu_threads), ("memory_gb", k.memory_gb)] {
                t.entry(key).or_insert(Value::Float(v));
            }
        }
    }
}

fn what(key: &str) -> &'static str {
    match key {
        "vram_gb" => "vram_gb (GB of memory per GPU; 0 for CPU-only capacity)",
        "cost_per_hour" => "cost_per_hour (the provider's cost per GPU-hour, USD)",
        _ => "cloud_price_per_hour (what a centralized cloud charges per GPU-hour, USD)",
    }
}

/// `price_per_gpu_hour`, when left out: the design's reference price of
/// each known class the scenario has. Classes without one are not offered
/// (the checker says so if a workload the design serves needs one).
fn fill_prices(t: &mut Table, classes: &[String], price: impl Fn(&KnownClass) -> Option<f64>) {
    if t.contains_key("price_per_gpu_hour") {
        return;
    }
    let mut prices = Table::new();
    for name in classes {
        if let Some(p) = known_class(name).and_then(&price) {
            prices.insert(name.clone(), Value::Float(p));
        }
    }
    t.insert("price_per_gpu_hour".into(), Value::Table(prices));
}

/// Akash's default providers (the baseline's): 60% cost-plus with a markup
/// uniform on [0.6, 2.6], 30% adaptive, 10% on the bid script at Akash's
/// published market prices (USD per GPU-month = price per hour × 730.5).
fn default_akash_providers(classes: &[String]) -> Value {
    let text = r#"
[[provider]]
share = 0.6
strategy = "cost_plus"
markup = { dist = "uniform", low = 0.6, high = 2.6 }

[[provider]]
share = 0.3
strategy = "adaptive"
markup = { dist = "uniform", low = 0.8, high = 2.0 }
markup_min = 0.2
markup_max = 3.0
step_up = 0.05
step_down = 0.05

[[provider]]
share = 0.1
strategy = "script"
"#;
    let mut t: Table = toml::from_str(text).expect("the default providers are valid TOML");
    let mut gpu = Table::new();
    gpu.insert("default".into(), Value::Float(100.0));
    for name in classes {
        if let Some(p) = known_class(name).and_then(|k| k.akash_price) {
            let per_month = (p * super::HOURS_PER_MONTH).round();
            gpu.insert(name.clone(), Value::Float(per_month));
        }
    }
    let providers = t.remove("provider").expect("defined above");
    let Value::Array(mut providers) = providers else {
        unreachable!("[[provider]] is an array of tables")
    };
    if let Some(Value::Table(script)) = providers.last_mut() {
        script.insert("gpu_usd_per_month".into(), Value::Table(gpu));
    }
    Value::Array(providers)
}

/// Render's default tiers: tier 2 (price factor 1, priority, nodes of
/// reputation 0.6 or more) for 60% of jobs and tier 3 (half the price: 200
/// OctaneBench-hours per credit against 100) for 40%.
fn default_render_tiers() -> Value {
    let text = r#"
[[tier]]
name = "tier2"
share = 0.6
price_factor = 1.0
priority = 0
min_reputation = 0.6

[[tier]]
name = "tier3"
share = 0.4
price_factor = 0.5
priority = 1
min_reputation = 0.0
"#;
    let mut t: Table = toml::from_str(text).expect("the default tiers are valid TOML");
    t.remove("tier").expect("defined above")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_match_without_case_or_punctuation() {
        assert_eq!(known_class("rtx-4090").map(|k| k.name), Some("RTX4090"));
        assert_eq!(known_class("h100").map(|k| k.name), Some("H100"));
        assert!(known_class("B200").is_none());
    }

    #[test]
    fn script_prices_are_the_market_prices_per_month() {
        let v = default_akash_providers(&["H100".into(), "CPU".into()]);
        let script = &v.as_array().unwrap()[2];
        let gpu = script["gpu_usd_per_month"].as_table().unwrap();
        // 2.71 $/h × 730.5 h = 1979.6 → 1980, as baseline.toml writes it.
        assert_eq!(gpu["H100"].as_float(), Some(1980.0));
        assert!(!gpu.contains_key("CPU"));
    }
}
