//! The analyst's report: its structure, as a reader meets it, checked on
//! the HTML (no browser needed): the executive summary first, the seed
//! article named, the scenario in tables rather than raw TOML, every chart
//! present, waits in readable units, GPUs and CPU units apart, intervals
//! clipped at physical bounds, methodology last; and a report of several
//! directories in a file of its own.

mod common;

use common::{Sandbox, baseline_text};

/// The baseline, short: 2 days, 3 replicates (every design, CPU units too).
fn baseline_short(sb: &Sandbox, out: &str) {
    let f = sb.write("baseline.toml", &baseline_text());
    let path = sb.path(out).display().to_string();
    sb.depinsim(&[
        "run",
        &f.display().to_string(),
        "--out",
        &path,
        "--replications",
        "3",
        "--set",
        "scenario.horizon=2d",
        "--set",
        "scenario.warmup=6h",
    ])
    .assert_code(0);
}

/// The texts of the elements named `tag`, in order, with their offsets.
fn elements<'a>(html: &'a str, tag: &str) -> Vec<(usize, &'a str)> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = html[at..].find(&open) {
        let start = at + i;
        let Some(gt) = html[start..].find('>') else {
            break;
        };
        let body = start + gt + 1;
        let Some(end) = html[body..].find(&close) else {
            break;
        };
        out.push((start, &html[body..body + end]));
        at = body + end;
    }
    out
}

/// Text without tags.
fn text(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn the_report_reads_summary_first_with_every_chart_and_no_raw_toml() {
    let sb = Sandbox::new();
    baseline_short(&sb, "base");
    let dir = sb.path("base");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();

    // Summary first, methodology last.
    let h2: Vec<String> = elements(&html, "h2").iter().map(|(_, t)| text(t)).collect();
    assert_eq!(h2.first().map(String::as_str), Some("Summary"), "{h2:?}");
    assert_eq!(h2.last().map(String::as_str), Some("Methodology"), "{h2:?}");
    let summary = html.find("class=\"summary\"").expect("a summary block");
    let scenario = html.find("<h3>The scenario</h3>").expect("the scenario");
    let charts = html.find("<h3>Charts</h3>").expect("the charts");
    let method = html
        .find("How the claims are decided")
        .expect("the methodology");
    assert!(summary < scenario && scenario < charts && charts < method);
    // The summary has the verdicts, the headline numbers per network and
    // what the scenario assumed.
    let sum = &html[summary..scenario];
    assert_eq!(
        sum.matches("data-summary-claim=").count(),
        5,
        "five verdicts"
    );
    assert!(sum.contains("class=\"headline\""));
    for d in ["akash", "ionet", "render", "cloud"] {
        assert!(
            sum.contains(&format!("</span>{d}</th>")),
            "{d} in the headline table"
        );
    }
    assert!(sum.contains("What the scenario assumed."));
    // The seed article is named.
    assert!(
        html.contains("depin-compute-comparison"),
        "the seed article is named"
    );

    // Every chart of plots/ is in the page, inline.
    let mut files: Vec<String> = std::fs::read_dir(dir.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    files.sort();
    let mut shown: Vec<String> = html
        .match_indices("data-plot=\"")
        .map(|(i, _)| {
            let rest = &html[i + 11..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    shown.sort();
    assert!(!files.is_empty());
    assert_eq!(shown, files, "every chart present, once");

    // The scenario in tables of words: no TOML braces, no raw key dumps.
    let cells: Vec<String> = elements(&html, "td")
        .iter()
        .chain(elements(&html, "th").iter())
        .map(|(_, t)| text(t))
        .collect();
    for c in &cells {
        assert!(
            !c.contains('{') && !c.contains('}') && !c.contains("dist "),
            "raw TOML in a table cell: {c:?}"
        );
    }
    assert!(!html.contains("cloud_price_per_hour 3.99"), "no raw dumps");
    for caption in [
        "Capacity",
        "Demand",
        "akash's parameters",
        "ionet's parameters",
        "render's parameters",
    ] {
        assert!(
            html.contains(&format!("<caption>{caption}</caption>")),
            "a table {caption:?}"
        );
    }
    // GPUs and CPU units counted apart: 1,152 GPUs and 256 CPU units.
    assert!(html.contains("1,152 GPUs (256 H100, 256 A100, 640 RTX4090) and 256 CPU units"));
    assert!(!html.contains("1408 GPUs") && !html.contains("1,408 GPUs"));
    // Waits in the unit that reads, and no interval below 0.
    let heads: Vec<String> = elements(&html, "th").iter().map(|(_, t)| text(t)).collect();
    assert!(
        heads
            .iter()
            .any(|h| h == "mean wait (s)" || h == "mean wait (min)"),
        "{heads:?}"
    );
    for c in &cells {
        assert!(
            !c.contains("[-") && !c.contains("[−"),
            "an interval below 0: {c:?}"
        );
    }
    if html.contains(" [0") {
        assert!(
            html.contains("clipped at physical bounds"),
            "a clipped interval is explained"
        );
    }
}

#[test]
fn a_report_of_several_directories_writes_its_own_file() {
    let sb = Sandbox::new();
    baseline_short(&sb, "a");
    baseline_short(&sb, "b");
    let a_before = std::fs::read(sb.path("a/report.html")).unwrap();
    let o = sb.depinsim(&["report", "a", "b"]);
    o.assert_code(0).assert_stderr_has(&["report-a-vs-b.html"]);
    let html = std::fs::read_to_string(sb.path("report-a-vs-b.html")).unwrap();
    assert!(html.contains("Side by side"));
    assert_eq!(
        html.matches("class=\"summary\"").count(),
        2,
        "a summary per directory"
    );
    assert_eq!(
        std::fs::read(sb.path("a/report.html")).unwrap(),
        a_before,
        "a's own report is left as it was"
    );
}
