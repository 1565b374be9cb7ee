//! One daemon per state directory: an exclusive lock (`flock`) on `daemon.lock`, held for the
//! daemon's life and released by the kernel however it ends (a crash leaves no stale lock). The file holds the
//! holder's pid, for the message that refuses a second daemon.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;

use fs2::FileExt;

use super::{DaemonError, DaemonPaths};

/// The held lock; dropping it releases the state directory.
#[derive(Debug)]
pub struct DaemonLock {
    _file: File,
}

impl DaemonLock {
    /// Takes the state directory for this process, or says which daemon has it.
    pub fn claim(state_dir: &Path) -> Result<DaemonLock, DaemonError> {
        std::fs::create_dir_all(state_dir).map_err(DaemonError::io(state_dir))?;
        let path = DaemonPaths::of(state_dir).lock;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(DaemonError::io(&path))?;
        if let Err(error) = file.try_lock_exclusive() {
            if error.kind() != fs2::lock_contended_error().kind() {
                return Err(DaemonError::io(&path)(error));
            }
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            return Err(DaemonError::AlreadyRunning {
                state_dir: state_dir.to_path_buf(),
                pid: pid.trim().to_string(),
            });
        }
        file.set_len(0).map_err(DaemonError::io(&path))?;
        file.rewind().map_err(DaemonError::io(&path))?;
        writeln!(file, "{}", std::process::id()).map_err(DaemonError::io(&path))?;
        Ok(DaemonLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_is_refused_with_the_holders_pid_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DaemonLock::claim(dir.path()).unwrap();
        let refused = DaemonLock::claim(dir.path()).unwrap_err();
        let text = refused.to_string();
        assert!(
            text.contains(&std::process::id().to_string()) && text.contains("kdgat daemon stop"),
            "{text}"
        );
        drop(first);
        DaemonLock::claim(dir.path()).unwrap();
    }
}
