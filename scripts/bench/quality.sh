#!/usr/bin/env bash
# Model quality on hcrl_sa (default-mode graphs, CPU, release): the supervised GAT teacher, the GAT
# student distilled from it, the VGAE teacher; each through `kdgat job exec` with the preset and the
# reference's batch sizes, EPOCHS epochs at most (default 30, patience 10). Prints each run's
# validation metrics of its best checkpoint (val_metrics.json) and its epoch count and time.
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS="${EPOCHS:-30}"
SHARED="${KDGAT_SHARED:-$(cd .. && pwd)/shared}"
bash scripts/install-libtorch.sh >/dev/null
cargo build --locked --release 2>/dev/null
kdgat="${CARGO_TARGET_DIR:-target}/release/kdgat"
work=/var/tmp/kdgat/bench/quality
mkdir -p "$work"
"$kdgat" --data-root "$SHARED/data" graphs hcrl_sa --cache-root "$work/cache" >/dev/null

source scripts/bench/stage_lib.sh
PATIENCE=10
run() { # name stage preset batch [teacher run]
    local name=$1 t=$SECONDS
    run_stage "$@"
    python3 - "$work/runs/$name" "$((SECONDS - t))" <<'PY'
import json, sys
run, seconds = sys.argv[1], sys.argv[2]
metrics = json.load(open(f"{run}/val_metrics.json"))
(model, m), = metrics.items()
core = m["core"]
keys = ["accuracy", "precision", "recall", "f1", "auc", "mcc", "n_samples", "optimal_threshold"]
print(f"  {model} validation: " + ", ".join(f"{k} {core[k]:.4f}" if isinstance(core[k], float) else f"{k} {core[k]}"
                                         for k in keys if k in core) + f"; {seconds} s")
PY
}
run gat_teacher normal gat,teacher 2048
run gat_student_kd normal gat,student 2252 gat_teacher
run vgae_teacher autoencoder vgae,teacher 2252
