#!/usr/bin/env bash
# The paper's sweep over a folder of images:
#   eps 0, 1, 2, 4, 8, 16 and the 2-, 4- and 6-LSB budgets (3, 15, 63 levels);
#   jpeg 10-90, webp 10-90 (steps of 10), jpeg2000 100:1, 50:1, 20:1, 10:1, and the 'none' baseline.
#
# Usage: Scripts/sweep.sh IMAGE_DIR [OUT_DIR]
# Writes OUT_DIR/results.csv and OUT_DIR/summary.csv (default OUT_DIR: out/sweep). Re-running
# continues an interrupted sweep (--resume). Plot with: python3 Scripts/plot.py OUT_DIR/summary.csv
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: Scripts/sweep.sh IMAGE_DIR [OUT_DIR]" >&2
    exit 64
fi
images=$1
out=${2:-out/sweep}
root="$(cd "$(dirname "$0")/.." && pwd)"
bin=${SANITIZE:-$root/.build/release/sanitize}
[ -x "$bin" ] || { echo "error: $bin not found; run Scripts/setup.sh first" >&2; exit 1; }
mkdir -p "$out"
resume=()
[ -f "$out/results.csv" ] && resume=(--resume)
qualities=10,20,30,40,50,60,70,80,90
"$bin" evaluate "$images" \
    --eps 0,1,2,4,8,16 --eps-bits 2,4,6 \
    --codec "jpeg:$qualities" --codec "webp:$qualities" --codec jpeg2000:100,50,20,10 \
    --output "$out/results.csv" --summary "$out/summary.csv" "${resume[@]}"
