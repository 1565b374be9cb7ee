#!/usr/bin/env bash
# State store benchmark (release mode): transitions per second with a flush each, open + reload and
# SQLite export at 10,000 runs and 100,000 events.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install-libtorch.sh >/dev/null
cargo bench --locked -p kdgat-store --bench store 2>/dev/null
