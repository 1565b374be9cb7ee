//! What a Run actor writes to the store for each transition, built without I/O: the run's record
//! (status, times), its current attempt's record, the events its state machine recorded, what it
//! read of the attempt's `events.jsonl`, and — with MLflow on — the tracking operations: the run
//! created nested under its sweep when its first attempt starts, epoch metrics as they come, and
//! at the end its evaluation metrics, artifacts, status and true end time.

use kdgat_jobs::run_dir::{Benchmark, Completion, RunDir, RunEvent, read_metrics};
use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_store::{AttemptRecord, Change, FollowRecord, NewEvent, RunRecord, parse_run_id};
use kdgat_tracking::reference::sweep_key;
use kdgat_tracking::{MetricPoint, RunStatus, Tag, TrackingOp};
use serde_json::json;

use crate::import::{
    benchmark_record, config_params, epoch_points, evaluation_points, metric_records, run_tags,
    teacher_run_id,
};
use crate::machine::{Effect, Phase};
use crate::plan::{PlannedRun, RunKind};

/// The run's records as the actor keeps them.
#[derive(Debug, Clone)]
pub struct RunBook {
    /// The run's record.
    pub record: RunRecord,
    /// Its current attempt.
    pub attempt: Option<AttemptRecord>,
    /// How far its event log was read.
    pub follow: FollowRecord,
    /// Whether its MLflow run was created.
    pub tracked: bool,
}

/// The MLflow run key of a run of a sweep.
pub fn run_key(sweep: &str, run_id: &str) -> String {
    format!("{}/{run_id}", sweep_key(sweep))
}

/// A planned run's record, before it ran.
pub fn new_record(sweep: &str, run: &PlannedRun) -> RunRecord {
    let config = run
        .config
        .as_ref()
        .and_then(|c| serde_json::to_value(c).ok());
    let (model_size, use_kd) = match run.kind {
        RunKind::Graphs => (String::new(), false),
        RunKind::Model { variant, .. } => (variant.size().as_str().to_string(), variant.use_kd()),
    };
    RunRecord {
        run_id: run.run_id.clone(),
        dataset: run.dataset.clone(),
        model_size,
        stage: run.kind.stage_name().to_string(),
        use_kd,
        status: kdgat_store::RunStatus::Pending,
        teacher_run: config.as_ref().and_then(teacher_run_id),
        started_at: None,
        completed_at: None,
        mlflow_run_id: None,
        config_json: config.map(|c| c.to_string()),
        sweep_id: Some(sweep.to_string()),
    }
}

/// A new attempt's record, as it is being submitted.
pub fn new_attempt(
    run: &PlannedRun,
    attempt: u32,
    job_name: String,
    gpus: u32,
    cpus: u32,
) -> AttemptRecord {
    AttemptRecord {
        run_id: run.run_id.clone(),
        attempt,
        job_name,
        attempt_dir: RunDir::new(&run.run_dir)
            .attempt_dir(attempt)
            .display()
            .to_string(),
        scheduler_job_id: None,
        state: "submitting".into(),
        exit: None,
        reason: None,
        node: None,
        submitted_at: Some(utc_now_iso8601()),
        started_at: None,
        ended_at: None,
        elapsed_seconds: None,
        gpus,
        cpus,
        decision: None,
    }
}

/// The events a state machine's effects record.
pub fn recorded(run_id: &str, effects: &[Effect]) -> Vec<(String, NewEvent)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Record(kind, detail) => Some((
                run_id.to_string(),
                NewEvent {
                    at: utc_now_iso8601(),
                    kind: (*kind).to_string(),
                    payload: json!({ "detail": detail }).to_string(),
                },
            )),
            _ => None,
        })
        .collect()
}

/// The run record after a transition to `phase`.
pub fn updated_record(book: &RunBook, phase: &Phase) -> RunRecord {
    let mut record = book.record.clone();
    record.status = phase.status();
    if matches!(phase, Phase::Running { .. }) && record.started_at.is_none() {
        record.started_at = Some(utc_now_iso8601());
    }
    if phase.is_final() {
        record.completed_at = Some(utc_now_iso8601());
    }
    record
}

/// The events read from the run's log as store events (the line as the payload).
pub fn log_events(run_id: &str, events: &[RunEvent]) -> Vec<(String, NewEvent)> {
    events
        .iter()
        .map(|e| {
            (
                run_id.to_string(),
                NewEvent {
                    at: utc_now_iso8601(),
                    kind: format!("job.{}", e.kind),
                    payload: serde_json::Value::Object(e.body.clone()).to_string(),
                },
            )
        })
        .collect()
}

/// The tracking operations that create the run in MLflow, nested under its sweep.
pub fn start_ops(
    sweep: &str,
    run: &PlannedRun,
    attempt: &AttemptRecord,
    now_ms: i64,
) -> Vec<TrackingOp> {
    let Some(parts) = parse_run_id(&run.run_id) else {
        return Vec::new();
    };
    let config = run
        .config
        .as_ref()
        .and_then(|c| serde_json::to_value(c).ok())
        .unwrap_or_default();
    let mut tags = run_tags(&parts, &config);
    tags.push(Tag::new("kdgat.sweep", sweep));
    tags.extend(attempt_tags(attempt));
    vec![TrackingOp::StartRun {
        run_key: run_key(sweep, &run.run_id),
        run_name: run.run_id.clone(),
        parent_key: Some(sweep_key(sweep)),
        start_time_ms: now_ms,
        tags,
        params: config_params(&config),
    }]
}

/// The attempt's tags: its number, batch job id and node.
pub fn attempt_tags(attempt: &AttemptRecord) -> Vec<Tag> {
    let mut tags = vec![Tag::new("attempt", attempt.attempt)];
    tags.extend(
        attempt
            .scheduler_job_id
            .as_ref()
            .map(|id| Tag::new("batch_job_id", id)),
    );
    tags.extend(attempt.node.as_ref().map(|node| Tag::new("node", node)));
    tags
}

/// Metric points as a tracking operation, if there are any.
pub fn metric_ops(sweep: &str, run_id: &str, points: Vec<MetricPoint>) -> Vec<TrackingOp> {
    if points.is_empty() {
        return Vec::new();
    }
    vec![TrackingOp::LogMetrics {
        run_key: run_key(sweep, run_id),
        points,
    }]
}

/// The epoch points of events read from the log.
pub fn epoch_ops(sweep: &str, run_id: &str, events: &[RunEvent]) -> Vec<TrackingOp> {
    metric_ops(sweep, run_id, epoch_points(events))
}

/// The operations that close a tracked run: evaluation metrics, artifacts, the last attempt's tags
/// (its batch job, node and exit status), status, end time. The status is the supervisor's
/// reading of the scheduler's final state, not what the job said of itself. Reads the run
/// directory (called off the async threads).
pub fn end_ops(
    sweep: &str,
    run: &PlannedRun,
    phase: &Phase,
    last: Option<&AttemptRecord>,
    now_ms: i64,
) -> Vec<TrackingOp> {
    let key = run_key(sweep, &run.run_id);
    let dir = RunDir::new(&run.run_dir);
    let mut ops = Vec::new();
    if dir.metrics().is_file() && Completion::of(dir.path()).is_finished() {
        if let Ok((doc, _)) = read_metrics(&dir.metrics()) {
            ops.extend(metric_ops(
                sweep,
                &run.run_id,
                evaluation_points(&doc, now_ms),
            ));
        }
    }
    let (status, tag) = match phase {
        Phase::Complete { .. } => (RunStatus::Finished, "complete"),
        Phase::Cancelled => (RunStatus::Killed, "cancelled"),
        _ => (RunStatus::Failed, "failed"),
    };
    if status == RunStatus::Finished {
        for name in dir.artifacts() {
            ops.push(TrackingOp::LogArtifact {
                run_key: key.clone(),
                artifact_path: name.to_string(),
                file: dir.file(name),
            });
        }
    }
    let mut tags = vec![Tag::new("status", tag)];
    if let Some(attempt) = last {
        tags.extend(attempt_tags(attempt));
        tags.extend(
            attempt
                .exit
                .as_ref()
                .map(|exit| Tag::new("exit_status", exit)),
        );
    }
    ops.push(TrackingOp::SetTags {
        run_key: key.clone(),
        tags,
    });
    ops.push(TrackingOp::EndRun {
        run_key: key,
        status,
        end_time_ms: now_ms,
    });
    ops
}

/// A finished run's outputs for the store: its metrics (an evaluation's `metrics.json`) and its
/// resource use (`benchmark.tsv`). Reads the run directory (called off the async threads).
pub fn outputs(change: &mut Change, run: &PlannedRun) {
    let dir = RunDir::new(&run.run_dir);
    if let Ok((doc, _)) = read_metrics(&dir.metrics()) {
        change
            .metrics
            .push((run.run_id.clone(), metric_records(&run.run_id, &doc)));
    }
    if let Ok(b) = Benchmark::read(&dir.benchmark()) {
        change.benchmarks.push(benchmark_record(&run.run_id, b));
    }
}

/// Queues operations in a change: each checked first; one the server would refuse is dropped with
/// a warning (the store keeps the run's events either way).
pub fn queue(change: &mut Change, ops: Vec<TrackingOp>) {
    for op in ops {
        match op.validate().map(|()| serde_json::to_string(&op)) {
            Ok(Ok(json)) => change.outbox.push(json),
            Ok(Err(e)) => tracing::warn!("tracking operation for {}: {e}", op.run_key()),
            Err(e) => tracing::warn!("tracking operation for {} not queued: {e}", op.run_key()),
        }
    }
}
