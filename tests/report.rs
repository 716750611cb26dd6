//! `depinsim report` and the report `run` writes: the HTML is well-formed,
//! every chart it names is in plots/ and inline, the table's numbers are
//! aggregate.csv's, the per-workload tables' numbers are workloads.csv's,
//! every claim has a verdict, several directories compare side by side, and
//! a directory with only a summary still reports.

mod common;

use common::Sandbox;
use quick_xml::events::Event;
use std::collections::BTreeMap;
use std::path::Path;

/// An element seen in the report: its name, attributes and direct text.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
}

/// Parses the report as XML (it is written to be), failing on any error,
/// and returns its elements in document order.
fn parse(html: &str) -> Vec<Element> {
    let mut r = quick_xml::Reader::from_str(html);
    r.config_mut().check_end_names = true;
    let mut out: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        let ev = r
            .read_event()
            .unwrap_or_else(|e| panic!("report not well-formed at {}: {e}", r.buffer_position()));
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let mut el = Element {
                    name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                    ..Default::default()
                };
                for a in e.attributes() {
                    let a = a.unwrap();
                    el.attrs.insert(
                        String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                        String::from_utf8(a.value.to_vec()).unwrap(),
                    );
                }
                out.push(el);
                if !empty {
                    open.push(out.len() - 1);
                }
            }
            Event::End(_) => {
                open.pop().expect("an end tag matches a start tag");
            }
            Event::Text(t) => {
                if let Some(&i) = open.last() {
                    out[i].text += std::str::from_utf8(&t).unwrap();
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements");
    out
}

fn baseline_short(sb: &Sandbox, out: &str, seed: &str) {
    let args = [
        "run",
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml"),
        "--out",
        out,
        "--seed",
        seed,
        "--replications",
        "3",
        "--set",
        "scenario.horizon=2d",
        "--set",
        "scenario.warmup=12h",
        // The seed's four claims on the three DePIN designs; the claim
        // against the cloud has its own test below.
        "--set",
        "scenario.designs=[\"akash\",\"ionet\",\"render\"]",
    ];
    sb.depinsim(&args).assert_code(0);
}

#[test]
fn the_claim_against_the_cloud_is_decided_per_workload_against_each_network() {
    let sb = Sandbox::new();
    let args = [
        "run",
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml"),
        "--out",
        "c",
        "--replications",
        "3",
        "--set",
        "scenario.horizon=2d",
        "--set",
        "scenario.warmup=12h",
    ];
    sb.depinsim(&args).assert_code(0);
    let html = std::fs::read_to_string(sb.path("c").join("report.html")).unwrap();
    let views = claim_views(&parse(&html));
    assert_eq!(
        views.len(),
        5,
        "the cloud claim first, then the seed's four"
    );
    let v = &views[0];
    assert!(
        v.text.contains("cheaper than the centralized cloud"),
        "{}",
        v.text
    );
    assert_eq!(v.basis, "workloads");
    // Every comparison is the cloud against a DePIN network.
    assert!(!v.rows.is_empty());
    assert!(v.rows.iter().all(|r| r.attrs["data-rival"] != "cloud"));
    // The seed's claims never take the cloud as a rival.
    for v in &views[1..] {
        assert!(
            v.rows.iter().all(|r| r.attrs["data-rival"] != "cloud"),
            "{}",
            v.text
        );
    }
}

/// aggregate.csv as (point, design, metric) → (mean, low, high) strings.
fn aggregate(dir: &Path) -> BTreeMap<(String, String, String), [String; 3]> {
    let mut r = csv::Reader::from_path(dir.join("aggregate.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                (rec[0].to_string(), rec[1].to_string(), rec[2].to_string()),
                [rec[3].to_string(), rec[6].to_string(), rec[7].to_string()],
            )
        })
        .collect()
}

#[test]
fn the_run_report_is_well_formed_complete_and_matches_the_aggregate() {
    let sb = Sandbox::new();
    baseline_short(&sb, "base", "11");
    let dir = sb.path("base");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let els = parse(&html);
    assert!(
        !html.contains("http://") || !html.contains("<link"),
        "no external resources"
    );
    assert!(!html.contains("<script"), "no scripts");

    // Every chart is inline and its file exists.
    let figures: Vec<&Element> = els
        .iter()
        .filter(|e| e.attrs.contains_key("data-plot"))
        .collect();
    assert!(figures.len() >= 4, "only {} charts", figures.len());
    for f in &figures {
        assert!(
            dir.join("plots").join(&f.attrs["data-plot"]).exists(),
            "{:?} missing",
            f.attrs
        );
    }
    let svgs = els.iter().filter(|e| e.name == "svg").count();
    assert_eq!(svgs, figures.len(), "each figure holds its SVG inline");

    // The table's numbers are aggregate.csv's, cell by cell, and the shown
    // text rounds the mean (the per-workload cells are checked below).
    let agg = aggregate(&dir);
    let cells: Vec<&Element> = els
        .iter()
        .filter(|e| e.attrs.contains_key("data-mean") && !e.attrs.contains_key("data-workload"))
        .collect();
    assert!(cells.len() >= 3 * 9, "only {} cells", cells.len());
    for c in &cells {
        let key = (
            "0".to_string(),
            c.attrs["data-design"].clone(),
            c.attrs["data-metric"].clone(),
        );
        let want = agg
            .get(&key)
            .unwrap_or_else(|| panic!("{key:?} not in aggregate.csv"));
        assert_eq!(
            [
                &c.attrs["data-mean"],
                &c.attrs["data-ci95-low"],
                &c.attrs["data-ci95-high"]
            ],
            [&want[0], &want[1], &want[2]],
            "{key:?}"
        );
        // The text is in the unit of the row (waits in s, min or h):
        // `data-scale` units per hour.
        let scale: f64 = c
            .attrs
            .get("data-scale")
            .map_or(1.0, |s| s.parse().unwrap());
        if let Ok(mean) = want[0].parse::<f64>() {
            let mean = mean * scale;
            let shown: f64 = c
                .text
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{:?}", c.text));
            let tol = (want[2].parse::<f64>().map_or(mean, |h| h * scale) - mean)
                .abs()
                .max(mean.abs() * 1e-2)
                + 1e-12;
            assert!(
                (shown - mean).abs() <= tol,
                "{key:?}: shows {shown}, mean {mean}"
            );
        } else {
            assert_eq!(c.text, "—");
        }
    }

    // Four claims, each with one of the three verdicts.
    let verdicts: Vec<&str> = els
        .iter()
        .filter_map(|e| e.attrs.get("data-verdict").map(String::as_str))
        .collect();
    assert_eq!(verdicts.len(), 4, "{verdicts:?}");
    assert!(
        verdicts
            .iter()
            .all(|v| ["holds", "does not hold", "inconclusive"].contains(v))
    );
    for words in [
        "Akash is the cheapest",
        "Akash is the least stable",
        "Render gives the highest quality",
        "io.net has the best cost-performance for AI",
    ] {
        assert!(html.contains(words), "{words}");
    }
    // How to reproduce: the command, the version and the seed.
    assert!(html.contains("--seed 11"), "command line missing");
    assert!(html.contains(env!("CARGO_PKG_VERSION")));
    assert!(html.contains("master seed 11"));
}

#[test]
fn several_directories_compare_side_by_side() {
    let sb = Sandbox::new();
    baseline_short(&sb, "a", "1");
    baseline_short(&sb, "b", "2");
    let o = sb.depinsim(&["report", "a", "b", "--out", "both.html"]);
    o.assert_code(0).assert_stderr_has(&["both.html"]);
    let html = std::fs::read_to_string(sb.path("both.html")).unwrap();
    let els = parse(&html);
    assert!(html.contains("Side by side"));
    // One claims column per directory, one section per directory.
    assert_eq!(els.iter().filter(|e| e.name == "section").count(), 2);
    assert_eq!(
        els.iter()
            .filter(|e| e.attrs.get("class").is_some_and(|c| c == "metrics"))
            .count(),
        2
    );
    assert!(html.contains("master seed 1") && html.contains("master seed 2"));
    // Per workload as per design: the four tables in each section, and side
    // by side one per metric with every directory's designs as columns.
    let class = |c: &str| {
        els.iter()
            .filter(|e| e.attrs.get("class").is_some_and(|x| x == c))
            .count()
    };
    assert_eq!(class("by-workload"), 2 * 4);
    assert_eq!(class("compare-by-workload"), 4);
    let start = els
        .iter()
        .position(|e| {
            e.attrs
                .get("class")
                .is_some_and(|c| c == "compare-by-workload")
        })
        .unwrap();
    let heads = els[start..]
        .iter()
        .take_while(|e| e.name != "tbody")
        .filter(|e| e.name == "th")
        .count();
    assert_eq!(
        heads,
        1 + 2 * 3,
        "workload, then 3 designs of each directory"
    );
}

#[test]
fn a_directory_with_only_a_summary_still_reports_its_verdicts() {
    // Akash is 0.2 cheaper than io.net in every replicate: "holds".
    let sb = Sandbox::new();
    let dir = sb.path("bare");
    std::fs::create_dir_all(&dir).unwrap();
    let mut s =
        String::from("point,replicate,seed,design,usd_per_gpu_hour,interruptions_per_1k_gpu_h\n");
    for (rep, base) in [(0, 1.0), (1, 1.4), (2, 0.9)] {
        s += &format!(
            "0,{rep},{rep},akash,{base},5\n0,{rep},{rep},ionet,{},{}\n",
            base + 0.2,
            5 + rep
        );
    }
    std::fs::write(dir.join("summary.csv"), s).unwrap();
    sb.depinsim(&["report", "bare"]).assert_code(0);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let els = parse(&html);
    let verdicts: Vec<&str> = els
        .iter()
        .filter_map(|e| e.attrs.get("data-verdict").map(String::as_str))
        .collect();
    // cheapest: holds; least stable: akash 5 vs ionet 5,6,7 → diffs 0,−1,−2,
    // CI contains 0: inconclusive; no render: inconclusive; AI: io.net is
    // dearer in every replicate: does not hold.
    assert_eq!(
        verdicts,
        ["holds", "inconclusive", "inconclusive", "does not hold"]
    );
    assert!(html.contains("no manifest.json"));
    // No workloads.csv: run-wide values, and the reason says so.
    let views = claim_views(&els);
    for i in [0, 1, 3] {
        assert_eq!(views[i].basis, "summary-fallback");
        assert!(
            views[i].reason.contains("no workloads.csv"),
            "{}",
            views[i].reason
        );
    }
}

#[test]
fn a_missing_directory_is_bad_input() {
    let sb = Sandbox::new();
    sb.depinsim(&["report", "nowhere"]).assert_code(2);
    sb.depinsim(&["plot", "nowhere"]).assert_code(2);
}

/// One claim row of the report: its words, verdict, basis, reason and the
/// comparisons listed beside it.
#[derive(Debug)]
struct ClaimView {
    text: String,
    verdict: String,
    basis: String,
    reason: String,
    rows: Vec<RowView>,
}

/// One comparison row: its data attributes, its label and the shown
/// difference and wait cells.
#[derive(Debug)]
struct RowView {
    attrs: BTreeMap<String, String>,
    label: String,
    diff_text: String,
    cells: Vec<String>,
}

/// The claims table of the first section (first point), in order.
fn claim_views(els: &[Element]) -> Vec<ClaimView> {
    let mut out: Vec<ClaimView> = Vec::new();
    for (i, e) in els.iter().enumerate() {
        if let Some(text) = e.attrs.get("data-claim") {
            out.push(ClaimView {
                text: text.clone(),
                verdict: String::new(),
                basis: e.attrs["data-basis"].clone(),
                reason: String::new(),
                rows: Vec::new(),
            });
        } else if let Some(v) = e.attrs.get("data-verdict") {
            let c = out.last_mut().expect("a verdict inside a claim row");
            c.verdict = v.clone();
            // td > span.verdict, br, span.note (the reason).
            assert_eq!(
                els[i + 3].attrs.get("class").map(String::as_str),
                Some("note")
            );
            c.reason = els[i + 3].text.clone();
        } else if e.attrs.get("class").is_some_and(|c| c == "comparison") {
            // tr > td (label), td (means), td > strong (difference), td (CI),
            // td (n), [td (shown too)].
            let mut cells = Vec::new();
            let mut j = i + 1;
            while j < els.len() && els[j].name != "tr" && els[j].name != "table" {
                if els[j].name == "td" {
                    cells.push(els[j].text.clone());
                }
                j += 1;
            }
            assert_eq!(els[i + 4].name, "strong");
            out.last_mut()
                .expect("a comparison inside a claim row")
                .rows
                .push(RowView {
                    attrs: e.attrs.clone(),
                    label: els[i + 1].text.clone(),
                    diff_text: els[i + 4].text.clone(),
                    cells,
                });
        } else if e.attrs.get("class").is_some_and(|c| c == "claims-by-point") {
            break;
        }
        if e.name == "h3" && e.text == "Charts" {
            break;
        }
    }
    out
}

fn verdicts_of(views: &[ClaimView]) -> Vec<&str> {
    views.iter().map(|v| v.verdict.as_str()).collect()
}

/// A number as the report shows it (a true minus sign).
fn shown_num(s: &str) -> f64 {
    s.trim()
        .replace('\u{2212}', "-")
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// Mean and 95% Student-t interval of `xs`, computed here independently.
fn paired_ci(xs: &[f64], confidence: f64) -> (f64, Option<(f64, f64)>) {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (m, None);
    }
    let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .unwrap()
        .inverse_cdf(0.5 + confidence / 2.0);
    (m, Some((m - t * sd / n.sqrt(), m + t * sd / n.sqrt())))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-9)
}

/// A hand-made directory where per-workload and run-wide values disagree:
/// akash also serves web services (cheap, often interrupted), render serves
/// only render jobs (cheap), io.net serves training and render.
fn write_mixed_basket(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    // (replicate, design, workload, usd_per_gpu_hour, interruptions, wait)
    let w: &[(u32, &str, &str, f64, f64, f64)] = &[
        (0, "akash", "train", 1.70, 2.0, 0.05),
        (0, "akash", "render", 0.28, 3.0, 0.2),
        (0, "akash", "web", 0.04, 30.0, 0.2),
        (0, "ionet", "train", 1.90, 3.5, 0.02),
        (0, "ionet", "render", 0.33, 5.0, 0.04),
        (0, "render", "render", 0.30, 5.5, 0.001),
        (1, "akash", "train", 1.75, 2.2, 0.06),
        (1, "akash", "render", 0.29, 3.1, 0.3),
        (1, "akash", "web", 0.05, 31.0, 0.2),
        (1, "ionet", "train", 1.93, 3.6, 0.03),
        (1, "ionet", "render", 0.345, 5.2, 0.05),
        (1, "render", "render", 0.305, 5.4, 0.002),
        (2, "akash", "train", 1.68, 1.9, 0.04),
        (2, "akash", "render", 0.27, 2.9, 0.25),
        (2, "akash", "web", 0.04, 29.0, 0.2),
        (2, "ionet", "train", 1.89, 3.4, 0.01),
        (2, "ionet", "render", 0.32, 4.9, 0.06),
        (2, "render", "render", 0.295, 5.6, 0.003),
    ];
    let mut s = String::from(
        "point,replicate,design,workload,mean_wait_h,usd_per_gpu_hour,interruptions_per_1k_gpu_h\n",
    );
    for (rep, d, wl, usd, int, wait) in w {
        s += &format!("0,{rep},{d},{wl},{wait},{usd},{int}\n");
    }
    // io.net and render serve no web jobs, render no training: empty cells.
    for rep in 0..3 {
        s += &format!("0,{rep},ionet,web,,,\n0,{rep},render,train,,,\n0,{rep},render,web,,,\n");
    }
    std::fs::write(dir.join("workloads.csv"), s).unwrap();
    // Run-wide: akash's average mixes in the cheap, interrupted web
    // services; render's is render jobs only.
    let runs: &[(u32, &str, f64, f64)] = &[
        (0, "akash", 0.90, 12.0),
        (0, "ionet", 1.00, 4.0),
        (0, "render", 0.30, 5.5),
        (1, "akash", 1.10, 12.5),
        (1, "ionet", 0.95, 4.2),
        (1, "render", 0.305, 5.4),
        (2, "akash", 0.95, 11.8),
        (2, "ionet", 1.05, 3.9),
        (2, "render", 0.295, 5.6),
    ];
    let mut s = String::from(
        "point,replicate,seed,design,mean_wait_h,usd_per_gpu_hour,interruptions_per_1k_gpu_h\n",
    );
    for (rep, d, usd, int) in runs {
        s += &format!("0,{rep},{rep},{d},0.1,{usd},{int}\n");
    }
    std::fs::write(dir.join("summary.csv"), s).unwrap();
    let manifest = serde_json::json!({
        "designs": ["akash", "ionet", "render"],
        "replications": 3,
        "scenario": {
            "scenario": {"name": "mixed-basket"},
            "workload": [
                {"name": "train", "kind": "training"},
                {"name": "render", "kind": "render"},
                {"name": "web", "kind": "web"}
            ],
            "design": {
                "akash": {"serves": ["training", "render", "web"]},
                "ionet": {"serves": ["training", "render"]},
                "render": {}
            }
        }
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
}

#[test]
fn cost_and_stability_are_decided_per_workload_not_on_run_wide_baskets() {
    let sb = Sandbox::new();
    let dir = sb.path("mixed");
    write_mixed_basket(&dir);
    sb.depinsim(&["report", "mixed"]).assert_code(0);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let views = claim_views(&parse(&html));
    // Per workload: akash is cheaper than io.net on train and render and
    // than render on render (holds); it is interrupted less than io.net on
    // train (does not hold); no frame quality here; io.net is dearer than
    // akash on the one AI workload (does not hold).
    assert_eq!(
        verdicts_of(&views),
        ["holds", "does not hold", "inconclusive", "does not hold"],
        "{views:#?}"
    );
    assert_eq!(
        views.iter().map(|v| v.basis.as_str()).collect::<Vec<_>>(),
        ["workloads", "workloads", "summary", "workloads"]
    );
    let labels =
        |i: usize| -> Vec<&str> { views[i].rows.iter().map(|r| r.label.as_str()).collect() };
    let every = [
        "akash − ionet on train",
        "akash − ionet on render",
        "akash − render on render",
    ];
    assert_eq!(labels(0), every);
    assert_eq!(labels(1), every);
    // AI: training only (render is not AI; web no rival serves).
    assert_eq!(labels(3), ["ionet − akash on train"]);
    assert!(
        views[1]
            .reason
            .contains("ionet on train, render; render on render"),
        "{}",
        views[1].reason
    );
    // Three comparisons: the Bonferroni level is 1 − 0.05/3.
    assert!(views[1].reason.contains("98.33%"), "{}", views[1].reason);
    // Web is named as not compared, and the AI claim shows the waits of
    // the training workload: io.net 0.02, akash 0.05 (means of 3 replicates).
    assert!(html.contains("web (served by akash only)"));
    let ai = &views[3].rows[0];
    assert_eq!(ai.cells.last().unwrap(), "0.02 / 0.05");

    // Without workloads.csv the same directory falls back to the run-wide
    // values, where akash's basket includes web services: the verdicts
    // turn, and the reason says why.
    std::fs::remove_file(dir.join("workloads.csv")).unwrap();
    sb.depinsim(&["report", "mixed"]).assert_code(0);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let views = claim_views(&parse(&html));
    assert_eq!(
        verdicts_of(&views),
        ["does not hold", "holds", "inconclusive", "inconclusive"],
        "{views:#?}"
    );
    for i in [0, 1, 3] {
        assert_eq!(views[i].basis, "summary-fallback");
        assert!(
            views[i].reason.contains("summary.csv") && views[i].reason.contains("no workloads.csv"),
            "{}",
            views[i].reason
        );
        assert!(
            views[i]
                .rows
                .iter()
                .all(|r| !r.attrs.contains_key("data-workload"))
        );
    }
    assert_eq!(views[0].rows[1].label, "akash − render");
}

#[test]
fn the_claims_numbers_are_those_of_workloads_csv() {
    let sb = Sandbox::new();
    baseline_short(&sb, "base", "5");
    let dir = sb.path("base");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let views = claim_views(&parse(&html));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let kinds: BTreeMap<String, String> = manifest["scenario"]["workload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["name"].as_str().unwrap().to_string(),
                w["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let (h, rows) = common::read_csv(&dir.join("workloads.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    // Workloads in file order; (workload, design) → replicate → row.
    let mut order: Vec<String> = Vec::new();
    let mut cell: BTreeMap<(String, String), BTreeMap<u32, &Vec<String>>> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r[col("point")], "0");
        let w = r[col("workload")].clone();
        if !order.contains(&w) {
            order.push(w.clone());
        }
        cell.entry((w, r[col("design")].clone()))
            .or_default()
            .insert(r[col("replicate")].parse().unwrap(), r);
    }
    let value = |w: &str, d: &str, rep: u32, metric: &str| -> Option<f64> {
        let s = &cell.get(&(w.to_string(), d.to_string()))?.get(&rep)?[col(metric)];
        s.parse().ok()
    };
    let designs = ["akash", "ionet", "render"];
    // (claim index, design, metric, sign the claim predicts, AI only)
    for (i, design, metric, sign, ai) in [
        (0, "akash", "usd_per_gpu_hour", -1.0, false),
        (1, "akash", "interruptions_per_1k_gpu_h", 1.0, false),
        (3, "ionet", "usd_per_gpu_hour", -1.0, true),
    ] {
        let v = &views[i];
        assert_eq!(v.basis, "workloads", "{}", v.text);
        // Every (workload, rival) where both have values, computed here.
        let mut want = Vec::new();
        for w in &order {
            if ai && !["training", "inference"].contains(&kinds[w].as_str()) {
                continue;
            }
            for rival in designs.iter().filter(|d| **d != design) {
                let pairs: Vec<(u32, f64, f64)> = (0..3)
                    .filter_map(|rep| {
                        Some((
                            rep,
                            value(w, design, rep, metric)?,
                            value(w, rival, rep, metric)?,
                        ))
                    })
                    .collect();
                if !pairs.is_empty() {
                    want.push((w.clone(), rival.to_string(), pairs));
                }
            }
        }
        assert!(
            want.len() >= 3,
            "{} has only {} comparisons",
            v.text,
            want.len()
        );
        let got: Vec<(String, String)> = v
            .rows
            .iter()
            .map(|r| {
                (
                    r.attrs["data-workload"].clone(),
                    r.attrs["data-rival"].clone(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> = want
            .iter()
            .map(|(w, r, _)| (w.clone(), r.clone()))
            .collect();
        assert_eq!(got, expected, "{}", v.text);
        let k = want.len() as f64;
        let (mut all_favour, mut any_against) = (true, false);
        for ((w, rival, pairs), row) in want.iter().zip(&v.rows) {
            let n = pairs.len() as f64;
            let diffs: Vec<f64> = pairs.iter().map(|p| p.1 - p.2).collect();
            let (diff, ci) = paired_ci(&diffs, 0.95);
            let (_, adj) = paired_ci(&diffs, 1.0 - 0.05 / k);
            let num = |a: &str| row.attrs[a].parse::<f64>().unwrap();
            let what = format!("{}: {design} − {rival} on {w}", v.text);
            assert_eq!(row.attrs["data-n"], pairs.len().to_string(), "{what}");
            assert!(
                close(
                    num("data-design-mean"),
                    pairs.iter().map(|p| p.1).sum::<f64>() / n
                ),
                "{what}"
            );
            assert!(
                close(
                    num("data-rival-mean"),
                    pairs.iter().map(|p| p.2).sum::<f64>() / n
                ),
                "{what}"
            );
            assert!(close(num("data-diff"), diff), "{what}");
            let (lo, hi) = ci.unwrap();
            assert!(close(num("data-ci95-low"), lo), "{what}");
            assert!(close(num("data-ci95-high"), hi), "{what}");
            // The shown text is the label and the rounded difference.
            assert_eq!(row.label, format!("{design} − {rival} on {w}"));
            let shown = shown_num(&row.diff_text);
            assert!(
                (shown - diff).abs() <= 1e-3 * diff.abs() + 1e-12,
                "{what}: shows {shown}, is {diff}"
            );
            all_favour &= sign * lo > 0.0 && sign * hi > 0.0;
            let (alo, ahi) = adj.unwrap();
            // The Bonferroni interval, over every comparison of the claim.
            assert!(close(num("data-ci-adjusted-low"), alo), "{what}");
            assert!(close(num("data-ci-adjusted-high"), ahi), "{what}");
            any_against |= sign * alo < 0.0 && sign * ahi < 0.0;
            if ai {
                // The wait of the workload, beside it: the mean over the
                // same replicates.
                let wait = |d: &str| {
                    pairs
                        .iter()
                        .map(|p| value(w, d, p.0, "mean_wait_h").unwrap())
                        .sum::<f64>()
                        / n
                };
                let text = row.cells.last().unwrap();
                let (a, b) = text.split_once(" / ").unwrap();
                for (s, x) in [(a, wait(design)), (b, wait(rival))] {
                    assert!(
                        (shown_num(s) - x).abs() <= 1e-3 * x.abs() + 1e-12,
                        "{what}: {text}"
                    );
                }
            }
        }
        let verdict = if any_against {
            "does not hold"
        } else if all_favour {
            "holds"
        } else {
            "inconclusive"
        };
        assert_eq!(v.verdict, verdict, "{}: {}", v.text, v.reason);
    }
    // Quality is still decided on summary.csv, run-wide.
    assert_eq!(views[2].basis, "summary");
}

#[test]
fn a_sweep_without_workloads_csv_falls_back_and_keeps_verdicts_per_point() {
    let sb = Sandbox::new();
    sb.depinsim(&[
        "sweep",
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml"),
        "--out",
        "sw",
        "--param",
        "supply.initial.H100=128,256",
        "--replications",
        "2",
        "--set",
        "scenario.horizon=1d",
        "--set",
        "scenario.warmup=6h",
        "--set",
        "scenario.designs=[\"akash\",\"ionet\",\"render\"]",
    ])
    .assert_code(0);
    let dir = sb.path("sw");
    // Sweeps write workloads.csv; without it the directory is what an older
    // sweep left, and its report falls back to summary.csv.
    std::fs::remove_file(dir.join("workloads.csv")).unwrap();
    sb.depinsim(&["report", "sw"]).assert_code(0);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let els = parse(&html);
    let views = claim_views(&els);
    assert_eq!(
        views.iter().map(|v| v.basis.as_str()).collect::<Vec<_>>(),
        [
            "summary-fallback",
            "summary-fallback",
            "summary",
            "summary-fallback"
        ]
    );
    assert!(
        views[0].reason.contains("no workloads.csv"),
        "{}",
        views[0].reason
    );
    // The per-point table: one row per point, one verdict per claim.
    let start = els
        .iter()
        .position(|e| e.attrs.get("class").is_some_and(|c| c == "claims-by-point"))
        .expect("a verdict table per point");
    let badges: Vec<&Element> = els[start..]
        .iter()
        .take_while(|e| !(e.name == "h3" && e.text == "Charts"))
        .filter(|e| {
            e.attrs
                .get("class")
                .is_some_and(|c| c.starts_with("verdict "))
        })
        .collect();
    assert_eq!(badges.len(), 2 * 4);
    // One heading per verdict column (the cloud's claim is left out here,
    // from the headings as from the rows), after the point's.
    let heads: Vec<&str> = els[start..]
        .iter()
        .take_while(|e| e.name != "td")
        .filter(|e| e.name == "th")
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(heads.len(), 1 + 4, "{heads:?}");
    assert!(
        !heads.iter().any(|h| h.contains("centralized cloud")),
        "{heads:?}"
    );
    // Point 0's row repeats the verdicts of the claims table.
    let first: Vec<&str> = badges[..4].iter().map(|e| e.text.as_str()).collect();
    assert_eq!(first, verdicts_of(&views));
}

/// The per-workload values of workloads.csv, computed here: (metric,
/// workload, design) → the replicates' values at point 0, with the
/// workloads and designs in file order. `lost_to_cloud_share` is
/// jobs_lost_to_cloud / jobs_submitted where the design took the workload's
/// jobs (jobs_not_served below jobs_submitted).
type WorkloadValues = (
    BTreeMap<(String, String, String), Vec<f64>>,
    Vec<String>,
    Vec<String>,
);

fn workload_values(dir: &Path) -> WorkloadValues {
    let (h, rows) = common::read_csv(&dir.join("workloads.csv"));
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (mut workloads, mut designs) = (Vec::new(), Vec::new());
    let mut out: BTreeMap<(String, String, String), Vec<f64>> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r[col("point")], "0");
        let (w, d) = (r[col("workload")].clone(), r[col("design")].clone());
        if !workloads.contains(&w) {
            workloads.push(w.clone());
        }
        if !designs.contains(&d) {
            designs.push(d.clone());
        }
        let f = |n: &str| r[col(n)].parse::<f64>().ok();
        let lost = {
            let (sub, not) = (f("jobs_submitted").unwrap(), f("jobs_not_served").unwrap());
            (not < sub).then(|| f("jobs_lost_to_cloud").unwrap() / sub)
        };
        for (m, v) in [
            ("usd_per_gpu_hour", f("usd_per_gpu_hour")),
            (
                "interruptions_per_1k_gpu_h",
                f("interruptions_per_1k_gpu_h"),
            ),
            ("mean_wait_h", f("mean_wait_h")),
            ("lost_to_cloud_share", lost),
        ] {
            let e = out
                .entry((m.to_string(), w.clone(), d.clone()))
                .or_default();
            e.extend(v);
        }
    }
    (out, workloads, designs)
}

#[test]
fn the_workload_tables_are_those_of_workloads_csv() {
    let sb = Sandbox::new();
    baseline_short(&sb, "base", "23");
    let dir = sb.path("base");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let els = parse(&html);
    let (values, workloads, designs) = workload_values(&dir);
    let metrics = [
        "usd_per_gpu_hour",
        "interruptions_per_1k_gpu_h",
        "mean_wait_h",
        "lost_to_cloud_share",
    ];
    // One table per metric, in this order, between the per-design table and
    // the claims.
    let start = els
        .iter()
        .position(|e| e.name == "h3" && e.text == "Results per workload")
        .expect("a per-workload section");
    let end = els
        .iter()
        .position(|e| e.name == "h3" && e.text == "The article's claims")
        .unwrap();
    let per_design = els
        .iter()
        .position(|e| e.attrs.get("class").is_some_and(|c| c == "metrics"))
        .unwrap();
    assert!(per_design < start && start < end);
    let section = &els[start..end];
    let tables: Vec<&str> = section
        .iter()
        .filter(|e| e.attrs.get("class").is_some_and(|c| c == "by-workload"))
        .map(|e| e.attrs["data-metric"].as_str())
        .collect();
    assert_eq!(tables, metrics);

    // Every (metric, workload, design) has exactly one cell, in the order of
    // the file: rows are workloads, columns designs.
    let cells: Vec<&Element> = section
        .iter()
        .filter(|e| e.name == "td" && e.attrs.contains_key("data-workload"))
        .collect();
    let keys: Vec<(String, String, String)> = cells
        .iter()
        .map(|c| {
            (
                c.attrs["data-metric"].clone(),
                c.attrs["data-workload"].clone(),
                c.attrs["data-design"].clone(),
            )
        })
        .collect();
    let mut want = Vec::new();
    for m in metrics {
        for w in &workloads {
            for d in &designs {
                want.push((m.to_string(), w.clone(), d.clone()));
            }
        }
    }
    assert_eq!(keys, want);

    let (mut served, mut unserved) = (0, 0);
    for (c, key) in cells.iter().zip(&keys) {
        let xs = &values[key];
        if xs.is_empty() {
            // Not served: a dash and no numbers.
            assert_eq!(c.text, "—", "{key:?}");
            assert!(!c.attrs.contains_key("data-mean"), "{key:?}");
            unserved += 1;
            continue;
        }
        served += 1;
        let (mean, ci) = paired_ci(xs, 0.95);
        let num = |a: &str| c.attrs[a].parse::<f64>().unwrap();
        assert_eq!(c.attrs["data-n"], xs.len().to_string(), "{key:?}");
        assert!(close(num("data-mean"), mean), "{key:?}");
        let (lo, hi) = ci.expect("three replicates give an interval");
        assert!(close(num("data-ci95-low"), lo), "{key:?}: {lo}");
        assert!(close(num("data-ci95-high"), hi), "{key:?}: {hi}");
        // Waits are shown in the table's unit (`data-scale` per hour).
        let scale: f64 = c
            .attrs
            .get("data-scale")
            .map_or(1.0, |s| s.parse().unwrap());
        let (mean, lo, hi) = (mean * scale, lo * scale, hi * scale);
        // An interval below 0 is clipped there and shown as [low, high].
        if let Some((m_text, rest)) = c.text.split_once(" [") {
            assert!(lo < 0.0, "{key:?}: clipped though {lo} >= 0");
            let (l, h) = rest.trim_end_matches(']').split_once(", ").unwrap();
            let (m, l, h): (f64, f64, f64) = (
                m_text.parse().unwrap(),
                l.parse().unwrap(),
                h.parse().unwrap(),
            );
            assert_eq!(l, 0.0, "{key:?}");
            let tol = (hi - lo) / 20.0 + 1e-12;
            assert!(
                (m - mean).abs() <= tol && (h - hi).abs() <= tol,
                "{key:?}: {:?}",
                c.text
            );
            continue;
        }
        // The text is "mean ± half", each rounded to two significant figures
        // of the half (the mean to three when the half is 0).
        let (m_text, h_text) = c
            .text
            .split_once(" ± ")
            .unwrap_or_else(|| panic!("{key:?}: {:?}", c.text));
        let half = (hi - lo) / 2.0;
        let (m_shown, h_shown): (f64, f64) = (m_text.parse().unwrap(), h_text.parse().unwrap());
        let unit = match (half > 0.0, mean != 0.0) {
            (true, _) => 10f64.powi(half.log10().floor() as i32 - 1),
            (false, true) => 10f64.powi(mean.abs().log10().floor() as i32 - 2),
            (false, false) => 0.0,
        };
        assert!(
            (m_shown - mean).abs() <= unit * 0.5 + 1e-12,
            "{key:?}: shows {m_shown}, mean {mean}"
        );
        assert!(
            (h_shown - half).abs() <= unit * 0.5 + 1e-12,
            "{key:?}: shows ± {h_shown}, half-width {half}"
        );
    }
    assert!(served >= 4 * 8 && unserved >= 4 * 4, "{served} {unserved}");
    // The baseline's known gaps: render serves only render jobs, io.net no
    // web services — also for the lost share, whose columns hold 0 there.
    for m in metrics {
        for (w, d) in [("training", "render"), ("web", "ionet"), ("web", "render")] {
            let i = keys
                .iter()
                .position(|k| *k == (m.to_string(), w.to_string(), d.to_string()))
                .unwrap();
            assert_eq!(cells[i].text, "—", "{m} {w} {d}");
        }
    }
    // The note says why this is the like-for-like view.
    assert!(
        section
            .iter()
            .any(|e| e.name == "p" && e.text.contains("like-for-like")),
        "no note"
    );

    // The price chart is in the section, inline, and its file exists: one
    // marker per served (workload, design), plus one per design in the legend.
    let figs: Vec<&str> = section
        .iter()
        .filter_map(|e| e.attrs.get("data-plot").map(String::as_str))
        .collect();
    assert_eq!(figs, ["workload_usd_per_gpu_hour.svg"]);
    let svg = std::fs::read_to_string(dir.join("plots/workload_usd_per_gpu_hour.svg")).unwrap();
    let served_usd = keys[..workloads.len() * designs.len()]
        .iter()
        .filter(|k| !values[*k].is_empty())
        .count();
    assert_eq!(
        svg.matches("<circle").count(),
        served_usd + designs.len(),
        "markers"
    );
    for w in &workloads {
        assert!(svg.lines().any(|l| l.trim() == w), "{w} not on the x axis");
    }
    assert!(
        svg.contains("log scale"),
        "baseline prices span 10×: log axis"
    );
    // It is shown once, not again under Charts.
    assert_eq!(
        els.iter()
            .filter(|e| e
                .attrs
                .get("data-plot")
                .is_some_and(|p| p == "workload_usd_per_gpu_hour.svg"))
            .count(),
        1
    );
}

#[test]
fn without_workloads_csv_there_are_no_workload_tables_and_the_chart_is_skipped() {
    let sb = Sandbox::new();
    let dir = sb.path("mixed");
    write_mixed_basket(&dir);
    // With the file: tables, and the chart with one marker per served
    // (workload, design) — 6 — plus 3 in the legend.
    sb.depinsim(&["report", "mixed"]).assert_code(0);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let els = parse(&html);
    assert_eq!(
        els.iter()
            .filter(|e| e.attrs.get("class").is_some_and(|c| c == "by-workload"))
            .count(),
        3,
        "workloads.csv of this directory has no job counts: three tables"
    );
    assert!(html.contains("workloads.csv lacks the columns for: lost_to_cloud_share"));
    // akash on web: three replicates 0.04, 0.05, 0.04.
    let web = els
        .iter()
        .find(|e| {
            e.attrs.get("data-workload").is_some_and(|w| w == "web")
                && e.attrs.get("data-design").is_some_and(|d| d == "akash")
                && e.attrs
                    .get("data-metric")
                    .is_some_and(|m| m == "usd_per_gpu_hour")
        })
        .unwrap();
    let (m, ci) = paired_ci(&[0.04, 0.05, 0.04], 0.95);
    assert!(close(web.attrs["data-mean"].parse().unwrap(), m));
    assert!(close(
        web.attrs["data-ci95-high"].parse().unwrap(),
        ci.unwrap().1
    ));
    let svg_path = dir.join("plots/workload_usd_per_gpu_hour.svg");
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert_eq!(svg.matches("<circle").count(), 6 + 3);

    std::fs::remove_file(dir.join("workloads.csv")).unwrap();
    std::fs::remove_dir_all(dir.join("plots")).unwrap();
    sb.depinsim(&["plot", "mixed"])
        .assert_code(0)
        .assert_stderr_has(&["no workloads.csv in this directory: no price per workload chart"]);
    assert!(!svg_path.exists());
    sb.depinsim(&["report", "mixed"]).assert_code(0);
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let els = parse(&html);
    assert!(!html.contains("Results per workload"));
    assert!(
        !els.iter()
            .any(|e| e.attrs.contains_key("data-workload") && e.name == "td")
    );
    assert!(!html.contains("data-plot=\"workload_usd_per_gpu_hour.svg\""));
    assert!(
        html.contains("no price per workload chart"),
        "the skip is noted"
    );
}
