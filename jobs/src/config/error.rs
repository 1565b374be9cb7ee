//! Errors of configuration loading, overriding and validation. Every variant names the file and/or
//! field at fault, so a user can fix the input from the message alone.

use std::path::PathBuf;

/// A configuration problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or written.
    #[error("failed to {action} config file {path}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than any config (an endless or wrong input).
    #[error("{path}: more than {limit} bytes; not a config file")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The most that is read.
        limit: u64,
    },
    /// The file is not a JSON object.
    #[error("{path}: not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A known field has a value of the wrong type or outside its set.
    #[error("{origin}: field `{field}`: {message}")]
    Field {
        /// Where the value came from: a file path, `--set`, or `preset`.
        origin: String,
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// An override names no field.
    #[error("--set {key}: unknown config field{}", suggestion_text(.suggestion))]
    UnknownField {
        /// The key given.
        key: String,
        /// The closest known field, if any is close.
        suggestion: Option<String>,
    },
    /// An override is not `key=value`, or its value does not parse as the field's type.
    #[error("--set {raw}: {message}")]
    BadOverride {
        /// The override as given.
        raw: String,
        /// What is wrong.
        message: String,
    },
    /// A preset name is not `model,size`.
    #[error(
        "unknown preset `{0}`: expected MODEL,SIZE with MODEL in vgae|gat|dqn and SIZE in teacher|student"
    )]
    UnknownPreset(String),
    /// Validation failed; each entry is one field's problem.
    #[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
    Invalid(Vec<String>),
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}
