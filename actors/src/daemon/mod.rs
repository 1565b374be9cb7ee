//! The daemon: one supervisor tree per state directory, living on after the command that started
//! it, driven over a Unix socket. [`lock`] makes it the only one for its state directory;
//! [`server`] hosts the [`Session`](crate::tree::Session) and answers the socket; [`client`] is how
//! the CLI talks to it; [`protocol`] is what they say (one JSON request per connection, JSON-line
//! replies).
//!
//! Everything sits in the state directory ([`DaemonPaths`]): `daemon.sock` (mode 0600: only its
//! owner can drive it), `daemon.lock` (held while it runs, with its pid) and `daemon.log`.

pub mod client;
mod error;
pub mod lock;
pub mod protocol;
pub mod server;

use std::path::{Path, PathBuf};

pub use client::DaemonClient;
pub use error::DaemonError;
pub use lock::DaemonLock;
pub use protocol::{DaemonInfo, Reply, Request};
pub use server::serve;

/// Where a state directory's daemon keeps its socket, lock and log.
#[derive(Debug, Clone)]
pub struct DaemonPaths {
    /// The control socket.
    pub socket: PathBuf,
    /// The lock file (holds the daemon's pid).
    pub lock: PathBuf,
    /// The daemon's log.
    pub log: PathBuf,
}

impl DaemonPaths {
    /// The paths in `state_dir`.
    pub fn of(state_dir: &Path) -> DaemonPaths {
        DaemonPaths {
            socket: state_dir.join("daemon.sock"),
            lock: state_dir.join("daemon.lock"),
            log: state_dir.join("daemon.log"),
        }
    }
}
