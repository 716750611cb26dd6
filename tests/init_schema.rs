//! `depinsim init` (every template validates and runs) and `depinsim
//! schema` (every bundled scenario validates against it, with an
//! independent JSON Schema validator, and a wrong file does not).

mod common;

use common::Sandbox;
use std::path::{Path, PathBuf};

const TEMPLATES: [&str; 5] = ["minimal", "baseline", "ai", "render", "web"];

#[test]
fn every_template_validates_and_runs() {
    let sb = Sandbox::new();
    for t in TEMPLATES {
        let file = format!("{t}.toml");
        sb.depinsim(&["init", "--template", t, "--out", &file])
            .assert_code(0)
            .assert_stderr_has(&[&format!("wrote {file}")]);
        let text = std::fs::read_to_string(sb.path(&file)).unwrap();
        assert!(text.starts_with('#'), "{t}: a commented scenario");
        let comments = text
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count();
        assert!(comments >= 10, "{t}: only {comments} comment lines");
        sb.validate(&[&sb.path(&file)], &[]).assert_code(0);
        // Short, so the suite stays quick: one day, one replicate.
        let out = sb.path(&format!("out-{t}"));
        let o = sb.depinsim(&[
            "run",
            &file,
            "--out",
            &out.display().to_string(),
            "--no-plots",
            "--replications",
            "1",
            "--set",
            "scenario.horizon=1d",
            "--set",
            "scenario.warmup=2h",
        ]);
        o.assert_code(0);
        assert!(out.join("summary.csv").is_file(), "{t}: {}", o.describe());
    }
}

#[test]
fn init_never_overwrites_without_force() {
    let sb = Sandbox::new();
    sb.write("scenario.toml", "# mine\n");
    sb.depinsim(&["init"])
        .assert_code(2)
        .assert_stderr_has(&["scenario.toml exists", "--force"]);
    assert_eq!(
        std::fs::read_to_string(sb.path("scenario.toml")).unwrap(),
        "# mine\n"
    );
    sb.depinsim(&["init", "--force"]).assert_code(0);
    let text = std::fs::read_to_string(sb.path("scenario.toml")).unwrap();
    assert!(text.contains("name = \"minimal\""));
    // `--out -` prints it.
    let o = sb.depinsim(&["init", "--template", "web", "--out", "-"]);
    o.assert_code(0);
    assert!(o.stdout.contains("name = \"web-backend\""));
    sb.depinsim(&["init", "--template", "nope"]).assert_code(2);
}

fn bundled() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("sweeps")] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

fn schema(sb: &Sandbox) -> serde_json::Value {
    let o = sb.depinsim(&["schema"]);
    o.assert_code(0);
    serde_json::from_str(&o.stdout).expect("depinsim schema prints JSON")
}

fn as_json(toml_text: &str) -> serde_json::Value {
    let v: toml::Value = toml::from_str(toml_text).expect("valid TOML");
    serde_json::to_value(v).expect("TOML as JSON")
}

#[test]
fn every_bundled_scenario_validates_against_the_schema() {
    let sb = Sandbox::new();
    let schema = schema(&sb);
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let validator = jsonschema::draft7::new(&schema).expect("a valid draft-7 schema");
    let files = bundled();
    assert!(files.len() >= 15, "{files:?}");
    for f in files {
        let doc = as_json(&std::fs::read_to_string(&f).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
    }
    // The templates are bundled scenarios, so they are covered; the
    // written --out file equals what the schema saw.
    sb.depinsim(&["schema", "--out", "s.json"]).assert_code(0);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sb.path("s.json")).unwrap()).unwrap();
    assert_eq!(written, schema);
}

#[test]
fn the_schema_rejects_what_depinsim_rejects() {
    let sb = Sandbox::new();
    let schema = schema(&sb);
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let base = common::MINIMAL;
    assert!(validator.is_valid(&as_json(base)));
    for (old, new) in [
        ("kind = \"training\"", "kind = \"trainng\""),
        ("gpus_per_node = 8", "gpus_per_nodes = 8"),
        (
            "duration = { dist = \"exp\", mean = \"30m\" }",
            "duration = { dist = \"exp\", mean = 30 }",
        ),
        ("horizon = \"2h\"", "horizon = \"2 hours\""),
        ("rate_per_hour = 4.0", "rate_per_hour = \"4\""),
    ] {
        let bad = common::minimal_with(old, new);
        assert!(
            !validator.is_valid(&as_json(&bad)),
            "the schema accepts {new:?}"
        );
        let f = sb.write("bad.toml", &bad);
        sb.validate(&[&f], &[]).assert_code(2);
    }
    // A bare number where a distribution goes, as depinsim reads it.
    let bare = common::minimal_with("gpus = 2\n", "gpus = 2\ncheckpoint_every = \"10m\"\n")
        .replace(
            "duration = { dist = \"exp\", mean = \"5m\" }",
            "duration = \"5m\"",
        );
    assert!(validator.is_valid(&as_json(&bare)));
}
