//! `GATConv` with PyTorch Geometric's semantics and parameter names (`lin.weight`, `att_src`,
//! `att_dst`, `bias`), so checkpoints exchange with PyG models by name:
//!
//! - node features go through `lin` (no bias) to `heads × out` channels;
//! - attention logits `α_ij = LeakyReLU_0.2(a_src · h_j + a_dst · h_i)` for each edge j → i, over a
//!   graph whose self-loops were removed and then added once per node ([`Edges`]);
//! - softmax over each target node's incoming edges (max-shifted, `+1e-16` in the denominator as
//!   PyG has it), messages `α_ij h_j` summed at the target;
//! - heads concatenated or averaged, then the bias. No attention dropout, no edge features (the
//!   reference's configuration).
//!
//! Initialisation follows PyG: Glorot-uniform `lin.weight`, `att_src`, `att_dst`; zero bias.

use tch::{Kind, Tensor, nn};

/// A batch's edges as the attention uses them: existing self-loops removed, one added per node.
#[derive(Debug)]
pub struct Edges {
    /// Source node of each edge (messages flow source → target).
    pub src: Tensor,
    /// Target node of each edge.
    pub dst: Tensor,
    /// Nodes in the batch.
    pub num_nodes: i64,
}

impl Edges {
    /// Edges from `edge_index` (`[2 × E]`, i64) over `num_nodes` nodes, with PyG's self-loop
    /// treatment.
    pub fn with_self_loops(edge_index: &Tensor, num_nodes: i64) -> Edges {
        let (src, dst) = (edge_index.get(0), edge_index.get(1));
        let keep = src.ne_tensor(&dst);
        let loops = Tensor::arange(num_nodes, (Kind::Int64, edge_index.device()));
        Edges {
            src: Tensor::cat(&[src.masked_select(&keep), loops.shallow_clone()], 0),
            dst: Tensor::cat(&[dst.masked_select(&keep), loops], 0),
            num_nodes,
        }
    }
}

/// One graph attention layer.
#[derive(Debug)]
pub struct GatConv {
    lin: Tensor,
    att_src: Tensor,
    att_dst: Tensor,
    bias: Tensor,
    heads: i64,
    out: i64,
    concat: bool,
}

/// Glorot-uniform over the last two dimensions, as PyG's `glorot` computes the bound.
fn glorot(dims: &[i64]) -> nn::Init {
    let fan: i64 = dims[dims.len() - 2] + dims[dims.len() - 1];
    let bound = (6.0 / fan as f64).sqrt();
    nn::Init::Uniform {
        lo: -bound,
        up: bound,
    }
}

impl GatConv {
    /// `GATConv(in_channels, out_channels, heads, concat)` under `p`.
    pub fn new(p: &nn::Path, in_channels: i64, out: i64, heads: i64, concat: bool) -> GatConv {
        let lin_dims = [heads * out, in_channels];
        let att_dims = [1, heads, out];
        let bias_len = if concat { heads * out } else { out };
        GatConv {
            lin: (p / "lin").var("weight", &lin_dims, glorot(&lin_dims)),
            att_src: p.var("att_src", &att_dims, glorot(&att_dims)),
            att_dst: p.var("att_dst", &att_dims, glorot(&att_dims)),
            bias: p.var("bias", &[bias_len], nn::Init::Const(0.0)),
            heads,
            out,
            concat,
        }
    }

    /// Output width: `heads × out` concatenated, else `out`.
    pub fn out_width(&self) -> i64 {
        if self.concat {
            self.heads * self.out
        } else {
            self.out
        }
    }

    /// The layer on node features `x` (`[N × in]`) over `edges`.
    pub fn forward(&self, x: &Tensor, edges: &Edges) -> Tensor {
        let n = edges.num_nodes;
        let h = x.matmul(&self.lin.tr()).view([n, self.heads, self.out]);
        let score_src = (&h * &self.att_src).sum_dim_intlist(-1, false, None::<Kind>);
        let score_dst = (&h * &self.att_dst).sum_dim_intlist(-1, false, None::<Kind>);
        // Row gathers use `gather` with broadcast indices: its backward is the parallel
        // scatter_add, where index_select's backward (index_add over rows) is much slower on CPU.
        let (heads, out) = (self.heads, self.out);
        let per_edge = |index: &Tensor| index.view([-1, 1]).expand([-1, heads], false);
        let (src2, dst2) = (per_edge(&edges.src), per_edge(&edges.dst));
        let raw = score_src.gather(0, &src2, false) + score_dst.gather(0, &dst2, false);
        // LeakyReLU with PyG's slope 0.2 (tch's leaky_relu has a fixed 0.01).
        let logits = raw.where_self(&raw.gt(0.0), &(&raw * 0.2));
        let alpha = segment_softmax(&logits, &dst2, n);
        let per_channel = |index: &Tensor| index.view([-1, 1, 1]).expand([-1, heads, out], false);
        let messages = h.gather(0, &per_channel(&edges.src), false) * alpha.unsqueeze(-1);
        let summed = Tensor::zeros([n, heads, out], (h.kind(), h.device())).scatter_add(
            0,
            &per_channel(&edges.dst),
            &messages,
        );
        let combined = if self.concat {
            summed.view([n, self.heads * self.out])
        } else {
            summed.mean_dim(1, false, None::<Kind>)
        };
        combined + &self.bias
    }
}

/// Softmax of `logits` (`[E × H]`) over the edges that share a target, as PyG's
/// `softmax(src, index)`; `index` is each edge's target broadcast over the heads (`[E × H]`).
fn segment_softmax(logits: &Tensor, index: &Tensor, num_nodes: i64) -> Tensor {
    let heads = logits.size()[1];
    // The shift only steadies the exponent; PyG detaches it too.
    let max = Tensor::full(
        [num_nodes, heads],
        f64::NEG_INFINITY,
        (logits.kind(), logits.device()),
    )
    .internal_scatter_reduce(0, index, &logits.detach(), "amax", false);
    let shifted = (logits - max.gather(0, index, false)).exp();
    let sums = Tensor::zeros([num_nodes, heads], (logits.kind(), logits.device()))
        .scatter_add(0, index, &shifted)
        + 1e-16;
    shifted / sums.gather(0, index, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_loops_are_replaced_by_one_per_node() {
        let edge_index = Tensor::from_slice(&[0i64, 1, 1, 2, 1, 1, 0, 0]).view([2, 4]);
        let edges = Edges::with_self_loops(&edge_index, 3);
        assert_eq!(
            Vec::<i64>::try_from(&edges.src).unwrap(),
            [0, 1, 2, 0, 1, 2]
        );
        assert_eq!(
            Vec::<i64>::try_from(&edges.dst).unwrap(),
            [1, 0, 0, 0, 1, 2]
        );
    }

    #[test]
    fn attention_is_a_softmax_per_target_node() {
        let logits = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 0.5]).view([4, 1]);
        let index = Tensor::from_slice(&[0i64, 0, 1, 0]).view([4, 1]);
        let alpha = segment_softmax(&logits, &index, 2);
        let a = Vec::<f32>::try_from(alpha.view([-1])).unwrap();
        let z = 1f32.exp() + 2f32.exp() + 0.5f32.exp();
        for (got, want) in a
            .iter()
            .zip([1f32.exp() / z, 2f32.exp() / z, 1.0, 0.5f32.exp() / z])
        {
            assert!((got - want).abs() < 1e-6, "{a:?}");
        }
    }

    #[test]
    fn a_node_with_only_its_self_loop_keeps_its_own_features() {
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let conv = GatConv::new(&vs.root(), 3, 2, 2, true);
        let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).view([1, 3]);
        let edges =
            Edges::with_self_loops(&Tensor::zeros([2, 0], (Kind::Int64, tch::Device::Cpu)), 1);
        let out = conv.forward(&x, &edges);
        let expected = x.matmul(&conv.lin.tr()) + &conv.bias;
        assert!(out.allclose(&expected, 1e-6, 1e-6, false));
        let names: Vec<String> = vs.variables().into_keys().collect();
        for name in ["lin.weight", "att_src", "att_dst", "bias"] {
            assert!(names.contains(&name.to_string()), "{names:?}");
        }
    }
}
