"""Anchor for `sanitize-bench kernels`: numpy (OpenBLAS) float32 matmul at 256, 512 and 1024.

Run on the same machine and session as the Swift bench, with OpenBLAS on two threads and the
site's OpenBLAS overrides removed for this command only (they slow current OpenBLAS down):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
        $SANITIZE_BENCH_PYTHON Benchmarks/anchors/gemm_numpy.py [out/anchors/gemm_numpy.json]

Times OpenBLAS on its threads and, for the per-core comparison, on one thread (threadpoolctl).
Prints one line per size and writes {"sgemm": {"256": median_ms, ...}, "sgemm_best": {...},
"sgemm_1thread": {...}, "sgemm_1thread_best": {...}, "blas": {...}} as JSON,
which `sanitize-bench kernels --anchors out/anchors` reads.
"""
import json
import os
import sys
import time

import numpy as np

from threadpoolctl import threadpool_info, threadpool_limits


def timings_ms(fn, repeats):
    """(median, fastest) wall time in ms over `repeats` runs after warm-up."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[len(times) // 2], times[0]


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "out/anchors/gemm_numpy.json"
    rng = np.random.default_rng(0)
    blas = threadpool_info()
    info = {k: blas[0].get(k) for k in ("internal_api", "version", "architecture", "num_threads")} if blas else {}
    print(f"numpy {np.__version__}, BLAS {info}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}")
    result = {"sgemm": {}, "sgemm_best": {}, "sgemm_1thread": {}, "sgemm_1thread_best": {},
              "blas": info, "numpy": np.__version__}
    for threads, key in ((None, "sgemm"), (1, "sgemm_1thread")):
        with threadpool_limits(limits=threads):
            for n in (256, 512, 1024):
                a = rng.standard_normal((n, n), dtype=np.float32)
                b = rng.standard_normal((n, n), dtype=np.float32)
                c = np.empty((n, n), dtype=np.float32)
                repeats = {256: 200, 512: 60, 1024: 20}[n]
                ms, best = timings_ms(lambda: np.matmul(a, b, out=c), repeats)
                result[key][str(n)] = ms
                result[key + "_best"][str(n)] = best
                print(f"{key:14s} {n:5d}: median {ms:8.3f} ms  {2 * n**3 / ms / 1e6:7.1f} GFLOP/s   "
                      f"best {best:8.3f} ms  {2 * n**3 / best / 1e6:7.1f} GFLOP/s")
    os.makedirs(os.path.dirname(out_path) or ".", exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
