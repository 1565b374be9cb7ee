#!/usr/bin/env bash
# The main job for a new user: build kdgat (release) and run the pipeline on the bundled real dataset
# with the local executor.
#
# So far this runs the data stages (CSV→Parquet ingest, the graph cache) and resolves the model
# stages' configurations; the model stages arrive next, and this script grows with them. Outputs go
# to data/parquet and data/cache in this checkout. Honoured: KDGAT_DATA_ROOT (default: ../shared/data when present, else
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
echo "== ingest $dataset (CSV → Parquet)"
"$kdgat" ingest "$dataset"
echo "== graphs $dataset (graph cache from the Parquet captures)"
"$kdgat" graphs "$dataset" --from parquet
for preset in vgae,teacher gat,teacher dqn,teacher; do
    echo "== resolved config: $preset for $dataset"
    "$kdgat" config show --preset "$preset" --set "dataset=$dataset"
done
