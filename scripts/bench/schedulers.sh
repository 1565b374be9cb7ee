#!/usr/bin/env bash
# Scheduler benchmark (release mode): 500 SLURM submissions and the poll cost at 500 live jobs, and the
# local executor's start-and-reap rate. Needs the cluster of scripts/slurm-up.sh (SLURM_CONF).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SLURM_CONF:=/var/tmp/kdgat/slurm/etc/slurm.conf}"
export SLURM_CONF
bash scripts/install-libtorch.sh >/dev/null
cargo bench --locked -p kdgat-cluster --bench schedulers 2>/dev/null
