//! `spec.json`: what one attempt runs (written by the supervisor, or by hand for a local run).
//!
//! ```json
//! {"stage": "autoencoder", "config": "config.json", "run_dir": "experimentruns/hcrl_sa/teacher_autoencoder",
//!  "cache_dir": "data/cache/hcrl_sa", "base_dir": "."}
//! ```
//!
//! Relative paths are relative to the spec's directory. `config` is a flat config.json (the run's
//! frozen copy is written into `run_dir`); `base_dir` is where `teacher_path` is relative to
//! (default: the spec's directory). `legacy: true` runs the stage as the reference did where kdgat
//! fixed it (the VGAE trained on every graph and scored from a sampled z, …; README.md lists them),
//! for comparison with the reference's numbers.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::StageError;
use crate::config::Stage;

/// One attempt's instructions.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// The stage to run.
    pub stage: Stage,
    /// The flat config.json to run with.
    pub config: PathBuf,
    /// The run directory (outputs).
    pub run_dir: PathBuf,
    /// The dataset's graph cache.
    pub cache_dir: PathBuf,
    /// What `teacher_path` is relative to.
    pub base_dir: PathBuf,
    /// Train and score as the reference did where kdgat fixed it.
    pub legacy: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    stage: String,
    config: PathBuf,
    run_dir: PathBuf,
    cache_dir: PathBuf,
    #[serde(default)]
    base_dir: Option<PathBuf>,
    #[serde(default)]
    legacy: bool,
}

impl JobSpec {
    /// Reads a spec file; errors name the file and the field.
    pub fn load(path: &Path) -> Result<JobSpec, StageError> {
        let invalid = |message: String| StageError::Spec {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        let raw: RawSpec = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            invalid(format!("field `{field}`: {}", e.inner()))
        })?;
        let stage: Stage = raw
            .stage
            .parse()
            .map_err(|e: String| invalid(format!("field `stage`: {e}")))?;
        let here = path.parent().unwrap_or(Path::new("."));
        // `components()` drops `.` parts: `run_dir: "."` is the spec's own directory.
        let resolve = |p: PathBuf| -> PathBuf {
            let joined = if p.is_absolute() { p } else { here.join(p) };
            joined.components().collect()
        };
        Ok(JobSpec {
            stage,
            config: resolve(raw.config),
            run_dir: resolve(raw.run_dir),
            cache_dir: resolve(raw.cache_dir),
            base_dir: raw.base_dir.map_or_else(|| here.to_path_buf(), resolve),
            legacy: raw.legacy,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_the_spec_and_errors_name_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.json");
        std::fs::write(
            &path,
            r#"{"stage":"normal","config":"c.json","run_dir":"/abs/run","cache_dir":"cache"}"#,
        )
        .unwrap();
        let spec = JobSpec::load(&path).unwrap();
        assert_eq!(spec.stage, Stage::Normal);
        assert_eq!(spec.config, dir.path().join("c.json"));
        assert_eq!(spec.run_dir, PathBuf::from("/abs/run"));
        assert_eq!(spec.base_dir, dir.path());
        std::fs::write(&path, r#"{"stage":"normal","config":3}"#).unwrap();
        let err = JobSpec::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("spec.json") && err.contains("`config`"),
            "{err}"
        );
        std::fs::write(
            &path,
            r#"{"stage":"nap","config":"c","run_dir":"r","cache_dir":"c"}"#,
        )
        .unwrap();
        let err = JobSpec::load(&path).unwrap_err().to_string();
        assert!(err.contains("`stage`") && err.contains("nap"), "{err}");
    }
}
