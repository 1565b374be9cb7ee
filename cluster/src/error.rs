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

/// stderr fragments of SLURM clients that find no configuration (no `SLURM_CONF`, no
/// `/etc/slurm/slurm.conf`, no DNS SRV record) or cannot read the one they were given.
const UNCONFIGURED_STDERR: [&str; 3] = [
    "Could not establish a configuration source",
    "Unable to process configuration file",
    "s_p_parse_file",
];

/// stderr fragments of SLURM clients that were configured but found no controller.
const UNREACHABLE_STDERR: [&str; 3] = [
    "Unable to contact slurm controller",
    "Socket timed out",
    "Connection refused",
];

/// Why a scheduler's check failed: what the user has to set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupProblem {
    /// Its program could not be started (not installed, not on PATH).
    NotInstalled,
    /// The program runs but has no configuration.
    NotConfigured,
    /// The program is configured but its controller does not answer.
    Unreachable,
    /// Anything else the scheduler said.
    Other,
}

impl ClusterError {
    /// What the failure of a check says about the setup.
    pub fn setup_problem(&self) -> SetupProblem {
        let said = |fragments: &[&str], stderr: &str| fragments.iter().any(|f| stderr.contains(f));
        match self {
            ClusterError::Command(CommandError::Spawn { .. }) => SetupProblem::NotInstalled,
            ClusterError::Command(CommandError::Failed { stderr, .. })
                if said(&UNCONFIGURED_STDERR, stderr) =>
            {
                SetupProblem::NotConfigured
            }
            ClusterError::Command(CommandError::Failed { stderr, .. })
                if said(&UNREACHABLE_STDERR, stderr) =>
            {
                SetupProblem::Unreachable
            }
            ClusterError::Command(CommandError::TimedOut { .. }) => SetupProblem::Unreachable,
            _ => SetupProblem::Other,
        }
    }

    /// The failure in one line: a failed program's last line of stderr (SLURM's clients end on the
    /// one that says why), a program that could not start with the system's reason, else the message.
    pub fn summary(&self) -> String {
        match self {
            ClusterError::Command(CommandError::Failed { stderr, status, .. }) => stderr
                .lines()
                .rev()
                .map(str::trim)
                .find(|line| !line.is_empty())
                .map_or_else(|| status.clone(), str::to_string),
            ClusterError::Command(CommandError::Spawn { command, source }) => {
                let program = command.split_whitespace().next().unwrap_or(command);
                format!("`{program}` cannot be run: {source}")
            }
            other => other.to_string(),
        }
    }

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

    #[test]
    fn a_failed_check_says_what_to_set_up_in_one_line() {
        let failed = |stderr: &str| {
            ClusterError::Command(CommandError::Failed {
                command: "squeue --me".into(),
                status: "exit status: 1".into(),
                stdout: String::new(),
                stderr: stderr.into(),
            })
        };
        // Captured from squeue 23.11 with no SLURM_CONF and no /etc/slurm/slurm.conf.
        let unconfigured = failed(
            "squeue: error: resolve_ctls_from_dns_srv: res_nsearch error: Unknown host\n\
             squeue: error: fetch_config: DNS SRV lookup failed\n\
             squeue: fatal: Could not establish a configuration source\n",
        );
        assert_eq!(unconfigured.setup_problem(), SetupProblem::NotConfigured);
        assert_eq!(
            unconfigured.summary(),
            "squeue: fatal: Could not establish a configuration source"
        );
        let down =
            failed("slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n");
        assert_eq!(down.setup_problem(), SetupProblem::Unreachable);
        let missing = ClusterError::Command(CommandError::Spawn {
            command: "/opt/none/squeue -h --me".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        });
        assert_eq!(missing.setup_problem(), SetupProblem::NotInstalled);
        assert_eq!(
            missing.summary(),
            "`/opt/none/squeue` cannot be run: entity not found"
        );
        assert_eq!(failed("").summary(), "exit status: 1");
        assert_eq!(
            failed("squeue: error: Invalid user\n").setup_problem(),
            SetupProblem::Other
        );
    }
}
