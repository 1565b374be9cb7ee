//! What the CLI and the daemon say over the socket: one [`Request`] per connection, as one JSON
//! line; the daemon answers with JSON lines of [`Reply`] — one, or for `follow` a stream of
//! progress ending with the sweep's end — then closes.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::tree::{Progress, SweepSubmission};

/// The longest request line the daemon reads (a sweep of thousands of runs fits many times over).
pub const MAX_REQUEST_BYTES: usize = 256 << 20;

/// What the CLI asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    /// Who is there and what it runs.
    Hello,
    /// Record and start a sweep; answered once it is recorded.
    Submit {
        /// The planned sweep.
        submission: Box<SweepSubmission>,
    },
    /// Stream a sweep's progress until it ends.
    Follow {
        /// The sweep.
        sweep: String,
    },
    /// Cancel a sweep or one run (and the runs after it); answered once their batch jobs ended.
    Cancel {
        /// A sweep name or a run id.
        target: String,
    },
    /// Write the project database now (for `status` and `logs`, which read it).
    Export,
    /// Stop the daemon: it writes the export and delivers tracking data; batch jobs keep running
    /// and the next daemon takes them up again.
    Stop,
}

/// What the daemon answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// The answer to [`Request::Hello`].
    Hello(DaemonInfo),
    /// Done, with what happened.
    Done {
        /// A line for the user.
        message: String,
    },
    /// Refused: why.
    Refused {
        /// A line for the user.
        why: String,
    },
    /// One report of a followed sweep.
    Progress {
        /// The report.
        progress: Progress,
    },
}

/// A running daemon, as `kdgat daemon status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaemonInfo {
    /// Its process id.
    pub pid: u32,
    /// Its kdgat version.
    pub version: String,
    /// Its state directory.
    pub state_dir: PathBuf,
    /// `slurm` or `local`.
    pub scheduler: String,
    /// The MLflow server it delivers to, if any.
    pub tracking: Option<String>,
    /// When it started (UTC ISO 8601).
    pub started_at: String,
    /// The sweeps it is driving.
    pub active_sweeps: Vec<String>,
    /// Its log file.
    pub log: PathBuf,
    /// While the scheduler does not answer: since when, and its last error.
    #[serde(default)]
    pub scheduler_problem: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_replies_read_back_as_written() {
        let line = serde_json::to_string(&Request::Cancel {
            target: "s1".into(),
        })
        .unwrap();
        assert_eq!(line, r#"{"request":"cancel","target":"s1"}"#);
        assert!(matches!(
            serde_json::from_str::<Request>(&line).unwrap(),
            Request::Cancel { target } if target == "s1"
        ));
        let reply = Reply::Progress {
            progress: Progress::Ended {
                run: "r".into(),
                outcome: crate::machine::Outcome::Failed("oom".into()),
                skipped: false,
            },
        };
        let text = serde_json::to_string(&reply).unwrap();
        let Reply::Progress { progress } = serde_json::from_str(&text).unwrap() else {
            panic!("{text}");
        };
        assert_eq!(
            progress,
            Progress::Ended {
                run: "r".into(),
                outcome: crate::machine::Outcome::Failed("oom".into()),
                skipped: false,
            }
        );
    }
}
