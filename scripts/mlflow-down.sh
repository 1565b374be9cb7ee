#!/usr/bin/env bash
# Stop the MLflow server that mlflow-up.sh started: its whole process group (the `mlflow` parent forks
# uvicorn), found through the pid file. Keeps the directory (database and artifacts). Safe to re-run.
set -uo pipefail

DIR="${KDGAT_MLFLOW_DIR:-/var/tmp/kdgat/mlflow}"
pidfile="$DIR/server.pid"
[[ -f "$pidfile" ]] || exit 0
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
    echo "mlflow-down: stopping server group $pid"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do
        pgrep -g "$pid" >/dev/null 2>&1 || break
        sleep 0.1
    done
    pgrep -g "$pid" >/dev/null 2>&1 && kill -KILL -- "-$pid" 2>/dev/null
fi
rm -f "$pidfile"
