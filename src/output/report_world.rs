//! The report's "Networks together" section, for directories of world runs:
//! each strategy's cost of serving every job, waits, interruptions and bad
//! frames (mean ± 95% CI over replicates), two questions decided with paired
//! differences across replicates (every strategy ran on the same jobs), and
//! where each workload's jobs went.
//!
//! The cost compared is `usd_per_gpu_hour_all_jobs`: what users paid per
//! useful GPU-hour, with the jobs no network took served by the cloud at
//! its list price, so strategies that turn jobs away are charged for them.

use super::esc;
use super::report_claims::t_interval;
use crate::error::Result;
use crate::plot::chart::fmt_num;
use crate::plot::data::{Table, num};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Per strategy, per replicate, the value of `metric` (point 0).
type ByStrategy = BTreeMap<String, BTreeMap<u32, f64>>;

fn read(dir: &Path, name: &str) -> Result<Option<Table>> {
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(b) => Table::parse(&b, &path.display().to_string()).map(Some),
        Err(_) => Ok(None),
    }
}

fn by_strategy(t: &Table, metric: &str) -> ByStrategy {
    let mut out = ByStrategy::new();
    let (Some(p), Some(r), Some(s), Some(m)) = (
        t.col("point"),
        t.col("replicate"),
        t.col("strategy"),
        t.col(metric),
    ) else {
        return out;
    };
    for row in &t.rows {
        if &row[p] != "0" {
            continue;
        }
        if let (Ok(rep), Some(v)) = (row[r].parse::<u32>(), num(&row[m])) {
            out.entry(row[s].to_string()).or_default().insert(rep, v);
        }
    }
    out
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn cell(vals: Option<&BTreeMap<u32, f64>>) -> String {
    let Some(v) = vals else { return "—".into() };
    let xs: Vec<f64> = v.values().copied().collect();
    if xs.is_empty() {
        return "—".into();
    }
    match t_interval(&xs, 0.95) {
        Some((lo, hi)) => format!("{} ± {}", fmt_num(mean(&xs)), fmt_num((hi - lo) / 2.0)),
        None => fmt_num(mean(&xs)),
    }
}

/// A paired comparison: the mean ratio, the paired difference's 95% CI,
/// and -1, 1 or 0 as the CI is below 0, above 0 or neither.
type Paired = (f64, Option<(f64, f64)>, i8);

/// Strategy `a` against `b` on `cost`, paired by replicate.
fn paired(cost: &ByStrategy, a: &str, b: &str) -> Option<Paired> {
    let (x, y) = (cost.get(a)?, cost.get(b)?);
    let reps: Vec<u32> = x.keys().filter(|r| y.contains_key(r)).copied().collect();
    if reps.is_empty() {
        return None;
    }
    let diffs: Vec<f64> = reps.iter().map(|r| x[r] - y[r]).collect();
    let ratio = mean(&reps.iter().map(|r| x[r]).collect::<Vec<_>>())
        / mean(&reps.iter().map(|r| y[r]).collect::<Vec<_>>());
    let ci = t_interval(&diffs, 0.95);
    let sign = match ci {
        Some((_, hi)) if hi < 0.0 => -1,
        Some((lo, _)) if lo > 0.0 => 1,
        _ => 0,
    };
    Some((ratio, ci, sign))
}

/// One question: does `a` cost less than each of `rivals`?
fn question(o: &mut String, cost: &ByStrategy, q: &str, a: &str, rivals: &[String]) {
    let rows: Vec<(String, Paired)> = rivals
        .iter()
        .filter_map(|b| paired(cost, a, b).map(|p| (b.clone(), p)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let verdict = if rows.iter().all(|(_, p)| p.2 < 0) {
        "holds"
    } else if rows.iter().any(|(_, p)| p.2 > 0) {
        "does not hold"
    } else {
        "inconclusive"
    };
    let _ = write!(
        o,
        "<p><b>{}: {verdict}.</b></p><table><thead><tr><th>against</th><th>cost ratio</th><th>paired difference, 95% CI (USD per GPU-hour)</th></tr></thead><tbody>",
        esc(q)
    );
    for (b, (ratio, ci, _)) in rows {
        let ci = ci.map_or("— (one replicate)".into(), |(lo, hi)| {
            format!("[{}, {}]", fmt_num(lo), fmt_num(hi))
        });
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&b),
            fmt_num(ratio),
            ci
        );
    }
    o.push_str("</tbody></table>");
}

/// Writes the section when `dir` holds world runs (`strategies.csv`).
pub fn world_section(o: &mut String, dir: &Path) -> Result<()> {
    let Some(st) = read(dir, "strategies.csv")? else {
        return Ok(());
    };
    let cost = by_strategy(&st, "usd_per_gpu_hour_all_jobs");
    let mut names: Vec<String> = Vec::new();
    if let Some(s) = st.col("strategy") {
        for row in &st.rows {
            if !names.iter().any(|n| n == &row[s]) {
                names.push(row[s].to_string());
            }
        }
    }
    o.push_str(
        "<h3>Networks together</h3><p>The networks ran side by side on one fleet (nodes listed on several \
         networks serve one job at a time), a broker routing each job by a strategy; every strategy saw the \
         same jobs, nodes and outages. Cost is what users paid per useful GPU-hour, jobs that no network took \
         charged at the cloud's list price (<code>usd_per_gpu_hour_all_jobs</code>), so turning jobs away is \
         not free. Mean ± 95% CI over replicates.</p>",
    );
    let metrics = [
        ("usd_per_gpu_hour_all_jobs", "cost, all jobs"),
        ("usd_per_gpu_hour", "paid on the networks"),
        ("mean_wait_h", "mean wait (h)"),
        ("p95_wait_h", "p95 wait (h)"),
        ("interruptions_per_1k_gpu_h", "interruptions / 1k GPU-h"),
        ("bad_frame_share", "bad frames"),
        ("jobs_lost_to_cloud", "jobs no network took"),
    ];
    o.push_str("<table><thead><tr><th>strategy</th>");
    for (_, label) in metrics {
        let _ = write!(o, "<th>{}</th>", esc(label));
    }
    o.push_str("</tr></thead><tbody>");
    let cols: Vec<ByStrategy> = metrics.iter().map(|(m, _)| by_strategy(&st, m)).collect();
    for n in &names {
        let _ = write!(o, "<tr><td>{}</td>", esc(n));
        for c in &cols {
            let _ = write!(o, "<td>{}</td>", cell(c.get(n)));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
    let singles: Vec<String> = names
        .iter()
        .filter(|n| n.starts_with("only:"))
        .cloned()
        .collect();
    if names.iter().any(|n| n == "by_kind") {
        question(
            o,
            &cost,
            "Choosing a network per task (by_kind) is cheaper than any single network for the same service",
            "by_kind",
            &singles,
        );
        for layer in ["cheapest", "score", "learning", "fastest"] {
            if names.iter().any(|n| n == layer) {
                question(
                    o,
                    &cost,
                    &format!("A scheduling layer ({layer}) is cheaper than the per-task rule"),
                    layer,
                    &["by_kind".to_string()],
                );
            }
        }
    }
    routing_table(o, dir)
}

/// Where each workload's jobs went per strategy: the share of its routed
/// jobs each network took (mean over replicates).
fn routing_table(o: &mut String, dir: &Path) -> Result<()> {
    let Some(t) = read(dir, "routing.csv")? else {
        return Ok(());
    };
    let (Some(s), Some(w), Some(n), Some(r)) = (
        t.col("strategy"),
        t.col("workload"),
        t.col("network"),
        t.col("jobs_routed"),
    ) else {
        return Ok(());
    };
    // (strategy, workload) → network → jobs, in order of appearance.
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut nets: Vec<String> = Vec::new();
    let mut jobs: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    for row in &t.rows {
        let k = (row[s].to_string(), row[w].to_string());
        if !keys.contains(&k) {
            keys.push(k.clone());
        }
        if !nets.iter().any(|x| x == &row[n]) {
            nets.push(row[n].to_string());
        }
        *jobs.entry((k.0, k.1, row[n].to_string())).or_default() += num(&row[r]).unwrap_or(0.0);
    }
    o.push_str("<p>Where each workload's jobs went (share of the jobs a network took):</p><table><thead><tr><th>strategy</th><th>workload</th>");
    for x in &nets {
        let _ = write!(o, "<th>{}</th>", esc(x));
    }
    o.push_str("</tr></thead><tbody>");
    for (st, wl) in &keys {
        let total: f64 = nets
            .iter()
            .map(|x| {
                jobs.get(&(st.clone(), wl.clone(), x.clone()))
                    .copied()
                    .unwrap_or(0.0)
            })
            .sum();
        let _ = write!(o, "<tr><td>{}</td><td>{}</td>", esc(st), esc(wl));
        for x in &nets {
            let v = jobs
                .get(&(st.clone(), wl.clone(), x.clone()))
                .copied()
                .unwrap_or(0.0);
            if total > 0.0 && v > 0.0 {
                let _ = write!(o, "<td>{:.0}%</td>", 100.0 * v / total);
            } else {
                o.push_str("<td>—</td>");
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
    Ok(())
}
