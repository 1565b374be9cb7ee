use super::*;

fn limits() -> Limits {
    Limits {
        max_resubmits: 2,
        max_submit_failures: 3,
        first_backoff: Duration::from_secs(1),
    }
}

fn submit(attempt: u32, resume: bool) -> Effect {
    Effect::Submit { attempt, resume }
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
fn resumable_and_lost_attempts_are_resubmitted_within_the_budget() {
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    m.apply(Input::Submitted { job: "1".into() });
    let effects = m.apply(Input::Ended(AttemptEnd::Resumable("time limit".into())));
    assert_eq!(
        effects,
        [
            Effect::Record("resume", "time limit".into()),
            submit(2, true)
        ]
    );
    m.apply(Input::Submitted { job: "2".into() });
    let effects = m.apply(Input::Ended(AttemptEnd::Lost("gone".into())));
    assert_eq!(effects[1], submit(3, true), "a lost attempt keeps resuming");
    m.apply(Input::Submitted { job: "3".into() });
    m.apply(Input::Ended(AttemptEnd::Resumable("preempted".into())));
    assert_eq!(
        m.phase,
        Phase::Failed("gave up after 2 resubmissions: preempted".into())
    );
}

#[test]
fn failures_cancellations_and_upstream_failures_end_the_run() {
    let mut m = RunMachine::new(limits());
    m.apply(Input::Start { resume: false });
    m.apply(Input::Submitted { job: "1".into() });
    m.apply(Input::Ended(AttemptEnd::Failed("oom".into())));
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
    m.apply(Input::Ended(AttemptEnd::Resumable(
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
    let m = RunMachine::at(Phase::Submitting { attempt: 2 }, 2, limits());
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
    let waiting = RunMachine::at(Phase::Waiting { attempt: 3 }, 2, limits());
    assert_eq!(waiting.recover(), [Effect::WaitFor(Duration::ZERO)]);
}
