#!/usr/bin/env bash
# The orchestration on SLURM (release, the local test cluster of scripts/slurm-up.sh): the reference's
# DAG for six datasets — per dataset its graph cache and 3 variants × 4 stages, the distilled
# student's stages after the teacher's: 78 runs — each a trivial stage of TRIVIAL_SECONDS (default 1)
# that still writes its events (scripts/bench/trivial_job.sh), through `kdgat submit` with
# `scheduler = "slurm"`; against the same 78 commands on copies of the same spec files, submitted at
# once from this shell as `sbatch --dependency=afterok:…` chains of the same DAG and waited for with
# squeue once a second; and against Snakemake 9 with its SLURM executor plugin running the same 78
# commands as a Snakefile of the same DAG (installed into a venv under /var/tmp/kdgat/bench on first
# use; its settings are the plugin's defaults but for the partition, account and resources every
# side gets). Alternates the three REPEATS times (default 1) and prints JSON: wall times, their
# medians and ratios, and the SLURM commands each side ran (counted through shims on its PATH that
# log each call and run the real command; the sbatch side counts its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEATS="${REPEATS:-1}"
: "${SLURM_CONF:?set SLURM_CONF (scripts/slurm-up.sh prints it)}"
export SLURM_CONF
cargo build --locked --release --quiet
kdgat=$(realpath "${CARGO_TARGET_DIR:-target}/release/kdgat")
job=$PWD/scripts/bench/trivial_job.sh
work=/var/tmp/kdgat/bench/slurm_dag
rm -rf "$work"
mkdir -p "$work/shims"
source scripts/bench/dag_lib.sh
slurm_config "$work/cluster.toml" "[\"bash\", \"$job\"]" 5 200
# srun too: Snakemake's batch jobs start their step with it. The shims carry SLURM_CONF into the
# batch jobs, whose environment Snakemake's plugin clears of SLURM_* (the test cluster's config is
# not at the default path).
for command in sbatch squeue sacct scontrol scancel srun; do
    real=$(command -v "$command")
    printf '#!/bin/sh\necho %s >> %s/calls\nexport SLURM_CONF=%s\nexec %s "$@"\n' \
        "$command" "$work" "$SLURM_CONF" "$real" > "$work/shims/$command"
    chmod +x "$work/shims/$command"
done

kdgat_once() { # n
    local dir=$work/kdgat-$1
    mkdir -p "$dir"
    stub_data "$dir/data"
    : > "$work/calls"
    local started
    started=$(date +%s.%N)
    PATH="$work/shims:$PATH" "$kdgat" --state-dir "$dir/state" --data-root "$dir/data" \
        submit "${datasets[@]}" --cluster-config "$work/cluster.toml" --runs-dir "$dir/runs" \
        --cache-root "$dir/cache" --name "bench-$1" > "$dir/log"
    echo "$(date +%s.%N) - $started" | bc > "$dir/wall"
    sort "$work/calls" | uniq -c | awk '{printf "%s %s\n", $2, $1}' > "$dir/calls"
    grep -q "78 of 78 runs complete" "$dir/log" || { echo "kdgat run $1 did not complete:" >&2; tail "$dir/log" >&2; exit 1; }
}

sbatch_once() { # n: the DAG of kdgat's plan as afterok chains, on copies of its specs
    local dir=$work/sbatch-$1 calls=0
    mkdir -p "$dir/specs"
    declare -A ids=()
    local started
    started=$(date +%s.%N)
    while IFS=$'\t' read -r run deps; do
        local spec="$dir/specs/${run//\//_}.json"
        jq --arg r "$dir/runs/$run" '.run_dir = $r' "$work/kdgat-1/runs/$run/attempt-1/spec.json" > "$spec"
        local after=()
        for dep in $deps; do after+=("${ids[$dep]}"); done
        local dependency=()
        if ((${#after[@]})); then dependency=(--dependency="afterok:$(IFS=:; echo "${after[*]}")"); fi
        ids[$run]=$(sbatch --parsable --export=NONE --partition=debug --mem=200M --cpus-per-task=1 \
            --time=5 -J "bench-sbatch-$1" -o "$dir/%j.out" "${dependency[@]}" \
            --wrap "bash $job job exec --spec $spec")
        calls=$((calls + 1))
    done < "$work/dag.tsv"
    while [[ -n $(squeue -h -n "bench-sbatch-$1" -o %i) ]]; do
        calls=$((calls + 1))
        sleep 1
    done
    calls=$((calls + 1))
    echo "$(date +%s.%N) - $started" | bc > "$dir/wall"
    echo "sbatch ${#ids[@]}" > "$dir/calls"
    echo "squeue $((calls - ${#ids[@]}))" >> "$dir/calls"
    local done_runs
    done_runs=$(find "$dir/runs" -name events.jsonl -exec grep -l '"finished"' {} + | wc -l)
    [[ $done_runs == 78 ]] || { echo "sbatch run $1: $done_runs of 78 finished" >&2; exit 1; }
}

snakemake=/var/tmp/kdgat/bench/snakemake-venv/bin/snakemake
if [[ ! -x $snakemake ]]; then
    python3 -m venv /var/tmp/kdgat/bench/snakemake-venv
    /var/tmp/kdgat/bench/snakemake-venv/bin/pip install --quiet 'snakemake>=9,<10' \
        'snakemake-executor-plugin-slurm>=2,<3'
fi

snakemake_once() { # n: the same DAG as a Snakefile, through the SLURM executor plugin
    local dir=$work/snakemake-$1
    mkdir -p "$dir/specs"
    while IFS=$'\t' read -r run deps; do
        jq --arg r "$dir/runs/$run" '.run_dir = $r' "$work/kdgat-1/runs/$run/attempt-1/spec.json" \
            > "$dir/specs/${run//\//_}.json"
    done < "$work/dag.tsv"
    python3 - "$work/dag.tsv" "$dir" "$job" <<'PY'
import json, sys
dag_tsv, out, job = sys.argv[1:]
dag = {}
for line in open(dag_tsv):
    run, _, deps = line.rstrip("\n").partition("\t")
    dag[run.replace("/", "_")] = [d.replace("/", "_") for d in deps.split()]
json.dump(dag, open(f"{out}/dag.json", "w"))
open(f"{out}/Snakefile", "w").write(f'''import json
DEPS = json.load(open("dag.json"))
rule all:
    input: expand("done/{{name}}", name=DEPS)
rule stage:
    input: lambda w: [f"done/{{d}}" for d in DEPS[w.name]]
    output: "done/{{name}}"
    resources: mem_mb=200, runtime=5, cpus_per_task=1
    shell: "bash {job} job exec --spec specs/{{wildcards.name}}.json && touch {{output}}"
''')
PY
    : > "$work/calls"
    local started
    started=$(date +%s.%N)
    (cd "$dir" && PATH="$work/shims:$(dirname "$snakemake"):$PATH" "$snakemake" --executor slurm \
        --jobs 100 --default-resources slurm_partition=debug slurm_account=root \
        --quiet all > "$dir/log" 2>&1) || { echo "snakemake run $1 failed:" >&2; tail -30 "$dir/log" >&2; exit 1; }
    echo "$(date +%s.%N) - $started" | bc > "$dir/wall"
    sort "$work/calls" | uniq -c | awk '{printf "%s %s\n", $2, $1}' > "$dir/calls"
    local done_runs
    done_runs=$(ls "$dir/done" | wc -l)
    [[ $done_runs == 78 ]] || { echo "snakemake run $1: $done_runs of 78 done" >&2; exit 1; }
}

for n in $(seq "$REPEATS"); do
    kdgat_once "$n"
    if [[ $n == 1 ]]; then
        "$kdgat" --state-dir "$work/plan-state" submit "${datasets[@]}" --dry-run --json \
            --cluster-config "$work/cluster.toml" \
            | jq -r '.runs[] | [.run, (.deps | join(" "))] | @tsv' > "$work/dag.tsv"
    fi
    sbatch_once "$n"
    snakemake_once "$n"
done

python3 - "$work" "$REPEATS" <<'PY'
import json, statistics, sys
work, repeats = sys.argv[1], int(sys.argv[2])
def side(kind):
    walls, calls = [], []
    for n in range(1, repeats + 1):
        walls.append(float(open(f"{work}/{kind}-{n}/wall").read()))
        calls.append({c: int(k) for c, k in (l.split() for l in open(f"{work}/{kind}-{n}/calls"))})
    return walls, calls
kw, kc = side("kdgat")
sw, sc = side("sbatch")
nw, nc = side("snakemake")
km, sm, nm = statistics.median(kw), statistics.median(sw), statistics.median(nw)
print(json.dumps({"runs": 78, "kdgat_wall_s": kw, "sbatch_afterok_wall_s": sw,
                  "snakemake_wall_s": nw, "kdgat_median_s": km, "sbatch_median_s": sm,
                  "snakemake_median_s": nm, "kdgat_over_sbatch": round(km / sm, 3),
                  "snakemake_over_kdgat": round(nm / km, 3), "kdgat_slurm_calls": kc,
                  "sbatch_slurm_calls": sc, "snakemake_slurm_calls": nc}, indent=1))
PY
