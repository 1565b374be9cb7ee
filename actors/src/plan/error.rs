//! Why a sweep cannot be planned: each error names the field, run or file at fault.

use kdgat_jobs::config::ConfigError;

/// A sweep that cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A name that becomes a path is not acceptable.
    #[error("{field} `{name}` {why}")]
    BadName {
        /// Which name (`dataset`, `sweep name`).
        field: String,
        /// The name as given (escaped).
        name: String,
        /// What is wrong.
        why: String,
    },
    /// A `--set` or sweep-file override is malformed.
    #[error("bad override `{raw}`: {message}")]
    BadOverride {
        /// As given.
        raw: String,
        /// What is wrong.
        message: String,
    },
    /// A config field or value is refused.
    #[error(transparent)]
    Field(#[from] ConfigError),
    /// A run's config is invalid.
    #[error("run {run}: {source}")]
    Config {
        /// The run.
        run: String,
        /// Why.
        #[source]
        source: ConfigError,
    },
    /// The dataset is not in the catalog.
    #[error("dataset `{name}` is not in the catalog (known: {known})")]
    UnknownDataset {
        /// The name.
        name: String,
        /// The catalog's names.
        known: String,
    },
    /// Nothing to plan.
    #[error("nothing to plan: {0}")]
    Empty(&'static str),
    /// Two sweep points give the same run different configs.
    #[error("run {0} is planned twice with different configs")]
    Conflict(String),
    /// The sweep file is unreadable or malformed.
    #[error("sweep file {path}: {message}")]
    SweepFile {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong (with the key or line).
        message: String,
    },
}
