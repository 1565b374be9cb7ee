//! Dataset statistics gathered during ingest: files, rows, unique ids, attack types and ratio.

use serde::Serialize;

use crate::can::CsvReport;
use crate::catalog::DatasetEntry;

/// Statistics of one dataset (the project database's `datasets` row, and more).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetStats {
    /// Dataset name.
    pub dataset: String,
    /// CSV files read.
    pub files: usize,
    /// Valid rows.
    pub rows: usize,
    /// Bad rows skipped.
    pub skipped_rows: usize,
    /// Distinct arbitration ids over all files.
    pub unique_ids: usize,
    /// Rows labelled as attacks.
    pub attack_rows: usize,
    /// `attack_rows / rows`.
    pub attack_ratio: f64,
    /// Test scenarios without their `test_NN_` prefix (the reference's `attack_types`).
    pub attack_types: Vec<String>,
    #[serde(skip)]
    ids: Vec<u32>,
}

impl DatasetStats {
    /// Empty statistics for a catalog entry.
    pub fn new(name: &str, entry: &DatasetEntry) -> Self {
        DatasetStats {
            dataset: name.to_string(),
            files: 0,
            rows: 0,
            skipped_rows: 0,
            unique_ids: 0,
            attack_rows: 0,
            attack_ratio: 0.0,
            attack_types: entry
                .test_subdirs
                .iter()
                .map(|t| strip_test_prefix(t).to_string())
                .collect(),
            ids: Vec::new(),
        }
    }

    /// Adds one file's counts and its sorted unique ids.
    pub fn add_file(&mut self, report: &CsvReport, ids: &[u32], attack_rows: usize) {
        self.files += 1;
        self.rows += report.rows;
        self.skipped_rows += report.skipped;
        self.attack_rows += attack_rows;
        self.ids.extend_from_slice(ids);
    }

    /// Computes the totals that need every file.
    pub fn finish(&mut self) {
        self.ids.sort_unstable();
        self.ids.dedup();
        self.unique_ids = self.ids.len();
        self.attack_ratio = if self.rows == 0 {
            0.0
        } else {
            self.attack_rows as f64 / self.rows as f64
        };
    }
}

/// The reference's `attack_types`: the test scenarios without their `test_NN_` prefix.
pub fn attack_types(entry: &DatasetEntry) -> Vec<String> {
    entry
        .test_subdirs
        .iter()
        .map(|t| strip_test_prefix(t).to_string())
        .collect()
}

/// `test_01_known_vehicle_known_attack` → `known_vehicle_known_attack`.
fn strip_test_prefix(name: &str) -> &str {
    let Some(rest) = name.strip_prefix("test_") else {
        return name;
    };
    match rest.split_once('_') {
        Some((digits, tail))
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            tail
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_prefixes_are_stripped() {
        assert_eq!(
            strip_test_prefix("test_01_known_vehicle_known_attack"),
            "known_vehicle_known_attack"
        );
        assert_eq!(strip_test_prefix("test_05_suppress"), "suppress");
        assert_eq!(strip_test_prefix("testing"), "testing");
        assert_eq!(strip_test_prefix("test_x_y"), "test_x_y");
    }
}
