use super::*;

/// Ids 5 → 7 → 5 → 5 → 9 (→ 7 after the window): sources [5,7,5,5,9], targets [7,5,5,9,7].
fn sample() -> Graph {
    let source = [5, 7, 5, 5, 9];
    let target = [7, 5, 5, 9, 7];
    let payload = [
        [255, 0, 0, 0, 0, 0, 0, 0],
        [0; 8],
        [0, 255, 0, 0, 0, 0, 0, 0],
        [51, 0, 0, 0, 0, 0, 0, 0],
        [0; 8],
    ];
    let label = [0, 0, 1, 0, 0];
    build_graph(WindowRows {
        source: &source,
        target: &target,
        payload: &payload,
        label: &label,
    })
}

#[test]
fn nodes_edges_and_label() {
    let g = sample();
    // Nodes 5, 7, 9; edges sorted: (5,5) (5,7) (5,9) (7,5) (9,7).
    assert_eq!(g.edges, vec![(0, 0), (0, 1), (0, 2), (1, 0), (2, 1)]);
    assert_eq!(g.x.len(), 3);
    assert_eq!(g.y, 1);
}

#[test]
fn node_features_follow_the_reference() {
    let g = sample();
    // Node 5: rows 0, 2, 3 → id 5, byte means (1+0+.2)/3 and (0+1+0)/3; count 3; last position 3/4.
    let x5 = g.x[0];
    assert_eq!(x5[0], 5.0);
    assert_eq!(x5[1], ((1.0f64 + 0.0 + 0.2) / 3.0) as f32);
    assert_eq!(x5[2], (1.0f64 / 3.0) as f32);
    assert_eq!(x5[10], 0.75);
    // Counts 3, 1, 1 → normalised (c - 1) / 2.
    assert_eq!((x5[9], g.x[1][9], g.x[2][9]), (1.0, 0.0, 0.0));
    assert_eq!(g.x[2][10], 1.0);
}

#[test]
fn edge_features_follow_the_reference() {
    let g = sample();
    // Edge 5→7 occurs once at position 0: count 1, 1/5, no interval stats, first = last = 0.
    let e57 = g.edge_attr[1];
    assert_eq!(&e57[..8], &[1.0, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    // Reverse 7→5 exists; degrees: 5 occurs 3 (source) + 2 (target) = 5, 7 occurs 1 + 2 = 3.
    assert_eq!(
        (e57[8], e57[9], e57[10]),
        (1.0, 15.0, (5.0f64 / 3.0) as f32)
    );
    // 5→9 has no reverse (9→5 never occurs).
    assert_eq!(g.edge_attr[2][8], 0.0);
}

#[test]
fn repeated_edges_get_interval_statistics() {
    // 1→2 at positions 0, 2, 6: intervals 2 and 4 → mean 3, std 1, 1/(1+1).
    let source = [1, 2, 1, 2, 3, 2, 1, 2];
    let target = [2, 1, 2, 3, 2, 1, 2, 9];
    let payload = [[0; 8]; 8];
    let g = build_graph(WindowRows {
        source: &source,
        target: &target,
        payload: &payload,
        label: &[0; 8],
    });
    let e12 = g.edge_attr[0];
    assert_eq!(g.edges[0], (0, 1));
    assert_eq!(&e12[..8], &[3.0, 0.375, 3.0, 1.0, 0.5, 0.0, 0.75, 0.75]);
    // Node 9 only appears as a target: x[0] = its index, count 0, the minimum.
    let x9 = *g.x.last().unwrap();
    assert_eq!(x9, [9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(g.y, 0);
}

#[test]
fn a_row_without_successor_counts_as_a_node_but_makes_no_edge() {
    let g = build_graph(WindowRows {
        source: &[4, 4],
        target: &[4, NO_TARGET],
        payload: &[[0; 8]; 2],
        label: &[0, 0],
    });
    assert_eq!(g.edges, vec![(0, 0)]);
    assert_eq!(g.x.len(), 1);
    // Degree of 4: two sources and one target.
    assert_eq!(g.edge_attr[0][9], 9.0);
}

#[test]
fn numpy_pairwise_sum_matches_its_definition() {
    let v: Vec<f64> = (0..300).map(|i| 0.1 * i as f64).collect();
    assert_eq!(numpy_sum(&v[..5]), v[..5].iter().fold(0.0, |a, &x| a + x));
    assert!((numpy_sum(&v) - v.iter().sum::<f64>()).abs() < 1e-9);
}
