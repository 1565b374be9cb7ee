//! `BatchJobSpec`: what to run and with which resources, independent of the scheduler, and its
//! validation. Every value that reaches an sbatch script is either checked against a strict
//! character set (names, partitions, nodes, paths) or shell-quoted (arguments, environment values).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What a scheduler writes into the attempt directory: the job's standard output and error…
pub const STDOUT_FILE: &str = "stdout";
/// …its standard error…
pub const STDERR_FILE: &str = "stderr";
/// …the batch job id (SLURM)…
pub const JOB_ID_FILE: &str = "slurm_job_id";
/// …the sbatch script (SLURM)…
pub const SUBMIT_SCRIPT: &str = "submit.sh";
/// …and the exit code (local executor).
pub const EXIT_CODE_FILE: &str = "exit_code";

/// GPUs for a batch job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuRequest {
    /// GPUs per node.
    pub count: u32,
    /// A GPU type (`v100`): requested as `--gres=gpu:TYPE:N`; without it, `--gpus-per-node=N`.
    pub kind: Option<String>,
}

/// One batch job to submit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchJobSpec {
    /// The job name, unique per attempt (`kdgat.<sweep>.<run>.<attempt>`): it finds the job again after a
    /// supervisor crash.
    pub name: String,
    /// The program and its arguments.
    pub command: Vec<String>,
    /// The working directory.
    pub workdir: PathBuf,
    /// The attempt directory: stdout, stderr (and, locally, the exit file) go there.
    pub attempt_dir: PathBuf,
    /// SLURM partition.
    pub partition: Option<String>,
    /// SLURM account.
    pub account: Option<String>,
    /// Time limit in minutes.
    pub time_minutes: Option<u32>,
    /// Memory in MiB.
    pub mem_mb: Option<u64>,
    /// CPUs per task.
    pub cpus: Option<u32>,
    /// GPUs.
    pub gpus: Option<GpuRequest>,
    /// A node feature constraint.
    pub constraint: Option<String>,
    /// Nodes to avoid (e.g. one that failed).
    pub exclude: Vec<String>,
    /// Seconds before the time limit at which SIGUSR2 is sent, so the job checkpoints and exits.
    pub signal_grace_seconds: Option<u32>,
    /// Whether SLURM may requeue the job (preemption, node failure).
    pub requeue: bool,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

impl BatchJobSpec {
    /// A spec with only the essentials set.
    pub fn new(name: &str, command: Vec<String>, workdir: PathBuf, attempt_dir: PathBuf) -> Self {
        BatchJobSpec {
            name: name.to_string(),
            command,
            workdir,
            attempt_dir,
            partition: None,
            account: None,
            time_minutes: None,
            mem_mb: None,
            cpus: None,
            gpus: None,
            constraint: None,
            exclude: Vec::new(),
            signal_grace_seconds: None,
            requeue: false,
            env: Vec::new(),
        }
    }

    /// Checks every field that a scheduler will read; the error names the field.
    pub fn validate(&self) -> Result<(), SpecError> {
        word("name", &self.name, is_name_char)?;
        if self.command.is_empty() {
            return Err(SpecError::new("command", "is empty"));
        }
        path("workdir", &self.workdir)?;
        path("attempt_dir", &self.attempt_dir)?;
        for (field, value) in [("partition", &self.partition), ("account", &self.account)] {
            if let Some(value) = value {
                word(field, value, is_name_char)?;
            }
        }
        if let Some(constraint) = &self.constraint {
            word("constraint", constraint, |c| {
                is_name_char(c) || "&|[]*,:()".contains(c)
            })?;
        }
        for node in &self.exclude {
            word("exclude", node, |c| is_name_char(c) || "[],".contains(c))?;
        }
        if let Some(gpus) = &self.gpus {
            if gpus.count == 0 {
                return Err(SpecError::new("gpus", "count must be at least 1"));
            }
            if let Some(kind) = &gpus.kind {
                word("gpus.kind", kind, is_name_char)?;
            }
        }
        for (key, _) in &self.env {
            let valid = key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(SpecError::new(
                    "env",
                    format!("`{key}` is not a valid variable name"),
                ));
            }
        }
        Ok(())
    }
}

/// A spec field that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("batch job spec: {field}: {message}")]
pub struct SpecError {
    /// The field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl SpecError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        SpecError {
            field,
            message: message.into(),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._-+".contains(c)
}

fn word(field: &'static str, value: &str, allowed: impl Fn(char) -> bool) -> Result<(), SpecError> {
    if value.is_empty() {
        return Err(SpecError::new(field, "is empty"));
    }
    match value.chars().find(|&c| !allowed(c)) {
        Some(c) => Err(SpecError::new(
            field,
            format!("`{}` contains the character {c:?}", value.escape_debug()),
        )),
        None => Ok(()),
    }
}

/// Paths go into `#SBATCH` lines, which sbatch parses itself: no whitespace, quotes or `%`.
fn path(field: &'static str, value: &std::path::Path) -> Result<(), SpecError> {
    let text = value
        .to_str()
        .ok_or_else(|| SpecError::new(field, "is not valid UTF-8"))?;
    word(field, text, |c| {
        !c.is_whitespace() && !c.is_control() && !"'\"`$%\\".contains(c)
    })
}
