//! The binary graph-set file (`*.kgc`): a versioned header, the [`GraphSet`] arrays little-endian in a
//! fixed order, and a CRC-32 of everything before it. A wrong magic, version, length or checksum is
//! reported as corruption, never a panic.
//!
//! Layout (format version 1):
//! `"KDGATGC\0"`, u32 version, u32 node features, u32 edge features, u32 reserved,
//! u64 graphs, u64 nodes, u64 edges, then node_offsets (u64 × graphs+1), edge_offsets (u64 × graphs+1),
//! y (u8 × graphs), origin_file (u32 × graphs), origin_window (u32 × graphs), x (f32 × nodes·11),
//! edge_src (u32 × edges), edge_dst (u32 × edges), edge_attr (f32 × edges·11), then u32 CRC-32.

use std::path::Path;

use super::set::GraphSet;
use super::window::{EDGE_FEATURES, NODE_FEATURES};

const MAGIC: &[u8; 8] = b"KDGATGC\0";
/// Bump when the layout or the meaning of any array changes.
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 * 4 + 8 * 3;

/// Why a cache file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheFileError {
    /// It could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Its content is not a valid graph set of this version.
    #[error("{path}: corrupt graph cache: {why}")]
    Corrupt {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        why: String,
    },
}

/// Serialises a graph set.
pub fn encode(set: &GraphSet) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(HEADER_LEN + set.x.len() * 4 + set.edge_attr.len() * 4 + set.len() * 32);
    out.extend_from_slice(MAGIC);
    for v in [
        FORMAT_VERSION,
        NODE_FEATURES as u32,
        EDGE_FEATURES as u32,
        0,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in [set.len(), set.num_nodes(), set.num_edges()] {
        out.extend_from_slice(&(v as u64).to_le_bytes());
    }
    set.node_offsets
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    set.edge_offsets
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    out.extend_from_slice(&set.y);
    for array in [&set.origin_file, &set.origin_window] {
        array
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    }
    set.x
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    for array in [&set.edge_src, &set.edge_dst] {
        array
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    }
    set.edge_attr
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Writes a graph set atomically; returns its [`file_checksum`] (for the cache's manifest).
pub fn save(set: &GraphSet, path: &Path) -> Result<u32, CacheFileError> {
    let bytes = encode(set);
    crate::atomic::write_atomic(path, &bytes).map_err(|source| CacheFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(file_checksum(&bytes))
}

/// The checksum of a whole cache file, as the cache's manifest records it: CRC-32 of its length
/// and then its bytes. (A plain CRC-32 of a `.kgc` file is the same for every file: the CRC of a
/// message followed by its own CRC is a constant. The length in front breaks that.)
pub fn file_checksum(bytes: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
    hasher.finalize()
}

/// Reads a graph set, checking magic, version, length and checksum.
pub fn load(path: &Path) -> Result<GraphSet, CacheFileError> {
    let bytes = std::fs::read(path).map_err(|source| CacheFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode(&bytes).map_err(|why| CacheFileError::Corrupt {
        path: path.to_path_buf(),
        why,
    })
}

/// Parses the bytes of a graph-set file.
pub fn decode(bytes: &[u8]) -> Result<GraphSet, String> {
    if bytes.len() < HEADER_LEN + 4 || &bytes[..8] != MAGIC {
        return Err("not a kdgat graph cache (bad magic or too short)".into());
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Err("checksum mismatch".into());
    }
    let mut r = Reader { bytes: body, at: 8 };
    let version = r.u32s(1)?[0];
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, expected {FORMAT_VERSION}"
        ));
    }
    let dims = r.u32s(3)?;
    if dims[..2] != [NODE_FEATURES as u32, EDGE_FEATURES as u32] {
        return Err(format!(
            "feature sizes {}/{}, expected {NODE_FEATURES}/{EDGE_FEATURES}",
            dims[0], dims[1]
        ));
    }
    let counts = r.u64s(3)?;
    let [graphs, nodes, edges] =
        [counts[0], counts[1], counts[2]].map(|c| usize::try_from(c).unwrap_or(usize::MAX));
    let set = GraphSet {
        node_offsets: r.u64s(graphs.saturating_add(1))?,
        edge_offsets: r.u64s(graphs.saturating_add(1))?,
        y: r.take(graphs)?.to_vec(),
        origin_file: r.u32s(graphs)?,
        origin_window: r.u32s(graphs)?,
        x: r.f32s(nodes.saturating_mul(NODE_FEATURES))?,
        edge_src: r.u32s(edges)?,
        edge_dst: r.u32s(edges)?,
        edge_attr: r.f32s(edges.saturating_mul(EDGE_FEATURES))?,
    };
    if r.at != body.len() {
        return Err(format!("{} trailing bytes", body.len() - r.at));
    }
    check_offsets(&set.node_offsets, nodes, "node")?;
    check_offsets(&set.edge_offsets, edges, "edge")?;
    check_edges(&set)?;
    Ok(set)
}

/// Every edge joins two nodes of its own graph (endpoints are local indices).
fn check_edges(set: &GraphSet) -> Result<(), String> {
    for g in 0..set.len() {
        let nodes = set.node_offsets[g + 1] - set.node_offsets[g];
        let (e0, e1) = (
            set.edge_offsets[g] as usize,
            set.edge_offsets[g + 1] as usize,
        );
        let endpoints = set.edge_src[e0..e1].iter().chain(&set.edge_dst[e0..e1]);
        if let Some(bad) = endpoints.copied().find(|&n| u64::from(n) >= nodes) {
            return Err(format!(
                "graph {g} has an edge to node {bad} but only {nodes} nodes"
            ));
        }
    }
    Ok(())
}

fn check_offsets(offsets: &[u64], total: usize, what: &str) -> Result<(), String> {
    let monotone = offsets.windows(2).all(|w| w[0] <= w[1]);
    if offsets.first() != Some(&0) || offsets.last() != Some(&(total as u64)) || !monotone {
        return Err(format!("{what} offsets do not cover {total} {what}s"));
    }
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(len)
            .filter(|&e| e <= self.bytes.len())
            .ok_or("truncated")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u32s(&mut self, n: usize) -> Result<Vec<u32>, String> {
        let bytes = self.take(n.checked_mul(4).ok_or("truncated")?)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    fn u64s(&mut self, n: usize) -> Result<Vec<u64>, String> {
        let bytes = self.take(n.checked_mul(8).ok_or("truncated")?)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect())
    }

    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, String> {
        let bytes = self.take(n.checked_mul(4).ok_or("truncated")?)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::window::Graph;

    fn sample() -> GraphSet {
        let mut set = GraphSet::default();
        for n in 1..4u32 {
            let g = Graph {
                x: vec![[n as f32 + 0.5; NODE_FEATURES]; n as usize],
                edges: vec![(0, n - 1)],
                edge_attr: vec![[0.25; EDGE_FEATURES]],
                y: (n % 2) as u8,
            };
            set.push(&g, n, n * 10);
        }
        set
    }

    #[test]
    fn round_trip() {
        let set = sample();
        assert_eq!(decode(&encode(&set)).unwrap(), set);
        assert_eq!(
            decode(&encode(&GraphSet::default())).unwrap(),
            GraphSet::default()
        );
    }

    /// Issue 19: a file whose checksum is right but whose edges point past their graph's nodes.
    #[test]
    fn edges_beyond_the_node_count_are_corrupt() {
        let mut set = sample();
        set.edge_dst[1] = 7;
        let err = decode(&encode(&set)).unwrap_err();
        assert!(err.contains("graph 1") && err.contains("node 7"), "{err}");
    }

    #[test]
    fn any_damage_is_detected() {
        let bytes = encode(&sample());
        for i in (0..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            assert!(decode(&bad).is_err(), "flip at {i} not detected");
        }
        for len in [0, 5, 40, bytes.len() - 1] {
            assert!(decode(&bytes[..len]).is_err());
        }
    }
}
