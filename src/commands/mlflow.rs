//! `kdgat mlflow sync`: optionally queues the tracking operations of a run directory tree (nested
//! under a sweep's parent run) or the operations set aside earlier, then delivers the store's
//! MLflow outbox exactly once. A failure of the setup (credentials, URL, experiment) leaves the
//! whole queue in place and says what to fix.

use kdgat_actors::import::{run_dir_ops, run_dirs};
use kdgat_jobs::timestamp::utc_now_iso8601;
use kdgat_tracking::reference::sweep_start;
use kdgat_tracking::{Drainer, MlflowClient, TrackingConfig, TrackingError};
use serde_json::json;

use crate::cli::{GlobalArgs, MlflowCommand, MlflowSyncArgs};
use crate::error::UserError;
use crate::output::outln;

/// Runs `kdgat mlflow …`.
pub fn run(global: &GlobalArgs, command: MlflowCommand) -> anyhow::Result<()> {
    match command {
        MlflowCommand::Sync(args) => sync(global, &args),
    }
}

fn sync(global: &GlobalArgs, args: &MlflowSyncArgs) -> anyhow::Result<()> {
    let mut config =
        TrackingConfig::from_env()
            .map_err(invalid)?
            .ok_or(UserError::NotConfigured {
                what: "the MLflow tracking server",
                hint: "set MLFLOW_TRACKING_URI (e.g. http://127.0.0.1:5005; scripts/mlflow-up.sh \
                   starts a local server)",
            })?;
    config.experiment = args.experiment.clone();
    config.retry.max_attempts = args.max_attempts;
    let store = super::db::open_store(&global.state_dir)?;

    let mut queued = 0usize;
    if let Some(runs_dir) = &args.runs_dir {
        let sweep = args.sweep.clone().unwrap_or_else(|| {
            runs_dir
                .canonicalize()
                .ok()
                .and_then(|p| Some(p.file_name()?.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "runs".into())
        });
        let now_ms = i64::try_from(
            std::time::UNIX_EPOCH
                .elapsed()
                .unwrap_or_default()
                .as_millis(),
        )
        .unwrap_or(i64::MAX);
        let mut ops = vec![sweep_start(&sweep, now_ms)];
        let import_error = |e| UserError::InvalidData(Box::new(e));
        for run_dir in run_dirs(runs_dir).map_err(import_error)? {
            ops.extend(run_dir_ops(runs_dir, &run_dir, Some(&sweep)).map_err(import_error)?);
        }
        // Check everything before queueing anything: a bad directory queues nothing.
        for op in &ops {
            op.validate().map_err(invalid)?;
        }
        for op in &ops {
            op.enqueue(&store)?;
        }
        queued = ops.len();
    }
    let retried = if args.retry_set_aside {
        store.retry_set_aside()?
    } else {
        0
    };

    let client = MlflowClient::new(&config).map_err(invalid)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut drainer = Drainer::new(&client, &store, &config.experiment, utc_now_iso8601);
    let outcome = runtime.block_on(drainer.drain());
    let pending = store.outbox()?.len();
    let set_aside = store.set_aside()?.len();
    let report = match outcome {
        Ok(report) => report,
        Err(error) if error.is_transient() => {
            anyhow::bail!(
                "{error}\n{pending} tracking operations stay queued in {}; run `kdgat mlflow sync` \
                 again once {} answers",
                global.state_dir.display(),
                client.base_url()
            );
        }
        Err(error) => match error.hint() {
            Some(hint) => {
                return Err(UserError::InvalidData(
                    format!(
                        "{error}\n{hint}\n{pending} tracking operations stay queued in {} (none \
                         was set aside for this); run `kdgat mlflow sync` again once it is fixed",
                        global.state_dir.display()
                    )
                    .into(),
                )
                .into());
            }
            None => return Err(error.into()),
        },
    };
    if args.json {
        let rejected: Vec<_> = report
            .rejected
            .iter()
            .map(|r| json!({ "seq": r.seq, "run_key": r.run_key, "error": r.message }))
            .collect();
        outln!(
            "{}",
            json!({
                "server": client.base_url(),
                "experiment": config.experiment,
                "queued": queued,
                "retried": retried,
                "delivered": report.delivered,
                "points_sent": report.points_sent,
                "points_already_there": report.points_already_there,
                "rejected": rejected,
                "set_aside": set_aside,
                "pending": pending,
            })
        )?;
    } else {
        outln!(
            "{}: delivered {} operations ({} metric points sent, {} already there), {} rejected, \
             {pending} pending (queued {queued} now, {retried} retried), {set_aside} set aside, to \
             experiment {:?}",
            client.base_url(),
            report.delivered,
            report.points_sent,
            report.points_already_there,
            report.rejected.len(),
            config.experiment,
        )?;
        for r in &report.rejected {
            outln!("rejected for {}: {}", r.run_key, r.message)?;
        }
    }
    if !report.rejected.is_empty() {
        anyhow::bail!(
            "the server refused {} operations: they are set aside (and kept as `mlflow_rejected` \
             events of their runs); `kdgat mlflow sync --retry-set-aside` queues them again",
            report.rejected.len()
        );
    }
    Ok(())
}

fn invalid(error: TrackingError) -> anyhow::Error {
    match error {
        TrackingError::Invalid { .. } | TrackingError::Io { .. } => {
            UserError::InvalidData(Box::new(error)).into()
        }
        other => other.into(),
    }
}
