#!/usr/bin/env bash
# Training speed (release mode, CPU): seconds per training epoch of kdgat's `job exec` (the
# train_seconds of its events.jsonl) and of the same model in PyTorch Geometric
# (scripts/bench/pyg_training.py), side by side on the legacy-mode hcrl_sa graphs (7,491 training
# graphs), at the reference's batch sizes: GAT teacher 2048, GAT student 2252 (with and without the KD
# teacher's forward), VGAE teacher 2252, VGAE student 2457. Median over EPOCHS epochs (default 3).
# ONLY=name (e.g. ONLY=vgae_teacher) runs just the models whose run name contains it. The stages run
# as the reference's (LEGACY=1: the VGAE fitted to every graph), so both sides do the same work.
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS="${EPOCHS:-3}"
SHARED="${KDGAT_SHARED:-$(cd .. && pwd)/shared}"
python=$(bash scripts/install-pyg.sh)
bash scripts/install-libtorch.sh >/dev/null
cargo build --locked --release 2>/dev/null
kdgat="${CARGO_TARGET_DIR:-target}/release/kdgat"
work=/var/tmp/kdgat/bench/training
mkdir -p "$work"
"$kdgat" --data-root "$SHARED/data" graphs hcrl_sa --legacy --cache-root "$work/cache" >/dev/null
cache="$work/cache/hcrl_sa"

median() { "$python" -c 'import json,statistics,sys; print(statistics.median(json.loads(sys.argv[1])))' "$1"; }
source scripts/bench/stage_lib.sh
LEGACY=1
ours() { # name stage preset batch [kd teacher run]: the train_seconds of each epoch, as JSON
    run_stage "$@" >/dev/null
    "$python" -c 'import json,sys; print(json.dumps([json.loads(l)["metrics"]["train_seconds"] for l in open(sys.argv[1]) if json.loads(l)["kind"] == "epoch"]))' \
        "$work/runs/$1/events.jsonl"
}
pyg() { # kind config [teacher config]
    "$python" scripts/bench/pyg_training.py "$1" "$work/$2.json" "$cache" "$EPOCHS" ${3:+"$work/$3.json"} \
        | "$python" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["epoch_seconds"]))'
}
report() { # label ours-json pyg-json
    local a b; a=$(median "$2"); b=$(median "$3")
    "$python" -c 'import sys; a,b=map(float,sys.argv[2:4]); print(f"{sys.argv[1]:28} kdgat {a:7.2f} s   PyG {b:7.2f} s   ratio {a/b:5.2f}x")' "$1" "$a" "$b"
    echo "  kdgat epochs: $2   PyG epochs: $3"
}
want() { [[ -z ${ONLY:-} || $1 == *"$ONLY"* ]]; }
echo "hcrl_sa legacy graphs, $EPOCHS epochs each, $(nproc) cores; per training epoch, median:"
if want gat_teacher || want gat_student_kd; then
    o=$(ours gat_teacher normal gat,teacher 2048); p=$(pyg gat gat_teacher); report "GAT teacher (2048)" "$o" "$p"
fi
if want gat_student; then
    o=$(ours gat_student normal gat,student 2252); p=$(pyg gat gat_student); report "GAT student (2252)" "$o" "$p"
fi
if want gat_student_kd; then
    o=$(ours gat_student_kd normal gat,student 2252 gat_teacher); p=$(pyg gat gat_student_kd gat_teacher)
    report "GAT student + KD (2252)" "$o" "$p"
fi
if want vgae_teacher; then
    o=$(ours vgae_teacher autoencoder vgae,teacher 2252); p=$(pyg vgae vgae_teacher); report "VGAE teacher (2252)" "$o" "$p"
fi
if want vgae_student; then
    o=$(ours vgae_student autoencoder vgae,student 2457); p=$(pyg vgae vgae_student); report "VGAE student (2457)" "$o" "$p"
fi
