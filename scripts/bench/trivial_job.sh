#!/usr/bin/env bash
# A trivial stage for the orchestration benchmarks and tests, run as a batch job's command in place
# of kdgat: `trivial_job.sh job exec --spec FILE` writes the run directory's events as a stage would
# (`started`, one `epoch`, `finished`) around TRIVIAL_SECONDS (default 1) of sleep, the
# environment it was given to job-env.txt, and a line to each of stdout and stderr.
set -euo pipefail
spec=${4:?usage: trivial_job.sh job exec --spec FILE}
run_dir=$(jq -r .run_dir "$spec")
mkdir -p "$run_dir"
env > "$run_dir/job-env.txt"
now() { date +%s%3N; }
printf '{"kind":"started","time_ms":%s,"stage":"trivial"}\n' "$(now)" >> "$run_dir/events.jsonl"
sleep "${TRIVIAL_SECONDS:-1}"
printf '{"kind":"epoch","time_ms":%s,"step":0,"metrics":{"val_loss":0.5}}\n' "$(now)" >> "$run_dir/events.jsonl"
printf '{"kind":"finished","time_ms":%s}\n' "$(now)" >> "$run_dir/events.jsonl"
echo "trivial stage done: $run_dir"
echo "nothing went wrong: $run_dir" >&2
