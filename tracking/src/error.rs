//! Tracking errors, classified: connection failures, timeouts, 429 and 5xx are transient (retried
//! with backoff, and the outbox keeps the operation); other 4xx and bad input are permanent and
//! carry the server's own message.

use std::path::PathBuf;
use std::time::Duration;

use kdgat_store::StoreError;

/// A tracking failure.
#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    /// The server could not be reached, or the connection broke.
    #[error("MLflow {endpoint}: {message}")]
    Transport {
        /// The API endpoint.
        endpoint: String,
        /// What went wrong.
        message: String,
    },
    /// No complete reply in time.
    #[error("MLflow {endpoint}: no reply within {seconds:.0} s")]
    Timeout {
        /// The API endpoint.
        endpoint: String,
        /// The limit that passed.
        seconds: f64,
    },
    /// The server answered with an error status.
    #[error("MLflow {endpoint}: HTTP {status} {code}: {message}")]
    Server {
        /// The API endpoint.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// MLflow's `error_code` (empty when the body was not MLflow's JSON).
        code: String,
        /// The server's message.
        message: String,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// A success reply that is not what the API documents.
    #[error("MLflow {endpoint}: unexpected reply: {message}")]
    Decode {
        /// The API endpoint.
        endpoint: String,
        /// What is wrong.
        message: String,
    },
    /// Input refused before sending (a key, a value's length, a setting).
    #[error("{field}: {message}")]
    Invalid {
        /// The field, key or setting.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Transient failures went on past the retry limit.
    #[error("gave up after {attempts} attempts: {last}")]
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: Box<TrackingError>,
    },
    /// The state store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A local file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl TrackingError {
    /// Whether trying again later can succeed (the operation stays queued).
    pub fn is_transient(&self) -> bool {
        match self {
            TrackingError::Transport { .. }
            | TrackingError::Timeout { .. }
            | TrackingError::Exhausted { .. } => true,
            TrackingError::Server { status, .. } => *status == 429 || *status >= 500,
            TrackingError::Decode { .. }
            | TrackingError::Invalid { .. }
            | TrackingError::Store(_)
            | TrackingError::Io { .. } => false,
        }
    }

    /// Whether the server may have applied the request although no success reply came back.
    pub(crate) fn outcome_unknown(&self) -> bool {
        match self {
            TrackingError::Timeout { .. } => true,
            TrackingError::Transport { message, .. } => !message.starts_with("cannot connect"),
            TrackingError::Server { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The server's MLflow error code, if the server answered with one.
    pub fn server_code(&self) -> Option<&str> {
        match self {
            TrackingError::Server { code, .. } => Some(code),
            _ => None,
        }
    }
}
