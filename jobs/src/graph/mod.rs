//! CAN windows to graphs (REFERENCE.md §4): capture selection per mode, the id vocabulary,
//! 100-message windows, the graph of each window, the seeded split, and the graph cache.

mod build;
pub mod cache;
pub mod cache_file;
mod ensure;
mod sequence;
mod set;
mod sources;
mod split;
pub mod synthetic;
#[cfg(feature = "train")]
pub mod tensors;
mod vocab;
mod window;

pub use build::{
    BuiltGraphs, GraphError, GraphInput, GraphOptions, build_graphs, build_one_graph, sources_for,
};
pub use ensure::{
    BuildSummary, CacheReport, EnsureError, current_cache, ensure_cache, graphs_options,
    run_graphs_job,
};
pub use sequence::{GraphMode, LEGACY_CHUNK_ROWS, MessageSequence, STRIDE, WINDOW_SIZE};
#[cfg(test)]
pub(crate) use set::test_graph;
pub use set::{GraphRef, GraphSet};
pub use sources::{DatasetSources, LEGACY_EXCLUDED, select_sources};
pub(crate) use split::splitmix64;
pub use split::{TRAIN_FRACTION, derive_seed, permutation, split_indices};
pub use vocab::Vocabulary;
pub use window::{EDGE_FEATURES, Graph, NO_TARGET, NODE_FEATURES, WindowRows, build_graph};
