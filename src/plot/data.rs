//! Reading a results directory for plots and reports: the CSVs as tables of
//! strings, the swept parameters of an `aggregate.csv`, and per-design
//! statistics across replicates.

use crate::error::{Error, Result};
use crate::metrics::stats::mean_sd_ci;
use crate::output::aggregate::aggregate_csv;
use crate::output::verify::{Columns, check_table};
use std::collections::BTreeMap;
use std::path::Path;

/// The columns of `aggregate.csv` that are not swept parameters.
pub const AGGREGATE_COLUMNS: [&str; 8] = [
    "point",
    "design",
    "metric",
    "mean",
    "sd",
    "n",
    "ci95_low",
    "ci95_high",
];

/// A CSV file held as strings: its header and rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<csv::StringRecord>,
}

impl Table {
    /// Parses CSV bytes; `file` names the source in errors.
    pub fn parse(bytes: &[u8], file: &str) -> Result<Self> {
        let bad = |e: csv::Error| Error::input(file, "", format!("not a valid CSV file: {e}"));
        let mut rdr = csv::Reader::from_reader(bytes);
        let headers = rdr
            .headers()
            .map_err(bad)?
            .iter()
            .map(String::from)
            .collect();
        let rows = rdr
            .records()
            .collect::<std::result::Result<_, _>>()
            .map_err(bad)?;
        Ok(Self { headers, rows })
    }

    /// Reads `dir/name`, or `None` when the file does not exist. A file
    /// depinsim writes is checked first, whole: its key columns are there
    /// and its numeric cells are numbers ([`columns_of`]). The rows of
    /// world runs (a non-empty `strategy`) are then left out: tables and
    /// charts of designs alone read these; world mode has its own files.
    pub fn read_opt(dir: &Path, name: &str) -> Result<Option<Self>> {
        let path = dir.join(name);
        let file = path.display().to_string();
        match std::fs::read(&path) {
            Ok(b) => {
                if let Some(cols) = columns_of(name) {
                    let t = Self::parse(&b, &file)?;
                    check_table(&file, &t.headers, &t.rows, &cols)?;
                }
                Self::parse(&crate::output::single_design_rows(&b)?, &file).map(Some)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::input(file, "", format!("cannot read it: {e}"))),
        }
    }

    /// Reads `dir/name` whole, world runs' rows included (`strategies.csv`,
    /// `routing.csv`), checked as [`Table::read_opt`] checks; `None` when
    /// the file does not exist.
    pub fn read_all(dir: &Path, name: &str) -> Result<Option<Self>> {
        let path = dir.join(name);
        let file = path.display().to_string();
        match std::fs::read(&path) {
            Ok(b) => {
                let t = Self::parse(&b, &file)?;
                if let Some(cols) = columns_of(name) {
                    check_table(&file, &t.headers, &t.rows, &cols)?;
                }
                Ok(Some(t))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::input(file, "", format!("cannot read it: {e}"))),
        }
    }

    /// The index of column `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }
}

/// The numeric columns of `summary.csv` (DESIGN.md's and the ones added
/// since) that readers use.
pub const SUMMARY_NUMBERS: [&str; 30] = [
    "jobs_submitted",
    "jobs_completed",
    "jobs_interrupted",
    "jobs_lost_to_cloud",
    "mean_wait_h",
    "p95_wait_h",
    "utilization",
    "availability",
    "gpu_hours_delivered",
    "usd_per_gpu_hour",
    "interruptions_per_1k_gpu_h",
    "fleet_mean",
    "fleet_cv",
    "provider_margin",
    "token_price_final_usd",
    "token_volatility",
    "tokens_minted",
    "tokens_burned",
    "token_max_drawdown",
    "token_supply_final",
    "token_rewards_usd",
    "interruptions",
    "lost_gpu_hours",
    "mean_queue_len",
    "user_usd",
    "jobs_not_served",
    "frames_delivered",
    "bad_frame_share",
    "rework_share",
    "seed",
];

/// What readers check of each CSV file depinsim writes; `None` for others.
pub fn columns_of(name: &str) -> Option<Columns<'static>> {
    Some(match name {
        "aggregate.csv" => Columns {
            required: &[
                "point",
                "design",
                "metric",
                "mean",
                "n",
                "ci95_low",
                "ci95_high",
            ],
            integers: &["point", "n"],
            numbers: &["mean", "sd", "ci95_low", "ci95_high"],
        },
        "summary.csv" => Columns {
            required: &["point", "replicate", "design"],
            integers: &["point", "replicate"],
            numbers: &SUMMARY_NUMBERS,
        },
        "timeseries.csv" => Columns {
            required: &["point", "replicate", "t_h", "design"],
            integers: &["point", "replicate"],
            numbers: &[
                "t_h",
                "gpus_online",
                "gpus_busy",
                "queue_len",
                "usd_per_gpu_hour",
                "token_price_usd",
                "token_supply",
                "tokens_minted_cum",
                "tokens_burned_cum",
                "jobs_running",
            ],
        },
        "waits.csv" => Columns {
            required: &["point", "replicate", "design", "prob", "wait_h"],
            integers: &["point", "replicate"],
            numbers: &["prob", "wait_h"],
        },
        "workloads.csv" => Columns {
            required: &["point", "replicate", "design", "workload"],
            integers: &["point", "replicate"],
            numbers: &[
                "jobs_submitted",
                "jobs_completed",
                "jobs_not_served",
                "jobs_lost_to_cloud",
                "mean_wait_h",
                "usd_per_gpu_hour",
                "interruptions_per_1k_gpu_h",
            ],
        },
        "strategies.csv" => Columns {
            required: &["point", "replicate", "strategy"],
            integers: &["point", "replicate", "jobs_submitted", "jobs_lost_to_cloud"],
            numbers: &[
                "usd_per_gpu_hour",
                "usd_per_gpu_hour_all_jobs",
                "mean_wait_h",
                "p95_wait_h",
            ],
        },
        "routing.csv" => Columns {
            required: &["point", "replicate", "strategy", "workload", "network"],
            integers: &["point", "replicate", "jobs_routed", "jobs_completed"],
            numbers: &["usd_per_gpu_hour", "mean_wait_h"],
        },
        _ => return None,
    })
}

/// Parses a CSV cell as a finite number; empty or non-numeric cells are `None`.
pub fn num(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// One aggregate cell: mean and 95% CI over replicates, as written in
/// `aggregate.csv` (the raw strings are kept for exact comparisons).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stat {
    pub mean: Option<f64>,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub n: usize,
    pub mean_text: String,
    pub lo_text: String,
    pub hi_text: String,
}

/// A results directory's `aggregate.csv`, indexed by point, design and metric.
#[derive(Debug, Clone, Default)]
pub struct Aggregate {
    /// Designs in order of first appearance.
    pub designs: Vec<String>,
    /// Metrics in column order.
    pub metrics: Vec<String>,
    /// Points in increasing order.
    pub points: Vec<u64>,
    /// Swept parameters (extra columns), in column order.
    pub params: Vec<String>,
    /// Each point's parameter values (as written), in `params` order.
    pub param_values: BTreeMap<u64, Vec<String>>,
    cells: BTreeMap<(u64, String, String), Stat>,
    /// True when read from `aggregate.csv`, false when computed from
    /// `summary.csv` (a run with one replicate has no aggregate file).
    pub from_file: bool,
}

impl Aggregate {
    /// Reads `dir/aggregate.csv`, or aggregates `dir/summary.csv` when the
    /// directory has no aggregate file.
    pub fn read(dir: &Path) -> Result<Self> {
        if let Some(t) = Table::read_opt(dir, "aggregate.csv")? {
            return Self::from_table(&t, &dir.join("aggregate.csv").display().to_string(), true);
        }
        let path = dir.join("summary.csv");
        let summary = std::fs::read(&path).map_err(|e| {
            Error::input(
                dir.display().to_string(),
                "",
                format!("not a results directory: cannot read summary.csv ({e})"),
            )
        })?;
        // Checked before it is aggregated, so a bad cell is named where it is.
        let file = path.display().to_string();
        let t = Table::parse(&summary, &file)?;
        let cols = columns_of("summary.csv").expect("summary.csv has checks");
        check_table(&file, &t.headers, &t.rows, &cols)?;
        let as_input = |e| match e {
            Error::Other(m) => Error::input(&file, "", m),
            e => e,
        };
        let summary = crate::output::single_design_rows(&summary).map_err(as_input)?;
        let agg = aggregate_csv(&summary).map_err(as_input)?;
        let t = Table::parse(&agg, "aggregate of summary.csv")?;
        Self::from_table(&t, &path.display().to_string(), false)
    }

    /// Indexes an aggregate table. Any column other than
    /// [`AGGREGATE_COLUMNS`] is taken for a swept parameter.
    pub fn from_table(t: &Table, file: &str, from_file: bool) -> Result<Self> {
        let col = |name: &str| {
            t.col(name)
                .ok_or_else(|| Error::input(file, name, "column missing: not an aggregate.csv"))
        };
        let (pc, dc, mc, nc) = (col("point")?, col("design")?, col("metric")?, col("n")?);
        let (mean_c, lo_c, hi_c) = (col("mean")?, col("ci95_low")?, col("ci95_high")?);
        let param_cols: Vec<usize> = (0..t.headers.len())
            .filter(|&i| !AGGREGATE_COLUMNS.contains(&t.headers[i].as_str()))
            .collect();
        let mut a = Aggregate {
            params: param_cols.iter().map(|&i| t.headers[i].clone()).collect(),
            from_file,
            ..Default::default()
        };
        for rec in &t.rows {
            let point: u64 = rec[pc]
                .parse()
                .map_err(|_| Error::input(file, "point", format!("bad value {:?}", &rec[pc])))?;
            let (d, m) = (rec[dc].to_string(), rec[mc].to_string());
            if !a.designs.contains(&d) {
                a.designs.push(d.clone());
            }
            if !a.metrics.contains(&m) {
                a.metrics.push(m.clone());
            }
            a.param_values
                .entry(point)
                .or_insert_with(|| param_cols.iter().map(|&i| rec[i].to_string()).collect());
            a.cells.insert(
                (point, d, m),
                Stat {
                    mean: num(&rec[mean_c]),
                    lo: num(&rec[lo_c]),
                    hi: num(&rec[hi_c]),
                    n: rec[nc].parse().unwrap_or(0),
                    mean_text: rec[mean_c].to_string(),
                    lo_text: rec[lo_c].to_string(),
                    hi_text: rec[hi_c].to_string(),
                },
            );
        }
        a.points = a.param_values.keys().copied().collect();
        Ok(a)
    }

    /// The cell of (point, design, metric).
    pub fn get(&self, point: u64, design: &str, metric: &str) -> Option<&Stat> {
        self.cells
            .get(&(point, design.to_string(), metric.to_string()))
    }

    /// True when some point has a mean for `metric`.
    pub fn has_metric(&self, metric: &str) -> bool {
        self.cells
            .iter()
            .any(|((_, _, m), s)| m == metric && s.mean.is_some())
    }

    /// The parameters that take more than one value across points.
    pub fn varied_params(&self) -> Vec<usize> {
        (0..self.params.len())
            .filter(|&i| {
                let mut vals: Vec<&str> =
                    self.param_values.values().map(|v| v[i].as_str()).collect();
                vals.sort_unstable();
                vals.dedup();
                vals.len() > 1
            })
            .collect()
    }
}

/// A column derived from `workloads.csv`: jobs lost to the cloud as a share
/// of jobs submitted, per replicate. It is defined only where the design
/// took the workload's jobs (`jobs_not_served` below `jobs_submitted`), so
/// a design that does not serve a workload has no value there, as for the
/// file's own rate columns.
pub const LOST_SHARE: &str = "lost_to_cloud_share";

/// Mean and 95% confidence half-width (Student t) over replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepStat {
    pub n: usize,
    pub mean: f64,
    /// `None` with fewer than two values.
    pub half: Option<f64>,
}

/// One metric of `workloads.csv` at one point: per workload and design,
/// the value of each replicate (empty cells, where the design served none
/// of the workload, are left out).
#[derive(Debug, Clone, Default)]
pub struct ByWorkload {
    /// Workloads in order of first appearance.
    pub workloads: Vec<String>,
    /// Designs in order of first appearance.
    pub designs: Vec<String>,
    values: BTreeMap<(String, String), Vec<f64>>,
}

impl ByWorkload {
    /// The values of `metric` (a column of `workloads.csv`, or
    /// [`LOST_SHARE`]) at `point`. `None` when a column it needs is missing.
    pub fn read(t: &Table, point: u64, metric: &str) -> Option<Self> {
        let (pc, dc, wc) = (t.col("point")?, t.col("design")?, t.col("workload")?);
        // The columns a row's value comes from: the metric's, or (lost,
        // submitted, not served) for the lost share.
        let (mc, lost) = if metric == LOST_SHARE {
            let cols = (t.col("jobs_lost_to_cloud")?, t.col("jobs_submitted")?);
            (None, Some((cols.0, cols.1, t.col("jobs_not_served"))))
        } else {
            (Some(t.col(metric)?), None)
        };
        let value = |r: &csv::StringRecord| -> Option<f64> {
            if let Some(mc) = mc {
                return num(&r[mc]);
            }
            let (lc, sc, nc) = lost?;
            let submitted = num(&r[sc])?;
            let not_served = nc.and_then(|c| num(&r[c])).unwrap_or(0.0);
            if submitted <= not_served {
                return None;
            }
            Some(num(&r[lc])? / submitted)
        };
        let mut out = ByWorkload::default();
        for r in &t.rows {
            if r[pc].parse::<u64>().ok() != Some(point) {
                continue;
            }
            let (w, d) = (r[wc].to_string(), r[dc].to_string());
            if !out.workloads.contains(&w) {
                out.workloads.push(w.clone());
            }
            if !out.designs.contains(&d) {
                out.designs.push(d.clone());
            }
            let v = out.values.entry((w, d)).or_default();
            v.extend(value(r));
        }
        Some(out)
    }

    /// The replicates' values of `design` on `workload`, in file order.
    pub fn values(&self, workload: &str, design: &str) -> &[f64] {
        self.values
            .get(&(workload.to_string(), design.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// Mean and 95% CI half-width of `design` on `workload`; `None` where
    /// it has no value (the design did not serve the workload).
    pub fn stat(&self, workload: &str, design: &str) -> Option<RepStat> {
        let xs = self.values(workload, design);
        let (mean, _, half) = mean_sd_ci(xs);
        Some(RepStat {
            n: xs.len(),
            mean: mean?,
            half,
        })
    }

    /// True when no workload has a value.
    pub fn is_empty(&self) -> bool {
        self.values.values().all(Vec::is_empty)
    }
}

/// Mean and 95% CI of values across replicates at each key, in key order.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub x: f64,
    pub mean: f64,
    /// The CI (low, high); `None` with fewer than two values.
    pub ci: Option<(f64, f64)>,
}

/// Reduces `(x, value)` pairs (several per x, one per replicate) to one
/// band point per x: the mean and its 95% Student-t CI. `x` keys are
/// compared bit for bit, so sample times shared by replicates group.
pub fn bands(pairs: impl IntoIterator<Item = (f64, f64)>) -> Vec<Band> {
    let mut by_x: BTreeMap<u64, (f64, Vec<f64>)> = BTreeMap::new();
    for (x, v) in pairs {
        // Order by value: non-negative floats order like their bits, and
        // sample times are non-negative; the offset keeps negatives ordered.
        let key = if x >= 0.0 {
            x.to_bits() | (1 << 63)
        } else {
            !x.to_bits()
        };
        by_x.entry(key).or_insert_with(|| (x, Vec::new())).1.push(v);
    }
    by_x.into_values()
        .filter_map(|(x, vs)| {
            let (m, _, h) = mean_sd_ci(&vs);
            m.map(|mean| Band {
                x,
                mean,
                ci: h.map(|h| (mean - h, mean + h)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_aggregate_columns_are_parameters() {
        let csv = "point,design,metric,mean,sd,n,ci95_low,ci95_high,supply.initial.A100,design.ionet.policy\n\
                   0,ionet,usd,1.5,0.1,3,1.2,1.8,64,fifo\n\
                   1,ionet,usd,2.5,,1,,,128,fifo\n";
        let a =
            Aggregate::from_table(&Table::parse(csv.as_bytes(), "x").unwrap(), "x", true).unwrap();
        assert_eq!(a.params, ["supply.initial.A100", "design.ionet.policy"]);
        assert_eq!(a.varied_params(), [0]);
        assert_eq!(a.param_values[&1], ["128", "fifo"]);
        let s = a.get(0, "ionet", "usd").unwrap();
        assert_eq!(
            (s.mean, s.lo, s.hi, s.n),
            (Some(1.5), Some(1.2), Some(1.8), 3)
        );
        assert_eq!(a.get(1, "ionet", "usd").unwrap().lo, None);
    }

    #[test]
    fn workload_values_skip_unserved_cells_and_derive_the_lost_share() {
        let csv = "point,replicate,design,workload,jobs_submitted,jobs_lost_to_cloud,jobs_not_served,usd_per_gpu_hour\n\
                   0,0,akash,train,10,2,0,1.5\n\
                   0,0,render,train,10,0,10,\n\
                   0,1,akash,train,20,1,0,2.5\n\
                   0,1,render,train,20,0,20,\n\
                   1,0,akash,train,10,9,0,9\n";
        let t = Table::parse(csv.as_bytes(), "x").unwrap();
        let usd = ByWorkload::read(&t, 0, "usd_per_gpu_hour").unwrap();
        assert_eq!(
            (usd.workloads.as_slice(), usd.designs.len()),
            (&["train".to_string()][..], 2)
        );
        let s = usd.stat("train", "akash").unwrap();
        // n = 2: t(0.975, 1) = 12.7062, sd = sqrt(0.5), half = 12.7062 · 0.5.
        assert_eq!((s.n, s.mean), (2, 2.0));
        assert!((s.half.unwrap() - 6.3531).abs() < 1e-3);
        assert_eq!(usd.stat("train", "render"), None);
        let lost = ByWorkload::read(&t, 0, LOST_SHARE).unwrap();
        assert_eq!(lost.values("train", "akash"), [0.2, 0.05]);
        assert_eq!(lost.stat("train", "render"), None, "not served: no share");
        assert!(ByWorkload::read(&t, 0, "mean_wait_h").is_none());
        assert!(
            ByWorkload::read(&t, 7, "usd_per_gpu_hour")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bands_group_by_x_with_student_t() {
        let b = bands([(1.0, 2.0), (0.0, 5.0), (1.0, 4.0), (0.0, 5.0)]);
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].x, b[0].mean, b[0].ci), (0.0, 5.0, Some((5.0, 5.0))));
        // n = 2: t(0.975, 1) = 12.7062; sd = sqrt(2), half = 12.7062 · sqrt(2)/sqrt(2).
        let (lo, hi) = b[1].ci.unwrap();
        assert!((hi - 3.0 - 12.7062).abs() < 1e-3 && (3.0 - lo - 12.7062).abs() < 1e-3);
        assert_eq!(bands([(-1.0, 1.0), (-2.0, 1.0)])[0].x, -2.0);
    }
}
