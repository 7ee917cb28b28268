#!/usr/bin/env python3
"""Speed anchor for `sanitize-bench metrics`: pytorch_msssim 1.0 `ms_ssim(data_range=255)`.

    $SANITIZE_BENCH_PYTHON Benchmarks/anchors/msssim_pytorch.py [--runs 200] [--threads 2] [--sizes 224,512] [--image PATH]

Two threads by default (torch.set_num_threads(2), the issue's setting), float32 NCHW tensors (1x3xHxW, 0..255) already in memory,
so only the metric is timed: the same work `ImageQuality.msssim` does from two RGB images, minus
its uint8-to-float conversion. Pairs are a photo (--image, default Fixtures/images/chelsea.png, resized to the size) and a ±4
sign-noise copy.
Prints one line per size: size, median ms, min ms, runs.
"""
import argparse
import os
import statistics
import time

import numpy as np
import torch
from PIL import Image
from pytorch_msssim import ms_ssim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pair(path, size):
    img = Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR)
    a = np.asarray(img).astype(np.int32)
    b = np.clip(a + 4 * np.random.default_rng(0).choice([-1, 1], a.shape), 0, 255)
    t = lambda x: torch.from_numpy(x.astype(np.float32)).permute(2, 0, 1).unsqueeze(0).contiguous()
    return t(a), t(b)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sizes", default="224,512")
    parser.add_argument("--image", default=os.path.join(ROOT, "Fixtures", "images", "chelsea.png"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# pytorch_msssim ms_ssim, torch {torch.__version__}, {torch.get_num_threads()} threads")
    with torch.no_grad():
        for size in (int(s) for s in args.sizes.split(",")):
            x, y = pair(args.image, size)
            for _ in range(10):
                ms_ssim(x, y, data_range=255)
            times = []
            runs = args.runs if size == 224 else max(20, args.runs // 4)
            for _ in range(runs):
                t0 = time.perf_counter()
                ms_ssim(x, y, data_range=255)
                times.append((time.perf_counter() - t0) * 1e3)
            print(f"{size}x{size} median_ms {statistics.median(times):.3f} min_ms {min(times):.3f} runs {runs}")


if __name__ == "__main__":
    main()
