//! CAN message data: the CSV row parser, column storage for one capture file, reading a capture from
//! CSV or Parquet, and writing Parquet. Shared by ingest and graph construction, so both read rows
//! under the same rules.

mod columns;
mod csv_file;
mod parquet_io;
mod row;

pub use columns::MessageColumns;
pub use csv_file::{BadRowPolicy, CsvReport, read_csv};
pub use parquet_io::{ROW_GROUP_SIZE, read_parquet, write_parquet};
pub use row::{CanRow, HEADER, MAX_CAN_ID, RowError, is_header, parse_row};

/// Errors reading or writing capture files.
#[derive(Debug, thiserror::Error)]
pub enum CanDataError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The first line is not the expected header.
    #[error(
        "{path}:1: expected the header `timestamp,arbitration_id,data_field,attack`, found `{found}`"
    )]
    Header {
        /// The file.
        path: std::path::PathBuf,
        /// What the first line was (shortened).
        found: String,
    },
    /// A data row is invalid (and the policy is to fail).
    #[error("{path}:{line}: {error}")]
    BadRow {
        /// The file.
        path: std::path::PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        error: RowError,
    },
    /// A Parquet file could not be written or read.
    #[error("{path}: parquet: {message}")]
    Parquet {
        /// The file.
        path: std::path::PathBuf,
        /// The library's message.
        message: String,
    },
}
