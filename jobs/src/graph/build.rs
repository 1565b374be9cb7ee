//! Building a dataset's graphs: select the captures, read them (CSV or Parquet, in parallel), build
//! the vocabulary from the training captures, then every capture's windows (in parallel).

use std::path::{Path, PathBuf};

use super::sequence::{GraphMode, LEGACY_CHUNK_ROWS, MessageSequence};
use super::set::GraphSet;
use super::sources::{DatasetSources, select_sources};
use super::vocab::Vocabulary;
use super::window::Graph;
use crate::can::{BadRowPolicy, CanDataError, MessageColumns, read_csv, read_parquet};
use crate::catalog::{CaptureFile, DatasetEntry};
use crate::parallel::map_in_parallel;

/// Where the messages come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphInput {
    /// The raw CSV captures.
    Csv,
    /// Parquet written by `kdgat ingest` under this root.
    Parquet(PathBuf),
}

/// How to build.
#[derive(Debug, Clone)]
pub struct GraphOptions {
    /// The raw data root.
    pub data_root: PathBuf,
    /// Legacy or default.
    pub mode: GraphMode,
    /// CSV or Parquet.
    pub input: GraphInput,
    /// Bad CSV rows: fail or skip.
    pub on_bad_row: BadRowPolicy,
}

/// A graph-construction failure.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The dataset's folders could not be listed.
    #[error("failed to list the captures of {dataset} under {dir}")]
    Listing {
        /// The dataset.
        dataset: String,
        /// Its root.
        dir: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// No training capture: no vocabulary can be built.
    #[error("dataset {dataset}: no training captures under {dir}")]
    NoTrainingData {
        /// The dataset.
        dataset: String,
        /// Its root.
        dir: PathBuf,
    },
    /// A capture could not be read.
    #[error(transparent)]
    Data(#[from] CanDataError),
    /// `graphs show` named a file that is not one of the dataset's captures.
    #[error("{file} is not a capture of {dataset} in this mode (captures: {known})")]
    UnknownFile {
        /// The dataset.
        dataset: String,
        /// The file given.
        file: String,
        /// The known captures.
        known: String,
    },
    /// `graphs show` asked for a window past the end.
    #[error("{file} has {windows} windows; window {window} does not exist")]
    NoSuchWindow {
        /// The file.
        file: String,
        /// The window asked for.
        window: usize,
        /// How many there are.
        windows: usize,
    },
}

/// Everything a build produced.
#[derive(Debug, Clone)]
pub struct BuiltGraphs {
    /// The captures used.
    pub sources: DatasetSources,
    /// The training vocabulary.
    pub vocab: Vocabulary,
    /// Training + validation graphs, in capture order.
    pub train: GraphSet,
    /// Each test scenario's graphs.
    pub tests: Vec<(String, GraphSet)>,
    /// Rows read in all captures.
    pub rows: usize,
    /// Rows kept that the reference's 5000-row chunking drops (default mode).
    pub rows_kept_over_legacy: usize,
}

/// Selects the captures of a dataset, or says why not.
pub fn sources_for(
    name: &str,
    entry: &DatasetEntry,
    options: &GraphOptions,
) -> Result<DatasetSources, GraphError> {
    let dir = entry.csv_path(&options.data_root);
    let sources = select_sources(entry, &options.data_root, options.mode).map_err(|source| {
        GraphError::Listing {
            dataset: name.to_string(),
            dir: dir.clone(),
            source,
        }
    })?;
    if sources.train.is_empty() {
        return Err(GraphError::NoTrainingData {
            dataset: name.to_string(),
            dir,
        });
    }
    Ok(sources)
}

/// Reads one capture from CSV or from its Parquet file.
pub fn load_capture(
    file: &CaptureFile,
    domain_dir: &Path,
    options: &GraphOptions,
) -> Result<MessageColumns, CanDataError> {
    match &options.input {
        GraphInput::Csv => read_csv(&file.path, options.on_bad_row).map(|(columns, _)| columns),
        GraphInput::Parquet(_) => read_parquet(&domain_dir.join(file.parquet_name())),
    }
}

fn parquet_dir(name: &str, entry: &DatasetEntry, options: &GraphOptions) -> PathBuf {
    match &options.input {
        GraphInput::Parquet(root) => root.join(&entry.domain).join(name),
        GraphInput::Csv => PathBuf::new(),
    }
}

/// Builds the vocabulary from the training captures (read in parallel; returned for reuse).
fn read_training(
    name: &str,
    entry: &DatasetEntry,
    sources: &DatasetSources,
    options: &GraphOptions,
) -> Result<(Vec<MessageColumns>, Vocabulary), GraphError> {
    let dir = parquet_dir(name, entry, options);
    let captures: Vec<MessageColumns> =
        map_in_parallel(&sources.train, |f| load_capture(f, &dir, options))
            .into_iter()
            .collect::<Result<_, _>>()?;
    let vocab = Vocabulary::from_ids(captures.iter().map(|c| c.id.as_slice()));
    Ok((captures, vocab))
}

fn graphs_of(columns: &MessageColumns, vocab: &Vocabulary, mode: GraphMode, file: u32) -> GraphSet {
    let mut set = GraphSet::default();
    for (w, graph) in MessageSequence::new(columns, vocab, mode)
        .graphs()
        .enumerate()
    {
        set.push(&graph, file, w as u32);
    }
    set
}

/// Builds every graph of a dataset from its selected captures (see [`sources_for`]).
pub fn build_graphs(
    name: &str,
    entry: &DatasetEntry,
    options: &GraphOptions,
    sources: DatasetSources,
) -> Result<BuiltGraphs, GraphError> {
    let (captures, vocab) = read_training(name, entry, &sources, options)?;
    let mut rows: usize = captures.iter().map(MessageColumns::len).sum();
    let mut chunk_rows: usize = captures
        .iter()
        .map(|c| c.len().div_ceil(LEGACY_CHUNK_ROWS))
        .sum();
    let indexed: Vec<(u32, &MessageColumns)> = captures
        .iter()
        .enumerate()
        .map(|(i, c)| (i as u32, c))
        .collect();
    let train = GraphSet::concat(&map_in_parallel(&indexed, |(i, c)| {
        graphs_of(c, &vocab, options.mode, *i)
    }));
    drop(captures);

    // Test captures: numbered after the training ones, all scenarios' files in one parallel pass.
    let dir = parquet_dir(name, entry, options);
    let test_files: Vec<(usize, u32, &CaptureFile)> = sources
        .tests
        .iter()
        .enumerate()
        .flat_map(|(s, (_, files))| files.iter().map(move |f| (s, f)))
        .enumerate()
        .map(|(i, (s, f))| (s, (sources.train.len() + i) as u32, f))
        .collect();
    let built = map_in_parallel(&test_files, |(_, index, file)| {
        load_capture(file, &dir, options).map(|c| {
            (
                c.len(),
                c.len().div_ceil(LEGACY_CHUNK_ROWS),
                graphs_of(&c, &vocab, options.mode, *index),
            )
        })
    });
    let mut per_scenario: Vec<Vec<GraphSet>> = vec![Vec::new(); sources.tests.len()];
    for ((scenario, _, _), result) in test_files.iter().zip(built) {
        let (n, chunks, set) = result?;
        rows += n;
        chunk_rows += chunks;
        per_scenario[*scenario].push(set);
    }
    let tests = sources
        .tests
        .iter()
        .zip(&per_scenario)
        .map(|((name, _), sets)| (name.clone(), GraphSet::concat(sets)))
        .collect();
    let rows_kept_over_legacy = if options.mode == GraphMode::Default {
        chunk_rows
    } else {
        0
    };
    Ok(BuiltGraphs {
        sources,
        vocab,
        train,
        tests,
        rows,
        rows_kept_over_legacy,
    })
}

/// One window's graph of one capture (for `kdgat graphs show`): the vocabulary comes from the
/// training captures as in a full build.
pub fn build_one_graph(
    name: &str,
    entry: &DatasetEntry,
    options: &GraphOptions,
    rel: &str,
    window: usize,
) -> Result<Graph, GraphError> {
    let sources = sources_for(name, entry, options)?;
    let all: Vec<&CaptureFile> = sources
        .train
        .iter()
        .chain(sources.tests.iter().flat_map(|(_, f)| f))
        .collect();
    let Some(file) = all.iter().find(|f| f.rel == rel) else {
        let known: Vec<&str> = all.iter().map(|f| f.rel.as_str()).collect();
        return Err(GraphError::UnknownFile {
            dataset: name.to_string(),
            file: rel.to_string(),
            known: known.join(", "),
        });
    };
    let (_, vocab) = read_training(name, entry, &sources, options)?;
    let columns = load_capture(file, &parquet_dir(name, entry, options), options)?;
    let sequence = MessageSequence::new(&columns, &vocab, options.mode);
    if window >= sequence.num_windows() {
        return Err(GraphError::NoSuchWindow {
            file: rel.to_string(),
            window,
            windows: sequence.num_windows(),
        });
    }
    Ok(sequence.graph(window))
}
