#!/usr/bin/env bash
# The main job for a new user: build kdgat (release) and run the pipeline on the bundled real dataset
# with the local executor.
#
# So far kdgat resolves the catalog and configurations; the data and model stages arrive next, and
# this script grows with them. Honoured: KDGAT_DATA_ROOT (default: ../shared/data when present, else
# data/), KDGAT_DATASET (default hcrl_sa).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-libtorch.sh
cargo build --release --locked --quiet
kdgat=${CARGO_TARGET_DIR:-target}/release/kdgat

if [[ -z "${KDGAT_DATA_ROOT:-}" ]]; then
    if [[ -d ../shared/data ]]; then KDGAT_DATA_ROOT=../shared/data; else KDGAT_DATA_ROOT=data; fi
fi
export KDGAT_DATA_ROOT
dataset=${KDGAT_DATASET:-hcrl_sa}

echo "== datasets under $KDGAT_DATA_ROOT"
"$kdgat" datasets
for preset in vgae,teacher gat,teacher dqn,teacher; do
    echo "== resolved config: $preset for $dataset"
    "$kdgat" config show --preset "$preset" --set "dataset=$dataset"
done
