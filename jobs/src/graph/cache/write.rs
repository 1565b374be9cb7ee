//! Writing a build into a cache directory: the graph files and the vocabulary first, each
//! atomically, then the metadata with their checksums — the commit point of the build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::metadata::{
    CacheMetadata, METADATA_FILE, SourceFingerprint, SplitCounts, TRAIN_FILE, VOCAB_FILE,
};
use crate::atomic::write_atomic;
use crate::graph::build::BuiltGraphs;
use crate::graph::cache_file::{self, CacheFileError, FORMAT_VERSION};
use crate::graph::sequence::{GraphMode, STRIDE, WINDOW_SIZE};
use crate::graph::set::GraphSet;
use crate::graph::sources::DatasetSources;
use crate::graph::split::split_indices;
use crate::graph::window::{EDGE_FEATURES, NODE_FEATURES};
use crate::timestamp::utc_now_iso8601;

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

/// Writes a build to the cache directory; the metadata, with every file's checksum, last.
pub fn write(
    dir: &Path,
    dataset: &str,
    built: &BuiltGraphs,
    mode: GraphMode,
) -> Result<CacheMetadata, CacheFileError> {
    let io = |path: PathBuf| move |source| CacheFileError::Io { path, source };
    let mut files = BTreeMap::new();
    files.insert(
        TRAIN_FILE.to_string(),
        cache_file::save(&built.train, &dir.join(TRAIN_FILE))?,
    );
    for (scenario, set) in &built.tests {
        let name = test_file_name(scenario);
        files.insert(name.clone(), cache_file::save(set, &dir.join(&name))?);
    }
    let vocab = serde_json::to_vec(&built.vocab).unwrap_or_default();
    write_atomic(&dir.join(VOCAB_FILE), &vocab).map_err(io(dir.join(VOCAB_FILE)))?;
    files.insert(VOCAB_FILE.to_string(), cache_file::file_checksum(&vocab));
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
        files,
    };
    let json = serde_json::to_vec_pretty(&meta).unwrap_or_default();
    write_atomic(&dir.join(METADATA_FILE), &json).map_err(io(dir.join(METADATA_FILE)))?;
    Ok(meta)
}
