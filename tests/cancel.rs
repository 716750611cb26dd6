//! `runner::Control`, the cancel flag the Python package sets on Ctrl-C:
//! a cancelled `run_all_controlled` starts no run and says it was
//! interrupted; a sweep cancelled part way keeps the runs it finished in
//! its journal and, resumed, ends with the bytes of an uninterrupted sweep.
//! (Runs already started when the flag is set finish and are kept.)

mod common;

use common::{MINIMAL, Sandbox};
use depinsim::error::Error;
use depinsim::runner::{Control, plan_runs, run_all_controlled};
use depinsim::scenario;
use depinsim::sweep::store::{ROW_FILES, Start};
use depinsim::sweep::{Shard, SweepEnd, SweepJob, SweepRequest};
use std::path::PathBuf;

fn request() -> SweepRequest {
    SweepRequest {
        file: "tiny.toml".into(),
        text: MINIMAL.into(),
        base_sets: Vec::new(),
        params: vec!["supply.initial.A100=8,16,24".into()],
        zip: false,
        // 30 runs: more than the executor's window (8 per thread) takes
        // ahead of the first, so a cancel after it leaves runs undone.
        replications: Some(10),
    }
}

fn job(out: PathBuf, threads: usize) -> SweepJob {
    SweepJob::new(request(), Shard::ALL, Some(out), Some(threads)).expect("a valid sweep")
}

#[test]
fn a_cancelled_run_starts_nothing() {
    let sc = scenario::from_str(MINIMAL, "tiny.toml", &[]).unwrap();
    let runs = plan_runs(&sc, 0);
    let ctl = Control::default();
    ctl.cancel();
    let r = run_all_controlled(&sc, &runs, Some(2), &ctl, false);
    assert!(matches!(r, Err(Error::Interrupted(_))), "{r:?}");
    assert_eq!(ctl.runs_done(), 0);
    let ok = run_all_controlled(&sc, &runs, Some(2), &Control::default(), false).unwrap();
    assert_eq!(ok.len(), runs.len());
}

fn interrupted_sweep_resumes_to_the_same_bytes(threads: usize) {
    let sb = Sandbox::new();
    let whole = job(sb.path("whole"), threads);
    let start = whole.check(false).unwrap();
    whole
        .run(start, vec![], &Control::default(), |_| {})
        .unwrap();

    let cut = job(sb.path("cut"), threads);
    let total = cut.runs();
    let ctl = Control::default();
    let start = cut.check(false).unwrap();
    let e = cut
        .run(start, vec![], &ctl, |_| ctl.cancel())
        .expect_err("cancelled after the first run");
    assert!(matches!(e, Error::Interrupted(_)), "{e}");
    let done = ctl.runs_done();
    assert!(done >= 1 && done < total, "{done} of {total}");

    let again = job(sb.path("cut"), threads);
    let Start::Resume(p) = again.check(true).unwrap() else {
        panic!("an interrupted sweep resumes");
    };
    assert_eq!(p.runs_done, done, "the journal holds every run handed on");
    let end = again
        .run(Start::Resume(p), vec![], &Control::default(), |_| {})
        .unwrap();
    assert_eq!(
        end,
        SweepEnd::Ran {
            before: done,
            now: total - done,
            events: match end {
                SweepEnd::Ran { events, .. } => events,
                _ => unreachable!(),
            },
        }
    );
    for f in ROW_FILES.iter().chain(&["aggregate.csv"]) {
        let a = std::fs::read(sb.path("whole").join(f)).unwrap();
        let b = std::fs::read(sb.path("cut").join(f)).unwrap();
        assert!(a == b, "{f} differs after the resume");
    }
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_bytes_st() {
    interrupted_sweep_resumes_to_the_same_bytes(1);
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_bytes_mt() {
    interrupted_sweep_resumes_to_the_same_bytes(2);
}
