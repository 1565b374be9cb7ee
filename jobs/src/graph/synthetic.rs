//! A small synthetic graph cache (`train.kgc` + `vocab.json`) for trying the model stages without a
//! dataset and for tests: CAN-window-like graphs over a vocabulary of 20 IDs, a third of them
//! "attacks" whose nodes carry a shifted payload and an extra hub, so a classifier can learn them.

use std::path::Path;

use super::cache::{TRAIN_FILE, VOCAB_FILE};
use super::cache_file::{CacheFileError, save};
use super::set::GraphSet;
use super::split::derive_seed;
use super::vocab::Vocabulary;
use super::window::{EDGE_FEATURES, Graph, NODE_FEATURES};

/// CAN IDs in the synthetic vocabulary.
pub const SYNTHETIC_IDS: u32 = 20;

/// Writes a cache of `graphs` synthetic graphs into `dir`, deterministically from `seed`.
pub fn write_synthetic_cache(dir: &Path, graphs: usize, seed: u64) -> Result<(), CacheFileError> {
    std::fs::create_dir_all(dir).map_err(|source| CacheFileError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let ids: Vec<u32> = (0..SYNTHETIC_IDS).map(|i| 0x100 + i).collect();
    let vocab = Vocabulary::from_ids([ids.as_slice()]);
    let vocab_path = dir.join(VOCAB_FILE);
    let json = serde_json::to_vec(&vocab).unwrap_or_default();
    crate::atomic::write_atomic(&vocab_path, &json).map_err(|source| CacheFileError::Io {
        path: vocab_path,
        source,
    })?;
    let mut set = GraphSet::default();
    for g in 0..graphs {
        let mut draw = {
            let mut k = 0u64;
            move || {
                k += 1;
                derive_seed(seed, &[g as u64, k]) as f64 / u64::MAX as f64
            }
        };
        let attack = g % 3 == 0;
        let nodes = 6 + (draw() * 5.0) as u32;
        let x: Vec<[f32; NODE_FEATURES]> = (0..nodes)
            .map(|n| {
                let mut row = [0f32; NODE_FEATURES];
                row[0] = (draw() * f64::from(SYNTHETIC_IDS)) as u32 as f32;
                for value in row.iter_mut().skip(1) {
                    *value = (draw() * 0.5 + if attack && n % 2 == 0 { 0.4 } else { 0.0 }) as f32;
                }
                row
            })
            .collect();
        let mut edges: Vec<(u32, u32)> = (0..nodes).map(|n| (n, (n + 1) % nodes)).collect();
        if attack {
            edges.extend((1..nodes).map(|n| (n, 0)));
        }
        let edge_attr = vec![[0.5f32; EDGE_FEATURES]; edges.len()];
        set.push(
            &Graph {
                x,
                edges,
                edge_attr,
                y: u8::from(attack),
            },
            0,
            g as u32,
        );
    }
    save(&set, &dir.join(TRAIN_FILE))
}
