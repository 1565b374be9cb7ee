# Shared by the orchestration benchmarks (orchestration.sh and the SLURM ones): the reference's six
# datasets, empty captures for them (the trivial stages read no captures, but `kdgat submit` checks
# that each dataset whose graph cache it builds has some), and the SLURM cluster config they run
# with.
# shellcheck shell=bash
# shellcheck disable=SC2034 # datasets is used by the scripts that source this file
datasets=(hcrl_ch hcrl_sa set_01 set_02 set_03 set_04)

stub_data() { # data root: one empty capture file per dataset
    for dataset in "${datasets[@]}"; do
        mkdir -p "$1/automotive/$dataset/train_01_attack_free"
        : > "$1/automotive/$dataset/train_01_attack_free/stub.csv"
    done
}

slurm_config() { # file, job_command (a TOML array), minutes, MB of memory, [lines for [slurm]]
    local resources="time_minutes = $3
mem_mb = $4
cpus = 1
gpus = 0"
    cat > "$1" <<TOML
scheduler = "slurm"
job_command = $2
[slurm]
partition = "debug"
${5:-}
[resources.train]
$resources
[resources.evaluation]
$resources
[resources.data]
$resources
TOML
}
