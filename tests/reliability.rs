//! Faults (issue 18): processes killed at random points, two writers at
//! once, a full file system, leftovers of killed processes, stale files of
//! earlier runs. What must hold: a results directory is absent, the
//! previous result or the new complete one, never a mix; a second writer is
//! refused naming the holder; a sweep killed anywhere resumes to the same
//! bytes; the next command cleans up what a killed one left.
//!
//! The kill points are drawn from a seeded generator, so the schedule is
//! the same on every run; where the kill lands depends on the machine's
//! speed, and every outcome is checked against what is allowed, not
//! against a time.

mod common;

use common::{MINIMAL, Sandbox, minimal_with};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_depinsim"));
    c.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn spawn_in(dir: &Path, args: &[OsString]) -> Child {
    bin()
        .args(args)
        .current_dir(dir)
        .spawn()
        .expect("starting depinsim")
}

fn kill9(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// The CSV files of a result directory with their bytes.
fn csvs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".csv") {
                m.insert(name, std::fs::read(e.path()).unwrap());
            }
        }
    }
    m
}

/// Names of the entries of `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Entries beside `out` left by depinsim (`.out.*`).
fn leftovers(parent: &Path, out: &str) -> Vec<String> {
    names(parent)
        .into_iter()
        .filter(|n| n.starts_with(&format!(".{out}.")))
        .collect()
}

/// A run long enough to be killed in flight: M/M/c over a long horizon,
/// with a fine time series (so writing takes a while too).
fn long_run_args(scenario: &Path, out: &Path, seed: u64) -> Vec<OsString> {
    let mut v: Vec<OsString> = vec!["run".into(), scenario.into(), "--out".into(), out.into()];
    for a in [
        "--set",
        "scenario.horizon=\"400d\"",
        "--set",
        "output.sample_every=\"1h\"",
        "--replications",
        "3",
        "--threads",
        "1",
        "--seed",
    ] {
        v.push(a.into());
    }
    v.push(seed.to_string().into());
    v
}

fn mmc() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc.toml")
}

fn finish(args: &[OsString], cwd: &Path) {
    let o = bin().args(args).current_dir(cwd).output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_run_killed_anywhere_leaves_the_previous_or_the_complete_result() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (out, reference) = (root.join("out"), root.join("reference"));
    // The new result, uninterrupted, and the previous one in place.
    finish(&long_run_args(&mmc(), &reference, 2), root);
    finish(&long_run_args(&mmc(), &out, 1), root);
    let previous = csvs(&out);
    let complete = csvs(&reference);
    assert_ne!(previous, complete);
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    let (mut saw_previous, mut saw_complete) = (0, 0);
    for round in 0..10 {
        let mut child = spawn_in(root, &long_run_args(&mmc(), &out, 2));
        std::thread::sleep(Duration::from_millis(rng.random_range(0..600)));
        kill9(&mut child);
        let now = csvs(&out);
        if now == previous {
            saw_previous += 1;
        } else if now == complete {
            saw_complete += 1;
            for f in ["manifest.json", "aggregate.csv"] {
                assert!(out.join(f).is_file(), "round {round}: no {f}");
            }
            // Put the previous result back for the next round.
            finish(&long_run_args(&mmc(), &out, 1), root);
        } else {
            panic!(
                "round {round}: {} holds neither the previous nor the complete result: {:?}",
                out.display(),
                names(&out)
            );
        }
    }
    eprintln!("{saw_previous} kills left the previous result, {saw_complete} the new one");
    // The next command that touches the place removes what the killed
    // ones left beside it.
    finish(&long_run_args(&mmc(), &out, 2), root);
    assert_eq!(csvs(&out), complete);
    assert_eq!(leftovers(root, "out"), Vec::<String>::new());
}

#[test]
fn a_run_killed_into_an_absent_directory_leaves_nothing_or_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (out, reference) = (root.join("out"), root.join("reference"));
    finish(&long_run_args(&mmc(), &reference, 5), root);
    let complete = csvs(&reference);
    let mut rng = ChaCha8Rng::seed_from_u64(1818);
    for round in 0..6 {
        let mut child = spawn_in(root, &long_run_args(&mmc(), &out, 5));
        std::thread::sleep(Duration::from_millis(rng.random_range(0..600)));
        kill9(&mut child);
        if out.exists() {
            assert_eq!(csvs(&out), complete, "round {round}: a partial directory");
            std::fs::remove_dir_all(&out).unwrap();
        }
    }
}

/// 29 points × 4 replicates of M/M/c: long enough to interrupt.
fn long_sweep_args(out: &Path) -> Vec<OsString> {
    let mut v: Vec<OsString> = vec!["sweep".into(), mmc().into()];
    for a in [
        "--param",
        "workload.jobs.arrivals.rate_per_hour=6:13:0.25",
        "--set",
        "scenario.horizon=300d",
        "--set",
        "output.sample_every=10d",
        "--replications",
        "4",
        "--threads",
        "1",
        "--no-plots",
        "--out",
    ] {
        v.push(a.into());
    }
    v.push(out.into());
    v
}

fn runs_done(out: &Path) -> u64 {
    std::fs::read(out.join("progress.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["runs_done"].as_u64())
        .unwrap_or(0)
}

#[test]
fn a_sweep_killed_at_random_points_resumes_to_the_same_bytes_and_is_never_read_half_done() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let (out, whole) = (root.join("out"), root.join("whole"));
    finish(&long_sweep_args(&whole), root);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut resume = false;
    for round in 0..8 {
        let mut args = long_sweep_args(&out);
        if resume {
            args.push("--resume".into());
        }
        let mut child = spawn_in(root, &args);
        std::thread::sleep(Duration::from_millis(rng.random_range(0..800)));
        kill9(&mut child);
        resume = out.exists();
        if !out.join("sweep.json").exists() {
            continue;
        }
        // An unfinished sweep is not a result: readers refuse it.
        let complete = std::fs::read_to_string(out.join("progress.json"))
            .is_ok_and(|t| t.contains("\"complete\": true"));
        let o = bin()
            .args(["table".as_ref(), out.as_os_str()])
            .output()
            .unwrap();
        if complete {
            assert!(o.status.success(), "round {round}");
        } else {
            assert_eq!(o.status.code(), Some(2), "round {round}");
            assert!(String::from_utf8_lossy(&o.stderr).contains("not finished"));
            assert!(
                !out.join("summary.csv").exists(),
                "round {round}: a summary that looks whole"
            );
        }
    }
    let mut args = long_sweep_args(&out);
    if out.join("sweep.json").exists() {
        args.push("--resume".into());
    }
    finish(&args, root);
    for f in [
        "summary.csv",
        "timeseries.csv",
        "workloads.csv",
        "aggregate.csv",
    ] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(whole.join(f)).unwrap(),
            "{f} differs after kills and resumes"
        );
    }
    assert_eq!(leftovers(root, "out"), Vec::<String>::new());
}

/// Waits until `out`'s journal shows a run done (the writer holds the lock).
fn wait_for_progress(child: &mut Child, out: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while runs_done(out) == 0 {
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended early");
        assert!(Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_second_sweep_into_the_same_directory_is_refused_naming_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let out = root.join("out");
    let mut first = spawn_in(root, &long_sweep_args(&out));
    wait_for_progress(&mut first, &out);
    for extra in [&[][..], &["--resume".into()][..]] {
        let second = bin()
            .args([long_sweep_args(&out), extra.to_vec()].concat())
            .current_dir(root)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&second.stderr);
        assert_eq!(second.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");
        assert!(stderr.contains("is being written by"), "{stderr}");
    }
    // The first one is unharmed: it finishes, and equals a sweep alone.
    let status = first.wait().unwrap();
    assert!(status.success());
    let whole = root.join("whole");
    finish(&long_sweep_args(&whole), root);
    for f in ["summary.csv", "timeseries.csv", "aggregate.csv"] {
        assert!(std::fs::read(out.join(f)).unwrap() == std::fs::read(whole.join(f)).unwrap());
    }
    assert!(!root.join(".out.lock").exists(), "the lock file is removed");
}

#[test]
fn a_second_run_into_a_directory_being_written_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let out = root.join("out");
    let mut first = spawn_in(root, &long_run_args(&mmc(), &out, 1));
    // The lock file appears once the first run holds the directory.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !root.join(".out.lock").exists() {
        assert!(Instant::now() < deadline && first.try_wait().unwrap().is_none());
        std::thread::sleep(Duration::from_millis(2));
    }
    let second = bin()
        .args(long_run_args(&mmc(), &out, 1))
        .current_dir(root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    if first.try_wait().unwrap().is_none() {
        assert_eq!(second.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&format!("pid {}", first.id())), "{stderr}");
    }
    assert!(first.wait().unwrap().success());
}

#[test]
fn what_killed_merges_left_beside_the_output_is_removed_by_the_next_merge() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    for k in 1..=2 {
        sb.sweep(
            &file,
            &format!("s{k}"),
            &[
                "--param",
                "supply.initial.A100=8,16",
                "--shard",
                &format!("{k}/2"),
                "--no-plots",
            ],
        )
        .assert_code(0);
    }
    // What kill -9 during a merge leaves: a half-built hidden directory.
    let stale = sb.path(".m.merge-tmp4242");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("summary.csv"), "point,replicate\n0,").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..5 {
        let mut child = spawn_in(
            sb.root(),
            &[
                "merge".into(),
                "s1".into(),
                "s2".into(),
                "--out".into(),
                "m".into(),
            ],
        );
        std::thread::sleep(Duration::from_millis(rng.random_range(0..40)));
        kill9(&mut child);
        let m = sb.path("m");
        if m.exists() {
            for f in [
                "summary.csv",
                "timeseries.csv",
                "workloads.csv",
                "aggregate.csv",
                "manifest.json",
                "sweep.json",
                "progress.json",
            ] {
                assert!(m.join(f).is_file(), "a merged directory without {f}");
            }
            std::fs::remove_dir_all(&m).unwrap();
        }
    }
    sb.depinsim(&["merge", "s1", "s2", "--out", "m"])
        .assert_code(0);
    assert!(!stale.exists(), "the killed merge's directory is gone");
    assert_eq!(leftovers(sb.root(), "m"), Vec::<String>::new());
}

#[test]
fn a_report_killed_anywhere_leaves_whole_files() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let r = sb.path("r");
    let args: Vec<OsString> = vec![
        "run".into(),
        file.into(),
        "--out".into(),
        r.clone().into(),
        "--replications".into(),
        "3".into(),
    ];
    sb.depinsim(&args).assert_code(0);
    // The report as `report r` writes it (the run's names the directory
    // as given to the run): every kill must leave exactly this, or it.
    sb.depinsim(&["report", "r"]).assert_code(0);
    let plots = names(&r.join("plots"));
    let report = std::fs::read(r.join("report.html")).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for round in 0..8 {
        let mut child = spawn_in(sb.root(), &["report".into(), "r".into()]);
        std::thread::sleep(Duration::from_millis(rng.random_range(0..60)));
        kill9(&mut child);
        // The report is deterministic: whole, it is the same bytes.
        assert_eq!(
            std::fs::read(r.join("report.html")).unwrap(),
            report,
            "round {round}"
        );
        assert_eq!(
            names(&r.join("plots")),
            plots,
            "round {round}: plots/ mixed"
        );
    }
    sb.depinsim(&["plot", "r"]).assert_code(0);
    let hidden: Vec<String> = names(&r)
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "left in the directory: {hidden:?}");
}

#[test]
fn fewer_replicates_do_not_keep_the_old_aggregate() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.run(&file, &["--replications", "2"]).assert_code(0);
    assert!(sb.out().join("aggregate.csv").exists());
    sb.run(&file, &["--replications", "1"]).assert_code(0);
    assert!(
        !sb.out().join("aggregate.csv").exists(),
        "aggregate.csv of the 2-replicate run survived"
    );
    // So the table cannot show n = 2 for a 1-replicate run: it shows the
    // one replicate's values, without intervals.
    let o = sb.depinsim(&["table", "out"]);
    o.assert_code(0)
        .assert_stdout_has(&["one replicate: values, no CI"]);
    assert!(!o.stdout.contains("n = 2"), "{}", o.describe());
    let (_, rows) = common::read_csv(&sb.out().join("summary.csv"));
    assert_eq!(rows.len(), 1);
}

#[test]
fn a_run_after_a_sweep_leaves_no_journal() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    let o = sb.depinsim(&[
        "sweep",
        "tiny.toml",
        "--param",
        "supply.initial.A100=8,16",
        "--no-plots",
    ]);
    o.assert_code(0);
    let dir = sb.path("results/tiny");
    assert!(dir.join("sweep.json").exists());
    // Without --force the sweep is kept; with it, replaced whole.
    sb.depinsim(&["run", "tiny.toml", "--no-plots"])
        .assert_bad_input(&["holds a depinsim sweep", "--force"]);
    assert!(dir.join("sweep.json").exists());
    sb.depinsim(&["run", "tiny.toml", "--no-plots", "--force"])
        .assert_code(0);
    for f in ["sweep.json", "progress.json"] {
        assert!(!dir.join(f).exists(), "{f} survived the run");
    }
    let o = sb.depinsim(&[
        "sweep",
        file.to_str().unwrap(),
        "--param",
        "supply.initial.A100=8,16",
        "--resume",
        "--no-plots",
    ]);
    o.assert_bad_input(&["exists and is not empty"]);
}

#[test]
fn a_run_replaces_its_previous_result_and_only_that() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.run(&file, &[]).assert_code(0);
    std::fs::write(sb.out().join("plots/old-chart.svg"), "<svg/>").unwrap();
    sb.run(&file, &["--seed", "2"]).assert_code(0);
    assert!(!sb.out().join("plots/old-chart.svg").exists());
    assert!(sb.out().join("report.html").exists());
    assert_eq!(leftovers(sb.root(), "out"), Vec::<String>::new());
    // --force replaces files depinsim did not write.
    let other = sb.path("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "x").unwrap();
    let args: Vec<OsString> = vec![
        "run".into(),
        file.into(),
        "--out".into(),
        other.clone().into(),
        "--force".into(),
        "--no-plots".into(),
    ];
    sb.depinsim(&args).assert_code(0);
    assert!(!other.join("notes.txt").exists());
    assert!(other.join("summary.csv").exists());
}

#[test]
fn leftovers_of_killed_runs_beside_the_output_are_removed_and_a_set_aside_result_restored() {
    let sb = Sandbox::new();
    let file = sb.write("tiny.toml", MINIMAL);
    sb.run(&file, &["--no-plots"]).assert_code(0);
    let previous = csvs(&sb.out());
    // A writer killed between setting the previous result aside and
    // renaming the new one in (where directories cannot be exchanged).
    std::fs::rename(sb.out(), sb.path(".out.old-tmp777")).unwrap();
    std::fs::create_dir(sb.path(".out.run-tmp778")).unwrap();
    // A reader sees nothing; the next writer puts the previous back first.
    sb.depinsim(&["table", "out"]).assert_code(2);
    let o = sb.run(&file, &["--no-plots", "--design", "nosuch"]);
    o.assert_code(2);
    assert!(!sb.out().exists(), "bad input touches nothing");
    sb.run(&file, &["--no-plots"]).assert_code(0);
    assert_eq!(csvs(&sb.out()), previous);
    assert_eq!(leftovers(sb.root(), "out"), Vec::<String>::new());
}

/// A small tmpfs at `dir` for the test's duration, if this process may
/// mount one.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_file_system_fails_the_command_and_leaves_no_half_result() {
    let tmp = tempfile::tempdir().unwrap();
    let disk = tmp.path().join("disk");
    let Some(_fs) = Tmpfs::mount(&disk, "160k") else {
        eprintln!("skipped: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)");
        return;
    };
    let out = disk.join("out");
    let o = bin().args(long_run_args(&mmc(), &out, 1)).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("No space left") || stderr.contains("space"),
        "{stderr}"
    );
    assert!(!out.exists(), "a half result: {:?}", names(&out));
    assert_eq!(names(&disk), Vec::<String>::new(), "left on the disk");
    // A previous result on the full disk is kept whole.
    let small = common::minimal_with("sample_every = \"30m\"", "sample_every = \"1h\"");
    let sc = tmp.path().join("tiny.toml");
    std::fs::write(&sc, small).unwrap();
    let ok = bin()
        .args([
            "run".as_ref(),
            sc.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--no-plots".as_ref(),
        ])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let previous = csvs(&out);
    let o = bin()
        .args(long_run_args(&mmc(), &out, 1))
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(csvs(&out), previous, "the previous result changed");
    assert_eq!(names(&disk), vec!["out".to_string()]);
    // The sweep journal on a full disk: the sweep fails, readers refuse it.
    let sw = disk.join("sw");
    let o = bin().args(long_sweep_args(&sw)).output().unwrap();
    assert_ne!(o.status.code(), Some(0));
    if sw.join("sweep.json").exists() {
        let t = bin()
            .args(["table".as_ref(), sw.as_os_str()])
            .output()
            .unwrap();
        assert_eq!(t.status.code(), Some(2));
    }
}

#[test]
fn output_names_from_the_scenario_stay_inside_results() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path("work")).unwrap();
    let text = minimal_with("name = \"tiny\"", "name = \"../escaped\"");
    std::fs::write(sb.path("work/bad.toml"), text).unwrap();
    let o = bin()
        .args(["run", "bad.toml"])
        .current_dir(sb.path("work"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!sb.path("escaped").exists() && !sb.path("work/results").exists());
    assert_eq!(names(sb.root()), vec!["work".to_string()]);
}
