//! The `fix:` line under an error or warning: for each mistake met between a new machine and a
//! finished sweep (no data, an unknown dataset, SLURM missing or unreachable, MLflow unreachable or
//! refusing the credentials, a bad override, no daemon), one concrete thing to do — a command or a setting.
//! This is the one place those fixes are written; [`crate::error`] prints them under the cause.
//! Errors without a known fix get none (their cause is the whole message).

use std::error::Error;

use kdgat_actors::plan::PlanError;
use kdgat_cluster::SetupProblem;
use kdgat_jobs::config::ConfigError;
use kdgat_jobs::graph::EnsureError;
use kdgat_tracking::TrackingError;

use crate::error::UserError;

/// What the user lists keys with, for every override mistake.
const CONFIG_KEYS: &str = "`kdgat config show` prints every config key with its default; set one as \
                           `--set KEY=VALUE` (a comma list, `--set lr=0.001,0.003`, sweeps it)";

const DATASETS: &str = "`kdgat datasets` lists the catalog's datasets and what of each is on disk \
                        (`--catalog FILE` reads another catalog)";

/// The fix for the first cause in `err`'s chain that has one.
pub fn fix(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(of)
}

/// The fix for one error, looking through the wrappers that forward to their inner error.
fn of(cause: &(dyn Error + 'static)) -> Option<String> {
    if let Some(e) = cause.downcast_ref::<UserError>() {
        return user(e);
    }
    if let Some(e) = cause.downcast_ref::<PlanError>() {
        return match e {
            PlanError::UnknownDataset { .. } => Some(DATASETS.into()),
            PlanError::BadOverride { .. } => Some(CONFIG_KEYS.into()),
            PlanError::Field(e) | PlanError::Config { source: e, .. } => config(e),
            _ => None,
        };
    }
    if let Some(e) = cause.downcast_ref::<ConfigError>() {
        return config(e);
    }
    if let Some(EnsureError::UnknownDataset { .. }) = cause.downcast_ref::<EnsureError>() {
        return Some(DATASETS.into());
    }
    if let Some(e) = cause.downcast_ref::<TrackingError>() {
        return tracking(e);
    }
    None
}

fn user(e: &UserError) -> Option<String> {
    match e {
        UserError::Config(e) => config(e),
        UserError::InvalidData(inner) => of(inner.as_ref()),
        UserError::UnknownDataset { .. } => Some(DATASETS.into()),
        UserError::NoData { dataset, .. } if dataset == "synthetic" => {
            Some("`kdgat synth` writes it (give it the same `--data-root`, if you gave one)".into())
        }
        UserError::NoData { dir, .. } => Some(format!(
            "copy the captures into {} in the catalog's folders (`kdgat datasets` lists them), pass \
             `--data-root DIR` (KDGAT_DATA_ROOT) where they are, or try the synthetic dataset: \
             `kdgat synth && kdgat submit synthetic`",
            dir.display()
        )),
        UserError::Slurm {
            problem, setting, ..
        } => {
            let fix = match problem {
                SetupProblem::NotInstalled => {
                    "install SLURM's client tools (sbatch, squeue, sacct) on PATH, or name their \
                     folder as `program_dir` under [slurm]"
                }
                SetupProblem::NotConfigured => {
                    "set SLURM_CONF to the cluster's slurm.conf (or install it as \
                     /etc/slurm/slurm.conf)"
                }
                SetupProblem::Unreachable => {
                    "start slurmctld, or correct SlurmctldHost/SlurmctldPort in the slurm.conf \
                     SLURM_CONF names (`scontrol ping` says whether the controller is up)"
                }
                SetupProblem::Other => "run `squeue --me` to see SLURM's whole answer",
            };
            Some(format!(
                "{fix}; or run the sweep on this machine: {}",
                setting.choosing("local")
            ))
        }
        UserError::Tracking { source, .. } => tracking(source),
        UserError::NoDaemon { .. } => Some(
            "`kdgat daemon start` starts one (with the same --state-dir); a sweep submitted without \
             a daemon runs in its own terminal, where Ctrl-C cancels it"
                .into(),
        ),
        _ => None,
    }
}

fn config(e: &ConfigError) -> Option<String> {
    match e {
        ConfigError::UnknownField { .. }
        | ConfigError::BadOverride { .. }
        | ConfigError::Field { .. }
        | ConfigError::Invalid(_) => Some(CONFIG_KEYS.into()),
        _ => None,
    }
}

/// A server that does not answer has a fix of its own; the setup failures keep the tracking
/// crate's hints (credentials, a URL that is not MLflow's, the experiment).
fn tracking(e: &TrackingError) -> Option<String> {
    if e.is_transient() {
        return Some(
            "start the server (scripts/mlflow-up.sh) and run `kdgat mlflow sync` to deliver what \
             stayed queued, or unset MLFLOW_TRACKING_URI to run without tracking"
                .into(),
        );
    }
    e.hint().map(String::from)
}
