#!/usr/bin/env bash
# Runs every benchmark of sanitize-bench with its anchor, one after the other, on this machine,
# and keeps the output.
#
# Usage: Benchmarks/bench-all.sh [OUT_DIR]        (default OUT_DIR: out/bench)
# Needs the set-up machine (Scripts/setup.sh) and, for the anchors, the Python of a virtualenv
# outside the repository (Benchmarks/README.md says how to make it), given as
# SANITIZE_BENCH_PYTHON=/path/to/venv/bin/python. Without it the benchmarks run and the anchors
# are skipped. Run it on an idle machine; every figure is a median.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out=${1:-out/bench}
python=${SANITIZE_BENCH_PYTHON:-}
# A plain release build of its own: `swift test -c release -Xswiftc -enable-testing` rebuilds
# .build/release with testing enabled, which makes the kernels measurably slower.
swift build -c release --scratch-path .build-bench --product sanitize-bench >&2
bin=.build-bench/release/sanitize-bench
mkdir -p "$out" out/anchors
run() { local name=$1; shift; echo "== $name: $*" >&2; "$@" 2>&1 | tee "$out/$name.txt"; }

if [ -n "$python" ]; then
    run gemm-numpy env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
        "$python" Benchmarks/anchors/gemm_numpy.py out/anchors/gemm_numpy.json
    run conv-torch "$python" Benchmarks/anchors/conv_torch.py out/anchors/conv_torch.json
else
    echo "SANITIZE_BENCH_PYTHON is not set: the anchors are skipped (see Benchmarks/README.md)" >&2
fi
run codecs "$bin" codecs --python "$python"
run metrics "$bin" metrics --python "$python"
run kernels "$bin" kernels --anchors out/anchors
run model "$bin" model --python "$python"
run sweep "$bin" sweep Fixtures/images --python "$python"
run attack "$bin" attack --python "$python"
run train "$bin" train --python "$python"
echo "outputs in $out/" >&2
