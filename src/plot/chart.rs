//! Chart drawing with plotters' SVG backend: line charts with 95% bands,
//! points with CI whiskers, and heatmaps. Text is laid out by plotters'
//! built-in estimate (no font files), so labels are kept short and legends
//! sit in their own strip above the plot instead of over the data.

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Width and height of every chart, pixels.
pub const SIZE: (u32, u32) = (860, 520);
const FONT: &str = "sans-serif";

/// The Okabe–Ito palette (Okabe & Ito 2008), safe for the common forms of
/// colour blindness; black is left for axes and text.
pub const OKABE_ITO: [RGBColor; 7] = [
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];

/// A design's colour: fixed for the three known designs so that every plot
/// and report uses the same one; others take the remaining colours in order.
pub fn design_color(design: &str, order: usize) -> RGBColor {
    match design {
        "akash" => OKABE_ITO[0],
        "ionet" => OKABE_ITO[1],
        "render" => OKABE_ITO[2],
        _ => OKABE_ITO[3 + order % 4],
    }
}

/// The same colour as a CSS hex string.
pub fn css(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

fn draw_err<E: std::fmt::Display>(e: E) -> Error {
    Error::Other(format!("cannot draw a plot: {e}"))
}

/// A number formatted for a tick or a cell: up to 4 significant figures,
/// no trailing zeros, thousands without exponent.
pub fn fmt_num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-3..1e7).contains(&a) {
        return format!("{x:.2e}");
    }
    let decimals = (3 - a.log10().floor() as i64).clamp(0, 6) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// One series of an [`XyChart`].
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    /// Dashed line (to tell two quantities of one design apart).
    pub dashed: bool,
    /// The line; a `NaN` y breaks it. Empty for markers only.
    pub line: Vec<(f64, f64)>,
    /// A shaded band (x, low, high); a `NaN` breaks it.
    pub band: Vec<(f64, f64, f64)>,
    /// Markers with optional CI whiskers on x and y.
    pub points: Vec<Point>,
    /// Draw the line as a step function (for CDFs).
    pub step: bool,
}

impl Series {
    /// An empty series of `label` in `color`.
    pub fn new(label: impl Into<String>, color: RGBColor) -> Self {
        Self {
            label: label.into(),
            color,
            dashed: false,
            line: Vec::new(),
            band: Vec::new(),
            points: Vec::new(),
            step: false,
        }
    }
}

/// A marker at (x, y) with optional CIs.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub x_ci: Option<(f64, f64)>,
    pub y_ci: Option<(f64, f64)>,
}

/// A chart of lines, bands and points on linear axes.
#[derive(Debug, Clone)]
pub struct XyChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Category names when x is categorical (x = 0, 1, …).
    pub x_categories: Option<Vec<String>>,
    /// Include y = 0 in the range (counts, shares, prices).
    pub y_from_zero: bool,
    /// Fixed y range (e.g. [0, 1] for a CDF).
    pub y_range: Option<(f64, f64)>,
    /// Fixed x range.
    pub x_range: Option<(f64, f64)>,
    /// A line under the title (e.g. the values held fixed).
    pub subtitle: Option<String>,
    /// Logarithmic y axis, for values spanning a decade or more (narrower
    /// spans may get few labelled ticks). Values at
    /// or below 0 are not drawn; a CI reaching 0 or below runs to the
    /// bottom of the frame. `y_from_zero` is ignored.
    pub y_log: bool,
}

impl XyChart {
    /// A chart with a title and axis labels and no series yet.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            x_categories: None,
            y_from_zero: true,
            y_range: None,
            x_range: None,
            subtitle: None,
            y_log: false,
        }
    }

    /// True when no series has anything to draw.
    pub fn is_empty(&self) -> bool {
        self.series
            .iter()
            .all(|s| s.line.iter().all(|p| !p.1.is_finite()) && s.points.is_empty())
    }
}

fn extent(vals: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    vals.filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Pads a data range by 5% each side, widens a degenerate one.
fn padded((lo, hi): (f64, f64), from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (lo, hi);
    if from_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        let w = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        return (lo - w, hi + w);
    }
    let pad = 0.05 * (hi - lo);
    let lo = if from_zero && lo >= 0.0 {
        0.0
    } else {
        lo - pad
    };
    (lo, hi + pad)
}

/// Splits a polyline at non-finite y values.
fn segments(line: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![Vec::new()];
    for &(x, y) in line {
        if y.is_finite() && x.is_finite() {
            out.last_mut().expect("never empty").push((x, y));
        } else if !out.last().expect("never empty").is_empty() {
            out.push(Vec::new());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn step_line(line: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(line.len() * 2);
    for (i, &(x, y)) in line.iter().enumerate() {
        if i > 0 {
            out.push((x, line[i - 1].1));
        }
        out.push((x, y));
    }
    out
}

/// Where each legend entry goes: left to right, wrapping when a row is
/// full. Text widths use the same estimate as plotters' built-in font.
fn legend_layout(items: &[(String, RGBColor, bool)], width: u32) -> Vec<(i32, i32)> {
    let em = 15.0 / 1.24 / 1.24;
    let (mut x, mut y) = (70i32, 6i32);
    let mut out = Vec::with_capacity(items.len());
    for (label, _, _) in items {
        let text_w = (em * 0.7 * label.len() as f64).round() as i32;
        let item_w = 34 + text_w + 24;
        if x + item_w > width as i32 && x > 70 {
            x = 70;
            y += 22;
        }
        out.push((x, y));
        x += item_w;
    }
    out
}

/// Draws a legend strip: a line (dashed where the series is) and a marker
/// in the series colour, then its label.
fn draw_legend(
    area: &DrawingArea<SVGBackend, Shift>,
    items: &[(String, RGBColor, bool)],
) -> Result<()> {
    let style = TextStyle::from((FONT, 15).into_font()).color(&BLACK);
    let (w, _) = area.dim_in_pixel();
    for ((label, color, dashed), (x, y)) in items.iter().zip(legend_layout(items, w)) {
        let mid = y + 9;
        if *dashed {
            for k in 0..3 {
                let x0 = x + k * 10;
                area.draw(&PathElement::new(
                    vec![(x0, mid), (x0 + 6, mid)],
                    color.stroke_width(3),
                ))
                .map_err(draw_err)?;
            }
        } else {
            area.draw(&PathElement::new(
                vec![(x, mid), (x + 26, mid)],
                color.stroke_width(3),
            ))
            .map_err(draw_err)?;
        }
        area.draw(&Circle::new((x + 13, mid), 4, color.filled()))
            .map_err(draw_err)?;
        area.draw_text(label, &style, (x + 34, y))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// `c` with every y replaced by its base-10 logarithm; values at or below
/// 0 become `NaN` (points with such a mean are dropped).
fn log_y(c: &XyChart) -> XyChart {
    let l = |y: f64| if y > 0.0 { y.log10() } else { f64::NAN };
    let mut c = c.clone();
    c.y_range = c.y_range.map(|(lo, hi)| (l(lo), l(hi)));
    c.y_from_zero = false;
    for s in &mut c.series {
        for p in &mut s.line {
            p.1 = l(p.1);
        }
        for b in &mut s.band {
            (b.1, b.2) = (l(b.1), l(b.2));
        }
        s.points.retain(|p| p.y > 0.0);
        for p in &mut s.points {
            p.y = l(p.y);
            p.y_ci = p.y_ci.map(|(lo, hi)| (l(lo), l(hi)));
        }
    }
    c
}

/// Tick values of a log axis spanning 10^lo to 10^hi: 1-2-5 per decade,
/// only the powers of 10 over many decades, every digit over a narrow span.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let ticks = |mantissas: &[f64]| -> Vec<f64> {
        let mut out = Vec::new();
        for k in (lo.floor() as i32)..=(hi.ceil() as i32) {
            for m in mantissas {
                let v = m * 10f64.powi(k);
                let y = v.log10();
                if y >= lo - 1e-9 && y <= hi + 1e-9 {
                    out.push(v);
                }
            }
        }
        out
    };
    let t = ticks(&[1.0, 2.0, 5.0]);
    if t.len() > 12 {
        ticks(&[1.0])
    } else if t.len() < 4 {
        ticks(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    } else {
        t
    }
}

/// Draws `c` to an SVG string.
pub fn draw_xy(c: &XyChart) -> Result<String> {
    let logged;
    let c = if c.y_log {
        logged = log_y(c);
        &logged
    } else {
        c
    };
    let xs = c.series.iter().flat_map(|s| {
        s.line
            .iter()
            .map(|p| p.0)
            .chain(s.band.iter().map(|b| b.0))
            .chain(s.points.iter().flat_map(|p| {
                [Some(p.x), p.x_ci.map(|c| c.0), p.x_ci.map(|c| c.1)]
                    .into_iter()
                    .flatten()
            }))
            .collect::<Vec<_>>()
    });
    let ys = c.series.iter().flat_map(|s| {
        s.line
            .iter()
            .map(|p| p.1)
            .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
            .chain(s.points.iter().flat_map(|p| {
                [Some(p.y), p.y_ci.map(|c| c.0), p.y_ci.map(|c| c.1)]
                    .into_iter()
                    .flatten()
            }))
            .collect::<Vec<_>>()
    });
    let x_range = match (&c.x_categories, c.x_range) {
        (Some(cats), _) => (-0.5, cats.len() as f64 - 0.5),
        (None, Some(r)) => r,
        (None, None) => padded(extent(xs).unwrap_or((0.0, 1.0)), false),
    };
    let y_range = c
        .y_range
        .unwrap_or_else(|| padded(extent(ys).unwrap_or((0.0, 1.0)), c.y_from_zero));

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let body = root
            .titled(&c.title, (FONT, 21).into_font().style(FontStyle::Bold))
            .map_err(draw_err)?;
        let items: Vec<(String, RGBColor, bool)> = c
            .series
            .iter()
            .filter(|s| !s.label.is_empty())
            .map(|s| (s.label.clone(), s.color, s.dashed))
            .collect();
        let rows = legend_layout(&items, SIZE.0)
            .last()
            .map_or(0, |p| (p.1 - 6) / 22 + 1);
        let body = match &c.subtitle {
            Some(sub) => {
                let (top, rest) = body.split_vertically(24);
                let style = TextStyle::from((FONT, 15).into_font())
                    .color(&RGBColor(0x44, 0x44, 0x44))
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Top,
                    ));
                top.draw_text(sub, &style, (SIZE.0 as i32 / 2, 2))
                    .map_err(draw_err)?;
                rest
            }
            None => body,
        };
        let (legend, plot) = body.split_vertically(8 + 22 * rows.max(1));
        draw_legend(&legend, &items)?;

        let mut chart = ChartBuilder::on(&plot)
            .margin_left(8)
            .margin_right(24)
            .margin_bottom(6)
            .x_label_area_size(52)
            .y_label_area_size(84)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)
            .map_err(draw_err)?;
        let cats = c.x_categories.clone();
        let x_fmt = move |x: &f64| match &cats {
            Some(cats) => {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < cats.len() {
                    cats[i as usize].clone()
                } else {
                    String::new()
                }
            }
            None => fmt_num(*x),
        };
        // A tick that is zero up to float noise of the axis reads "0".
        let y_noise = 1e-9 * (y_range.1 - y_range.0).abs();
        let y_fmt = move |y: &f64| fmt_num(if y.abs() < y_noise { 0.0 } else { *y });
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(c.x_label.as_str())
            .y_desc(c.y_label.as_str())
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
            .light_line_style(TRANSPARENT)
            .y_labels(if c.y_log { 0 } else { 8 });
        match &c.x_categories {
            Some(cats) => {
                mesh.x_labels(cats.len() + 1);
            }
            None => {
                mesh.x_labels(9);
            }
        }
        mesh.draw().map_err(draw_err)?;
        if c.y_log {
            // Grid lines and labels at round values, drawn by hand: the
            // mesh would label the logarithms.
            let style = TextStyle::from((FONT, 14).into_font()).color(&BLACK).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Right,
                    plotters::style::text_anchor::VPos::Center,
                ),
            );
            for v in log_ticks(y_range.0, y_range.1) {
                let y = v.log10();
                chart
                    .draw_series([PathElement::new(
                        vec![(x_range.0, y), (x_range.1, y)],
                        RGBColor(0xDD, 0xDD, 0xDD),
                    )])
                    .map_err(draw_err)?;
                let (px, py) = chart.backend_coord(&(x_range.0, y));
                root.draw(&PathElement::new(vec![(px - 5, py), (px, py)], BLACK))
                    .map_err(draw_err)?;
                root.draw_text(&fmt_num(v), &style, (px - 8, py))
                    .map_err(draw_err)?;
            }
        }

        for s in &c.series {
            // Bands first, so lines and markers stay on top.
            for part in s
                .band
                .split(|b| !(b.0.is_finite() && b.1.is_finite() && b.2.is_finite()))
                .filter(|p| !p.is_empty())
            {
                let mut poly: Vec<(f64, f64)> = part.iter().map(|b| (b.0, b.2)).collect();
                poly.extend(part.iter().rev().map(|b| (b.0, b.1)));
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        poly,
                        s.color.mix(0.22).filled(),
                    )))
                    .map_err(draw_err)?;
            }
        }
        for s in &c.series {
            let line = if s.step {
                step_line(&s.line)
            } else {
                s.line.clone()
            };
            for seg in segments(&line) {
                if s.dashed {
                    chart
                        .draw_series(DashedLineSeries::new(seg, 8, 6, s.color.stroke_width(2)))
                        .map_err(draw_err)?;
                } else {
                    chart
                        .draw_series(LineSeries::new(seg, s.color.stroke_width(2)))
                        .map_err(draw_err)?;
                }
            }
            let cap_x = (x_range.1 - x_range.0) * 0.008;
            let cap_y = (y_range.1 - y_range.0) * 0.012;
            for p in &s.points {
                let st = s.color.stroke_width(2);
                if let Some((lo, hi)) = p.y_ci {
                    // A log axis's CI reaching 0 runs to the frame's bottom.
                    let lo = if lo.is_finite() { lo } else { y_range.0 };
                    chart
                        .draw_series([
                            PathElement::new(vec![(p.x, lo), (p.x, hi)], st),
                            PathElement::new(vec![(p.x - cap_x, lo), (p.x + cap_x, lo)], st),
                            PathElement::new(vec![(p.x - cap_x, hi), (p.x + cap_x, hi)], st),
                        ])
                        .map_err(draw_err)?;
                }
                if let Some((lo, hi)) = p.x_ci {
                    chart
                        .draw_series([
                            PathElement::new(vec![(lo, p.y), (hi, p.y)], st),
                            PathElement::new(vec![(lo, p.y - cap_y), (lo, p.y + cap_y)], st),
                            PathElement::new(vec![(hi, p.y - cap_y), (hi, p.y + cap_y)], st),
                        ])
                        .map_err(draw_err)?;
                }
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (p.x, p.y),
                        5,
                        s.color.filled(),
                    )))
                    .map_err(draw_err)?;
            }
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// A heatmap panel: one design's metric over a two-parameter grid.
#[derive(Debug, Clone)]
pub struct HeatPanel {
    pub title: String,
    /// `cells[i][j]`: the value at x category i, y category j.
    pub cells: Vec<Vec<Option<f64>>>,
}

/// A row of heatmap panels sharing axes and one colour scale.
#[derive(Debug, Clone)]
pub struct Heatmap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_categories: Vec<String>,
    pub y_categories: Vec<String>,
    pub panels: Vec<HeatPanel>,
}

/// Viridis (perceptually uniform, colour-blind safe), by linear
/// interpolation between nine anchors of matplotlib's table.
pub fn viridis(t: f64) -> RGBColor {
    const A: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * 8.0;
    let i = (t.floor() as usize).min(7);
    let f = t - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    RGBColor(
        mix(A[i].0, A[i + 1].0),
        mix(A[i].1, A[i + 1].1),
        mix(A[i].2, A[i + 1].2),
    )
}

/// Draws `h` to an SVG string: panels side by side, each cell labelled
/// with its value, a shared colour bar at the bottom.
pub fn draw_heatmap(h: &Heatmap) -> Result<String> {
    let (lo, hi) = extent(
        h.panels
            .iter()
            .flat_map(|p| p.cells.iter().flatten().flatten().copied()),
    )
    .unwrap_or((0.0, 1.0));
    // Positive values spanning two decades or more (waits near saturation,
    // say) are coloured on a log scale, so the small ones stay apart.
    let log = lo > 0.0 && hi / lo >= 100.0;
    let norm = |v: f64| {
        if hi <= lo {
            0.5
        } else if log {
            (v.ln() - lo.ln()) / (hi.ln() - lo.ln())
        } else {
            (v - lo) / (hi - lo)
        }
    };
    let nx = h.x_categories.len();
    let ny = h.y_categories.len();
    let width = SIZE.0.max(300 * h.panels.len() as u32 + 120);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, SIZE.1)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let body = root
            .titled(&h.title, (FONT, 21).into_font().style(FontStyle::Bold))
            .map_err(draw_err)?;
        let (grid, bar) = body.split_vertically(SIZE.1 as i32 - 110);
        let panels = grid.split_evenly((1, h.panels.len().max(1)));
        for (k, (panel, area)) in h.panels.iter().zip(&panels).enumerate() {
            let mut chart = ChartBuilder::on(area)
                .caption(&panel.title, (FONT, 17))
                .margin(8)
                .x_label_area_size(48)
                .y_label_area_size(if k == 0 { 84 } else { 36 })
                .build_cartesian_2d(-0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)
                .map_err(draw_err)?;
            let xc = h.x_categories.clone();
            let yc = h.y_categories.clone();
            let cat = |cats: &[String], v: f64| {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < cats.len() {
                    cats[i as usize].clone()
                } else {
                    String::new()
                }
            };
            let xf = move |v: &f64| cat(&xc, *v);
            let yf = move |v: &f64| if k == 0 { cat(&yc, *v) } else { String::new() };
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc(h.x_label.as_str())
                .y_desc(if k == 0 { h.y_label.as_str() } else { "" })
                .x_labels(nx + 1)
                .y_labels(ny + 1)
                .x_label_formatter(&xf)
                .y_label_formatter(&yf)
                .label_style((FONT, 13))
                .axis_desc_style((FONT, 15))
                .draw()
                .map_err(draw_err)?;
            for (i, col) in panel.cells.iter().enumerate() {
                for (j, v) in col.iter().enumerate() {
                    let (x, y) = (i as f64, j as f64);
                    let rect = [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)];
                    let Some(v) = v else {
                        chart
                            .draw_series([Rectangle::new(
                                rect,
                                RGBColor(0xEE, 0xEE, 0xEE).filled(),
                            )])
                            .map_err(draw_err)?;
                        continue;
                    };
                    let t = norm(*v);
                    let fill = viridis(t);
                    chart
                        .draw_series([Rectangle::new(rect, fill.filled())])
                        .map_err(draw_err)?;
                    let ink = if t > 0.6 { BLACK } else { WHITE };
                    let style = TextStyle::from((FONT, 13).into_font()).color(&ink).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        ),
                    );
                    chart
                        .draw_series([Text::new(fmt_num(*v), (x, y), style)])
                        .map_err(draw_err)?;
                }
            }
        }
        // Colour bar: 40 steps from low to high, labelled at the ends.
        let (bw, _) = bar.dim_in_pixel();
        let (x0, x1) = (bw as i32 / 4, bw as i32 * 3 / 4);
        let steps = 40;
        for s in 0..steps {
            let a = x0 + (x1 - x0) * s / steps;
            let b = x0 + (x1 - x0) * (s + 1) / steps;
            bar.draw(&Rectangle::new(
                [(a, 40), (b, 62)],
                viridis(s as f64 / (steps - 1) as f64).filled(),
            ))
            .map_err(draw_err)?;
        }
        let style = TextStyle::from((FONT, 14).into_font()).color(&BLACK);
        bar.draw_text(
            &fmt_num(lo),
            &style,
            (x0 - 8 - 9 * fmt_num(lo).len() as i32, 42),
        )
        .map_err(draw_err)?;
        bar.draw_text(&fmt_num(hi), &style, (x1 + 8, 42))
            .map_err(draw_err)?;
        let caption = if log {
            "colour scale (log, shared by all panels):"
        } else {
            "colour scale (shared by all panels):"
        };
        bar.draw_text(caption, &style, (x0, 16)).map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(fmt_num(0.30000000000000004), "0.3");
        assert_eq!(fmt_num(1234.5678), "1235");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(-0.0125), "-0.0125");
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(1.5e9), "1.50e9");
    }

    #[test]
    fn lines_break_at_gaps() {
        let s = segments(&[(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0), (3.0, 3.0)]);
        assert_eq!(s, vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
    }

    fn heatmap(values: [f64; 3]) -> String {
        draw_heatmap(&Heatmap {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x_categories: vec!["a".into(), "b".into(), "c".into()],
            y_categories: vec!["r".into()],
            panels: vec![HeatPanel {
                title: "p".into(),
                cells: values.iter().map(|&v| vec![Some(v)]).collect(),
            }],
        })
        .unwrap()
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    #[test]
    fn heatmaps_over_two_decades_colour_on_a_log_scale() {
        // 1e-4, 1e-2, 1: the middle value is mid-scale in log, near the
        // bottom in linear terms.
        let svg = heatmap([1e-4, 1e-2, 1.0]);
        assert!(svg.contains("colour scale (log, shared by all panels)"));
        assert!(
            svg.to_uppercase().contains(&hex(viridis(0.5))),
            "mid cell not mid-scale"
        );
        // 1, 2, 3: linear; the middle value is mid-scale too.
        let svg = heatmap([1.0, 2.0, 3.0]);
        assert!(svg.contains("colour scale (shared by all panels)"));
        assert!(svg.to_uppercase().contains(&hex(viridis(0.5))));
        // 0, 0.01, 1 (a zero): linear, the middle cell near the bottom.
        let svg = heatmap([0.0, 0.01, 1.0]);
        assert!(svg.contains("colour scale (shared by all panels)"));
        assert!(svg.to_uppercase().contains(&hex(viridis(0.01))));
    }

    #[test]
    fn viridis_ends_are_the_table_ends() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
    }

    #[test]
    fn log_ticks_are_round_and_inside_the_range() {
        // 0.03 to 2.5: 1-2-5 per decade.
        let t = log_ticks(0.03f64.log10(), 2.5f64.log10());
        assert_eq!(t.len(), 6);
        for (a, b) in t.iter().zip([0.05, 0.1, 0.2, 0.5, 1.0, 2.0]) {
            assert!((a - b).abs() < 1e-12, "{t:?}");
        }
        // Narrow: every digit; wide: powers of ten only.
        let narrow = log_ticks(0.25f64.log10(), 0.45f64.log10());
        assert_eq!(narrow.len(), 2);
        assert!((narrow[0] - 0.3).abs() < 1e-12 && (narrow[1] - 0.4).abs() < 1e-12);
        let wide = log_ticks(-6.0, 3.0);
        assert_eq!(wide.len(), 10);
        assert!((wide[0] - 1e-6).abs() < 1e-18);
    }

    #[test]
    fn a_log_chart_labels_round_values_and_drops_non_positive_points() {
        let mut c = XyChart::new("Prices", "workload", "USD");
        c.y_log = true;
        c.x_categories = Some(vec!["a".into(), "b".into()]);
        let mut s = Series::new("akash", design_color("akash", 0));
        for (x, y) in [(0.0, 0.04), (1.0, 2.0), (1.0, 0.0)] {
            s.points.push(Point {
                x,
                y,
                x_ci: None,
                y_ci: Some((y - 0.05, y + 0.05)),
            });
        }
        c.series.push(s);
        let svg = draw_xy(&c).unwrap();
        let texts: Vec<&str> = svg.lines().map(str::trim).collect();
        for t in ["0.05", "0.1", "0.2", "0.5", "1", "2"] {
            assert!(texts.contains(&t), "tick {t} missing");
        }
        // Two markers and the legend's; the point at 0 is not drawn.
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn a_chart_draws_its_title_labels_and_legend() {
        let mut c = XyChart::new("Title here", "time (h)", "GPUs");
        let mut s = Series::new("ionet", design_color("ionet", 0));
        s.line = vec![(0.0, 1.0), (1.0, 2.0)];
        s.band = vec![(0.0, 0.5, 1.5), (1.0, 1.5, 2.5)];
        c.series.push(s);
        let svg = draw_xy(&c).unwrap();
        for needle in ["Title here", "time (h)", "GPUs", "ionet", "#0072B2"] {
            assert!(svg.contains(needle), "{needle} missing");
        }
    }
}
