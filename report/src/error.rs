//! Why a report could not be made; every error names the file (and line) or directory at fault.

use std::path::PathBuf;

/// A report failure.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A run file breaks the run-directory contract (the message names the file and line).
    #[error("{message}")]
    Contract {
        /// What is wrong, where.
        message: String,
    },
    /// A run file is malformed.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line or field.
        message: String,
    },
    /// The runs directory holds no run directory.
    #[error("no run directories ({{dataset}}/{{run}}/config.json) under {0}")]
    NoRuns(PathBuf),
    /// No run of the dataset asked for.
    #[error("no runs of dataset `{dataset}` under {dir} (found: {found})")]
    UnknownDataset {
        /// The dataset asked for.
        dataset: String,
        /// The runs directory.
        dir: PathBuf,
        /// The datasets that have runs, comma-separated.
        found: String,
    },
    /// A chart could not be drawn.
    #[error("drawing {chart}: {message}")]
    Draw {
        /// The chart's title.
        chart: String,
        /// The drawing library's message.
        message: String,
    },
}

impl ReportError {
    /// Whether the error is in the user's input (a malformed file, an unknown dataset, no runs)
    /// rather than in reading or writing.
    pub fn is_input(&self) -> bool {
        !matches!(self, ReportError::Io { .. } | ReportError::Draw { .. })
    }
}

/// The `Io` error of `path`.
pub(crate) fn io(path: &std::path::Path) -> impl Fn(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}
