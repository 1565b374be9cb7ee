#!/usr/bin/env bash
# The GPU check: seconds per training epoch of one GAT teacher and one VGAE teacher stage, kdgat
# (`kdgat job exec`, the train_seconds of its events.jsonl) beside the same model in PyTorch Geometric
# (scripts/bench/pyg_training.py) on the same graphs with the same config, in six columns:
#
#   kdgat cuda fp32 | kdgat cuda 16-mixed | PyG cuda fp32 | PyG cuda AMP | kdgat cpu | PyG cpu
#
# `16-mixed` is kdgat's precision field (fp16 autocast and a dynamic loss scale), AMP its PyG twin
# (torch.autocast fp16 and a GradScaler). Median over EPOCHS epochs (default 3) of each; the graphs
# are a small synthetic dataset made here (`kdgat synth --scale SCALE`, default 1: 2,876 graphs, then
# `kdgat graphs synthetic`), so no shared data is needed. The stages run as the reference's (the
# spec's "legacy": the VGAE fitted to every graph), as PyG's side does. Prints one table and the
# elapsed time; meant to finish in under 5 minutes on a GPU machine.
#
# With no NVIDIA GPU (no nvidia-smi, or torch sees no CUDA device) it says so and runs the CPU columns.
#
# PyTorch: the GPU machines' /opt/torch/.venv (torch 2.11.0+cu130 and torch_geometric) when it has
# torch_geometric, else scripts/install-pyg.sh's venv. kdgat: KDGAT_BIN when set (a binary built
# elsewhere; a release build of this checkout finds the venv's libtorch through its rpath), else a
# release build here, against that venv's torch when it exists, else /opt/libtorch-2.11.0.
# WORK (default /var/tmp/kdgat/bench/gpu_check) holds the data, runs and each column's log.
#
# The lent GPU machines have PyTorch and torch_geometric but no cargo and no network, so a device check
# carries a binary built here (same torch 2.11.0 cu130 build at /opt/libtorch-2.11.0; stripped, ~26 MB):
#   echo /.gpu-bin/ >> .git/info/exclude
#   cargo build --locked --release && mkdir -p .gpu-bin && strip -o .gpu-bin/kdgat target/release/kdgat
# then on the device, with carry [".gpu-bin"]:
#   set -o pipefail; KDGAT_BIN=.gpu-bin/kdgat WORK=/tmp/gc bash scripts/bench/gpu_check.sh 2>&1 | tee $OUT/gpu_check.log
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
EPOCHS="${EPOCHS:-3}"
SCALE="${SCALE:-1}"
TORCH_VENV="${KDGAT_TORCH_VENV:-/opt/torch/.venv}"
work="${WORK:-/var/tmp/kdgat/bench/gpu_check}"
mkdir -p "$work/logs"
say() { printf '[%3ds] %s\n' "$((SECONDS - started))" "$*"; }

# PyTorch Geometric: the GPU machines' venv when it has it, else our own.
if [[ -x $TORCH_VENV/bin/python3 ]] && "$TORCH_VENV/bin/python3" -c 'import torch_geometric' 2>/dev/null; then
    python="$TORCH_VENV/bin/python3"
else
    python=$(bash scripts/install-pyg.sh)
fi
say "python: $python ($("$python" -c 'import torch, torch_geometric as g; print(f"torch {torch.__version__}, torch_geometric {g.__version__}, {torch.get_num_threads()} threads")'))"

# A GPU: the driver answers and this torch sees it.
gpu=0
if ! command -v nvidia-smi >/dev/null 2>&1; then
    say "no GPU: nvidia-smi is not installed; running the CPU columns only"
elif ! nvidia-smi -L >/dev/null 2>&1; then
    say "no GPU: nvidia-smi finds no device; running the CPU columns only"
elif ! "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    say "no GPU: nvidia-smi lists one but torch.cuda.is_available() is false; running the CPU columns only"
else
    gpu=1
    gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
    say "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"
fi

# kdgat: a given binary, or a release build against the venv's torch (else /opt/libtorch-2.11.0).
if [[ -n ${KDGAT_BIN:-} ]]; then
    kdgat="$KDGAT_BIN"
    say "kdgat: $kdgat (given, not built here)"
elif command -v cargo >/dev/null 2>&1; then
    venv_torch=$(compgen -G "$TORCH_VENV/lib/python3.*/site-packages/torch/lib/libtorch_cpu.so" | head -1 || true)
    if [[ -n $venv_torch ]]; then
        export LIBTORCH="${venv_torch%/lib/libtorch_cpu.so}"
    else
        bash scripts/install-libtorch.sh >/dev/null
        export LIBTORCH=/opt/libtorch-2.11.0/torch
    fi
    say "building kdgat (release) against LIBTORCH=$LIBTORCH"
    cargo build --locked --release --quiet
    kdgat="${CARGO_TARGET_DIR:-target}/release/kdgat"
else
    echo "gpu_check: no cargo here to build kdgat" >&2
    echo "  fix: build it where cargo is (cargo build --release) and pass the binary as KDGAT_BIN=PATH" >&2
    exit 1
fi
say "kdgat links $(ldd "$kdgat" | awk '/libtorch_cpu/ {print $3}')"

# The graphs: a small synthetic dataset and its graph cache (both left as they are when present).
"$kdgat" --data-root "$work/data" synth --scale "$SCALE" >/dev/null
"$kdgat" --data-root "$work/data" graphs synthetic --cache-root "$work/cache" >/dev/null
cache="$work/cache/synthetic"
say "graphs: $("$python" -c 'import struct,sys; print(struct.unpack_from("<Q", open(sys.argv[1], "rb").read(32), 24)[0])' "$cache/train.kgc") graphs in $cache, 80% of them the training split"

# shellcheck source=scripts/bench/stage_lib.sh
source scripts/bench/stage_lib.sh
LEGACY=1
DATASET=synthetic
# One column of one model: prints the median epoch seconds, or `failed` (then the last lines of its
# log in $work/logs go to stderr).
failure() { echo failed; tail -n 2 "$1" | sed 's/^/    /' >&2; }
kdgat_column() { # name stage preset batch device precision
    local log="$work/logs/$1.log"
    if ! DEVICE=$5 PRECISION=$6 run_stage "$1" "$2" "$3" "$4" >"$log" 2>&1; then
        failure "$log"; return
    fi
    "$python" -c 'import json,statistics,sys
s=[json.loads(l)["metrics"]["train_seconds"] for l in open(sys.argv[1]) if json.loads(l)["kind"]=="epoch"]
print("%.3f" % statistics.median(s) if s else "no-epochs")' "$work/runs/$1/events.jsonl" 2>>"$log" || failure "$log"
}
pyg_column() { # name kind config device [--amp]
    local log="$work/logs/$1.log"
    if ! "$python" scripts/bench/pyg_training.py "$2" "$work/$3.json" "$cache" "$EPOCHS" --device "$4" ${5:+"$5"} \
        >"$work/logs/$1.json" 2>"$log"; then
        failure "$log"; return
    fi
    "$python" -c 'import json,statistics,sys; print("%.3f" % statistics.median(json.load(open(sys.argv[1]))["epoch_seconds"]))' \
        "$work/logs/$1.json" 2>>"$log" || failure "$log"
}

declare -A cell
models=("gat_teacher normal gat,teacher 2048 gat" "vgae_teacher autoencoder vgae,teacher 2252 vgae")
for m in "${models[@]}"; do
    read -r name stage preset batch kind <<<"$m"
    # The CPU column first: it writes $work/$name.json, the config PyG's side reads.
    cell[$name,kdgat_cpu]=$(kdgat_column "${name}_cpu" "$stage" "$preset" "$batch" cpu 32)
    cp "$work/${name}_cpu.json" "$work/$name.json"
    say "$name kdgat cpu: ${cell[$name,kdgat_cpu]}"
    cell[$name,pyg_cpu]=$(pyg_column "${name}_pyg_cpu" "$kind" "$name" cpu)
    say "$name PyG cpu: ${cell[$name,pyg_cpu]}"
    for col in kdgat_cuda32 kdgat_cuda16 pyg_cuda32 pyg_cuda_amp; do cell[$name,$col]="no GPU"; done
    if ((gpu)); then
        # cuda:0, not cuda: kdgat falls back to the CPU on `cuda` when it finds no GPU.
        cell[$name,kdgat_cuda32]=$(kdgat_column "${name}_cuda32" "$stage" "$preset" "$batch" cuda:0 32)
        say "$name kdgat cuda fp32: ${cell[$name,kdgat_cuda32]}"
        cell[$name,kdgat_cuda16]=$(kdgat_column "${name}_cuda16" "$stage" "$preset" "$batch" cuda:0 16-mixed)
        say "$name kdgat cuda 16-mixed: ${cell[$name,kdgat_cuda16]}"
        cell[$name,pyg_cuda32]=$(pyg_column "${name}_pyg_cuda32" "$kind" "$name" cuda)
        say "$name PyG cuda fp32: ${cell[$name,pyg_cuda32]}"
        cell[$name,pyg_cuda_amp]=$(pyg_column "${name}_pyg_cuda_amp" "$kind" "$name" cuda --amp)
        say "$name PyG cuda AMP: ${cell[$name,pyg_cuda_amp]}"
    fi
done

echo
echo "seconds per training epoch, median of $EPOCHS; synthetic --scale $SCALE; $(nproc) cores; GPU: ${gpu_name:-none}"
columns=(kdgat_cuda32 kdgat_cuda16 pyg_cuda32 pyg_cuda_amp kdgat_cpu pyg_cpu)
printf '%-22s %13s %15s %13s %13s %11s %11s\n' model "kdgat cuda32" "kdgat cuda16mx" "PyG cuda32" "PyG cuda AMP" "kdgat cpu" "PyG cpu"
for m in "${models[@]}"; do
    read -r name _ _ batch _ <<<"$m"
    row=()
    for col in "${columns[@]}"; do row+=("${cell[$name,$col]}"); done
    printf '%-22s %13s %15s %13s %13s %11s %11s\n' "$name ($batch)" "${row[@]}"
done
failed=0
for key in "${!cell[@]}"; do
    if [[ ${cell[$key]} == failed || ${cell[$key]} == no-epochs ]]; then failed=1; fi
done
if ((failed)); then echo "some columns failed: their logs are in $work/logs"; fi
say "done"
exit "$failed"
