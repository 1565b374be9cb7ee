//! The orchestrator's write path: a [`Change`] — run and attempt records, a sweep, events, how far a
//! run's `events.jsonl` was followed, a finished run's metrics and resource use, and MLflow
//! operations for the outbox — is applied in one sled
//! transaction and flushed before [`Store::commit`] returns. A state transition and what it read or
//! queued are therefore on disk together or not at all: a supervisor killed at any point neither
//! loses nor repeats any of it.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::envelope::{self, Kind};
use crate::error::StoreError;
use crate::records::{
    AttemptRecord, BenchmarkRecord, EventRecord, FollowRecord, MetricRecord, NewEvent, RunRecord,
    SweepRecord,
};
use crate::store::{Store, key};

/// Writes that belong together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    /// Sweeps to add or replace.
    pub sweeps: Vec<SweepRecord>,
    /// Runs to add or replace.
    pub runs: Vec<RunRecord>,
    /// Attempts to add or replace.
    pub attempts: Vec<AttemptRecord>,
    /// Events to append, by run.
    pub events: Vec<(String, NewEvent)>,
    /// How far a run's event log has been read.
    pub follows: Vec<FollowRecord>,
    /// Tracking operations (JSON) to queue, in order.
    pub outbox: Vec<String>,
    /// Runs whose metrics are replaced by these (a finished evaluation's).
    pub metrics: Vec<(String, Vec<MetricRecord>)>,
    /// Resource use of finished runs.
    pub benchmarks: Vec<BenchmarkRecord>,
}

impl Change {
    /// Whether it writes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Change::default()
    }
}

impl Store {
    /// Applies `change` atomically and durably.
    pub fn commit(&self, change: &Change) -> Result<(), StoreError> {
        if change.is_empty() {
            return Ok(());
        }
        let t = &self.trees;
        // The metrics a run had before are found outside the transaction (it cannot scan).
        let mut stale = Vec::new();
        for (run_id, _) in &change.metrics {
            for entry in t.metrics.scan_prefix(key(&[run_id.as_bytes(), b""])) {
                stale.push(entry.map_err(self.sled_err())?.0);
            }
        }
        let trees = (
            &t.sweeps,
            &t.runs,
            &t.attempts,
            &t.events,
            &t.follows,
            &t.outbox,
            &t.metrics,
            &t.benchmarks,
        );
        let result = trees.transaction(
            |(sweeps, runs, attempts, events, follows, outbox, metrics, benchmarks)| {
                for s in &change.sweeps {
                    sweeps.insert(s.sweep_id.as_bytes(), envelope::encode(Kind::Sweep, s))?;
                }
                for r in &change.runs {
                    runs.insert(r.run_id.as_bytes(), envelope::encode(Kind::Run, r))?;
                }
                for a in &change.attempts {
                    let k = key(&[a.run_id.as_bytes(), &a.attempt.to_be_bytes()]);
                    attempts.insert(k, envelope::encode(Kind::Attempt, a))?;
                }
                for (run_id, e) in &change.events {
                    let seq = events.generate_id()?;
                    let record = EventRecord {
                        run_id: run_id.clone(),
                        seq,
                        at: e.at.clone(),
                        kind: e.kind.clone(),
                        payload: e.payload.clone(),
                    };
                    let k = key(&[run_id.as_bytes(), &seq.to_be_bytes()]);
                    events.insert(k, envelope::encode(Kind::Event, &record))?;
                }
                for f in &change.follows {
                    follows.insert(f.run_id.as_bytes(), envelope::encode(Kind::Follow, f))?;
                }
                for op in &change.outbox {
                    let seq = outbox.generate_id()?;
                    outbox.insert(&seq.to_be_bytes(), envelope::encode(Kind::Outbox, op))?;
                }
                for k in &stale {
                    metrics.remove(k)?;
                }
                for m in change.metrics.iter().flat_map(|(_, m)| m) {
                    let k = key(&[
                        m.run_id.as_bytes(),
                        m.model.as_bytes(),
                        m.scenario.as_bytes(),
                        m.metric_name.as_bytes(),
                    ]);
                    metrics.insert(k, envelope::encode(Kind::Metric, m))?;
                }
                for b in &change.benchmarks {
                    benchmarks.insert(b.run_id.as_bytes(), envelope::encode(Kind::Benchmark, b))?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            },
        );
        match result {
            Ok(()) => {}
            Err(TransactionError::Storage(e)) => return Err(self.sled_err()(e)),
            // The closure never aborts.
            Err(TransactionError::Abort(())) => {}
        }
        self.db.flush().map_err(self.sled_err())?;
        Ok(())
    }

    /// One sweep.
    pub fn sweep(&self, sweep_id: &str) -> Result<Option<SweepRecord>, StoreError> {
        self.get(&self.trees.sweeps, Kind::Sweep, sweep_id)
    }

    /// A run's attempts, in order.
    pub fn attempts_of(&self, run_id: &str) -> Result<Vec<AttemptRecord>, StoreError> {
        self.all(
            &self.trees.attempts,
            Kind::Attempt,
            &key(&[run_id.as_bytes(), b""]),
        )
    }

    /// How far a run's event log has been read (nothing yet: from the start).
    pub fn follow(&self, run_id: &str) -> Result<FollowRecord, StoreError> {
        Ok(self
            .get(&self.trees.follows, Kind::Follow, run_id)?
            .unwrap_or_else(|| FollowRecord {
                run_id: run_id.to_string(),
                ..FollowRecord::default()
            }))
    }

    /// Every follow record.
    pub fn follows(&self) -> Result<Vec<FollowRecord>, StoreError> {
        self.all(&self.trees.follows, Kind::Follow, b"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::RunStatus;

    fn run(id: &str) -> RunRecord {
        RunRecord {
            run_id: id.into(),
            dataset: "d".into(),
            model_size: "teacher".into(),
            stage: "fusion".into(),
            use_kd: false,
            status: RunStatus::Pending,
            teacher_run: None,
            started_at: None,
            completed_at: None,
            mlflow_run_id: None,
            config_json: None,
            sweep_id: Some("s".into()),
        }
    }

    #[test]
    fn a_change_lands_whole_and_events_keep_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let event = |kind: &str| {
            (
                "d/teacher_fusion".to_string(),
                NewEvent {
                    at: "t".into(),
                    kind: kind.into(),
                    payload: "{}".into(),
                },
            )
        };
        let change = Change {
            runs: vec![run("d/teacher_fusion")],
            events: vec![event("started"), event("epoch"), event("finished")],
            follows: vec![FollowRecord {
                run_id: "d/teacher_fusion".into(),
                offset: 120,
                lines: 3,
                ..FollowRecord::default()
            }],
            outbox: vec!["{\"op\":1}".into(), "{\"op\":2}".into()],
            ..Change::default()
        };
        store.commit(&change).unwrap();
        store
            .append_event("d/teacher_fusion", "t", "retry", "{}")
            .unwrap();
        let kinds: Vec<String> = store
            .events(Some("d/teacher_fusion"))
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["started", "epoch", "finished", "retry"]);
        assert_eq!(store.follow("d/teacher_fusion").unwrap().offset, 120);
        assert_eq!(
            store.follow("other").unwrap(),
            FollowRecord {
                run_id: "other".into(),
                ..FollowRecord::default()
            }
        );
        let ops: Vec<String> = store
            .outbox()
            .unwrap()
            .into_iter()
            .map(|(_, o)| o)
            .collect();
        assert_eq!(ops, ["{\"op\":1}", "{\"op\":2}"]);
        assert_eq!(
            store.run("d/teacher_fusion").unwrap().unwrap().status,
            RunStatus::Pending
        );
        let metric = |name: &str| MetricRecord {
            run_id: "d/teacher_fusion".into(),
            model: "gat".into(),
            scenario: "val".into(),
            metric_name: name.into(),
            value: 1.0,
        };
        for names in [vec!["f1", "auc"], vec!["mcc"]] {
            let metrics = names.iter().map(|n| metric(n)).collect();
            store
                .commit(&Change {
                    metrics: vec![("d/teacher_fusion".into(), metrics)],
                    ..Change::default()
                })
                .unwrap();
        }
        let names: Vec<String> = store
            .metrics()
            .unwrap()
            .into_iter()
            .map(|m| m.metric_name)
            .collect();
        assert_eq!(names, ["mcc"], "a run's metrics are replaced whole");
        drop(store);
        let store = Store::open(&dir.path().join("store")).unwrap();
        assert_eq!(store.events(None).unwrap().len(), 4, "durable");
    }
}
