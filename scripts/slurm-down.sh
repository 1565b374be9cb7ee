#!/usr/bin/env bash
# Stop the daemons that slurm-up.sh started (by their pid files under the cluster directory), after
# cancelling any jobs still there (killing slurmd does not end running jobs). Leaves the directory, so
# a later slurm-up.sh restarts with its state and accounting database. Safe to re-run.
set -uo pipefail

DIR="${KDGAT_SLURM_DIR:-/var/tmp/kdgat/slurm}"
export SLURM_CONF="$DIR/etc/slurm.conf"

stop_pidfile() {
    local name=$1 pidfile="$DIR/run/$1.pid"
    [[ -f "$pidfile" ]] || return 0
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        echo "slurm-down: stopping $name ($pid)"
        kill -TERM "$pid" 2>/dev/null
        # Wait on /proc, not the pid file: slurmctld removes its pid file before it has exited.
        # A zombie (state Z) has exited; PID 1 here may reap late.
        for _ in $(seq 100); do
            [[ -d /proc/$pid ]] || break
            grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
            sleep 0.1
        done
        [[ -d /proc/$pid ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$pidfile"
}

if [[ -f "$SLURM_CONF" ]] && [[ -f "$DIR/run/slurmctld.pid" ]]; then
    timeout 10 scancel --user="$(id -un)" 2>/dev/null || true
fi
for d in slurmd slurmctld slurmdbd mariadbd munged; do
    stop_pidfile "$d"
done
