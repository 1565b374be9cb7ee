//! What `kdgat submit` checks before it runs anything, so that a setup that cannot work fails in a
//! second with its cause rather than as failed runs: every dataset whose graph cache must be built
//! has captures, the scheduler takes jobs, and the tracking server answers. A tracking server that
//! does not answer is only a warning (the sweep runs, its tracking stays queued); one that refuses
//! the credentials, or is not MLflow, is an error.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use kdgat_actors::plan::{Freshness, Plan, RunKind};
use kdgat_actors::settings::{SchedulerKind, Settings};
use kdgat_cluster::Scheduler;
use kdgat_jobs::catalog::{Catalog, PresenceStatus, survey};
use kdgat_tracking::{MlflowClient, TrackingConfig};

use crate::error::{SchedulerSetting, UserError, warn};

/// Every dataset whose `graphs` run will run from CSV captures has at least one under the data root.
pub fn data(
    plan: &Plan,
    decisions: &BTreeMap<String, Freshness>,
    catalog: &Catalog,
) -> Result<(), UserError> {
    if plan.request.parquet_root.is_some() {
        return Ok(());
    }
    let building = plan.runs.iter().filter(|run| {
        run.kind == RunKind::Graphs && decisions.get(&run.run_id).is_some_and(Freshness::runs)
    });
    for run in building {
        let Some(entry) = catalog.get(&run.dataset) else {
            continue;
        };
        let found = survey(&run.dataset, entry, &plan.request.data_root);
        if found.status == PresenceStatus::Missing {
            return Err(UserError::NoData {
                dataset: run.dataset.clone(),
                dir: found.dir,
            });
        }
    }
    Ok(())
}

/// The scheduler takes jobs (for SLURM: its client runs and reaches the controller).
pub fn scheduler(
    scheduler: &dyn Scheduler,
    settings: &Settings,
    file: Option<&Path>,
) -> Result<(), UserError> {
    if settings.scheduler != SchedulerKind::Slurm {
        return Ok(());
    }
    scheduler.check().map_err(|e| UserError::Slurm {
        problem: e.setup_problem(),
        detail: e.summary(),
        setting: match (std::env::var_os("KDGAT_SCHEDULER"), file) {
            (None, Some(path)) => SchedulerSetting::File(path.to_path_buf()),
            _ => SchedulerSetting::Env,
        },
    })
}

/// The tracking server answers and takes the credentials: one request (the experiment, by name),
/// retried once. Not answering is a warning; a refusal is an error.
pub fn tracking(config: &TrackingConfig) -> Result<(), UserError> {
    let mut config = config.clone();
    config.retry.max_attempts = 2;
    config.request_timeout = Duration::from_secs(10);
    let client = MlflowClient::new(&config).map_err(|e| UserError::InvalidData(e.into()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| UserError::InvalidData(e.into()))?;
    let Err(source) = runtime.block_on(client.experiment_by_name(&config.experiment)) else {
        return Ok(());
    };
    let error = UserError::Tracking {
        uri: client.base_url().to_string(),
        source,
    };
    match &error {
        UserError::Tracking { source, .. } if source.is_transient() => {
            warn(&error.into());
            Ok(())
        }
        _ => Err(error),
    }
}
