#!/usr/bin/env bash
# Records real sbatch/squeue/sacct/scontrol output from the local cluster (scripts/slurm-up.sh) into
# cluster/tests/fixtures/, for the parsers' tests. Submits a handful of jobs in known end states,
# including a 1-minute time limit, so it takes about two minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SLURM_CONF:?run scripts/slurm-up.sh and export SLURM_CONF}"
out=cluster/tests/fixtures
work=$(mktemp -d)
cd "$work"
fmt_squeue='%i|%T|%r|%N|%j'
fmt_sacct='JobIDRaw,JobName,State,ExitCode,Reason,NodeList,ElapsedRaw,AllocCPUS,AllocTRES'

ok=$(sbatch --parsable -J fx-ok --wrap 'true')
fail=$(sbatch --parsable -J fx-fail --wrap 'exit 3')
cancel=$(sbatch --parsable -J fx-cancel --wrap 'sleep 300')
timeout=$(sbatch --parsable -J fx-timeout -t 1 --wrap 'sleep 300')
later=$(sbatch --parsable -J fx-later --begin=now+1hour --wrap 'true')
toobig=$(sbatch --parsable -J fx-toobig -c 64 --wrap 'true')
never=$(sbatch --parsable -J fx-never --dependency=afterok:"$fail" --wrap 'true')
echo "$ok" > "$OLDPWD/$out/sbatch_parsable.txt"
sleep 3
scancel "$cancel"
sleep 2
ids="$ok,$fail,$cancel,$timeout,$later,$toobig,$never"
squeue -h -t all --me -o "$fmt_squeue" > "$OLDPWD/$out/squeue_mixed.txt"
scontrol -o show job "$fail" > "$OLDPWD/$out/scontrol_failed.txt"
scontrol -o show job "$later" > "$OLDPWD/$out/scontrol_pending.txt"
# The 1-minute limit is enforced at the controller's next time-limit check: wait for it.
for _ in $(seq 180); do
    squeue -h -t all --me -j "$timeout" -o '%T' | grep -q TIMEOUT && break
    sleep 1
done
squeue -h -t all --me -o "$fmt_squeue" > "$OLDPWD/$out/squeue_after_timeout.txt"
sacct -X -P -n -j "$ids" --format="$fmt_sacct" > "$OLDPWD/$out/sacct_mixed.txt"
scancel "$later" "$toobig" "$never"
cd "$OLDPWD"
rm -rf "$work"
echo "fixtures written to $out"
