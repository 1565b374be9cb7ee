//! A run's `events.jsonl`: one JSON object per line, appended and flushed as things happen —
//! `started` (with `host`), `epoch` (`step` = epoch, `metrics`), `checkpoint`, `preempted`,
//! `finished`, `failed`; each with `time_ms`. The tracking import reads the `epoch` lines as
//! per-epoch metrics.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// The event log of one run directory.
#[derive(Debug, Clone)]
pub struct EventLog {
    path: PathBuf,
}

/// Epoch milliseconds now.
pub fn now_ms() -> i64 {
    i64::try_from(
        std::time::UNIX_EPOCH
            .elapsed()
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX)
}

impl EventLog {
    /// The log `events.jsonl` in `run_dir`.
    pub fn new(run_dir: &Path) -> EventLog {
        EventLog {
            path: run_dir.join("events.jsonl"),
        }
    }

    /// Appends an event of `kind` with `fields`.
    pub fn append(&self, kind: &str, fields: Value) -> std::io::Result<()> {
        let mut event = Map::new();
        event.insert("kind".into(), json!(kind));
        event.insert("time_ms".into(), json!(now_ms()));
        if let Value::Object(extra) = fields {
            event.extend(extra);
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(format!("{}\n", Value::Object(event)).as_bytes())?;
        file.sync_data()
    }

    /// The `epoch` event: `step` = epoch, and the epoch's metrics.
    pub fn epoch(&self, epoch: u32, metrics: &[(&str, f64)]) -> std::io::Result<()> {
        let metrics: Map<String, Value> = metrics
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        self.append("epoch", json!({ "step": epoch, "metrics": metrics }))
    }
}
