//! `kdgat db export|query`: the SQLite project database, written from the state store.

use std::path::{Path, PathBuf};

use kdgat_store::{Analytics, Store, StoreError, export_sqlite};

use crate::cli::{DbCommand, GlobalArgs};
use crate::output::outln;
use crate::output::print_table;

/// Runs a `db` subcommand.
pub fn run(global: &GlobalArgs, command: DbCommand) -> anyhow::Result<()> {
    match command {
        DbCommand::Export { path } => {
            let path = path.unwrap_or_else(|| default_export(&global.state_dir));
            export_sqlite(&open_store(&global.state_dir)?, &path)?;
            outln!("exported {}", path.display())?;
            Ok(())
        }
        DbCommand::Query { sql, format } => {
            print_table(&analytics(global)?.query(&sql, &[])?, &format)
        }
    }
}

/// The state store in the state directory.
pub fn open_store(state_dir: &Path) -> Result<Store, StoreError> {
    Store::open(&state_dir.join("store"))
}

/// `<state dir>/project.db`.
pub fn default_export(state_dir: &Path) -> PathBuf {
    state_dir.join("project.db")
}

/// The project database for reading: refreshed from the store, or — while a daemon holds the store —
/// the export it keeps current.
pub fn analytics(global: &GlobalArgs) -> anyhow::Result<Analytics> {
    let path = default_export(&global.state_dir);
    match open_store(&global.state_dir) {
        Ok(store) => export_sqlite(&store, &path)?,
        Err(StoreError::Locked { .. }) if path.is_file() => {
            tracing::info!(
                "the store is held by a daemon; reading its export {}",
                path.display()
            );
        }
        Err(err) => return Err(err.into()),
    }
    Ok(Analytics::open(&path)?)
}
