//! Reading a cache back, always checked as one unit: every file's checksum must be the one its
//! metadata recorded for the build, the vocabulary must have the metadata's size, and every graph's
//! node ids must fall inside that vocabulary (an id past it would make libtorch's embedding abort).
//! [`check`] says whether `kdgat graphs` can keep a cache; the loaders are what the stages read.

use std::path::Path;

use super::metadata::{CacheMetadata, TRAIN_FILE, VOCAB_FILE, read_metadata};
use super::write::test_file_name;
use crate::graph::cache_file::{self, CacheFileError, FORMAT_VERSION};
use crate::graph::sequence::{GraphMode, STRIDE, WINDOW_SIZE};
use crate::graph::set::GraphSet;
use crate::graph::vocab::Vocabulary;
use crate::graph::window::NODE_FEATURES;

use super::metadata::SourceFingerprint;

/// What state a cache directory is in.
#[derive(Debug)]
pub enum CacheState {
    /// Usable as is.
    Fresh(Box<CacheMetadata>),
    /// No cache yet.
    Missing,
    /// Built from other inputs or settings; the reason says which.
    Stale(String),
    /// A file is damaged or from another build; the reason says which.
    Corrupt(String),
}

/// Checks a cache directory against the captures and mode it should reflect, its files included.
pub fn check(dir: &Path, mode: GraphMode, expected: &[SourceFingerprint]) -> CacheState {
    let meta = match check_metadata(dir, mode, expected) {
        CacheState::Fresh(meta) => meta,
        other => return other,
    };
    let whole = vocab_of(dir, &meta).and_then(|_| {
        std::iter::once(TRAIN_FILE.to_string())
            .chain(meta.test_scenarios.iter().map(|(s, _)| test_file_name(s)))
            .try_for_each(|file| graphs_of(dir, &meta, &file).map(drop))
    });
    match whole {
        Ok(()) => CacheState::Fresh(meta),
        Err(err) => CacheState::Corrupt(err.to_string()),
    }
}

/// The cheap part of [`check`]: the metadata alone against the captures and mode, no graph file
/// read (what a plan needs to know whether the cache will be rebuilt).
pub fn check_metadata(dir: &Path, mode: GraphMode, expected: &[SourceFingerprint]) -> CacheState {
    let meta = match read_metadata(dir) {
        Ok(meta) => meta,
        Err(CacheFileError::Io { .. }) => return CacheState::Missing,
        Err(err) => return CacheState::Corrupt(err.to_string()),
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
    if meta.files.is_empty() {
        return CacheState::Stale("written by an older kdgat, without its files' checksums".into());
    }
    CacheState::Fresh(Box::new(meta))
}

/// Reads the vocabulary of a cache.
pub fn load_vocab(dir: &Path) -> Result<Vocabulary, CacheFileError> {
    vocab_of(dir, &read_metadata(dir)?)
}

/// Reads the training graphs of a cache.
pub fn load_train(dir: &Path) -> Result<GraphSet, CacheFileError> {
    graphs_of(dir, &read_metadata(dir)?, TRAIN_FILE)
}

/// The test scenarios of a cache, by name, in the order its metadata lists them. A cache without
/// readable metadata is an error, not a cache without tests.
pub fn load_test_scenarios(dir: &Path) -> Result<Vec<(String, GraphSet)>, CacheFileError> {
    let meta = read_metadata(dir)?;
    meta.test_scenarios
        .iter()
        .map(|(scenario, _)| {
            Ok((
                scenario.clone(),
                graphs_of(dir, &meta, &test_file_name(scenario))?,
            ))
        })
        .collect()
}

/// The bytes of `name` in `dir`.
fn read(dir: &Path, name: &str) -> Result<Vec<u8>, CacheFileError> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|source| CacheFileError::Io { path, source })
}

/// Whether `bytes` are the file `name` the build of `meta` wrote; the reason why not.
fn of_this_build(meta: &CacheMetadata, name: &str, bytes: &[u8]) -> Result<(), String> {
    match meta.files.get(name) {
        Some(&sum) if sum == cache_file::file_checksum(bytes) => Ok(()),
        Some(_) => Err(
            "not the file its build wrote (a build interrupted or mixed with \
                        another); rebuild the cache with `kdgat graphs`"
                .into(),
        ),
        None => Err(
            "not listed in the cache's metadata (written by an older kdgat?); rebuild \
                     the cache with `kdgat graphs`"
                .into(),
        ),
    }
}

fn vocab_of(dir: &Path, meta: &CacheMetadata) -> Result<Vocabulary, CacheFileError> {
    let corrupt = |why: String| CacheFileError::Corrupt {
        path: dir.join(VOCAB_FILE),
        why,
    };
    let bytes = read(dir, VOCAB_FILE)?;
    let vocab: Vocabulary = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    of_this_build(meta, VOCAB_FILE, &bytes).map_err(corrupt)?;
    if vocab.num_ids() != meta.num_unique_ids {
        return Err(corrupt(format!(
            "{} ids with OOV where the metadata says {}",
            vocab.num_ids(),
            meta.num_unique_ids
        )));
    }
    Ok(vocab)
}

/// A graph file: whole (its own checksum and layout, [`cache_file::decode`]), of this build, and
/// with every node id inside the vocabulary.
fn graphs_of(dir: &Path, meta: &CacheMetadata, name: &str) -> Result<GraphSet, CacheFileError> {
    let corrupt = |why: String| CacheFileError::Corrupt {
        path: dir.join(name),
        why,
    };
    let bytes = read(dir, name)?;
    let set = cache_file::decode(&bytes).map_err(corrupt)?;
    of_this_build(meta, name, &bytes).map_err(corrupt)?;
    check_node_ids(&set, meta.num_unique_ids).map_err(corrupt)?;
    Ok(set)
}

/// Every node's id index (its first feature) is a whole number below `num_ids`.
fn check_node_ids(set: &GraphSet, num_ids: usize) -> Result<(), String> {
    let outside = set.x.chunks_exact(NODE_FEATURES).position(|node| {
        !(node[0] >= 0.0 && node[0].fract() == 0.0 && (node[0] as usize) < num_ids)
    });
    match outside {
        Some(node) => Err(format!(
            "node {node} has CAN-id index {}, outside the vocabulary of {num_ids} ids (graphs and \
             vocabulary from different builds?)",
            set.x[node * NODE_FEATURES]
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::cache::METADATA_FILE;
    use crate::graph::synthetic::write_synthetic_cache;

    fn fresh(dir: &Path) -> bool {
        matches!(check(dir, GraphMode::Default, &[]), CacheState::Fresh(_))
    }

    /// Issue 19: a graph file of another build (what an interrupted rebuild leaves) makes the
    /// whole cache corrupt, for `kdgat graphs` and for the stages.
    #[test]
    fn a_file_from_another_build_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        write_synthetic_cache(&a, 12, 1).unwrap();
        write_synthetic_cache(&b, 15, 2).unwrap();
        assert!(fresh(&a) && load_train(&a).is_ok());
        std::fs::copy(b.join(TRAIN_FILE), a.join(TRAIN_FILE)).unwrap();
        assert!(!fresh(&a), "a mixed cache passed as up to date");
        let err = load_train(&a).unwrap_err().to_string();
        assert!(
            err.contains("train.kgc") && err.contains("kdgat graphs"),
            "{err}"
        );
    }

    /// Issue 19: a vocabulary smaller than the ids its graphs use is refused, even when the
    /// metadata agrees with it (else libtorch's embedding aborts on the first batch).
    #[test]
    fn graphs_with_ids_past_the_vocabulary_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("c");
        write_synthetic_cache(&dir, 12, 1).unwrap();
        let small = Vocabulary::from_ids([&[0x100u32, 0x101, 0x102][..]]);
        let bytes = serde_json::to_vec(&small).unwrap();
        std::fs::write(dir.join(VOCAB_FILE), &bytes).unwrap();
        let mut meta = read_metadata(&dir).unwrap();
        meta.num_unique_ids = small.num_ids();
        meta.files
            .insert(VOCAB_FILE.to_string(), cache_file::file_checksum(&bytes));
        std::fs::write(dir.join(METADATA_FILE), serde_json::to_vec(&meta).unwrap()).unwrap();
        assert_eq!(load_vocab(&dir).unwrap(), small);
        let err = load_train(&dir).unwrap_err().to_string();
        assert!(err.contains("outside the vocabulary of 4 ids"), "{err}");
        assert!(!fresh(&dir));
    }

    /// Issue 19: without readable metadata there are no test scenarios to evaluate on, which is
    /// an error, not an evaluation without its test section.
    #[test]
    fn test_scenarios_need_the_metadata() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("c");
        write_synthetic_cache(&dir, 12, 1).unwrap();
        assert!(load_test_scenarios(&dir).unwrap().is_empty());
        std::fs::write(dir.join(METADATA_FILE), "{ not json").unwrap();
        let err = load_test_scenarios(&dir).unwrap_err().to_string();
        assert!(err.contains(METADATA_FILE), "{err}");
        std::fs::remove_file(dir.join(METADATA_FILE)).unwrap();
        assert!(load_test_scenarios(&dir).is_err());
        assert!(matches!(
            check(&dir, GraphMode::Default, &[]),
            CacheState::Missing
        ));
    }
}
