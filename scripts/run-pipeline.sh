#!/usr/bin/env bash
# The main job for a new user: build kdgat (release), generate a synthetic CAN dataset, run the whole
# pipeline on it for all three variants, and write the HTML report. Needs nothing but this checkout.
#
# 1. `kdgat synth` writes the dataset into data/automotive/synthetic (kept when it is there).
# 2. `kdgat submit synthetic` runs the sweep through the supervisor in this process with the local
#    executor and the embedded store: the graph cache, then for teacher, student-kd and student the
#    chain autoencoder (VGAE) → curriculum (GAT) → fusion (DQN) → evaluation, on the CPU with
#    reduced epochs; a progress line per run. With MLFLOW_TRACKING_URI set the runs also go to MLflow.
# 3. `kdgat report` draws experimentruns/report.html; its path is the last line printed.
#
# Honoured: KDGAT_DATA_ROOT (default data/), KDGAT_DATASET (default synthetic: another catalog
# dataset under the data root is run instead, nothing generated), KDGAT_EPOCHS (autoencoder and
# curriculum epochs, default 12), KDGAT_EPISODES (fusion episodes, default 100), KDGAT_VARIANTS
# (default teacher,student-kd,student). The local executor runs one job per two CPUs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-libtorch.sh
cargo build --release --locked --quiet
kdgat=$(realpath "${CARGO_TARGET_DIR:-target}/release/kdgat")

export KDGAT_DATA_ROOT="${KDGAT_DATA_ROOT:-data}"
dataset=${KDGAT_DATASET:-synthetic}

if [[ $dataset == synthetic ]]; then
    echo "== the synthetic dataset"
    "$kdgat" synth
fi
echo "== the sweep: $dataset, ${KDGAT_VARIANTS:-teacher,student-kd,student}"
"$kdgat" submit "$dataset" --variant "${KDGAT_VARIANTS:-teacher,student-kd,student}" \
    --set device=cpu --set "max_epochs=${KDGAT_EPOCHS:-12}" --set batch_size=64 \
    --set "fusion_episodes=${KDGAT_EPISODES:-100}" --set episode_sample_size=2000
echo "== leaderboard"
"$kdgat" analytics leaderboard --metric f1 --dataset "$dataset"
echo "== report"
"$kdgat" report --runs-dir experimentruns --dataset "$dataset"
