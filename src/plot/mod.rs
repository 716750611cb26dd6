//! `depinsim plot`: SVG charts of a results directory, written to
//! `DIR/plots/`. Reads only the directory's files (`timeseries.csv`,
//! `waits.csv`, `workloads.csv`, `summary.csv`/`aggregate.csv`), so it works
//! on any run or sweep directory, and skips — with a note — what a directory
//! lacks.

pub mod chart;
pub mod data;
pub mod world;

use crate::error::{Error, Result};
use crate::output::write_atomic;
use chart::{HeatPanel, Heatmap, Point, Series, XyChart, design_color, draw_heatmap, draw_xy};
use data::{Aggregate, ByWorkload, Table, bands, num};
use std::path::Path;

/// One chart written to `DIR/plots/`.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// File name inside `plots/`.
    pub file: String,
    pub title: String,
    /// What the chart shows and how to read it, one or two sentences.
    pub caption: String,
}

/// What [`plot_dir`] wrote, and what it skipped and why.
#[derive(Debug, Clone, Default)]
pub struct PlotSet {
    pub plots: Vec<Plot>,
    pub notes: Vec<String>,
}

/// A metric's axis label, with its unit.
pub fn metric_label(metric: &str) -> String {
    match metric {
        "usd_per_gpu_hour" => "users' USD per useful GPU-hour".into(),
        "mean_wait_h" => "mean wait (h)".into(),
        "p95_wait_h" => "95th-percentile wait (h)".into(),
        "interruptions_per_1k_gpu_h" => "interruptions per 1,000 GPU-h".into(),
        "utilization" => "utilization (busy / up GPUs)".into(),
        "availability" => "availability (up / all GPUs)".into(),
        "rework_share" => "rework (share of GPU-h redone)".into(),
        "bad_frame_share" => "bad frames (share of delivered)".into(),
        "jobs_lost_to_cloud" => "jobs lost to the cloud (count)".into(),
        "jobs_not_served" => "jobs not served (count)".into(),
        "lost_to_cloud_share" => "jobs lost to the cloud (share of submitted)".into(),
        "provider_margin" => "provider margin (USD per GPU-h)".into(),
        "fleet_mean" => "mean fleet (GPUs)".into(),
        "fleet_cv" => "fleet size CV (sd / mean)".into(),
        "gpu_hours_delivered" => "useful GPU-hours delivered".into(),
        "token_price_final_usd" => "final token price (USD)".into(),
        "token_volatility" => "token price volatility".into(),
        "tokens_minted" => "tokens minted".into(),
        "tokens_burned" => "tokens burned".into(),
        "token_max_drawdown" => "token max drawdown (share of peak)".into(),
        "token_supply_final" => "token supply at the horizon".into(),
        "token_rewards_usd" => "token rewards to providers (USD)".into(),
        other => other.replace('_', " "),
    }
}

/// A metric's name for titles: its label without the unit, capitalised.
pub fn short_name(metric: &str) -> String {
    let label = metric_label(metric);
    let base = label.split(" (").next().unwrap_or(&label);
    let mut cs = base.chars();
    match cs.next() {
        Some(f) => f.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// The file (in `plots/`) of the per-workload price chart.
pub const WORKLOAD_PRICE_CHART: &str = "workload_usd_per_gpu_hour.svg";

/// The metrics plotted against swept parameters (those with values).
pub const SWEEP_METRICS: [&str; 15] = [
    "usd_per_gpu_hour",
    "mean_wait_h",
    "p95_wait_h",
    "interruptions_per_1k_gpu_h",
    "utilization",
    "availability",
    "rework_share",
    "bad_frame_share",
    "jobs_lost_to_cloud",
    "provider_margin",
    "fleet_cv",
    "token_price_final_usd",
    "token_volatility",
    "token_max_drawdown",
    "tokens_burned",
];

/// Writes every chart the directory's files allow to `dir/plots/*.svg`.
/// Charts of empty columns are skipped with a note. The SVG bytes depend
/// only on the directory's CSVs.
pub fn plot_dir(dir: &Path) -> Result<PlotSet> {
    let agg = Aggregate::read(dir)?;
    let mut set = PlotSet::default();
    // Every chart is drawn before any is written: a bad file stops the
    // command with the previous plots/ untouched.
    let mut svgs: Vec<(String, String)> = Vec::new();
    let mut emit = |set: &mut PlotSet,
                    file: String,
                    title: String,
                    caption: String,
                    svg: String|
     -> Result<()> {
        svgs.push((file.clone(), svg));
        set.plots.push(Plot {
            file,
            title,
            caption,
        });
        Ok(())
    };

    let first_point = agg.points.first().copied().unwrap_or(0);
    let point_note = point_label(&agg, first_point);
    if let Some(ts) = Table::read_opt(dir, "timeseries.csv")? {
        for (file, title, caption, svg) in
            timeseries_charts(&ts, &agg.designs, first_point, &point_note, &mut set.notes)?
        {
            emit(&mut set, file, title, caption, svg)?;
        }
    } else {
        set.notes
            .push("no timeseries.csv: no charts over time".into());
    }
    match Table::read_opt(dir, "waits.csv")? {
        Some(w) => match wait_cdf(&w, &agg.designs, first_point, &point_note)? {
            Some((c, caption)) => emit(
                &mut set,
                "wait_cdf.svg".into(),
                c.title.clone(),
                caption,
                draw_xy(&c)?,
            )?,
            None => set
                .notes
                .push("waits.csv has no waits: no wait-time CDF".into()),
        },
        None => set
            .notes
            .push("no waits.csv in this directory: no wait-time CDF".into()),
    }
    for stability in ["interruptions_per_1k_gpu_h", "token_volatility"] {
        if !agg.has_metric("usd_per_gpu_hour") || !agg.has_metric(stability) {
            set.notes.push(format!(
                "cost vs {}: skipped, the column is empty",
                metric_label(stability)
            ));
            continue;
        }
        let c = cost_vs(&agg, stability);
        let file = format!("cost_vs_{stability}.svg");
        let caption = format!(
            "Each design's mean users' price against its mean {}; whiskers are 95% confidence intervals across replicates{}. \
             Run-wide values: each averages over the workloads the design served, so designs serving different \
             workloads are compared on different baskets{}.",
            metric_label(stability),
            if agg.points.len() > 1 {
                ", one marker per sweep point, joined in point order"
            } else {
                ""
            },
            if dir.join("workloads.csv").exists() {
                " (the price per workload compares like with like)"
            } else {
                ""
            }
        );
        emit(&mut set, file, c.title.clone(), caption, draw_xy(&c)?)?;
    }
    match Table::read_opt(dir, "workloads.csv")? {
        Some(t) => match ByWorkload::read(&t, first_point, "usd_per_gpu_hour") {
            Some(by) if !by.is_empty() => {
                let (c, caption) = workload_price(&by, &agg.designs, &point_note);
                emit(
                    &mut set,
                    WORKLOAD_PRICE_CHART.into(),
                    c.title.clone(),
                    caption,
                    draw_xy(&c)?,
                )?;
            }
            _ => set.notes.push(
                "workloads.csv has no usd_per_gpu_hour values: no price per workload chart".into(),
            ),
        },
        None => set
            .notes
            .push("no workloads.csv in this directory: no price per workload chart".into()),
    }
    for (file, title, caption, svg) in world::world_charts(dir, first_point, &point_note)? {
        emit(&mut set, file, title, caption, svg)?;
    }
    if agg.points.len() > 1 {
        for (file, title, caption, svg) in sweep_charts(&agg, &mut set.notes)? {
            emit(&mut set, file, title, caption, svg)?;
        }
    }
    write_plots(dir, &svgs)?;
    Ok(set)
}

/// Reads and checks every file [`plot_dir`] reads, writing nothing: a
/// report of several directories checks them all before it draws into any.
pub fn check_inputs(dir: &Path) -> Result<()> {
    Aggregate::read(dir)?;
    for name in [
        "summary.csv",
        "timeseries.csv",
        "waits.csv",
        "workloads.csv",
    ] {
        Table::read_opt(dir, name)?;
    }
    Ok(())
}

/// Writes `svgs` as `dir/plots/` in one step: built in a temporary sibling
/// and swapped in, so charts of an earlier plot never mix with these.
fn write_plots(dir: &Path, svgs: &[(String, String)]) -> Result<()> {
    let tmp = dir.join(format!(".plots.tmp{}", std::process::id()));
    let out = dir.join("plots");
    let built = (|| -> Result<()> {
        if tmp.exists() {
            crate::output::place::remove_any(&tmp)?;
        }
        std::fs::create_dir(&tmp)
            .map_err(|e| Error::Other(format!("cannot create {}: {e}", out.display())))?;
        for (file, svg) in svgs {
            write_atomic(&tmp.join(file), svg.as_bytes())?;
        }
        crate::output::place::replace_dir(&tmp, &out)
    })();
    if built.is_err() {
        let _ = crate::output::place::remove_any(&tmp);
    }
    built
}

/// " Shown at point k: …." for a caption, or empty.
fn at_point(point_note: &str) -> String {
    if point_note.is_empty() {
        String::new()
    } else {
        format!(" Shown at {point_note}.")
    }
}

/// "point k: a = 1, b = 2" for sweeps; empty for a single-point run.
fn point_label(agg: &Aggregate, point: u64) -> String {
    if agg.points.len() <= 1 {
        return String::new();
    }
    let vals = &agg.param_values[&point];
    let kv: Vec<String> = agg
        .params
        .iter()
        .zip(vals)
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    format!("point {point}: {}", kv.join(", "))
}

/// A chart's file name, title, caption and SVG text.
type Svg = (String, String, String, String);

/// A time-series chart: (column, label suffix, dashed) per line, then file
/// name, title, y label and caption.
type TsSpec = (
    &'static [(&'static str, &'static str, bool)],
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Designs whose series are identical: their names, the first one's
/// index, and the shared (t_h, value) pairs.
type SeriesGroup<'a> = (Vec<&'a str>, usize, Vec<(f64, f64)>);

/// Values of `col` over time for one design at `point`: (t_h, value) of
/// every replicate.
fn series_of(ts: &Table, design: &str, point: u64, col: usize) -> Vec<(f64, f64)> {
    let (Some(pc), Some(dc), Some(tc)) = (ts.col("point"), ts.col("design"), ts.col("t_h")) else {
        return Vec::new();
    };
    ts.rows
        .iter()
        .filter(|r| &r[dc] == design && r[pc].parse::<u64>().ok() == Some(point))
        .filter_map(|r| Some((num(&r[tc])?, num(&r[col])?)))
        .collect()
}

/// Like [`series_of`], as the percent change of each replicate's value
/// from its first sample (supplies of hundreds of millions move by
/// fractions of a percent).
fn change_since_start(ts: &Table, design: &str, point: u64, col: usize) -> Vec<(f64, f64)> {
    let (Some(pc), Some(dc), Some(tc), Some(rc)) = (
        ts.col("point"),
        ts.col("design"),
        ts.col("t_h"),
        ts.col("replicate"),
    ) else {
        return Vec::new();
    };
    let mut first: Vec<(String, f64)> = Vec::new();
    ts.rows
        .iter()
        .filter(|r| &r[dc] == design && r[pc].parse::<u64>().ok() == Some(point))
        .filter_map(|r| {
            let (t, v) = (num(&r[tc])?, num(&r[col])?);
            let v0 = match first.iter().find(|f| f.0 == r[rc]) {
                Some(f) => f.1,
                None => {
                    first.push((r[rc].to_string(), v));
                    v
                }
            };
            (v0 != 0.0).then(|| (t, 100.0 * (v - v0) / v0))
        })
        .collect()
}

fn band_series(label: String, color: plotters::style::RGBColor, pairs: Vec<(f64, f64)>) -> Series {
    // Quantities that are never negative keep their bands at or above 0.
    let floor = if pairs.iter().all(|p| p.1 >= 0.0) {
        0.0
    } else {
        f64::NEG_INFINITY
    };
    let b = bands(pairs);
    let mut s = Series::new(label, color);
    s.line = b.iter().map(|p| (p.x, p.mean)).collect();
    s.band = b
        .iter()
        .map(|p| match p.ci {
            Some((lo, hi)) => (p.x, lo.max(floor), hi),
            None => (p.x, f64::NAN, f64::NAN),
        })
        .collect();
    s
}

/// The time axis's unit for a series reaching `max_h` hours: hours up to 3
/// days, days up to 120 days, months (a twelfth of a Julian year) up to 3
/// years, years beyond. Returns the axis label and hours per unit.
pub fn time_axis(max_h: f64) -> (&'static str, f64) {
    const YEAR_H: f64 = 365.25 * 24.0;
    if max_h <= 72.0 {
        ("simulated time (h)", 1.0)
    } else if max_h <= 120.0 * 24.0 {
        ("simulated time (days)", 24.0)
    } else if max_h <= 3.0 * YEAR_H + 1.0 {
        ("simulated time (months)", YEAR_H / 12.0)
    } else {
        ("simulated time (years)", YEAR_H)
    }
}

fn timeseries_charts(
    ts: &Table,
    designs: &[String],
    point: u64,
    point_note: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Svg>> {
    let band_note =
        "Lines are means across replicates, shaded bands 95% confidence intervals (Student t).";
    let mut out = Vec::new();
    let specs: [TsSpec; 5] = [
        (
            &[("usd_per_gpu_hour", "", false)],
            "ts_usd_per_gpu_hour.svg",
            "Users' price over time",
            "USD per useful GPU-hour",
            "What users paid per GPU-hour of useful work in each sample interval (rework and lost progress included).",
        ),
        (
            &[
                ("gpus_online", " online", false),
                ("gpus_busy", " busy", true),
            ],
            "ts_gpus.svg",
            "GPUs online (solid) and busy (dashed)",
            "GPUs",
            "GPUs up and GPUs running jobs at each sample time.",
        ),
        (
            &[("queue_len", "", false)],
            "ts_queue_len.svg",
            "Queue length over time",
            "jobs waiting",
            "Jobs waiting for GPUs at each sample time.",
        ),
        (
            &[("token_price_usd", "", false)],
            "ts_token_price_usd.svg",
            "Token price over time",
            "token price (USD)",
            "Each design's token price at each sample time.",
        ),
        (
            &[("token_supply", "", false)],
            "ts_token_supply.svg",
            "Token supply over time: change since t = 0",
            "% of the initial supply",
            "Each design's token supply at each sample time, as the change since t = 0 in percent of the initial supply (minted minus burned).",
        ),
    ];
    let max_h = ts
        .col("t_h")
        .map(|tc| {
            (ts.rows.iter())
                .filter_map(|r| num(&r[tc]))
                .fold(0.0, f64::max)
        })
        .unwrap_or(0.0);
    let (x_label, hours_per_unit) = time_axis(max_h);
    for (cols, file, title, y_label, caption) in specs {
        let mut c = XyChart::new(title, x_label, y_label);
        c.subtitle = (!point_note.is_empty()).then(|| point_note.to_string());
        for &(col, suffix, dashed) in cols {
            let Some(ci) = ts.col(col) else { continue };
            // Designs share outages (common random numbers), so some
            // columns are identical across designs: draw those once, in
            // grey, instead of one line hiding the others.
            let mut groups: Vec<SeriesGroup> = Vec::new();
            for (k, d) in designs.iter().enumerate() {
                let mut pairs = series_of(ts, d, point, ci);
                if col == "token_supply" {
                    pairs = change_since_start(ts, d, point, ci);
                }
                if hours_per_unit != 1.0 {
                    for p in &mut pairs {
                        p.0 /= hours_per_unit;
                    }
                }
                if pairs.is_empty() {
                    continue;
                }
                match groups.iter_mut().find(|g| g.2 == pairs) {
                    Some(g) => g.0.push(d),
                    None => groups.push((vec![d], k, pairs)),
                }
            }
            for (names, k, pairs) in groups {
                let (label, color) = if names.len() > 1 {
                    (
                        format!("{}{suffix} (identical)", names.join(" = ")),
                        plotters::style::RGBColor(0x55, 0x55, 0x55),
                    )
                } else {
                    (format!("{}{suffix}", names[0]), design_color(names[0], k))
                };
                let mut s = band_series(label, color, pairs);
                s.dashed = dashed;
                c.series.push(s);
            }
        }
        if c.is_empty() {
            notes.push(format!("{title}: skipped, {} has no values", cols[0].0));
            continue;
        }
        out.push((
            file.to_string(),
            c.title.clone(),
            format!("{caption} {band_note}{}", at_point(point_note)),
            draw_xy(&c)?,
        ));
    }
    Ok(out)
}

/// The wait CDF per design: the mean across replicates of each quantile
/// (quantile averaging), drawn as probability against wait.
fn wait_cdf(
    w: &Table,
    designs: &[String],
    point: u64,
    point_note: &str,
) -> Result<Option<(XyChart, String)>> {
    let (Some(pc), Some(dc), Some(prc), Some(wc)) = (
        w.col("point"),
        w.col("design"),
        w.col("prob"),
        w.col("wait_h"),
    ) else {
        return Err(Error::Other(
            "waits.csv lacks point, design, prob or wait_h".into(),
        ));
    };
    let mut c = XyChart::new(
        "Wait-time distribution (CDF)",
        "wait before the job starts (h)",
        "share of jobs waiting at most x",
    );
    c.subtitle = (!point_note.is_empty()).then(|| point_note.to_string());
    c.y_range = Some((0.0, 1.02));
    let mut x_max: f64 = 0.0;
    for (k, d) in designs.iter().enumerate() {
        let pairs: Vec<(f64, f64)> = w
            .rows
            .iter()
            .filter(|r| &r[dc] == d.as_str() && r[pc].parse::<u64>().ok() == Some(point))
            .filter_map(|r| Some((num(&r[prc])?, num(&r[wc])?)))
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let b = bands(pairs);
        if let Some(p99) = b.iter().find(|p| p.x >= 0.99) {
            x_max = x_max.max(p99.mean);
        }
        let mut s = Series::new(d.clone(), design_color(d, k));
        s.line = b.iter().map(|p| (p.mean, p.x)).collect();
        c.series.push(s);
    }
    if c.series.is_empty() {
        return Ok(None);
    }
    let x_max = if x_max > 0.0 { x_max * 1.05 } else { 1.0 };
    c.x_range = Some((0.0, x_max));
    // Cut the tail at the axis so lines end at the frame, not beyond it.
    for s in &mut c.series {
        let mut cut = Vec::new();
        for &(x, y) in &s.line {
            if x <= x_max {
                cut.push((x, y));
            } else {
                cut.push((x_max, y));
                break;
            }
        }
        s.line = cut;
    }
    let caption = "For each design, the share of jobs (after warmup) that waited at most the wait on the x axis: \
                   each replicate's wait quantiles averaged across replicates. The x axis ends at the largest \
                   99th percentile, so the last 1% of the slowest design runs off to the right."
        .to_string()
        + &at_point(point_note);
    Ok(Some((c, caption)))
}

/// Users' price on each workload: x = workload, one colour per design (in
/// `designs` order, then any design only `workloads.csv` names), mean and
/// 95% CI whiskers across replicates. The y axis is logarithmic when the
/// means span a factor of 10 or more.
fn workload_price(by: &ByWorkload, designs: &[String], point_note: &str) -> (XyChart, String) {
    let mut all: Vec<String> = designs.to_vec();
    all.extend(by.designs.iter().filter(|d| !designs.contains(d)).cloned());
    let means: Vec<f64> = (by.workloads.iter())
        .flat_map(|w| all.iter().filter_map(|d| by.stat(w, d)))
        .map(|s| s.mean)
        .collect();
    let (lo, hi) = means.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &m| {
        (lo.min(m), hi.max(m))
    });
    let log = lo > 0.0 && hi / lo >= 10.0;
    let metric = "usd_per_gpu_hour";
    let mut c = XyChart::new(
        "Users' price per workload",
        "workload",
        if log {
            format!("{} (log scale)", metric_label(metric))
        } else {
            metric_label(metric)
        },
    );
    c.y_log = log;
    c.subtitle = (!point_note.is_empty()).then(|| point_note.to_string());
    c.x_categories = Some(by.workloads.clone());
    // Designs side by side within each workload, in the same slots everywhere.
    let nd = all.len() as f64;
    let step = 0.7 / nd.max(1.0);
    for (k, d) in all.iter().enumerate() {
        let dodge = (k as f64 - (nd - 1.0) / 2.0) * step;
        let mut s = Series::new(d.clone(), design_color(d, k));
        s.points = (by.workloads.iter().enumerate())
            .filter_map(|(i, w)| {
                let st = by.stat(w, d)?;
                Some(Point {
                    x: i as f64 + dodge,
                    y: st.mean,
                    x_ci: None,
                    y_ci: st.half.map(|h| (st.mean - h, st.mean + h)),
                })
            })
            .collect();
        if !s.points.is_empty() {
            c.series.push(s);
        }
    }
    let caption = format!(
        "What users paid per useful GPU-hour on each workload, one colour per design: the mean across \
         replicates with 95% confidence-interval whiskers (Student t). Designs are compared within a \
         workload, on the same jobs; a design missing from a workload did not serve it.{}{}",
        if log {
            " The y axis is logarithmic, because workloads' prices differ by orders of magnitude: equal \
             distances are equal ratios."
        } else {
            ""
        },
        at_point(point_note)
    );
    (c, caption)
}

fn stat_point(agg: &Aggregate, point: u64, design: &str, mx: &str, my: &str) -> Option<Point> {
    let (sx, sy) = (agg.get(point, design, mx)?, agg.get(point, design, my)?);
    Some(Point {
        x: sx.mean?,
        y: sy.mean?,
        x_ci: sx.lo.zip(sx.hi),
        y_ci: sy.lo.zip(sy.hi),
    })
}

fn cost_vs(agg: &Aggregate, stability: &str) -> XyChart {
    let mut c = XyChart::new(
        format!(
            "Cost vs {}",
            metric_label(stability)
                .split(" (")
                .next()
                .unwrap_or(stability)
        ),
        metric_label("usd_per_gpu_hour"),
        metric_label(stability),
    );
    for (k, d) in agg.designs.iter().enumerate() {
        let mut s = Series::new(d.clone(), design_color(d, k));
        s.points = agg
            .points
            .iter()
            .filter_map(|&p| stat_point(agg, p, d, "usd_per_gpu_hour", stability))
            .collect();
        if agg.points.len() > 1 && agg.varied_params().len() == 1 {
            s.line = s.points.iter().map(|p| (p.x, p.y)).collect();
        }
        if !s.points.is_empty() {
            c.series.push(s);
        }
    }
    c
}

/// The x positions of parameter values: numbers when all values parse,
/// else categories in order of first appearance.
fn x_axis(values: &[String]) -> (Vec<f64>, Option<Vec<String>>) {
    let nums: Option<Vec<f64>> = values.iter().map(|v| num(v)).collect();
    match nums {
        Some(n) => (n, None),
        None => {
            let mut cats: Vec<String> = Vec::new();
            let xs = values
                .iter()
                .map(|v| {
                    if let Some(i) = cats.iter().position(|c| c == v) {
                        i as f64
                    } else {
                        cats.push(v.clone());
                        (cats.len() - 1) as f64
                    }
                })
                .collect();
            (xs, Some(cats))
        }
    }
}

/// The points where every varied parameter but `p` keeps its value at the
/// first point; when that leaves fewer than two values of `p` (parameters
/// zipped together), all points.
fn slice_points(agg: &Aggregate, p: usize, varied: &[usize]) -> (Vec<u64>, bool) {
    let first = &agg.param_values[&agg.points[0]];
    let sliced: Vec<u64> = agg
        .points
        .iter()
        .copied()
        .filter(|pt| {
            let v = &agg.param_values[pt];
            varied.iter().all(|&q| q == p || v[q] == first[q])
        })
        .collect();
    if sliced.len() >= 2 {
        (sliced, varied.len() > 1)
    } else {
        (agg.points.clone(), false)
    }
}

fn safe_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A swept parameter's axis label: what it is in words, with its unit
/// (`workload.training.arrivals.rate_per_hour` → "training: arrivals per
/// hour"), the key itself in brackets for a key not recognised.
pub fn param_label(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let last = parts.last().copied().unwrap_or(key);
    let unit = |name: &str| -> String {
        let words = name.replace('_', " ");
        if let Some(base) = name.strip_suffix("_per_hour") {
            format!("{} per hour", base.replace('_', " "))
        } else if let Some(base) = name.strip_suffix("_usd") {
            format!("{} (USD)", base.replace('_', " "))
        } else if let Some(base) = name.strip_suffix("_h") {
            format!("{} (h)", base.replace('_', " "))
        } else {
            words
        }
    };
    match parts.as_slice() {
        ["supply", "initial", class] => format!("{class} GPUs at start"),
        ["supply", "pool", class] => format!("{class} GPUs that may enter"),
        ["supply", rest] => format!("supply: {}", unit(rest)),
        ["churn", "uptime" | "downtime", ..] => format!("node {} (distribution)", parts[1]),
        ["workload", w, "arrivals", "rate_per_hour"] => format!("{w}: arrivals per hour"),
        ["workload", w, "max_price_per_gpu_hour"] => format!("{w}: max price (USD per GPU-h)"),
        ["workload", w, "gpus"] => format!("{w}: GPUs per job"),
        ["workload", w, rest @ ..] => format!(
            "{w}: {}",
            rest.iter().map(|r| unit(r)).collect::<Vec<_>>().join(" ")
        ),
        ["design", d, "price_per_gpu_hour", class] => format!("{d} {class} price (USD per GPU-h)"),
        ["design", d, rest @ ..] => format!(
            "{d}: {}",
            rest.iter().map(|r| unit(r)).collect::<Vec<_>>().join(" ")
        ),
        ["token", rest @ ..] => format!(
            "token {}",
            rest.iter().map(|r| unit(r)).collect::<Vec<_>>().join(" ")
        ),
        ["scenario", rest] => unit(rest),
        _ => format!("{} ({key})", unit(last)),
    }
}

/// A swept value as a label: numbers and words as written; a TOML table
/// (a distribution, a growth law) in words, e.g. "exp, mean 72h".
pub fn value_label(v: &str) -> String {
    let t = v.trim();
    if !t.starts_with('{') {
        return t.trim_matches('"').to_string();
    }
    let Ok(table) = toml::from_str::<toml::Table>(&format!("x = {t}")) else {
        return t.to_string();
    };
    let Some(toml::Value::Table(inner)) = table.get("x") else {
        return t.to_string();
    };
    let show = |v: &toml::Value| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let tag = ["dist", "law", "process", "schedule"]
        .iter()
        .find_map(|k| inner.get(*k).map(|v| (k, show(v))));
    let rest: Vec<String> = (inner.iter())
        .filter(|(k, _)| tag.as_ref().is_none_or(|(t, _)| *t != k))
        .map(|(k, v)| format!("{} {}", k.replace('_', " "), show(v)))
        .collect();
    match tag {
        Some((_, name)) if rest.is_empty() => name,
        Some((_, name)) => format!("{name}, {}", rest.join(", ")),
        None => rest.join(", "),
    }
}

/// True when no series of `c` changes along x (every mean equal to its
/// first, to 1e-9 relative): the chart would show nothing of the sweep.
fn flat(c: &XyChart) -> bool {
    c.series.iter().all(|s| {
        let ys: Vec<f64> = s.points.iter().map(|p| p.y).collect();
        ys.first().is_none_or(|&y0| {
            ys.iter()
                .all(|&y| (y - y0).abs() <= 1e-9 * y0.abs().max(1.0))
        })
    })
}

/// True when every point of every series of `c` has the same mean: a
/// panel of a grid in which neither parameter changes anything.
fn all_equal(c: &XyChart) -> bool {
    let mut ys = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.y));
    let Some(y0) = ys.next() else { return true };
    ys.all(|y| (y - y0).abs() <= 1e-9 * y0.abs().max(1.0))
}

/// Whether the varied parameters move together (a zip): no two points
/// share a value of any of them.
fn zipped(agg: &Aggregate, varied: &[usize]) -> bool {
    varied.len() > 1
        && varied.iter().all(|&i| {
            let mut vals: Vec<&str> = agg.param_values.values().map(|v| v[i].as_str()).collect();
            vals.sort_unstable();
            vals.dedup();
            vals.len() == agg.points.len()
        })
}

/// The distinct values of parameter `i`, numbers in numeric order.
fn distinct_values(agg: &Aggregate, i: usize) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for pt in &agg.points {
        let s = &agg.param_values[pt][i];
        if !v.contains(s) {
            v.push(s.clone());
        }
    }
    if v.iter().all(|s| num(s).is_some()) {
        v.sort_by(|a, b| num(a).unwrap_or(0.0).total_cmp(&num(b).unwrap_or(0.0)));
    }
    v
}

/// One line of a sweep chart: `metric` at `points` (x from `xs`).
fn sweep_series(
    agg: &Aggregate,
    label: String,
    color: plotters::style::RGBColor,
    points: &[(u64, f64)],
    design: &str,
    metric: &str,
) -> Series {
    let mut s = Series::new(label, color);
    let mut pts: Vec<Point> = points
        .iter()
        .filter_map(|&(pt, x)| {
            let st = agg.get(pt, design, metric)?;
            Some(Point {
                x,
                y: st.mean?,
                x_ci: None,
                y_ci: st.lo.zip(st.hi),
            })
        })
        .collect();
    pts.sort_by(|a, b| a.x.total_cmp(&b.x));
    s.line = pts.iter().map(|q| (q.x, q.y)).collect();
    s.points = pts;
    s
}

/// Several charts side by side in one SVG (two to a row): small multiples.
fn compose_panels(svgs: &[String]) -> String {
    let (w, h) = chart::SIZE;
    let cols = svgs.len().clamp(1, 2) as u32;
    let rows = svgs.len().div_ceil(2) as u32;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">",
        w * cols,
        h * rows,
        w * cols,
        h * rows
    );
    for (i, svg) in svgs.iter().enumerate() {
        let body = svg.trim_start();
        let body = match body.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |x| x.1).trim_start(),
            None => body,
        };
        let (x, y) = ((i as u32 % 2) * w, (i as u32 / 2) * h);
        out.push_str(&body.replacen("<svg ", &format!("<svg x=\"{x}\" y=\"{y}\" "), 1));
    }
    out.push_str("</svg>\n");
    out
}

fn sweep_charts(agg: &Aggregate, notes: &mut Vec<String>) -> Result<Vec<Svg>> {
    let varied = agg.varied_params();
    let mut out = Vec::new();
    if varied.is_empty() {
        notes.push("several points but no parameter column varies: no sweep charts".into());
        return Ok(out);
    }
    let metrics: Vec<&str> = SWEEP_METRICS
        .iter()
        .copied()
        .filter(|m| {
            let has = agg.has_metric(m);
            if !has && agg.metrics.iter().any(|x| x == m) {
                notes.push(format!(
                    "{m} against the swept parameters: skipped, the column is empty"
                ));
            }
            has
        })
        .collect();
    let mut flats: Vec<String> = Vec::new();
    let nd = agg.designs.len() as f64;
    // Designs are nudged sideways a little so equal values and their error
    // bars stay visible.
    let dodge = |k: usize, span: f64| (k as f64 - (nd - 1.0) / 2.0) * 0.012 * span;
    let span_of = |xs: &[f64], cats: &Option<Vec<String>>| match cats {
        Some(cs) => cs.len() as f64,
        None => {
            let (lo, hi) = (xs.iter()).fold((f64::INFINITY, f64::NEG_INFINITY), |a, &x| {
                (a.0.min(x), a.1.max(x))
            });
            if hi > lo { hi - lo } else { 1.0 }
        }
    };
    if zipped(agg, &varied) {
        // The parameters move together: one chart per metric, each point
        // labelled with every parameter's value.
        let labels: Vec<String> = (agg.points.iter())
            .map(|pt| {
                let v = &agg.param_values[pt];
                (varied.iter())
                    .map(|&i| value_label(&v[i]))
                    .collect::<Vec<_>>()
                    .join(" · ")
            })
            .collect();
        let x_label = (varied.iter())
            .map(|&i| param_label(&agg.params[i]))
            .collect::<Vec<_>>()
            .join(" · ");
        let names: Vec<&str> = varied.iter().map(|&i| agg.params[i].as_str()).collect();
        for &m in &metrics {
            let mut c = XyChart::new(
                format!("{} along the zipped sweep", short_name(m)),
                x_label.clone(),
                metric_label(m),
            );
            c.x_categories = Some(labels.clone());
            for (k, d) in agg.designs.iter().enumerate() {
                let pts: Vec<(u64, f64)> = (agg.points.iter().enumerate())
                    .map(|(i, &pt)| (pt, i as f64 + dodge(k, labels.len() as f64)))
                    .collect();
                let s = sweep_series(agg, d.clone(), design_color(d, k), &pts, d, m);
                if !s.points.is_empty() {
                    c.series.push(s);
                }
            }
            if c.is_empty() {
                continue;
            }
            if flat(&c) {
                flats.push(m.to_string());
                continue;
            }
            let caption = format!(
                "Mean {} across replicates at each point of the zipped sweep ({} move together), one line per design; error bars are 95% confidence intervals.",
                metric_label(m),
                names.join(", ")
            );
            out.push((
                format!("sweep_{m}_zip.svg"),
                c.title.clone(),
                caption,
                draw_xy(&c)?,
            ));
        }
    } else if varied.len() == 2
        && distinct_values(agg, varied[0]).len() * distinct_values(agg, varied[1]).len()
            == agg.points.len()
    {
        // A full grid of two: the parameter with more values on x, one
        // line per value of the other, one panel per design.
        let (p, q) =
            if distinct_values(agg, varied[1]).len() > distinct_values(agg, varied[0]).len() {
                (varied[1], varied[0])
            } else {
                (varied[0], varied[1])
            };
        let qv = distinct_values(agg, q);
        let pvals: Vec<String> = (agg.points.iter())
            .map(|pt| agg.param_values[pt][p].clone())
            .collect();
        let (xs, cats) = x_axis(&pvals);
        let cats = cats.map(|cs| cs.iter().map(|c| value_label(c)).collect::<Vec<_>>());
        let span = span_of(&xs, &cats);
        for &m in &metrics {
            let mut panels = Vec::new();
            let mut all_flat = true;
            for d in &agg.designs {
                let mut c = XyChart::new(
                    format!("{}: {}", d, short_name(m)),
                    param_label(&agg.params[p]),
                    metric_label(m),
                );
                c.x_categories = cats.clone();
                c.subtitle = Some(format!("one line per {}", param_label(&agg.params[q])));
                for (j, qval) in qv.iter().enumerate() {
                    let pts: Vec<(u64, f64)> = (agg.points.iter().zip(&xs))
                        .filter(|(pt, _)| &agg.param_values[*pt][q] == qval)
                        .map(|(&pt, &x)| {
                            (
                                pt,
                                x + (j as f64 - (qv.len() as f64 - 1.0) / 2.0) * 0.012 * span,
                            )
                        })
                        .collect();
                    let t = if qv.len() > 1 {
                        j as f64 / (qv.len() - 1) as f64
                    } else {
                        0.0
                    };
                    let color = chart::viridis(0.85 * t);
                    let s = sweep_series(agg, value_label(qval), color, &pts, d, m);
                    if !s.points.is_empty() {
                        c.series.push(s);
                    }
                }
                if c.is_empty() {
                    continue;
                }
                all_flat &= all_equal(&c);
                panels.push(draw_xy(&c)?);
            }
            if panels.is_empty() {
                continue;
            }
            if all_flat {
                flats.push(m.to_string());
                continue;
            }
            let file = format!("sweep_{}_vs_{}.svg", m, safe_name(&agg.params[p]));
            let title = format!("{} vs {}", short_name(m), param_label(&agg.params[p]));
            let caption = format!(
                "Mean {} across replicates at every point of the grid: one panel per design, {} on the x axis, one line per value of {} (colour from dark to light); error bars are 95% confidence intervals.",
                metric_label(m),
                agg.params[p],
                agg.params[q]
            );
            out.push((file, title, caption, compose_panels(&panels)));
        }
    } else {
        for &p in &varied {
            let pname = &agg.params[p];
            let (points, sliced) = slice_points(agg, p, &varied);
            let values: Vec<String> = points
                .iter()
                .map(|pt| agg.param_values[pt][p].clone())
                .collect();
            let (xs, cats) = x_axis(&values);
            let cats = cats.map(|cs| cs.iter().map(|c| value_label(c)).collect::<Vec<_>>());
            let held_kv = sliced.then(|| {
                let first = &agg.param_values[&agg.points[0]];
                (varied.iter())
                    .filter(|&&q| q != p)
                    .map(|&q| format!("{} = {}", agg.params[q], value_label(&first[q])))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            let held = held_kv.as_ref().map_or(String::new(), |kv| {
                format!(" Other swept parameters held at {kv}.")
            });
            let span = span_of(&xs, &cats);
            for &m in &metrics {
                let mut c = XyChart::new(
                    format!("{} vs {}", short_name(m), param_label(pname)),
                    param_label(pname),
                    metric_label(m),
                );
                c.x_categories = cats.clone();
                c.subtitle = held_kv.as_ref().map(|kv| format!("with {kv}"));
                for (k, d) in agg.designs.iter().enumerate() {
                    let pts: Vec<(u64, f64)> = (points.iter().zip(&xs))
                        .map(|(&pt, &x)| (pt, x + dodge(k, span)))
                        .collect();
                    let s = sweep_series(agg, d.clone(), design_color(d, k), &pts, d, m);
                    if !s.points.is_empty() {
                        c.series.push(s);
                    }
                }
                if c.is_empty() {
                    continue;
                }
                if flat(&c) {
                    flats.push(m.to_string());
                    continue;
                }
                let file = format!("sweep_{}_vs_{}.svg", m, safe_name(pname));
                let caption = format!(
                    "Mean {} across replicates at each value of {pname}, one line per design (nudged sideways so equal values stay visible); error bars are 95% confidence intervals.{held}",
                    metric_label(m)
                );
                out.push((file, c.title.clone(), caption, draw_xy(&c)?));
            }
        }
    }
    flats.dedup();
    if !flats.is_empty() {
        notes.push(format!(
            "against the swept parameters, not drawn because they do not change across the sweep: {}",
            flats.join(", ")
        ));
    }
    if varied.len() == 2 && !zipped(agg, &varied) {
        out.extend(heatmaps(agg, &varied, &metrics, notes)?);
    }
    Ok(out)
}

fn heatmaps(
    agg: &Aggregate,
    varied: &[usize],
    metrics: &[&str],
    notes: &mut Vec<String>,
) -> Result<Vec<Svg>> {
    let (px, py) = (varied[0], varied[1]);
    let distinct = |i: usize| {
        let mut v: Vec<String> = Vec::new();
        for pt in &agg.points {
            let s = &agg.param_values[pt][i];
            if !v.contains(s) {
                v.push(s.clone());
            }
        }
        // Numeric values in numeric order, others as they come.
        if v.iter().all(|s| num(s).is_some()) {
            v.sort_by(|a, b| num(a).unwrap_or(0.0).total_cmp(&num(b).unwrap_or(0.0)));
        }
        v
    };
    let (xv, yv) = (distinct(px), distinct(py));
    if xv.len() * yv.len() != agg.points.len() {
        notes.push("two swept parameters but not a full grid: no heatmaps".into());
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for &m in metrics {
        let panels: Vec<HeatPanel> = agg
            .designs
            .iter()
            .map(|d| {
                let mut cells = vec![vec![None; yv.len()]; xv.len()];
                for pt in &agg.points {
                    let v = &agg.param_values[pt];
                    let i = xv
                        .iter()
                        .position(|x| *x == v[px])
                        .expect("value listed above");
                    let j = yv
                        .iter()
                        .position(|y| *y == v[py])
                        .expect("value listed above");
                    cells[i][j] = agg.get(*pt, d, m).and_then(|s| s.mean);
                }
                HeatPanel {
                    title: d.clone(),
                    cells,
                }
            })
            .filter(|p| p.cells.iter().flatten().any(Option::is_some))
            .collect();
        if panels.is_empty() {
            continue;
        }
        // A heatmap of one value everywhere shows nothing of the sweep.
        let values: Vec<f64> = panels
            .iter()
            .flat_map(|p| p.cells.iter().flatten().flatten().copied())
            .collect();
        if values
            .iter()
            .all(|&v| (v - values[0]).abs() <= 1e-9 * values[0].abs().max(1.0))
        {
            notes.push(format!(
                "heatmap of {m}: not drawn, {} everywhere",
                fmt_num_plain(values[0])
            ));
            continue;
        }
        let h = Heatmap {
            title: format!(
                "{} over {} × {}",
                short_name(m),
                agg.params[px],
                agg.params[py]
            ),
            x_label: param_label(&agg.params[px]),
            y_label: param_label(&agg.params[py]),
            x_categories: xv.iter().map(|v| value_label(v)).collect(),
            y_categories: yv.iter().map(|v| value_label(v)).collect(),
            panels,
        };
        let file = format!("heatmap_{m}.svg");
        let caption = format!(
            "Mean {} across replicates at each combination of the two swept parameters, one panel per design, one colour scale (viridis) for all panels; grey cells have no value.",
            metric_label(m)
        );
        out.push((file, h.title.clone(), caption, draw_heatmap(&h)?));
    }
    Ok(out)
}

fn fmt_num_plain(x: f64) -> String {
    chart::fmt_num(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use data::Table;

    fn agg(rows: &[(u64, &str, &str)]) -> Aggregate {
        let mut csv = String::from("point,design,metric,mean,sd,n,ci95_low,ci95_high,a,b\n");
        for (p, a, b) in rows {
            csv += &format!("{p},ionet,usd_per_gpu_hour,1,0,2,1,1,{a},{b}\n");
        }
        Aggregate::from_table(&Table::parse(csv.as_bytes(), "x").unwrap(), "x", true).unwrap()
    }

    #[test]
    fn the_time_axis_follows_the_horizon() {
        assert_eq!(time_axis(48.0), ("simulated time (h)", 1.0));
        assert_eq!(time_axis(30.0 * 24.0).0, "simulated time (days)");
        assert_eq!(time_axis(3.0 * 365.25 * 24.0).0, "simulated time (months)");
        assert_eq!(
            time_axis(20.0 * 365.25 * 24.0),
            ("simulated time (years)", 365.25 * 24.0)
        );
    }

    #[test]
    fn numbers_are_numeric_axes_and_words_categories() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(x_axis(&s(&["64", "128.5"])), (vec![64.0, 128.5], None));
        let (xs, cats) = x_axis(&s(&["fifo", "backfill", "fifo"]));
        assert_eq!(xs, [0.0, 1.0, 0.0]);
        assert_eq!(cats.unwrap(), ["fifo", "backfill"]);
    }

    #[test]
    fn grid_slices_hold_the_other_parameter_and_zips_use_every_point() {
        // A 2 × 2 grid: a varies with b held at its point-0 value "x".
        let grid = agg(&[(0, "1", "x"), (1, "2", "x"), (2, "1", "y"), (3, "2", "y")]);
        assert_eq!(slice_points(&grid, 0, &[0, 1]), (vec![0, 1], true));
        assert_eq!(slice_points(&grid, 1, &[0, 1]), (vec![0, 2], true));
        // Zipped: a and b move together, so holding b leaves one point.
        let zip = agg(&[(0, "1", "x"), (1, "2", "y"), (2, "3", "z")]);
        assert_eq!(slice_points(&zip, 0, &[0, 1]), (vec![0, 1, 2], false));
    }

    #[test]
    fn short_names_drop_the_unit_and_capitalise() {
        assert_eq!(short_name("mean_wait_h"), "Mean wait");
        assert_eq!(
            short_name("usd_per_gpu_hour"),
            "Users' USD per useful GPU-hour"
        );
    }
}
