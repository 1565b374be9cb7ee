//! The records the store keeps. Field meanings follow the reference's project database where a
//! table there has the same thing (`datasets`, `runs`, `metrics`).

use serde::{Deserialize, Serialize};

/// A run's status, as the reference's `runs.status` spells it, plus `pending` (waiting for the
/// runs it depends on) and `cancelled`. New variants go at the end: records store the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Submitted or executing.
    Running,
    /// Finished successfully.
    Complete,
    /// Finished unsuccessfully (or cannot run: a run it depends on failed).
    Failed,
    /// Not known (a backfilled run with no outputs).
    Unknown,
    /// Planned, waiting for the runs it depends on.
    Pending,
    /// Cancelled by the user.
    Cancelled,
}

impl RunStatus {
    /// The text stored in SQLite.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Complete => "complete",
            RunStatus::Failed => "failed",
            RunStatus::Unknown => "unknown",
            RunStatus::Pending => "pending",
            RunStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the run is over (complete, failed or cancelled).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Complete | RunStatus::Failed | RunStatus::Cancelled
        )
    }
}

/// A dataset (the reference's `datasets` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[expect(missing_docs, reason = "the reference's `datasets` columns")]
pub struct DatasetRecord {
    pub name: String,
    pub domain: String,
    pub protocol: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
    pub num_files: Option<i64>,
    pub num_samples: Option<i64>,
    pub num_graphs: Option<i64>,
    pub num_unique_ids: Option<i64>,
    /// JSON list of attack types.
    pub attack_types: Option<String>,
    pub added_by: Option<String>,
    pub added_date: Option<String>,
    pub cache_valid: bool,
    pub parquet_path: Option<String>,
}

/// A sweep: the runs one `kdgat submit` launched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRecord {
    /// Its id.
    pub sweep_id: String,
    /// When it was created.
    pub created_at: String,
    /// The command line or description that created it.
    pub description: String,
    /// Its plan as JSON (the orchestrator's; the store keeps it as it is given).
    pub plan_json: String,
    /// `active`, `finished`, `failed` or `cancelled`.
    pub state: String,
    /// When it ended, UTC ISO 8601.
    pub ended_at: Option<String>,
}

/// A run (the reference's `runs` row, plus ours).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// `dataset/size_stage[_kd]`.
    pub run_id: String,
    /// The dataset.
    pub dataset: String,
    /// `teacher` or `student`.
    pub model_size: String,
    /// The stage.
    pub stage: String,
    /// Whether the run distils from a teacher.
    pub use_kd: bool,
    /// Its status.
    pub status: RunStatus,
    /// The teacher's run id (`dataset/run`), if any.
    pub teacher_run: Option<String>,
    /// UTC ISO 8601.
    pub started_at: Option<String>,
    /// UTC ISO 8601.
    pub completed_at: Option<String>,
    /// The MLflow run id, once created.
    pub mlflow_run_id: Option<String>,
    /// The full flat config as JSON.
    pub config_json: Option<String>,
    /// The sweep it belongs to, if launched by one.
    pub sweep_id: Option<String>,
}

/// One execution of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// The run.
    pub run_id: String,
    /// 1-based attempt number.
    pub attempt: u32,
    /// The batch job's name, unique per attempt (finds it again after a supervisor crash).
    pub job_name: String,
    /// The attempt directory.
    pub attempt_dir: String,
    /// The scheduler's job id, once submitted.
    pub scheduler_job_id: Option<String>,
    /// `submitting`, `queued`, `running`, `completed`, `failed`, … (the orchestrator's names).
    pub state: String,
    /// Exit status `code:signal`, once known.
    pub exit: Option<String>,
    /// The scheduler's reason (pending reason, failure cause), if any.
    pub reason: Option<String>,
    /// The node it ran on, if known.
    pub node: Option<String>,
    /// UTC ISO 8601.
    pub submitted_at: Option<String>,
    /// UTC ISO 8601.
    pub started_at: Option<String>,
    /// UTC ISO 8601.
    pub ended_at: Option<String>,
    /// Wall seconds.
    pub elapsed_seconds: Option<f64>,
    /// GPUs allocated.
    pub gpus: u32,
    /// CPUs allocated.
    pub cpus: u32,
    /// What the supervisor decided when it ended (`time limit: resumed from its checkpoint`,
    /// `out of memory: gave up after 2 retries`); none for one that completed.
    pub decision: Option<String>,
}

/// One entry of a run's event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The run.
    pub run_id: String,
    /// Its place in the store's order of events (increasing, not contiguous).
    pub seq: u64,
    /// UTC ISO 8601.
    pub at: String,
    /// `started`, `epoch`, `checkpoint`, `finished`, `failed`, `retry`, …
    pub kind: String,
    /// Details as JSON.
    pub payload: String,
}

/// How far the supervisor has followed a run's `events.jsonl`, and what it last said: written in
/// the same transaction as the events and tracking operations it read, so nothing read is lost or
/// read twice across a crash.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FollowRecord {
    /// The run.
    pub run_id: String,
    /// Bytes of the log consumed.
    pub offset: u64,
    /// Lines of the log consumed.
    pub lines: u64,
    /// The last epoch (or episode) seen.
    pub last_step: Option<i64>,
    /// That epoch's metrics, as a JSON object.
    pub last_metrics: Option<String>,
    /// When the last event was written, epoch milliseconds.
    pub last_event_ms: Option<i64>,
}

/// An event to append to a run's log: when (UTC ISO 8601), its kind and JSON details.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// UTC ISO 8601.
    pub at: String,
    /// `started`, `epoch`, `submitted`, `retry`, …
    pub kind: String,
    /// Details as JSON.
    pub payload: String,
}

/// One metric value (the reference's `metrics` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRecord {
    /// The run.
    pub run_id: String,
    /// `gat`, `vgae` or `fusion`.
    pub model: String,
    /// `val` or a test scenario.
    pub scenario: String,
    /// The metric.
    pub metric_name: String,
    /// Its value.
    pub value: f64,
}

/// A run's resource use as Snakemake's `benchmark.tsv` records it (its first data row, read by the
/// run-directory contract); `None` where the file has `-` or `NA`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[expect(
    missing_docs,
    reason = "Snakemake's benchmark columns: s, h:m:s, max_rss, …, cpu_time"
)]
pub struct BenchmarkRecord {
    pub run_id: String,
    pub s: Option<f64>,
    pub hms: Option<String>,
    pub max_rss: Option<f64>,
    pub max_vms: Option<f64>,
    pub max_uss: Option<f64>,
    pub max_pss: Option<f64>,
    pub io_in: Option<f64>,
    pub io_out: Option<f64>,
    pub mean_load: Option<f64>,
    pub cpu_time: Option<f64>,
}

/// A queued MLflow operation the server refused, kept out of the queue until it is retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetAsideRecord {
    /// Its position in the outbox when it was refused.
    pub seq: u64,
    /// Its run.
    pub run_key: String,
    /// The operation, as queued.
    pub operation_json: String,
    /// The server's answer (credentials blanked).
    pub error: String,
    /// When it was set aside (UTC, ISO 8601).
    pub at: String,
}

/// Where a tracked run lives on the MLflow server: the tracking drain's map from our run key (the
/// `kdgat.run_key` tag) to the server's ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedRun {
    /// Our key for the run (`kdgat.run_key`).
    pub run_key: String,
    /// The server's run id.
    pub mlflow_run_id: String,
    /// The server's experiment id.
    pub experiment_id: String,
    /// The run's artifact root (`mlflow-artifacts:/…`).
    pub artifact_uri: String,
}

/// How far a tracked run's metrics have been delivered: per metric key, the highest step the server
/// is known to hold, and the batch in flight (sent, outcome not yet known) if any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricMarks {
    /// Our key for the run.
    pub run_key: String,
    /// `(metric key, highest delivered step)`, sorted by key.
    pub delivered: Vec<(String, i64)>,
    /// The batch sent last whose delivery is not confirmed.
    pub in_flight: Option<InFlightBatch>,
}

/// A metric batch that was sent but not acknowledged. MLflow applies a batch all or nothing, so one
/// point of it (the probe) present on the server means all of it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlightBatch {
    /// The probe's metric key.
    pub probe_key: String,
    /// The probe's step.
    pub probe_step: i64,
    /// The marks the batch reaches once delivered: `(metric key, highest step in the batch)`.
    pub reaches: Vec<(String, i64)>,
}

impl MetricMarks {
    /// The highest delivered step of `key`.
    pub fn delivered_step(&self, key: &str) -> Option<i64> {
        self.delivered
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.delivered[i].1)
    }

    /// Raises the marks to those a delivered batch reaches.
    pub fn advance(&mut self, reaches: &[(String, i64)]) {
        for (key, step) in reaches {
            match self
                .delivered
                .binary_search_by(|(k, _)| k.as_str().cmp(key))
            {
                Ok(i) => self.delivered[i].1 = self.delivered[i].1.max(*step),
                Err(i) => self.delivered.insert(i, (key.clone(), *step)),
            }
        }
    }
}
