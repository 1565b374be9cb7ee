#!/usr/bin/env bash
# The main job for a new user: build kdgat (release) and run the pipeline on the bundled real dataset
# with the local executor.
#
# It runs the data stages (CSV→Parquet ingest, the graph cache), then the model stages built so far
# with `kdgat job exec`: the teacher VGAE (autoencoder), the teacher GAT (normal, supervised), the
# student GAT distilled from it, each for KDGAT_EPOCHS epochs (default 5) on the CPU, and the
# teacher's evaluation on validation and every test scenario (metrics.json); then fills the project
# database from the run directories and prints the leaderboard; with MLFLOW_TRACKING_URI set it also
# logs the runs to MLflow. The curriculum and fusion stages come next.
# Outputs go to data/parquet, data/cache and experimentruns/ in this checkout. Honoured:
# KDGAT_DATA_ROOT (default: ../shared/data when present, else data/), KDGAT_DATASET (default
# hcrl_sa), KDGAT_EPOCHS.
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
epochs=${KDGAT_EPOCHS:-5}
runs=experimentruns
stage() { # run-name stage preset [teacher run-name]
    local name=$1 dir="$runs/$dataset/$1" sets=(--set "dataset=$dataset" --set "max_epochs=$epochs" --set device=cpu)
    if [[ -n ${4:-} ]]; then
        sets+=(--set use_kd=true --set "teacher_path=$runs/$dataset/$4/best_model.safetensors")
    else
        sets+=(--set use_kd=false)
    fi
    mkdir -p "$dir"
    "$kdgat" config show --preset "$3" "${sets[@]}" > "$dir/input-config.json"
    printf '{"stage":"%s","config":"input-config.json","run_dir":".","cache_dir":"%s","base_dir":"%s"}' \
        "$2" "$PWD/data/cache/$dataset" "$PWD" > "$dir/spec.json"
    echo "== $name ($2, $3, $epochs epochs)"
    "$kdgat" job exec --spec "$dir/spec.json"
}
stage teacher_autoencoder autoencoder vgae,teacher
stage teacher_normal normal gat,teacher
stage student_normal_kd normal gat,student teacher_normal
stage teacher_evaluation evaluation gat,teacher
echo "== project database and leaderboard"
"$kdgat" recover --runs-dir "$runs"
"$kdgat" db query "SELECT run_id, status FROM runs ORDER BY run_id"
"$kdgat" analytics leaderboard --metric f1 --dataset "$dataset"
if [[ -n "${MLFLOW_TRACKING_URI:-}" ]]; then
    echo "== MLflow ($MLFLOW_TRACKING_URI)"
    "$kdgat" mlflow sync --runs-dir "$runs"
fi
