#!/usr/bin/env bash
# Install the CPU-usable libtorch that tch =0.24.0 needs (PyTorch 2.11.0) at a fixed path.
#
# Idempotent: a marker file records a finished install, so a re-run is a no-op, and the path never
# changes (a changed LIBTORCH rebuilds torch-sys's C++). PyPI's torch wheel is the CUDA build; these
# three packages are enough to build and run on CPU (see ../shared/INFRA.md).
set -euo pipefail

LIBTORCH_DEST="${KDGAT_LIBTORCH_DEST:-/opt/libtorch-2.11.0}"
MARKER="$LIBTORCH_DEST/.kdgat-installed"

if [[ -f "$MARKER" ]]; then
    echo "libtorch: present at $LIBTORCH_DEST"
    exit 0
fi

# A failure says its cause and its fix in kdgat's two lines (`error: …`, `  fix: …`).
fail() {
    echo "error: libtorch 2.11.0 could not be installed into $LIBTORCH_DEST: $1" >&2
    echo "  fix: $2" >&2
    exit 1
}

if ! python3 -m pip --version >/dev/null 2>&1; then
    fail "python3 with pip is not available" "apt-get install python3-pip, then run $0 again"
fi
echo "libtorch: installing torch 2.11.0 into $LIBTORCH_DEST"
tmp="$LIBTORCH_DEST.partial.$$"
rm -rf "$tmp"
mkdir -p "$(dirname "$LIBTORCH_DEST")" ||
    fail "cannot create $(dirname "$LIBTORCH_DEST")" \
        "run as root, or set KDGAT_LIBTORCH_DEST to a writable folder (and LIBTORCH to its torch/)"
if ! python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$tmp" \
    torch==2.11.0 nvidia-cuda-runtime==13.0.96 nvidia-cuda-cupti==13.0.85; then
    rm -rf "$tmp"
    fail "pip could not download torch==2.11.0 (its message is above)" \
        "let pip reach PyPI (or PIP_INDEX_URL a mirror that has torch 2.11.0) and run $0 again"
fi

missing=$(ldd "$tmp/torch/lib/libtorch_cpu.so" | grep "not found" || true)
if [[ -n "$missing" ]]; then
    echo "$missing" >&2
    rm -rf "$tmp"
    fail "libtorch_cpu.so needs libraries this machine lacks (listed above)" \
        "install the packages that provide them (apt-file search NAME), then run $0 again"
fi

rm -rf "$LIBTORCH_DEST"
mv "$tmp" "$LIBTORCH_DEST"
touch "$MARKER"
echo "libtorch: installed at $LIBTORCH_DEST"
