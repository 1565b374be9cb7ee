//! The tracking component (DESIGN.md's tracking actor): delivers the store's MLflow outbox in order,
//! exactly once, and survives server outages and its own restarts.
//!
//! - Runs: found by their `kdgat.run_key` tag before one is created; creation is retried only after
//!   looking again, so a lost reply never makes a second run.
//! - Params and tags: the server applies them idempotently; retried freely.
//! - Metrics: per run, the store keeps the highest delivered step of each key. Before a batch is
//!   sent, the marks it will reach are stored as *in flight*; a success raises the marks. After a
//!   failure whose outcome is unknown (timeout, broken connection, 5xx) or a restart, the in-flight
//!   batch is settled by asking the server for one of its points: MLflow applies a batch all or
//!   nothing, so that point tells whether the whole batch landed. Nothing is sent twice, nothing
//!   is dropped. A run found on the server but unknown to the store (the store was rebuilt)
//!   starts from the server's latest step of each key.
//! - A transient failure stops the drain with the operation still queued, and so does a failure of
//!   the setup (credentials refused, a reply that is not MLflow's, the experiment): no operation is
//!   at fault, none leaves the queue. Only the server's refusal of the operation itself
//!   ([`TrackingError::is_refusal`]) sets it aside — out of the queue, kept with the server's
//!   message, and recorded as a `mlflow_rejected` event of the run — and the drain goes on;
//!   [`Store::retry_set_aside`] queues set-aside operations again.

use kdgat_store::{InFlightBatch, MetricMarks, SetAsideRecord, Store, TrackedRun};
use serde_json::json;

use crate::client::MlflowClient;
use crate::error::TrackingError;
use crate::limits::{Batch, batches};
use crate::ops::{MetricPoint, RUN_KEY_TAG, TrackingOp};
use crate::wire::{Metric, Param, Run, Tag};

/// What one drain did.
#[derive(Debug, Default)]
pub struct DrainReport {
    /// Operations delivered and removed from the queue.
    pub delivered: usize,
    /// Metric points sent.
    pub points_sent: usize,
    /// Metric points skipped because the server already held them.
    pub points_already_there: usize,
    /// Operations the server refused (set aside: out of the queue, kept for a retry).
    pub rejected: Vec<Rejected>,
}

/// An operation the server refused.
#[derive(Debug)]
pub struct Rejected {
    /// Its outbox position.
    pub seq: u64,
    /// Its run.
    pub run_key: String,
    /// Why.
    pub message: String,
}

/// Delivers the outbox of one store to one server.
pub struct Drainer<'a> {
    client: &'a MlflowClient,
    store: &'a Store,
    experiment: String,
    experiment_id: Option<String>,
    now: fn() -> String,
}

impl<'a> Drainer<'a> {
    /// A drainer creating runs in `experiment`; `now` gives the time of the events it records.
    pub fn new(
        client: &'a MlflowClient,
        store: &'a Store,
        experiment: &str,
        now: fn() -> String,
    ) -> Drainer<'a> {
        Drainer {
            client,
            store,
            experiment: experiment.to_string(),
            experiment_id: None,
            now,
        }
    }

    /// Delivers every queued operation, oldest first. Stops at the first failure that is not the
    /// server's refusal of that operation (the rest stays queued for the next call) and returns it.
    pub async fn drain(&mut self) -> Result<DrainReport, TrackingError> {
        let mut report = DrainReport::default();
        for (seq, json) in self.store.outbox()? {
            let op = match serde_json::from_str::<TrackingOp>(&json) {
                Ok(op) => op,
                Err(e) => {
                    self.set_aside(&mut report, seq, "?", &json, format!("unreadable: {e}"))?;
                    continue;
                }
            };
            match self.apply(&op, &mut report).await {
                Ok(()) => {
                    self.store.ack_outbox(seq)?;
                    report.delivered += 1;
                }
                Err(e) if e.is_refusal() => {
                    self.set_aside(&mut report, seq, op.run_key(), &json, e.to_string())?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    fn set_aside(
        &self,
        report: &mut DrainReport,
        seq: u64,
        run_key: &str,
        op_json: &str,
        message: String,
    ) -> Result<(), TrackingError> {
        tracing::warn!("MLflow refused an operation for {run_key}: {message}");
        let at = (self.now)();
        let payload = json!({ "operation": op_json, "error": message }).to_string();
        self.store
            .append_event(run_key, &at, "mlflow_rejected", &payload)?;
        self.store.set_aside_outbox(&SetAsideRecord {
            seq,
            run_key: run_key.to_string(),
            operation_json: op_json.to_string(),
            error: message.clone(),
            at,
        })?;
        report.rejected.push(Rejected {
            seq,
            run_key: run_key.to_string(),
            message,
        });
        Ok(())
    }

    async fn apply(
        &mut self,
        op: &TrackingOp,
        report: &mut DrainReport,
    ) -> Result<(), TrackingError> {
        match op {
            TrackingOp::StartRun {
                run_key,
                run_name,
                parent_key,
                start_time_ms,
                tags,
                params,
            } => {
                let run = self
                    .start_run(run_key, run_name, parent_key.as_deref(), *start_time_ms)
                    .await?;
                self.log_idempotent(&run, params.clone(), tags.clone())
                    .await
            }
            TrackingOp::LogMetrics { run_key, points } => {
                let run = self.tracked(run_key).await?;
                self.log_metrics(&run, points, report).await
            }
            TrackingOp::SetTags { run_key, tags } => {
                let run = self.tracked(run_key).await?;
                self.log_idempotent(&run, Vec::new(), tags.clone()).await
            }
            TrackingOp::LogArtifact {
                run_key,
                artifact_path,
                file,
            } => {
                let run = self.tracked(run_key).await?;
                let bytes = tokio::fs::read(file)
                    .await
                    .map_err(|source| TrackingError::Io {
                        path: file.clone(),
                        source,
                    })?;
                self.client
                    .upload_artifact(&run.artifact_uri, artifact_path, bytes)
                    .await
            }
            TrackingOp::EndRun {
                run_key,
                status,
                end_time_ms,
            } => {
                let run = self.tracked(run_key).await?;
                self.client
                    .update_run(&run.mlflow_run_id, *status, Some(*end_time_ms))
                    .await
                    .map(drop)
            }
        }
    }

    async fn experiment_id(&mut self) -> Result<String, TrackingError> {
        if let Some(id) = &self.experiment_id {
            return Ok(id.clone());
        }
        // Whatever goes wrong here, no operation is at fault.
        let id = self
            .client
            .experiment_id(&self.experiment)
            .await
            .map_err(|source| TrackingError::Experiment {
                name: self.experiment.clone(),
                source: Box::new(source),
            })?;
        self.experiment_id = Some(id.clone());
        Ok(id)
    }

    /// The server's run for `run_key`: from the store, else found by tag (and remembered).
    async fn tracked(&mut self, run_key: &str) -> Result<TrackedRun, TrackingError> {
        if let Some(run) = self.store.tracked_run(run_key)? {
            return Ok(run);
        }
        let experiment_id = self.experiment_id().await?;
        match self
            .client
            .find_run_by_tag(&experiment_id, RUN_KEY_TAG, run_key)
            .await?
        {
            Some(run) => self.remember(run_key, &run),
            None => Err(TrackingError::Invalid {
                field: format!("run {run_key:?}"),
                message: "was never started on the tracking server".into(),
            }),
        }
    }

    /// Records where a run found or created on the server lives. A run this store has no marks for
    /// (found after the store was lost or rebuilt) starts from the server's latest step per key.
    fn remember(&self, run_key: &str, found: &Run) -> Result<TrackedRun, TrackingError> {
        let info = &found.info;
        let mut marks = self.store.metric_marks(run_key)?;
        if marks.delivered.is_empty() && marks.in_flight.is_none() && !found.data.metrics.is_empty()
        {
            let latest: Vec<(String, i64)> = found
                .data
                .metrics
                .iter()
                .map(|m| (m.key.clone(), m.step))
                .collect();
            marks.advance(&latest);
            self.store.put_metric_marks(&marks)?;
        }
        let run = TrackedRun {
            run_key: run_key.to_string(),
            mlflow_run_id: info.run_id.clone(),
            experiment_id: info.experiment_id.clone(),
            artifact_uri: info.artifact_uri.clone(),
        };
        self.store.put_tracked_run(&run)?;
        Ok(run)
    }

    async fn start_run(
        &mut self,
        run_key: &str,
        run_name: &str,
        parent_key: Option<&str>,
        start_time_ms: i64,
    ) -> Result<TrackedRun, TrackingError> {
        if let Some(run) = self.store.tracked_run(run_key)? {
            return Ok(run);
        }
        let experiment_id = self.experiment_id().await?;
        let mut tags = vec![Tag::new(RUN_KEY_TAG, run_key)];
        if let Some(parent) = parent_key {
            let parent = self.tracked(parent).await?;
            tags.push(Tag::new("mlflow.parentRunId", parent.mlflow_run_id));
        }
        let client = self.client;
        let (experiment_id, tags) = (&experiment_id, &tags);
        // Each attempt looks for the run first: a creation whose reply was lost is found, not
        // repeated.
        let run = client
            .with_retries(|| async move {
                if let Some(run) = client
                    .find_run_by_tag(experiment_id, RUN_KEY_TAG, run_key)
                    .await?
                {
                    return Ok(run);
                }
                client
                    .create_run_once(experiment_id, run_name, start_time_ms, tags)
                    .await
            })
            .await?;
        self.remember(run_key, &run)
    }

    async fn log_idempotent(
        &self,
        run: &TrackedRun,
        params: Vec<Param>,
        tags: Vec<Tag>,
    ) -> Result<(), TrackingError> {
        for batch in batches(Vec::new(), params, tags) {
            self.client.log_batch(&run.mlflow_run_id, &batch).await?;
        }
        Ok(())
    }

    async fn log_metrics(
        &mut self,
        run: &TrackedRun,
        points: &[MetricPoint],
        report: &mut DrainReport,
    ) -> Result<(), TrackingError> {
        let mut marks = self.store.metric_marks(&run.run_key)?;
        self.settle_in_flight(run, &mut marks).await?;
        let fresh: Vec<Metric> = points
            .iter()
            .filter(|p| {
                marks
                    .delivered_step(&p.key)
                    .is_none_or(|done| p.step > done)
            })
            .map(|p| Metric {
                key: p.key.clone(),
                value: p.value,
                timestamp: p.timestamp_ms,
                step: p.step,
            })
            .collect();
        report.points_already_there += points.len() - fresh.len();
        for batch in batches(fresh, Vec::new(), Vec::new()) {
            self.send_metrics(run, &batch, &mut marks).await?;
            report.points_sent += batch.metrics.len();
        }
        Ok(())
    }

    /// Sends one metric batch until it is known to have landed.
    async fn send_metrics(
        &self,
        run: &TrackedRun,
        batch: &Batch,
        marks: &mut MetricMarks,
    ) -> Result<(), TrackingError> {
        let Some(probe) = batch.metrics.last() else {
            return Ok(());
        };
        let mut reaches: Vec<(String, i64)> = Vec::new();
        for m in &batch.metrics {
            match reaches.iter_mut().find(|(k, _)| *k == m.key) {
                Some((_, step)) => *step = (*step).max(m.step),
                None => reaches.push((m.key.clone(), m.step)),
            }
        }
        let flight = InFlightBatch {
            probe_key: probe.key.clone(),
            probe_step: probe.step,
            reaches,
        };
        marks.in_flight = Some(flight.clone());
        self.store.put_metric_marks(marks)?;
        let mut failed = 0;
        loop {
            match self.client.log_batch_once(&run.mlflow_run_id, batch).await {
                Ok(()) => {
                    if let Some(flight) = marks.in_flight.take() {
                        marks.advance(&flight.reaches);
                    }
                    self.store.put_metric_marks(marks)?;
                    return Ok(());
                }
                Err(error) => {
                    failed += 1;
                    let outcome_unknown = error.outcome_unknown();
                    if let Err(error) = self.client.back_off(failed, error).await {
                        if !error.is_transient() {
                            // Refused: the batch did not land.
                            marks.in_flight = None;
                            self.store.put_metric_marks(marks)?;
                        }
                        // Otherwise the batch stays in flight: the next drain settles it first.
                        return Err(error);
                    }
                    if outcome_unknown {
                        if self.settle_in_flight(run, marks).await? {
                            return Ok(());
                        }
                        // It had not landed: in flight again before it is resent.
                        marks.in_flight = Some(flight.clone());
                        self.store.put_metric_marks(marks)?;
                    }
                }
            }
        }
    }

    /// Settles the batch in flight, if any: returns whether it had landed (marks raised).
    async fn settle_in_flight(
        &self,
        run: &TrackedRun,
        marks: &mut MetricMarks,
    ) -> Result<bool, TrackingError> {
        let Some(flight) = marks.in_flight.clone() else {
            return Ok(false);
        };
        let history = self
            .client
            .metric_history(&run.mlflow_run_id, &flight.probe_key)
            .await?;
        let landed = history.iter().any(|m| m.step == flight.probe_step);
        if landed {
            marks.advance(&flight.reaches);
        }
        marks.in_flight = None;
        self.store.put_metric_marks(marks)?;
        tracing::debug!(
            "batch in flight for {} {}",
            run.run_key,
            if landed {
                "had landed"
            } else {
                "had not landed: resending"
            }
        );
        Ok(landed)
    }
}
