//! Where the tracking server is and how to reach it: `MLFLOW_TRACKING_URI`, credentials from
//! `MLFLOW_TRACKING_TOKEN` or `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD` (or a
//! `user:password@` part of the URI, taken out of it so that the URI can be shown), the experiment
//! (`MLFLOW_EXPERIMENT_NAME`, default `kd-gat-pipeline`), timeouts and the retry policy.

use std::fmt;
use std::time::Duration;

use crate::error::TrackingError;
use crate::retry::RetryPolicy;
use crate::secrets::split_userinfo;

/// The reference's experiment.
pub const DEFAULT_EXPERIMENT: &str = "kd-gat-pipeline";

/// How requests authenticate. `Debug` never shows the secret.
#[derive(Clone, Default)]
pub enum Credentials {
    /// No authentication.
    #[default]
    None,
    /// `Authorization: Bearer …` (`MLFLOW_TRACKING_TOKEN`).
    Token(String),
    /// HTTP basic authentication (`MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD`).
    Basic {
        /// The user.
        username: String,
        /// The password.
        password: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Token(_) => f.write_str("Token(<redacted>)"),
            Credentials::Basic { username, .. } => {
                write!(f, "Basic({username}, <redacted>)")
            }
        }
    }
}

/// Everything the client needs.
#[derive(Debug, Clone)]
pub struct TrackingConfig {
    /// The server's base URL, without a trailing slash and without credentials (safe to show).
    pub uri: String,
    /// The experiment runs are logged to.
    pub experiment: String,
    /// Authentication.
    pub credentials: Credentials,
    /// Limit on establishing a connection.
    pub connect_timeout: Duration,
    /// Limit on one request (artifact uploads get more, by size).
    pub request_timeout: Duration,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
}

impl TrackingConfig {
    /// A configuration for the server at `uri` (`http://` or `https://`), with defaults. A
    /// `user:password@` part of the URI becomes basic authentication.
    pub fn new(uri: &str) -> Result<TrackingConfig, TrackingError> {
        let (uri, userinfo) = split_userinfo(uri.trim());
        let uri = uri.trim_end_matches('/');
        if !(uri.starts_with("http://") || uri.starts_with("https://")) {
            return Err(TrackingError::Invalid {
                field: "MLFLOW_TRACKING_URI".into(),
                message: format!(
                    "{uri:?} is not an http(s) URL; kdgat talks to a tracking server over its REST \
                     API (start one with `mlflow server`, or scripts/mlflow-up.sh)"
                ),
            });
        }
        let credentials = match userinfo {
            Some((username, password)) => Credentials::Basic { username, password },
            None => Credentials::None,
        };
        Ok(TrackingConfig {
            uri: uri.to_string(),
            experiment: DEFAULT_EXPERIMENT.to_string(),
            credentials,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        })
    }

    /// The configuration from the process environment; `None` when `MLFLOW_TRACKING_URI` is unset.
    pub fn from_env() -> Result<Option<TrackingConfig>, TrackingError> {
        TrackingConfig::from_vars(|name| std::env::var(name).ok())
    }

    /// The configuration from variables looked up by `var`.
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<TrackingConfig>, TrackingError> {
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        let Some(uri) = set("MLFLOW_TRACKING_URI") else {
            return Ok(None);
        };
        let mut config = TrackingConfig::new(&uri)?;
        if let Some(name) = set("MLFLOW_EXPERIMENT_NAME") {
            config.experiment = name;
        }
        // The variables win over a user part of the URI.
        config.credentials = match (
            set("MLFLOW_TRACKING_TOKEN"),
            set("MLFLOW_TRACKING_USERNAME"),
            set("MLFLOW_TRACKING_PASSWORD"),
        ) {
            (Some(token), _, _) => Credentials::Token(token),
            (None, Some(username), password) => Credentials::Basic {
                username,
                password: password.unwrap_or_default(),
            },
            (None, None, Some(_)) => {
                return Err(TrackingError::Invalid {
                    field: "MLFLOW_TRACKING_PASSWORD".into(),
                    message: "set without MLFLOW_TRACKING_USERNAME".into(),
                });
            }
            (None, None, None) => config.credentials,
        };
        Ok(Some(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn unset_uri_means_no_tracking() {
        assert!(TrackingConfig::from_vars(vars(&[])).unwrap().is_none());
    }

    #[test]
    fn token_wins_and_is_never_shown() {
        let config = TrackingConfig::from_vars(vars(&[
            ("MLFLOW_TRACKING_URI", "http://127.0.0.1:5005/"),
            ("MLFLOW_TRACKING_TOKEN", "s3cret"),
            ("MLFLOW_TRACKING_USERNAME", "ann"),
            ("MLFLOW_EXPERIMENT_NAME", "mine"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.uri, "http://127.0.0.1:5005");
        assert_eq!(config.experiment, "mine");
        assert!(matches!(config.credentials, Credentials::Token(_)));
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn basic_credentials_hide_the_password() {
        let config = TrackingConfig::from_vars(vars(&[
            ("MLFLOW_TRACKING_URI", "https://mlflow.example"),
            ("MLFLOW_TRACKING_USERNAME", "ann"),
            ("MLFLOW_TRACKING_PASSWORD", "hunter2"),
        ]))
        .unwrap()
        .unwrap();
        let shown = format!("{:?}", config.credentials);
        assert!(
            shown.contains("ann") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert_eq!(config.experiment, DEFAULT_EXPERIMENT);
    }

    #[test]
    fn a_password_in_the_uri_becomes_basic_authentication_and_leaves_the_uri() {
        let config = TrackingConfig::from_vars(vars(&[(
            "MLFLOW_TRACKING_URI",
            "http://ann:hunter2@127.0.0.1:5005/",
        )]))
        .unwrap()
        .unwrap();
        assert_eq!(config.uri, "http://127.0.0.1:5005");
        assert!(
            matches!(&config.credentials, Credentials::Basic { username, password } if username == "ann" && password == "hunter2")
        );
        assert!(!format!("{config:?}").contains("hunter2"));
        let err = TrackingConfig::new("sqlite://ann:hunter2@h/x.db")
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("hunter2") && err.contains("sqlite://h/x.db"),
            "{err}"
        );
    }

    #[test]
    fn a_database_uri_is_refused_with_the_reason() {
        let err = TrackingConfig::from_vars(vars(&[("MLFLOW_TRACKING_URI", "sqlite:///x.db")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("MLFLOW_TRACKING_URI") && err.contains("http"),
            "{err}"
        );
        let err = TrackingConfig::from_vars(vars(&[
            ("MLFLOW_TRACKING_URI", "http://h"),
            ("MLFLOW_TRACKING_PASSWORD", "p"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains("MLFLOW_TRACKING_USERNAME"), "{err}");
    }
}
