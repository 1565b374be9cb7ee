#!/usr/bin/env bash
# A trivial stage for the orchestration benchmarks and tests, run as a batch job's command in place
# of kdgat: `trivial_job.sh job exec --spec FILE` writes the run directory's events as a stage would
# (`started`, TRIVIAL_EPOCHS epochs (default 1), `finished`) over TRIVIAL_SECONDS (default 1) of
# sleep, the config of a model stage to config.json, the environment it was given to job-env.txt,
# and a line to each of stdout and stderr.
# TRIVIAL_FAIL=transient or fatal ends it with a `failed` event (transient or not) and exit 1.
set -euo pipefail
spec=${4:?usage: trivial_job.sh job exec --spec FILE}
run_dir=$(jq -r .run_dir "$spec")
epochs=${TRIVIAL_EPOCHS:-1}
mkdir -p "$run_dir"
env > "$run_dir/job-env.txt"
# A model stage's run directory holds the config it ran with.
config=$(jq -r '.config // empty' "$spec")
if [[ -n $config ]]; then cp "$config" "$run_dir/config.json"; fi
now() { date +%s%3N; }
printf '{"kind":"started","time_ms":%s,"stage":"trivial"}\n' "$(now)" >> "$run_dir/events.jsonl"
pause=$(awk -v t="${TRIVIAL_SECONDS:-1}" -v n="$epochs" 'BEGIN { print t / n }')
for ((step = 0; step < epochs; step++)); do
    sleep "$pause"
    printf '{"kind":"epoch","time_ms":%s,"step":%s,"metrics":{"val_loss":%s}}\n' \
        "$(now)" "$step" "$(awk -v s="$step" 'BEGIN { print 1 / (s + 2) }')" >> "$run_dir/events.jsonl"
done
case ${TRIVIAL_FAIL:-} in
    transient | fatal)
        transient=$([[ $TRIVIAL_FAIL == transient ]] && echo true || echo false)
        printf '{"kind":"failed","time_ms":%s,"error":"trivial %s failure","transient":%s}\n' \
            "$(now)" "$TRIVIAL_FAIL" "$transient" >> "$run_dir/events.jsonl"
        echo "trivial stage failed: $run_dir" >&2
        exit 1
        ;;
esac
printf '{"kind":"finished","time_ms":%s}\n' "$(now)" >> "$run_dir/events.jsonl"
echo "trivial stage done: $run_dir"
echo "nothing went wrong: $run_dir" >&2
