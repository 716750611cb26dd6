//! Helpers for tests that drive the real `depinsim` binary as a user would:
//! a scratch directory, small scenario files written into it, and a runner
//! with a time limit that captures the exit code, stdout and stderr.

// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A small valid scenario: two classes, two workloads, two hours. Tests
/// derive bad scenarios from it with [`edit`].
pub const MINIMAL: &str = r#"[scenario]
name = "tiny"
horizon = "2h"
warmup = "10m"
seed = 1
replications = 1
designs = ["ionet"]

[output]
sample_every = "30m"

[[gpu_class]]
name = "A100"
vram_gb = 80
cost_per_hour = 0.5
cloud_price_per_hour = 2.5

[[gpu_class]]
name = "RTX4090"
vram_gb = 24
cost_per_hour = 0.1
cloud_price_per_hour = 0.7

[supply]
initial = { A100 = 16, RTX4090 = 8 }
gpus_per_node = 8

[[workload]]
name = "train"
kind = "training"
arrivals = { process = "poisson", rate_per_hour = 4.0 }
duration = { dist = "exp", mean = "30m" }
gpus = 2
gpu_class = ["A100"]
max_price_per_gpu_hour = 3.0

[[workload]]
name = "infer"
kind = "inference"
arrivals = { process = "poisson", rate_per_hour = 10.0 }
duration = { dist = "exp", mean = "5m" }
gpus = 1
gpu_class = ["RTX4090", "A100"]
max_price_per_gpu_hour = { dist = "uniform", low = 0.5, high = 2.0 }

[design.ionet]
price_per_gpu_hour = { A100 = 1.9, RTX4090 = 0.4 }
"#;

/// The longest any single invocation may take before the test fails (the
/// machine is shared, so this is generous; a hang must not stall the suite).
pub const TIME_LIMIT: Duration = Duration::from_secs(120);

/// `text` with `old` (which must occur exactly once) replaced by `new`.
pub fn edit(text: &str, old: &str, new: &str) -> String {
    let n = text.matches(old).count();
    assert_eq!(
        n, 1,
        "{old:?} occurs {n} times in the scenario, expected once"
    );
    text.replacen(old, new, 1)
}

/// [`MINIMAL`] with `old` replaced by `new`.
pub fn minimal_with(old: &str, new: &str) -> String {
    edit(MINIMAL, old, new)
}

/// The repository's baseline scenario.
pub fn baseline_text() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// What one invocation of the binary did.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code; `None` if killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The command line, for messages.
    pub args: Vec<String>,
}

impl Outcome {
    /// Everything about the invocation, for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "depinsim {:?}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts the process exited with `code`.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\n{}",
            self.describe()
        );
        self
    }

    /// Asserts there was no panic.
    pub fn assert_no_panic(&self) -> &Self {
        assert!(
            !self.stderr.contains("panicked") && self.code != Some(101),
            "the binary panicked\n{}",
            self.describe()
        );
        self
    }

    /// Asserts stderr contains every one of `needles`.
    pub fn assert_stderr_has(&self, needles: &[&str]) -> &Self {
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr should contain {n:?}\n{}",
                self.describe()
            );
        }
        self
    }

    /// Asserts stderr contains none of `needles`.
    pub fn assert_stderr_lacks(&self, needles: &[&str]) -> &Self {
        for n in needles {
            assert!(
                !self.stderr.contains(n),
                "stderr should not contain {n:?}\n{}",
                self.describe()
            );
        }
        self
    }

    /// Asserts stdout contains every one of `needles`.
    pub fn assert_stdout_has(&self, needles: &[&str]) -> &Self {
        for n in needles {
            assert!(
                self.stdout.contains(n),
                "stdout should contain {n:?}\n{}",
                self.describe()
            );
        }
        self
    }

    /// The common shape of rejected input: exit code 2, no panic, an
    /// `error:` line, and every one of `needles` in stderr.
    pub fn assert_bad_input(&self, needles: &[&str]) -> &Self {
        self.assert_no_panic().assert_code(2);
        self.assert_stderr_has(&["error:"])
            .assert_stderr_has(needles)
    }
}

/// The header and rows of a CSV file.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

/// Erlang C: probability that an arrival waits in M/M/c with offered load
/// `a` = λ/μ, via the Erlang B recursion B(k) = a·B(k−1) / (k + a·B(k−1)).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    let c = c as f64;
    c * b / (c - a * (1.0 - b))
}

/// Mean wait in queue (hours) of M/M/c: W_q = C(c, a) / (cμ − λ).
pub fn mmc_wait_h(c: u32, lambda_per_h: f64, mean_service_h: f64) -> f64 {
    let mu = 1.0 / mean_service_h;
    erlang_c(c, lambda_per_h / mu) / (c as f64 * mu - lambda_per_h)
}

/// DESIGN.md's `aggregate.csv` columns, in order (swept parameters follow).
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

/// A sweep of [`MINIMAL`]: 3 arrival rates × 2 fleet sizes = 6 points, 3
/// replicates each, 18 runs.
pub const SWEEP_GRID: [&str; 6] = [
    "--param",
    "workload.train.arrivals.rate_per_hour=2:6:2",
    "--param",
    "supply.initial.A100=8,16",
    "--replications",
    "3",
];

/// A scratch directory that is also the binary's working directory.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Self {
        Self {
            dir: tempfile::Builder::new()
                .prefix("depinsim-test-")
                .tempdir()
                .expect("creating a temporary directory"),
        }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `name` inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// The output directory tests pass to `--out`.
    pub fn out(&self) -> PathBuf {
        self.path("out")
    }

    /// Writes `text` to `name` and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("writing {}: {e}", p.display()));
        p
    }

    /// The names of the entries of the directory, sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.root())
            .expect("listing the sandbox")
            .map(|e| {
                e.expect("a directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        v.sort();
        v
    }

    /// Runs the binary with `args` in this directory, within [`TIME_LIMIT`].
    pub fn depinsim<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Outcome {
        let shown: Vec<String> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        let mut child = Command::new(env!("CARGO_BIN_EXE_depinsim"))
            .args(args)
            .current_dir(self.root())
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting depinsim");
        let reader = |mut r: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut s = String::new();
                let _ = r.read_to_string(&mut s);
                s
            })
        };
        let out = reader(Box::new(child.stdout.take().expect("stdout")));
        let err = reader(Box::new(child.stderr.take().expect("stderr")));
        let deadline = Instant::now() + TIME_LIMIT;
        let status = loop {
            if let Some(s) = child.try_wait().expect("waiting for depinsim") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("depinsim {shown:?} did not finish within {TIME_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        Outcome {
            code: status.code(),
            stdout: out.join().expect("reading stdout"),
            stderr: err.join().expect("reading stderr"),
            args: shown,
        }
    }

    /// `depinsim run SCENARIO --out <sandbox>/out EXTRA...`.
    pub fn run(&self, scenario: &Path, extra: &[&str]) -> Outcome {
        let mut args: Vec<std::ffi::OsString> = vec![
            "run".into(),
            scenario.into(),
            "--out".into(),
            self.out().into(),
        ];
        args.extend(extra.iter().map(Into::into));
        self.depinsim(&args)
    }

    /// `depinsim sweep SCENARIO --out <sandbox>/OUT EXTRA...`.
    pub fn sweep(&self, scenario: &Path, out: &str, extra: &[&str]) -> Outcome {
        let mut args: Vec<std::ffi::OsString> = vec![
            "sweep".into(),
            scenario.into(),
            "--out".into(),
            self.path(out).into(),
        ];
        args.extend(extra.iter().map(Into::into));
        self.depinsim(&args)
    }

    /// `depinsim validate FILES... EXTRA...`.
    pub fn validate(&self, files: &[&Path], extra: &[&str]) -> Outcome {
        let mut args: Vec<std::ffi::OsString> = vec!["validate".into()];
        args.extend(files.iter().map(Into::into));
        args.extend(extra.iter().map(Into::into));
        self.depinsim(&args)
    }

    /// Asserts that a failed command left no results behind: neither the
    /// `--out` directory nor the default `results/` directory.
    pub fn assert_no_output(&self, o: &Outcome) {
        assert!(
            !self.out().exists(),
            "the output directory {} was created\n{}",
            self.out().display(),
            o.describe()
        );
        assert!(
            !self.path("results").exists(),
            "a results/ directory was created\n{}",
            o.describe()
        );
    }
}

/// Checks that `run` and `validate` both reject `text` (with `sets` as
/// `--set`): exit 2, no panic, the file and every one of `needles` in
/// stderr, nothing on stdout, no output directory.
pub fn reject_with(text: &str, sets: &[&str], needles: &[&str]) -> Outcome {
    let sb = Sandbox::new();
    let file = sb.write("bad.toml", text);
    let shown = file.display().to_string();
    let mut extra = Vec::new();
    for s in sets {
        extra.extend(["--set", s]);
    }
    let o = sb.run(&file, &extra);
    o.assert_bad_input(needles).assert_stderr_has(&[&shown]);
    assert!(o.stdout.is_empty(), "nothing on stdout\n{}", o.describe());
    sb.assert_no_output(&o);
    let v = sb.validate(&[&file], &extra);
    v.assert_bad_input(needles).assert_stderr_has(&[&shown]);
    assert!(!v.stdout.contains(": ok"), "{}", v.describe());
    sb.assert_no_output(&v);
    o
}
