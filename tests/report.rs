//! `depinsim report` and the report `run` writes: the HTML is well-formed,
//! every chart it names is in plots/ and inline, the table's numbers are
//! aggregate.csv's, every claim has a verdict, several directories compare
//! side by side, and a directory with only a summary still reports.

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
    ];
    sb.depinsim(&args).assert_code(0);
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
    // text rounds the mean.
    let agg = aggregate(&dir);
    let cells: Vec<&Element> = els
        .iter()
        .filter(|e| e.attrs.contains_key("data-mean"))
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
        if let Ok(mean) = want[0].parse::<f64>() {
            let shown: f64 = c
                .text
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap_or_else(|_| panic!("{:?}", c.text));
            let tol = (want[2].parse::<f64>().unwrap_or(mean) - mean)
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
}

#[test]
fn a_missing_directory_is_bad_input() {
    let sb = Sandbox::new();
    sb.depinsim(&["report", "nowhere"]).assert_code(2);
    sb.depinsim(&["plot", "nowhere"]).assert_code(2);
}
