#!/usr/bin/env bash
# Bring up a real single-node SLURM cluster (munged, MariaDB, slurmdbd, slurmctld, slurmd) under one
# directory, so that sbatch/squeue/sacct/scancel/scontrol work against it.
#
# Idempotent: installs missing Debian packages, writes configs once, starts only daemons that are not
# running (each has a pid file under $DIR/run), and waits until the node is idle. Nothing is written to
# /etc: clients find the cluster through SLURM_CONF=$DIR/etc/slurm.conf (printed at the end).
# SLURM_WITH_DBD=0 skips MariaDB and slurmdbd (no sacct; accounting-disabled mode).
set -euo pipefail

DIR="${KDGAT_SLURM_DIR:-/var/tmp/kdgat/slurm}"
WITH_DBD="${SLURM_WITH_DBD:-1}"
NODE="$(hostname -s)"
# The node advertises more CPUs than the machine has (config_overrides), so that tests and sweeps of
# short jobs run several at a time on a 2-core machine; SLURM_CPUS overrides it.
CPUS="${SLURM_CPUS:-$(( $(nproc) > 8 ? $(nproc) : 8 ))}"
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))

log() { echo "slurm-up: $*"; }

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_packages() {
    local pkgs=(slurmctld slurmd slurm-client munge)
    [[ "$WITH_DBD" == 1 ]] && pkgs+=(slurmdbd mariadb-server)
    local missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if (( ${#missing[@]} )); then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        mkdir -p /var/tmp/kdgat
        # One apt at a time across the set-up scripts (test.sh runs them side by side).
        flock /var/tmp/kdgat/apt.lock bash -c \
            'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null' \
            apt "${missing[@]}"
    fi
}

write_configs() {
    mkdir -p "$DIR"/{etc,state,spool,run,log,munge,mysql}
    chmod 755 "$DIR" "$DIR/munge"
    [[ -f "$DIR/munge/munge.key" ]] || mungekey -c -k "$DIR/munge/munge.key"
    chmod 600 "$DIR/munge/munge.key"
    local sock="$DIR/munge/munge.socket"
    local acct="AccountingStorageType=accounting_storage/none"
    if [[ "$WITH_DBD" == 1 ]]; then
        acct="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=6819
AccountingStoragePass=$sock"
    fi
    cat > "$DIR/etc/slurm.conf" <<CONF
ClusterName=localcluster
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
MpiDefault=none
SlurmdParameters=config_overrides
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
KillWait=5
$acct
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu   Nodes=$NODE Default=NO  MaxTime=INFINITE State=UP
CONF
    if [[ "$WITH_DBD" == 1 ]]; then
        cat > "$DIR/etc/slurmdbd.conf" <<CONF
AuthType=auth/munge
AuthInfo=socket=$sock
DbdAddr=127.0.0.1
DbdHost=localhost
DbdPort=6819
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3307
StorageUser=slurm
StoragePass=kdgat-local
StorageLoc=slurm_acct_db
PidFile=$DIR/run/slurmdbd.pid
LogFile=$DIR/log/slurmdbd.log
CONF
        chmod 600 "$DIR/etc/slurmdbd.conf"
    fi
}

start_munge() {
    alive "$DIR/run/munged.pid" && return
    log "starting munged"
    munged --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
        --pid-file="$DIR/run/munged.pid" --log-file="$DIR/log/munged.log" \
        --seed-file="$DIR/munge/munged.seed" --force
}

start_mariadb() {
    local data="$DIR/mysql/data" sock="$DIR/mysql/mysqld.sock"
    if ! alive "$DIR/run/mariadbd.pid"; then
        if [[ ! -d "$data/mysql" ]]; then
            log "initialising MariaDB"
            mariadb-install-db --no-defaults --user=root --auth-root-authentication-method=socket \
                --skip-test-db --datadir="$data" >"$DIR/log/mariadb-install.log" 2>&1
        fi
        log "starting MariaDB"
        setsid mariadbd --no-defaults --user=root --datadir="$data" --socket="$sock" --port=3307 \
            --bind-address=127.0.0.1 --skip-name-resolve --innodb-buffer-pool-size=512M \
            --innodb-lock-wait-timeout=900 --pid-file="$DIR/run/mariadbd.pid" \
            >"$DIR/log/mariadb.log" 2>&1 < /dev/null &
        for _ in $(seq 100); do
            mariadb --no-defaults --socket="$sock" -e 'select 1' >/dev/null 2>&1 && break
            sleep 0.2
        done
    fi
    mariadb --no-defaults --socket="$sock" -e "
        CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'kdgat-local';
        CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'kdgat-local';
        CREATE DATABASE IF NOT EXISTS slurm_acct_db;
        GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
        GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
}

start_slurmdbd() {
    alive "$DIR/run/slurmdbd.pid" && return
    log "starting slurmdbd"
    SLURM_CONF="$DIR/etc/slurm.conf" slurmdbd
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/6819) 2>/dev/null && return
        sleep 0.2
    done
    echo "slurm-up: slurmdbd did not open port 6819; see $DIR/log/slurmdbd.log" >&2
    exit 1
}

register_cluster() {
    local out
    out=$(sacctmgr -i show cluster -n -P format=cluster 2>&1 || true)
    grep -qx localcluster <<<"$out" && return
    sacctmgr -i add cluster localcluster >/dev/null
}

start_slurm_daemons() {
    if ! alive "$DIR/run/slurmctld.pid"; then
        log "starting slurmctld"
        slurmctld
    fi
    if ! alive "$DIR/run/slurmd.pid"; then
        log "starting slurmd"
        slurmd
    fi
}

wait_for_idle_node() {
    for _ in $(seq 150); do
        local state
        state=$(sinfo -h -n "$NODE" -o '%t' 2>/dev/null | head -n1 || true)
        case "$state" in
            idle*|mix*|alloc*) log "node $NODE is $state"; return ;;
            down*|drain*) scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true ;;
        esac
        sleep 0.2
    done
    echo "slurm-up: node $NODE did not become idle; see $DIR/log/slurmctld.log and slurmd.log" >&2
    exit 1
}

install_packages
write_configs
export SLURM_CONF="$DIR/etc/slurm.conf"
start_munge
if [[ "$WITH_DBD" == 1 ]]; then
    start_mariadb
    start_slurmdbd
    register_cluster
fi
start_slurm_daemons
wait_for_idle_node
echo "export SLURM_CONF=$SLURM_CONF"
