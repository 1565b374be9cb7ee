//! What "finished" means for a run directory, in one place.
//!
//! - A resumable checkpoint (`resume.json`) means the run was interrupted: never finished, whatever
//!   else is there (an improving epoch writes `best_model.safetensors` long before the end).
//! - Otherwise, when the directory has an event log (ours), the last lifecycle event decides: the
//!   run finished if its last attempt wrote `finished` after its `started`.
//! - A directory without an event log is the reference pipeline's: finished when it has its
//!   outputs (a checkpoint or `metrics.json`), as the reference's `populate()` decided.

use std::path::Path;

use super::events::read_events;
use super::layout::{BEST_CHECKPOINT, CONFIG, EVENTS, LEGACY_CHECKPOINT, METRICS, RESUME};

/// Where a run directory stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// Its last attempt finished.
    Finished,
    /// Stopped with a resumable checkpoint (preempted, timed out): run again, it resumes.
    Interrupted,
    /// Its last attempt failed: the `failed` event's error, and whether the job called its cause
    /// transient.
    Failed {
        /// The error.
        error: String,
        /// Whether it may pass if the run goes again.
        transient: bool,
    },
    /// Started, not ended: running, or killed without a word.
    Unfinished,
    /// Nothing of a run there.
    NotStarted,
}

impl Completion {
    /// Reads the run directory at `dir`. An unreadable event log counts as unfinished: the run
    /// cannot be trusted to have finished.
    pub fn of(dir: &Path) -> Completion {
        if dir.join(RESUME).exists() {
            return Completion::Interrupted;
        }
        let events = dir.join(EVENTS);
        if events.exists() {
            let Ok(events) = read_events(&events) else {
                return Completion::Unfinished;
            };
            let last = events.iter().rev().find(|e| e.is_lifecycle());
            return match last.map(|e| e.kind.as_str()) {
                Some("finished") => Completion::Finished,
                Some("preempted") => Completion::Interrupted,
                Some("failed") => Completion::Failed {
                    error: last
                        .and_then(|e| e.text("error"))
                        .unwrap_or("failed")
                        .to_string(),
                    transient: last.is_some_and(|e| e.flag("transient")),
                },
                _ => Completion::Unfinished,
            };
        }
        if [LEGACY_CHECKPOINT, BEST_CHECKPOINT, METRICS]
            .iter()
            .any(|f| dir.join(f).is_file())
        {
            Completion::Finished
        } else if dir.join(CONFIG).is_file() {
            Completion::Unfinished
        } else {
            Completion::NotStarted
        }
    }

    /// Whether the run finished.
    pub fn is_finished(&self) -> bool {
        *self == Completion::Finished
    }
}

/// When the run in `dir` last finished (its `finished` event's time), if its last attempt did: an
/// opaque stamp that changes whenever the run finishes again. `None` for an unfinished run and for
/// the reference pipeline's directories (no events).
pub fn finish_stamp(dir: &Path) -> Option<String> {
    finished_at_ms(dir).map(|ms| ms.to_string())
}

/// When the run in `dir` last finished, in epoch milliseconds (its `finished` event's time; 0 for
/// one without a time), if its last attempt did.
pub fn finished_at_ms(dir: &Path) -> Option<i64> {
    let events = read_events(&dir.join(EVENTS)).ok()?;
    let last = events.iter().rev().find(|e| e.is_lifecycle())?;
    (last.kind == "finished").then(|| last.time_ms.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_dir::EventLog;
    use serde_json::json;

    #[test]
    fn an_interrupted_run_with_a_best_checkpoint_is_not_finished() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert_eq!(Completion::of(d), Completion::NotStarted);
        let log = EventLog::new(d);
        log.append("started", json!({})).unwrap();
        std::fs::write(d.join(BEST_CHECKPOINT), "weights").unwrap();
        assert_eq!(Completion::of(d), Completion::Unfinished);
        std::fs::write(d.join(RESUME), "{}").unwrap();
        log.append("preempted", json!({})).unwrap();
        assert_eq!(Completion::of(d), Completion::Interrupted);
        std::fs::remove_file(d.join(RESUME)).unwrap();
        log.append("started", json!({})).unwrap();
        log.append("epoch", json!({"step": 3})).unwrap();
        log.append("finished", json!({})).unwrap();
        assert!(Completion::of(d).is_finished());
        let stamp = finish_stamp(d).unwrap();
        // A second run of the same directory that failed.
        log.append("started", json!({})).unwrap();
        log.append("failed", json!({"error": "out of memory"}))
            .unwrap();
        assert_eq!(
            Completion::of(d),
            Completion::Failed {
                error: "out of memory".into(),
                transient: false
            }
        );
        log.append("started", json!({})).unwrap();
        log.failed("stale file handle", true).unwrap();
        assert_eq!(
            Completion::of(d),
            Completion::Failed {
                error: "stale file handle".into(),
                transient: true
            }
        );
        assert_eq!(finish_stamp(d), None);
        log.append("started", json!({})).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        log.append("finished", json!({})).unwrap();
        assert_ne!(finish_stamp(d), Some(stamp), "a new finish, a new stamp");
        std::fs::write(d.join(EVENTS), "garbage\n").unwrap();
        assert_eq!(Completion::of(d), Completion::Unfinished);
    }

    #[test]
    fn the_reference_pipelines_directories_finish_with_their_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join(CONFIG), "{}").unwrap();
        assert_eq!(Completion::of(d), Completion::Unfinished);
        std::fs::write(d.join(LEGACY_CHECKPOINT), "").unwrap();
        assert_eq!(Completion::of(d), Completion::Finished);
        std::fs::write(d.join(RESUME), "{}").unwrap();
        assert_eq!(Completion::of(d), Completion::Interrupted);
    }
}
