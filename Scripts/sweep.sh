#!/usr/bin/env bash
# The paper's sweep over a folder of images:
#   eps 0, 1, 2, 4, 8, 16 and the 2-, 4- and 6-LSB budgets (3, 15, 63 levels);
#   jpeg 10-90, webp 10-90 (steps of 10), jpeg2000 100:1, 50:1, 20:1, 10:1, and the 'none' baseline.
# With --adaptive, the README's adaptive sweep instead:
#   eps 0, 1, 2, 4, 8, 16, 255; jpeg 10, 25, 50, 75, 90, webp 10, 50, 90, jpeg2000 100:1, 20:1, 10:1;
#   FGSM and PGD-20 under the oblivious, bpda, eot and bpda-diffjpeg threats, and the worst of them,
#   printed as one accuracy table per codec setting.
#
# Usage: Scripts/sweep.sh [--adaptive] IMAGE_DIR [OUT_DIR] [evaluate options...]
# Writes OUT_DIR/results.csv and OUT_DIR/summary.csv (default OUT_DIR: out/sweep, or out/adaptive).
# Re-running continues an interrupted sweep (--resume). Plot with: python3 Scripts/plot.py OUT_DIR/summary.csv
set -euo pipefail
adaptive=0
if [ "${1:-}" = --adaptive ]; then adaptive=1; shift; fi
if [ $# -lt 1 ]; then
    echo "usage: Scripts/sweep.sh [--adaptive] IMAGE_DIR [OUT_DIR] [evaluate options...]" >&2
    exit 64
fi
images=$1
if [ $adaptive = 1 ]; then out=${2:-out/adaptive}; else out=${2:-out/sweep}; fi
shift $(( $# >= 2 ? 2 : 1 ))
root="$(cd "$(dirname "$0")/.." && pwd)"
bin=${SANITIZE:-$root/.build/release/sanitize}
[ -x "$bin" ] || { echo "error: $bin not found; run Scripts/setup.sh first" >&2; exit 1; }
mkdir -p "$out"
resume=()
[ -f "$out/results.csv" ] && resume=(--resume)
if [ $adaptive = 1 ]; then
    grid=(--eps 0,1,2,4,8,16,255
          --codec jpeg:10,25,50,75,90 --codec webp:10,50,90 --codec jpeg2000:100,20,10
          --attack fgsm,pgd --threat oblivious,bpda,eot,bpda-diffjpeg,worst)
else
    qualities=10,20,30,40,50,60,70,80,90
    grid=(--eps 0,1,2,4,8,16 --eps-bits 2,4,6
          --codec "jpeg:$qualities" --codec "webp:$qualities" --codec jpeg2000:100,50,20,10)
fi
"$bin" evaluate "$images" "${grid[@]}" \
    --output "$out/results.csv" --summary "$out/summary.csv" "${resume[@]}" "$@"
