//! The charts of world runs (`strategies.csv`, `routing.csv`): what each
//! strategy cost against how long its jobs waited, and where each
//! workload's jobs went under each strategy.

use super::chart::{
    HeatPanel, Heatmap, OKABE_ITO, Point, Series, XyChart, design_color, draw_heatmap, draw_xy,
};
use super::data::{Table, num};
use crate::error::Result;
use crate::metrics::stats::mean_sd_ci;
use plotters::style::RGBColor;
use std::collections::BTreeMap;
use std::path::Path;

/// The file of the cost-against-wait chart.
pub const COST_VS_WAIT: &str = "world_cost_vs_wait.svg";
/// The file of the routing chart.
pub const ROUTING: &str = "world_routing.svg";

/// A chart: file, title, caption, SVG.
pub type Chart = (String, String, String, String);

/// Names in order of first appearance in column `c` of `t`'s rows at `point`.
fn names(t: &Table, c: usize, at: &dyn Fn(&csv::StringRecord) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for row in t.rows.iter().filter(|r| at(r)) {
        if !out.iter().any(|n| n == &row[c]) {
            out.push(row[c].to_string());
        }
    }
    out
}

/// A strategy's colour: a single network's own colour for `only:NAME` (the
/// cloud grey), one fixed colour per built-in strategy, so the nine of
/// `scenarios/world.toml` are told apart.
fn color(strategy: &str, k: usize) -> RGBColor {
    match strategy {
        "only:cloud" => RGBColor(0x99, 0x99, 0x99),
        "by_kind" => RGBColor(0, 0, 0),
        "cheapest" => OKABE_ITO[4],
        "fastest" => OKABE_ITO[5],
        "score" => OKABE_ITO[6],
        "learning" => OKABE_ITO[3],
        s => design_color(s.strip_prefix("only:").unwrap_or(s), k),
    }
}

/// Both world charts of `dir` at `point`, or none when it has no world runs.
pub fn world_charts(dir: &Path, point: u64, point_note: &str) -> Result<Vec<Chart>> {
    let mut out = Vec::new();
    if let Some(st) = Table::read_all(dir, "strategies.csv")?
        && let Some(c) = cost_vs_wait(&st, point, point_note)?
    {
        out.push(c);
    }
    if let Some(rt) = Table::read_all(dir, "routing.csv")?
        && let Some(c) = routing(&rt, point, point_note)?
    {
        out.push(c);
    }
    Ok(out)
}

/// Mean and 95% CI of `xs` as a marker coordinate.
fn stat(xs: &[f64]) -> Option<(f64, Option<(f64, f64)>)> {
    let (m, _, h) = mean_sd_ci(xs);
    m.map(|m| (m, h.map(|h| (m - h, m + h))))
}

fn cost_vs_wait(st: &Table, point: u64, note: &str) -> Result<Option<Chart>> {
    let (Some(p), Some(s), Some(cost), Some(wait)) = (
        st.col("point"),
        st.col("strategy"),
        st.col("usd_per_gpu_hour_all_jobs"),
        st.col("mean_wait_h"),
    ) else {
        return Ok(None);
    };
    let pt = point.to_string();
    let at = |r: &csv::StringRecord| r[p] == pt;
    let mut c = XyChart::new(
        "Cost against wait, per strategy",
        "mean wait (h)",
        "users' USD per useful GPU-hour, all jobs",
    );
    for (k, name) in names(st, s, &at).iter().enumerate() {
        let rows = st.rows.iter().filter(|r| at(r) && &r[s] == name);
        let (xs, ys): (Vec<f64>, Vec<f64>) = rows
            .filter_map(|r| Some((num(&r[wait])?, num(&r[cost])?)))
            .unzip();
        let (Some((x, x_ci)), Some((y, y_ci))) = (stat(&xs), stat(&ys)) else {
            continue;
        };
        // A wait is never negative: its interval is clipped at 0.
        let x_ci = x_ci.map(|(lo, hi)| (lo.max(0.0), hi));
        let mut series = Series::new(name.clone(), color(name, k));
        series.points.push(Point { x, y, x_ci, y_ci });
        c.series.push(series);
    }
    if c.is_empty() {
        return Ok(None);
    }
    c.subtitle = (!note.is_empty()).then(|| note.to_string());
    let caption = "Each strategy's mean cost of serving every job (jobs no network took charged at the cloud's list price) \
                   against its jobs' mean wait; whiskers are 95% confidence intervals across replicates (a wait's clipped at 0). Every strategy \
                   ran on the same jobs and nodes, so the markers differ by the strategies alone; lower left is better."
        .to_string();
    let svg = draw_xy(&c)?;
    Ok(Some((COST_VS_WAIT.into(), c.title.clone(), caption, svg)))
}

fn routing(rt: &Table, point: u64, note: &str) -> Result<Option<Chart>> {
    let (Some(p), Some(s), Some(w), Some(n), Some(j)) = (
        rt.col("point"),
        rt.col("strategy"),
        rt.col("workload"),
        rt.col("network"),
        rt.col("jobs_routed"),
    ) else {
        return Ok(None);
    };
    let pt = point.to_string();
    let at = |r: &csv::StringRecord| r[p] == pt;
    let (strategies, workloads, networks) =
        (names(rt, s, &at), names(rt, w, &at), names(rt, n, &at));
    // (workload, strategy, network) → jobs over all replicates.
    let mut jobs: BTreeMap<(&str, &str, &str), f64> = BTreeMap::new();
    for r in rt.rows.iter().filter(|r| at(r)) {
        *jobs.entry((&r[w], &r[s], &r[n])).or_default() += num(&r[j]).unwrap_or(0.0);
    }
    let panels: Vec<HeatPanel> = workloads
        .iter()
        .map(|wl| {
            let cells = networks
                .iter()
                .map(|net| {
                    strategies
                        .iter()
                        .map(|st| {
                            let of = |x: &str| jobs.get(&(wl, st, x)).copied().unwrap_or(0.0);
                            let total: f64 = networks.iter().map(|x| of(x)).sum();
                            (total > 0.0).then(|| (100.0 * of(net) / total).round())
                        })
                        .collect()
                })
                .collect();
            HeatPanel {
                title: wl.clone(),
                cells,
            }
        })
        .filter(|p: &HeatPanel| p.cells.iter().flatten().any(Option::is_some))
        .collect();
    if panels.is_empty() {
        return Ok(None);
    }
    let title = if note.is_empty() {
        "Where each workload's jobs went (%)".to_string()
    } else {
        format!("Where each workload's jobs went (%), {note}")
    };
    let h = Heatmap {
        title,
        x_label: "network".into(),
        y_label: "strategy".into(),
        x_categories: networks,
        y_categories: strategies,
        panels,
    };
    let caption = "One panel per workload: the share of its jobs (percent, over all replicates, rounded) that each \
                   strategy sent to each network; a row sums to 100 up to rounding. Grey cells: the strategy routed none of the workload's jobs."
        .to_string();
    let svg = draw_heatmap(&h)?;
    Ok(Some((ROUTING.into(), h.title.clone(), caption, svg)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> Table {
        Table::parse(csv.as_bytes(), "test.csv").unwrap()
    }

    #[test]
    fn routing_rows_sum_to_one_hundred_per_strategy() {
        let t = table(
            "point,replicate,strategy,workload,network,jobs_routed\n\
             0,0,by_kind,web,akash,30\n0,0,by_kind,web,cloud,10\n\
             0,1,by_kind,web,akash,50\n0,1,by_kind,web,cloud,10\n\
             0,0,cheapest,web,akash,0\n0,0,cheapest,web,cloud,20\n",
        );
        let (file, _, _, svg) = routing(&t, 0, "").unwrap().unwrap();
        assert_eq!(file, ROUTING);
        // by_kind: 80 of 100 on akash, 20 on the cloud; cheapest all cloud.
        for label in ["80", "20", "100"] {
            assert!(svg.contains(&format!(">\n{label}\n<")), "no cell {label}");
        }
    }

    #[test]
    fn cost_vs_wait_has_one_marker_per_strategy() {
        let t = table(
            "point,replicate,strategy,usd_per_gpu_hour_all_jobs,mean_wait_h\n\
             0,0,by_kind,1.0,0.5\n0,1,by_kind,1.2,0.7\n0,0,only:akash,0.8,2.0\n0,1,only:akash,0.9,2.2\n\
             1,0,by_kind,9,9\n",
        );
        let st = st_chart(&t);
        assert_eq!(st, vec!["by_kind", "only:akash"]);
    }

    fn st_chart(t: &Table) -> Vec<String> {
        let (_, _, _, svg) = cost_vs_wait(t, 0, "").unwrap().unwrap();
        ["by_kind", "only:akash"]
            .iter()
            .filter(|n| svg.contains(*n))
            .map(|n| n.to_string())
            .collect()
    }
}
