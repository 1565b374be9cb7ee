#!/usr/bin/env bash
# Install Debian's headless-capable Chromium (the MLflow UI test opens the UI in it), if missing.
# Idempotent. apt work is serialised with the other set-up scripts through one lock file. Prints the
# browser to use.
set -euo pipefail

if ! command -v chromium >/dev/null; then
    echo "install-chromium: installing chromium"
    mkdir -p /var/tmp/kdgat
    export DEBIAN_FRONTEND=noninteractive
    flock /var/tmp/kdgat/apt.lock bash -c \
        'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null'
fi
echo "export KDGAT_CHROMIUM=$(command -v chromium)"
