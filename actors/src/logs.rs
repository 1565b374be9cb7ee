//! `kdgat logs`: an attempt's stdout or stderr as its scheduler wrote them into the attempt
//! directory, printed whole or followed while the attempt runs (as `tail -f` would, stopping once
//! the attempt has ended and its last bytes are out). Where the attempt ran and whether it ended
//! come from the caller (the project database), so this works alike for the local executor and SLURM.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use kdgat_cluster::{STDERR_FILE, STDOUT_FILE};

/// Which of an attempt's logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    /// The batch job's standard output.
    Stdout,
    /// The batch job's standard error.
    Stderr,
}

impl LogStream {
    /// The log's file in `attempt_dir`.
    pub fn path(self, attempt_dir: &Path) -> PathBuf {
        attempt_dir.join(match self {
            LogStream::Stdout => STDOUT_FILE,
            LogStream::Stderr => STDERR_FILE,
        })
    }
}

/// Copies what `path` holds past `offset` to `out` and returns the new offset. A file that is not
/// there yet (a job still queued) holds nothing.
pub fn copy_from(path: &Path, offset: u64, out: &mut impl Write) -> std::io::Result<u64> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(offset),
        Err(e) => return Err(e),
    };
    file.seek(SeekFrom::Start(offset))?;
    let copied = std::io::copy(&mut file, out)?;
    out.flush()?;
    Ok(offset + copied)
}

/// Copies `path` to `out` as it grows, every `poll`, until `ended()` says the attempt is over; what
/// was written before it ended is always copied.
pub fn follow(
    path: &Path,
    out: &mut impl Write,
    poll: Duration,
    mut ended: impl FnMut() -> std::io::Result<bool>,
) -> std::io::Result<()> {
    let mut offset = 0;
    loop {
        // Asked before copying: bytes written before the end are out by the last copy.
        let over = ended()?;
        offset = copy_from(path, offset, out)?;
        if over {
            return Ok(());
        }
        std::thread::sleep(poll);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_followed_log_is_copied_whole_as_it_grows_until_the_attempt_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = LogStream::Stderr.path(dir.path());
        let mut out = Vec::new();
        assert_eq!(copy_from(&path, 0, &mut out).unwrap(), 0, "not there yet");
        let mut polls = 0;
        follow(&path, &mut out, Duration::from_millis(1), || {
            polls += 1;
            // The job writes a line between polls, and its last one just before it ends.
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            writeln!(file, "line {polls}")?;
            Ok(polls == 3)
        })
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "line 1\nline 2\nline 3\n");
        assert_eq!(
            LogStream::Stdout.path(dir.path()),
            dir.path().join("stdout")
        );
    }
}
