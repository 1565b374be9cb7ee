//! Errors of the schedulers, with `is_transient()` for the callers that retry.

use crate::command::CommandError;
use crate::slurm::ParseError;
use crate::spec::SpecError;

/// A scheduler failure.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The spec cannot be submitted.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A scheduler program failed (command line, status and stderr inside).
    #[error(transparent)]
    Command(#[from] CommandError),
    /// A scheduler program printed something unexpected.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A file of the local executor could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// stderr fragments of SLURM clients that mean "try again later" (controller or database busy or
/// restarting), not "this request is wrong".
const TRANSIENT_STDERR: [&str; 7] = [
    "Socket timed out",
    "Unable to contact slurm controller",
    "Connection refused",
    "slurm_persist_conn_open",
    "Resource temporarily unavailable",
    "Slurm temporarily unable to accept job",
    "Job violates accounting/QOS policy (job submit limit",
];

impl ClusterError {
    /// Whether retrying the same call later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            ClusterError::Command(CommandError::Failed { stderr, .. }) => TRANSIENT_STDERR
                .iter()
                .any(|fragment| stderr.contains(fragment)),
            // A client that cannot start (not installed) will not start on retry; garbage output may
            // be a half-written reply from a restarting controller.
            ClusterError::Command(CommandError::Spawn { .. }) => false,
            // A controller that hangs now may answer on the next poll.
            ClusterError::Command(CommandError::TimedOut { .. }) => true,
            ClusterError::Parse(_) => true,
            ClusterError::Spec(_) => false,
            ClusterError::Io { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controller_outages_are_transient_and_bad_requests_are_not() {
        let failed = |stderr: &str| {
            ClusterError::Command(CommandError::Failed {
                command: "sbatch x".into(),
                status: "exit status: 1".into(),
                stdout: String::new(),
                stderr: stderr.into(),
            })
        };
        assert!(
            failed("squeue: error: Unable to contact slurm controller (connect failure)")
                .is_transient()
        );
        assert!(
            failed("sacct: error: slurm_persist_conn_open_without_init: failed").is_transient()
        );
        assert!(!failed("sbatch: error: invalid partition specified: nope").is_transient());
    }
}
