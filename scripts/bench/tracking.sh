#!/usr/bin/env bash
# MLflow delivery benchmark (release mode): metric points per second to the real server, kdgat's
# outbox drain against the Python client's MlflowClient.log_batch with the same points, alternating,
# ROUNDS rounds (default 5); prints each round, the medians and the ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
POINTS="${POINTS:-20000}"
ROUNDS="${ROUNDS:-5}"
eval "$(bash scripts/mlflow-up.sh | grep '^export ')"
python="${KDGAT_MLFLOW_VENV:-/opt/kdgat-mlflow-3.17.2}/bin/python"
cargo build --locked --release -p kdgat-tracking --bench log_batch 2>/dev/null
bench=$(cargo bench --locked -p kdgat-tracking --bench log_batch --no-run --message-format=json 2>/dev/null \
    | "$python" -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable") and m.get("target", {}).get("name") == "log_batch":
        print(m["executable"])')
results=$(mktemp)
for round in $(seq "$ROUNDS"); do
    "$bench" "$POINTS" | tee -a "$results"
    "$python" scripts/bench/mlflow_log_batch.py "$POINTS" | tee -a "$results"
done
"$python" - "$results" "$POINTS" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {who: statistics.median(float(v) for w, v in rows if w == who) for who in ("kdgat", "python")}
print(f"points per round: {sys.argv[2]}")
print(f"median points/s: kdgat {med['kdgat']:.0f}, python MlflowClient.log_batch {med['python']:.0f}, "
      f"ratio {med['kdgat'] / med['python']:.2f}x")
PY
