#!/usr/bin/env bash
# Checks that kdgat's GATConv, GAT and VGAE compute what PyTorch Geometric computes: random graphs,
# random weights, weights exchanged through safetensors in both directions (kdgat → PyG and PyG →
# kdgat), outputs compared within 1e-5 relative error. Installs torch 2.11.0 and torch_geometric in
# a venv ($KDGAT_PYG_VENV, default /opt/kdgat-pyg; about 5 GB with torch's CUDA packages) once.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${KDGAT_PYG_VENV:-/opt/kdgat-pyg}"
if [[ ! -f "$VENV/.kdgat-installed" ]]; then
    echo "check_pyg_equivalence: creating $VENV (torch 2.11.0, torch_geometric)"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check torch==2.11.0 torch_geometric safetensors numpy
    touch "$VENV/.kdgat-installed"
fi
bash scripts/install-libtorch.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { cargo run --quiet --locked --release -p kdgat-jobs --features train --example pyg_equivalence "$@"; }
run export "$work" >/dev/null
"$VENV/bin/python" scripts/pyg_equivalence.py compare "$work"
run recompute "$work" >/dev/null
"$VENV/bin/python" scripts/pyg_equivalence.py compare-back "$work"
