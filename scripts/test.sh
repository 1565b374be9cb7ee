#!/usr/bin/env bash
# The test command: installs what the tests need (libtorch, SLURM, MLflow, Chromium) if missing, starts the
# SLURM cluster and the MLflow server, runs every test of the workspace against them, and stops the
# services it started. Fails if any step fails.
#
# Honoured: CARGO_TARGET_DIR, KDGAT_SHARED (the shared reference data; default ../shared),
# CARGO_TEST_ARGS (extra arguments for cargo test, e.g. a test name filter).
set -euo pipefail
cd "$(dirname "$0")/.."

export KDGAT_SHARED="${KDGAT_SHARED:-$(cd .. && pwd)/shared}"
logs="${TMPDIR:-/tmp}/kdgat-test-logs"
mkdir -p "$logs"

started=()
teardown() {
    for service in "${started[@]}"; do
        bash "scripts/$service-down.sh" || echo "test.sh: $service-down failed" >&2
    done
}
trap teardown EXIT

step() { local t=$SECONDS; "$@"; echo "test.sh: $* took $((SECONDS - t)) s"; }

# libtorch, SLURM, MLflow and Chromium install and start independently: do them side by side.
pids=()
setup_jobs=(install-libtorch slurm-up mlflow-up install-chromium)
for job in "${setup_jobs[@]}"; do
    bash "scripts/$job.sh" >"$logs/$job.log" 2>&1 &
    pids+=("$!")
done
failed=0
for i in "${!pids[@]}"; do
    job=${setup_jobs[$i]}
    if wait "${pids[$i]}"; then
        echo "test.sh: $job ok"
    else
        echo "test.sh: $job failed:" >&2
        cat "$logs/$job.log" >&2
        failed=1
    fi
    # Tear down only what this run started (the up scripts say "starting" when they start a daemon).
    case $job in
        slurm-up|mlflow-up) grep -q "starting" "$logs/$job.log" && started+=("${job%-up}") ;;
    esac
done
(( failed == 0 )) || exit 1

eval "$(grep '^export ' "$logs/slurm-up.log")"
eval "$(grep '^export ' "$logs/mlflow-up.log")"
eval "$(grep '^export ' "$logs/install-chromium.log")"
export KDGAT_REQUIRE_SERVICES=1
# The MLflow venv also has numpy, pandas and pyarrow: the tests use it to read our Parquet and to run
# the reference's graph construction for comparison.
export KDGAT_PYTHON="${KDGAT_MLFLOW_VENV:-/opt/kdgat-mlflow-3.17.2}/bin/python"
# Tests run in parallel on few cores: one intra-op thread each avoids oversubscription.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

# shellcheck disable=SC2086
step cargo test --workspace --locked ${CARGO_TEST_ARGS:-}
