//! `kdgat job exec --spec spec.json`: runs (or resumes) one attempt in this process — a model stage,
//! stopping cleanly on SIGUSR2/SIGTERM with a resumable checkpoint (exit status 75), or a dataset's
//! graph cache. `kdgat job spec` writes a spec for a run by hand.

use kdgat_jobs::run_dir::{JobSpec, ModelWork, Work};

use crate::cli::{JobExecArgs, JobSpecArgs};
use crate::error::UserError;
use crate::output::outln;

/// Runs the attempt.
pub fn exec(args: &JobExecArgs) -> anyhow::Result<()> {
    let spec = JobSpec::load(&args.spec).map_err(|e| UserError::InvalidData(Box::new(e)))?;
    match &spec.work {
        Work::Graphs(work) => {
            let report = kdgat_jobs::graph::run_graphs_job(&spec, work)
                .map_err(super::graphs::ensure_error)?;
            super::graphs::print_report(&report, false)
        }
        Work::Model(work) => exec_model(&spec, work),
    }
}

/// Writes a spec (the one writer of spec.json, for scripts and runs by hand).
pub fn spec(args: &JobSpecArgs) -> anyhow::Result<()> {
    let here = std::env::current_dir()?;
    let spec = JobSpec {
        run_dir: here.join(&args.run_dir),
        legacy: args.legacy,
        work: Work::Model(ModelWork {
            stage: args.stage,
            config: here.join(&args.config),
            cache_dir: here.join(&args.cache_dir),
            base_dir: here.join(
                args.base_dir
                    .as_deref()
                    .unwrap_or(std::path::Path::new(".")),
            ),
            upstream: Default::default(),
        }),
        resume: true,
        inputs: Default::default(),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| spec.run_dir.join(kdgat_jobs::run_dir::SPEC));
    spec.write(&out)?;
    outln!("{}", out.display())?;
    Ok(())
}

#[cfg(feature = "train")]
fn exec_model(spec: &JobSpec, work: &ModelWork) -> anyhow::Result<()> {
    use kdgat_jobs::stages;
    use kdgat_jobs::training::engine::Outcome;
    use kdgat_jobs::training::preempt::StopFlag;

    use crate::error::Preempted;

    let stop = StopFlag::on_signals()?;
    match stages::run(spec, work, &stop).map_err(stage_error)? {
        Outcome::Finished {
            epochs,
            best_epoch,
            best_val_loss,
            stopped_early,
        } => {
            outln!(
                "{} finished after {epochs} epochs{}: best epoch {}, val_loss {}; outputs in {}",
                work.stage,
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
        other => UserError::InvalidData(Box::new(other)).into(),
    }
}

/// Without the `train` feature there is no model compute to run.
#[cfg(not(feature = "train"))]
fn exec_model(_spec: &JobSpec, _work: &ModelWork) -> anyhow::Result<()> {
    Err(UserError::NotAvailable {
        command: "job exec of a model stage (built without the `train` feature)",
    }
    .into())
}
