//! The graph cache directory `data/cache/{dataset}/`: `train.kgc` (training + validation graphs),
//! one `{scenario}.kgc` per test scenario, `vocab.json`, and `cache_metadata.json` (the reference's
//! fields plus ours). The metadata is written last: it is the commit point. A cache whose captures,
//! mode, window or format changed is stale; one whose files fail their checks is corrupt; both are
//! rebuilt by `kdgat graphs` with a message saying which.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::build::BuiltGraphs;
use super::cache_file::{self, CacheFileError, FORMAT_VERSION};
use super::sequence::{GraphMode, STRIDE, WINDOW_SIZE};
use super::set::GraphSet;
use super::sources::DatasetSources;
use super::split::split_indices;
use super::vocab::Vocabulary;
use super::window::{EDGE_FEATURES, NODE_FEATURES};
use crate::atomic::write_atomic;
use crate::timestamp::utc_now_iso8601;

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
}

/// What state a cache directory is in.
#[derive(Debug)]
pub enum CacheState {
    /// Usable as is.
    Fresh(Box<CacheMetadata>),
    /// No cache yet.
    Missing,
    /// Built from other inputs or settings; the reason says which.
    Stale(String),
    /// A file is damaged; the reason says which.
    Corrupt(String),
}

/// The fingerprints of a selection's captures, training first.
pub fn fingerprints(sources: &DatasetSources) -> std::io::Result<Vec<SourceFingerprint>> {
    sources
        .train
        .iter()
        .chain(sources.tests.iter().flat_map(|(_, files)| files))
        .map(|f| {
            let meta = std::fs::metadata(&f.path)?;
            let modified_ns = meta
                .modified()?
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            Ok(SourceFingerprint {
                file: f.rel.clone(),
                bytes: meta.len(),
                modified_ns,
            })
        })
        .collect()
}

/// A scenario's graph file name.
pub fn test_file_name(scenario: &str) -> String {
    format!("{scenario}.kgc")
}

/// Checks a cache directory against the captures and mode it should reflect, its files included.
pub fn check(dir: &Path, mode: GraphMode, expected: &[SourceFingerprint]) -> CacheState {
    let meta = match check_metadata(dir, mode, expected) {
        CacheState::Fresh(meta) => meta,
        other => return other,
    };
    let files = std::iter::once(TRAIN_FILE.to_string())
        .chain(meta.test_scenarios.iter().map(|(s, _)| test_file_name(s)));
    for file in files {
        if let Err(err) = cache_file::load(&dir.join(&file)) {
            return CacheState::Corrupt(err.to_string());
        }
    }
    if load_vocab(dir).is_err() {
        return CacheState::Corrupt(format!("{VOCAB_FILE} is missing or unreadable"));
    }
    CacheState::Fresh(meta)
}

/// The cheap part of [`check`]: the metadata alone against the captures and mode, no graph file
/// read (what a plan needs to know whether the cache will be rebuilt).
pub fn check_metadata(dir: &Path, mode: GraphMode, expected: &[SourceFingerprint]) -> CacheState {
    let Ok(text) = std::fs::read_to_string(dir.join(METADATA_FILE)) else {
        return CacheState::Missing;
    };
    let meta: CacheMetadata = match serde_json::from_str(&text) {
        Ok(meta) => meta,
        Err(err) => return CacheState::Corrupt(format!("{METADATA_FILE}: {err}")),
    };
    if meta.format_version != FORMAT_VERSION {
        return CacheState::Stale(format!(
            "format version {} (current {FORMAT_VERSION})",
            meta.format_version
        ));
    }
    if meta.mode != mode {
        return CacheState::Stale(format!("built in {:?} mode, {mode:?} requested", meta.mode));
    }
    if (meta.window_size, meta.stride) != (WINDOW_SIZE, STRIDE) {
        return CacheState::Stale("different window size or stride".into());
    }
    if meta.sources != expected {
        return CacheState::Stale("the captures changed since it was built".into());
    }
    CacheState::Fresh(Box::new(meta))
}

/// Writes a build to the cache directory; the metadata last.
pub fn write(
    dir: &Path,
    dataset: &str,
    built: &BuiltGraphs,
    mode: GraphMode,
) -> Result<CacheMetadata, CacheFileError> {
    let io = |path: PathBuf| move |source| CacheFileError::Io { path, source };
    cache_file::save(&built.train, &dir.join(TRAIN_FILE))?;
    for (scenario, set) in &built.tests {
        cache_file::save(set, &dir.join(test_file_name(scenario)))?;
    }
    let vocab = serde_json::to_vec(&built.vocab).unwrap_or_default();
    write_atomic(&dir.join(VOCAB_FILE), &vocab).map_err(io(dir.join(VOCAB_FILE)))?;
    let (train, val) = split_indices(built.train.len(), 42);
    let counts = |set: &GraphSet| SplitCounts {
        num_graphs: set.len(),
        attack_graphs: set.attack_graphs(),
    };
    let meta = CacheMetadata {
        dataset: dataset.to_string(),
        created_at: utc_now_iso8601(),
        window_size: WINDOW_SIZE,
        stride: STRIDE,
        num_graphs: built.train.len(),
        num_unique_ids: built.vocab.num_ids(),
        node_feature_dim: NODE_FEATURES,
        edge_feature_dim: EDGE_FEATURES,
        source_csv_count: built.sources.train.len(),
        preprocessing_version: match mode {
            GraphMode::Legacy => "1.0".into(),
            GraphMode::Default => "kdgat-1".into(),
        },
        format_version: FORMAT_VERSION,
        mode,
        split: (train.len(), val.len()),
        train: counts(&built.train),
        test_scenarios: built
            .tests
            .iter()
            .map(|(s, set)| (s.clone(), counts(set)))
            .collect(),
        sources: fingerprints(&built.sources).map_err(io(dir.to_path_buf()))?,
        changes: built.sources.changes.clone(),
    };
    let json = serde_json::to_vec_pretty(&meta).unwrap_or_default();
    write_atomic(&dir.join(METADATA_FILE), &json).map_err(io(dir.join(METADATA_FILE)))?;
    Ok(meta)
}

/// Reads the vocabulary of a cache.
pub fn load_vocab(dir: &Path) -> Result<Vocabulary, CacheFileError> {
    let path = dir.join(VOCAB_FILE);
    let bytes = std::fs::read(&path).map_err(|source| CacheFileError::Io {
        path: path.clone(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| CacheFileError::Corrupt {
        path,
        why: e.to_string(),
    })
}

/// Reads the training graphs of a cache.
pub fn load_train(dir: &Path) -> Result<GraphSet, CacheFileError> {
    cache_file::load(&dir.join(TRAIN_FILE))
}

/// The test scenarios of a cache, by name, in the order its metadata lists them (none without
/// metadata, e.g. a synthetic cache).
pub fn load_test_scenarios(dir: &Path) -> Result<Vec<(String, GraphSet)>, CacheFileError> {
    let path = dir.join(METADATA_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Vec::new());
    };
    let meta: CacheMetadata = serde_json::from_str(&text).map_err(|e| CacheFileError::Corrupt {
        path: path.clone(),
        why: e.to_string(),
    })?;
    meta.test_scenarios
        .iter()
        .map(|(scenario, _)| {
            Ok((
                scenario.clone(),
                cache_file::load(&dir.join(test_file_name(scenario)))?,
            ))
        })
        .collect()
}
