use super::*;

fn policy() -> RetryPolicy {
    RetryPolicy {
        timeout_time_factor: 2.0,
        max_time_minutes: Some(600),
        oom_memory_factor: 1.5,
        max_mem_mb: Some(200_000),
        ..RetryPolicy::default()
    }
}

#[test]
fn adjustments_grow_time_and_memory_up_to_their_caps() {
    let p = policy();
    let none = Adjustment::default();
    assert_eq!(
        (none.time_minutes(&p, 360), none.mem_mb(&p, 128_000)),
        (360, 128_000)
    );
    let once = Adjustment {
        more_time: 1,
        more_memory: 1,
        ..Adjustment::default()
    };
    assert_eq!(
        (once.time_minutes(&p, 60), once.mem_mb(&p, 64_000)),
        (120, 96_000)
    );
    let often = Adjustment {
        more_time: 40,
        more_memory: 40,
        ..Adjustment::default()
    };
    assert_eq!(
        (often.time_minutes(&p, 60), often.mem_mb(&p, 64_000)),
        (600, 200_000)
    );
    // A cap below the stage's own figure bounds growth only.
    assert_eq!(often.time_minutes(&p, 900), 900);
    let unbounded = RetryPolicy::default();
    assert_eq!(
        often.mem_mb(&unbounded, 1_000),
        (1_000.0 * 1.5f64.powi(40)) as u64
    );
}

#[test]
fn the_history_of_a_run_gives_back_its_counts_and_bad_nodes() {
    let counts = RetryCounts::from_history([
        ("preempted", Some("a")),
        ("preempted", None),
        ("node_failed", Some("b")),
        ("node_failed", Some("b")),
        ("node_failed", None),
        ("timed_out", None),
        ("out_of_memory", None),
        ("failed_transient", None),
        ("lost", None),
        ("failed", None),
        ("completed", None),
        ("cancelled", None),
    ]);
    assert_eq!(
        counts,
        RetryCounts {
            preempted: 2,
            node_failed: 3,
            timed_out: 1,
            out_of_memory: 1,
            transient: 1,
            lost: 1,
            bad_nodes: vec!["b".into()],
        }
    );
    assert_eq!(
        counts.adjustment(),
        Adjustment {
            exclude: vec!["b".into()],
            more_time: 1,
            more_memory: 1
        }
    );
}

#[test]
fn every_class_of_failure_and_its_decision() {
    let p = RetryPolicy::default();
    let mut counts = RetryCounts::default();
    let retry = |d: Decision| match d {
        Decision::Retry { kind, resume, .. } => (kind, resume),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        retry(decide(
            &AttemptEnd::Preempted("requeued".into()),
            &mut counts,
            &p,
            false
        )),
        ("preempted", true)
    );
    assert_eq!(
        retry(decide(
            &AttemptEnd::TimedOut("time limit".into()),
            &mut counts,
            &p,
            false
        )),
        ("timed_out", true)
    );
    assert_eq!(
        retry(decide(&AttemptEnd::OutOfMemory, &mut counts, &p, false)),
        ("out_of_memory", true)
    );
    assert_eq!(
        retry(decide(
            &AttemptEnd::Lost("gone".into()),
            &mut counts,
            &p,
            false
        )),
        ("lost", false),
        "a lost attempt's successor does as it did"
    );
    let transient = AttemptEnd::Failed {
        why: "EIO".into(),
        transient: true,
    };
    assert_eq!(
        retry(decide(&transient, &mut counts, &p, true)),
        ("failed_transient", true)
    );
    let fatal = AttemptEnd::Failed {
        why: "no graphs".into(),
        transient: false,
    };
    assert_eq!(
        decide(&fatal, &mut counts, &p, true),
        Decision::GiveUp("no graphs".into())
    );
    assert_eq!(
        decide(&AttemptEnd::Cancelled, &mut counts, &p, true),
        Decision::NotAFailure
    );
    assert_eq!(
        decide(&AttemptEnd::Succeeded, &mut counts, &p, true),
        Decision::NotAFailure
    );
    // Each budget is its own: the second transient failure is still within max 2.
    assert!(matches!(
        decide(&transient, &mut counts, &p, true),
        Decision::Retry { .. }
    ));
    assert_eq!(
        decide(&transient, &mut counts, &p, true),
        Decision::GiveUp("EIO (transient): gave up after 2 retries".into())
    );
    assert_eq!((counts.preempted, counts.timed_out, counts.lost), (1, 1, 1));
}

#[test]
fn factors_below_one_are_refused_with_their_key() {
    let p = RetryPolicy {
        timeout_time_factor: 0.5,
        oom_memory_factor: f64::NAN,
        ..RetryPolicy::default()
    };
    let problems = p.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("retry.timeout_time_factor"));
    assert!(problems[1].contains("retry.oom_memory_factor"));
    assert!(RetryPolicy::default().problems().is_empty());
}
