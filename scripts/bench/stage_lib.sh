# Shared by the training benchmarks (sourced): `run_stage NAME STAGE PRESET BATCH [TEACHER]` writes
# "$work/NAME.json" (the preset with the batch size, "$EPOCHS" epochs, PATIENCE (default 1000), DEVICE
# (default cpu), PRECISION when set, KD from runs/TEACHER when given) and its spec (`kdgat job spec`), and
# runs `kdgat job exec` into "$work/runs/NAME" on "$work/cache/$DATASET" (default hcrl_sa). Needs $kdgat,
# $work and $EPOCHS; LEGACY=1 runs the stage as the reference did (the spec's "legacy").
run_stage() {
    local name=$1 stage=$2 preset=$3 bs=$4 teacher=${5:-}
    local sets=(--set batch_size="$bs" --set max_epochs="$EPOCHS" --set patience="${PATIENCE:-1000}" --set device="${DEVICE:-cpu}")
    [[ -n ${PRECISION:-} ]] && sets+=(--set precision="$PRECISION")
    if [[ -n $teacher ]]; then
        sets+=(--set use_kd=true --set teacher_path="runs/$teacher/best_model.safetensors")
    else
        sets+=(--set use_kd=false)
    fi
    "$kdgat" config show --preset "$preset" "${sets[@]}" > "$work/$name.json"
    rm -rf "$work/runs/$name"
    local legacy=()
    [[ ${LEGACY:-0} == 1 ]] && legacy=(--legacy)
    "$kdgat" job spec --stage "$stage" --config "$work/$name.json" --run-dir "$work/runs/$name" \
        --cache-dir "$work/cache/${DATASET:-hcrl_sa}" --base-dir "$work" --out "$work/$name.spec.json" "${legacy[@]}" >/dev/null
    "$kdgat" job exec --spec "$work/$name.spec.json"
}
