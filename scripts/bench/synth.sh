#!/usr/bin/env bash
# Synthetic CAN traffic generation speed (release build): `kdgat synth` at the default size and at
# SCALE times it (default 20, about 10 M messages), RUNS times each (default 3) into a fresh
# directory. Timed from outside, the whole process: vehicles and episodes drawn, every capture
# generated (in parallel), formatted and written with fsync, synth.json written. Prints JSON:
# messages, bytes, wall seconds per run and their median, messages and MiB per second.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${RUNS:-3}"
SCALE="${SCALE:-20}"
bash scripts/install-libtorch.sh >/dev/null
cargo build --locked --release --quiet
kdgat=${CARGO_TARGET_DIR:-target}/release/kdgat
work=$(mktemp -d /var/tmp/kdgat-synth-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$kdgat" "$work" "$RUNS" "$SCALE" <<'PY'
import json, os, shutil, statistics, subprocess, sys, time

kdgat, work, runs, scale = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
result = {"bench": "synth", "cpus": os.cpu_count()}
for label, factor in (("default", "1"), (f"scale_{scale}", scale)):
    walls, report = [], None
    for r in range(runs):
        out = f"{work}/{label}-{r}"
        started = time.perf_counter()
        done = subprocess.run([kdgat, "synth", "--out", out, "--scale", factor, "--json"],
                              check=True, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        report = json.loads(done.stdout)
        shutil.rmtree(out)
    median = statistics.median(walls)
    result[label] = {
        "messages": report["messages"],
        "attack_messages": report["attack_messages"],
        "bytes": report["bytes"],
        "files": report["files"],
        "wall_s": [round(w, 3) for w in walls],
        "median_s": round(median, 3),
        "messages_per_s": round(report["messages"] / median),
        "mib_per_s": round(report["bytes"] / median / 2**20, 1),
    }
print(json.dumps(result, indent=2))
PY
