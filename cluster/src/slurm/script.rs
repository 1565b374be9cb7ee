//! The sbatch script of a spec, rendered by a pure function. The command runs through `exec`, so the
//! batch shell becomes the job and receives `--signal=B:USR2@grace` itself. `--export=NONE`: the
//! job's environment is the user's login environment plus the spec's `env`, nothing of the process
//! that submitted it.

use std::fmt::Write;

use crate::command::shell_quote;
use crate::spec::{BatchJobSpec, STDERR_FILE, STDOUT_FILE, SpecError};

/// Renders the batch script for a validated spec.
pub fn render_sbatch_script(spec: &BatchJobSpec) -> Result<String, SpecError> {
    spec.validate()?;
    let mut s = String::from("#!/bin/bash\n");
    let mut directive = |line: String| {
        // Writing to a String cannot fail.
        let _ = writeln!(s, "#SBATCH {line}");
    };
    directive(format!("--job-name={}", spec.name));
    // The job gets the user's login environment and what the spec lists, never the submitter's
    // own (its credentials stay on the login node).
    directive("--export=NONE".into());
    directive(format!("--chdir={}", spec.workdir.display()));
    directive(format!(
        "--output={}",
        spec.attempt_dir.join(STDOUT_FILE).display()
    ));
    directive(format!(
        "--error={}",
        spec.attempt_dir.join(STDERR_FILE).display()
    ));
    if let Some(partition) = &spec.partition {
        directive(format!("--partition={partition}"));
    }
    if let Some(account) = &spec.account {
        directive(format!("--account={account}"));
    }
    if let Some(minutes) = spec.time_minutes {
        directive(format!("--time={minutes}"));
    }
    if let Some(mem) = spec.mem_mb {
        directive(format!("--mem={mem}M"));
    }
    if let Some(cpus) = spec.cpus {
        directive(format!("--cpus-per-task={cpus}"));
    }
    if let Some(gpus) = &spec.gpus {
        match &gpus.kind {
            Some(kind) => directive(format!("--gres=gpu:{kind}:{}", gpus.count)),
            None => directive(format!("--gpus-per-node={}", gpus.count)),
        }
    }
    if let Some(constraint) = &spec.constraint {
        directive(format!("--constraint={constraint}"));
    }
    if !spec.exclude.is_empty() {
        directive(format!("--exclude={}", spec.exclude.join(",")));
    }
    if let Some(grace) = spec.signal_grace_seconds {
        directive(format!("--signal=B:USR2@{grace}"));
    }
    directive(if spec.requeue {
        "--requeue".into()
    } else {
        "--no-requeue".into()
    });
    s.push_str("set -euo pipefail\n");
    for (key, value) in &spec.env {
        let _ = writeln!(s, "export {key}={}", shell_quote(value));
    }
    let command: Vec<String> = spec.command.iter().map(|w| shell_quote(w)).collect();
    let _ = writeln!(s, "exec {}", command.join(" "));
    Ok(s)
}

#[cfg(test)]
mod tests;
