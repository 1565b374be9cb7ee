//! Errors the user is expected to see, with their exit codes, and how any error is reported.

use std::path::PathBuf;
use std::process::ExitCode;

use kdgat_cluster::SetupProblem;
use kdgat_jobs::catalog::CatalogError;
use kdgat_jobs::config::ConfigError;
use kdgat_store::StoreError;
use kdgat_tracking::TrackingError;

use crate::exit_code;
use crate::fix::fix;
use crate::output::StdoutError;

/// An error caused by the user's input or request, as opposed to a failure of the work itself.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// A configuration problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A catalog problem.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A dataset name the catalog does not know.
    #[error("unknown dataset `{name}` (catalog has: {known})")]
    UnknownDataset {
        /// The name given.
        name: String,
        /// The catalog's names, comma-separated.
        known: String,
    },
    /// Input data that cannot be used (a bad row, a missing header, a missing capture); the message
    /// names the file and line.
    #[error(transparent)]
    InvalidData(Box<dyn std::error::Error + Send + Sync>),
    /// A service the command needs is not configured.
    #[error("{what} is not configured: {hint}")]
    NotConfigured {
        /// The service.
        what: &'static str,
        /// How to configure it.
        hint: &'static str,
    },
    /// A command-line value outside what the flag accepts.
    #[error("{flag}: {message}")]
    BadArgument {
        /// The flag.
        flag: &'static str,
        /// What is wrong.
        message: String,
    },
    /// `db export` was given a place it must not write.
    #[error("cannot export to {path}: it {reason}")]
    ExportTarget {
        /// The path given.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// A dataset with no capture under the data root.
    #[error("dataset `{dataset}` has no captures: no CSV file in any of its folders under {}", dir.display())]
    NoData {
        /// The dataset.
        dataset: String,
        /// Its CSV root under the data root.
        dir: PathBuf,
    },
    /// The scheduler asked for cannot take jobs.
    #[error("{setting}, but {}", slurm_cause(*problem, detail))]
    Slurm {
        /// What its check found.
        problem: SetupProblem,
        /// The check's failure, in one line.
        detail: String,
        /// Where `scheduler = "slurm"` came from.
        setting: SchedulerSetting,
    },
    /// The tracking server cannot be used.
    #[error(
        "the tracking server {uri} (MLFLOW_TRACKING_URI) {}: {source}",
        if source.is_transient() { "does not answer" } else { "refused the request" }
    )]
    Tracking {
        /// The server (without credentials).
        uri: String,
        /// Why.
        #[source]
        source: TrackingError,
    },
    /// A command this build leaves out (built without the `train` feature).
    #[cfg_attr(feature = "train", allow(dead_code))]
    #[error("`kdgat {command}` is not available in this build")]
    NotAvailable {
        /// The command.
        command: &'static str,
    },
    /// The command needs the state directory's daemon, and none runs.
    #[error("no daemon runs for state directory {}", state_dir.display())]
    NoDaemon {
        /// The state directory.
        state_dir: PathBuf,
    },
    /// The daemon could not be started, reached or refused the request.
    #[error(transparent)]
    Daemon(#[from] kdgat_actors::daemon::DaemonError),
}

impl UserError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            UserError::NotAvailable { .. }
            | UserError::NoDaemon { .. }
            | UserError::NotConfigured { .. }
            | UserError::Slurm { .. } => exit_code::NOT_AVAILABLE,
            _ => exit_code::INVALID_INPUT,
        }
    }
}

/// Where the cluster config's `scheduler` was set, which is where it is changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchedulerSetting {
    /// `KDGAT_SCHEDULER`.
    Env,
    /// The cluster config file.
    File(PathBuf),
}

impl SchedulerSetting {
    /// The setting that chooses `kind` (`slurm`, `local`), as the user would write it.
    pub fn choosing(&self, kind: &str) -> String {
        match self {
            SchedulerSetting::Env => format!("KDGAT_SCHEDULER={kind}"),
            SchedulerSetting::File(path) => {
                format!("scheduler = \"{kind}\" in {}", path.display())
            }
        }
    }
}

impl std::fmt::Display for SchedulerSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.choosing("slurm"))
    }
}

fn slurm_cause(problem: SetupProblem, detail: &str) -> String {
    let what = match problem {
        SetupProblem::NotInstalled => "SLURM's client tools are not installed here",
        SetupProblem::NotConfigured => "SLURM has no configuration here",
        SetupProblem::Unreachable => "the SLURM controller does not answer",
        SetupProblem::Other => "SLURM refused the check",
    };
    format!("{what}: {detail}")
}

/// A job that stopped on request after writing a resumable checkpoint.
#[derive(Debug, thiserror::Error)]
#[error(
    "preempted at epoch {epoch}, step {step}: a resumable checkpoint is in {run_dir}; run the same spec again to resume"
)]
pub struct Preempted {
    /// The epoch in progress.
    pub epoch: u32,
    /// Steps of it done.
    pub step: usize,
    /// The run directory.
    pub run_dir: String,
}

/// Prints the error with its causes to stderr and returns the matching exit code.
pub fn report(err: &anyhow::Error) -> ExitCode {
    // Whoever read our output stopped reading (`kdgat db query … | head -1`): nothing to say.
    if err
        .downcast_ref::<StdoutError>()
        .is_some_and(StdoutError::is_closed_pipe)
    {
        return ExitCode::from(exit_code::SUCCESS);
    }
    tracing::debug!("{err:?}");
    if err.downcast_ref::<Preempted>().is_some() {
        tracing::warn!("{err}");
        return ExitCode::from(exit_code::PREEMPTED);
    }
    let code = match (
        err.downcast_ref::<UserError>(),
        err.downcast_ref::<StoreError>(),
    ) {
        (Some(user), _) => user.exit_code(),
        (
            None,
            Some(
                StoreError::BadIdentifier { .. }
                | StoreError::UnknownRun(_)
                | StoreError::Query { .. }
                | StoreError::Locked { .. },
            ),
        ) => exit_code::INVALID_INPUT,
        _ => exit_code::FAILURE,
    };
    print("error", err);
    ExitCode::from(code)
}

/// Prints a problem the command works around (it goes on) with what would fix it.
pub fn warn(err: &anyhow::Error) {
    print("warning", err);
}

/// `LEVEL: cause`, then `  fix: what to do` when there is a known fix.
fn print(level: &str, err: &anyhow::Error) {
    #[expect(clippy::print_stderr, reason = "the one place errors reach the user")]
    {
        eprintln!("{level}: {}", message(err));
        if let Some(fix) = fix(err) {
            eprintln!("  fix: {fix}");
        }
    }
}

/// The error and its causes on one line, each cause once: messages that already quote their cause
/// (`path: cause`) do not get it again.
fn message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}
