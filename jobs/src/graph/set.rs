//! `GraphSet`: many graphs in concatenated arrays with offsets — the in-memory form of the graph cache
//! and the form batching reads (one slice per graph, no per-graph allocation).

use super::window::{EDGE_FEATURES, Graph, NODE_FEATURES};

/// Graphs stored column-wise; graph `i` owns nodes `node_offsets[i]..node_offsets[i+1]` and edges
/// `edge_offsets[i]..edge_offsets[i+1]`. Edge endpoints are local to their graph.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphSet {
    /// Node ranges, `len() + 1` entries.
    pub node_offsets: Vec<u64>,
    /// Edge ranges, `len() + 1` entries.
    pub edge_offsets: Vec<u64>,
    /// Node features, `[total nodes × 11]`.
    pub x: Vec<f32>,
    /// Edge sources (local node index).
    pub edge_src: Vec<u32>,
    /// Edge targets (local node index).
    pub edge_dst: Vec<u32>,
    /// Edge features, `[total edges × 11]`.
    pub edge_attr: Vec<f32>,
    /// Graph labels.
    pub y: Vec<u8>,
    /// Index of the capture file each graph came from (into the cache metadata's source list).
    pub origin_file: Vec<u32>,
    /// Window index within that file.
    pub origin_window: Vec<u32>,
}

/// One graph of a set, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphRef<'a> {
    /// Node features, `[num_nodes × 11]`.
    pub x: &'a [f32],
    /// Edge sources.
    pub edge_src: &'a [u32],
    /// Edge targets.
    pub edge_dst: &'a [u32],
    /// Edge features, `[num_edges × 11]`.
    pub edge_attr: &'a [f32],
    /// Label.
    pub y: u8,
}

impl Default for GraphSet {
    fn default() -> Self {
        GraphSet {
            node_offsets: vec![0],
            edge_offsets: vec![0],
            x: Vec::new(),
            edge_src: Vec::new(),
            edge_dst: Vec::new(),
            edge_attr: Vec::new(),
            y: Vec::new(),
            origin_file: Vec::new(),
            origin_window: Vec::new(),
        }
    }
}

impl GraphSet {
    /// Appends a graph with its origin.
    pub fn push(&mut self, graph: &Graph, file: u32, window: u32) {
        self.x.extend(graph.x.iter().flatten());
        self.edge_attr.extend(graph.edge_attr.iter().flatten());
        self.edge_src.extend(graph.edges.iter().map(|e| e.0));
        self.edge_dst.extend(graph.edges.iter().map(|e| e.1));
        self.node_offsets
            .push((self.x.len() / NODE_FEATURES) as u64);
        self.edge_offsets.push(self.edge_src.len() as u64);
        self.y.push(graph.y);
        self.origin_file.push(file);
        self.origin_window.push(window);
    }

    /// Concatenates sets in order (files keep their numbers), allocating the result once.
    pub fn concat(parts: &[GraphSet]) -> GraphSet {
        let sum = |f: fn(&GraphSet) -> usize| parts.iter().map(f).sum::<usize>();
        let mut out = GraphSet::default();
        out.node_offsets.reserve(sum(GraphSet::len));
        out.edge_offsets.reserve(sum(GraphSet::len));
        out.y.reserve(sum(GraphSet::len));
        out.origin_file.reserve(sum(GraphSet::len));
        out.origin_window.reserve(sum(GraphSet::len));
        out.x.reserve(sum(|s| s.x.len()));
        out.edge_attr.reserve(sum(|s| s.edge_attr.len()));
        out.edge_src.reserve(sum(GraphSet::num_edges));
        out.edge_dst.reserve(sum(GraphSet::num_edges));
        for part in parts {
            out.append(part, 0);
        }
        out
    }

    /// Appends every graph of `other`, renumbering its files by `file_offset`.
    pub fn append(&mut self, other: &GraphSet, file_offset: u32) {
        let (nodes, edges) = (self.num_nodes() as u64, self.num_edges() as u64);
        self.node_offsets
            .extend(other.node_offsets[1..].iter().map(|o| o + nodes));
        self.edge_offsets
            .extend(other.edge_offsets[1..].iter().map(|o| o + edges));
        self.x.extend_from_slice(&other.x);
        self.edge_src.extend_from_slice(&other.edge_src);
        self.edge_dst.extend_from_slice(&other.edge_dst);
        self.edge_attr.extend_from_slice(&other.edge_attr);
        self.y.extend_from_slice(&other.y);
        self.origin_file
            .extend(other.origin_file.iter().map(|f| f + file_offset));
        self.origin_window.extend_from_slice(&other.origin_window);
    }

    /// Number of graphs.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Total nodes.
    pub fn num_nodes(&self) -> usize {
        self.x.len() / NODE_FEATURES
    }

    /// Total edges.
    pub fn num_edges(&self) -> usize {
        self.edge_src.len()
    }

    /// Graph `i` (`i < len()`).
    pub fn get(&self, i: usize) -> GraphRef<'_> {
        let (n0, n1) = (
            self.node_offsets[i] as usize,
            self.node_offsets[i + 1] as usize,
        );
        let (e0, e1) = (
            self.edge_offsets[i] as usize,
            self.edge_offsets[i + 1] as usize,
        );
        GraphRef {
            x: &self.x[n0 * NODE_FEATURES..n1 * NODE_FEATURES],
            edge_src: &self.edge_src[e0..e1],
            edge_dst: &self.edge_dst[e0..e1],
            edge_attr: &self.edge_attr[e0 * EDGE_FEATURES..e1 * EDGE_FEATURES],
            y: self.y[i],
        }
    }

    /// Number of graphs labelled as attacks.
    pub fn attack_graphs(&self) -> usize {
        self.y.iter().filter(|&&y| y == 1).count()
    }
}

impl GraphRef<'_> {
    /// The graph as JSON: `num_nodes`, `edge_index` (`[[sources], [targets]]`), `x`, `edge_attr`, `y`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "num_nodes": self.x.len() / NODE_FEATURES,
            "edge_index": [self.edge_src, self.edge_dst],
            "x": self.x.chunks(NODE_FEATURES).collect::<Vec<_>>(),
            "edge_attr": self.edge_attr.chunks(EDGE_FEATURES).collect::<Vec<_>>(),
            "y": self.y,
        })
    }
}

/// A graph of `n` nodes labelled `y`, for tests: every feature `n`, `n` self-loops on node 0.
#[cfg(test)]
pub(crate) fn test_graph(n: usize, y: u8) -> Graph {
    Graph {
        x: vec![[n as f32; NODE_FEATURES]; n],
        edges: vec![(0, 0); n],
        edge_attr: vec![[1.0; EDGE_FEATURES]; n],
        y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_graph as graph;

    #[test]
    fn push_append_and_get() {
        let mut a = GraphSet::default();
        a.push(&graph(2, 0), 0, 0);
        let mut b = GraphSet::default();
        b.push(&graph(3, 1), 0, 7);
        a.append(&b, 5);
        assert_eq!(a.len(), 2);
        assert_eq!((a.num_nodes(), a.num_edges(), a.attack_graphs()), (5, 5, 1));
        let g = a.get(1);
        assert_eq!(
            (g.x.len(), g.edge_src.len(), g.y),
            (3 * NODE_FEATURES, 3, 1)
        );
        assert_eq!((a.origin_file[1], a.origin_window[1]), (5, 7));
        assert_eq!(g.to_json()["num_nodes"], 3);
    }
}
