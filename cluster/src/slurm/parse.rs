//! Parsers of SLURM's command output, pure functions over text: `sbatch --parsable`,
//! `squeue -h -o '%i|%T|%r|%N|%j'`, `sacct -X -P -n --format=`[`SACCT_FORMAT`] and
//! `scontrol -o show job`. Tested on output captured from a real cluster
//! (`cluster/tests/fixtures/`) and on arbitrary input (no panics).

use std::time::Duration;

use crate::status::{ExitStatus, JobState, JobStatus, Usage, parse_slurm_duration};

/// The `squeue` output format the parser expects (the name last: it is the one free-form field).
pub const SQUEUE_FORMAT: &str = "%i|%T|%r|%N|%j";
/// The `sacct` fields the parser expects (22.05's sacct has no `Restarts` field; scontrol has it).
pub const SACCT_FORMAT: &str =
    "JobIDRaw,JobName,State,ExitCode,Reason,NodeList,ElapsedRaw,AllocCPUS,AllocTRES";

/// A line of output that does not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected {program} output line {line}: {message} (`{text}`)")]
pub struct ParseError {
    /// The program whose output it was.
    pub program: &'static str,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// The line, shortened.
    pub text: String,
}

/// One job as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedJob {
    /// The job id.
    pub id: String,
    /// The job name.
    pub name: String,
    /// Its status.
    pub status: JobStatus,
}

fn error(program: &'static str, line: usize, text: &str, message: impl Into<String>) -> ParseError {
    ParseError {
        program,
        line,
        message: message.into(),
        text: text.chars().take(120).collect(),
    }
}

/// `sbatch --parsable` prints `id` or `id;cluster`.
pub fn parse_sbatch_parsable(output: &str) -> Result<String, ParseError> {
    let line = output
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let id = line.split(';').next().unwrap_or_default();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error("sbatch", 1, line, "expected a numeric job id"));
    }
    Ok(id.to_string())
}

fn job_id(program: &'static str, n: usize, line: &str, id: &str) -> Result<String, ParseError> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return Err(error(program, n, line, format!("`{id}` is not a job id")));
    }
    Ok(id.to_string())
}

fn state(program: &'static str, n: usize, line: &str, text: &str) -> Result<JobState, ParseError> {
    JobState::from_slurm(text).map_err(|message| error(program, n, line, message))
}

fn reason(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && text != "None" && text != "(null)").then(|| text.to_string())
}

/// A node list, or `None` where SLURM has none to show (`None assigned`, `(null)`, empty).
fn node(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty() && text != "None assigned" && text != "(null)").then(|| text.to_string())
}

/// A sacct field that must be a whole number.
fn number<T: std::str::FromStr>(
    n: usize,
    line: &str,
    text: &str,
    field: &str,
) -> Result<T, ParseError> {
    text.trim().parse().map_err(|_| {
        error(
            "sacct",
            n,
            line,
            format!("{field} `{text}` is not a number"),
        )
    })
}

/// Usage of a job that has started (a pending job has been allocated nothing yet).
fn usage_once_started(state: JobState, usage: Usage) -> Option<Usage> {
    (state != JobState::Pending).then_some(usage)
}

/// Parses `squeue -h -t all -o '%i|%T|%r|%N|%j'`.
pub fn parse_squeue(output: &str) -> Result<Vec<ListedJob>, ParseError> {
    let mut jobs = Vec::new();
    for (i, line) in output
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.splitn(5, '|').collect();
        let [id, st, why, nodes, name] = fields[..] else {
            return Err(error(
                "squeue",
                i + 1,
                line,
                "expected 5 `|`-separated fields",
            ));
        };
        let mut status = JobStatus::new(state("squeue", i + 1, line, st)?);
        status.reason = reason(why);
        status.node = node(nodes);
        jobs.push(ListedJob {
            id: job_id("squeue", i + 1, line, id.trim())?,
            name: name.to_string(),
            status,
        });
    }
    Ok(jobs)
}

/// Parses `sacct -X -P -n --format=`[`SACCT_FORMAT`].
pub fn parse_sacct(output: &str) -> Result<Vec<ListedJob>, ParseError> {
    let mut jobs = Vec::new();
    for (i, line) in output
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split('|').collect();
        let [id, name, st, exit, why, nodes, elapsed, cpus, tres] = fields[..] else {
            return Err(error(
                "sacct",
                i + 1,
                line,
                "expected 9 `|`-separated fields",
            ));
        };
        let state = state("sacct", i + 1, line, st)?;
        let usage = Usage {
            elapsed: Duration::from_secs(number(i + 1, line, elapsed, "ElapsedRaw")?),
            cpus: number(i + 1, line, cpus, "AllocCPUS")?,
            gpus: Usage::gpus_in_tres(tres),
        };
        let status = JobStatus {
            state,
            exit: Some(ExitStatus::parse(exit).map_err(|m| error("sacct", i + 1, line, m))?),
            reason: reason(why),
            restarts: 0,
            node: node(nodes),
            usage: usage_once_started(state, usage),
        };
        jobs.push(ListedJob {
            id: job_id("sacct", i + 1, line, id.trim())?,
            name: name.to_string(),
            status,
        });
    }
    Ok(jobs)
}

/// Parses `scontrol -o show job ID` (one `Key=Value …` line per job).
pub fn parse_scontrol_jobs(output: &str) -> Result<Vec<ListedJob>, ParseError> {
    let mut jobs = Vec::new();
    for (i, line) in output
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let value = |key: &str| {
            line.split_whitespace().find_map(|token| {
                token
                    .strip_prefix(key)
                    .and_then(|rest| rest.strip_prefix('='))
            })
        };
        let missing = |key: &str| error("scontrol", i + 1, line, format!("no {key}="));
        let id = value("JobId").ok_or_else(|| missing("JobId"))?;
        let mut status = JobStatus::new(state(
            "scontrol",
            i + 1,
            line,
            value("JobState").ok_or_else(|| missing("JobState"))?,
        )?);
        status.reason = value("Reason").and_then(reason);
        status.exit = match value("ExitCode") {
            Some(exit) => {
                Some(ExitStatus::parse(exit).map_err(|m| error("scontrol", i + 1, line, m))?)
            }
            None => None,
        };
        status.restarts = value("Restarts").and_then(|r| r.parse().ok()).unwrap_or(0);
        status.node = value("NodeList").and_then(node);
        if let Some(elapsed) = value("RunTime").and_then(parse_slurm_duration) {
            let usage = Usage {
                elapsed: Duration::from_secs(elapsed),
                cpus: value("NumCPUs").and_then(|n| n.parse().ok()).unwrap_or(0),
                gpus: value("TRES").map(Usage::gpus_in_tres).unwrap_or(0),
            };
            status.usage = usage_once_started(status.state, usage);
        }
        let name = value("JobName").unwrap_or_default().to_string();
        jobs.push(ListedJob {
            id: job_id("scontrol", i + 1, line, id)?,
            name,
            status,
        });
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests;
