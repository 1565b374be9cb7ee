//! The reference's analytics (`pipeline/analytics.py`) over the SQLite export, same SQL and
//! semantics: sweep, leaderboard, compare, config diff, dataset summary, and a read-only query.
//! Parameter and metric names are checked against `^[a-zA-Z_][a-zA-Z0-9_]*$` because they are
//! spliced into a `json_extract` path; every other value is a bound parameter.

use std::path::{Path, PathBuf};

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;

/// A query result: column names and rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueryTable {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, as JSON values (null, integer, real, text).
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// Analytics over an exported project database, opened read-only.
pub struct Analytics {
    pub(crate) path: PathBuf,
    pub(crate) conn: Connection,
}

fn identifier(what: &'static str, value: &str) -> Result<(), StoreError> {
    let mut chars = value.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadIdentifier {
            what,
            value: value.to_string(),
        })
    }
}

impl Analytics {
    /// Opens the database read-only (writes through [`Analytics::query`] fail).
    pub fn open(path: &Path) -> Result<Analytics, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Analytics {
            path: path.to_path_buf(),
            conn,
        })
    }

    pub(crate) fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// Runs SQL of ours with bound parameters (a user's SQL goes through [`Analytics::user_query`]).
    pub fn query(&self, sql: &str, params: &[SqlValue]) -> Result<QueryTable, StoreError> {
        let stmt = self.conn.prepare(sql).map_err(|e| self.sql(e))?;
        self.rows(stmt, params).map_err(|e| self.sql(e))
    }

    /// The rows of a prepared statement.
    pub(crate) fn rows(
        &self,
        mut stmt: rusqlite::Statement<'_>,
        params: &[SqlValue],
    ) -> Result<QueryTable, rusqlite::Error> {
        let columns: Vec<String> = stmt.column_names().map(String::from).collect();
        let n = columns.len();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |row| {
                (0..n)
                    .map(|i| {
                        Ok(match row.get::<_, SqlValue>(i)? {
                            SqlValue::Null => serde_json::Value::Null,
                            SqlValue::Integer(v) => v.into(),
                            SqlValue::Real(v) => v.into(),
                            SqlValue::Text(v) => v.into(),
                            SqlValue::Blob(v) => format!("<{} bytes>", v.len()).into(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(QueryTable { columns, rows })
    }

    /// A config parameter against a metric, grouped by the parameter's value, best mean first: columns
    /// `param_value`, `count`, `min`, `max`, `mean` (the names the reference's analytics returns).
    pub fn sweep(
        &self,
        param: &str,
        metric: &str,
        dataset: Option<&str>,
        stage: Option<&str>,
    ) -> Result<QueryTable, StoreError> {
        identifier("parameter", param)?;
        identifier("metric", metric)?;
        let mut sql = format!(
            "SELECT json_extract(r.config_json, '$.{param}') AS param_value, COUNT(*) AS count, MIN(m.value) AS min, \
             MAX(m.value) AS max, ROUND(AVG(m.value), 6) AS mean FROM runs r JOIN metrics m ON m.run_id = r.run_id \
             WHERE r.config_json IS NOT NULL"
        );
        let mut params = Vec::new();
        for (column, value) in [("r.dataset", dataset), ("r.stage", stage)] {
            if let Some(value) = value {
                sql.push_str(&format!(" AND {column} = ?"));
                params.push(SqlValue::Text(value.to_string()));
            }
        }
        sql.push_str(&format!(
            " AND m.metric_name = ? AND json_extract(r.config_json, '$.{param}') IS NOT NULL GROUP BY param_value ORDER BY mean DESC"
        ));
        params.push(SqlValue::Text(metric.to_string()));
        self.query(&sql, &params)
    }

    /// The best runs by a metric.
    pub fn leaderboard(
        &self,
        metric: &str,
        top: u32,
        filters: &LeaderboardFilters<'_>,
    ) -> Result<QueryTable, StoreError> {
        identifier("metric", metric)?;
        let mut sql = String::from(
            "SELECT r.run_id, r.dataset, r.stage, m.model, m.scenario, ROUND(m.value, 6) AS value \
             FROM metrics m JOIN runs r ON r.run_id = m.run_id WHERE m.metric_name = ?",
        );
        let mut params = vec![SqlValue::Text(metric.to_string())];
        for (column, value) in [
            ("m.scenario", filters.scenario),
            ("m.model", filters.model),
            ("r.dataset", filters.dataset),
            ("r.stage", filters.stage),
        ] {
            if let Some(value) = value {
                sql.push_str(&format!(" AND {column} = ?"));
                params.push(SqlValue::Text(value.to_string()));
            }
        }
        sql.push_str(" ORDER BY m.value DESC LIMIT ?");
        params.push(SqlValue::Integer(i64::from(top)));
        self.query(&sql, &params)
    }

    fn require_run(&self, run_id: &str) -> Result<(), StoreError> {
        let found = self.query(
            "SELECT 1 FROM runs WHERE run_id = ?",
            &[SqlValue::Text(run_id.to_string())],
        )?;
        if found.rows.is_empty() {
            Err(StoreError::UnknownRun(run_id.to_string()))
        } else {
            Ok(())
        }
    }

    /// Every metric of two runs side by side with the difference (b − a).
    pub fn compare(&self, a: &str, b: &str) -> Result<QueryTable, StoreError> {
        self.require_run(a)?;
        self.require_run(b)?;
        self.query(
            "SELECT COALESCE(a.model, b.model) AS model, COALESCE(a.scenario, b.scenario) AS scenario, \
             COALESCE(a.metric_name, b.metric_name) AS metric_name, a.value AS value_a, b.value AS value_b, \
             ROUND(b.value - a.value, 6) AS delta \
             FROM (SELECT * FROM metrics WHERE run_id = ?1) a FULL OUTER JOIN (SELECT * FROM metrics WHERE run_id = ?2) b \
             ON a.model = b.model AND a.scenario = b.scenario AND a.metric_name = b.metric_name \
             ORDER BY model, scenario, metric_name",
            &[SqlValue::Text(a.to_string()), SqlValue::Text(b.to_string())],
        )
    }

    /// The config keys whose values differ between two runs (`param, value_a, value_b`), sorted.
    pub fn config_diff(&self, a: &str, b: &str) -> Result<QueryTable, StoreError> {
        let config = |run: &str| -> Result<serde_json::Map<String, serde_json::Value>, StoreError> {
            self.require_run(run)?;
            let table = self.query(
                "SELECT config_json FROM runs WHERE run_id = ?",
                &[SqlValue::Text(run.to_string())],
            )?;
            let text = table
                .rows
                .first()
                .and_then(|r| r[0].as_str())
                .unwrap_or("{}");
            Ok(serde_json::from_str(text).unwrap_or_default())
        };
        let (ca, cb) = (config(a)?, config(b)?);
        let keys: std::collections::BTreeSet<&String> = ca.keys().chain(cb.keys()).collect();
        let rows = keys
            .into_iter()
            .filter(|k| ca.get(*k) != cb.get(*k))
            .map(|k| {
                let show =
                    |v: Option<&serde_json::Value>| v.cloned().unwrap_or(serde_json::Value::Null);
                vec![
                    serde_json::Value::String(k.clone()),
                    show(ca.get(k)),
                    show(cb.get(k)),
                ]
            })
            .collect();
        Ok(QueryTable {
            columns: vec!["param".into(), "value_a".into(), "value_b".into()],
            rows,
        })
    }

    /// A dataset's runs, and its best f1/accuracy/auc/mcc with the run that reached each.
    pub fn dataset_summary(&self, dataset: &str) -> Result<(QueryTable, QueryTable), StoreError> {
        let name = [SqlValue::Text(dataset.to_string())];
        let runs = self.query("SELECT run_id, model_size, stage, use_kd, status FROM runs WHERE dataset = ? ORDER BY run_id", &name)?;
        let best = self.query(
            "SELECT m.metric_name, m.run_id, m.model, m.scenario, ROUND(MAX(m.value), 6) AS best_value \
             FROM metrics m JOIN runs r ON r.run_id = m.run_id WHERE r.dataset = ? \
             AND m.metric_name IN ('f1', 'accuracy', 'auc', 'mcc') GROUP BY m.metric_name",
            &name,
        )?;
        Ok((runs, best))
    }
}

/// Optional filters of [`Analytics::leaderboard`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LeaderboardFilters<'a> {
    /// `val` or a test scenario.
    pub scenario: Option<&'a str>,
    /// `gat`, `vgae` or `fusion`.
    pub model: Option<&'a str>,
    /// A dataset.
    pub dataset: Option<&'a str>,
    /// A stage.
    pub stage: Option<&'a str>,
}
