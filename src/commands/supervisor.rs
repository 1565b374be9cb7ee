//! What `kdgat submit` (without a daemon) and `kdgat daemon start` share: the cluster settings they
//! read, and the supervisor's configuration, built only once the scheduler takes jobs and the
//! tracking server answers (`preflight`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kdgat_actors::settings::Settings;
use kdgat_actors::tree::{SessionConfig, scheduler_for};
use kdgat_tracking::TrackingConfig;

use super::preflight;
use crate::cli::GlobalArgs;
use crate::error::UserError;

/// The cluster settings file: the one given, else `<state dir>/cluster.toml` when present.
pub fn settings_file(global: &GlobalArgs, given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_path_buf).or_else(|| {
        let default = global.state_dir.join("cluster.toml");
        default.is_file().then_some(default)
    })
}

/// The cluster settings of `file` (the defaults without one).
pub fn settings(file: Option<&Path>) -> Result<Settings, UserError> {
    Settings::load(file).map_err(|e| UserError::InvalidData(Box::new(e)))
}

/// The supervisor's configuration, once its scheduler and tracking server pass their checks.
pub fn checked_config(
    global: &GlobalArgs,
    settings: Settings,
    file: Option<&Path>,
) -> anyhow::Result<SessionConfig> {
    let scheduler = scheduler_for(&settings, &global.state_dir)?;
    let limits = settings.limits();
    preflight::scheduler(scheduler.as_ref(), &settings, file)?;
    let tracking = TrackingConfig::from_env().map_err(|e| UserError::InvalidData(Box::new(e)))?;
    if let Some(config) = &tracking {
        preflight::tracking(config)?;
    }
    Ok(SessionConfig {
        store: Arc::new(super::db::open_store(&global.state_dir)?),
        scheduler,
        settings,
        exe: std::env::current_exe()?,
        export_path: super::db::default_export(&global.state_dir),
        tracking,
        limits,
    })
}
