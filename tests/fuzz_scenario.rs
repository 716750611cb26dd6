//! A fuzz test with a fixed budget: mutants of every bundled scenario (and
//! of the tests' small one) are parsed, checked and estimated in process;
//! not one may panic. Every parser of user text (durations, `--set`, sweep
//! value lists, shards, plan ranges and targets, sizes) gets random UTF-8
//! too. The seed is fixed, so a failure is reproduced by running the test
//! again; `DEPINSIM_FUZZ_CASES=200000 cargo test --release --test
//! fuzz_scenario` runs a longer campaign (docs/reliability.md).

mod common;

use depinsim::scenario::{self, bounds};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// Mutants per run of `cargo test` (a few seconds).
const DEFAULT_CASES: usize = 5000;

fn cases() -> usize {
    std::env::var("DEPINSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Values that broke or could break a parser: non-ASCII units, extremes,
/// wrong types, path escapes.
const VALUES: &[&str] = &[
    "\"5é\"",
    "\"1µs\"",
    "\"2µd\"",
    "\"💥\"",
    "\"\"",
    "\"../escaped\"",
    "\"/abs\"",
    "\"1000000000d\"",
    "\"0s\"",
    "\"1e400h\"",
    "\"-1h\"",
    "\"NaNh\"",
    "-1",
    "0",
    "1",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "0.5",
    "true",
    "[]",
    "[\"é\"]",
    "{}",
    "{ dist = \"exp\", mean = \"é\" }",
    "{ dist = \"lognormal\", mean = \"1h\", cv = 1e300 }",
    "{ dist = \"weibull\", shape = 1e-300, mean = \"1h\" }",
    "{ dist = \"uniform\", low = 2, high = 1 }",
    "{ dist = \"fixed\", value = \"1µs\" }",
    "{ process = \"poisson\", rate_per_hour = 1e300 }",
    "\"fifo\"",
    "\"A100\"",
    "\"\\u0000\"",
];

/// Characters inserted at random: multi-byte ones above all.
const CHARS: &[char] = &[
    'é', 'µ', '💥', '\u{301}', '\u{0}', '"', '\'', '=', '[', ']', '{', '}', ',', '.', '#', '\n',
    '\\', 'h', '9', '-', ' ', 'ß', '中', '\u{feff}',
];

/// A random char boundary of `s`.
fn boundary(rng: &mut ChaCha8Rng, s: &str) -> usize {
    let b: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
    b[rng.random_range(0..b.len())]
}

/// One mutation of `text`.
fn mutate(rng: &mut ChaCha8Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    match rng.random_range(0..6) {
        // A value replaced.
        0 | 1 => {
            let with_eq: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].contains('=') && !lines[i].trim_start().starts_with('#'))
                .collect();
            if let Some(&i) = with_eq.get(rng.random_range(0..with_eq.len().max(1))) {
                let key = lines[i].split('=').next().unwrap_or("").to_string();
                let v = VALUES[rng.random_range(0..VALUES.len())];
                lines[i] = format!("{key}= {v}");
            }
        }
        // A character inserted.
        2 => {
            let i = rng.random_range(0..lines.len());
            let at = boundary(rng, &lines[i]);
            let c = CHARS[rng.random_range(0..CHARS.len())];
            lines[i].insert(at, c);
        }
        // A line dropped.
        3 => {
            lines.remove(rng.random_range(0..lines.len()));
        }
        // A line doubled.
        4 => {
            let i = rng.random_range(0..lines.len());
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        // Cut short.
        _ => {
            let joined = lines.join("\n");
            let at = boundary(rng, &joined);
            return joined[..at].to_string();
        }
    }
    lines.join("\n")
}

fn bases() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut v: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v.push(("minimal.toml".into(), common::MINIMAL.into()));
    v
}

/// Parses, checks and estimates `text`; panics propagate.
fn exercise(text: &str, file: &str) {
    if let Ok(sc) = scenario::from_str(text, file, &[]) {
        let est = bounds::estimate_run(&sc);
        let _ = bounds::check(
            file,
            &est,
            est.events * sc.replications as f64,
            bounds::Workload {
                runs: sc.replications as f64,
                in_flight: 2.0,
                kept: 2.0,
            },
            &bounds::Limits::default(),
        );
    }
}

#[test]
fn no_mutant_of_a_scenario_panics_the_parser() {
    let bases = bases();
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    let mut panics = Vec::new();
    let n = cases();
    for case in 0..n {
        let (file, base) = &bases[case % bases.len()];
        // One to three mutations on top of each other.
        let mut text = base.clone();
        for _ in 0..rng.random_range(1..=3) {
            text = mutate(&mut rng, &text);
        }
        // Relative trace paths are resolved from the scenario's directory:
        // the mutants are parsed under the real file's name.
        if catch_unwind(AssertUnwindSafe(|| exercise(&text, file))).is_err() {
            panics.push((case, file.clone(), text));
        }
    }
    assert!(
        panics.is_empty(),
        "{} of {n} mutants panicked; the first (case {}, from {}):\n{}",
        panics.len(),
        panics[0].0,
        panics[0].1,
        panics[0].2
    );
}

/// A random string of `CHARS`, ASCII letters and digits.
fn random_text(rng: &mut ChaCha8Rng) -> String {
    let len = rng.random_range(0..12);
    (0..len)
        .map(|_| match rng.random_range(0..3) {
            0 => CHARS[rng.random_range(0..CHARS.len())],
            1 => (b'0' + rng.random_range(0..10u8)) as char,
            _ => "hmsdwx:.,KMGeE/<>=."
                .chars()
                .nth(rng.random_range(0..19))
                .unwrap(),
        })
        .collect()
}

#[test]
fn no_parser_of_user_text_panics_on_random_utf8() {
    let mut rng = ChaCha8Rng::seed_from_u64(1818);
    let metrics = ["p95_wait_h", "usd_per_gpu_hour"];
    let sc_text = common::MINIMAL;
    for _ in 0..cases() {
        let t = random_text(&mut rng);
        let r = catch_unwind(AssertUnwindSafe(|| {
            let _ = scenario::parse_duration(&t);
            let _ = bounds::parse_size(&t);
            let _ = bounds::parse_count(&t);
            let _ = depinsim::sweep::values::parse_list(&t);
            let _ = depinsim::sweep::Shard::parse(&t);
            let _ = depinsim::capacity::parse_range(&t);
            let _ = depinsim::capacity::target::Target::parse(&t, &metrics);
            let _ = scenario::parse_key(&t);
            if let Ok(ov) = scenario::parse_override(&format!("scenario.horizon={t}")) {
                let _ = scenario::from_str(sc_text, "m.toml", &[ov]);
            }
            if let Ok(ov) = scenario::parse_override(&t) {
                let _ = scenario::from_str(sc_text, "m.toml", &[ov]);
            }
        }));
        assert!(r.is_ok(), "a parser panicked on {t:?}");
    }
}
