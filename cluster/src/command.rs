//! One external command: its spec (printable as a shell line), running it, and an error that carries
//! the command line, exit status and both output streams.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A command to run: program, arguments, extra environment and working directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandSpec {
    /// The program (looked up on PATH).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables added to the inherited environment.
    pub env: Vec<(String, String)>,
    /// The working directory, if not the current one.
    pub cwd: Option<PathBuf>,
    /// Kill the program if it runs longer than this.
    pub timeout: Option<Duration>,
}

impl CommandSpec {
    /// A command with arguments.
    pub fn new<I, S>(program: &str, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CommandSpec {
            program: program.to_string(),
            args: args.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }
}

impl fmt::Display for CommandSpec {
    /// The command as a line a user can paste into a shell.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words = std::iter::once(&self.program).chain(&self.args);
        let line: Vec<String> = words.map(|w| shell_quote(w)).collect();
        f.write_str(&line.join(" "))
    }
}

/// Quotes a word for a POSIX shell: unchanged when it is made of safe characters only, else in single
/// quotes with embedded single quotes escaped.
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A command that could not be started or did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The program could not be started (not installed, not on PATH, …).
    #[error("failed to run `{command}`")]
    Spawn {
        /// The command line.
        command: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The program ran past its time limit and was killed.
    #[error("`{command}` did not finish within {seconds} s and was killed")]
    TimedOut {
        /// The command line.
        command: String,
        /// The limit.
        seconds: u64,
    },
    /// The program exited unsuccessfully.
    #[error("`{command}` exited with {status}\n--- stdout\n{stdout}--- stderr\n{stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// The exit status as text (`exit status: 1`, `signal: 9`).
        status: String,
        /// Its standard output.
        stdout: String,
        /// Its standard error.
        stderr: String,
    },
}

/// Runs the command to completion with no standard input; returns its standard output on success.
/// With a timeout, a program still running at the deadline is killed.
pub fn run_checked(spec: &CommandSpec) -> Result<String, CommandError> {
    let mut command = Command::new(&spec.program);
    command
        .args(&spec.args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(cwd) = &spec.cwd {
        command.current_dir(cwd);
    }
    let spawn_error = |source| CommandError::Spawn {
        command: spec.to_string(),
        source,
    };
    let mut child = command.spawn().map_err(spawn_error)?;
    // Drain both pipes on their own threads so a chatty program cannot block on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_with_deadline(&mut child, spec.timeout).map_err(spawn_error)?;
    let (stdout, stderr) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    match status {
        None => Err(CommandError::TimedOut {
            command: spec.to_string(),
            seconds: spec.timeout.map_or(0, |t| t.as_secs()),
        }),
        Some(status) if status.success() => Ok(stdout),
        Some(status) => Err(CommandError::Failed {
            command: spec.to_string(),
            status: status.to_string(),
            stdout,
            stderr,
        }),
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for the child; `None` if the deadline passed (the child is then killed and reaped).
fn wait_with_deadline(
    child: &mut Child,
    timeout: Option<Duration>,
) -> std::io::Result<Option<ExitStatus>> {
    let Some(timeout) = timeout else {
        return child.wait().map(Some);
    };
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs external commands; a trait so that tests can script the faults real programs cannot be made
/// to produce on demand (garbage output, hangs).
pub trait CommandRunner: Send + Sync {
    /// Runs a command; see [`run_checked`].
    fn run(&self, spec: &CommandSpec) -> Result<String, CommandError>;
}

/// The real thing: [`run_checked`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRunner;

impl CommandRunner for SystemRunner {
    fn run(&self, spec: &CommandSpec) -> Result<String, CommandError> {
        run_checked(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_what_a_shell_would_interpret() {
        let spec = CommandSpec::new(
            "sbatch",
            ["--job-name=a b", "x;$(rm -rf /)", "it's", "plain-1.0"],
        );
        assert_eq!(
            spec.to_string(),
            r#"sbatch '--job-name=a b' 'x;$(rm -rf /)' 'it'\''s' plain-1.0"#
        );
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn failures_carry_status_and_both_streams() {
        let spec = CommandSpec::new("sh", ["-c", "echo out; echo err >&2; exit 3"]);
        match run_checked(&spec) {
            Err(CommandError::Failed {
                status,
                stdout,
                stderr,
                ..
            }) => {
                assert!(status.contains('3'), "{status}");
                assert_eq!((stdout.as_str(), stderr.as_str()), ("out\n", "err\n"));
            }
            other => panic!("expected a failure, got {other:?}"),
        }
        assert!(matches!(
            run_checked(&CommandSpec::new("kdgat-no-such-program", [""; 0])),
            Err(CommandError::Spawn { .. })
        ));
        assert_eq!(
            run_checked(&CommandSpec::new("echo", ["hi"])).unwrap(),
            "hi\n"
        );
    }

    #[test]
    fn a_hanging_program_is_killed_at_its_deadline() {
        let mut spec = CommandSpec::new("sleep", ["30"]);
        spec.timeout = Some(Duration::from_millis(200));
        let started = Instant::now();
        assert!(matches!(
            run_checked(&spec),
            Err(CommandError::TimedOut { .. })
        ));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
