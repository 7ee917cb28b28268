#!/usr/bin/env python3
"""Speed anchor for `sanitize-bench model`: the reference EfficientNet-Lite0 in PyTorch, 2 threads.

Usage: $SANITIZE_BENCH_PYTHON Benchmarks/anchors/efficientnet_torch.py [--runs N] [--json]

Times, as medians of N runs after warm-up, in float32 on the CPU with torch.set_num_threads(2):
  forward batch 1 (ms per image), forward batch 8 (ms per image), and forward plus the input
gradient of the cross-entropy at batch 1 (ms per image). The model is the plain-PyTorch one of
Scripts/reference/efficientnet_reference.py (F.conv2d with TF-SAME F.pad, BatchNorm unfused), run
under torch.no_grad() for the forward passes. With --json the last line is a JSON object with the
keys forward_b1_ms, forward_b8_ms_per_image, forward_grad_b1_ms, and the same with a _cpu suffix:
the process CPU time per image (all threads), which a busy machine inflates less than wall time.
"""

import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Scripts", "reference"))
from efficientnet_reference import efficientnet_lite0, load_state_dict  # noqa: E402


def median_ms(fn, runs, per):
    """Median wall and process-CPU milliseconds per image over `runs` runs after two warm-ups."""
    fn()
    fn()
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000 / per)
        cpu.append((time.process_time() - start_cpu) * 1000 / per)
    return statistics.median(times), statistics.median(cpu)


def main(argv):
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 20
    torch.set_num_threads(2)
    sd = load_state_dict()
    gen = torch.Generator().manual_seed(0)
    x1 = torch.randint(0, 256, (1, 3, 224, 224), generator=gen).float()
    x8 = torch.randint(0, 256, (8, 3, 224, 224), generator=gen).float()

    def forward(x):
        with torch.no_grad():
            efficientnet_lite0(x, sd)

    def forward_grad():
        x = x1.clone().requires_grad_(True)
        logits = efficientnet_lite0(x, sd)
        F.cross_entropy(logits, logits.argmax(dim=1)).backward()

    result = {}
    for key, fn, n, per in [("forward_b1_ms", lambda: forward(x1), runs, 1),
                            ("forward_b8_ms_per_image", lambda: forward(x8), max(runs // 4, 5), 8),
                            ("forward_grad_b1_ms", forward_grad, runs, 1)]:
        result[key], result[key + "_cpu"] = median_ms(fn, n, per)
    for key, value in result.items():
        print(f"{key}: {value:.2f}")
    if "--json" in argv:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
