//! Reading one capture CSV into columns: header check, every row validated, bad rows failing the read
//! or skipped and counted, by policy.

use std::path::Path;
use std::str::FromStr;

use serde::Serialize;

use super::CanDataError;
use super::columns::MessageColumns;
use super::row::{is_header, parse_row};

/// How many skipped rows a report lists individually.
const SKIPPED_EXAMPLES: usize = 5;

/// What to do with an invalid row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BadRowPolicy {
    /// Stop at the first bad row, naming file and line.
    #[default]
    Fail,
    /// Skip bad rows; count them and report the first few.
    Skip,
}

impl BadRowPolicy {
    /// Its name on the command line and in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            BadRowPolicy::Fail => "fail",
            BadRowPolicy::Skip => "skip",
        }
    }
}

impl FromStr for BadRowPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fail" => Ok(BadRowPolicy::Fail),
            "skip" => Ok(BadRowPolicy::Skip),
            _ => Err(format!("`{s}`: expected fail or skip")),
        }
    }
}

/// What reading one file found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CsvReport {
    /// Data rows read (valid ones).
    pub rows: usize,
    /// Bad rows skipped.
    pub skipped: usize,
    /// The first few skipped rows as `line N: reason`.
    pub skipped_examples: Vec<String>,
}

/// Reads a capture CSV. Lines are split on `\n` (a `\r` before it is ignored); blank lines are
/// skipped; the first line must be the header.
pub fn read_csv(
    path: &Path,
    policy: BadRowPolicy,
) -> Result<(MessageColumns, CsvReport), CanDataError> {
    let bytes = std::fs::read(path).map_err(|source| CanDataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_csv(&bytes, path, policy)
}

/// Parses the bytes of a capture CSV (see [`read_csv`]); `path` is for messages only.
pub fn parse_csv(
    bytes: &[u8],
    path: &Path,
    policy: BadRowPolicy,
) -> Result<(MessageColumns, CsvReport), CanDataError> {
    let mut lines = bytes.split(|&b| b == b'\n');
    let header = lines.next().unwrap_or_default();
    if !is_header(header) {
        let shown: String = String::from_utf8_lossy(header).chars().take(80).collect();
        return Err(CanDataError::Header {
            path: path.to_path_buf(),
            found: shown,
        });
    }
    // About 40 bytes a row in these captures: reserve once instead of growing.
    let mut columns = MessageColumns::with_capacity(bytes.len() / 36);
    let mut report = CsvReport::default();
    for (index, line) in lines.enumerate() {
        if line.trim_ascii().is_empty() {
            continue;
        }
        match parse_row(line) {
            Ok(row) => columns.push(
                row.timestamp,
                row.id,
                row.data_field,
                row.payload,
                row.label,
            ),
            Err(error) => {
                let line = index + 2;
                if policy == BadRowPolicy::Fail {
                    return Err(CanDataError::BadRow {
                        path: path.to_path_buf(),
                        line,
                        error,
                    });
                }
                report.skipped += 1;
                if report.skipped_examples.len() < SKIPPED_EXAMPLES {
                    report
                        .skipped_examples
                        .push(format!("line {line}: {error}"));
                }
            }
        }
    }
    report.rows = columns.len();
    Ok((columns, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &[u8] =
        b"timestamp,arbitration_id,data_field,attack\n1.0,110,00FF,0\r\n\n2.5,7FF,,1\n";

    #[test]
    fn rows_are_read_with_crlf_and_blank_lines() {
        let (columns, report) = parse_csv(GOOD, Path::new("a.csv"), BadRowPolicy::Fail).unwrap();
        assert_eq!(columns.id, vec![0x110, 0x7FF]);
        assert_eq!(columns.label, vec![0, 1]);
        assert_eq!(columns.data_field_offsets, vec![0, 4, 4]);
        assert_eq!(report.rows, 2);
    }

    #[test]
    fn a_bad_row_names_file_and_line_or_is_skipped() {
        let text = b"timestamp,arbitration_id,data_field,attack\n1,110,00,0\n1,110,0,0\n2,111,00,5\n3,112,00,1";
        let err = parse_csv(text, Path::new("d/a.csv"), BadRowPolicy::Fail).unwrap_err();
        assert_eq!(
            err.to_string(),
            "d/a.csv:3: data_field: `0` is not an even number of hex digits (at most 16, DLC 0..8)"
        );
        let (columns, report) = parse_csv(text, Path::new("d/a.csv"), BadRowPolicy::Skip).unwrap();
        assert_eq!(columns.id, vec![0x110, 0x112]);
        assert_eq!(report.skipped, 2);
        assert_eq!(
            report.skipped_examples[1],
            "line 4: attack: `5` is not 0 or 1"
        );
    }

    #[test]
    fn missing_header_and_empty_files_are_errors() {
        let err = parse_csv(b"", Path::new("e.csv"), BadRowPolicy::Skip).unwrap_err();
        assert!(
            err.to_string().starts_with("e.csv:1: expected the header"),
            "{err}"
        );
        let err = parse_csv(b"1,110,00,0\n", Path::new("e.csv"), BadRowPolicy::Skip).unwrap_err();
        assert!(err.to_string().contains("found `1,110,00,0`"), "{err}");
        let (columns, _) = parse_csv(
            b"timestamp,arbitration_id,data_field,attack",
            Path::new("h.csv"),
            BadRowPolicy::Fail,
        )
        .unwrap();
        assert!(columns.is_empty());
    }
}
