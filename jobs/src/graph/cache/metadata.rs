//! `cache_metadata.json`: what a cache was built from and how, its counts, and the checksum of each
//! of its other files (the manifest that makes the cache one unit).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::graph::cache_file::CacheFileError;
use crate::graph::sequence::GraphMode;

/// The metadata file name.
pub const METADATA_FILE: &str = "cache_metadata.json";
/// The training graphs' file name.
pub const TRAIN_FILE: &str = "train.kgc";
/// The vocabulary file name.
pub const VOCAB_FILE: &str = "vocab.json";

/// A capture as recorded in the cache: enough to notice it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFingerprint {
    /// `subdir/file.csv`.
    pub file: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Modification time, nanoseconds since the epoch.
    pub modified_ns: u128,
}

/// Counts of one graph file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitCounts {
    /// Graphs.
    pub num_graphs: usize,
    /// Graphs labelled attack.
    pub attack_graphs: usize,
}

/// `cache_metadata.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheMetadata {
    /// Dataset name.
    pub dataset: String,
    /// When the cache was written (UTC, ISO 8601).
    pub created_at: String,
    /// Messages per window.
    pub window_size: usize,
    /// Messages between windows.
    pub stride: usize,
    /// Training + validation graphs.
    pub num_graphs: usize,
    /// Vocabulary size including OOV (the reference's `num_ids`).
    pub num_unique_ids: usize,
    /// 11.
    pub node_feature_dim: usize,
    /// 11.
    pub edge_feature_dim: usize,
    /// Training captures read.
    pub source_csv_count: usize,
    /// `1.0` in legacy mode (the reference's), `kdgat-1` in the default mode.
    pub preprocessing_version: String,
    /// The `.kgc` format version.
    pub format_version: u32,
    /// Legacy or default.
    pub mode: GraphMode,
    /// Training / validation sizes under seed 42 (the reference's split sizes).
    pub split: (usize, usize),
    /// Training graphs.
    pub train: SplitCounts,
    /// Each test scenario, in catalog order.
    pub test_scenarios: Vec<(String, SplitCounts)>,
    /// Every capture read (training first, then tests), in graph-origin order.
    pub sources: Vec<SourceFingerprint>,
    /// What the default mode changed relative to the reference.
    pub changes: Vec<String>,
    /// The CRC-32 of each other file of this build, by name (absent in caches of kdgat before
    /// it: those are rebuilt).
    #[serde(default)]
    pub files: BTreeMap<String, u32>,
}

/// Reads a cache's metadata: without it, a directory is no complete cache.
pub(crate) fn read_metadata(dir: &Path) -> Result<CacheMetadata, CacheFileError> {
    let path = dir.join(METADATA_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| CacheFileError::Io {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| CacheFileError::Corrupt {
        path,
        why: e.to_string(),
    })
}
