#!/usr/bin/env bash
# Checks that kdgat's GATConv, GAT and VGAE compute what PyTorch Geometric computes: random graphs,
# random weights, weights exchanged through safetensors in both directions (kdgat → PyG and PyG →
# kdgat), outputs compared within 1e-5 relative error. torch and torch_geometric come from
# scripts/install-pyg.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
python=$(bash scripts/install-pyg.sh)
bash scripts/install-libtorch.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { cargo run --quiet --locked --release -p kdgat-jobs --features train --example pyg_equivalence "$@"; }
run export "$work" >/dev/null
"$python" scripts/pyg_equivalence.py compare "$work"
run recompute "$work" >/dev/null
"$python" scripts/pyg_equivalence.py compare-back "$work"
