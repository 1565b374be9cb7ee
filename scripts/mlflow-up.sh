#!/usr/bin/env bash
# Bring up a real MLflow tracking server (3.17.2 from PyPI) on 127.0.0.1, with a SQLite backend and
# proxied artifacts under one directory.
#
# Idempotent: the venv is made once at a fixed path (guarded by a marker), the server is started only if
# its pid file names no live process, and the script returns once /health answers. It prints the
# tracking URI to use. The server runs in its own session so mlflow-down.sh can stop the whole group.
set -euo pipefail

VENV="${KDGAT_MLFLOW_VENV:-/opt/kdgat-mlflow-3.17.2}"
DIR="${KDGAT_MLFLOW_DIR:-/var/tmp/kdgat/mlflow}"
PORT="${KDGAT_MLFLOW_PORT:-5005}"
PIP_SPEC="${MLFLOW_PIP_SPEC:-mlflow==3.17.2}"
URI="http://127.0.0.1:$PORT"

log() { echo "mlflow-up: $*"; }

if [[ ! -f "$VENV/.kdgat-installed" ]]; then
    log "creating venv $VENV ($PIP_SPEC)"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    # shellcheck disable=SC2086
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $PIP_SPEC
    touch "$VENV/.kdgat-installed"
fi

mkdir -p "$DIR/artifacts"
pidfile="$DIR/server.pid"
if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "server already running (pid $(cat "$pidfile"))"
else
    log "starting server on $URI"
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid "$VENV/bin/mlflow" server \
        --host 127.0.0.1 --port "$PORT" --workers 1 \
        --backend-store-uri "sqlite:///$DIR/mlflow.db" \
        --artifacts-destination "$DIR/artifacts" \
        >"$DIR/server.log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
fi

for _ in $(seq 600); do
    if [[ "$(curl -fsS --max-time 2 "$URI/health" 2>/dev/null)" == OK ]]; then
        log "healthy at $URI"
        echo "export MLFLOW_TRACKING_URI=$URI"
        exit 0
    fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "mlflow-up: server exited; see $DIR/server.log" >&2; exit 1; }
    sleep 0.2
done
echo "mlflow-up: no /health after 120 s; see $DIR/server.log" >&2
exit 1
