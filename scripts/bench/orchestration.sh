#!/usr/bin/env bash
# The cost of the orchestration (release): the reference's DAG for six datasets — per dataset its
# graph cache and 3 variants × 4 stages, the distilled student's stages after the teacher's: 78 runs
# — each a trivial stage of TRIVIAL_SECONDS (default 1) that still writes its events
# (scripts/bench/trivial_job.sh, run as the batch job's command through the cluster config's
# job_command), through `kdgat submit` with the local executor; against the same 78 commands on the
# same spec files run by a plain shell loop (xargs -P) with the same concurrency, which ignores the
# dependencies (a lower bound). Alternates the two REPEATS times (default 3) and prints JSON: the
# median wall times, their ratio, and the supervisor's peak resident memory (/usr/bin/time).
#
# JOBS (default 4) is the concurrency of both.
set -euo pipefail
cd "$(dirname "$0")/../.."
JOBS="${JOBS:-4}"
REPEATS="${REPEATS:-3}"
export TRIVIAL_SECONDS="${TRIVIAL_SECONDS:-1}"
cargo build --locked --release --quiet
kdgat=$(realpath "${CARGO_TARGET_DIR:-target}/release/kdgat")
job=$PWD/scripts/bench/trivial_job.sh
work=/var/tmp/kdgat/bench/orchestration
rm -rf "$work"
mkdir -p "$work"
cat > "$work/cluster.toml" <<TOML
scheduler = "local"
job_command = ["bash", "$job"]
[local]
max_running = $JOBS
TOML
source scripts/bench/dag_lib.sh

kdgat_once() { # n
    local dir=$work/kdgat-$1
    mkdir -p "$dir"
    stub_data "$dir/data"
    /usr/bin/time -f "%e %M" -o "$dir/time" \
        "$kdgat" --state-dir "$dir/state" --data-root "$dir/data" submit "${datasets[@]}" \
        --cluster-config "$work/cluster.toml" --runs-dir "$dir/runs" --cache-root "$dir/cache" \
        --name "bench-$1" > "$dir/log"
    grep -q "78 of 78 runs complete" "$dir/log" || { echo "kdgat run $1 did not complete:" >&2; tail "$dir/log" >&2; exit 1; }
}

shell_once() { # n: the same commands on copies of the specs kdgat wrote, their run directories fresh
    local dir=$work/shell-$1
    mkdir -p "$dir/specs"
    local i=0
    while read -r spec; do
        i=$((i + 1))
        jq --arg r "$dir/runs/$i" '.run_dir = $r' "$spec" > "$dir/specs/$i.json"
    done < "$work/specs"
    /usr/bin/time -f "%e %M" -o "$dir/time" \
        bash -c "ls $dir/specs/*.json | xargs -P $JOBS -I{} bash $job job exec --spec {}"
}

for n in $(seq "$REPEATS"); do
    kdgat_once "$n"
    if [[ $n == 1 ]]; then
        find "$work/kdgat-1/runs" -path '*attempt-1/spec.json' | sort > "$work/specs"
    fi
    shell_once "$n"
done

python3 - "$work" "$REPEATS" "$JOBS" "$(wc -l < "$work/specs")" <<'PY'
import json, statistics, sys
work, repeats, jobs, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def times(kind):
    out = []
    for n in range(1, repeats + 1):
        wall, rss = open(f"{work}/{kind}-{n}/time").read().split()
        out.append((float(wall), int(rss)))
    return out
k, s = times("kdgat"), times("shell")
km, sm = statistics.median(w for w, _ in k), statistics.median(w for w, _ in s)
print(json.dumps({
    "runs": runs, "concurrency": jobs, "stage_seconds": float(__import__("os").environ.get("TRIVIAL_SECONDS", 1)),
    "kdgat_wall_s": [w for w, _ in k], "shell_wall_s": [w for w, _ in s],
    "kdgat_median_s": km, "shell_median_s": sm, "ratio": round(km / sm, 3),
    "kdgat_peak_rss_mib": round(max(r for _, r in k) / 1024, 1),
}, indent=1))
PY
