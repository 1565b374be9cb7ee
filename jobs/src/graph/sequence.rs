//! From one capture's messages to its graphs: each message's id and successor id mapped through the
//! vocabulary, then non-overlapping windows (`max(1, (N − W) / S + 1)` of them; trailing rows that do
//! not fill a window are dropped; a capture shorter than a window gives one short window).
//!
//! `Legacy` reproduces the reference's reading in 5000-row chunks, each of which loses its last row
//! (its successor lies in the next chunk). `Default` keeps every row; the capture's last message
//! has no successor and so no edge.

use serde::{Deserialize, Serialize};

use super::vocab::Vocabulary;
use super::window::{Graph, NO_TARGET, WindowRows, build_graph};
use crate::can::MessageColumns;

/// Messages per window.
pub const WINDOW_SIZE: usize = 100;
/// Messages between window starts.
pub const STRIDE: usize = 100;
/// The reference's CSV chunk size (legacy mode only).
pub const LEGACY_CHUNK_ROWS: usize = 5000;

/// How graphs are built: the reference's quirks kept, or fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphMode {
    /// Every row kept, duplicate captures counted once, exclusions only from the catalog.
    Default,
    /// Bit-for-bit the reference: 5000-row chunks dropping a row each, both training folders with
    /// their duplicated files, suppress/masquerade captures excluded everywhere.
    Legacy,
}

/// A capture's rows ready for windowing.
#[derive(Debug, Clone, Default)]
pub struct MessageSequence {
    source: Vec<u32>,
    target: Vec<u32>,
    payload: Vec<[u8; 8]>,
    label: Vec<u8>,
}

impl MessageSequence {
    /// Maps a capture's messages through the vocabulary in the given mode.
    pub fn new(columns: &MessageColumns, vocab: &Vocabulary, mode: GraphMode) -> Self {
        let n = columns.len();
        let mapped: Vec<u32> = columns.id.iter().map(|&id| vocab.index(id)).collect();
        let mut seq = MessageSequence::default();
        let chunk = match mode {
            GraphMode::Legacy => LEGACY_CHUNK_ROWS,
            GraphMode::Default => n.max(1),
        };
        for start in (0..n).step_by(chunk) {
            let end = (start + chunk).min(n);
            let kept = match mode {
                GraphMode::Legacy => start..end.saturating_sub(1).max(start),
                GraphMode::Default => start..end,
            };
            for i in kept {
                seq.source.push(mapped[i]);
                seq.target.push(if i + 1 < end {
                    mapped[i + 1]
                } else {
                    NO_TARGET
                });
                seq.payload.push(columns.payload[i]);
                seq.label.push(columns.label[i]);
            }
        }
        seq
    }

    /// Rows kept.
    pub fn len(&self) -> usize {
        self.source.len()
    }

    /// Whether no row was kept (such a capture yields no graph, as in the reference).
    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
    }

    /// Number of windows.
    pub fn num_windows(&self) -> usize {
        if self.is_empty() {
            0
        } else if self.len() < WINDOW_SIZE {
            1
        } else {
            (self.len() - WINDOW_SIZE) / STRIDE + 1
        }
    }

    /// The graph of window `w` (`w < num_windows()`).
    pub fn graph(&self, w: usize) -> Graph {
        let start = w * STRIDE;
        let end = (start + WINDOW_SIZE).min(self.len());
        build_graph(WindowRows {
            source: &self.source[start..end],
            target: &self.target[start..end],
            payload: &self.payload[start..end],
            label: &self.label[start..end],
        })
    }

    /// Every window's graph, in order.
    pub fn graphs(&self) -> impl Iterator<Item = Graph> + '_ {
        (0..self.num_windows()).map(|w| self.graph(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(n: usize) -> MessageColumns {
        let mut c = MessageColumns::with_capacity(n);
        for i in 0..n {
            c.push(i as f64, (i % 7) as u32, b"", [0; 8], 0);
        }
        c
    }

    #[test]
    fn legacy_mode_drops_one_row_per_5000_row_chunk() {
        let vocab = Vocabulary::from_ids([&(0..7).collect::<Vec<u32>>()[..]]);
        let seq = MessageSequence::new(&columns(12_001), &vocab, GraphMode::Legacy);
        assert_eq!(seq.len(), 12_001 - 3);
        // Row 4998 keeps its successor 4999 (dropped itself); row 4999's transition to 5000 is lost.
        assert_eq!((seq.source[4998], seq.target[4998]), (4998 % 7, 4999 % 7));
        assert_eq!(seq.source[4999], 5000 % 7);
        assert_eq!(seq.num_windows(), (12_001 - 3 - 100) / 100 + 1);
    }

    #[test]
    fn default_mode_keeps_every_row() {
        let vocab = Vocabulary::from_ids([&[0u32, 1, 2][..]]);
        let seq = MessageSequence::new(&columns(12_001), &vocab, GraphMode::Default);
        assert_eq!(seq.len(), 12_001);
        assert_eq!(*seq.target.last().unwrap(), NO_TARGET);
        // Ids 3..6 are not in this vocabulary: OOV = 3.
        assert_eq!(seq.source[5], 3);
        assert_eq!(seq.num_windows(), 120);
    }

    #[test]
    fn short_and_tiny_captures() {
        let vocab = Vocabulary::from_ids([&[0u32][..]]);
        assert_eq!(
            MessageSequence::new(&columns(50), &vocab, GraphMode::Default).num_windows(),
            1
        );
        assert_eq!(
            MessageSequence::new(&columns(1), &vocab, GraphMode::Legacy).num_windows(),
            0
        );
        assert_eq!(
            MessageSequence::new(&columns(0), &vocab, GraphMode::Default).num_windows(),
            0
        );
        // Ids 1..6 are OOV here: two nodes, id 0 and OOV.
        assert_eq!(
            MessageSequence::new(&columns(199), &vocab, GraphMode::Default)
                .graph(0)
                .x
                .len(),
            2
        );
    }
}
