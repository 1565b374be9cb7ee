//! `kdgat db query`: a user's SQL against the project database, read-only in the strict sense —
//! a statement that would write anything (`INSERT`, `PRAGMA x = y`, `VACUUM INTO 'file'`, which
//! writes a new file even through a read-only connection) is refused before it runs — and bounded
//! in time: past the limit, SQLite is interrupted and the query fails with a message saying so.

use std::sync::mpsc;
use std::time::Duration;

use crate::analytics::{Analytics, QueryTable};
use crate::error::StoreError;

impl Analytics {
    /// Runs one statement of the user's SQL that only reads, for at most `limit`.
    pub fn user_query(&self, sql: &str, limit: Duration) -> Result<QueryTable, StoreError> {
        let refused = |message: String| StoreError::Query { message };
        let stmt = self.conn.prepare(sql).map_err(|e| refused(e.to_string()))?;
        if !stmt.readonly() {
            return Err(refused(
                "the statement would write (db query only reads; VACUUM INTO, PRAGMA assignments \
                 and changes to tables are refused)"
                    .into(),
            ));
        }
        let interrupt = self.conn.get_interrupt_handle();
        let (done, finished) = mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if finished.recv_timeout(limit) == Err(mpsc::RecvTimeoutError::Timeout) {
                interrupt.interrupt();
            }
        });
        let result = self.rows(stmt, &[]);
        // The watchdog ends at once when told, or has already interrupted.
        let _ = done.send(());
        let _ = watchdog.join();
        result.map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::OperationInterrupted) => refused(format!(
                "stopped after the time limit of {} s (--time-limit sets it)",
                limit.as_secs_f64()
            )),
            _ => refused(e.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn database(dir: &Path) -> Analytics {
        let path = dir.join("project.db");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE runs (run_id TEXT); INSERT INTO runs VALUES ('a');")
            .unwrap();
        Analytics::open(&path).unwrap()
    }

    #[test]
    fn nothing_is_written_not_even_a_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(dir.path());
        let copy = dir.path().join("copy.db");
        for sql in [
            format!("VACUUM INTO '{}'", copy.display()),
            "PRAGMA user_version = 3".into(),
            "INSERT INTO runs VALUES ('b')".into(),
        ] {
            let err = db.user_query(&sql, Duration::from_secs(5)).unwrap_err();
            assert!(matches!(err, StoreError::Query { .. }), "{sql}: {err}");
        }
        assert!(!copy.exists(), "VACUUM INTO wrote {}", copy.display());
        let table = db
            .user_query("SELECT run_id FROM runs", Duration::from_secs(5))
            .unwrap();
        assert_eq!(table.rows.len(), 1);
    }

    #[test]
    fn a_query_past_the_time_limit_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let db = database(dir.path());
        let started = std::time::Instant::now();
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                       SELECT count(*) FROM c";
        let err = db
            .user_query(endless, Duration::from_millis(300))
            .unwrap_err()
            .to_string();
        assert!(err.contains("time limit"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let err = db
            .user_query("SELECT nope FROM runs", Duration::from_secs(5))
            .unwrap_err();
        assert!(matches!(err, StoreError::Query { .. }), "{err}");
    }
}
