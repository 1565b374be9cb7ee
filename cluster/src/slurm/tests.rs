//! Faults the real cluster cannot produce on demand, through a scripted runner (a fake, and only for
//! these): garbage output, an accounting database that is down, a job that vanishes.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::*;
use crate::command::CommandError;

/// Replies in order, per program; records the calls.
struct ScriptedRunner {
    replies: Mutex<VecDeque<(&'static str, Result<String, &'static str>)>>,
    calls: Mutex<Vec<String>>,
}

impl ScriptedRunner {
    fn new(replies: Vec<(&'static str, Result<&'static str, &'static str>)>) -> Self {
        let replies = replies
            .into_iter()
            .map(|(p, r)| (p, r.map(str::to_string)))
            .collect();
        ScriptedRunner {
            replies: Mutex::new(replies),
            calls: Mutex::new(Vec::new()),
        }
    }
}

impl CommandRunner for ScriptedRunner {
    fn run(&self, spec: &CommandSpec) -> Result<String, CommandError> {
        self.calls.lock().unwrap().push(spec.to_string());
        let (program, reply) = self
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .expect("an unexpected extra call");
        assert_eq!(spec.program, program, "call order");
        reply.map_err(|stderr| CommandError::Failed {
            command: spec.to_string(),
            status: "exit status: 1".into(),
            stdout: String::new(),
            stderr: stderr.into(),
        })
    }
}

fn scheduler(
    replies: Vec<(&'static str, Result<&'static str, &'static str>)>,
    lag_polls: u32,
) -> SlurmScheduler {
    let config = SlurmConfig {
        lag_polls,
        ..SlurmConfig::default()
    };
    SlurmScheduler::with_runner(config, Box::new(ScriptedRunner::new(replies)))
}

fn id(text: &str) -> SchedulerJobId {
    SchedulerJobId(text.into())
}

#[test]
fn garbage_from_squeue_is_a_transient_parse_error() {
    let s = scheduler(vec![("squeue", Ok("<html>proxy error</html>\n"))], 3);
    let err = s.poll(&[id("1")]).unwrap_err();
    assert!(
        matches!(err, ClusterError::Parse(_)) && err.is_transient(),
        "{err}"
    );
}

#[test]
fn accounting_outage_and_lag_are_tolerated_then_settle() {
    let s = scheduler(
        vec![
            ("squeue", Ok("5|FAILED|NonZeroExitCode|vm|a\n")),
            (
                "sacct",
                Err(
                    "sacct: error: slurm_persist_conn_open_without_init: failed to open persistent connection",
                ),
            ),
            ("squeue", Ok("5|FAILED|NonZeroExitCode|vm|a\n")),
            ("sacct", Ok("")),
            ("squeue", Ok("5|FAILED|NonZeroExitCode|vm|a\n")),
            ("sacct", Ok("5|a|FAILED|3:0|NonZeroExitCode|vm|4|1|cpu=1\n")),
        ],
        5,
    );
    // Two polls without a final record: still settling, not yet failed without an exit code.
    assert_eq!(
        s.poll(&[id("5")]).unwrap()[&id("5")].state,
        JobState::Completing
    );
    assert_eq!(
        s.poll(&[id("5")]).unwrap()[&id("5")].state,
        JobState::Completing
    );
    let settled = s.poll(&[id("5")]).unwrap()[&id("5")].clone();
    assert_eq!(
        (settled.state, settled.exit.unwrap().to_string()),
        (JobState::Failed, "3:0".into())
    );
}

#[test]
fn a_job_gone_from_queue_and_accounting_is_lost_after_the_lag() {
    let s = scheduler(
        vec![
            ("squeue", Ok("")),
            ("sacct", Ok("")),
            ("squeue", Ok("")),
            ("sacct", Ok("")),
        ],
        1,
    );
    assert_eq!(
        s.poll(&[id("9")]).unwrap()[&id("9")].state,
        JobState::Completing
    );
    assert_eq!(s.poll(&[id("9")]).unwrap()[&id("9")].state, JobState::Lost);
}

#[test]
fn live_jobs_cost_one_squeue_and_no_sacct() {
    let runner = ScriptedRunner::new(vec![(
        "squeue",
        Ok("1|RUNNING|None|vm|a\n2|PENDING|Resources||b\n"),
    )]);
    let s = SlurmScheduler::with_runner(SlurmConfig::default(), Box::new(runner));
    let statuses = s.poll(&[id("1"), id("2")]).unwrap();
    assert_eq!(statuses[&id("2")].reason.as_deref(), Some("Resources"));
}
