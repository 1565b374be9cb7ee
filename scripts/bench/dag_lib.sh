# Shared by the orchestration benchmarks (orchestration.sh, slurm_dag.sh): the reference's six
# datasets, and empty captures for them (the trivial stages read no captures, but `kdgat submit`
# checks that each dataset whose graph cache it builds has some).
# shellcheck shell=bash
# shellcheck disable=SC2034 # datasets is used by the scripts that source this file
datasets=(hcrl_ch hcrl_sa set_01 set_02 set_03 set_04)

stub_data() { # data root: one empty capture file per dataset
    for dataset in "${datasets[@]}"; do
        mkdir -p "$1/automotive/$dataset/train_01_attack_free"
        : > "$1/automotive/$dataset/train_01_attack_free/stub.csv"
    done
}
