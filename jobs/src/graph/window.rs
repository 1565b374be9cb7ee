//! One graph from one window of messages, exactly as the reference builds it (REFERENCE.md §4):
//! nodes are the window's unique ids (sources and targets), edges the unique directed transitions
//! `id_t → id_{t+1}` in lexicographic order, 11 node and 11 edge features, and the label "any attack".
//!
//! Arithmetic follows the reference's numpy: sums and means in f64, stored as f32; the occurrence-count
//! normalisation in f32; the edge-interval mean and standard deviation with numpy's pairwise sum.

/// Features per node: id index, 8 payload byte means, normalised count, last position.
pub const NODE_FEATURES: usize = 11;
/// Features per edge (computed as the reference does; its models never read them).
pub const EDGE_FEATURES: usize = 11;
/// A row whose message has no successor in its file (only in the default mode).
pub const NO_TARGET: u32 = u32::MAX;

/// One window's messages, as columns: vocabulary indices of each message and its successor.
#[derive(Debug, Clone, Copy)]
pub struct WindowRows<'a> {
    /// The message's id index.
    pub source: &'a [u32],
    /// The next message's id index, or [`NO_TARGET`].
    pub target: &'a [u32],
    /// Payload bytes.
    pub payload: &'a [[u8; 8]],
    /// Attack labels.
    pub label: &'a [u8],
}

/// One graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// Node features, row-major `[num_nodes × 11]`.
    pub x: Vec<[f32; NODE_FEATURES]>,
    /// Edges as local node indices `(source, target)`.
    pub edges: Vec<(u32, u32)>,
    /// Edge features, `[num_edges × 11]`.
    pub edge_attr: Vec<[f32; EDGE_FEATURES]>,
    /// 1 if any message is an attack.
    pub y: u8,
}

/// Builds the graph of one window.
pub fn build_graph(rows: WindowRows<'_>) -> Graph {
    let len = rows.source.len();
    let mut nodes: Vec<u32> = rows
        .source
        .iter()
        .chain(rows.target)
        .copied()
        .filter(|&t| t != NO_TARGET)
        .collect();
    nodes.sort_unstable();
    nodes.dedup();
    let local = |id: u32| nodes.binary_search(&id).unwrap_or_default();

    // Each transition with its position, grouped by (source, target) in lexicographic order.
    let mut transitions: Vec<(u32, u32, usize)> = (0..len)
        .filter(|&i| rows.target[i] != NO_TARGET)
        .map(|i| (rows.source[i], rows.target[i], i))
        .collect();
    transitions.sort_unstable();

    // "Degree" as the reference defines it: occurrences of the id in the source and target columns.
    let mut degree = vec![0u32; nodes.len()];
    for &(s, t, _) in &transitions {
        degree[local(s)] += 1;
        degree[local(t)] += 1;
    }
    for (i, &s) in rows.source.iter().enumerate() {
        if rows.target[i] == NO_TARGET {
            degree[local(s)] += 1;
        }
    }

    let mut edges = Vec::new();
    let mut edge_attr = Vec::new();
    let mut positions = Vec::with_capacity(len);
    let mut scratch = Vec::with_capacity(len);
    let mut start = 0;
    while start < transitions.len() {
        let (s, t, _) = transitions[start];
        positions.clear();
        let mut end = start;
        while end < transitions.len() && transitions[end].0 == s && transitions[end].1 == t {
            positions.push(transitions[end].2);
            end += 1;
        }
        let reverse = has_pair(&transitions, t, s);
        let degrees = (degree[local(s)], degree[local(t)]);
        edge_attr.push(edge_features(
            &positions,
            len,
            reverse,
            degrees,
            &mut scratch,
        ));
        edges.push((local(s) as u32, local(t) as u32));
        start = end;
    }

    let x = node_features(&nodes, rows);
    let y = u8::from(rows.label.contains(&1));
    Graph {
        x,
        edges,
        edge_attr,
        y,
    }
}

fn has_pair(sorted: &[(u32, u32, usize)], s: u32, t: u32) -> bool {
    let i = sorted.partition_point(|&(a, b, _)| (a, b) < (s, t));
    sorted.get(i).is_some_and(|&(a, b, _)| (a, b) == (s, t))
}

/// One edge's features; `scratch` is reused between edges to avoid an allocation each.
fn edge_features(
    positions: &[usize],
    len: usize,
    reverse: bool,
    (src_deg, tgt_deg): (u32, u32),
    scratch: &mut Vec<f64>,
) -> [f32; EDGE_FEATURES] {
    let mut f = [0f32; EDGE_FEATURES];
    let w = len as f64;
    let count = positions.len();
    f[0] = count as f32;
    f[1] = (count as f64 / w) as f32;
    if count > 1 {
        scratch.clear();
        scratch.extend(positions.windows(2).map(|p| (p[1] - p[0]) as f64));
        let n = scratch.len() as f64;
        let mean = numpy_sum(scratch) / n;
        for x in scratch.iter_mut() {
            *x = (*x - mean) * (*x - mean);
        }
        let std = (numpy_sum(scratch) / n).sqrt();
        f[2] = mean as f32;
        f[3] = std as f32;
        f[4] = if std > 0.0 {
            (1.0 / (1.0 + std)) as f32
        } else {
            1.0
        };
    }
    let first = positions[0] as f64 / w;
    let last = positions[count - 1] as f64 / w;
    f[5] = first as f32;
    f[6] = last as f32;
    f[7] = (last - first) as f32;
    f[8] = if reverse { 1.0 } else { 0.0 };
    f[9] = (f64::from(src_deg) * f64::from(tgt_deg)) as f32;
    f[10] = (f64::from(src_deg) / f64::from(tgt_deg).max(1e-8)) as f32;
    f
}

/// `byte / 255.0` for every byte value, computed once.
static BYTE_FRACTION: std::sync::LazyLock<[f64; 256]> =
    std::sync::LazyLock::new(|| std::array::from_fn(|b| b as f64 / 255.0));

fn node_features(nodes: &[u32], rows: WindowRows<'_>) -> Vec<[f32; NODE_FEATURES]> {
    let len = rows.source.len();
    let mut sums = vec![[0f64; 9]; nodes.len()];
    let mut counts = vec![0usize; nodes.len()];
    let mut last = vec![0usize; nodes.len()];
    for (i, &s) in rows.source.iter().enumerate() {
        let n = nodes.binary_search(&s).unwrap_or_default();
        sums[n][0] += f64::from(s);
        for (b, &byte) in rows.payload[i].iter().enumerate() {
            sums[n][b + 1] += BYTE_FRACTION[usize::from(byte)];
        }
        counts[n] += 1;
        last[n] = i;
    }
    let occurrences: Vec<f32> = counts.iter().map(|&c| c as f32).collect();
    let min = occurrences.iter().copied().fold(f32::INFINITY, f32::min);
    let max = occurrences
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    let last_denominator = len.saturating_sub(1).max(1) as f64;
    nodes
        .iter()
        .enumerate()
        .map(|(n, &id)| {
            let mut x = [0f32; NODE_FEATURES];
            if counts[n] > 0 {
                for (k, sum) in sums[n].iter().enumerate() {
                    x[k] = (sum / counts[n] as f64) as f32;
                }
                x[10] = (last[n] as f64 / last_denominator) as f32;
            } else {
                x[0] = id as f32;
            }
            x[9] = if max > min {
                (occurrences[n] - min) / (max - min)
            } else {
                occurrences[n]
            };
            x
        })
        .collect()
}

/// numpy's pairwise summation (`add.reduce` on a contiguous f64 array), so that interval statistics
/// match the reference to the last bit: sequential below 8 elements, eight partial sums up to 128,
/// halves above.
fn numpy_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        return a.iter().fold(0.0, |acc, &x| acc + x);
    }
    if n <= 128 {
        let mut r = [0f64; 8];
        r.copy_from_slice(&a[..8]);
        let blocks = n - n % 8;
        for i in (8..blocks).step_by(8) {
            for j in 0..8 {
                r[j] += a[i + j];
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &x in &a[blocks..] {
            res += x;
        }
        return res;
    }
    let half = (n / 2) - (n / 2) % 8;
    numpy_sum(&a[..half]) + numpy_sum(&a[half..])
}

#[cfg(test)]
mod tests;
