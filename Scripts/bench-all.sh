#!/usr/bin/env bash
# Runs every benchmark and its anchor, one after the other, on this machine, and keeps the output.
#
# Usage: Scripts/bench-all.sh [OUT_DIR]        (default OUT_DIR: out/bench)
# Needs the set-up machine (Scripts/setup.sh) and, for the anchors, a virtualenv outside the repo
# with torch, pillow, pytorch-msssim, numpy and threadpoolctl: PYTHON=/path/to/venv/bin/python (default
# /work/venv/bin/python). Run it on an idle machine; every figure is a median.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out=${1:-out/bench}
python=${PYTHON:-/work/venv/bin/python}
# A plain release build of its own: `swift test -c release -Xswiftc -enable-testing` rebuilds
# .build/release with testing enabled, which makes the kernels measurably slower.
swift build -c release --scratch-path .build-bench --product sanitize >&2
bin=.build-bench/release/sanitize
mkdir -p "$out" out/anchors
run() { local name=$1; shift; echo "== $name: $*" >&2; "$@" 2>&1 | tee "$out/$name.txt"; }

run codecs-pillow "$python" Scripts/anchors/codecs_pillow.py
run codecs "$bin" bench codecs
run metrics-pytorch "$python" Scripts/anchors/msssim_pytorch.py
run metrics "$bin" bench metrics
run gemm-numpy env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 "$python" Scripts/anchors/gemm_numpy.py out/anchors/gemm_numpy.json
run conv-torch "$python" Scripts/anchors/conv_torch.py out/anchors/conv_torch.json
run kernels "$bin" bench kernels --anchors out/anchors
run model "$bin" bench model --python "$python"
run sweep "$bin" bench sweep Fixtures/images --python "$python"
run train "$bin" bench train --python "$python"
echo "outputs in $out/" >&2
