//! The Scheduler actor's submission queue against a counting fake scheduler, with a stand-in run
//! that reports each `SubmitDone` it hears: the live-job bound, the rate, one submission per batch
//! job name, withdrawal of a waiting submission, and polls that slow down while nothing changes.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use kdgat_cluster::{ClusterError, JobState};
use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::*;

/// Submits every job (counting the sbatch calls); every job runs forever. Counts its polls.
#[derive(Default)]
struct CountingScheduler {
    submitted: Mutex<Vec<String>>,
    polls: Mutex<u32>,
}

impl Scheduler for CountingScheduler {
    fn submit(&self, spec: &BatchJobSpec) -> Result<SchedulerJobId, ClusterError> {
        let mut submitted = self.submitted.lock().unwrap();
        submitted.push(spec.name.clone());
        Ok(SchedulerJobId(format!("{}", submitted.len())))
    }

    fn poll(
        &self,
        ids: &[SchedulerJobId],
    ) -> Result<BTreeMap<SchedulerJobId, JobStatus>, ClusterError> {
        *self.polls.lock().unwrap() += 1;
        Ok(ids
            .iter()
            .map(|id| (id.clone(), JobStatus::new(JobState::Running)))
            .collect())
    }

    fn cancel(&self, _id: &SchedulerJobId) -> Result<(), ClusterError> {
        Ok(())
    }

    fn requeue(&self, _id: &SchedulerJobId) -> Result<(), ClusterError> {
        Ok(())
    }

    fn find_by_name(&self, _name: &str) -> Result<Vec<(SchedulerJobId, JobStatus)>, ClusterError> {
        Ok(Vec::new())
    }
}

/// A stand-in for a Run actor: passes on what the Scheduler tells it about submissions.
struct Listener;

impl Actor for Listener {
    type Msg = RunMsg;
    type State = UnboundedSender<(u32, Result<String, String>)>;
    type Arguments = UnboundedSender<(u32, Result<String, String>)>;

    async fn pre_start(
        &self,
        _myself: ActorRef<RunMsg>,
        heard: Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(heard)
    }

    async fn handle(
        &self,
        _myself: ActorRef<RunMsg>,
        message: RunMsg,
        heard: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if let RunMsg::SubmitDone { attempt, result } = message {
            let _ = heard.send((attempt, result));
        }
        Ok(())
    }
}

struct Harness {
    scheduler: ActorRef<SchedulerMsg>,
    run: ActorRef<RunMsg>,
    heard: UnboundedReceiver<(u32, Result<String, String>)>,
    counting: Arc<CountingScheduler>,
}

impl Harness {
    async fn start(limits: SubmitLimits) -> Harness {
        Harness::polling_every(limits, Duration::from_secs(3600)).await
    }

    async fn polling_every(limits: SubmitLimits, poll_every: Duration) -> Harness {
        let counting = Arc::new(CountingScheduler::default());
        let args = SchedulerArgs {
            scheduler: counting.clone(),
            poll_every,
            slowest_poll: poll_every * 6,
            limits,
            report: Box::new(|_| {}),
        };
        let (scheduler, _) = Actor::spawn(None, SchedulerActor, args).await.unwrap();
        let (tell, heard) = unbounded_channel();
        let (run, _) = Actor::spawn(None, Listener, tell).await.unwrap();
        Harness {
            scheduler,
            run,
            heard,
            counting,
        }
    }

    fn submit(&self, name: &str, attempt: u32) {
        let spec = BatchJobSpec::new(
            name,
            vec!["true".into()],
            PathBuf::from("/"),
            PathBuf::from("/"),
        );
        self.scheduler
            .cast(SchedulerMsg::Submit {
                spec: Box::new(spec),
                run: self.run.clone(),
                attempt,
            })
            .unwrap();
    }

    /// What the run hears within `wait`.
    async fn heard_within(&mut self, wait: Duration) -> Vec<(u32, Result<String, String>)> {
        let mut heard = Vec::new();
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Some(next)) = tokio::time::timeout_at(deadline, self.heard.recv()).await {
            heard.push(next);
        }
        heard
    }

    fn submitted(&self) -> usize {
        self.counting.submitted.lock().unwrap().len()
    }
}

#[tokio::test]
async fn no_more_live_jobs_than_the_bound_and_an_end_lets_the_next_go() {
    let mut h = Harness::start(SubmitLimits {
        max_active: Some(2),
        per_second: None,
    })
    .await;
    for i in 1..=5 {
        h.submit(&format!("job-{i}"), i);
    }
    // First come, first served (the two admitted are submitted side by side, in either order).
    let mut heard = h.heard_within(Duration::from_millis(300)).await;
    heard.sort();
    let attempts: Vec<u32> = heard.iter().map(|(attempt, _)| *attempt).collect();
    assert_eq!(attempts, [1, 2], "{heard:?}");
    assert!(heard.iter().all(|(_, r)| r.is_ok()), "{heard:?}");
    assert_eq!(h.submitted(), 2);
    h.scheduler.cast(SchedulerMsg::Unwatch("1".into())).unwrap();
    let heard = h.heard_within(Duration::from_millis(300)).await;
    assert_eq!(heard, [(3, Ok("3".into()))]);
    assert_eq!(h.submitted(), 3);
}

#[tokio::test]
async fn the_rate_spreads_submissions_over_time() {
    let mut h = Harness::start(SubmitLimits {
        max_active: None,
        per_second: Some(10.0),
    })
    .await;
    for i in 1..=25 {
        h.submit(&format!("job-{i}"), i);
    }
    let first = h.heard_within(Duration::from_millis(50)).await;
    assert_eq!(first.len(), 10, "one second's burst: {first:?}");
    let rest = h.heard_within(Duration::from_millis(2500)).await;
    assert_eq!(rest.len(), 15, "then ten a second");
}

#[tokio::test]
async fn a_name_asked_twice_is_submitted_once_and_a_waiting_one_can_be_withdrawn() {
    let mut h = Harness::start(SubmitLimits {
        max_active: Some(1),
        per_second: None,
    })
    .await;
    h.submit("kdgat.s.d.teacher_curriculum.1", 1);
    h.submit("kdgat.s.d.teacher_fusion.1", 1);
    h.submit("kdgat.s.d.teacher_fusion.1", 1);
    let heard = h.heard_within(Duration::from_millis(300)).await;
    assert_eq!(heard, [(1, Ok("1".into()))]);
    h.scheduler
        .cast(SchedulerMsg::Withdraw("kdgat.s.d.teacher_fusion.1".into()))
        .unwrap();
    let heard = h.heard_within(Duration::from_millis(300)).await;
    assert_eq!(
        heard,
        [(1, Err("withdrawn before it was submitted".into()))]
    );
    h.scheduler.cast(SchedulerMsg::Unwatch("1".into())).unwrap();
    assert!(h.heard_within(Duration::from_millis(300)).await.is_empty());
    assert_eq!(h.submitted(), 1, "the duplicate was never submitted");
}

#[tokio::test]
async fn polls_slow_down_while_nothing_changes_and_a_new_job_speeds_them_up() {
    let mut h = Harness::polling_every(SubmitLimits::NONE, Duration::from_millis(50)).await;
    h.submit("job-1", 1);
    assert_eq!(h.heard_within(Duration::from_millis(100)).await.len(), 1);
    let polls = || *h.counting.polls.lock().unwrap();
    let before = polls();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let quiet = polls() - before;
    // At a fixed 50 ms: 60 polls. Doubling up to 300 ms: about 12.
    assert!(
        (6..=16).contains(&quiet),
        "{quiet} polls in 3 s of nothing changing"
    );
    let before = polls();
    h.scheduler
        .cast(SchedulerMsg::Watch("new".into(), h.run.clone()))
        .unwrap();
    // Polled once the watches that come with it have settled (200 ms), then every 50 ms.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        polls() - before >= 2,
        "a new job is polled soon, then every 50 ms"
    );
}
