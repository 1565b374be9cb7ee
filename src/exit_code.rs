//! The exit codes of `kdgat`, for scripts and for the supervisor that runs `kdgat job exec`.
//! Code 2 is clap's: the command line itself was malformed.

/// Everything worked.
pub const SUCCESS: u8 = 0;
/// The work failed (an I/O error, a failed external command, …).
pub const FAILURE: u8 = 1;
/// The input was invalid: a config field, a catalog, a dataset name, a data file.
pub const INVALID_INPUT: u8 = 3;
/// The command is not in this build, or a service it needs (SLURM, the daemon) is not set up or
/// running here.
pub const NOT_AVAILABLE: u8 = 4;

/// A job stopped on SIGUSR2/SIGTERM after writing a resumable checkpoint (`EX_TEMPFAIL`); running it
/// again resumes it.
pub const PREEMPTED: u8 = 75;
