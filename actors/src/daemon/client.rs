//! How the CLI reaches a state directory's daemon: [`DaemonClient::connect`] says whether one
//! answers (a socket left by a daemon that died answers nothing: no daemon); each request is one
//! connection, written as a JSON line, its replies read as JSON lines.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use super::protocol::{DaemonInfo, Reply, Request};
use super::{DaemonError, DaemonPaths};
use crate::machine::Outcome;
use crate::tree::Progress;

/// A daemon that answered.
#[derive(Debug, Clone)]
pub struct DaemonClient {
    socket: PathBuf,
}

impl DaemonClient {
    /// The daemon of `state_dir` and what it says of itself, if one runs.
    pub fn connect(state_dir: &Path) -> Result<Option<(DaemonClient, DaemonInfo)>, DaemonError> {
        let client = DaemonClient {
            socket: DaemonPaths::of(state_dir).socket,
        };
        match client.open(&Request::Hello) {
            Ok(mut replies) => match replies.next_reply()? {
                Reply::Hello(info) => Ok(Some((client, info))),
                other => Err(DaemonError::Protocol(format!(
                    "expected its description, got {other:?}"
                ))),
            },
            Err(DaemonError::Io { source, .. })
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Sends `request` and reads its one reply: the message of `Done`, or `Refused` as an error.
    pub fn request(&self, request: &Request) -> Result<String, DaemonError> {
        match self.open(request)?.next_reply()? {
            Reply::Done { message } => Ok(message),
            Reply::Refused { why } => Err(DaemonError::Refused(why)),
            other => Err(DaemonError::Protocol(format!("unexpected reply {other:?}"))),
        }
    }

    /// Follows `sweep` to its end, passing each report to `show`; every run's outcome.
    pub fn follow(
        &self,
        sweep: &str,
        mut show: impl FnMut(&Progress),
    ) -> Result<Vec<(String, Outcome)>, DaemonError> {
        let mut replies = self.open(&Request::Follow {
            sweep: sweep.to_string(),
        })?;
        loop {
            match replies.next_reply()? {
                Reply::Progress { progress } => {
                    show(&progress);
                    if let Progress::SweepEnded { outcomes, .. } = progress {
                        return Ok(outcomes);
                    }
                }
                Reply::Refused { why } => return Err(DaemonError::Refused(why)),
                other => {
                    return Err(DaemonError::Protocol(format!("unexpected reply {other:?}")));
                }
            }
        }
    }

    fn open(&self, request: &Request) -> Result<Replies, DaemonError> {
        let io = DaemonError::io(&self.socket);
        let mut stream = UnixStream::connect(&self.socket).map_err(io)?;
        let mut line =
            serde_json::to_vec(request).map_err(|e| DaemonError::Protocol(e.to_string()))?;
        line.push(b'\n');
        stream
            .write_all(&line)
            .map_err(DaemonError::io(&self.socket))?;
        Ok(Replies(BufReader::new(stream)))
    }
}

/// The replies of one request.
struct Replies(BufReader<UnixStream>);

impl Replies {
    fn next_reply(&mut self) -> Result<Reply, DaemonError> {
        let mut line = String::new();
        let read = self
            .0
            .read_line(&mut line)
            .map_err(|e| DaemonError::Protocol(e.to_string()))?;
        if read == 0 {
            return Err(DaemonError::Protocol(
                "the daemon closed the connection without an answer (see its log)".into(),
            ));
        }
        serde_json::from_str(&line).map_err(|e| DaemonError::Protocol(format!("{e}: {line}")))
    }
}
