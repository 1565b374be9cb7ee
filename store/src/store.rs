//! `Store`: the sled database behind a narrow API. Each write that changes state is flushed before
//! the call returns (an acknowledged transition survives a crash). Opening a store that another live
//! process holds fails at once with [`StoreError::Locked`]; one that cannot be read, with
//! [`StoreError::Corrupt`] (see [`crate::open`]).

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::envelope::{self, Kind};
use crate::error::StoreError;
use crate::open::open_db;
use crate::records::{
    AttemptRecord, BenchmarkRecord, DatasetRecord, EventRecord, MetricMarks, MetricRecord,
    RunRecord, RunStatus, SweepRecord, TrackedRun,
};

/// The state store.
pub struct Store {
    pub(crate) path: PathBuf,
    pub(crate) db: sled::Db,
    pub(crate) trees: Trees,
}

pub(crate) struct Trees {
    pub(crate) datasets: sled::Tree,
    pub(crate) sweeps: sled::Tree,
    pub(crate) runs: sled::Tree,
    pub(crate) attempts: sled::Tree,
    pub(crate) events: sled::Tree,
    pub(crate) metrics: sled::Tree,
    pub(crate) outbox: sled::Tree,
    pub(crate) set_aside: sled::Tree,
    pub(crate) benchmarks: sled::Tree,
    pub(crate) tracked_runs: sled::Tree,
    pub(crate) metric_marks: sled::Tree,
    pub(crate) follows: sled::Tree,
}

/// Key part separator: run ids and names never contain NUL.
const SEP: u8 = 0;

pub(crate) fn key(parts: &[&[u8]]) -> Vec<u8> {
    parts.join(&SEP)
}

impl Store {
    /// Opens (or creates) the store in `path`; a damaged one is [`StoreError::Corrupt`].
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let db = open_db(path)?;
        let tree = |name: &str| {
            db.open_tree(name).map_err(|source| StoreError::Sled {
                path: path.to_path_buf(),
                source,
            })
        };
        let trees = Trees {
            datasets: tree("datasets")?,
            sweeps: tree("sweeps")?,
            runs: tree("runs")?,
            attempts: tree("attempts")?,
            events: tree("events")?,
            metrics: tree("metrics")?,
            outbox: tree("outbox")?,
            set_aside: tree("outbox_set_aside")?,
            benchmarks: tree("benchmarks")?,
            tracked_runs: tree("tracked_runs")?,
            metric_marks: tree("metric_marks")?,
            follows: tree("follows")?,
        };
        Ok(Store {
            path: path.to_path_buf(),
            db,
            trees,
        })
    }

    pub(crate) fn sled_err(&self) -> impl Fn(sled::Error) -> StoreError + '_ {
        |source| StoreError::Sled {
            path: self.path.clone(),
            source,
        }
    }

    pub(crate) fn put<T: Serialize>(
        &self,
        tree: &sled::Tree,
        kind: Kind,
        key: &[u8],
        record: &T,
    ) -> Result<(), StoreError> {
        tree.insert(key, envelope::encode(kind, record))
            .map_err(self.sled_err())?;
        self.db.flush().map_err(self.sled_err())?;
        Ok(())
    }

    pub(crate) fn get<T: DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        kind: Kind,
        key: &str,
    ) -> Result<Option<T>, StoreError> {
        match tree.get(key.as_bytes()).map_err(self.sled_err())? {
            Some(bytes) => {
                envelope::decode(kind, &bytes)
                    .map(Some)
                    .map_err(|message| StoreError::Record {
                        key: key.to_string(),
                        message,
                    })
            }
            None => Ok(None),
        }
    }

    pub(crate) fn all<T: DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        kind: Kind,
        prefix: &[u8],
    ) -> Result<Vec<T>, StoreError> {
        tree.scan_prefix(prefix)
            .map(|entry| {
                let (k, v) = entry.map_err(self.sled_err())?;
                envelope::decode(kind, &v).map_err(|message| StoreError::Record {
                    key: String::from_utf8_lossy(&k).replace('\0', "/"),
                    message,
                })
            })
            .collect()
    }

    /// Adds or replaces a dataset.
    pub fn put_dataset(&self, record: &DatasetRecord) -> Result<(), StoreError> {
        self.put(
            &self.trees.datasets,
            Kind::Dataset,
            record.name.as_bytes(),
            record,
        )
    }

    /// Adds or replaces a sweep.
    pub fn put_sweep(&self, record: &SweepRecord) -> Result<(), StoreError> {
        self.put(
            &self.trees.sweeps,
            Kind::Sweep,
            record.sweep_id.as_bytes(),
            record,
        )
    }

    /// Adds or replaces a run.
    pub fn put_run(&self, record: &RunRecord) -> Result<(), StoreError> {
        self.put(
            &self.trees.runs,
            Kind::Run,
            record.run_id.as_bytes(),
            record,
        )
    }

    /// One run.
    pub fn run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        self.get(&self.trees.runs, Kind::Run, run_id)
    }

    /// The reference's `record_run_start`: the run as `running`, started now, not completed.
    pub fn record_run_start(&self, mut record: RunRecord, now: &str) -> Result<(), StoreError> {
        record.status = RunStatus::Running;
        record.started_at = Some(now.to_string());
        record.completed_at = None;
        self.put_run(&record)
    }

    /// The reference's `record_run_end`: `complete` or `failed`, completed now; on success the
    /// metrics replace the run's previous ones.
    pub fn record_run_end(
        &self,
        run_id: &str,
        success: bool,
        metrics: &[MetricRecord],
        now: &str,
    ) -> Result<(), StoreError> {
        let mut record = self
            .run(run_id)?
            .ok_or_else(|| StoreError::UnknownRun(run_id.to_string()))?;
        record.status = if success {
            RunStatus::Complete
        } else {
            RunStatus::Failed
        };
        record.completed_at = Some(now.to_string());
        if success {
            self.replace_metrics(run_id, metrics)?;
        }
        self.put_run(&record)
    }

    /// Adds or replaces an attempt.
    pub fn put_attempt(&self, record: &AttemptRecord) -> Result<(), StoreError> {
        let k = key(&[record.run_id.as_bytes(), &record.attempt.to_be_bytes()]);
        self.put(&self.trees.attempts, Kind::Attempt, &k, record)
    }

    /// Appends to a run's event log; returns the event's place in the store's order.
    pub fn append_event(
        &self,
        run_id: &str,
        at: &str,
        kind: &str,
        payload: &str,
    ) -> Result<u64, StoreError> {
        let seq = self.db.generate_id().map_err(self.sled_err())?;
        let record = EventRecord {
            run_id: run_id.to_string(),
            seq,
            at: at.to_string(),
            kind: kind.to_string(),
            payload: payload.to_string(),
        };
        let k = key(&[run_id.as_bytes(), &seq.to_be_bytes()]);
        self.put(&self.trees.events, Kind::Event, &k, &record)?;
        Ok(seq)
    }

    /// Replaces all of a run's metrics, in one batch.
    pub fn replace_metrics(
        &self,
        run_id: &str,
        metrics: &[MetricRecord],
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for entry in self
            .trees
            .metrics
            .scan_prefix(key(&[run_id.as_bytes(), b""]))
        {
            batch.remove(entry.map_err(self.sled_err())?.0);
        }
        for m in metrics {
            let k = key(&[
                m.run_id.as_bytes(),
                m.model.as_bytes(),
                m.scenario.as_bytes(),
                m.metric_name.as_bytes(),
            ]);
            batch.insert(k, envelope::encode(Kind::Metric, m));
        }
        self.trees
            .metrics
            .apply_batch(batch)
            .map_err(self.sled_err())?;
        self.db.flush().map_err(self.sled_err())?;
        Ok(())
    }

    /// Every dataset.
    pub fn datasets(&self) -> Result<Vec<DatasetRecord>, StoreError> {
        self.all(&self.trees.datasets, Kind::Dataset, b"")
    }

    /// Every sweep.
    pub fn sweeps(&self) -> Result<Vec<SweepRecord>, StoreError> {
        self.all(&self.trees.sweeps, Kind::Sweep, b"")
    }

    /// Every run, by id.
    pub fn runs(&self) -> Result<Vec<RunRecord>, StoreError> {
        self.all(&self.trees.runs, Kind::Run, b"")
    }

    /// Every attempt, by run and number.
    pub fn attempts(&self) -> Result<Vec<AttemptRecord>, StoreError> {
        self.all(&self.trees.attempts, Kind::Attempt, b"")
    }

    /// A run's events in order, or every event when `run_id` is `None`.
    pub fn events(&self, run_id: Option<&str>) -> Result<Vec<EventRecord>, StoreError> {
        let prefix = run_id
            .map(|r| key(&[r.as_bytes(), b""]))
            .unwrap_or_default();
        self.all(&self.trees.events, Kind::Event, &prefix)
    }

    /// Adds or replaces a run's benchmark record.
    pub fn put_benchmark(&self, record: &BenchmarkRecord) -> Result<(), StoreError> {
        self.put(
            &self.trees.benchmarks,
            Kind::Benchmark,
            record.run_id.as_bytes(),
            record,
        )
    }

    /// Every benchmark record.
    pub fn benchmarks(&self) -> Result<Vec<BenchmarkRecord>, StoreError> {
        self.all(&self.trees.benchmarks, Kind::Benchmark, b"")
    }

    /// Every metric.
    pub fn metrics(&self) -> Result<Vec<MetricRecord>, StoreError> {
        self.all(&self.trees.metrics, Kind::Metric, b"")
    }

    /// Where a tracked run lives on the MLflow server, if it was created there.
    pub fn tracked_run(&self, run_key: &str) -> Result<Option<TrackedRun>, StoreError> {
        self.get(&self.trees.tracked_runs, Kind::TrackedRun, run_key)
    }

    /// Records where a tracked run lives on the MLflow server.
    pub fn put_tracked_run(&self, record: &TrackedRun) -> Result<(), StoreError> {
        self.put(
            &self.trees.tracked_runs,
            Kind::TrackedRun,
            record.run_key.as_bytes(),
            record,
        )
    }

    /// How far a tracked run's metrics have been delivered (nothing yet: empty marks).
    pub fn metric_marks(&self, run_key: &str) -> Result<MetricMarks, StoreError> {
        Ok(self
            .get(&self.trees.metric_marks, Kind::MetricMarks, run_key)?
            .unwrap_or_else(|| MetricMarks {
                run_key: run_key.to_string(),
                ..MetricMarks::default()
            }))
    }

    /// Records how far a tracked run's metrics have been delivered.
    pub fn put_metric_marks(&self, record: &MetricMarks) -> Result<(), StoreError> {
        self.put(
            &self.trees.metric_marks,
            Kind::MetricMarks,
            record.run_key.as_bytes(),
            record,
        )
    }
}
