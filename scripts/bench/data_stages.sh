#!/usr/bin/env bash
# Benchmarks of the data stages on hcrl_sa, in release mode, each side by side with its reference:
# graph construction against the reference algorithm (pandas/numpy), ingest against pyarrow.
# Needs the MLflow venv's Python (numpy, pandas, pyarrow): scripts/mlflow-up.sh installs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
py="${KDGAT_PYTHON:-/opt/kdgat-mlflow-3.17.2/bin/python}"
data_root="${KDGAT_DATA_ROOT:-${KDGAT_SHARED:-../shared}/data}"
bash scripts/install-libtorch.sh >/dev/null
cargo build --release --locked --quiet
kdgat="${CARGO_TARGET_DIR:-target}/release/kdgat"
echo "== graphs (kdgat --legacy vs the reference algorithm)"
"$py" scripts/bench/graphs_bench.py "$kdgat" "$data_root" "${GRAPH_RUNS:-5}" "${REFERENCE_RUNS:-1}"
echo "== ingest (kdgat vs pyarrow)"
"$py" scripts/bench/ingest_bench.py "$kdgat" "$data_root" "${INGEST_RUNS:-5}"
