//! What can go wrong starting, serving or reaching a daemon.

use std::path::PathBuf;

/// A daemon error.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Another daemon holds this state directory.
    #[error(
        "a daemon already runs for state directory {} (pid {pid}); `kdgat daemon stop` stops it",
        state_dir.display()
    )]
    AlreadyRunning {
        /// The state directory.
        state_dir: PathBuf,
        /// The running daemon's pid, as its lock file says.
        pid: String,
    },
    /// A file of the daemon's could not be used.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The socket path is longer than a Unix socket address holds.
    #[error(
        "the daemon's socket path {} is {len} bytes, longer than the {max} a Unix socket takes; \
         use a shorter --state-dir",
        path.display()
    )]
    SocketPathTooLong {
        /// The path.
        path: PathBuf,
        /// Its length.
        len: usize,
        /// The most a socket address holds.
        max: usize,
    },
    /// The daemon answered something this client does not understand, or hung up.
    #[error("the daemon's reply could not be read: {0}")]
    Protocol(String),
    /// The daemon refused the request.
    #[error("{0}")]
    Refused(String),
    /// The supervisor tree could not start.
    #[error("the supervisor could not start: {0}")]
    Start(String),
}

impl DaemonError {
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> DaemonError + '_ {
        move |source| DaemonError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
