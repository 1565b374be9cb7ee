//! Opening the sled database: a store held by another process is [`StoreError::Locked`]; one whose
//! files are damaged is [`StoreError::Corrupt`], never a panic and never an empty store. A log cut
//! short makes sled either panic while it recovers, or find none of its records — and then start
//! a new, empty log over the old one while it opens. The second case is noticed (the log had bytes,
//! sled recovered nothing) and noted in an `UNREADABLE` file in the store, so that every later open
//! refuses it too instead of finding an empty store. [`Store::open_or_set_aside`] is what
//! `kdgat recover` uses to start over: it moves an unreadable store aside (never deleting it) and
//! opens a new one in its place.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::StoreError;
use crate::store::Store;

/// kdgat's note, inside a store, of why sled could not read it.
const UNREADABLE: &str = "UNREADABLE";

/// sled's page cache: its default (1 GiB) would make a long-lived daemon's memory grow with every
/// record written; the store's working set is a sweep's runs and attempts, far smaller.
const CACHE_BYTES: u64 = 64 << 20;

/// Opens sled in `path`, turning its panics on damaged files, and a log it recovered nothing from,
/// into [`StoreError::Corrupt`].
pub(crate) fn open_db(path: &Path) -> Result<sled::Db, StoreError> {
    let corrupt = |message: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    if let Ok(note) = std::fs::read_to_string(path.join(UNREADABLE)) {
        return Err(corrupt(note.trim().to_string()));
    }
    let had_log = std::fs::metadata(path.join("db")).is_ok_and(|m| m.len() > 0);
    let config = sled::Config::new().path(path).cache_capacity(CACHE_BYTES);
    match quietly(|| config.open()) {
        Err(panic) => Err(corrupt(panic)),
        Ok(Ok(db)) if had_log && !db.was_recovered() => {
            drop(db);
            let note = "sled recovered none of its records from its log (cut short or damaged) and \
                        wrote a new, empty log over it";
            std::fs::write(path.join(UNREADABLE), note).map_err(|source| StoreError::Io {
                path: path.join(UNREADABLE),
                source,
            })?;
            Err(corrupt(note.into()))
        }
        Ok(Ok(db)) => Ok(db),
        Ok(Err(sled::Error::Io(io)))
            if io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("lock") =>
        {
            Err(StoreError::Locked {
                path: path.to_path_buf(),
            })
        }
        Ok(Err(source @ sled::Error::Corruption { .. })) => Err(corrupt(source.to_string())),
        Ok(Err(source)) => Err(StoreError::Sled {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Runs `f`, returning the message of a panic instead of unwinding; the panic is not printed (it
/// becomes an error that says what to do).
fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    // The hook is process-wide: two opens at once must not restore each other's silent hook.
    static HOOK: Mutex<()> = Mutex::new(());
    let _swapping = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "sled panicked while reading it".into())
    })
}

impl Store {
    /// Opens the store in `path`; when its files cannot be read, first moves them aside to
    /// `<path>.unreadable-<n>` and opens a new store. Returns where the old one went, if it moved.
    pub fn open_or_set_aside(path: &Path) -> Result<(Store, Option<PathBuf>), StoreError> {
        match Store::open(path) {
            Err(StoreError::Corrupt { .. }) => {
                let aside = free_sibling(path);
                std::fs::rename(path, &aside).map_err(|source| StoreError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
                Ok((Store::open(path)?, Some(aside)))
            }
            other => other.map(|store| (store, None)),
        }
    }
}

/// `<path>.unreadable-<n>` with the first `n` not taken.
fn free_sibling(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".unreadable-");
    (1u32..)
        .map(|n| {
            let mut candidate = name.clone();
            candidate.push(n.to_string());
            PathBuf::from(candidate)
        })
        .find(|candidate| !candidate.exists())
        .unwrap_or_else(|| path.with_extension("unreadable"))
}
