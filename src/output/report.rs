//! `report.html`: one self-contained page (inline CSS and SVG, no network)
//! for one or more results directories: the scenario in words, a table per
//! design, tables per workload (from `workloads.csv`), the seed article's
//! claims with verdicts, the charts, and how to reproduce it. Several
//! directories are compared side by side.
//!
//! The page is also well-formed XML (every element closed, only the five
//! XML entities), so tests can check it with an XML parser.

use super::report_claims::{Basis, ClaimResult, Inputs, Verdict, claims, decide_claim};
use crate::cmd::table::DEFAULT_METRICS;
use crate::error::{Error, Result};
use crate::plot::chart::{css, design_color, fmt_num};
use crate::plot::data::{Aggregate, ByWorkload, LOST_SHARE, Table};
use crate::plot::{Plot, PlotSet, WORKLOAD_PRICE_CHART, metric_label, plot_dir, world};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The metrics of the per-design table: the `table` command's defaults,
/// then availability, provider margin and the token columns.
pub fn report_metrics() -> Vec<&'static str> {
    let mut m: Vec<&str> = DEFAULT_METRICS.to_vec();
    m.extend([
        "availability",
        "provider_margin",
        "token_price_final_usd",
        "token_volatility",
        "token_max_drawdown",
    ]);
    m
}

/// The metrics of the per-workload tables (columns of `workloads.csv`, and
/// the derived share of jobs lost to the cloud).
pub const WORKLOAD_TABLE_METRICS: [&str; 4] = [
    "usd_per_gpu_hour",
    "interruptions_per_1k_gpu_h",
    "mean_wait_h",
    LOST_SHARE,
];

pub use super::esc;

/// Everything the report shows of one directory.
struct DirData {
    /// Where its files are read from.
    dir: PathBuf,
    /// How the page names it (the final directory while a run builds its
    /// result in a temporary one).
    shown: PathBuf,
    manifest: Value,
    agg: Aggregate,
    plots: PlotSet,
    /// `workloads.csv`, when the directory has it.
    workloads: Option<Table>,
    /// Workload name → kind, from the manifest.
    kinds: BTreeMap<String, String>,
    /// Claims per point, in point order.
    claims: Vec<(u64, Vec<ClaimResult>)>,
}

fn load(dir: &Path, shown: &Path) -> Result<DirData> {
    let mpath = dir.join("manifest.json");
    let manifest: Value = match std::fs::read(&mpath) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| {
            Error::input(
                mpath.display().to_string(),
                "",
                format!("not valid JSON: {e}"),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Value::Null,
        Err(e) => {
            return Err(Error::Other(format!(
                "cannot read {}: {e}",
                mpath.display()
            )));
        }
    };
    let agg = Aggregate::read(dir)?;
    let summary = Table::read_opt(dir, "summary.csv")?.unwrap_or_default();
    let workloads = Table::read_opt(dir, "workloads.csv")?;
    let plots = plot_dir(dir)?;
    let serves_ai = |d: &str| serves_ai(&manifest, d);
    let kinds = workload_kinds(&manifest);
    let inputs = Inputs {
        summary: &summary,
        workloads: workloads.as_ref(),
        kinds: &kinds,
        serves_ai: &serves_ai,
    };
    // The claim against the cloud is left out of directories that never
    // ran the cloud (runs from before it existed, or without it), not
    // shown as inconclusive; the seed's four claims are always shown.
    let ran = |d: &str| {
        summary
            .col("design")
            .is_some_and(|c| summary.rows.iter().any(|r| &r[c] == d))
    };
    let claims = agg
        .points
        .iter()
        .map(|&p| {
            (
                p,
                claims()
                    .iter()
                    .filter(|c| c.design != super::report_claims::CLOUD || ran(c.design))
                    .map(|c| decide_claim(c, &inputs, p))
                    .collect(),
            )
        })
        .collect();
    Ok(DirData {
        dir: dir.to_path_buf(),
        shown: shown.to_path_buf(),
        manifest,
        agg,
        plots,
        workloads,
        kinds,
        claims,
    })
}

/// Whether `design` serves training or inference jobs, from the resolved
/// scenario in the manifest (`design.<d>.serves`). Render serves render
/// jobs only (the model fixes it); other designs serve AI by default.
pub fn serves_ai(manifest: &Value, design: &str) -> bool {
    match manifest["scenario"]["design"][design]["serves"].as_array() {
        Some(kinds) => kinds.iter().any(|k| k == "training" || k == "inference"),
        None => design != "render",
    }
}

/// Workload name → kind (`training`, `inference`, `render`, `web`), from
/// the resolved scenario in the manifest (`workload[i].name`, `.kind`).
pub fn workload_kinds(manifest: &Value) -> BTreeMap<String, String> {
    manifest["scenario"]["workload"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| {
            Some((
                w["name"].as_str()?.to_string(),
                w["kind"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// A JSON value in a few words, as a reader writes it: strings bare,
/// distributions as "lognormal, mean 4h, cv 1", tables as "H100 2.49, A100
/// 1.89", lists comma-separated; never TOML's braces.
fn words(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Array(a) if a.iter().all(Value::is_object) => {
            a.iter().map(words).collect::<Vec<_>>().join("; ")
        }
        Value::Array(a) => a.iter().map(words).collect::<Vec<_>>().join(", "),
        Value::Object(o) => {
            if let Some(d) = o.get("dist").and_then(Value::as_str) {
                return dist_words(d, o);
            }
            // A tagged table (growth law, arrival process, schedule): its
            // kind, then its keys.
            let tag = ["law", "process", "schedule", "strategy"]
                .into_iter()
                .find_map(|k| o.get(k).and_then(Value::as_str).map(|t| (k, t)));
            let kv: Vec<String> = o
                .iter()
                .filter(|(k, v)| !v.is_null() && tag.is_none_or(|(t, _)| t != k.as_str()))
                .map(|(k, v)| format!("{} {}", k.replace('_', " "), words(v)))
                .collect();
            match tag {
                Some((_, t)) if kv.is_empty() => t.replace('_', " "),
                Some((_, t)) => format!("{}: {}", t.replace('_', " "), kv.join(", ")),
                None => kv.join(", "),
            }
        }
    }
}

/// A distribution in words: "exponential, mean 72h", "uniform 1.8–4".
fn dist_words(d: &str, o: &serde_json::Map<String, Value>) -> String {
    let w = |k: &str| o.get(k).map_or("?".to_string(), words);
    match d {
        "exp" => format!("exponential, mean {}", w("mean")),
        "lognormal" => format!("lognormal, mean {}, cv {}", w("mean"), w("cv")),
        "weibull" => format!("Weibull, shape {}, mean {}", w("shape"), w("mean")),
        "fixed" => w("value"),
        "uniform" => format!("uniform {}–{}", w("low"), w("high")),
        other => other.to_string(),
    }
}

/// The classes of the manifest's scenario that are CPU-only capacity
/// (`vram_gb = 0`): their units are not GPUs.
fn cpu_classes(sc: &Value) -> Vec<String> {
    (sc["gpu_class"].as_array().into_iter().flatten())
        .filter(|c| c["vram_gb"].as_f64() == Some(0.0))
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect()
}

/// The fleet at the start in words, GPUs and CPU units counted apart:
/// "1,152 GPUs (256 H100, 256 A100, 640 RTX4090) and 256 CPU units".
pub fn fleet_words(sc: &Value) -> String {
    let Some(init) = sc["supply"]["initial"].as_object() else {
        return "an unknown fleet".into();
    };
    let cpu = cpu_classes(sc);
    let count = |f: &dyn Fn(&str) -> bool| -> (f64, Vec<String>) {
        let parts: Vec<(f64, String)> = (init.iter())
            .filter(|(k, _)| f(k))
            .filter_map(|(k, v)| Some((v.as_f64()?, format!("{} {k}", fmt_thousands(v.as_f64()?)))))
            .filter(|(n, _)| *n > 0.0)
            .collect();
        (
            parts.iter().map(|p| p.0).sum(),
            parts.into_iter().map(|p| p.1).collect(),
        )
    };
    let (gpus, gparts) = count(&|k| !cpu.iter().any(|c| c == k));
    let (cpus, _) = count(&|k| cpu.iter().any(|c| c == k));
    let mut out = format!("{} GPUs", fmt_thousands(gpus));
    if gparts.len() > 1 {
        let _ = write!(out, " ({})", gparts.join(", "));
    } else if let Some(one) = gparts.first() {
        out = format!("{one} GPUs");
    }
    if cpus > 0.0 {
        let _ = write!(out, " and {} CPU units", fmt_thousands(cpus));
    }
    out
}

/// A whole number with thousands separators (1,152).
fn fmt_thousands(x: f64) -> String {
    if x.fract() != 0.0 || !x.is_finite() {
        return fmt_num(x);
    }
    let digits = format!("{}", x.abs() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// The scenario in a paragraph, from the manifest's resolved scenario.
fn scenario_words(m: &Value) -> String {
    let sc = &m["scenario"];
    if sc.is_null() {
        return "This directory has no manifest.json: the scenario is unknown.".into();
    }
    let s = &sc["scenario"];
    let mut out = format!(
        "Simulates {} of a GPU compute market (the first {} are warmup, left out of every metric)",
        words(&s["horizon"]),
        words(&s["warmup"]),
    );
    if sc["supply"]["initial"].is_object() {
        let _ = write!(
            out,
            ", starting with {} in nodes of {}, supply {}",
            fleet_words(sc),
            words(&sc["supply"]["gpus_per_node"]),
            if sc["supply"]["dynamic"] == true {
                "dynamic (providers enter and exit on margin)"
            } else {
                "fixed"
            }
        );
    }
    out.push_str(". ");
    if let Some(ws) = sc["workload"].as_array() {
        let parts: Vec<String> = ws
            .iter()
            .map(|w| {
                format!(
                    "{} ({} jobs, {} arrivals at {} per hour, {} {} each, users pay at most {} per {}-hour)",
                    words(&w["name"]),
                    words(&w["kind"]),
                    words(&w["arrivals"]["process"]),
                    words(&w["arrivals"]["rate_per_hour"]),
                    words(&w["gpus"]),
                    if w["kind"] == "web" { "unit(s)" } else { "GPU(s)" },
                    words(&w["max_price_per_gpu_hour"]),
                    if w["kind"] == "web" { "unit" } else { "GPU" },
                )
            })
            .collect();
        let _ = write!(
            out,
            "Demand: {} workload(s): {}. ",
            parts.len(),
            parts.join("; ")
        );
    }
    if sc["churn"]["enabled"] == true {
        let _ = write!(
            out,
            "Nodes fail and recover: uptime {}, downtime {}. ",
            words(&sc["churn"]["uptime"]),
            words(&sc["churn"]["downtime"])
        );
    } else {
        out.push_str("Nodes never fail (churn off). ");
    }
    let _ = write!(
        out,
        "Designs compared on the same jobs and outages: {}. {} replication(s), master seed {}.",
        words(&m["designs"]),
        words(&m["replications"]),
        words(&m["master_seed"]),
    );
    out
}

/// The seed article, as the page names it.
pub const SEED_ARTICLE: &str = "The seed article (depin-compute-comparison, in shared/seed/: a comparison of Render, io.net and Akash as decentralized compute networks) says that Akash is the cheapest network, that Akash is the least stable, that Render gives the highest quality and that io.net has the best cost-performance for AI; it opens with the claim that decentralized compute is cheaper than the centralized cloud.";

/// The metrics of the summary's headline table, one column each.
const HEADLINE_METRICS: [&str; 6] = [
    "usd_per_gpu_hour",
    "mean_wait_h",
    "p95_wait_h",
    "interruptions_per_1k_gpu_h",
    "jobs_lost_to_cloud",
    "utilization",
];

/// The mean of a distribution as written in the manifest, in its base
/// unit (ms for durations), when it has one.
fn dist_mean(v: &Value) -> Option<f64> {
    let val = |x: &Value| -> Option<f64> {
        match x {
            Value::String(s) => crate::scenario::parse_duration(s).ok().map(|ms| ms as f64),
            other => other.as_f64(),
        }
    };
    match v["dist"].as_str()? {
        "fixed" => val(&v["value"]),
        "uniform" => Some((val(&v["low"])? + val(&v["high"])?) / 2.0),
        _ => val(&v["mean"]),
    }
}

/// What the scenario assumed, in a few sentences (for the summary).
fn assumptions(m: &Value) -> String {
    let sc = &m["scenario"];
    if sc.is_null() {
        return "The directory has no manifest.json: what the scenario assumed is unknown.".into();
    }
    let s = &sc["scenario"];
    let mut out = format!(
        "{} simulated ({} of warmup left out) on {}, in nodes of {}, with {} supply. ",
        words(&s["horizon"]),
        words(&s["warmup"]),
        fleet_words(sc),
        words(&sc["supply"]["gpus_per_node"]),
        if sc["supply"]["dynamic"] == true {
            "profit-driven"
        } else {
            "a fixed"
        }
    );
    if let Some(ws) = sc["workload"].as_array() {
        let rate: f64 = ws
            .iter()
            .filter_map(|w| w["arrivals"]["rate_per_hour"].as_f64())
            .sum();
        let names: Vec<String> = ws
            .iter()
            .map(|w| format!("{} ({})", words(&w["name"]), words(&w["kind"])))
            .collect();
        let _ = write!(
            out,
            "Demand: {} workload{} ({}), {} jobs per hour in all at the start. ",
            ws.len(),
            if ws.len() == 1 { "" } else { "s" },
            names.join(", "),
            fmt_num(rate)
        );
    }
    if sc["churn"]["enabled"] == true {
        match (
            dist_mean(&sc["churn"]["uptime"]),
            dist_mean(&sc["churn"]["downtime"]),
        ) {
            (Some(u), Some(dn)) if u + dn > 0.0 => {
                let _ = write!(
                    out,
                    "Nodes fail and recover, up {:.1}% of the time. ",
                    100.0 * u / (u + dn)
                );
            }
            _ => out.push_str("Nodes fail and recover. "),
        }
    } else {
        out.push_str("Nodes never fail. ");
    }
    if let Some(share) = sc["faults"]["share"].as_f64().filter(|x| *x > 0.0) {
        let _ = write!(out, "{:.0}% of nodes are faulty. ", share * 100.0);
    }
    let _ = write!(
        out,
        "Token economies {}. {} replication{} on common random numbers (every design sees the same jobs and outages), master seed {}.",
        if sc["token"]["enabled"] == true {
            "on"
        } else {
            "off"
        },
        words(&m["replications"]),
        if m["replications"].as_u64() == Some(1) {
            ""
        } else {
            "s"
        },
        words(&m["master_seed"])
    );
    out
}

/// The executive summary of one directory: verdicts, headline numbers
/// per network and what the scenario assumed.
fn summary(o: &mut String, d: &DirData, name: Option<&str>) {
    o.push_str("<div class=\"summary\">");
    if let Some(n) = name {
        let _ = write!(o, "<h3>{}</h3>", esc(n));
    }
    let first = d.agg.points.first().copied().unwrap_or(0);
    if d.agg.points.len() > 1 {
        let _ = write!(
            o,
            "<p class=\"note\">A sweep of {} points; the summary is of {}.</p>",
            d.agg.points.len(),
            esc(&point_words(&d.agg, first))
        );
    }
    if let Some((_, results)) = d.claims.first() {
        o.push_str("<p><strong>Verdicts</strong> (at 95%, on paired differences across replicates):</p><ul class=\"verdicts\">");
        for r in results {
            let _ = write!(
                o,
                "<li data-summary-claim=\"{}\">{} <strong>{}</strong> — {}</li>",
                esc(r.claim.text),
                verdict_badge(r.verdict),
                esc(r.claim.text),
                esc(&r.reason)
            );
        }
        o.push_str("</ul>");
    }
    headline_table(o, d, first);
    let _ = write!(
        o,
        "<p><strong>What the scenario assumed.</strong> {}</p></div>",
        esc(&assumptions(&d.manifest))
    );
}

/// Headline numbers per network (rows) at `point`: price, waits in the
/// unit that reads, interruptions, jobs lost to the cloud, utilization.
fn headline_table(o: &mut String, d: &DirData, point: u64) {
    let metrics: Vec<&str> = HEADLINE_METRICS
        .iter()
        .copied()
        .filter(|m| d.agg.metrics.iter().any(|x| x == m))
        .collect();
    if metrics.is_empty() || d.agg.designs.is_empty() {
        return;
    }
    let n = (d.agg.designs.iter())
        .filter_map(|des| d.agg.get(point, des, "jobs_submitted"))
        .map(|s| s.n)
        .max()
        .unwrap_or(0);
    let ci = if n > 1 {
        format!("mean ± 95% CI over {n} replicates")
    } else {
        "one replicate: values without CIs".into()
    };
    let _ = write!(
        o,
        "<table class=\"headline\"><caption>Headline numbers per network ({ci})</caption><thead><tr><th>network</th>"
    );
    let scales: Vec<f64> = metrics
        .iter()
        .map(|m| {
            if !is_wait(m) {
                return 1.0;
            }
            let max = (d.agg.designs.iter())
                .filter_map(|des| d.agg.get(point, des, m).and_then(|s| s.mean))
                .fold(0.0, f64::max);
            wait_unit(max).1
        })
        .collect();
    for (m, &scale) in metrics.iter().zip(&scales) {
        let label = if is_wait(m) {
            let unit = ["s", "min", "h"][[3600.0, 60.0, 1.0]
                .iter()
                .position(|&x| x == scale)
                .unwrap_or(2)];
            metric_label(m).replace("(h)", &format!("({unit})"))
        } else {
            metric_label(m)
        };
        let _ = write!(o, "<th title=\"{}\">{}</th>", esc(m), esc(&label));
    }
    o.push_str("</tr></thead><tbody>");
    let mut clipped_any = false;
    for (k, des) in d.agg.designs.iter().enumerate() {
        let _ = write!(o, "<tr><th>{}</th>", design_head(des, k));
        for (m, &scale) in metrics.iter().zip(&scales) {
            let (text, clipped) = match d.agg.get(point, des, m) {
                Some(s) => shown_cell(m, s.mean, s.lo, s.hi, scale),
                None => ("—".into(), false),
            };
            clipped_any |= clipped;
            let _ = write!(o, "<td class=\"num\">{}</td>", esc(&text));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
    if clipped_any {
        let _ = write!(o, "<p class=\"note\">{}</p>", esc(CLIP_NOTE));
    }
}

/// A table of `(label, value)` rows with a caption; rows without a value
/// are left out.
fn kv_table(o: &mut String, class: &str, caption: &str, rows: &[(String, String)]) {
    let rows: Vec<&(String, String)> = rows
        .iter()
        .filter(|(_, v)| !v.is_empty() && v != "—")
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<table class=\"params {class}\"><caption>{}</caption><tbody>",
        esc(caption)
    );
    for (k, v) in rows {
        let _ = write!(o, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    }
    o.push_str("</tbody></table>");
}

/// A table with a header row and rows of cells.
fn grid_table(o: &mut String, class: &str, caption: &str, head: &[&str], rows: &[Vec<String>]) {
    let _ = write!(
        o,
        "<table class=\"params {class}\"><caption>{}</caption><thead><tr>",
        esc(caption)
    );
    for h in head {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr></thead><tbody>");
    for r in rows {
        o.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let tag = if i == 0 { "th" } else { "td" };
            let _ = write!(o, "<{tag}>{}</{tag}>", esc(c));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
}

/// How a workload's jobs arrive, in words.
fn arrivals_words(a: &Value) -> String {
    match a["process"].as_str() {
        Some("poisson") => {
            let mut s = format!("Poisson, {} per hour", words(&a["rate_per_hour"]));
            if let Some(amp) = a["diurnal_amplitude"].as_f64().filter(|x| *x > 0.0) {
                let _ = write!(
                    s,
                    ", daily cycle ±{:.0}% peaking at {}h",
                    amp * 100.0,
                    words(&a["diurnal_peak_hour"])
                );
            }
            if !a["growth"].is_null() {
                let _ = write!(s, ", growth {}", words(&a["growth"]));
            }
            if !a["batch"].is_null() {
                let _ = write!(s, ", in batches of {}", words(&a["batch"]));
            }
            s
        }
        Some("mmpp") => format!(
            "Markov-modulated Poisson, {} states",
            a["states"].as_array().map_or(0, Vec::len)
        ),
        Some("trace") => format!("replayed from {}", words(&a["file"])),
        _ => words(a),
    }
}

/// The scenario as tables: classes, workloads, each design's parameters,
/// and the rest of the world.
fn scenario_tables(o: &mut String, d: &DirData) {
    let sc = &d.manifest["scenario"];
    if sc.is_null() {
        return;
    }
    let init = &sc["supply"]["initial"];
    let classes: Vec<Vec<String>> = (sc["gpu_class"].as_array().into_iter().flatten())
        .map(|c| {
            let name = words(&c["name"]);
            let kind = if c["vram_gb"].as_f64() == Some(0.0) {
                format!(
                    "CPU units of {} threads, {} GB",
                    words(&c["cpu_threads"]),
                    words(&c["memory_gb"])
                )
            } else {
                format!("GPU, {} GB", words(&c["vram_gb"]))
            };
            let mut at = words(&init[name.as_str()]);
            if let Some(from) = c["available_from"].as_str() {
                at = format!("{at} from {from}");
            }
            let usd = |v: &Value| v.as_f64().map_or_else(|| words(v), |x| format!("${x:.2}"));
            vec![
                name,
                kind,
                usd(&c["cost_per_hour"]),
                usd(&c["cloud_price_per_hour"]),
                at,
            ]
        })
        .collect();
    grid_table(
        o,
        "classes",
        "Capacity",
        &[
            "class",
            "kind",
            "provider cost per hour",
            "cloud price per hour",
            "units at start",
        ],
        &classes,
    );
    let workloads: Vec<Vec<String>> = (sc["workload"].as_array().into_iter().flatten())
        .map(|w| {
            let unit = if w["kind"] == "web" { "unit" } else { "GPU" };
            let gpus = w["gpus"].as_u64().unwrap_or(1);
            let mut size = format!("{gpus} {unit}{}", if gpus == 1 { "" } else { "s" });
            if !w["frames"].is_null() {
                size = format!("{} frames on {size}", words(&w["frames"]));
            }
            let mut run = words(&w["duration"]);
            if !w["frames"].is_null() {
                run.push_str(" per frame");
            }
            let mut price = words(&w["max_price_per_gpu_hour"]);
            if price != "—" {
                price = format!("{price} USD per {unit}-hour");
            }
            vec![
                words(&w["name"]),
                words(&w["kind"]),
                arrivals_words(&w["arrivals"]),
                size,
                run,
                price,
                w["checkpoint_every"]
                    .as_str()
                    .map_or("none".into(), |c| format!("every {c}")),
            ]
        })
        .collect();
    grid_table(
        o,
        "workloads",
        "Demand",
        &[
            "workload",
            "kind",
            "arrivals",
            "job size",
            "run time",
            "users pay at most",
            "checkpoints",
        ],
        &workloads,
    );
    let ran: Vec<String> = (sc["scenario"]["designs"].as_array().into_iter().flatten())
        .chain(sc["world"]["networks"].as_array().into_iter().flatten())
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    if let Some(designs) = sc["design"].as_object() {
        for (name, v) in designs {
            let Some(t) = v.as_object() else { continue };
            if !ran.iter().any(|r| r == name) {
                continue;
            }
            let mut rows: Vec<(String, String)> = Vec::new();
            for (k, val) in t {
                match val {
                    Value::Array(items)
                        if items.iter().all(Value::is_object) && !items.is_empty() =>
                    {
                        for (i, item) in items.iter().enumerate() {
                            rows.push((format!("{} {}", k.replace('_', " "), i + 1), words(item)));
                        }
                    }
                    Value::Object(inner)
                        if !inner.contains_key("dist") && inner.values().any(Value::is_object) =>
                    {
                        for (ik, iv) in inner {
                            rows.push((
                                format!("{} {}", k.replace('_', " "), ik.replace('_', " ")),
                                words(iv),
                            ));
                        }
                    }
                    other => rows.push((k.replace('_', " "), words(other))),
                }
            }
            kv_table(o, "design", &format!("{name}'s parameters"), &rows);
        }
    }
    let mut world: Vec<(String, String)> = vec![
        (
            "churn".into(),
            if sc["churn"]["enabled"] == true {
                format!(
                    "uptime {}; downtime {}",
                    words(&sc["churn"]["uptime"]),
                    words(&sc["churn"]["downtime"])
                )
            } else {
                "off".into()
            },
        ),
        (
            "faulty nodes".into(),
            format!(
                "{} of nodes, each frame bad with probability {}",
                words(&sc["faults"]["share"]),
                words(&sc["faults"]["frame_error_rate"])
            ),
        ),
        (
            "supply".into(),
            if sc["supply"]["dynamic"] == true {
                format!(
                    "profit-driven: reviews every {}, patience {}, pool {}",
                    words(&sc["supply"]["review_every"]),
                    words(&sc["supply"]["patience"]),
                    words(&sc["supply"]["pool"])
                )
            } else {
                "fixed".into()
            },
        ),
    ];
    if sc["token"]["enabled"] == true
        && let Some(t) = sc["token"].as_object()
    {
        for (k, v) in t.iter().filter(|(k, _)| *k != "enabled") {
            match v.as_object() {
                Some(inner) => {
                    for (ik, iv) in inner.iter().filter(|(_, iv)| !iv.is_null()) {
                        world.push((format!("token {k} {}", ik.replace('_', " ")), words(iv)));
                    }
                }
                None => world.push((format!("token {}", k.replace('_', " ")), words(v))),
            }
        }
    } else {
        world.push(("tokens".into(), "off".into()));
    }
    if let Some(sets) = d.manifest["overrides"].as_array().filter(|a| !a.is_empty()) {
        world.push((
            "overrides (--set)".into(),
            words(&Value::Array(sets.clone())),
        ));
    }
    kv_table(o, "world", "The shared world", &world);
}

/// POSIX shell quoting for a command-line word.
fn shell_quote(w: &str) -> String {
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

const CSS: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto; padding: 1.5em 2em; max-width: 1400px; color: #1a1a1a; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
h3 { margin-top: 1.4em; }
.meta { color: #555; margin-top: 0; }
.cols { display: grid; gap: 2em; }
.cols > section { min-width: 0; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 0.35em; vertical-align: baseline; }
.verdict { display: inline-block; padding: 0.1em 0.5em; border-radius: 0.8em; font-weight: 600; white-space: nowrap; }
.holds { background: #d6ecf7; color: #004d7a; border: 1px solid #0072B2; }
.does-not-hold { background: #fbe3d2; color: #8a3b00; border: 1px solid #D55E00; }
.inconclusive { background: #eeeeee; color: #444; border: 1px solid #999; }
table.claims > tbody > tr > td:first-child { width: 34%; } table.claims > tbody > tr > td:nth-child(2) { width: 18%; }
table.comparisons { margin: 0.3em 0; font-size: 0.95em; } table.comparisons td, table.comparisons th { padding: 0.15em 0.45em; } table.comparisons td:first-child { white-space: nowrap; }
table.params td { font-size: 0.92em; }
caption { text-align: left; font-weight: 600; padding: 0.2em 0; white-space: nowrap; }
table.by-workload { margin-bottom: 1em; } table.by-workload th:first-child { min-width: 8em; } table.by-workload td.num { min-width: 8.5em; }
.figs { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 760px), 1fr)); gap: 0 1.5em; }
.summary { background: #f7f9fb; border: 1px solid #dde3ea; border-radius: 6px; padding: 0.4em 1.2em 0.8em; margin: 0.8em 0 1.2em; }
.summary ul.verdicts { padding-left: 1.2em; } .summary ul.verdicts li { margin: 0.3em 0; }
.summary { overflow-x: auto; }
@media (max-width: 900px) { body { padding: 1em; } table { font-size: 0.85em; } th, td { padding: 0.25em 0.4em; } td.num { white-space: normal; } }
.seed { font-style: italic; color: #333; max-width: 70em; }
table.params caption { font-weight: 600; }
figure { margin: 1.2em 0; min-width: 0; }
figure svg { width: 100%; max-width: 1000px; height: auto; border: 1px solid #e5e5e5; }
figcaption { color: #444; font-size: 0.9em; max-width: 60em; }
pre { background: #f6f6f6; padding: 0.7em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.note { color: #666; font-size: 0.9em; }
";

fn verdict_badge(v: Verdict) -> String {
    let class = match v {
        Verdict::Holds => "holds",
        Verdict::DoesNotHold => "does-not-hold",
        Verdict::Inconclusive => "inconclusive",
    };
    format!("<span class=\"verdict {class}\">{}</span>", v.text())
}

fn design_head(d: &str, k: usize) -> String {
    format!(
        "<span class=\"swatch\" style=\"background: {}\"></span>{}",
        css(design_color(d, k)),
        esc(d)
    )
}

/// "mean ± half" to the precision of the interval, as the `table` command.
fn cell_text(mean: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> String {
    let Some(m) = mean else { return "—".into() };
    let decimals = |x: f64, sig: i64| -> usize {
        if x == 0.0 || !x.is_finite() {
            0
        } else {
            (sig - 1 - x.abs().log10().floor() as i64).clamp(0, 8) as usize
        }
    };
    match lo.zip(hi).map(|(l, h)| (h - l) / 2.0) {
        Some(h) if h > 0.0 => {
            let d = decimals(h, 2);
            format!("{m:.d$} ± {h:.d$}")
        }
        Some(_) => {
            let d = decimals(m, 3);
            format!("{m:.d$} ± 0")
        }
        None => {
            let d = decimals(m, 3);
            format!("{m:.d$}")
        }
    }
}

/// The unit a wait of at most `max_h` hours reads in: seconds below two
/// minutes, minutes below two hours, hours beyond. Returns the unit and
/// how many of it make an hour.
pub fn wait_unit(max_h: f64) -> (&'static str, f64) {
    if !max_h.is_finite() || max_h < 2.0 / 60.0 {
        ("s", 3600.0)
    } else if max_h < 2.0 {
        ("min", 60.0)
    } else {
        ("h", 1.0)
    }
}

/// Whether a metric is a wait in hours (shown in [`wait_unit`]s).
fn is_wait(metric: &str) -> bool {
    metric.ends_with("wait_h")
}

/// The physical bounds of a metric's values: waits, prices, counts and
/// rates are at least 0; shares at most 1. `None`: unbounded (margins,
/// token flows that may be negative).
pub fn physical_bounds(metric: &str) -> Option<(f64, f64)> {
    const SHARES: [&str; 7] = [
        "utilization",
        "availability",
        "rework_share",
        "bad_frame_share",
        "token_max_drawdown",
        LOST_SHARE,
        "reward_eligible_share",
    ];
    if SHARES.contains(&metric) {
        return Some((0.0, 1.0));
    }
    if metric == "provider_margin" || metric.starts_with("token_supply") {
        return None;
    }
    Some((0.0, f64::INFINITY))
}

/// A CI clipped at `metric`'s physical bounds; the flag says whether it was.
pub fn clip_ci(metric: &str, lo: f64, hi: f64) -> ((f64, f64), bool) {
    match physical_bounds(metric) {
        Some((a, b)) if lo < a || hi > b => ((lo.max(a), hi.min(b)), true),
        _ => ((lo, hi), false),
    }
}

/// A cell's text in the reader's units: waits in s, min or h (`scale` per
/// hour), the CI clipped at the metric's physical bounds and then shown as
/// `[low, high]` (it is no longer symmetric). Returns whether it clipped.
fn shown_cell(
    metric: &str,
    mean: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    scale: f64,
) -> (String, bool) {
    let Some(m) = mean else {
        return ("—".into(), false);
    };
    let Some((l, h)) = lo.zip(hi) else {
        return (cell_text(Some(m * scale), None, None), false);
    };
    let ((cl, ch), clipped) = clip_ci(metric, l, h);
    if !clipped {
        return (
            cell_text(Some(m * scale), Some(l * scale), Some(h * scale)),
            false,
        );
    }
    let half = (h - l) / 2.0 * scale;
    let d = if half > 0.0 {
        (1 - (half.log10().floor() as i64)).clamp(0, 8) as usize
    } else {
        3
    };
    let (m, cl, ch) = (m * scale, cl * scale, ch * scale);
    (format!("{m:.d$} [{cl:.d$}, {ch:.d$}]"), true)
}

/// What the tables say of clipped intervals.
const CLIP_NOTE: &str = "95% confidence intervals are clipped at physical bounds (waits, prices and counts are never negative, shares never above 1); a clipped interval is shown as [low, high] instead of ± half-width.";

/// The per-design table at `point` (rows: metrics, columns: designs).
fn metric_table(o: &mut String, d: &DirData, point: u64) {
    // Replicates: the largest n of any cell (undefined cells count 0).
    let n = d
        .agg
        .designs
        .iter()
        .filter_map(|des| d.agg.get(point, des, "jobs_submitted"))
        .map(|s| s.n)
        .max()
        .unwrap_or(0);
    let _ = write!(
        o,
        "<table class=\"metrics\" data-dir=\"{}\" data-point=\"{point}\"><thead><tr><th>metric (mean ± 95% CI half-width, n = {n})</th>",
        esc(&d.shown.display().to_string())
    );
    for (k, des) in d.agg.designs.iter().enumerate() {
        let _ = write!(o, "<th>{}</th>", design_head(des, k));
    }
    o.push_str("</tr></thead><tbody>");
    let mut clipped_any = false;
    for m in report_metrics() {
        if !d.agg.metrics.iter().any(|x| x == m) {
            continue;
        }
        // Waits in the unit that reads for this row's largest mean.
        let (label, scale) = if is_wait(m) {
            let max = (d.agg.designs.iter())
                .filter_map(|des| d.agg.get(point, des, m).and_then(|s| s.mean))
                .fold(0.0, f64::max);
            let (unit, scale) = wait_unit(max);
            (metric_label(m).replace("(h)", &format!("({unit})")), scale)
        } else {
            (metric_label(m), 1.0)
        };
        let _ = write!(o, "<tr><th title=\"{}\">{}</th>", esc(m), esc(&label));
        for des in &d.agg.designs {
            match d.agg.get(point, des, m) {
                Some(s) => {
                    let (text, clipped) = shown_cell(m, s.mean, s.lo, s.hi, scale);
                    clipped_any |= clipped;
                    let _ = write!(
                        o,
                        "<td class=\"num\" data-design=\"{}\" data-metric=\"{}\" data-mean=\"{}\" data-ci95-low=\"{}\" data-ci95-high=\"{}\" data-scale=\"{scale}\">{}</td>",
                        esc(des),
                        esc(m),
                        esc(&s.mean_text),
                        esc(&s.lo_text),
                        esc(&s.hi_text),
                        esc(&text)
                    );
                }
                None => o.push_str("<td class=\"num\">—</td>"),
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
    if clipped_any {
        let _ = write!(o, "<p class=\"note\">{}</p>", esc(CLIP_NOTE));
    }
    if !d.agg.from_file {
        o.push_str("<p class=\"note\">No aggregate.csv (one replicate): means computed from summary.csv; no confidence intervals.</p>");
    }
}

/// One metric of a directory's `workloads.csv` at its first point, for the
/// per-workload tables; `None` without the file or the metric's columns.
fn by_workload(d: &DirData, metric: &str) -> Option<ByWorkload> {
    let p = d.agg.points.first().copied().unwrap_or(0);
    ByWorkload::read(d.workloads.as_ref()?, p, metric)
}

/// The directory's designs: those of the aggregate (in its order, which
/// gives the colours), then any that only `workloads.csv` names.
fn workload_designs<'a>(
    d: &DirData,
    tables: impl IntoIterator<Item = &'a ByWorkload>,
) -> Vec<String> {
    let mut all = d.agg.designs.clone();
    for t in tables {
        for des in &t.designs {
            if !all.contains(des) {
                all.push(des.clone());
            }
        }
    }
    all
}

/// A workload's row head: its name, and its kind when that says more.
fn workload_head(w: &str, kinds: &BTreeMap<String, String>) -> String {
    match kinds.get(w).filter(|k| *k != w) {
        Some(k) => format!("{} <span class=\"note\">({})</span>", esc(w), esc(k)),
        None => esc(w),
    }
}

/// A per-workload cell: mean ± 95% CI half-width with the exact numbers in
/// data attributes, or "—" where the design has no value on the workload.
fn workload_cell(
    o: &mut String,
    by: &ByWorkload,
    (w, des): (&str, &str),
    metric: &str,
    scale: f64,
) -> bool {
    let mut clipped = false;
    let _ = write!(
        o,
        "<td class=\"num\" data-workload=\"{}\" data-design=\"{}\" data-metric=\"{}\"",
        esc(w),
        esc(des),
        esc(metric)
    );
    match by.stat(w, des) {
        Some(s) => {
            let (lo, hi) = match s.half {
                Some(h) => (Some(s.mean - h), Some(s.mean + h)),
                None => (None, None),
            };
            let text = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
            let (shown, c) = shown_cell(metric, Some(s.mean), lo, hi, scale);
            clipped = c;
            let _ = write!(
                o,
                " data-n=\"{}\" data-mean=\"{}\" data-ci95-low=\"{}\" data-ci95-high=\"{}\" data-scale=\"{scale}\">{}</td>",
                s.n,
                s.mean,
                text(lo),
                text(hi),
                esc(&shown)
            );
        }
        None => o.push_str(">—</td>"),
    }
    clipped
}

/// Why the per-workload tables are the like-for-like view, in a sentence.
const WORKLOAD_NOTE: &str = "Each design's run-wide figures average over whichever workloads it \
    served — Render, for one, serves only render jobs — so they compare different baskets of work; \
    a row here compares the designs on the same workload's jobs, which is the like-for-like view \
    (\"—\": the design did not serve the workload).";

/// The tables per workload of one directory at its first point (rows:
/// workloads, columns: designs), one per metric, then the price chart.
/// Nothing without `workloads.csv`.
fn workload_section(o: &mut String, d: &DirData) -> Result<()> {
    if d.workloads.is_none() {
        return Ok(());
    }
    let tables: Vec<(&str, ByWorkload)> = WORKLOAD_TABLE_METRICS
        .iter()
        .filter_map(|&m| Some((m, by_workload(d, m)?)))
        .collect();
    let first = d.agg.points.first().copied().unwrap_or(0);
    o.push_str("<h3>Results per workload</h3>");
    if d.agg.points.len() > 1 {
        let _ = write!(
            o,
            "<p class=\"note\">At {}.</p>",
            esc(&point_words(&d.agg, first))
        );
    }
    let _ = write!(o, "<p>{}</p>", esc(WORKLOAD_NOTE));
    let designs = workload_designs(d, tables.iter().map(|t| &t.1));
    let mut clipped_any = false;
    for (m, by) in &tables {
        let (label, scale) = if is_wait(m) {
            let max = (by.workloads.iter())
                .flat_map(|w| designs.iter().filter_map(|des| by.stat(w, des)))
                .map(|s| s.mean)
                .fold(0.0, f64::max);
            let (unit, scale) = wait_unit(max);
            (metric_label(m).replace("(h)", &format!("({unit})")), scale)
        } else {
            (metric_label(m), 1.0)
        };
        let n = by
            .workloads
            .iter()
            .flat_map(|w| designs.iter().filter_map(|des| by.stat(w, des)))
            .map(|s| s.n)
            .max()
            .unwrap_or(0);
        let _ = write!(
            o,
            "<table class=\"by-workload\" data-dir=\"{}\" data-metric=\"{}\" data-point=\"{first}\"><caption title=\"{}\">{} (mean ± 95% CI half-width, n = {n})</caption><thead><tr><th>workload</th>",
            esc(&d.shown.display().to_string()),
            esc(m),
            esc(m),
            esc(&label)
        );
        for (k, des) in designs.iter().enumerate() {
            let _ = write!(o, "<th>{}</th>", design_head(des, k));
        }
        o.push_str("</tr></thead><tbody>");
        for w in &by.workloads {
            let _ = write!(o, "<tr><th>{}</th>", workload_head(w, &d.kinds));
            for des in &designs {
                clipped_any |= workload_cell(o, by, (w, des), m, scale);
            }
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
    }
    if clipped_any {
        let _ = write!(o, "<p class=\"note\">{}</p>", esc(CLIP_NOTE));
    }
    if tables.len() < WORKLOAD_TABLE_METRICS.len() {
        let missing: Vec<&str> = WORKLOAD_TABLE_METRICS
            .iter()
            .copied()
            .filter(|m| !tables.iter().any(|t| t.0 == *m))
            .collect();
        let _ = write!(
            o,
            "<p class=\"note\">workloads.csv lacks the columns for: {}.</p>",
            esc(&missing.join(", "))
        );
    }
    if let Some(p) = d
        .plots
        .plots
        .iter()
        .find(|p| p.file == WORKLOAD_PRICE_CHART)
    {
        figure(o, d, p)?;
    }
    Ok(())
}

/// A chart of `d` inline, with its caption.
fn is_world_chart(p: &Plot) -> bool {
    [world::COST_VS_WAIT, world::ROUTING].contains(&p.file.as_str())
}

fn figure(o: &mut String, d: &DirData, p: &Plot) -> Result<()> {
    let path = d.dir.join("plots").join(&p.file);
    let svg = std::fs::read_to_string(&path)
        .map_err(|e| Error::Other(format!("cannot read {}: {e}", path.display())))?;
    let svg = svg.trim_start();
    let svg = match svg.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |x| x.1).trim_start(),
        None => svg,
    };
    let _ = write!(
        o,
        "<figure data-plot=\"{}\">{svg}<figcaption><strong>{}</strong> — {} <span class=\"note\">(plots/{})</span></figcaption></figure>",
        esc(&p.file),
        esc(&p.title),
        esc(&p.caption),
        esc(&p.file)
    );
    Ok(())
}

/// A number as shown in the claims' tables (a true minus sign).
fn show(x: f64) -> String {
    fmt_num(x).replace('-', "\u{2212}")
}

fn claims_table(o: &mut String, results: &[ClaimResult]) {
    o.push_str("<table class=\"claims\"><thead><tr><th>the article says</th><th>verdict at 95%</th><th>the numbers (paired differences across replicates)</th></tr></thead><tbody>");
    for r in results {
        let (basis, basis_words) = match &r.basis {
            Basis::Workloads => (
                "workloads",
                "Per workload, from workloads.csv: each rival on each workload both designs served.",
            ),
            Basis::Summary => ("summary", "Run-wide, from summary.csv."),
            Basis::Fallback(_) => (
                "summary-fallback",
                "Run-wide, from summary.csv (no per-workload values: see the reason).",
            ),
        };
        let _ = write!(
            o,
            "<tr data-claim=\"{}\" data-basis=\"{basis}\"><td><strong>{}</strong><br/><span class=\"note\">{}</span></td><td data-verdict=\"{}\">{}<br/><span class=\"note\">{}</span></td><td>",
            esc(r.claim.text),
            esc(r.claim.text),
            esc(r.claim.definition),
            r.verdict.text(),
            verdict_badge(r.verdict),
            esc(&r.reason)
        );
        if r.comparisons.is_empty() {
            o.push('—');
        } else {
            let shown = r
                .claim
                .shown_too
                .filter(|_| r.comparisons.iter().any(|c| c.design_shown.is_some()));
            let _ = write!(
                o,
                "<span class=\"note\">{basis_words}</span><table class=\"comparisons\"><thead><tr><th>comparison</th><th>means</th><th>difference</th><th>95% CI</th><th>n</th>"
            );
            if let Some(col) = shown {
                let _ = write!(
                    o,
                    "<th>{} ({} / rival), not deciding</th>",
                    esc(col),
                    esc(r.claim.design)
                );
            }
            o.push_str("</tr></thead><tbody>");
            for c in &r.comparisons {
                let on = c
                    .workload
                    .as_ref()
                    .map_or(String::new(), |w| format!(" on {w}"));
                let mut attrs = format!(
                    " data-rival=\"{}\" data-design-mean=\"{}\" data-rival-mean=\"{}\" data-diff=\"{}\" data-n=\"{}\"",
                    esc(&c.rival),
                    c.design_mean,
                    c.rival_mean,
                    c.diff_mean,
                    c.n
                );
                if let Some(w) = &c.workload {
                    let _ = write!(attrs, " data-workload=\"{}\"", esc(w));
                }
                if let Some((lo, hi)) = c.ci95 {
                    let _ = write!(attrs, " data-ci95-low=\"{lo}\" data-ci95-high=\"{hi}\"");
                }
                if let Some((lo, hi)) = c.ci_adjusted {
                    let _ = write!(
                        attrs,
                        " data-ci-adjusted-low=\"{lo}\" data-ci-adjusted-high=\"{hi}\""
                    );
                }
                let ci = c.ci95.map_or("no CI (n < 2)".to_string(), |(lo, hi)| {
                    format!("[{}, {}]", show(lo), show(hi))
                });
                let _ = write!(
                    o,
                    "<tr class=\"comparison\"{attrs}><td>{} − {}{}</td><td class=\"num\">{} − {}</td><td class=\"num\"><strong>{}</strong></td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                    esc(r.claim.design),
                    esc(&c.rival),
                    esc(&on),
                    show(c.design_mean),
                    show(c.rival_mean),
                    show(c.diff_mean),
                    ci,
                    c.n
                );
                if shown.is_some() {
                    let v = |x: Option<f64>| x.map_or("—".to_string(), show);
                    let _ = write!(
                        o,
                        "<td class=\"num\">{} / {}</td>",
                        v(c.design_shown),
                        v(c.rival_shown)
                    );
                }
                o.push_str("</tr>");
            }
            o.push_str("</tbody></table>");
        }
        if !r.unshared.is_empty() {
            let parts: Vec<String> = r
                .unshared
                .iter()
                .map(|(w, ds)| {
                    if ds.iter().any(|d| d == r.claim.design) {
                        format!("{} (served by {} only)", esc(w), esc(&ds.join(", ")))
                    } else {
                        format!(
                            "{} (served by {}, not by {})",
                            esc(w),
                            esc(&ds.join(", ")),
                            esc(r.claim.design)
                        )
                    }
                })
                .collect();
            let _ = write!(
                o,
                "<div class=\"note\">Not compared: {}.</div>",
                parts.join("; ")
            );
        }
        if let Some(col) = r.claim.shown_too
            && !r.shown_too.is_empty()
        {
            let parts: Vec<String> = r
                .shown_too
                .iter()
                .map(|(d, v)| format!("{} {}", esc(d), fmt_num(*v)))
                .collect();
            let _ = write!(
                o,
                "<div class=\"note\">{} run-wide (not deciding): {}</div>",
                esc(col),
                parts.join(", ")
            );
        }
        o.push_str("</td></tr>");
    }
    o.push_str("</tbody></table>");
}

fn point_words(agg: &Aggregate, p: u64) -> String {
    let kv: Vec<String> = agg
        .params
        .iter()
        .zip(&agg.param_values[&p])
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    if kv.is_empty() {
        format!("point {p}")
    } else {
        format!("point {p}: {}", kv.join(", "))
    }
}

fn section(o: &mut String, d: &DirData) -> Result<()> {
    let name = d.manifest["scenario"]["scenario"]["name"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| d.shown.display().to_string());
    let _ = write!(
        o,
        "<section><h2>{}</h2><p class=\"meta\">{}</p>",
        esc(&name),
        esc(&d.shown.display().to_string())
    );
    let _ = write!(
        o,
        "<h3>The scenario</h3><p>{}</p>",
        esc(&scenario_words(&d.manifest))
    );
    scenario_tables(o, d);

    let first = d.agg.points.first().copied().unwrap_or(0);
    let _ = write!(o, "<h3>Results per design</h3>");
    if d.agg.points.len() > 1 {
        let _ = write!(
            o,
            "<p class=\"note\">A sweep of {} points; the table shows {} (the charts show every point).</p>",
            d.agg.points.len(),
            esc(&point_words(&d.agg, first))
        );
    }
    metric_table(o, d, first);
    workload_section(o, d)?;

    o.push_str("<h3>The article's claims</h3>");
    if let Some((_, results)) = d.claims.first() {
        if d.agg.points.len() > 1 {
            let _ = write!(
                o,
                "<p class=\"note\">At {}.</p>",
                esc(&point_words(&d.agg, first))
            );
        }
        claims_table(o, results);
    }
    if d.claims.len() > 1 {
        o.push_str("<p>Verdicts at every sweep point:</p><table class=\"claims-by-point\"><thead><tr><th>point</th>");
        // The claims decided (the one against the cloud is left out where
        // the cloud never ran), so that each column heads its verdicts.
        for r in &d.claims[0].1 {
            let _ = write!(o, "<th>{}</th>", esc(r.claim.text));
        }
        o.push_str("</tr></thead><tbody>");
        for (p, results) in &d.claims {
            let _ = write!(o, "<tr><td>{}</td>", esc(&point_words(&d.agg, *p)));
            for r in results {
                let _ = write!(o, "<td>{}</td>", verdict_badge(r.verdict));
            }
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
    }

    o.push_str("<h3>Charts</h3><div class=\"figs\">");
    for p in &d.plots.plots {
        // The price per workload is shown with its tables, above.
        if p.file == WORKLOAD_PRICE_CHART && d.workloads.is_some() {
            continue;
        }
        // The world charts are shown with the networks-together section.
        if is_world_chart(p) {
            continue;
        }
        figure(o, d, p)?;
    }
    o.push_str("</div>");
    if !d.plots.notes.is_empty() {
        o.push_str("<p class=\"note\">Not drawn:</p><ul class=\"note\">");
        for n in &d.plots.notes {
            let _ = write!(o, "<li>{}</li>", esc(n));
        }
        o.push_str("</ul>");
    }

    super::report_world::world_section(o, &d.dir)?;
    if d.plots.plots.iter().any(is_world_chart) {
        o.push_str("<div class=\"figs\">");
        for p in d.plots.plots.iter().filter(|p| is_world_chart(p)) {
            figure(o, d, p)?;
        }
        o.push_str("</div>");
    }

    o.push_str("<h3>Reproduce</h3>");
    let cmd: Vec<String> = d.manifest["command"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str())
                .map(shell_quote)
                .collect()
        })
        .unwrap_or_default();
    let _ = write!(
        o,
        "<p>depinsim version {}, master seed {}, {} replication(s); per-replicate seeds are in summary.csv.</p><pre>{}</pre><pre>depinsim report {}</pre>",
        esc(&words(&d.manifest["depinsim_version"])),
        esc(&words(&d.manifest["master_seed"])),
        esc(&words(&d.manifest["replications"])),
        esc(&if cmd.is_empty() {
            "(no manifest.json)".to_string()
        } else {
            cmd.join(" ")
        }),
        esc(&shell_quote(&d.shown.display().to_string()))
    );
    o.push_str("</section>");
    Ok(())
}

fn comparison(o: &mut String, all: &[DirData]) {
    o.push_str("<h2>Side by side</h2><table class=\"compare\"><thead><tr><th>metric</th>");
    for d in all {
        for (k, des) in d.agg.designs.iter().enumerate() {
            let _ = write!(
                o,
                "<th>{}<br/><span class=\"note\">{}</span></th>",
                design_head(des, k),
                esc(&d.shown.display().to_string())
            );
        }
    }
    o.push_str("</tr></thead><tbody>");
    for m in report_metrics() {
        if !all.iter().any(|d| d.agg.metrics.iter().any(|x| x == m)) {
            continue;
        }
        let _ = write!(o, "<tr><th>{}</th>", esc(&metric_label(m)));
        for d in all {
            let p = d.agg.points.first().copied().unwrap_or(0);
            for des in &d.agg.designs {
                let t = d
                    .agg
                    .get(p, des, m)
                    .map_or("—".to_string(), |s| cell_text(s.mean, s.lo, s.hi));
                let _ = write!(o, "<td class=\"num\">{}</td>", esc(&t));
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
    workload_comparison(o, all);
    o.push_str("<table class=\"claims-compare\"><thead><tr><th>the article says</th>");
    for d in all {
        let _ = write!(o, "<th>{}</th>", esc(&d.shown.display().to_string()));
    }
    o.push_str("</tr></thead><tbody>");
    for (i, c) in claims().iter().enumerate() {
        let _ = write!(o, "<tr><td>{}</td>", esc(c.text));
        for d in all {
            match d.claims.first().and_then(|(_, r)| r.get(i)) {
                Some(r) => {
                    let _ = write!(o, "<td>{}</td>", verdict_badge(r.verdict));
                }
                None => o.push_str("<td>—</td>"),
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
}

/// The per-workload tables of several directories side by side (columns:
/// each directory's designs; rows: every workload of any directory, in order
/// of first appearance), from the directories that have `workloads.csv`.
fn workload_comparison(o: &mut String, all: &[DirData]) {
    let with: Vec<&DirData> = all.iter().filter(|d| d.workloads.is_some()).collect();
    if with.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<p><strong>Per workload.</strong> {}",
        esc(WORKLOAD_NOTE)
    );
    let without: Vec<String> = all
        .iter()
        .filter(|d| d.workloads.is_none())
        .map(|d| d.shown.display().to_string())
        .collect();
    if !without.is_empty() {
        let _ = write!(
            o,
            " Not shown (no workloads.csv): {}.",
            esc(&without.join(", "))
        );
    }
    o.push_str("</p>");
    for m in WORKLOAD_TABLE_METRICS {
        let cols: Vec<(&DirData, ByWorkload, Vec<String>)> = with
            .iter()
            .filter_map(|d| {
                let by = by_workload(d, m)?;
                let designs = workload_designs(d, [&by]);
                Some((*d, by, designs))
            })
            .collect();
        if cols.is_empty() {
            continue;
        }
        let mut workloads: Vec<&String> = Vec::new();
        for (_, by, _) in &cols {
            for w in &by.workloads {
                if !workloads.contains(&w) {
                    workloads.push(w);
                }
            }
        }
        if m == WORKLOAD_TABLE_METRICS[0]
            && cols.iter().any(|c| c.1.workloads.len() < workloads.len())
        {
            o.push_str("<p class=\"note\">The directories' scenarios have different workloads: \"—\" also marks a workload a directory's scenario does not have.</p>");
        }
        let _ = write!(
            o,
            "<table class=\"compare-by-workload\" data-metric=\"{}\"><caption title=\"{}\">{} (mean ± 95% CI half-width)</caption><thead><tr><th>workload</th>",
            esc(m),
            esc(m),
            esc(&metric_label(m))
        );
        for (d, _, designs) in &cols {
            for (k, des) in designs.iter().enumerate() {
                let _ = write!(
                    o,
                    "<th>{}<br/><span class=\"note\">{}</span></th>",
                    design_head(des, k),
                    esc(&d.shown.display().to_string())
                );
            }
        }
        o.push_str("</tr></thead><tbody>");
        for w in workloads {
            let kinds = cols
                .iter()
                .map(|c| &c.0.kinds)
                .find(|k| k.contains_key(w.as_str()))
                .unwrap_or(&cols[0].0.kinds);
            let _ = write!(o, "<tr><th>{}</th>", workload_head(w, kinds));
            for (_, by, designs) in &cols {
                for des in designs {
                    let t = by.stat(w, des).map_or("—".to_string(), |s| {
                        cell_text(
                            Some(s.mean),
                            s.half.map(|h| s.mean - h),
                            s.half.map(|h| s.mean + h),
                        )
                    });
                    let _ = write!(o, "<td class=\"num\">{}</td>", esc(&t));
                }
            }
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
    }
}

/// The HTML of the report on `dirs` (drawing their charts first).
pub fn report_html(dirs: &[PathBuf]) -> Result<String> {
    let pairs: Vec<(PathBuf, PathBuf)> = dirs.iter().map(|d| (d.clone(), d.clone())).collect();
    report_html_as(&pairs)
}

/// [`report_html`] of directories read from the first path of each pair
/// and named by the second.
pub fn report_html_as(dirs: &[(PathBuf, PathBuf)]) -> Result<String> {
    if dirs.is_empty() {
        return Err(Error::Usage(
            "report needs at least one results directory".into(),
        ));
    }
    if dirs.len() > 1 {
        for (d, _) in dirs {
            crate::plot::check_inputs(d)?;
        }
    }
    let all: Vec<DirData> = dirs
        .iter()
        .map(|(d, shown)| load(d, shown))
        .collect::<Result<_>>()?;
    let names: Vec<String> = all
        .iter()
        .map(|d| {
            d.manifest["scenario"]["scenario"]["name"]
                .as_str()
                .map_or_else(|| d.shown.display().to_string(), String::from)
        })
        .collect();
    // Directories of one scenario are told apart by their paths.
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    let names: Vec<String> = if sorted.len() == names.len() {
        names
    } else {
        all.iter().map(|d| d.shown.display().to_string()).collect()
    };
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>depinsim report: {}</title><style>{CSS}</style></head><body>",
        esc(&names.join(" vs "))
    );
    let _ = write!(
        o,
        "<h1>depinsim report: {}</h1><p class=\"meta\">Simulated markets for GPU compute — an Akash-style reverse auction, an io.net-style coordinated cluster and a Render-style verified rendering network — on the same demand, the same GPUs and the same failures. Generated by depinsim {} from the CSV files of {} results director{}.</p>",
        esc(&names.join(" vs ")),
        env!("CARGO_PKG_VERSION"),
        all.len(),
        if all.len() == 1 { "y" } else { "ies" }
    );
    let _ = write!(o, "<p class=\"seed\">{}</p>", esc(SEED_ARTICLE));
    // The summary first: what a reader hands on.
    o.push_str("<h2 id=\"summary\">Summary</h2>");
    for (d, name) in all.iter().zip(&names) {
        summary(&mut o, d, (all.len() > 1).then_some(name.as_str()));
    }
    if all.len() > 1 {
        comparison(&mut o, &all);
    }
    o.push_str("<div class=\"cols\">");
    for d in &all {
        section(&mut o, d)?;
    }
    o.push_str("</div>");
    // How it was decided, for the reader who checks: at the end.
    o.push_str("<h2 id=\"methodology\">Methodology</h2>");
    o.push_str(
        "<h3>How the claims are decided</h3><p>The seed article claims that Akash is the cheapest, that Akash is the least stable, \
         that Render gives the highest quality and that io.net has the best cost-performance for AI. Each claim names a design and a \
         metric (defined beside each verdict). The designs do not serve the same work — Render serves only render jobs, Akash also \
         serves CPU web services, io.net serves no web services — so a run-wide price or interruption rate averages over a \
         different basket of workloads for each design. Cost and stability are therefore compared <em>workload by workload</em> \
         (from workloads.csv): the claimed design against each rival on each workload both served, and for AI only on the training \
         and inference workloads. Quality is decided on render frames (summary.csv). A directory without workloads.csv (from an older version) \
         falls back to run-wide values, and says so beside the verdict.</p><p>All designs of a replicate see the same jobs, \
         outages and market shocks (common random numbers), so each comparison is paired replicate by replicate: the difference \
         <em>claimed design − rival</em> in each replicate, its mean and its 95% confidence interval (Student t, n − 1 degrees of \
         freedom).</p><ul>\
         <li><span class=\"verdict holds\">holds</span> when in every comparison the 95% interval lies entirely on the side the claim states (an intersection–union test, at 5% without correction);</li>\
         <li><span class=\"verdict does-not-hold\">does not hold</span> when in some comparison the interval, widened by a Bonferroni correction for the number of comparisons, lies entirely on the other side;</li>\
         <li><span class=\"verdict inconclusive\">inconclusive</span> otherwise: an interval containing 0, fewer than two replicates, or the design or metric missing. More replications narrow the intervals.</li></ul>",
    );
    o.push_str("<p>Every number is a mean across replicates with its 95% Student-t confidence interval; intervals are clipped at physical bounds (a wait is never negative, a share never above 1). Waits are shown in seconds, minutes or hours, whichever reads; the CSV files keep hours.</p>");
    o.push_str("</body></html>\n");
    Ok(o)
}

/// Writes the report of `dirs` to `out` (default `dirs[0]/report.html`) and
/// returns its path.
pub fn write_report(dirs: &[PathBuf], out: Option<&Path>) -> Result<PathBuf> {
    let pairs: Vec<(PathBuf, PathBuf)> = dirs.iter().map(|d| (d.clone(), d.clone())).collect();
    write_report_as(&pairs, out)
}

/// [`write_report`] of directories read from the first path of each pair
/// and named by the second; the default output is in the first one read.
pub fn write_report_as(dirs: &[(PathBuf, PathBuf)], out: Option<&Path>) -> Result<PathBuf> {
    let html = report_html_as(dirs)?;
    let path = out.map_or_else(|| default_report_path(dirs), Path::to_path_buf);
    super::write_atomic(&path, html.as_bytes())?;
    Ok(path)
}

/// Where a report goes without `--out`: `DIR/report.html` for one
/// directory; for several, a file of their own beside the first,
/// `report-A-vs-B.html`, so no directory's own report is replaced.
pub fn default_report_path(dirs: &[(PathBuf, PathBuf)]) -> PathBuf {
    if dirs.len() == 1 {
        return dirs[0].0.join("report.html");
    }
    let name = |p: &Path| -> String {
        let n = p.file_name().map_or_else(
            || "results".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        n.chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let names: Vec<String> = dirs.iter().map(|(_, shown)| name(shown)).collect();
    let mut file = format!("report-{}.html", names.join("-vs-"));
    if file.len() > 200 {
        file = format!("report-{}-and-{}-more.html", names[0], names.len() - 1);
    }
    let parent = dirs[0]
        .1
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_directories_get_their_own_report_file() {
        let pairs: Vec<(PathBuf, PathBuf)> = ["results/a", "results/b"]
            .iter()
            .map(|d| (PathBuf::from(d), PathBuf::from(d)))
            .collect();
        assert_eq!(
            default_report_path(&pairs),
            PathBuf::from("results/report-a-vs-b.html")
        );
        assert_eq!(
            default_report_path(&pairs[..1]),
            PathBuf::from("results/a/report.html")
        );
    }

    #[test]
    fn waits_read_in_seconds_minutes_or_hours() {
        assert_eq!(wait_unit(0.00077), ("s", 3600.0));
        assert_eq!(wait_unit(0.5), ("min", 60.0));
        assert_eq!(wait_unit(5.0), ("h", 1.0));
        // 0.00077 h is 2.8 s; a CI below 0 is clipped at 0.
        let (text, clipped) = shown_cell(
            "mean_wait_h",
            Some(0.00077),
            Some(-0.0004),
            Some(0.0019),
            3600.0,
        );
        assert!(clipped);
        assert_eq!(text, "2.8 [0.0, 6.8]");
        assert_eq!(
            words(&serde_json::json!({"dist": "uniform", "low": 1.8, "high": 4.0})),
            "uniform 1.8–4"
        );
        assert!(
            !words(&serde_json::json!({"cloud_price_per_hour": 3.99, "cost_per_hour": 1.1}))
                .contains('{')
        );
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
    }

    #[test]
    fn cells_round_to_the_interval() {
        assert_eq!(
            cell_text(Some(1.234567), Some(1.1), Some(1.369134)),
            "1.23 ± 0.13"
        );
        assert_eq!(cell_text(Some(0.0), Some(0.0), Some(0.0)), "0 ± 0");
        assert_eq!(cell_text(None, None, None), "—");
        assert_eq!(cell_text(Some(2.5), None, None), "2.50");
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(
            shell_quote("scenarios/baseline.toml"),
            "scenarios/baseline.toml"
        );
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn render_serves_no_ai_unless_the_manifest_says() {
        let m: Value =
            serde_json::json!({"scenario": {"design": {"akash": {"serves": ["web", "render"]}}}});
        assert!(!serves_ai(&m, "akash"));
        assert!(!serves_ai(&m, "render"));
        assert!(serves_ai(&m, "ionet"));
    }
}
