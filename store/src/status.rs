//! What `kdgat status` shows, as queries over the SQLite export: the sweeps with their runs counted
//! by state, a sweep's runs (state, latest attempt and batch job, elapsed time, last epoch and its
//! metrics), one run's attempts, and where an attempt ran (for `kdgat logs`).

use std::path::PathBuf;

use rusqlite::types::Value as SqlValue;

use crate::analytics::{Analytics, QueryTable};
use crate::error::StoreError;

/// A run's row: its state, latest attempt (its batch job, state, node and the scheduler's reason:
/// why it waits, while pending), elapsed seconds, last epoch and metrics (JSON).
const RUN_COLUMNS: &str = "
    r.run_id AS run, r.status AS state, a.attempt, a.scheduler_job_id AS batch_job,
    a.state AS attempt_state, a.node, a.reason,
    ROUND((julianday(COALESCE(r.completed_at, 'now')) - julianday(r.started_at)) * 86400.0, 1)
        AS elapsed_s,
    p.last_step AS epoch, p.last_metrics AS metrics
    FROM runs r
    LEFT JOIN run_sweeps rs ON rs.run_id = r.run_id
    LEFT JOIN attempts a ON a.run_id = r.run_id
        AND a.attempt = (SELECT MAX(attempt) FROM attempts x WHERE x.run_id = r.run_id)
    LEFT JOIN run_progress p ON p.run_id = r.run_id";

impl Analytics {
    /// Every sweep, newest first, with its runs counted by state.
    pub fn status_sweeps(&self) -> Result<QueryTable, StoreError> {
        self.query(
            "SELECT s.sweep_id AS sweep, s.state, s.created_at, s.ended_at,
                    COUNT(r.run_id) AS runs,
                    COALESCE(SUM(r.status = 'complete'), 0) AS complete,
                    COALESCE(SUM(r.status = 'running'), 0) AS running,
                    COALESCE(SUM(r.status = 'pending'), 0) AS pending,
                    COALESCE(SUM(r.status = 'failed'), 0) AS failed,
                    COALESCE(SUM(r.status = 'cancelled'), 0) AS cancelled
             FROM sweeps s
             LEFT JOIN run_sweeps rs ON rs.sweep_id = s.sweep_id
             LEFT JOIN runs r ON r.run_id = rs.run_id
             GROUP BY s.sweep_id ORDER BY s.created_at DESC",
            &[],
        )
    }

    /// A sweep's runs, by run id.
    pub fn status_runs(&self, sweep: &str) -> Result<QueryTable, StoreError> {
        self.query(
            &format!("SELECT {RUN_COLUMNS} WHERE rs.sweep_id = ?1 ORDER BY r.run_id"),
            &[SqlValue::Text(sweep.to_string())],
        )
    }

    /// One run's row (no rows: no such run).
    pub fn status_run(&self, run_id: &str) -> Result<QueryTable, StoreError> {
        self.query(
            &format!("SELECT {RUN_COLUMNS} WHERE r.run_id = ?1"),
            &[SqlValue::Text(run_id.to_string())],
        )
    }

    /// One run's attempts, in order.
    pub fn status_attempts(&self, run_id: &str) -> Result<QueryTable, StoreError> {
        self.query(
            "SELECT attempt, state, scheduler_job_id AS batch_job, job_name, node, exit, reason,
                    decision, submitted_at, started_at, ended_at, elapsed_seconds, attempt_dir
             FROM attempts WHERE run_id = ?1 ORDER BY attempt",
            &[SqlValue::Text(run_id.to_string())],
        )
    }

    /// Where an attempt of a run ran — the latest when `attempt` is `None` — and whether it ended;
    /// `None` when the run has no such attempt.
    pub fn attempt_place(
        &self,
        run_id: &str,
        attempt: Option<u32>,
    ) -> Result<Option<AttemptPlace>, StoreError> {
        let table = self.query(
            "SELECT attempt, attempt_dir, ended_at IS NOT NULL, state, decision FROM attempts
             WHERE run_id = ?1 AND (?2 IS NULL OR attempt = ?2)
             ORDER BY attempt DESC LIMIT 1",
            &[
                SqlValue::Text(run_id.to_string()),
                attempt.map_or(SqlValue::Null, |n| SqlValue::Integer(n.into())),
            ],
        )?;
        Ok(table.rows.first().and_then(|row| {
            Some(AttemptPlace {
                attempt: u32::try_from(row[0].as_i64()?).ok()?,
                dir: PathBuf::from(row[1].as_str()?),
                ended: row[2].as_i64()? != 0,
                state: row[3].as_str()?.to_string(),
                decision: row[4].as_str().map(String::from),
            })
        }))
    }
}

/// Where an attempt ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptPlace {
    /// Its number.
    pub attempt: u32,
    /// Its directory (the scheduler's stdout and stderr are there).
    pub dir: PathBuf,
    /// Whether it has ended.
    pub ended: bool,
    /// Its state (how it ended, once it has).
    pub state: String,
    /// What the supervisor decided when it ended, if anything.
    pub decision: Option<String>,
}
