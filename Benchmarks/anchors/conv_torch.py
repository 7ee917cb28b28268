"""Anchor for `sanitize-bench kernels`: PyTorch CPU (2 threads) on EfficientNet-Lite0's conv shapes.

Times, for every distinct convolution of EfficientNet-Lite0 at 224x224, batch 1, NCHW as PyTorch
runs it: the forward pass (conv + bias + ReLU6, like our fused epilogue) and the input gradient
(torch.nn.grad.conv2d_input, what FGSM needs). TF-SAME padding is applied with F.pad as the
model does. Names match ConvLayer.efficientNetLite0 in Benchmarks/Sources/SanitizeBench/BenchKernels.swift.

    $SANITIZE_BENCH_PYTHON Benchmarks/anchors/conv_torch.py [out/anchors/conv_torch.json]

Writes {"forward": {name: median_ms}, "input_grad": {...}, "forward_best": {name: best_ms},
"input_grad_best": {...}} as JSON.
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F


def same_pad(size, kernel, stride):
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def layers():
    """(name, size, cin, cout, kernel, stride, depthwise) for each distinct layer."""
    out = [("stem 3×3 s2 3→32 @224", 224, 3, 32, 3, 2, False)]

    def pw(size, cin, cout):
        out.append((f"1×1 {cin}→{cout} @{size}", size, cin, cout, 1, 1, False))

    def dw(size, ch, k, s):
        out.append((f"dw{k} s{s} {ch} @{size}", size, ch, ch, k, s, True))

    dw(112, 32, 3, 1); pw(112, 32, 16); pw(112, 16, 96); dw(112, 96, 3, 2); pw(56, 96, 24)
    pw(56, 24, 144); dw(56, 144, 3, 1); pw(56, 144, 24); dw(56, 144, 5, 2); pw(28, 144, 40)
    pw(28, 40, 240); dw(28, 240, 5, 1); pw(28, 240, 40); dw(28, 240, 3, 2); pw(14, 240, 80)
    pw(14, 80, 480); dw(14, 480, 3, 1); pw(14, 480, 80); dw(14, 480, 5, 1); pw(14, 480, 112)
    pw(14, 112, 672); dw(14, 672, 5, 1); pw(14, 672, 112); dw(14, 672, 5, 2); pw(7, 672, 192)
    pw(7, 192, 1152); dw(7, 1152, 5, 1); pw(7, 1152, 192); dw(7, 1152, 3, 1); pw(7, 1152, 320)
    pw(7, 320, 1280)
    return out


def timings_ms(fn, repeats):
    """(median, fastest) wall time in ms over `repeats` runs after warm-up."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[len(times) // 2], times[0]


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "out/anchors/conv_torch.json"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    torch.set_num_threads(2)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, NCHW, float32")
    result = {"forward": {}, "input_grad": {}, "forward_best": {}, "input_grad_best": {}, "torch": torch.__version__}
    with torch.no_grad():
        for name, size, cin, cout, k, s, depthwise in layers():
            groups = cin if depthwise else 1
            x = torch.randn(1, cin, size, size)
            w = torch.randn(cout, cin // groups, k, k)
            b = torch.randn(cout)
            before, after = same_pad(size, k, s)
            pad = (before, after, before, after)

            def forward():
                return F.relu6(F.conv2d(F.pad(x, pad), w, b, stride=s, groups=groups))

            y = forward()
            padded_shape = (1, cin, size + before + after, size + before + after)
            g = torch.randn_like(y)

            def input_grad():
                gx = torch.nn.grad.conv2d_input(padded_shape, w, g, stride=s, groups=groups)
                return gx[:, :, before:before + size, before:before + size]

            fwd, fwd_best = timings_ms(forward, repeats)
            bwd, bwd_best = timings_ms(input_grad, repeats)
            result["forward"][name], result["forward_best"][name] = fwd, fwd_best
            result["input_grad"][name], result["input_grad_best"][name] = bwd, bwd_best
            print(f"{name:26s} forward {fwd:8.3f} ms (best {fwd_best:7.3f})   "
                  f"input grad {bwd:8.3f} ms (best {bwd_best:7.3f})")
    os.makedirs(os.path.dirname(out_path) or ".", exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
