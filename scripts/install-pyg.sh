#!/usr/bin/env bash
# torch 2.11.0 and torch_geometric in a venv ($KDGAT_PYG_VENV, default /opt/kdgat-pyg; about 5 GB with
# torch's CUDA packages), for the PyG equivalence check and the training benchmark. Idempotent
# (a marker file guards the install). Prints the venv's python.
set -euo pipefail
VENV="${KDGAT_PYG_VENV:-/opt/kdgat-pyg}"
if [[ ! -f "$VENV/.kdgat-installed" ]]; then
    echo "install-pyg: creating $VENV (torch 2.11.0, torch_geometric)" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check torch==2.11.0 torch_geometric safetensors numpy
    touch "$VENV/.kdgat-installed"
fi
echo "$VENV/bin/python"
