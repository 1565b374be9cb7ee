//! The cluster config: which scheduler runs the batch jobs, how (local concurrency, SLURM partition
//! and account), and the resources of each kind of stage. Read from a TOML file (`cluster.toml` in
//! the state directory, or `--cluster-config`), then overridden by the environment, then checked;
//! every value has a documented default, so no file is needed on one machine.
//!
//! ```toml
//! version = 1
//! scheduler = "local"              # or "slurm"
//! job_command = []                 # what batch jobs run before `job exec --spec FILE`
//!                                  # (default: this kdgat binary)
//! [local]
//! max_running = 1                  # batch jobs at once (default: one per 2 CPUs, at least 1)
//! [slurm]
//! partition = "gpu"
//! account = "PAS3209"
//! signal_grace_seconds = 120       # SIGUSR2 this long before the time limit: checkpoint and stop
//! max_active_jobs = 500            # batch jobs live at once; the rest wait their turn
//! submits_per_second = 10          # sbatch calls per second at most
//! [resources.train]                # autoencoder, curriculum, normal, fusion
//! time_minutes = 360
//! mem_mb = 128000
//! cpus = 16
//! gpus = 1
//! gpu_type = "v100"                # optional: --gres=gpu:v100:N instead of --gpus-per-node=N
//! [resources.evaluation]
//! [resources.data]                 # the graph cache
//! [retry]                          # by failure class (see machine::retry); the defaults:
//! max_preemptions = 20             # preempted or requeued: resumed, no cost to the others
//! max_node_failures = 3            # NODE_FAIL, BOOT_FAIL: resumed, the failed nodes excluded
//! max_timeouts = 3                 # the time limit: resumed from the checkpoint
//! timeout_time_factor = 1.0        # ... asking for this much more time each time
//! # max_time_minutes = 2880        # ... up to this
//! max_oom_retries = 2              # out of memory: started again
//! oom_memory_factor = 1.5          # ... with this much more memory each time
//! # max_mem_mb = 256000            # ... up to this
//! max_transient_failures = 2       # a failure the job calls transient (I/O on a shared file system)
//! max_lost = 3                     # a job the scheduler lost track of
//! ```
//!
//! Environment: `KDGAT_SCHEDULER`, and `KDGAT_<SECTION>_<KEY>` for every key of the sections
//! `local`, `slurm`, `resources.train`, `resources.evaluation`, `resources.data`, `retry` (e.g.
//! `KDGAT_SLURM_ACCOUNT=PAS3209`, `KDGAT_RESOURCES_TRAIN_MEM_MB=64000`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::machine::{Limits, RetryPolicy, SubmitLimits};

/// The layout this kdgat reads.
const SETTINGS_VERSION: u32 = 1;

/// Which scheduler runs batch jobs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SchedulerKind {
    /// Child processes on this machine.
    #[default]
    Local,
    /// SLURM, through its command-line tools.
    Slurm,
}

impl SchedulerKind {
    /// `local` or `slurm`, as the settings file spells it.
    pub fn name(self) -> &'static str {
        match self {
            SchedulerKind::Local => "local",
            SchedulerKind::Slurm => "slurm",
        }
    }
}

/// The local executor's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LocalSettings {
    /// Batch jobs at once; the rest wait.
    pub max_running: usize,
    /// Seconds between SIGTERM and SIGKILL when a job is cancelled.
    pub grace_seconds: u64,
}

impl Default for LocalSettings {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        LocalSettings {
            max_running: (cpus / 2).max(1),
            grace_seconds: 10,
        }
    }
}

/// How batch jobs reach SLURM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlurmSettings {
    /// The partition (`--partition`).
    pub partition: Option<String>,
    /// The account (`--account`).
    pub account: Option<String>,
    /// A node feature constraint (`--constraint`).
    pub constraint: Option<String>,
    /// Where sbatch, squeue, sacct, scancel and scontrol are; on PATH when absent.
    pub program_dir: Option<PathBuf>,
    /// Whether sacct works (accounting through slurmdbd).
    pub accounting: bool,
    /// SIGUSR2 this many seconds before the time limit (the job checkpoints and stops).
    pub signal_grace_seconds: u32,
    /// Batch jobs of this supervisor live at once (submitted and not ended); the rest wait their
    /// turn, so a large sweep stays under the cluster's per-user limits.
    pub max_active_jobs: usize,
    /// sbatch calls per second at most (bursts of one second's worth), so a sweep does not flood
    /// the controller.
    pub submits_per_second: f64,
}

impl Default for SlurmSettings {
    fn default() -> Self {
        SlurmSettings {
            partition: None,
            account: None,
            constraint: None,
            program_dir: None,
            accounting: true,
            signal_grace_seconds: 120,
            max_active_jobs: 500,
            submits_per_second: 10.0,
        }
    }
}

/// What one batch job asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Time limit in minutes.
    pub time_minutes: u32,
    /// Memory in MB.
    pub mem_mb: u64,
    /// CPUs per task.
    pub cpus: u32,
    /// GPUs per node.
    pub gpus: u32,
    /// A GPU type (`v100`), requested as `--gres=gpu:TYPE:N`.
    #[serde(default)]
    pub gpu_type: Option<String>,
}

/// The resources of each kind of stage, the reference's by default (REFERENCE.md §1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StageResources {
    /// Training stages: autoencoder, curriculum, normal, fusion.
    pub train: Resources,
    /// The evaluation.
    pub evaluation: Resources,
    /// The graph cache.
    pub data: Resources,
}

impl Default for StageResources {
    fn default() -> Self {
        let gpu = |time_minutes, mem_mb, cpus| Resources {
            time_minutes,
            mem_mb,
            cpus,
            gpus: 1,
            gpu_type: None,
        };
        StageResources {
            train: gpu(360, 128_000, 16),
            evaluation: gpu(120, 32_000, 8),
            data: Resources {
                gpus: 0,
                ..gpu(120, 32_000, 8)
            },
        }
    }
}

/// The whole cluster config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// The layout version of the file.
    pub version: Option<u32>,
    /// Which scheduler.
    pub scheduler: SchedulerKind,
    /// The program (and leading arguments) batch jobs run, followed by `job exec --spec FILE`:
    /// e.g. `["apptainer", "exec", "kdgat.sif", "kdgat"]`. Empty: this `kdgat` binary.
    pub job_command: Vec<String>,
    /// The local executor.
    pub local: LocalSettings,
    /// SLURM.
    pub slurm: SlurmSettings,
    /// Per-stage resources.
    pub resources: StageResources,
    /// What attempts that did not finish get, by failure class.
    pub retry: RetryPolicy,
}

/// A cluster config that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cluster config {source_name}: {message}")]
pub struct SettingsError {
    /// The file, or the environment.
    pub source_name: String,
    /// What is wrong.
    pub message: String,
}

/// The environment's sections, as `KDGAT_<PREFIX>_<KEY>` prefixes and their table paths.
const ENV_SECTIONS: [(&str, &[&str]); 6] = [
    ("RESOURCES_TRAIN_", &["resources", "train"]),
    ("RESOURCES_EVALUATION_", &["resources", "evaluation"]),
    ("RESOURCES_DATA_", &["resources", "data"]),
    ("LOCAL_", &["local"]),
    ("SLURM_", &["slurm"]),
    ("RETRY_", &["retry"]),
];

impl Settings {
    /// The bounds on submissions: SLURM's from the settings; none for the local executor, which
    /// queues beyond `max_running` itself.
    pub fn submit_limits(&self) -> SubmitLimits {
        match self.scheduler {
            SchedulerKind::Local => SubmitLimits::NONE,
            SchedulerKind::Slurm => SubmitLimits {
                max_active: Some(self.slurm.max_active_jobs),
                per_second: Some(self.slurm.submits_per_second),
            },
        }
    }

    /// The supervisor's retry bounds: the `[retry]` policy, with the fixed bounds on failed
    /// submissions.
    pub fn limits(&self) -> Limits {
        Limits {
            retry: self.retry.clone(),
            ..Limits::default()
        }
    }

    /// Reads `file` (absent: the defaults), then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, SettingsError> {
        Settings::load_with(file, std::env::vars())
    }

    /// Reads `file`, then the variables `env` (what the tests give instead of the environment).
    pub fn load_with(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        let source_name = file.map_or("(defaults)".to_string(), |p| p.display().to_string());
        let invalid = |message: String| SettingsError {
            source_name: source_name.clone(),
            message,
        };
        // The defaults, then the file over them, then the environment: a section may be partial.
        let mut table = match toml::Value::try_from(Settings::default()) {
            Ok(toml::Value::Table(defaults)) => defaults,
            _ => toml::Table::new(),
        };
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
            let from_file: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| invalid(e.to_string()))?;
            merge(&mut table, from_file);
        }
        for (name, raw) in env {
            let Some(rest) = name.strip_prefix("KDGAT_") else {
                continue;
            };
            let path: Vec<String> = if rest == "SCHEDULER" {
                vec!["scheduler".into()]
            } else if let Some((section, key)) = ENV_SECTIONS
                .iter()
                .find_map(|(prefix, section)| Some((section, rest.strip_prefix(prefix)?)))
            {
                section
                    .iter()
                    .map(|s| s.to_string())
                    .chain([key.to_ascii_lowercase()])
                    .collect()
            } else {
                continue;
            };
            insert(&mut table, &path, env_value(&raw));
        }
        let settings: Settings = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| invalid(format!("{e} (file or KDGAT_* environment)")))?;
        if settings.version.is_some_and(|v| v > SETTINGS_VERSION) {
            return Err(invalid(format!(
                "version {:?} is newer than this kdgat reads ({SETTINGS_VERSION})",
                settings.version
            )));
        }
        if settings.local.max_running == 0 {
            return Err(invalid("local.max_running must be at least 1".into()));
        }
        if settings.slurm.max_active_jobs == 0 {
            return Err(invalid("slurm.max_active_jobs must be at least 1".into()));
        }
        if let Some(problem) = settings.retry.problems().into_iter().next() {
            return Err(invalid(problem));
        }
        let rate = settings.slurm.submits_per_second;
        if !(rate.is_finite() && rate > 0.0) {
            return Err(invalid(format!(
                "slurm.submits_per_second must be a number above 0, not {rate}"
            )));
        }
        Ok(settings)
    }
}

/// An environment value as TOML reads it (`64000` a number, `true` a boolean), else a string.
fn env_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

/// Puts `over` into `base`, table by table.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over_inner)) => {
                merge(inner, over_inner);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn insert(table: &mut toml::Table, path: &[String], value: toml::Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = table;
    for key in parents {
        let entry = current
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(next) = entry else {
            return;
        };
        current = next;
    }
    current.insert(last.clone(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_references_resources() {
        let s = Settings::load_with(None, env(&[])).unwrap();
        assert_eq!(s.scheduler, SchedulerKind::Local);
        let t = &s.resources.train;
        assert_eq!(
            (t.time_minutes, t.mem_mb, t.cpus, t.gpus),
            (360, 128_000, 16, 1)
        );
        let e = &s.resources.evaluation;
        assert_eq!(
            (e.time_minutes, e.mem_mb, e.cpus, e.gpus),
            (120, 32_000, 8, 1)
        );
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cluster.toml");
        std::fs::write(
            &path,
            "scheduler = \"slurm\"\n[slurm]\npartition = \"gpu\"\n[resources.train]\ntime_minutes = 10\n",
        )
        .unwrap();
        let s = Settings::load_with(
            Some(&path),
            env(&[
                ("KDGAT_SLURM_ACCOUNT", "PAS3209"),
                ("KDGAT_RESOURCES_TRAIN_MEM_MB", "64000"),
                ("KDGAT_RESOURCES_EVALUATION_GPU_TYPE", "v100"),
                ("KDGAT_STATE_DIR", "/not/a/setting"),
            ]),
        )
        .unwrap();
        assert_eq!(s.scheduler, SchedulerKind::Slurm);
        assert_eq!(s.slurm.partition.as_deref(), Some("gpu"));
        assert_eq!(s.slurm.account.as_deref(), Some("PAS3209"));
        let t = &s.resources.train;
        assert_eq!(
            (t.mem_mb, t.time_minutes, t.cpus),
            (64_000, 10, 16),
            "partial sections"
        );
        assert_eq!(s.resources.evaluation.gpu_type.as_deref(), Some("v100"));
    }

    #[test]
    fn bad_settings_name_the_source_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cluster.toml");
        for (text, want) in [
            ("schedular = \"slurm\"\n", "schedular"),
            ("scheduler = \"pbs\"\n", "pbs"),
            ("[local]\nmax_running = 0\n", "max_running"),
            ("[slurm]\nmax_active_jobs = 0\n", "max_active_jobs"),
            ("[slurm]\nsubmits_per_second = -1\n", "submits_per_second"),
            ("[slurm]\nsubmits_per_second = nan\n", "submits_per_second"),
            ("[resources.train]\ncpus = \"many\"\n", "cpus"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = Settings::load_with(Some(&path), env(&[]))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("cluster.toml") && err.contains(want),
                "{text}: {err}"
            );
        }
        let err = Settings::load_with(None, env(&[("KDGAT_SLURM_PARTITON", "gpu")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("partiton") && err.contains("KDGAT_"), "{err}");
    }
}
