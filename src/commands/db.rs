//! `kdgat db export|query`: the SQLite project database, written from the state store. An export
//! never replaces anything but a regular file outside the state directory (the default
//! `project.db` excepted); a query only reads, within a time limit.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use kdgat_store::{Analytics, Store, StoreError, export_sqlite};

use crate::cli::{DbCommand, GlobalArgs};
use crate::error::UserError;
use crate::output::{outln, print_table};

/// Runs a `db` subcommand.
pub fn run(global: &GlobalArgs, command: DbCommand) -> anyhow::Result<()> {
    match command {
        DbCommand::Export { path } => {
            let store = open_store(&global.state_dir)?;
            let path = match path {
                Some(path) => export_target(&path, &global.state_dir)?,
                None => default_export(&global.state_dir),
            };
            export_sqlite(&store, &path)?;
            outln!("exported {}", path.display())?;
            Ok(())
        }
        DbCommand::Query {
            sql,
            time_limit,
            format,
        } => {
            let limit = Duration::try_from_secs_f64(time_limit)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| UserError::BadArgument {
                    flag: "--time-limit",
                    message: format!("{time_limit} is not a positive number of seconds"),
                })?;
            print_table(&analytics(global)?.user_query(&sql, limit)?, &format)
        }
    }
}

/// Where `db export PATH` may write: absent, or a regular file (not a directory, link or device),
/// and outside the state directory, whose store it would destroy (its own `project.db` excepted).
fn export_target(path: &Path, state_dir: &Path) -> Result<PathBuf, UserError> {
    let refuse = |reason: &str| UserError::ExportTarget {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(refuse("is a symbolic link; name the file itself"));
        }
        Ok(meta) if !meta.is_file() => {
            return Err(refuse(
                "is not a regular file; name a new file or a database to replace",
            ));
        }
        _ => {}
    }
    let resolved = resolve(path);
    let state = resolve(state_dir);
    if resolved.starts_with(&state) && resolved != resolve(&default_export(state_dir)) {
        return Err(refuse(&format!(
            "is inside the state directory {}, which holds the live store; export elsewhere \
             (or omit PATH for {})",
            state_dir.display(),
            default_export(state_dir).display()
        )));
    }
    Ok(path.to_path_buf())
}

/// `path` made absolute through its deepest existing ancestor (links resolved), with the rest's
/// `.` and `..` applied.
fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    let base = loop {
        if let Ok(real) = existing.canonicalize() {
            break real;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break existing.to_path_buf(),
        }
    };
    let mut resolved = base;
    for part in rest.iter().rev() {
        match Path::new(part).components().next() {
            Some(Component::ParentDir) => {
                resolved.pop();
            }
            Some(Component::CurDir) | None => {}
            _ => resolved.push(part),
        }
    }
    resolved
}

/// The state store in the state directory.
pub fn open_store(state_dir: &Path) -> Result<Store, StoreError> {
    Store::open(&state_dir.join("store"))
}

/// The state store for `recover` to rebuild: one that cannot be read is moved aside (kept, with a
/// warning naming where) and a new one is opened in its place.
pub fn open_store_for_rebuild(state_dir: &Path) -> Result<Store, StoreError> {
    let path = state_dir.join("store");
    let (store, aside) = Store::open_or_set_aside(&path)?;
    if let Some(aside) = aside {
        tracing::warn!(
            "state store {} could not be read: moved to {} (kept as it was); rebuilding it",
            path.display(),
            aside.display()
        );
    }
    Ok(store)
}

/// `<state dir>/project.db`.
pub fn default_export(state_dir: &Path) -> PathBuf {
    state_dir.join("project.db")
}

/// The project database for reading: refreshed from the store, or — while a daemon holds the store —
/// the export it writes on request (or that the `kdgat submit` holding it keeps current).
pub fn analytics(global: &GlobalArgs) -> anyhow::Result<Analytics> {
    let path = default_export(&global.state_dir);
    match open_store(&global.state_dir) {
        Ok(store) => export_sqlite(&store, &path)?,
        Err(locked @ StoreError::Locked { .. }) => {
            // A daemon writes it now; a `kdgat submit` running in its own process keeps it current.
            if let Some((daemon, _)) = super::daemon::connect(&global.state_dir)? {
                daemon
                    .request(&kdgat_actors::daemon::Request::Export)
                    .map_err(UserError::from)?;
            }
            if !path.is_file() {
                return Err(locked.into());
            }
            tracing::info!(
                "the store is held by another process; reading its export {}",
                path.display()
            );
        }
        Err(err) => return Err(err.into()),
    }
    Ok(Analytics::open(&path)?)
}
