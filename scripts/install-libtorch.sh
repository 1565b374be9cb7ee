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

echo "libtorch: installing torch 2.11.0 into $LIBTORCH_DEST"
tmp="$LIBTORCH_DEST.partial.$$"
rm -rf "$tmp"
mkdir -p "$(dirname "$LIBTORCH_DEST")"
python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$tmp" \
    torch==2.11.0 nvidia-cuda-runtime==13.0.96 nvidia-cuda-cupti==13.0.85

missing=$(ldd "$tmp/torch/lib/libtorch_cpu.so" | grep "not found" || true)
if [[ -n "$missing" ]]; then
    echo "libtorch: unresolved libraries in libtorch_cpu.so:" >&2
    echo "$missing" >&2
    rm -rf "$tmp"
    exit 1
fi

rm -rf "$LIBTORCH_DEST"
mv "$tmp" "$LIBTORCH_DEST"
touch "$MARKER"
echo "libtorch: installed at $LIBTORCH_DEST"
