//! A small synthetic graph cache (`train.kgc`, `vocab.json` and the metadata, no test scenarios)
//! for trying the model stages without a dataset and for tests: CAN-window-like graphs over a
//! vocabulary of 20 IDs, a third of them "attacks" whose nodes carry a shifted payload and an extra
//! hub, so a classifier can learn them.

use std::path::Path;

use super::build::BuiltGraphs;
use super::cache;
use super::cache_file::CacheFileError;
use super::sequence::GraphMode;
use super::set::GraphSet;
use super::sources::DatasetSources;
use super::split::derive_seed;
use super::vocab::Vocabulary;
use super::window::{EDGE_FEATURES, Graph, NODE_FEATURES};

/// CAN IDs in the synthetic vocabulary.
pub const SYNTHETIC_IDS: u32 = 20;

/// Writes a cache of `graphs` synthetic graphs into `dir`, deterministically from `seed`.
pub fn write_synthetic_cache(dir: &Path, graphs: usize, seed: u64) -> Result<(), CacheFileError> {
    let ids: Vec<u32> = (0..SYNTHETIC_IDS).map(|i| 0x100 + i).collect();
    let vocab = Vocabulary::from_ids([ids.as_slice()]);
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
    let built = BuiltGraphs {
        sources: DatasetSources::default(),
        vocab,
        train: set,
        tests: Vec::new(),
        rows: 0,
        rows_kept_over_legacy: 0,
    };
    cache::write(dir, "synthetic", &built, GraphMode::Default).map(drop)
}
