//! `depinsim table DIR`: the per-design comparison of a results directory as
//! a Markdown table (mean ± 95% CI half-width over replicates), read from
//! its `aggregate.csv`.

use crate::cli::TableArgs;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;

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
    if let Some(metric) = &args.by_workload {
        let path = args.dir.join("workloads.csv");
        let file = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::input(
                &file,
                "",
                format!("cannot read it ({e}); `depinsim run` and `depinsim sweep` write it"),
            )
        })?;
        print!("{}", by_workload(&bytes, &file, args.point, metric)?);
        return Ok(());
    }
    let path = args.dir.join("aggregate.csv");
    let file = path.display().to_string();
    let bytes = std::fs::read(&path).map_err(|e| {
        Error::input(
            &file,
            "",
            format!("cannot read it ({e}); run with --replications 2 or more to get aggregate.csv"),
        )
    })?;
    let metrics: Vec<String> = if args.metrics.is_empty() {
        DEFAULT_METRICS.iter().map(|s| s.to_string()).collect()
    } else {
        args.metrics.clone()
    };
    print!("{}", markdown(&bytes, &file, args.point, &metrics)?);
    Ok(())
}

/// The Markdown table of `metrics` at `point` from `aggregate.csv` bytes:
/// one row per metric, one column per design in order of appearance.
pub fn markdown(aggregate: &[u8], file: &str, point: u64, metrics: &[String]) -> Result<String> {
    // Every cell is checked first: a damaged file is named, not shown blank.
    let t = crate::plot::data::Table::parse(aggregate, file)?;
    let cols = crate::plot::data::columns_of("aggregate.csv").expect("aggregate.csv has checks");
    crate::output::verify::check_table(file, &t.headers, &t.rows, &cols)?;
    let bad = |e: csv::Error| Error::input(file, "", format!("not a valid aggregate.csv: {e}"));
    let mut rdr = csv::Reader::from_reader(aggregate);
    let headers = rdr.headers().map_err(bad)?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::input(file, name, "column missing: not an aggregate.csv"))
    };
    let (pc, dc, mc) = (col("point")?, col("design")?, col("metric")?);
    let (mean_c, lo_c, hi_c, n_c) = (col("mean")?, col("ci95_low")?, col("ci95_high")?, col("n")?);
    let mut designs: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut known: Vec<String> = Vec::new();
    let mut reps = 0;
    for rec in rdr.records() {
        let rec = rec.map_err(bad)?;
        if rec[pc].parse::<u64>().ok() != Some(point) {
            continue;
        }
        let (d, m) = (rec[dc].to_string(), rec[mc].to_string());
        if !designs.contains(&d) {
            designs.push(d.clone());
        }
        if !known.contains(&m) {
            known.push(m.clone());
        }
        reps = reps.max(rec[n_c].parse::<usize>().unwrap_or(0));
        cells.insert((m, d), cell(&rec[mean_c], &rec[lo_c], &rec[hi_c]));
    }
    if designs.is_empty() {
        return Err(Error::input(
            file,
            "point",
            format!("has no rows for point {point}"),
        ));
    }
    for m in metrics {
        if !known.contains(m) {
            let hint = crate::error::closest(m, known.iter().map(String::as_str))
                .map(|c| format!(" (did you mean {c:?}?)"))
                .unwrap_or_default();
            return Err(Error::Usage(format!("unknown metric {m:?}{hint}")));
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| metric (mean ± 95% CI, n = {reps}) | {} |",
        designs.join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---:|".repeat(designs.len()));
    for m in metrics {
        let row: Vec<&str> = designs
            .iter()
            .map(|d| {
                cells
                    .get(&(m.clone(), d.clone()))
                    .map_or("", String::as_str)
            })
            .collect();
        let _ = writeln!(out, "| {m} | {} |", row.join(" | "));
    }
    Ok(out)
}

/// The Markdown table of `metric` at `point` from `workloads.csv` bytes: one
/// row per workload, one column per design, mean ± 95% CI half-width over
/// the replicates where the design served the workload ("—" where it served
/// none).
pub fn by_workload(workloads: &[u8], file: &str, point: u64, metric: &str) -> Result<String> {
    let table = crate::plot::data::Table::parse(workloads, file)?;
    let cols = crate::plot::data::columns_of("workloads.csv").expect("workloads.csv has checks");
    crate::output::verify::check_table(file, &table.headers, &table.rows, &cols)?;
    // The metrics are the file's columns after the run and workload ones.
    const KEYS: [&str; 4] = ["point", "replicate", "design", "workload"];
    let metrics = table
        .headers
        .iter()
        .map(String::as_str)
        .filter(|h| !KEYS.contains(h));
    if KEYS.contains(&metric) || !metrics.clone().any(|h| h == metric) {
        let hint = crate::error::closest(metric, metrics)
            .map(|c| format!(" (did you mean {c:?}?)"))
            .unwrap_or_default();
        return Err(Error::Usage(format!(
            "--by-workload: unknown metric {metric:?}{hint}"
        )));
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
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| {metric} by workload (mean ± 95% CI) | {} |",
        designs.join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---:|".repeat(designs.len()));
    for w in &by.workloads {
        let row: Vec<String> = designs
            .iter()
            .map(|d| match by.stat(w, d) {
                Some(st) => format_cell(st.mean, st.half),
                None => "—".into(),
            })
            .collect();
        let _ = writeln!(out, "| {w} | {} |", row.join(" | "));
    }
    Ok(out)
}

/// "mean ± half-width" rounded to the precision the interval supports, or
/// "—" when undefined.
fn cell(mean: &str, lo: &str, hi: &str) -> String {
    let Ok(m) = mean.parse::<f64>() else {
        return "—".into();
    };
    let h = match (lo.parse::<f64>(), hi.parse::<f64>()) {
        (Ok(l), Ok(h)) => Some((h - l) / 2.0),
        _ => None,
    };
    format_cell(m, h)
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
