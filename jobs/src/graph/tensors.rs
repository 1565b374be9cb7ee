//! Graph sets to tch tensors: a mini-batch of graphs as one disjoint union, the form PyG's `Batch`
//! has (`x [N × 11]`, `edge_index [2 × E]` with per-graph node offsets, `batch [N]`, `y [B]`).
//! The arrays are already concatenated, so a batch is a few slice copies, not a per-graph walk.

use tch::{Device, Kind, Tensor};

use super::set::GraphSet;
use super::window::{EDGE_FEATURES, NODE_FEATURES};

/// Tensors of a batch of graphs.
#[derive(Debug)]
pub struct GraphBatch {
    /// Node features, `[N × 11]` f32.
    pub x: Tensor,
    /// Edges, `[2 × E]` i64, indices into the batch's nodes.
    pub edge_index: Tensor,
    /// Edge features, `[E × 11]` f32.
    pub edge_attr: Tensor,
    /// The graph of each node, `[N]` i64.
    pub batch: Tensor,
    /// Graph labels, `[B]` i64.
    pub y: Tensor,
}

/// Builds the batch of the given graphs (in the given order) on `device`.
pub fn batch(set: &GraphSet, graphs: &[usize], device: Device) -> GraphBatch {
    let (mut x, mut edge_attr) = (Vec::new(), Vec::new());
    let (mut src, mut dst, mut owner, mut y) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::with_capacity(graphs.len()),
    );
    for (position, &g) in graphs.iter().enumerate() {
        let graph = set.get(g);
        let offset = (x.len() / NODE_FEATURES) as i64;
        let nodes = graph.x.len() / NODE_FEATURES;
        x.extend_from_slice(graph.x);
        edge_attr.extend_from_slice(graph.edge_attr);
        src.extend(graph.edge_src.iter().map(|&s| i64::from(s) + offset));
        dst.extend(graph.edge_dst.iter().map(|&d| i64::from(d) + offset));
        owner.extend(std::iter::repeat_n(position as i64, nodes));
        y.push(i64::from(graph.y));
    }
    let n = (x.len() / NODE_FEATURES) as i64;
    let e = src.len() as i64;
    src.extend_from_slice(&dst);
    GraphBatch {
        x: Tensor::from_slice(&x)
            .view([n, NODE_FEATURES as i64])
            .to_device(device),
        edge_index: Tensor::from_slice(&src).view([2, e]).to_device(device),
        edge_attr: Tensor::from_slice(&edge_attr)
            .view([e, EDGE_FEATURES as i64])
            .to_device(device),
        batch: Tensor::from_slice(&owner)
            .to_kind(Kind::Int64)
            .to_device(device),
        y: Tensor::from_slice(&y).to_device(device),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::window::Graph;

    #[test]
    fn a_batch_is_the_disjoint_union_of_its_graphs() {
        let mut set = GraphSet::default();
        for (n, y) in [(2usize, 0u8), (3, 1), (1, 0)] {
            let graph = Graph {
                x: (0..n).map(|i| [i as f32; NODE_FEATURES]).collect(),
                edges: (0..n as u32).map(|i| (i, (i + 1) % n as u32)).collect(),
                edge_attr: vec![[y as f32; EDGE_FEATURES]; n],
                y,
            };
            set.push(&graph, 0, 0);
        }
        let b = batch(&set, &[2, 1], Device::Cpu);
        assert_eq!(b.x.size(), [4, 11]);
        assert_eq!(Vec::<i64>::try_from(b.batch).unwrap(), [0, 1, 1, 1]);
        assert_eq!(Vec::<i64>::try_from(b.y).unwrap(), [0, 1]);
        // Graph 2's single self-loop, then graph 1's ring shifted by one node.
        assert_eq!(
            Vec::<i64>::try_from(b.edge_index.flatten(0, -1)).unwrap(),
            [0, 1, 2, 3, 0, 2, 3, 1]
        );
        assert_eq!(b.edge_attr.size(), [4, 11]);
    }
}
