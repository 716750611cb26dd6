//! `aggregate.csv`: per (point, design, metric) the mean, standard deviation,
//! n and a 95% confidence interval (Student t) over replicates. Computed from
//! the bytes of `summary.csv`, so it is a pure function of that file.

use super::csv_bytes;
use crate::error::{Error, Result};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::BTreeMap;

/// Summary columns that identify a run rather than measure it.
const ID_COLUMNS: [&str; 4] = ["point", "replicate", "seed", "design"];

/// One row of `aggregate.csv`.
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

/// Mean, sample sd and 95% CI half-width of `xs` (sd and CI need n ≥ 2).
pub fn mean_sd_ci(xs: &[f64]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let n = xs.len();
    if n == 0 {
        return (None, None, None);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (Some(mean), None, None);
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("n - 1 >= 1 degrees of freedom is valid")
        .inverse_cdf(0.975);
    (Some(mean), Some(sd), Some(t * sd / (n as f64).sqrt()))
}

/// Aggregates the CSV text of a summary into the bytes of `aggregate.csv`.
/// Rows are ordered by point, then design in order of first appearance, then
/// metric in column order. Empty cells (undefined metrics) are left out of n.
pub fn aggregate_csv(summary: &[u8]) -> Result<Vec<u8>> {
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
    let metrics: Vec<(usize, &str)> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !ID_COLUMNS.contains(h))
        .collect();
    // (point, design order) → design name and per-metric values.
    let mut design_order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<(u64, usize), Vec<Vec<f64>>> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(bad)?;
        let point: u64 = rec[point_col]
            .parse()
            .map_err(|_| Error::Other(format!("bad point {:?} in summary", &rec[point_col])))?;
        let design = &rec[design_col];
        let d = match design_order.iter().position(|x| x == design) {
            Some(d) => d,
            None => {
                design_order.push(design.to_string());
                design_order.len() - 1
            }
        };
        let values = groups
            .entry((point, d))
            .or_insert_with(|| vec![Vec::new(); metrics.len()]);
        for (m, &(c, _)) in metrics.iter().enumerate() {
            if let Ok(v) = rec[c].parse::<f64>()
                && v.is_finite()
            {
                values[m].push(v);
            }
        }
    }
    let mut rows = Vec::new();
    for ((point, d), values) in &groups {
        for (m, &(_, name)) in metrics.iter().enumerate() {
            let (mean, sd, half) = mean_sd_ci(&values[m]);
            rows.push(AggregateRow {
                point: *point,
                design: design_order[*d].clone(),
                metric: name.to_string(),
                mean,
                sd,
                n: values[m].len(),
                ci95_low: mean.zip(half).map(|(m, h)| m - h),
                ci95_high: mean.zip(half).map(|(m, h)| m + h),
            });
        }
    }
    csv_bytes(rows)
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
}
