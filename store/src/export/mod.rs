//! The SQLite export: the reference's `project.db` tables with the same columns and meanings
//! (`datasets`, `runs`, `metrics`: its queries and Datasette work unchanged), plus ours (`sweeps`,
//! `run_sweeps`, `attempts`, `events`, `run_progress` (each run's latest epoch and metrics),
//! `benchmarks` from Snakemake-style `benchmark.tsv`, and the `run_resources` view of GPU and CPU
//! hours per run).
//! Written to a temporary database in the target's directory, then renamed over it: readers never
//! see a half-written export.

use std::path::Path;

use rusqlite::{Connection, params};

use crate::error::StoreError;
use crate::store::Store;

/// The export's schema (snapshot-tested).
pub const SCHEMA_SQL: &str = include_str!("schema.sql");

/// Writes the whole store as a SQLite database at `path`.
pub fn export_sqlite(store: &Store, path: &Path) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = tempfile::Builder::new()
        .prefix(".export-")
        .suffix(".db")
        .tempfile_in(dir)
        .map_err(io)?;
    let sql = |source| StoreError::Sqlite {
        path: tmp.path().to_path_buf(),
        source,
    };
    let mut conn = Connection::open(tmp.path()).map_err(sql)?;
    // The reference never enforced its foreign keys (Python's sqlite3 leaves them off), and backfilled
    // runs may name datasets that have no row: keep it that way.
    conn.execute_batch("PRAGMA foreign_keys = OFF;")
        .map_err(sql)?;
    conn.execute_batch(SCHEMA_SQL).map_err(sql)?;
    let tx = conn.transaction().map_err(sql)?;
    write_rows(store, &tx).map_err(|e| match e {
        RowsError::Store(e) => e,
        RowsError::Sql(source) => StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        },
    })?;
    tx.commit().map_err(sql)?;
    conn.close().map_err(|(_, source)| sql(source))?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

enum RowsError {
    Store(StoreError),
    Sql(rusqlite::Error),
}

impl From<StoreError> for RowsError {
    fn from(e: StoreError) -> Self {
        RowsError::Store(e)
    }
}

impl From<rusqlite::Error> for RowsError {
    fn from(e: rusqlite::Error) -> Self {
        RowsError::Sql(e)
    }
}

fn write_rows(store: &Store, tx: &rusqlite::Transaction<'_>) -> Result<(), RowsError> {
    let mut stmt =
        tx.prepare("INSERT INTO datasets VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)")?;
    for d in store.datasets()? {
        stmt.execute(params![
            d.name,
            d.domain,
            d.protocol,
            d.source,
            d.description,
            d.num_files,
            d.num_samples,
            d.num_graphs,
            d.num_unique_ids,
            d.attack_types,
            d.added_by,
            d.added_date,
            d.cache_valid,
            d.parquet_path
        ])?;
    }
    let mut stmt = tx.prepare("INSERT INTO runs VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)")?;
    let mut membership = tx.prepare("INSERT INTO run_sweeps VALUES (?1,?2)")?;
    for r in store.runs()? {
        stmt.execute(params![
            r.run_id,
            r.dataset,
            r.model_size,
            r.stage,
            r.use_kd,
            r.status.as_str(),
            r.teacher_run,
            r.started_at,
            r.completed_at,
            r.mlflow_run_id,
            r.config_json
        ])?;
        if let Some(sweep) = &r.sweep_id {
            membership.execute(params![r.run_id, sweep])?;
        }
    }
    let mut stmt = tx.prepare("INSERT INTO metrics VALUES (?1,?2,?3,?4,?5)")?;
    for m in store.metrics()? {
        stmt.execute(params![
            m.run_id,
            m.model,
            m.scenario,
            m.metric_name,
            m.value
        ])?;
    }
    let mut stmt = tx.prepare("INSERT INTO sweeps VALUES (?1,?2,?3,?4,?5)")?;
    for s in store.sweeps()? {
        stmt.execute(params![
            s.sweep_id,
            s.created_at,
            s.description,
            s.state,
            s.ended_at
        ])?;
    }
    let mut stmt = tx.prepare(
        "INSERT INTO attempts VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
    )?;
    for a in store.attempts()? {
        stmt.execute(params![
            a.run_id,
            a.attempt,
            a.scheduler_job_id,
            a.state,
            a.exit,
            a.submitted_at,
            a.ended_at,
            a.elapsed_seconds,
            a.gpus,
            a.cpus,
            a.job_name,
            a.attempt_dir,
            a.reason,
            a.node,
            a.started_at,
            a.decision
        ])?;
    }
    let mut stmt = tx.prepare("INSERT INTO run_progress VALUES (?1,?2,?3,?4)")?;
    for f in store.follows()? {
        stmt.execute(params![
            f.run_id,
            f.last_step,
            f.last_metrics,
            f.last_event_ms
        ])?;
    }
    let mut stmt =
        tx.prepare("INSERT INTO benchmarks VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)")?;
    for b in store.benchmarks()? {
        stmt.execute(params![
            b.run_id,
            b.s,
            b.hms,
            b.max_rss,
            b.max_vms,
            b.max_uss,
            b.max_pss,
            b.io_in,
            b.io_out,
            b.mean_load,
            b.cpu_time
        ])?;
    }
    let mut stmt = tx.prepare("INSERT INTO events VALUES (?1,?2,?3,?4,?5)")?;
    for e in store.events(None)? {
        stmt.execute(params![e.run_id, e.seq as i64, e.at, e.kind, e.payload])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
