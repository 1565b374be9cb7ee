//! `kdgat job exec --spec spec.json`: runs (or resumes) one attempt of a model stage in this process,
//! stopping cleanly on SIGUSR2/SIGTERM with a resumable checkpoint (exit status 75).

use crate::cli::JobExecArgs;
use crate::output::outln;

/// Runs the attempt.
#[cfg(feature = "train")]
pub fn exec(args: &JobExecArgs) -> anyhow::Result<()> {
    use kdgat_jobs::stages::{self, JobSpec};
    use kdgat_jobs::training::engine::Outcome;
    use kdgat_jobs::training::preempt::StopFlag;

    use crate::error::Preempted;

    let stop = StopFlag::on_signals()?;
    let spec = JobSpec::load(&args.spec).map_err(stage_error)?;
    match stages::run(&spec, &stop).map_err(stage_error)? {
        Outcome::Finished {
            epochs,
            best_epoch,
            best_val_loss,
            stopped_early,
        } => {
            outln!(
                "{} finished after {epochs} epochs{}: best epoch {}, val_loss {}; outputs in {}",
                spec.stage,
                if stopped_early {
                    " (early stopping)"
                } else {
                    ""
                },
                best_epoch.map_or("-".into(), |e| e.to_string()),
                best_val_loss.map_or("-".into(), |v| format!("{v:.6}")),
                spec.run_dir.display()
            )?;
            Ok(())
        }
        Outcome::Preempted { epoch, step } => Err(Preempted {
            epoch,
            step,
            run_dir: spec.run_dir.display().to_string(),
        }
        .into()),
    }
}

/// A stage's error for the exit status: bad input (spec, config, cache, checkpoint) is the user's;
/// failing to write the run directory is not.
#[cfg(feature = "train")]
pub(super) fn stage_error(e: kdgat_jobs::stages::StageError) -> anyhow::Error {
    use kdgat_jobs::stages::StageError;
    match e {
        StageError::Io { .. } => e.into(),
        other => crate::error::UserError::InvalidData(Box::new(other)).into(),
    }
}

/// Without the `train` feature there is no compute to run.
#[cfg(not(feature = "train"))]
pub fn exec(_args: &JobExecArgs) -> anyhow::Result<()> {
    Err(crate::error::UserError::NotAvailable {
        command: "job exec (built without the `train` feature)",
    }
    .into())
}
