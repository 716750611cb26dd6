//! `depinsim table DIR`: the per-design comparison of a results directory
//! (mean ± 95% CI half-width over replicates, from its `aggregate.csv`; the
//! values alone from `summary.csv` for a run of one replicate), per metric,
//! per workload (`--by-workload`) or per value of a swept parameter
//! (`--by-param`), as Markdown, CSV or JSON (`--format`).

pub use crate::cli::Format;
use crate::cli::TableArgs;
use crate::error::{Error, Result};
use std::fmt::Write as _;
use std::path::Path;

/// The metrics shown when `--metric` is not given: cost, waiting,
/// stability, rework, quality and lost demand.
pub const DEFAULT_METRICS: [&str; 9] = [
    "usd_per_gpu_hour",
    "mean_wait_h",
    "p95_wait_h",
    "interruptions_per_1k_gpu_h",
    "rework_share",
    "bad_frame_share",
    "jobs_lost_to_cloud",
    "jobs_not_served",
    "utilization",
];

/// Prints the table for `args.dir`.
pub fn run(args: TableArgs) -> Result<()> {
    crate::output::verify::check_dir(&args.dir)?;
    let grid = if args.strategies {
        strategies_grid(&args.dir, args.point, &args.metrics)?
    } else if let Some(metric) = &args.by_workload {
        let path = args.dir.join("workloads.csv");
        let file = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::input(
                &file,
                "",
                format!("cannot read it ({e}); `depinsim run` and `depinsim sweep` write it"),
            )
        })?;
        by_workload_grid(&bytes, &file, args.point, metric)?
    } else {
        // A run of one replicate has no aggregate.csv: its summary.csv
        // gives the values, without intervals.
        let agg = crate::plot::data::Aggregate::read(&args.dir)?;
        let file = args.dir.join(if agg.from_file {
            "aggregate.csv"
        } else {
            "summary.csv"
        });
        let file = file.display().to_string();
        match &args.by_param {
            Some(key) => by_param_grid(&agg, &file, key, &args.metrics)?,
            None => {
                let metrics: Vec<String> = if args.metrics.is_empty() {
                    DEFAULT_METRICS
                        .iter()
                        .filter(|m| agg.metrics.iter().any(|k| k == *m))
                        .map(|s| s.to_string())
                        .collect()
                } else {
                    args.metrics.clone()
                };
                metric_grid(&agg, &file, args.point, &metrics)?
            }
        }
    };
    print!("{}", grid.render(args.format));
    Ok(())
}

/// One cell: the mean over `n` replicates and its 95% CI (`None` with one
/// replicate).
#[derive(Debug, Clone, Copy)]
struct Cell {
    mean: f64,
    ci: Option<(f64, f64)>,
    n: usize,
}

/// A table of rows (metrics, workloads or parameter values) by designs,
/// with what the rows are keyed by, ready to print in any [`Format`].
#[derive(Debug, Default)]
pub struct Grid {
    /// The Markdown header's first cell.
    title: String,
    /// Lines printed above the Markdown table (the point's parameters).
    preamble: Vec<String>,
    /// The names of the row keys (`metric`; `workload`; the parameters).
    key_names: Vec<String>,
    /// Fixed columns of every record in CSV and JSON (`point`, the
    /// metric of a by-workload or by-parameter table, parameter values).
    fixed: Vec<(String, String)>,
    /// Rows: their keys (one per key name) and, per design, the cell.
    rows: Vec<(Vec<String>, Vec<Option<Cell>>)>,
    designs: Vec<String>,
}

impl Grid {
    /// The table as text in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Markdown => self.markdown(),
            Format::Csv => self.csv(),
            Format::Json => self.json(),
        }
    }

    fn markdown(&self) -> String {
        let mut out = String::new();
        for line in &self.preamble {
            let _ = writeln!(out, "{line}\n");
        }
        let keys = self.key_names.len().max(1);
        let mut head = vec![self.title.clone()];
        head.extend(self.key_names.iter().skip(1).cloned());
        let _ = writeln!(
            out,
            "| {} | {} |",
            head.join(" | "),
            self.designs.join(" | ")
        );
        let _ = writeln!(
            out,
            "|{}{}",
            "---|".repeat(keys),
            "---:|".repeat(self.designs.len())
        );
        for (key, cells) in &self.rows {
            let shown: Vec<String> = cells
                .iter()
                .map(|c| match c {
                    Some(c) => format_cell(c.mean, c.ci.map(|(l, h)| (h - l) / 2.0)),
                    None => "—".into(),
                })
                .collect();
            let _ = writeln!(out, "| {} | {} |", key.join(" | "), shown.join(" | "));
        }
        out
    }

    /// The records: fixed columns, keys, design and the cell's numbers.
    fn records(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut header: Vec<String> = self.fixed.iter().map(|(k, _)| k.clone()).collect();
        header.extend(self.key_names.iter().cloned());
        header.extend(["design", "mean", "ci95_low", "ci95_high", "n"].map(String::from));
        let mut records = Vec::new();
        for (key, cells) in &self.rows {
            for (d, c) in self.designs.iter().zip(cells) {
                let Some(c) = c else { continue };
                let mut r: Vec<String> = self.fixed.iter().map(|(_, v)| v.clone()).collect();
                r.extend(key.iter().cloned());
                r.push(d.clone());
                r.push(c.mean.to_string());
                r.push(c.ci.map_or(String::new(), |(l, _)| l.to_string()));
                r.push(c.ci.map_or(String::new(), |(_, h)| h.to_string()));
                r.push(c.n.to_string());
                records.push(r);
            }
        }
        (header, records)
    }

    fn csv(&self) -> String {
        let (header, records) = self.records();
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(&header);
        for r in records {
            let _ = w.write_record(&r);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    fn json(&self) -> String {
        let (header, records) = self.records();
        let rows: Vec<serde_json::Value> = records
            .into_iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                for (k, v) in header.iter().zip(r) {
                    let value = match k.as_str() {
                        "n" | "point" => {
                            v.parse::<u64>().map_or(serde_json::Value::Null, Into::into)
                        }
                        "mean" | "ci95_low" | "ci95_high" => v
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map_or(serde_json::Value::Null, serde_json::Value::Number),
                        _ => serde_json::Value::String(v),
                    };
                    o.insert(k.clone(), value);
                }
                serde_json::Value::Object(o)
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// The Markdown table of `metrics` at `point` from `aggregate.csv` bytes:
/// one row per metric, one column per design in order of appearance.
pub fn markdown(aggregate: &[u8], file: &str, point: u64, metrics: &[String]) -> Result<String> {
    // Every cell is checked first: a damaged file is named, not shown blank.
    let t = crate::plot::data::Table::parse(aggregate, file)?;
    let cols = crate::plot::data::columns_of("aggregate.csv").expect("aggregate.csv has checks");
    crate::output::verify::check_table(file, &t.headers, &t.rows, &cols)?;
    let agg = crate::plot::data::Aggregate::from_table(&t, file, true)?;
    Ok(metric_grid(&agg, file, point, metrics)?.render(Format::Markdown))
}

/// An unknown `metric`: the error lists the valid ones (and the closest).
fn unknown_metric(what: &str, metric: &str, known: &[String]) -> Error {
    let hint = crate::error::closest(metric, known.iter().map(String::as_str))
        .map(|c| format!(" (did you mean {c:?}?)"))
        .unwrap_or_default();
    Error::Usage(format!(
        "{what}unknown metric {metric:?}{hint}; the metrics are: {}",
        known.join(", ")
    ))
}

/// The cell of an aggregate statistic.
fn cell_of(st: &crate::plot::data::Stat) -> Option<Cell> {
    Some(Cell {
        mean: st.mean?,
        ci: st.lo.zip(st.hi),
        n: st.n,
    })
}

/// The point's swept parameters as `key = value` pairs.
fn point_params(agg: &crate::plot::data::Aggregate, point: u64) -> Vec<(String, String)> {
    let values = agg.param_values.get(&point).cloned().unwrap_or_default();
    agg.params.iter().cloned().zip(values).collect()
}

/// One row per metric at `point`, one column per design.
fn metric_grid(
    agg: &crate::plot::data::Aggregate,
    file: &str,
    point: u64,
    metrics: &[String],
) -> Result<Grid> {
    if !agg.points.contains(&point) {
        let range = match (agg.points.first(), agg.points.last()) {
            (Some(a), Some(b)) if a != b => format!(" (points are {a} to {b})"),
            (Some(a), _) => format!(" (the only point is {a})"),
            _ => String::new(),
        };
        return Err(Error::input(
            file,
            "point",
            format!("has no rows for point {point}{range}"),
        ));
    }
    for m in metrics {
        if !agg.metrics.contains(m) {
            return Err(unknown_metric("", m, &agg.metrics));
        }
    }
    let reps = (agg.designs.iter())
        .flat_map(|d| metrics.iter().filter_map(move |m| agg.get(point, d, m)))
        .map(|st| st.n)
        .max()
        .unwrap_or(0);
    let title = if reps > 1 {
        format!("metric (mean ± 95% CI, n = {reps})")
    } else {
        "metric (one replicate: values, no CI)".to_string()
    };
    let params = point_params(agg, point);
    let mut preamble = Vec::new();
    if !params.is_empty() {
        let kv: Vec<String> = params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        preamble.push(format!("Point {point}: {}", kv.join(", ")));
    }
    let mut fixed = vec![("point".to_string(), point.to_string())];
    fixed.extend(params);
    let rows = metrics
        .iter()
        .map(|m| {
            let cells = (agg.designs.iter())
                .map(|d| agg.get(point, d, m).and_then(cell_of))
                .collect();
            (vec![m.clone()], cells)
        })
        .collect();
    Ok(Grid {
        title,
        preamble,
        key_names: vec!["metric".into()],
        fixed,
        rows,
        designs: agg.designs.clone(),
    })
}

/// `--by-param KEY`: one row per point, sorted by KEY's value (the other
/// swept parameters beside it), one column per design, for each metric
/// (default `usd_per_gpu_hour`).
fn by_param_grid(
    agg: &crate::plot::data::Aggregate,
    file: &str,
    key: &str,
    metrics: &[String],
) -> Result<Grid> {
    let Some(k) = agg.params.iter().position(|p| p == key) else {
        if agg.params.is_empty() {
            return Err(Error::Usage(format!(
                "--by-param {key}: {file} is not of a sweep (it has no swept parameters)"
            )));
        }
        let hint = crate::error::closest(key, agg.params.iter().map(String::as_str))
            .map(|c| format!(" (did you mean {c:?}?)"))
            .unwrap_or_default();
        return Err(Error::Usage(format!(
            "--by-param: {key:?} is not a swept parameter{hint}; the swept parameters are: {}",
            agg.params.join(", ")
        )));
    };
    let metrics: Vec<String> = if metrics.is_empty() {
        vec!["usd_per_gpu_hour".into()]
    } else {
        metrics.to_vec()
    };
    for m in &metrics {
        if !agg.metrics.contains(m) {
            return Err(unknown_metric("", m, &agg.metrics));
        }
    }
    let others: Vec<usize> = (0..agg.params.len()).filter(|&i| i != k).collect();
    let value = |pt: u64| agg.param_values[&pt][k].clone();
    let mut points = agg.points.clone();
    // Numbers in numeric order, other values as written; ties keep points.
    points.sort_by(|a, b| {
        let (va, vb) = (value(*a), value(*b));
        match (va.parse::<f64>(), vb.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.total_cmp(&y),
            _ => va.cmp(&vb),
        }
    });
    let mut key_names = vec![key.to_string()];
    if metrics.len() > 1 {
        key_names.insert(0, "metric".into());
    }
    key_names.extend(others.iter().map(|&i| agg.params[i].clone()));
    let mut rows = Vec::new();
    let mut reps = 0;
    for m in &metrics {
        for &pt in &points {
            let mut keys = Vec::new();
            if metrics.len() > 1 {
                keys.push(m.clone());
            }
            keys.push(value(pt));
            keys.extend(others.iter().map(|&i| agg.param_values[&pt][i].clone()));
            let cells: Vec<Option<Cell>> = (agg.designs.iter())
                .map(|d| agg.get(pt, d, m).and_then(cell_of))
                .collect();
            reps = cells.iter().flatten().map(|c| c.n).fold(reps, usize::max);
            rows.push((keys, cells));
        }
    }
    let what = if metrics.len() == 1 {
        metrics[0].clone()
    } else {
        "metric".into()
    };
    let ci = if reps > 1 {
        format!("mean ± 95% CI, n = {reps}")
    } else {
        "one replicate, no CI".into()
    };
    let title = if metrics.len() > 1 {
        format!("metric ({ci})")
    } else {
        format!("{key} ({what}: {ci})")
    };
    let fixed = if metrics.len() == 1 {
        vec![("metric".to_string(), what)]
    } else {
        Vec::new()
    };
    Ok(Grid {
        title,
        preamble: Vec::new(),
        key_names,
        fixed,
        rows,
        designs: agg.designs.clone(),
    })
}

/// The Markdown table of `metric` at `point` from `workloads.csv` bytes: one
/// row per workload, one column per design, mean ± 95% CI half-width over
/// the replicates where the design served the workload ("—" where it served
/// none).
pub fn by_workload(workloads: &[u8], file: &str, point: u64, metric: &str) -> Result<String> {
    Ok(by_workload_grid(workloads, file, point, metric)?.render(Format::Markdown))
}

fn by_workload_grid(workloads: &[u8], file: &str, point: u64, metric: &str) -> Result<Grid> {
    let table = crate::plot::data::Table::parse(workloads, file)?;
    let cols = crate::plot::data::columns_of("workloads.csv").expect("workloads.csv has checks");
    crate::output::verify::check_table(file, &table.headers, &table.rows, &cols)?;
    // The metrics are the file's columns after the run and workload ones.
    const KEYS: [&str; 4] = ["point", "replicate", "design", "workload"];
    let metrics: Vec<String> = (table.headers.iter())
        .filter(|h| !KEYS.contains(&h.as_str()))
        .cloned()
        .collect();
    if KEYS.contains(&metric) || !metrics.iter().any(|h| h == metric) {
        return Err(unknown_metric("--by-workload: ", metric, &metrics));
    }
    let by = crate::plot::data::ByWorkload::read(&table, point, metric)
        .ok_or_else(|| Error::input(file, "workload", "column missing: not a workloads.csv"))?;
    let designs = &by.designs;
    if designs.is_empty() {
        return Err(Error::input(
            file,
            "point",
            format!("has no rows for point {point}"),
        ));
    }
    let rows = (by.workloads.iter())
        .map(|w| {
            let cells = (designs.iter())
                .map(|d| {
                    by.stat(w, d).map(|st| Cell {
                        mean: st.mean,
                        ci: st.half.map(|h| (st.mean - h, st.mean + h)),
                        n: st.n,
                    })
                })
                .collect();
            (vec![w.clone()], cells)
        })
        .collect();
    Ok(Grid {
        title: format!("{metric} by workload (mean ± 95% CI)"),
        preamble: Vec::new(),
        key_names: vec!["workload".into()],
        fixed: vec![
            ("point".into(), point.to_string()),
            ("metric".into(), metric.to_string()),
        ],
        rows,
        designs: designs.clone(),
    })
}

/// The columns `table --strategies` shows unless told.
const STRATEGY_METRICS: [&str; 6] = [
    "usd_per_gpu_hour_all_jobs",
    "usd_per_gpu_hour",
    "mean_wait_h",
    "p95_wait_h",
    "interruptions_per_1k_gpu_h",
    "jobs_lost_to_cloud",
];

/// World runs: one row per strategy of `dir/strategies.csv` at `point`
/// (in order of appearance), one column per metric, mean ± 95% CI over the
/// replicates.
fn strategies_grid(dir: &Path, point: u64, metrics: &[String]) -> Result<Grid> {
    let file = dir.join("strategies.csv").display().to_string();
    let t = crate::plot::data::Table::read_all(dir, "strategies.csv")?.ok_or_else(|| {
        Error::input(
            &file,
            "",
            "no such file: --strategies reads the strategies.csv of world runs (a scenario with [world])",
        )
    })?;
    const KEYS: [&str; 4] = ["point", "replicate", "seed", "strategy"];
    let known: Vec<String> = (t.headers.iter())
        .filter(|h| !KEYS.contains(&h.as_str()))
        .cloned()
        .collect();
    let metrics: Vec<String> = if metrics.is_empty() {
        STRATEGY_METRICS.iter().map(|m| m.to_string()).collect()
    } else {
        metrics.to_vec()
    };
    if let Some(m) = metrics.iter().find(|m| !known.contains(m)) {
        return Err(unknown_metric("--strategies: ", m, &known));
    }
    let col = |name: &str| t.col(name).expect("checked columns");
    let (p, s) = (col("point"), col("strategy"));
    let at = point.to_string();
    let mut names: Vec<String> = Vec::new();
    for row in t.rows.iter().filter(|r| r[p] == at) {
        if !names.iter().any(|n| n == &row[s]) {
            names.push(row[s].to_string());
        }
    }
    if names.is_empty() {
        return Err(Error::input(
            &file,
            "point",
            format!("has no rows for point {point}"),
        ));
    }
    let rows = (names.iter())
        .map(|name| {
            let cells = (metrics.iter())
                .map(|m| {
                    let c = col(m);
                    let xs: Vec<f64> = (t.rows.iter())
                        .filter(|r| r[p] == at && &r[s] == name)
                        .filter_map(|r| crate::plot::data::num(&r[c]))
                        .collect();
                    let (mean, _, half) = crate::metrics::stats::mean_sd_ci(&xs);
                    mean.map(|mean| Cell {
                        mean,
                        ci: half.map(|h| (mean - h, mean + h)),
                        n: xs.len(),
                    })
                })
                .collect();
            (vec![name.clone()], cells)
        })
        .collect();
    Ok(Grid {
        title: "strategy (mean ± 95% CI)".into(),
        preamble: Vec::new(),
        key_names: vec!["strategy".into()],
        fixed: vec![("point".into(), point.to_string())],
        rows,
        designs: metrics,
    })
}

/// `m ± h` with `h` to two significant figures and `m` to match (`m` to
/// three when there is no interval).
fn format_cell(m: f64, h: Option<f64>) -> String {
    // Decimals that give `sig` significant figures of `x`.
    let decimals = |x: f64, sig: i64| -> usize {
        if x == 0.0 || !x.is_finite() {
            0
        } else {
            (sig - 1 - x.abs().log10().floor() as i64).clamp(0, 8) as usize
        }
    };
    // A half-width that is float noise (identical values across replicates
    // summed in a different order) is 0.
    let h = h.map(|h| if h <= 1e-9 * m.abs() { 0.0 } else { h });
    // The half-width to two significant figures, the mean to match.
    let d = match h {
        Some(h) if h > 0.0 => decimals(h, 2),
        _ => decimals(m, 3),
    };
    match h {
        Some(h) => format!("{m:.d$} ± {h:.d$}"),
        // A count of one replicate reads as a count.
        None if m.fract() == 0.0 && m.abs() < 1e15 => format!("{m:.0}"),
        None => format!("{m:.d$}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_half_width_of_float_noise_reads_zero() {
        assert_eq!(format_cell(172485.12202683, Some(3e-8)), "172485 ± 0");
        assert_eq!(format_cell(1.5, Some(0.25)), "1.50 ± 0.25");
    }

    const AGG: &str = "point,design,metric,mean,sd,n,ci95_low,ci95_high
0,akash,usd_per_gpu_hour,1.234567,0.1,5,1.1,1.369134
0,akash,jobs_not_served,0,0,5,0,0
0,ionet,usd_per_gpu_hour,2.5,0.1,5,2.4,2.6
0,ionet,jobs_not_served,120.4,3,5,116.2,124.6
1,ionet,usd_per_gpu_hour,9,0,5,9,9
";

    #[test]
    fn rows_are_metrics_and_columns_designs() {
        let m = vec![
            "usd_per_gpu_hour".to_string(),
            "jobs_not_served".to_string(),
        ];
        let t = markdown(AGG.as_bytes(), "a.csv", 0, &m).unwrap();
        assert_eq!(
            t,
            "| metric (mean ± 95% CI, n = 5) | akash | ionet |\n\
             |---|---:|---:|\n\
             | usd_per_gpu_hour | 1.23 ± 0.13 | 2.50 ± 0.10 |\n\
             | jobs_not_served | 0 ± 0 | 120.4 ± 4.2 |\n"
        );
    }

    #[test]
    fn unknown_metric_is_named_with_a_suggestion() {
        let m = vec!["usd_per_gpu_hr".to_string()];
        let e = markdown(AGG.as_bytes(), "a.csv", 0, &m)
            .unwrap_err()
            .to_string();
        assert!(e.contains("usd_per_gpu_hour"), "{e}");
    }

    #[test]
    fn by_workload_rows_are_workloads_with_dashes_where_not_served() {
        // Two replicates; ionet serves no web job (empty price).
        let csv = "point,replicate,design,workload,usd_per_gpu_hour
0,0,akash,train,1.0
0,0,akash,web,0.04
0,0,ionet,train,2.0
0,0,ionet,web,
0,1,akash,train,3.0
0,1,akash,web,0.04
0,1,ionet,train,2.0
0,1,ionet,web,
1,0,akash,train,99
";
        let t = by_workload(csv.as_bytes(), "w.csv", 0, "usd_per_gpu_hour").unwrap();
        // train on akash: mean 2, sd √2, t(0.975, 1) = 12.706 → ± 12.706.
        assert_eq!(
            t,
            "| usd_per_gpu_hour by workload (mean ± 95% CI) | akash | ionet |\n\
             |---|---:|---:|\n\
             | train | 2 ± 13 | 2.00 ± 0.00 |\n\
             | web | 0.0400 ± 0.0000 | — |\n"
        );
        let e = by_workload(csv.as_bytes(), "w.csv", 0, "usd")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown metric"), "{e}");
    }
}
