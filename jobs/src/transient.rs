//! Which failures of a job may pass if it runs again: what a job marks `"transient": true` in its
//! `failed` event, and the supervisor retries (bounded) while it fails a run at once for anything
//! else. Transient: an interrupted, timed-out or would-block I/O call, and the errors a shared file
//! system gives while a server or the network has trouble (EIO, ESTALE, EAGAIN). A missing file, a
//! bad config, corrupt data are not: running again gives the same error.

use std::io::{Error, ErrorKind};

/// `EIO`, `EAGAIN` and `ESTALE` on Linux.
const TRANSIENT_OS_ERRORS: [i32; 3] = [5, 11, 116];

/// Whether an I/O error may pass if the job runs again.
pub fn io_error_is_transient(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Interrupted | ErrorKind::TimedOut | ErrorKind::WouldBlock
    ) || error
        .raw_os_error()
        .is_some_and(|code| TRANSIENT_OS_ERRORS.contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_file_system_trouble_is_transient_and_missing_files_are_not() {
        assert!(io_error_is_transient(&Error::from_raw_os_error(5)));
        assert!(io_error_is_transient(&Error::from_raw_os_error(116)));
        assert!(io_error_is_transient(&Error::from(ErrorKind::TimedOut)));
        assert!(!io_error_is_transient(&Error::from_raw_os_error(2)));
        assert!(!io_error_is_transient(&Error::from(ErrorKind::NotFound)));
        assert!(!io_error_is_transient(&Error::from(ErrorKind::InvalidData)));
    }
}
