//! Tracking errors, classified: connection failures, timeouts, 429 and 5xx are transient (retried
//! with backoff, and the outbox keeps the operation); other 4xx and bad input are permanent and
//! carry the server's own message. Of the permanent ones, only a *refusal* (the tracking server's
//! own answer to that request) concerns one operation; a failure of the setup (credentials, a wrong
//! URL, a proxy's page, the experiment) concerns them all, and [`TrackingError::hint`] says how to
//! fix it.

use std::path::PathBuf;
use std::time::Duration;

use kdgat_store::StoreError;

/// HTTP statuses of authentication failures: a refusal of the credentials, not of a request.
const AUTH_STATUSES: [u16; 3] = [401, 403, 407];

const NOT_MLFLOW: &str = "the reply is not an MLflow tracking server's (a wrong URL, or a proxy's \
                          login page?): check MLFLOW_TRACKING_URI";

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
    /// The experiment could not be found or created: no operation is at fault.
    #[error("experiment {name:?}: {source}")]
    Experiment {
        /// The experiment's name.
        name: String,
        /// The cause.
        #[source]
        source: Box<TrackingError>,
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
            TrackingError::Experiment { source, .. } => source.is_transient(),
            TrackingError::Decode { .. }
            | TrackingError::Invalid { .. }
            | TrackingError::Store(_)
            | TrackingError::Io { .. } => false,
        }
    }

    /// Whether the failure concerns the one request that met it: the tracking server answered it
    /// with its own error (MLflow's JSON with an `error_code`, a 4xx other than an authentication
    /// failure), or the operation's own data is wrong. Failures every request would meet (no
    /// connection, credentials refused, a reply that is not MLflow's, the experiment) are not.
    pub fn is_refusal(&self) -> bool {
        match self {
            TrackingError::Server { status, code, .. } => {
                !code.is_empty() && (400..500).contains(status) && !AUTH_STATUSES.contains(status)
            }
            TrackingError::Invalid { .. } | TrackingError::Io { .. } => true,
            TrackingError::Transport { .. }
            | TrackingError::Timeout { .. }
            | TrackingError::Exhausted { .. }
            | TrackingError::Decode { .. }
            | TrackingError::Experiment { .. }
            | TrackingError::Store(_) => false,
        }
    }

    /// How to fix a failure of the setup, when this is one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            TrackingError::Server {
                status: 401 | 407, ..
            } => Some(
                "set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and \
                 MLFLOW_TRACKING_PASSWORD, to credentials the server accepts",
            ),
            TrackingError::Server { status: 403, .. } => Some(
                "give the credentials (MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and \
                 MLFLOW_TRACKING_PASSWORD) the permission the server or its proxy asks for",
            ),
            TrackingError::Server { status, code, .. } if code.is_empty() && *status < 500 => {
                Some(NOT_MLFLOW)
            }
            TrackingError::Decode { .. } => Some(NOT_MLFLOW),
            TrackingError::Experiment { source, .. } => {
                Some(source.hint().unwrap_or(
                    "check the experiment's name (MLFLOW_EXPERIMENT_NAME or --experiment)",
                ))
            }
            TrackingError::Exhausted { last, .. } => last.hint(),
            _ => None,
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
