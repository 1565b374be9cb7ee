//! Damaged state stores for tests: one big enough to span several of sled's log segments, and
//! copies of it with the log cut short, as a full disk or an interrupted copy leaves it. sled
//! recovers from most cuts and panics on some — which ones depends on how its background flushes
//! laid the log out — so tests try cuts at every percent until one is unreadable.

use std::path::{Path, PathBuf};

use kdgat_store::Store;

/// Writes a store of a few megabytes in `path` and closes it.
pub fn write_big_store(path: &Path) {
    let store = Store::open(path).unwrap();
    for i in 0..3000 {
        store
            .push_outbox(&format!("op{i}{}", "x".repeat(500)))
            .unwrap();
        store
            .append_event("run", "t", "k", &"y".repeat(300))
            .unwrap();
    }
}

/// Copies the store in `original` to `copy` with its log cut to `percent`% of its length.
pub fn cut_copy(original: &Path, copy: &Path, percent: u64) -> PathBuf {
    std::fs::create_dir_all(copy).unwrap();
    for entry in std::fs::read_dir(original).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_file() {
            std::fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
        }
    }
    let db = copy.join("db");
    let len = std::fs::metadata(&db).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    file.set_len(len * percent / 100).unwrap();
    copy.to_path_buf()
}
