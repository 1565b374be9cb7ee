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
        "1"
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
    assert_eq!(by_name("fx-timeout").node.as_deref(), Some("vm"));
    assert_eq!(by_name("fx-later").node, None);
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
    assert_eq!(by_name("fx-timeout").state, JobState::Timeout);
    assert_eq!(by_name("fx-later").state, JobState::Pending);
    // sacct shows a dependency's reason as the controller last wrote it to the database.
    assert_eq!(by_name("fx-never").reason.as_deref(), Some("Dependency"));
    // What each job was allocated and for how long; nothing for one that never started.
    let timeout = by_name("fx-timeout");
    assert_eq!(timeout.node.as_deref(), Some("vm"));
    let usage = timeout.usage.unwrap();
    assert_eq!((usage.cpus, usage.gpus), (1, 0));
    assert!(usage.elapsed.as_secs() >= 60, "{usage:?}");
    assert_eq!(by_name("fx-toobig").usage, None);
    assert_eq!(by_name("fx-toobig").node, None);
}

#[test]
fn sacct_usage_counts_gpus_from_the_tres_list() {
    let line =
        "42|train|COMPLETED|0:0|None|gpu01|3600|8|billing=8,cpu=8,gres/gpu=2,mem=32G,node=1\n";
    let job = &parse_sacct(line).unwrap()[0];
    assert_eq!(job.status.node.as_deref(), Some("gpu01"));
    let usage = job.status.usage.unwrap();
    assert_eq!(
        (usage.elapsed.as_secs(), usage.cpus, usage.gpus),
        (3600, 8, 2)
    );
    let err = parse_sacct("42|t|COMPLETED|0:0|None|vm|soon|8|\n").unwrap_err();
    assert!(err.message.contains("ElapsedRaw"), "{err}");
}

#[test]
fn squeue_capture_shows_timeout_and_cancelled_pending_jobs() {
    let jobs = parse_squeue(&fixture("squeue_after_timeout.txt")).unwrap();
    let job = |id: &str| jobs.iter().find(|j| j.id == id).unwrap().status.clone();
    assert_eq!(
        (job("4").state, job("4").reason.as_deref()),
        (JobState::Timeout, Some("TimeLimit"))
    );
    assert_eq!(job("3").state, JobState::Cancelled { by: None });
    assert_eq!(jobs.len(), 7);
}

#[test]
fn scontrol_capture_from_the_real_cluster() {
    let failed = parse_scontrol_jobs(&fixture("scontrol_failed.txt")).unwrap();
    assert_eq!(failed[0].id, "2");
    assert_eq!(failed[0].name, "fx-fail");
    assert_eq!(failed[0].status.state, JobState::Failed);
    assert_eq!(failed[0].status.exit.unwrap().to_string(), "3:0");
    assert_eq!(failed[0].status.node.as_deref(), Some("vm"));
    assert_eq!(failed[0].status.usage.map(|u| u.cpus), Some(1));
    let pending = parse_scontrol_jobs(&fixture("scontrol_pending.txt")).unwrap();
    assert_eq!(
        (pending[0].status.state, pending[0].status.reason.as_deref()),
        (JobState::Pending, Some("BeginTime"))
    );
    assert_eq!(pending[0].status.usage, None);
}

#[test]
fn malformed_lines_are_errors_with_line_numbers() {
    let err = parse_squeue("1|RUNNING|None|vm|a\n2|EXPLODED|None||b\n").unwrap_err();
    assert_eq!(
        (err.line, err.message.as_str()),
        (2, "unknown SLURM job state `EXPLODED`")
    );
    assert!(
        parse_sacct("1|a|COMPLETED|0|None|vm|0|1|")
            .unwrap_err()
            .message
            .contains("code:signal")
    );
    assert!(parse_sacct("1|a|COMPLETED|0:0|None|vm").is_err());
    assert!(parse_squeue("x|RUNNING|None|vm|a").is_err());
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
