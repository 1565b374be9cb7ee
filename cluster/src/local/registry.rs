//! A job's registry entry `<root>/<id>/`: `spec.json`, `pid` (the wrapper's pid and start time, so
//! that a pid the kernel gave to another process later is not taken for the job), `started`, and
//! the `cancelled` / `timed_out` markers, with what they make of a finished job's status. Every
//! file is written atomically (a temporary file in the entry, flushed, then renamed over the name),
//! so a supervisor that crashes mid-write leaves the old content or the new, never a torn file.

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::process_group::Process;
use crate::status::{ExitStatus, JobState, JobStatus};

/// Writes `bytes` to `path` atomically.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written = std::fs::File::create(&tmp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// The `pid` file's text: `PID START_TIME`.
pub(super) fn process_text(process: &Process) -> String {
    match process.start {
        Some(start) => format!("{} {start}\n", process.pid),
        None => format!("{}\n", process.pid),
    }
}

/// A `pid` file's process (a bare pid, from before start times were kept, has none).
pub(super) fn read_process(path: &Path) -> Option<Process> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut fields = text.split_whitespace();
    let pid = fields.next()?.parse().ok()?;
    let start = match fields.next() {
        Some(start) => Some(start.parse().ok()?),
        None => None,
    };
    Some(Process { pid, start })
}

/// A number written alone in a file (start time, exit code); `None` if absent or not a number.
pub(super) fn read_number<T: std::str::FromStr>(path: &Path) -> Option<T> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Seconds since the epoch, now.
pub(super) fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Why a job was stopped by us, from its marker files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stopped {
    /// Not by us.
    No,
    /// Cancelled.
    Cancelled,
    /// Past its time limit.
    TimedOut,
}

impl Stopped {
    pub(super) const CANCELLED: &str = "cancelled";
    pub(super) const TIMED_OUT: &str = "timed_out";

    pub(super) fn read(entry: &Path) -> Stopped {
        if entry.join(Self::CANCELLED).exists() {
            Stopped::Cancelled
        } else if entry.join(Self::TIMED_OUT).exists() {
            Stopped::TimedOut
        } else {
            Stopped::No
        }
    }
}

/// The status of a job whose wrapper ended with `code` (or was killed by `signal`).
pub(super) fn finished(code: i32, signal: i32, stopped: Stopped) -> JobStatus {
    let exit = ExitStatus {
        code: u8::try_from(code).unwrap_or(u8::MAX),
        signal: u8::try_from(signal).unwrap_or(u8::MAX),
    };
    let state = match (stopped, code, signal) {
        (Stopped::Cancelled, _, _) => JobState::Cancelled { by: None },
        (Stopped::TimedOut, _, _) => JobState::Timeout,
        (Stopped::No, 0, 0) => JobState::Completed,
        _ => JobState::Failed,
    };
    JobStatus {
        exit: Some(exit),
        ..JobStatus::new(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_files_round_trip_with_and_without_a_start_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pid");
        for process in [
            Process {
                pid: 42,
                start: Some(7),
            },
            Process {
                pid: 42,
                start: None,
            },
        ] {
            write_atomic(&path, process_text(&process).as_bytes()).unwrap();
            assert_eq!(read_process(&path), Some(process));
        }
        std::fs::write(&path, "42 x\n").unwrap();
        assert_eq!(read_process(&path), None);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left");
    }
}
