//! `aggregate.csv`: per (point, design, metric) the mean, standard deviation,
//! n and a 95% confidence interval (Student t) over replicates, then the
//! swept parameters' values. Computed from the bytes of `summary.csv`, so it
//! is a pure function of that file; read as a stream, one point at a time,
//! so a sweep of any size aggregates in the memory of one point.

use super::header_of;
use crate::error::{Error, Result};
pub use crate::metrics::stats::mean_sd_ci;
use serde::Serialize;
use std::io::{Read, Write};

/// Summary columns that identify a run rather than measure it.
const ID_COLUMNS: [&str; 5] = ["point", "replicate", "seed", "design", "strategy"];

/// One row of `aggregate.csv` (the swept parameters' values follow it).
#[derive(Serialize, Debug, PartialEq)]
pub struct AggregateRow {
    pub point: u64,
    pub design: String,
    pub metric: String,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub n: usize,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

/// Aggregates the CSV text of a summary into the bytes of `aggregate.csv`.
pub fn aggregate_csv(summary: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    aggregate_stream(summary, &mut out, &[])?;
    Ok(out)
}

/// The rows of one point while it is read: designs in order of first
/// appearance, each with its values per metric.
struct PointGroup {
    point: u64,
    /// The point's values of the swept parameters (from its first row).
    params: Vec<String>,
    designs: Vec<(String, Vec<Vec<f64>>)>,
}

/// Streams the summary CSV `summary` into `aggregate.csv` on `out`. The
/// columns named in `params` are swept parameters: they are not metrics, and
/// their values are appended to each row. Rows are ordered by point, then
/// design in order of first appearance within the point, then metric in
/// column order; the summary's rows must come in point order, as every
/// summary depinsim writes does. Empty cells (undefined metrics) are left
/// out of n.
pub fn aggregate_stream<R: Read, W: Write>(summary: R, out: W, params: &[String]) -> Result<()> {
    let bad = |e: csv::Error| Error::Other(format!("cannot read summary rows: {e}"));
    let mut rdr = csv::Reader::from_reader(summary);
    let headers = rdr.headers().map_err(bad)?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Other(format!("summary has no {name} column")))
    };
    let (point_col, design_col) = (col("point")?, col("design")?);
    // World runs' rows (a non-empty strategy) are left out: the aggregate
    // is of the designs alone, as in a run directory.
    let strategy_col = headers.iter().position(|h| h == "strategy");
    let param_cols: Vec<usize> = params.iter().map(|p| col(p)).collect::<Result<_>>()?;
    let metrics: Vec<(usize, &str)> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !ID_COLUMNS.contains(h) && !params.iter().any(|p| p == h))
        .collect();
    let mut w = AggregateWriter {
        csv: csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out),
        params,
        header_done: false,
    };
    let mut group: Option<PointGroup> = None;
    for rec in rdr.records() {
        let rec = rec.map_err(bad)?;
        if strategy_col.is_some_and(|c| !rec[c].is_empty()) {
            continue;
        }
        let point: u64 = rec[point_col]
            .parse()
            .map_err(|_| Error::Other(format!("bad point {:?} in summary", &rec[point_col])))?;
        match &group {
            Some(g) if g.point == point => {}
            Some(g) if g.point > point => {
                return Err(Error::Other(format!(
                    "summary rows are not in point order: point {point} after point {}",
                    g.point
                )));
            }
            _ => {
                if let Some(done) = group.take() {
                    w.write_point(done, &metrics)?;
                }
                group = Some(PointGroup {
                    point,
                    params: param_cols.iter().map(|&c| rec[c].to_string()).collect(),
                    designs: Vec::new(),
                });
            }
        }
        let g = group.as_mut().expect("a group was just opened");
        let design = &rec[design_col];
        let d = match g.designs.iter().position(|(name, _)| name == design) {
            Some(d) => d,
            None => {
                g.designs
                    .push((design.to_string(), vec![Vec::new(); metrics.len()]));
                g.designs.len() - 1
            }
        };
        let values = &mut g.designs[d].1;
        for (m, &(c, _)) in metrics.iter().enumerate() {
            if let Ok(v) = rec[c].parse::<f64>()
                && v.is_finite()
            {
                values[m].push(v);
            }
        }
    }
    if let Some(done) = group {
        w.write_point(done, &metrics)?;
    }
    w.csv
        .flush()
        .map_err(|e| Error::Other(format!("cannot write aggregate rows: {e}")))
}

/// Writes aggregate rows, the header before the first.
struct AggregateWriter<'a, W: Write> {
    csv: csv::Writer<W>,
    params: &'a [String],
    header_done: bool,
}

impl<W: Write> AggregateWriter<'_, W> {
    fn write_point(&mut self, g: PointGroup, metrics: &[(usize, &str)]) -> Result<()> {
        let err = |e: csv::Error| Error::Other(format!("cannot write aggregate rows: {e}"));
        for (design, values) in g.designs {
            for (m, &(_, name)) in metrics.iter().enumerate() {
                let (mean, sd, half) = mean_sd_ci(&values[m]);
                let row = AggregateRow {
                    point: g.point,
                    design: design.clone(),
                    metric: name.to_string(),
                    mean,
                    sd,
                    n: values[m].len(),
                    ci95_low: mean.zip(half).map(|(m, h)| m - h),
                    ci95_high: mean.zip(half).map(|(m, h)| m + h),
                };
                if !self.header_done {
                    let mut header = header_of(&row)?;
                    header.extend(self.params);
                    self.csv.write_record(&header).map_err(err)?;
                    self.header_done = true;
                }
                self.csv.serialize((&row, &g.params)).map_err(err)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_uses_student_t() {
        // n = 5: t(0.975, 4) = 2.776445 (standard tables).
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        let (m, sd, h) = mean_sd_ci(&xs);
        assert_eq!(m, Some(3.0));
        assert!((sd.unwrap() - 2.5f64.sqrt()).abs() < 1e-12);
        assert!((h.unwrap() - 2.776445 * 2.5f64.sqrt() / 5f64.sqrt()).abs() < 1e-5);
        assert_eq!(mean_sd_ci(&[7.0]), (Some(7.0), None, None));
        assert_eq!(mean_sd_ci(&[]), (None, None, None));
    }

    #[test]
    fn aggregates_by_point_and_design_skipping_empty_cells() {
        let csv = "point,replicate,seed,design,a,b\n\
                   0,0,11,ionet,1,\n\
                   0,0,11,akash,10,5\n\
                   0,1,12,ionet,3,\n\
                   0,1,12,akash,30,7\n";
        let out = String::from_utf8(aggregate_csv(csv.as_bytes()).unwrap()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "point,design,metric,mean,sd,n,ci95_low,ci95_high");
        assert!(lines[1].starts_with("0,ionet,a,2.0,1.414"), "{}", lines[1]);
        assert_eq!(lines[2], "0,ionet,b,,,0,,");
        assert!(lines[3].starts_with("0,akash,a,20.0,"));
        assert!(lines[4].starts_with("0,akash,b,6.0,"));
    }

    #[test]
    fn swept_parameters_become_columns_not_metrics() {
        let csv = "point,replicate,seed,design,a,rate\n\
                   0,0,11,ionet,1,8\n\
                   0,1,12,ionet,3,8\n\
                   1,0,11,ionet,5,10\n\
                   1,1,12,ionet,9,10\n";
        let mut out = Vec::new();
        aggregate_stream(csv.as_bytes(), &mut out, &["rate".to_string()]).unwrap();
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "point,design,metric,mean,sd,n,ci95_low,ci95_high,rate"
        );
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[1].starts_with("0,ionet,a,2.0,"), "{}", lines[1]);
        assert!(lines[1].ends_with(",8"), "{}", lines[1]);
        assert!(lines[2].starts_with("1,ionet,a,7.0,"), "{}", lines[2]);
        assert!(lines[2].ends_with(",10"), "{}", lines[2]);
    }

    #[test]
    fn rows_out_of_point_order_are_refused() {
        let csv = "point,replicate,seed,design,a\n1,0,1,ionet,1\n0,0,1,ionet,2\n";
        let e = aggregate_stream(csv.as_bytes(), Vec::new(), &[]).unwrap_err();
        assert!(e.to_string().contains("point order"), "{e}");
        let e = aggregate_stream(csv.as_bytes(), Vec::new(), &["rate".into()]).unwrap_err();
        assert!(e.to_string().contains("no rate column"), "{e}");
    }
}
