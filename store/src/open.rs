//! Opening the sled database: a store held by another process is [`StoreError::Locked`]; one whose
//! files are damaged (a truncated log makes sled panic while it recovers) is [`StoreError::Corrupt`],
//! never a panic. [`Store::open_or_set_aside`] is what `kdgat recover` uses to start over: it moves
//! an unreadable store aside (never deleting it) and opens a new one in its place.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::StoreError;
use crate::store::Store;

/// Opens sled in `path`, turning its panics on damaged files into [`StoreError::Corrupt`].
pub(crate) fn open_db(path: &Path) -> Result<sled::Db, StoreError> {
    let opened = quietly(|| sled::Config::new().path(path).open());
    let corrupt = |message: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    match opened {
        Err(panic) => Err(corrupt(panic)),
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
