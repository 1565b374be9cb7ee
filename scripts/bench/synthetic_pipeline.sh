#!/usr/bin/env bash
# The whole pipeline on the synthetic dataset, as the main job (scripts/run-pipeline.sh) runs it
# (release, CPU, the local executor): `kdgat synth`, one `kdgat submit synthetic` of teacher,
# student-kd and student (the graph cache and the twelve model stages), and `kdgat report`, each
# phase timed. Prints JSON: wall time of every phase, each stage's wall and CPU time (its
# benchmark.tsv), the graphs in the cache, and per variant the validation GAT F1 and fusion accuracy
# and the test scenarios' GAT F1.
#
# The settings are the ones recorded in docs/BENCHMARKS.md (override any of them):
# SCALE (synth --scale, default 1), SEED (42), EPOCHS (autoencoder and curriculum, 12), BATCH (64),
# EPISODES (fusion, 100: two validations), SAMPLE (fusion episode_sample_size, 2000). The local
# executor runs one job per two CPUs, each with the CPUs it has (OMP_NUM_THREADS); no MLflow.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCALE="${SCALE:-1}"
SEED="${SEED:-42}"
EPOCHS="${EPOCHS:-12}"
BATCH="${BATCH:-64}"
EPISODES="${EPISODES:-100}"
SAMPLE="${SAMPLE:-2000}"
unset MLFLOW_TRACKING_URI
bash scripts/install-libtorch.sh >/dev/null
cargo build --locked --release --quiet
kdgat=$(realpath "${CARGO_TARGET_DIR:-target}/release/kdgat")
work=${WORK:-/var/tmp/kdgat/bench/synthetic}
rm -rf "$work"
mkdir -p "$work"
cd "$work"

phase() { # name command...
    local name=$1
    shift
    local started
    started=$(date +%s.%N)
    "$@" >"$name.log" 2>"$name.err"
    echo "$name $(echo "$(date +%s.%N) - $started" | bc)" >>phases
}
: >phases
phase synth "$kdgat" --data-root data synth --seed "$SEED" --scale "$SCALE"
phase submit "$kdgat" --data-root data submit synthetic --variant teacher,student-kd,student \
    --set device=cpu --set "max_epochs=$EPOCHS" --set "batch_size=$BATCH" \
    --set "fusion_episodes=$EPISODES" --set "episode_sample_size=$SAMPLE"
phase report "$kdgat" report --runs-dir experimentruns
"$kdgat" --data-root data graphs synthetic --json >graphs.log

python3 - "$work" "$SCALE" "$SEED" "$EPOCHS" "$BATCH" "$EPISODES" "$SAMPLE" "$(nproc)" <<'PY'
import glob, json, os, sys
work, scale, seed, epochs, batch, episodes, sample, cpus = sys.argv[1:]
phases = {}
for line in open(f"{work}/phases"):
    name, seconds = line.split()
    phases[name] = round(float(seconds), 1)
graphs = json.load(open(f"{work}/graphs.log"))
stages = {}
for bench in sorted(glob.glob(f"{work}/experimentruns/synthetic/*/benchmark.tsv")):
    header, row = [l.rstrip("\n").split("\t") for l in open(bench).readlines()[:2]]
    cells = dict(zip(header, row))
    stages[os.path.basename(os.path.dirname(bench))] = {
        "wall_s": round(float(cells["s"]), 1), "cpu_s": round(float(cells["cpu_time"]), 1)}
variants = {}
for variant, run in (("teacher", "teacher_evaluation"), ("student-kd", "student_evaluation_kd"),
                     ("student", "student_evaluation")):
    m = json.load(open(f"{work}/experimentruns/synthetic/{run}/metrics.json"))
    variants[variant] = {
        "val_gat_f1": round(m["gat"]["core"]["f1"], 4),
        "val_fusion_accuracy": round(m["fusion"]["core"]["accuracy"], 4),
        "val_vgae_auc": round(m["vgae"]["core"].get("auc", float("nan")), 4),
        "test_gat_f1": {s[:7]: round(v["core"]["f1"], 4) for s, v in m["test"]["gat"].items()},
    }
print(json.dumps({
    "bench": "synthetic_pipeline",
    "settings": {"scale": float(scale), "seed": int(seed), "max_epochs": int(epochs),
                 "batch_size": int(batch), "fusion_episodes": int(episodes),
                 "episode_sample_size": int(sample), "cpus": int(cpus)},
    "graphs": {"train_val": graphs["num_graphs"], "split": graphs["split"], "ids": graphs["num_unique_ids"],
               "train": graphs["train"], "tests": dict(graphs["test_scenarios"])},
    "phases_s": phases,
    "total_s": round(sum(phases.values()), 1),
    "stages": stages,
    "variants": variants,
}, indent=2))
PY
