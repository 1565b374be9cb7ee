use proptest::prelude::*;

use super::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn sbatch_parsable_gives_the_id() {
    assert_eq!(
        parse_sbatch_parsable(&fixture("sbatch_parsable.txt")).unwrap(),
        "9"
    );
    assert_eq!(parse_sbatch_parsable("123;cluster\n").unwrap(), "123");
    assert!(parse_sbatch_parsable("sbatch: error: Batch job submission failed").is_err());
    assert!(parse_sbatch_parsable("").is_err());
}

#[test]
fn squeue_capture_from_the_real_cluster() {
    let jobs = parse_squeue(&fixture("squeue_mixed.txt")).unwrap();
    let by_name = |n: &str| jobs.iter().find(|j| j.name == n).unwrap().status.clone();
    assert_eq!(by_name("fx-ok").state, JobState::Completed);
    assert_eq!(by_name("fx-fail").state, JobState::Failed);
    assert_eq!(
        by_name("fx-fail").reason.as_deref(),
        Some("NonZeroExitCode")
    );
    assert_eq!(by_name("fx-cancel").state, JobState::Cancelled { by: None });
    assert_eq!(by_name("fx-timeout").state, JobState::Running);
    assert_eq!(by_name("fx-later").never_runnable(), None);
    assert_eq!(
        by_name("fx-toobig").never_runnable(),
        Some("PartitionConfig")
    );
    assert_eq!(
        by_name("fx-never").never_runnable(),
        Some("DependencyNeverSatisfied")
    );
    assert_eq!(by_name("fx-ok").reason, None);
}

#[test]
fn sacct_capture_from_the_real_cluster() {
    let jobs = parse_sacct(&fixture("sacct_mixed.txt")).unwrap();
    let by_name = |n: &str| jobs.iter().find(|j| j.name == n).unwrap().status.clone();
    assert_eq!(
        (
            by_name("fx-ok").state,
            by_name("fx-ok").exit.unwrap().to_string()
        ),
        (JobState::Completed, "0:0".into())
    );
    assert_eq!(
        (
            by_name("fx-fail").state,
            by_name("fx-fail").exit.unwrap().to_string()
        ),
        (JobState::Failed, "3:0".into())
    );
    assert_eq!(
        by_name("fx-cancel").state,
        JobState::Cancelled { by: Some(0) }
    );
    // Captured while the time-limited job still ran; its end is in the squeue capture below.
    assert_eq!(by_name("fx-timeout").state, JobState::Running);
    assert_eq!(by_name("fx-later").state, JobState::Pending);
    assert_eq!(
        by_name("fx-never").reason.as_deref(),
        Some("DependencyNeverSatisfied")
    );
}

#[test]
fn squeue_capture_shows_timeout_and_cancelled_pending_jobs() {
    let jobs = parse_squeue(&fixture("squeue_after_timeout.txt")).unwrap();
    let job = |id: &str| jobs.iter().find(|j| j.id == id).unwrap().status.clone();
    assert_eq!(
        (job("5").state, job("5").reason.as_deref()),
        (JobState::Timeout, Some("TimeLimit"))
    );
    assert_eq!(job("7").state, JobState::Cancelled { by: None });
    assert_eq!(jobs.len(), 15);
}

#[test]
fn scontrol_capture_from_the_real_cluster() {
    let failed = parse_scontrol_jobs(&fixture("scontrol_failed.txt")).unwrap();
    assert_eq!(failed[0].id, "10");
    assert_eq!(failed[0].name, "fx-fail");
    assert_eq!(failed[0].status.state, JobState::Failed);
    assert_eq!(failed[0].status.exit.unwrap().to_string(), "3:0");
    let pending = parse_scontrol_jobs(&fixture("scontrol_pending.txt")).unwrap();
    assert_eq!(
        (pending[0].status.state, pending[0].status.reason.as_deref()),
        (JobState::Pending, Some("BeginTime"))
    );
}

#[test]
fn malformed_lines_are_errors_with_line_numbers() {
    let err = parse_squeue("1|RUNNING|None|a\n2|EXPLODED|None|b\n").unwrap_err();
    assert_eq!(
        (err.line, err.message.as_str()),
        (2, "unknown SLURM job state `EXPLODED`")
    );
    assert!(
        parse_sacct("1|a|COMPLETED|0|None|vm")
            .unwrap_err()
            .message
            .contains("code:signal")
    );
    assert!(parse_sacct("1|a|COMPLETED|0:0|None").is_err());
    assert!(parse_squeue("x|RUNNING|None|a").is_err());
    assert!(parse_scontrol_jobs("JobName=a JobState=RUNNING").is_err());
}

proptest! {
    #[test]
    fn parsers_never_panic(text in "[0-9A-Za-z_|:;= \n()-]{0,200}") {
        let _ = parse_sbatch_parsable(&text);
        let _ = parse_squeue(&text);
        let _ = parse_sacct(&text);
        let _ = parse_scontrol_jobs(&text);
    }

    #[test]
    fn parsers_never_panic_on_any_string(text in any::<String>()) {
        let _ = parse_squeue(&text);
        let _ = parse_sacct(&text);
        let _ = parse_scontrol_jobs(&text);
    }
}
