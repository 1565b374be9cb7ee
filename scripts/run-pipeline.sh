#!/usr/bin/env bash
# The main job for a new user: build kdgat (release) and run the pipeline on the bundled real dataset
# with the local executor.
#
# It runs the data stages (CSV→Parquet ingest, the graph cache from the Parquet captures), then the
# whole model chain with `kdgat submit` (the supervisor in this process, the local executor) for the
# teacher and the distilled student:
# autoencoder (VGAE) → curriculum (GAT) → fusion (DQN) → evaluation on validation and every test
# scenario, KDGAT_EPOCHS epochs per training stage (default 5) and KDGAT_EPISODES fusion episodes
# (default 100), on the CPU; then fills the project database from the run directories and prints the
# leaderboard; with MLFLOW_TRACKING_URI set the runs are logged to MLflow as they train.
# Outputs go to data/parquet, data/cache and experimentruns/ in this checkout. Honoured:
# KDGAT_DATA_ROOT (default: ../shared/data when present, else data/), KDGAT_DATASET (default
# hcrl_sa), KDGAT_EPOCHS, KDGAT_EPISODES, KDGAT_VARIANTS (default teacher,student-kd; add student for
# the no-KD ablation).
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
"$kdgat" submit "$dataset" --variant "${KDGAT_VARIANTS:-teacher,student-kd}" \
    --from parquet --set device=cpu --set "max_epochs=${KDGAT_EPOCHS:-5}" \
    --set "fusion_episodes=${KDGAT_EPISODES:-100}"
echo "== project database and leaderboard"
"$kdgat" status
"$kdgat" analytics leaderboard --metric f1 --dataset "$dataset"
