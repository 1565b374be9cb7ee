//! `events.jsonl`: one JSON object per line, appended and synced as things happen, by every attempt of
//! the run in turn. Each line has `kind` and `time_ms` (epoch milliseconds); the kinds the stages
//! write: `started` (`stage`, `host`, `device`), `epoch` (`step` = epoch or episode, `metrics`),
//! `checkpoint`, `resumed`, `preempted`, `failed` (`error`), `finished`, and stage-specific notes
//! (`fit`, `curriculum`, `states`, `evaluated`).
//!
//! [`EventLog`] writes it; [`EventTail`] follows it from a byte offset, the way the supervisor reads
//! each attempt's progress: only whole lines are consumed, so a line being written is read on the
//! next call, and a line that is not JSON is reported with its line number instead of stopping the
//! reader.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::layout::EVENTS;

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

/// The event log of one run directory, for writing.
#[derive(Debug, Clone)]
pub struct EventLog {
    path: PathBuf,
}

impl EventLog {
    /// The log `events.jsonl` in `run_dir`.
    pub fn new(run_dir: &Path) -> EventLog {
        EventLog {
            path: run_dir.join(EVENTS),
        }
    }

    /// Appends an event of `kind` with `fields` (an object; anything else adds no field).
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

    /// The `failed` event: the error, and whether its cause may pass if the job runs again
    /// ([`crate::transient`]).
    pub fn failed(&self, error: &str, transient: bool) -> std::io::Result<()> {
        self.append("failed", json!({ "error": error, "transient": transient }))
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

/// One event read back.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEvent {
    /// Its 1-based line in the file.
    pub line: u64,
    /// `started`, `epoch`, `finished`, …
    pub kind: String,
    /// When, if the line says.
    pub time_ms: Option<i64>,
    /// The whole object.
    pub body: Map<String, Value>,
}

impl RunEvent {
    /// Parses one line (its 1-based number `line`); the error says what is wrong with it.
    pub fn parse(line: u64, text: &str) -> Result<RunEvent, String> {
        let body: Map<String, Value> = match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("not a JSON object".into()),
            Err(e) => return Err(e.to_string()),
        };
        let kind = body
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("no `kind` string")?
            .to_string();
        let time_ms = body.get("time_ms").and_then(Value::as_i64);
        Ok(RunEvent {
            line,
            kind,
            time_ms,
            body,
        })
    }

    /// An `epoch` event's step and numeric metrics.
    pub fn epoch_metrics(&self) -> Option<(i64, Vec<(String, f64)>)> {
        if self.kind != "epoch" {
            return None;
        }
        let step = self.body.get("step").and_then(Value::as_i64).unwrap_or(0);
        let metrics = self
            .body
            .get("metrics")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
            .collect();
        Some((step, metrics))
    }

    /// A string field.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.body.get(field).and_then(Value::as_str)
    }

    /// A boolean field; `false` when absent.
    pub fn flag(&self, field: &str) -> bool {
        self.body
            .get(field)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Whether it starts or ends an attempt: `started`, `finished`, `failed` or `preempted`.
    pub fn is_lifecycle(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "started" | "finished" | "failed" | "preempted"
        )
    }
}

/// Reads a whole event log; a bad line is an error naming the file and line. A missing file has
/// no events.
pub fn read_events(path: &Path) -> Result<Vec<RunEvent>, String> {
    let read = EventTail::new(path).read_from(0)?;
    match read.bad_lines.first() {
        Some((line, why)) => Err(format!("{}:{line}: {why}", path.display())),
        None => Ok(read.events),
    }
}

/// What one read of the log found past an offset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TailRead {
    /// The events of the whole lines read.
    pub events: Vec<RunEvent>,
    /// Lines that are not events: `(line number, why)`.
    pub bad_lines: Vec<(u64, String)>,
    /// The offset after the last whole line: where the next read starts.
    pub offset: u64,
    /// Lines before `offset`.
    pub lines: u64,
    /// The file was shorter than the offset (rewritten): it was read from the start.
    pub restarted: bool,
}

/// Follows an event log from a byte offset.
#[derive(Debug, Clone)]
pub struct EventTail {
    path: PathBuf,
}

impl EventTail {
    /// Follows the log at `path`.
    pub fn new(path: &Path) -> EventTail {
        EventTail {
            path: path.to_path_buf(),
        }
    }

    /// The whole lines after byte `offset` (from the start of the file: line 1).
    pub fn read_from(&self, offset: u64) -> Result<TailRead, String> {
        self.read(offset, 0)
    }

    /// The whole lines after byte `offset`, which follows line `lines`.
    pub fn read(&self, offset: u64, lines: u64) -> Result<TailRead, String> {
        let where_ = || self.path.display().to_string();
        let mut file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TailRead {
                    offset,
                    lines,
                    ..TailRead::default()
                });
            }
            Err(e) => return Err(format!("{}: {e}", where_())),
        };
        let len = file
            .metadata()
            .map_err(|e| format!("{}: {e}", where_()))?
            .len();
        let (start, mut line, restarted) = if len < offset {
            (0, 0, true)
        } else {
            (offset, lines, false)
        };
        file.seek(SeekFrom::Start(start))
            .map_err(|e| format!("{}: {e}", where_()))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("{}: {e}", where_()))?;
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut read = TailRead {
            offset: start + whole as u64,
            restarted,
            ..TailRead::default()
        };
        for raw in bytes[..whole].split_inclusive(|&b| b == b'\n') {
            line += 1;
            let text = String::from_utf8_lossy(raw);
            if text.trim().is_empty() {
                continue;
            }
            match RunEvent::parse(line, text.trim_end()) {
                Ok(event) => read.events.push(event),
                Err(why) => read.bad_lines.push((line, why)),
            }
        }
        read.lines = line;
        Ok(read)
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
