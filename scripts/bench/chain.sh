#!/usr/bin/env bash
# The full chains on hcrl_sa (default-mode graphs, CPU, release): the teacher chain and the distilled
# student chain (autoencoder → curriculum → fusion → evaluation), each one `kdgat submit` (local
# executor) timed on its own; the student's sweep finds the teacher's runs up to date. Prints each chain's wall and CPU time, the validation GAT F1 and fusion
# accuracy, and a per-scenario table (accuracy / F1 / AUC of GAT, VGAE and fusion on
# test_01..test_04) next to the reference's own metrics.json of the same run
# ($KDGAT_SHARED/legacy/experimentruns/hcrl_sa/*_evaluation*).
#
# Epochs (each fits the 30-minute CPU budget of a chain): VGAE_EPOCHS (default 12), GAT_EPOCHS
# (default 40; the curriculum's epochs are one or two batches), EPISODES (default 500, the
# reference's). Batch sizes are the reference's: the curriculum's effective 2048 (teacher) / 2252
# (student), 2252 for the autoencoder.
set -euo pipefail
cd "$(dirname "$0")/../.."
VGAE_EPOCHS="${VGAE_EPOCHS:-12}"
GAT_EPOCHS="${GAT_EPOCHS:-40}"
EPISODES="${EPISODES:-500}"
SHARED="${KDGAT_SHARED:-$(cd .. && pwd)/shared}"
bash scripts/install-libtorch.sh >/dev/null
cargo build --locked --release 2>/dev/null
kdgat=$(realpath "${CARGO_TARGET_DIR:-target}/release/kdgat")
work=/var/tmp/kdgat/bench/chain
rm -rf "$work/runs" "$work/state"
mkdir -p "$work"

chain() { # variant curriculum-batch
    local variant=$1 batch=$2
    echo "== $variant chain: VGAE $VGAE_EPOCHS epochs, curriculum $GAT_EPOCHS epochs, fusion $EPISODES episodes"
    /usr/bin/time -f "$variant %e %U %S" -a -o "$work/times" \
        "$kdgat" --data-root "$SHARED/data" --state-dir "$work/state" submit hcrl_sa --variant "$variant" \
        --name "chain-$variant-$(date +%s)" --cache-root "$work/cache" --runs-dir "$work/runs" \
        --set device=cpu \
        --set "autoencoder.max_epochs=$VGAE_EPOCHS" --set autoencoder.batch_size=2252 \
        --set "curriculum.max_epochs=$GAT_EPOCHS" --set "curriculum.batch_size=$batch" \
        --set "fusion_episodes=$EPISODES"
}
: > "$work/times"
chain teacher 2048
chain student-kd 2252

python3 - "$work" "$SHARED/legacy/experimentruns/hcrl_sa" <<'PY'
import json, sys
work, legacy = sys.argv[1], sys.argv[2]
times = {}
for line in open(f"{work}/times"):
    parts = line.split()
    if len(parts) == 4:
        times[parts[0]] = tuple(map(float, parts[1:]))
def cell(m):
    c = m["core"]
    return "/".join(f"{c[k]:.4f}" if k in c else "-" for k in ("accuracy", "f1", "auc"))
for variant, run in (("teacher", "teacher_evaluation"), ("student-kd", "student_evaluation_kd")):
    ours = json.load(open(f"{work}/runs/hcrl_sa/{run}/metrics.json"))
    try:
        theirs = json.load(open(f"{legacy}/{run}/metrics.json"))
    except FileNotFoundError:
        theirs = {}
    wall, user, system = times.get(variant, (0, 0, 0))
    stages = []
    for stage in ("autoencoder", "curriculum", "fusion", "evaluation"):
        name = run.replace("evaluation", stage)
        with open(f"{work}/runs/hcrl_sa/{name}/benchmark.tsv") as f:
            stages.append(f"{stage} {float(f.readlines()[1].split()[0]):.0f} s")
    print(f"\n{variant} chain: {wall / 60:.1f} min wall ({', '.join(stages)}), {(user + system) / 60:.1f} min CPU time; "
          f"validation GAT F1 {ours['gat']['core']['f1']:.4f}, fusion accuracy {ours['fusion']['core']['accuracy']:.4f}")
    print(f"| model | split | kdgat acc/F1/AUC | reference acc/F1/AUC |")
    print(f"|---|---|---|---|")
    for model in ("gat", "vgae", "fusion"):
        rows = [("validation", ours[model], theirs.get(model))]
        for scenario, m in ours["test"][model].items():
            rows.append((scenario, m, theirs.get("test", {}).get(model, {}).get(scenario)))
        for split, m, r in rows:
            print(f"| {model} | {split} | {cell(m)} | {cell(r) if r else '-'} |")
PY
