//! What the daemon queues for MLflow: one [`TrackingOp`] per outbox entry, as JSON. Operations are
//! checked when queued (keys, value lengths), so the drain only meets server-side refusals.
//!
//! A run is named by our *run key* (also its `kdgat.run_key` tag on the server). A metric key's
//! steps must increase over a run (epochs, episodes; evaluation metrics use step 0 once): the
//! drain's per-(key, step) high-water marks depend on it.

use std::path::PathBuf;

use kdgat_store::Store;
use serde::{Deserialize, Serialize};

use crate::error::TrackingError;
use crate::limits::{check_key, check_param, check_tag};
use crate::wire::{MetricValue, Param, RunStatus, Tag};

/// The tag that identifies a run across retries and restarts.
pub const RUN_KEY_TAG: &str = "kdgat.run_key";

/// One metric point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// The key.
    pub key: String,
    /// The value (NaN and infinities allowed: they travel as MLflow's strings).
    pub value: MetricValue,
    /// The step.
    pub step: i64,
    /// Epoch milliseconds.
    pub timestamp_ms: i64,
}

/// One queued tracking operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TrackingOp {
    /// Creates the run if the server has none with this key, then logs its params and tags.
    StartRun {
        /// Our key.
        run_key: String,
        /// The name shown in the UI.
        run_name: String,
        /// The parent run's key (a sweep), started before.
        parent_key: Option<String>,
        /// Epoch milliseconds.
        start_time_ms: i64,
        /// Tags.
        tags: Vec<Tag>,
        /// Params.
        params: Vec<Param>,
    },
    /// Metric points, delivered exactly once.
    LogMetrics {
        /// Our key.
        run_key: String,
        /// The points.
        points: Vec<MetricPoint>,
    },
    /// Sets tags.
    SetTags {
        /// Our key.
        run_key: String,
        /// The tags.
        tags: Vec<Tag>,
    },
    /// Uploads a local file as an artifact (read when delivered).
    LogArtifact {
        /// Our key.
        run_key: String,
        /// Path under the run's artifact root.
        artifact_path: String,
        /// The local file.
        file: PathBuf,
    },
    /// Sets the final status and end time.
    EndRun {
        /// Our key.
        run_key: String,
        /// `FINISHED`, `FAILED` or `KILLED`.
        status: RunStatus,
        /// Epoch milliseconds.
        end_time_ms: i64,
    },
}

impl TrackingOp {
    /// The run it concerns.
    pub fn run_key(&self) -> &str {
        match self {
            TrackingOp::StartRun { run_key, .. }
            | TrackingOp::LogMetrics { run_key, .. }
            | TrackingOp::SetTags { run_key, .. }
            | TrackingOp::LogArtifact { run_key, .. }
            | TrackingOp::EndRun { run_key, .. } => run_key,
        }
    }

    /// Checks keys and value lengths against the server's rules.
    pub fn validate(&self) -> Result<(), TrackingError> {
        check_tag(&Tag::new(RUN_KEY_TAG, self.run_key()))?;
        if self.run_key().contains(['\'', '\\']) {
            return Err(TrackingError::Invalid {
                field: format!("run key {:?}", self.run_key()),
                message: "must not contain quotes or backslashes".into(),
            });
        }
        match self {
            TrackingOp::StartRun {
                run_name,
                parent_key,
                tags,
                params,
                ..
            } => {
                check_tag(&Tag::new("mlflow.runName", run_name))?;
                if let Some(parent) = parent_key {
                    check_tag(&Tag::new(RUN_KEY_TAG, parent))?;
                }
                tags.iter().try_for_each(check_tag)?;
                params.iter().try_for_each(check_param)
            }
            TrackingOp::LogMetrics { points, .. } => {
                points.iter().try_for_each(|p| check_key("metric", &p.key))
            }
            TrackingOp::SetTags { tags, .. } => tags.iter().try_for_each(check_tag),
            TrackingOp::LogArtifact { artifact_path, .. } => {
                check_key("artifact path", artifact_path)
            }
            TrackingOp::EndRun { status, .. } => match status {
                RunStatus::Finished | RunStatus::Failed | RunStatus::Killed => Ok(()),
                other => Err(TrackingError::Invalid {
                    field: "end status".into(),
                    message: format!("{other:?} is not a final status"),
                }),
            },
        }
    }

    /// Checks the operation and queues it in the store's outbox; returns its position.
    pub fn enqueue(&self, store: &Store) -> Result<u64, TrackingError> {
        self.validate()?;
        let json = serde_json::to_string(self).map_err(|e| TrackingError::Invalid {
            field: format!("operation for {}", self.run_key()),
            message: e.to_string(),
        })?;
        Ok(store.push_outbox(&json)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_round_trip_as_json() {
        let op = TrackingOp::LogMetrics {
            run_key: "s/hcrl_sa/teacher_autoencoder".into(),
            points: vec![MetricPoint {
                key: "val_loss".into(),
                value: MetricValue(f64::NAN),
                step: 3,
                timestamp_ms: 9,
            }],
        };
        let json = serde_json::to_string(&op).unwrap();
        assert!(json.starts_with(r#"{"op":"log_metrics""#), "{json}");
        assert!(json.contains(r#""value":"NaN""#), "{json}");
        let TrackingOp::LogMetrics { points, .. } = serde_json::from_str(&json).unwrap() else {
            panic!("not log_metrics: {json}");
        };
        assert!(points[0].value.0.is_nan() && points[0].step == 3);
    }

    #[test]
    fn bad_keys_and_long_params_are_refused_when_queued() {
        let start = |params: Vec<Param>| TrackingOp::StartRun {
            run_key: "k".into(),
            run_name: "n".into(),
            parent_key: None,
            start_time_ms: 0,
            tags: vec![],
            params,
        };
        start(vec![Param {
            key: "lr".into(),
            value: "0.1".into(),
        }])
        .validate()
        .unwrap();
        let err = start(vec![Param {
            key: "lr".into(),
            value: "9".repeat(7000),
        }])
        .validate()
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"lr\""), "{err}");
        let err = TrackingOp::SetTags {
            run_key: "it's".into(),
            tags: vec![],
        }
        .validate()
        .unwrap_err()
        .to_string();
        assert!(err.contains("it's"), "{err}");
        assert!(
            TrackingOp::EndRun {
                run_key: "k".into(),
                status: RunStatus::Running,
                end_time_ms: 0
            }
            .validate()
            .is_err()
        );
    }
}
