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

/// A JSON value in a few words: strings bare, tables as `k = v` lists.
fn words(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        Value::Bool(b) => b.to_string(),
        Value::Array(a) => a.iter().map(words).collect::<Vec<_>>().join(", "),
        Value::Object(o) => {
            // Unset (null) keys are left out; a distribution reads as
            // "exp (mean 3d)".
            let kv: Vec<String> = o
                .iter()
                .filter(|(k, v)| !v.is_null() && k.as_str() != "dist")
                .map(|(k, v)| format!("{k} {}", words(v)))
                .collect();
            match o.get("dist").and_then(Value::as_str) {
                Some(d) => format!("{d} ({})", kv.join(", ")),
                None => format!("{{ {} }}", kv.join(", ")),
            }
        }
    }
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
    if let Some(init) = sc["supply"]["initial"].as_object() {
        let total: f64 = init.values().filter_map(Value::as_f64).sum();
        let classes: Vec<String> = init
            .iter()
            .map(|(k, v)| format!("{} {k}", words(v)))
            .collect();
        let _ = write!(
            out,
            ", starting with {} GPUs ({}) in nodes of {}, supply {}",
            fmt_num(total),
            classes.join(", "),
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
                    "{} ({} jobs, {} arrivals at {} per hour, {} GPU(s) each, users pay at most {} per GPU-hour)",
                    words(&w["name"]),
                    words(&w["kind"]),
                    words(&w["arrivals"]["process"]),
                    words(&w["arrivals"]["rate_per_hour"]),
                    words(&w["gpus"]),
                    words(&w["max_price_per_gpu_hour"]),
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
.figs { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 0 1.5em; }
figure { margin: 1.2em 0; min-width: 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid #e5e5e5; }
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
    for m in report_metrics() {
        if !d.agg.metrics.iter().any(|x| x == m) {
            continue;
        }
        let _ = write!(
            o,
            "<tr><th title=\"{}\">{}</th>",
            esc(m),
            esc(&metric_label(m))
        );
        for des in &d.agg.designs {
            match d.agg.get(point, des, m) {
                Some(s) => {
                    let _ = write!(
                        o,
                        "<td class=\"num\" data-design=\"{}\" data-metric=\"{}\" data-mean=\"{}\" data-ci95-low=\"{}\" data-ci95-high=\"{}\">{}</td>",
                        esc(des),
                        esc(m),
                        esc(&s.mean_text),
                        esc(&s.lo_text),
                        esc(&s.hi_text),
                        esc(&cell_text(s.mean, s.lo, s.hi))
                    );
                }
                None => o.push_str("<td class=\"num\">—</td>"),
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
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
fn workload_cell(o: &mut String, by: &ByWorkload, w: &str, des: &str, metric: &str) {
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
            let _ = write!(
                o,
                " data-n=\"{}\" data-mean=\"{}\" data-ci95-low=\"{}\" data-ci95-high=\"{}\">{}</td>",
                s.n,
                s.mean,
                text(lo),
                text(hi),
                esc(&cell_text(Some(s.mean), lo, hi))
            );
        }
        None => o.push_str(">—</td>"),
    }
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
    for (m, by) in &tables {
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
            esc(&metric_label(m))
        );
        for (k, des) in designs.iter().enumerate() {
            let _ = write!(o, "<th>{}</th>", design_head(des, k));
        }
        o.push_str("</tr></thead><tbody>");
        for w in &by.workloads {
            let _ = write!(o, "<tr><th>{}</th>", workload_head(w, &d.kinds));
            for des in &designs {
                workload_cell(o, by, w, des, m);
            }
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
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
    // Key parameters.
    let sc = &d.manifest["scenario"];
    let mut rows: Vec<(String, &Value)> = vec![
        ("horizon".into(), &sc["scenario"]["horizon"]),
        ("warmup".into(), &sc["scenario"]["warmup"]),
        ("GPUs at start".into(), &sc["supply"]["initial"]),
        ("GPU classes".into(), &sc["gpu_class"]),
        ("churn".into(), &sc["churn"]),
    ];
    if let Some(designs) = sc["design"].as_object() {
        for (name, v) in designs {
            rows.push((format!("design.{name}"), v));
        }
    }
    // Tokens on: one row per `[token]` key and table; off: just that.
    match sc["token"].as_object() {
        Some(t) if sc["token"]["enabled"].as_bool() == Some(true) => {
            for (k, v) in t.iter().filter(|(k, _)| *k != "enabled") {
                rows.push((format!("token.{k}"), v));
            }
        }
        _ => rows.push(("tokens".into(), &sc["token"]["enabled"])),
    }
    rows.push(("overrides (--set)".into(), &d.manifest["overrides"]));
    o.push_str("<table class=\"params\"><tbody>");
    for (k, v) in rows {
        if v.is_null() || v.as_array().is_some_and(|a| a.is_empty()) {
            continue;
        }
        let _ = write!(
            o,
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(&k),
            esc(&words(v))
        );
    }
    o.push_str("</tbody></table>");

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
    o.push_str(
        "<h2>How the claims are decided</h2><p>The seed article claims that Akash is the cheapest, that Akash is the least stable, \
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
    if all.len() > 1 {
        comparison(&mut o, &all);
    }
    let _ = write!(
        o,
        "<div class=\"cols\" style=\"grid-template-columns: repeat({}, minmax(0, 1fr))\">",
        all.len()
    );
    for d in &all {
        section(&mut o, d)?;
    }
    o.push_str("</div></body></html>\n");
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
    let path = out.map_or_else(|| dirs[0].0.join("report.html"), Path::to_path_buf);
    super::write_atomic(&path, html.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

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
