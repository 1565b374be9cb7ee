//! The graph cache directory `data/cache/{dataset}/`: `train.kgc` (training + validation graphs),
//! one `{scenario}.kgc` per test scenario, `vocab.json`, and `cache_metadata.json` (the reference's
//! fields plus ours, and the checksum of every other file). The metadata is written last: it is the
//! commit point, and its checksums make the cache one unit — a file from another build (an
//! interrupted rebuild, a copy) fails its check, and so does a graph whose node ids or edges fall
//! outside its vocabulary or nodes. A cache whose captures, mode, window or format changed is stale;
//! one whose files fail their checks is corrupt; both are rebuilt by `kdgat graphs` with a message
//! saying which, and the stages refuse them.

mod load;
mod metadata;
mod write;

pub use load::{CacheState, check, check_metadata, load_test_scenarios, load_train, load_vocab};
pub use metadata::{
    CacheMetadata, METADATA_FILE, SourceFingerprint, SplitCounts, TRAIN_FILE, VOCAB_FILE,
};
pub use write::{fingerprints, test_file_name, write};
