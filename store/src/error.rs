//! Store errors.

use std::path::PathBuf;

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another live process holds the store.
    #[error("state store {path} is in use by another process (is a kdgat daemon running?)")]
    Locked {
        /// The store directory.
        path: PathBuf,
    },
    /// The store's files cannot be read (truncated or damaged).
    #[error(
        "state store {path} cannot be read ({message}); `kdgat recover --runs-dir DIR` moves it \
         aside and rebuilds the store from the run directories"
    )]
    Corrupt {
        /// The store directory.
        path: PathBuf,
        /// What sled reported.
        message: String,
    },
    /// sled failed.
    #[error("state store {path}: {source}")]
    Sled {
        /// The store directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: sled::Error,
    },
    /// A record could not be decoded (corrupt, or written by a newer kdgat).
    #[error("state store record {key}: {message}")]
    Record {
        /// The record's key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// SQLite failed.
    #[error("SQLite {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file's content is not what it should be.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An analytics parameter is not a plain identifier.
    #[error("invalid {what} `{value}`: must match ^[a-zA-Z_][a-zA-Z0-9_]*$")]
    BadIdentifier {
        /// Which parameter.
        what: &'static str,
        /// The value given.
        value: String,
    },
    /// A user's SQL (`kdgat db query`) cannot run: a syntax error, an unknown table or column, a
    /// statement that would write, or one that ran past its time limit.
    #[error("query refused: {message}")]
    Query {
        /// What is wrong, and how to fix it where that is not obvious.
        message: String,
    },
    /// An analytics request names a run that does not exist.
    #[error("run `{0}` not found")]
    UnknownRun(String),
}
