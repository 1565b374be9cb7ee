use super::*;

fn limits() -> Limits {
    Limits {
        retry: RetryPolicy {
            max_preemptions: 5,
            max_node_failures: 1,
            max_timeouts: 2,
            max_oom_retries: 1,
            max_transient_failures: 1,
            max_lost: 1,
            ..RetryPolicy::default()
        },
        max_submit_failures: 3,
        first_backoff: Duration::from_secs(1),
    }
}

fn submit(attempt: u32, resume: bool) -> Effect {
    Effect::Submit {
        attempt,
        resume,
        adjust: Adjustment::default(),
    }
}

fn failed(why: &str) -> AttemptEnd {
    AttemptEnd::Failed {
        why: why.into(),
        transient: false,
    }
}

/// A machine whose attempt `attempt` is running as batch job `attempt`.
fn running(m: &mut RunMachine) {
    let job = m.attempts.to_string();
    m.apply(Input::Submitted { job });
}

#[test]
fn the_happy_path_and_the_up_to_date_run() {
    let mut m = RunMachine::new(limits());
    assert_eq!(m.phase.status(), RunStatus::Pending);
    assert_eq!(m.apply(Input::Start { resume: false }), [submit(1, false)]);
    assert_eq!(m.phase, Phase::Submitting { attempt: 1 });
    assert_eq!(m.phase.status(), RunStatus::Running);
    m.apply(Input::Submitted { job: "7".into() });
    assert_eq!(
        m.phase,
        Phase::Queued {
            attempt: 1,
            job: "7".into()
        }
    );
    assert!(m.apply(Input::Seen(JobState::Pending)).is_empty());
    m.apply(Input::Seen(JobState::Running));
    assert_eq!(
        m.phase,
        Phase::Running {
            attempt: 1,
            job: "7".into()
        }
    );
    m.apply(Input::Ended(AttemptEnd::Succeeded));
    assert_eq!(m.phase, Phase::Complete { skipped: false });
    assert!(m.apply(Input::Start { resume: true }).is_empty(), "final");

    let mut m = RunMachine::new(limits());
    m.apply(Input::UpToDate);
    assert_eq!(m.phase, Phase::Complete { skipped: true });
    assert_eq!(m.phase.status(), RunStatus::Complete);
}

#[test]
fn a_failed_submission_waits_longer_each_time_then_fails_the_run() {
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: true });
    let effects = m.apply(Input::SubmitFailed("slurmctld down".into()));
    assert_eq!(effects[1], Effect::WaitFor(Duration::from_secs(1)));
    assert_eq!(m.phase, Phase::Waiting { attempt: 2 });
    assert_eq!(m.apply(Input::WaitOver), [submit(2, true)]);
    let effects = m.apply(Input::SubmitFailed("again".into()));
    assert_eq!(effects[1], Effect::WaitFor(Duration::from_secs(2)));
    m.apply(Input::WaitOver);
    m.apply(Input::SubmitFailed("still".into()));
    assert_eq!(
        m.phase,
        Phase::Failed("submission failed 3 times: still".into())
    );
    // A success resets the count.
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    m.apply(Input::SubmitFailed("x".into()));
    m.apply(Input::WaitOver);
    m.apply(Input::Submitted { job: "9".into() });
    assert_eq!(m.submit_failures, 0);
}

#[test]
fn each_failure_class_is_retried_within_its_own_budget() {
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    running(&mut m);
    // A time limit: resumed, as often as its budget allows; the job it replaces is cancelled
    // first, in case the scheduler runs it again.
    let effects = m.apply(Input::Ended(AttemptEnd::TimedOut("time limit".into())));
    assert_eq!(
        effects,
        [
            Effect::CancelJob("1".into()),
            Effect::Record(
                "timed_out",
                "time limit: resumed from its checkpoint".into()
            ),
            Effect::Submit {
                attempt: 2,
                resume: true,
                adjust: Adjustment {
                    more_time: 1,
                    ..Adjustment::default()
                }
            }
        ]
    );
    // Preemptions cost nothing of the other budgets.
    for _ in 0..4 {
        running(&mut m);
        let effects = m.apply(Input::Ended(AttemptEnd::Preempted("preempted".into())));
        assert_eq!(
            effects[1].clone(),
            Effect::Record(
                "preempted",
                "preempted: resumed, at no cost to the retry budget".into()
            )
        );
    }
    // A node failure: the next attempt avoids the node.
    running(&mut m);
    let effects = m.apply(Input::Ended(AttemptEnd::NodeFailed {
        node: Some("gpu07".into()),
        why: "NodeFail".into(),
    }));
    let Some(Effect::Submit {
        attempt, adjust, ..
    }) = effects.last()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (*attempt, adjust.exclude.clone()),
        (7, vec!["gpu07".to_string()])
    );
    // Out of memory: resumed with more memory.
    running(&mut m);
    let effects = m.apply(Input::Ended(AttemptEnd::OutOfMemory));
    assert_eq!(
        effects.last(),
        Some(&Effect::Submit {
            attempt: 8,
            resume: true,
            adjust: Adjustment {
                exclude: vec!["gpu07".into()],
                more_time: 1,
                more_memory: 1
            }
        })
    );
    // A second out of memory is past its budget of one.
    running(&mut m);
    m.apply(Input::Ended(AttemptEnd::OutOfMemory));
    assert_eq!(
        m.phase,
        Phase::Failed("out of memory: gave up after 1 retry".into())
    );
    assert_eq!(m.retries.preempted, 4);
}

#[test]
fn failures_are_retried_only_when_transient_and_lost_jobs_keep_resuming() {
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: true });
    running(&mut m);
    let effects = m.apply(Input::Ended(AttemptEnd::Failed {
        why: "stale file handle".into(),
        transient: true,
    }));
    assert_eq!(effects.last(), Some(&submit(2, true)));
    running(&mut m);
    let effects = m.apply(Input::Ended(AttemptEnd::Lost("gone".into())));
    assert_eq!(
        effects.last(),
        Some(&submit(3, true)),
        "a lost attempt resumes as it did"
    );
    running(&mut m);
    m.apply(Input::Ended(failed("no graphs")));
    assert_eq!(
        m.phase,
        Phase::Failed("no graphs".into()),
        "not transient: no retry"
    );
}

#[test]
fn a_rebuilt_machine_keeps_the_retries_its_attempts_used() {
    let retries = RetryCounts::from_history([
        ("timed_out", Some("gpu01")),
        ("node_failed", Some("gpu02")),
        ("preempted", None),
        ("completed", None),
    ]);
    let mut m = RunMachine::at(
        Phase::Running {
            attempt: 4,
            job: "9".into(),
        },
        4,
        retries,
        limits(),
    );
    m.apply(Input::Ended(AttemptEnd::NodeFailed {
        node: Some("gpu03".into()),
        why: "NodeFail".into(),
    }));
    assert_eq!(
        m.phase,
        Phase::Failed("NodeFail on gpu03: gave up after 1 retry".into()),
        "the node-failure budget of one was used before the restart"
    );
}

#[test]
fn failures_cancellations_and_upstream_failures_end_the_run() {
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    m.apply(Input::Submitted { job: "1".into() });
    m.apply(Input::Ended(failed("oom")));
    assert_eq!(m.phase, Phase::Failed("oom".into()));

    let mut m = RunMachine::new(limits());
    let effects = m.apply(Input::UpstreamEnded("d/teacher_autoencoder failed".into()));
    assert_eq!(m.phase.status(), RunStatus::Failed);
    assert_eq!(
        effects[0].clone(),
        Effect::Record("upstream_failed", "d/teacher_autoencoder failed".into())
    );

    // Cancel while queued: the job is cancelled, the run ends when the scheduler says so.
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    m.apply(Input::Submitted { job: "5".into() });
    assert_eq!(m.apply(Input::Cancel), [Effect::CancelJob("5".into())]);
    m.apply(Input::Ended(AttemptEnd::TimedOut(
        "SIGTERM checkpoint".into(),
    )));
    assert_eq!(m.phase, Phase::Cancelled, "no resubmission after a cancel");

    // Cancel while submitting: the waiting submission is withdrawn, or, if it was being made, the
    // job is cancelled as soon as its id is known.
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    assert_eq!(m.apply(Input::Cancel), [Effect::Withdraw { attempt: 1 }]);
    let mut withdrawn = m.clone();
    let effects = m.apply(Input::Submitted { job: "6".into() });
    assert_eq!(effects.last(), Some(&Effect::CancelJob("6".into())));
    m.apply(Input::Ended(AttemptEnd::Cancelled));
    assert_eq!(m.phase, Phase::Cancelled);
    let effects = withdrawn.apply(Input::SubmitFailed(
        "withdrawn before it was submitted".into(),
    ));
    assert_eq!(
        (withdrawn.phase, effects),
        (
            Phase::Cancelled,
            vec![Effect::Record("cancelled", "before submission".into())]
        )
    );

    // Cancelled by someone else.
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    m.apply(Input::Submitted { job: "8".into() });
    let effects = m.apply(Input::Ended(AttemptEnd::Cancelled));
    assert_eq!(
        effects,
        [Effect::Record("cancelled", "outside kdgat".into())]
    );

    // Cancel while pending.
    let mut m = RunMachine::new(limits());
    m.apply(Input::Cancel);
    assert_eq!(m.phase, Phase::Cancelled);
}

#[test]
fn a_restart_mid_submission_looks_the_job_up_before_submitting() {
    let m = RunMachine::at(
        Phase::Submitting { attempt: 2 },
        2,
        RetryCounts::default(),
        limits(),
    );
    assert_eq!(m.recover(), [Effect::FindByName { attempt: 2 }]);
    let mut found = m.clone();
    found.apply(Input::Found { job: "44".into() });
    assert_eq!(
        found.phase,
        Phase::Queued {
            attempt: 2,
            job: "44".into()
        }
    );
    let mut missing = m.clone();
    assert_eq!(missing.apply(Input::NotFound), [submit(2, true)]);
    assert_eq!(missing.phase, Phase::Submitting { attempt: 2 });
    let waiting = RunMachine::at(
        Phase::Waiting { attempt: 3 },
        2,
        RetryCounts::default(),
        limits(),
    );
    assert_eq!(waiting.recover(), [Effect::WaitFor(Duration::ZERO)]);
}

#[test]
fn a_requeued_job_goes_on_as_the_same_attempt_and_a_preempted_one_is_replaced() {
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    running(&mut m);
    m.apply(Input::Seen(JobState::Running));
    let effects = m.apply(Input::Seen(JobState::Pending));
    assert!(
        matches!(&effects[..], [Effect::Record("requeued", _)]),
        "{effects:?}"
    );
    assert_eq!(
        m.phase,
        Phase::Queued {
            attempt: 1,
            job: "1".into()
        }
    );
    m.apply(Input::Seen(JobState::Running));
    m.apply(Input::Ended(AttemptEnd::Succeeded));
    assert_eq!(m.phase, Phase::Complete { skipped: false });
    assert_eq!(m.attempts, 1, "no new attempt");
    assert_eq!(m.retries, RetryCounts::default(), "no retry used");

    // Preempted for good: the job is cancelled (in case it is requeued) and replaced.
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    running(&mut m);
    let effects = m.apply(Input::Ended(AttemptEnd::Preempted("preempted".into())));
    assert_eq!(effects[0], Effect::CancelJob("1".into()));
    assert_eq!(effects.last(), Some(&submit(2, true)));
}
