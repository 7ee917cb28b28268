#!/usr/bin/env python3
"""Speed anchor for the PGD benchmark: PGD-20 L-inf `bpda` through JPEG, in PyTorch + Pillow, 2 threads.

Usage: $SANITIZE_BENCH_PYTHON Benchmarks/anchors/pgd_bpda_torch.py [--image PATH] [--runs 5]
           [--steps 20] [--quality 50] [--eps 4] [--seed 0] [--weights PTH]

The same loop as `sanitize`'s PGD under the `bpda` threat (docs/protocol.md §3), on one image:
  - x0 is the model view of --image (default Fixtures/images/chelsea.png): shorter side to 256 with
    Pillow's BILINEAR, centre 224 crop, as Scripts/reference/model_view_pillow.py does it;
  - the label y is the clean top-1 of x0; eps is in 8-bit levels and the step is alpha = eps / 8;
  - start: x = clip(x0 + U(-eps, eps), 0, 255), in float32;
  - each step: round x to uint8, encode it with Pillow as JPEG at --quality (Pillow's default
    4:2:0), decode, run the reference EfficientNet-Lite0 on the decoded 0-255 pixels (its
    (x - 127) / 128 normalisation is inside the model), cross-entropy against y, backward; the
    gradient with respect to the decoded pixels is used as the gradient with respect to x (BPDA:
    identity through the rounding and the codec); x = clip(x + alpha sign(g), x0 - eps, x0 + eps),
    then clip to 0..255.
The model is the plain-PyTorch one of Scripts/reference/efficientnet_reference.py (float32), with
the original .pth weights that Scripts/fetch_weights.sh puts in .cache/weights/.

One run is the random start and the --steps steps; it is timed with the wall clock and with the
process CPU time (all threads, which a busy machine inflates less), after one untimed warm-up run. Run r uses the random start seeded with --seed + r. The image after the last
run, rounded, is then scored through the same JPEG (not timed).

Output: one line per run (`run R: S s (C s CPU)`), a summary line, and as the last line a JSON object:
  {"image", "steps", "quality", "eps", "threads", "runs", "seconds": [wall, per run],
   "median_seconds", "median_ms_per_step", "cpu_seconds": [per run], "median_cpu_seconds",
   "label", "clean_probability", "prediction", "probability", "fooled"}
where label/clean_probability are the clean top-1 of x0 and its softmax probability, and
prediction/probability the top-1 of the final adversarial image after the JPEG round trip.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Scripts", "reference"))
from efficientnet_reference import PTH, efficientnet_lite0, load_state_dict  # noqa: E402
from model_view_pillow import model_view  # noqa: E402

THREADS = 2


def jpeg_round_trip(x, quality):
    """The uint8 HWC image that Pillow's JPEG at `quality` (4:2:0) decodes from the rounded float image x."""
    pixels = np.clip(np.rint(x), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB"), dtype=np.uint8)


def as_batch(pixels):
    """HWC uint8 (or float) pixels as a 1x3xHxW float32 tensor on the 0-255 scale."""
    return torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32)).permute(2, 0, 1).unsqueeze(0)


def pgd_bpda(x0, label, sd, steps, quality, eps, seed):
    """PGD-`steps` L-inf with eps in 8-bit levels through the JPEG, BPDA gradients; returns the float image."""
    alpha = eps / 8.0
    lower, upper = np.maximum(x0 - eps, 0.0), np.minimum(x0 + eps, 255.0)
    rng = np.random.default_rng(seed)
    x = np.clip(x0 + rng.uniform(-eps, eps, size=x0.shape).astype(np.float32), lower, upper)
    target = torch.tensor([label])
    for _ in range(steps):
        seen = as_batch(jpeg_round_trip(x, quality)).requires_grad_(True)
        F.cross_entropy(efficientnet_lite0(seen, sd), target).backward()
        gradient = seen.grad[0].permute(1, 2, 0).numpy()
        x = np.clip(x + alpha * np.sign(gradient), lower, upper).astype(np.float32)
    return x


def top1(pixels, sd):
    """(class, softmax probability) of the model's top-1 on HWC pixels."""
    with torch.no_grad():
        probabilities = torch.softmax(efficientnet_lite0(as_batch(pixels), sd), dim=1)[0]
    p, c = probabilities.max(dim=0)
    return int(c), float(p)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image", default=os.path.join(ROOT, "Fixtures", "images", "chelsea.png"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--quality", type=int, default=50)
    parser.add_argument("--eps", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", default=PTH, help="the original EfficientNet-Lite0 .pth")
    args = parser.parse_args()
    if args.runs < 1 or args.steps < 1:
        parser.error(f"--runs {args.runs} and --steps {args.steps} must both be at least 1")
    if not 1 <= args.quality <= 100:
        parser.error(f"--quality {args.quality} must be in 1...100")
    if not 0 <= args.eps <= 255:
        parser.error(f"--eps {args.eps} must be in 0...255 (8-bit levels)")
    if not os.path.isfile(args.weights):
        parser.error(f"no weights at {args.weights}; run Scripts/fetch_weights.sh (or pass --weights)")

    torch.set_num_threads(THREADS)
    sd = load_state_dict(path=args.weights)
    try:
        with Image.open(args.image) as image:
            x0_pixels = np.asarray(model_view(image.convert("RGB"))[0], dtype=np.uint8)
    except OSError as error:
        print(f"error: {args.image}: cannot read the image ({error}); pass an image Pillow can open", file=sys.stderr)
        return 1
    x0 = x0_pixels.astype(np.float32)
    label, clean_probability = top1(x0_pixels, sd)

    pgd_bpda(x0, label, sd, args.steps, args.quality, args.eps, args.seed)
    seconds, cpu_seconds = [], []
    for run in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        x = pgd_bpda(x0, label, sd, args.steps, args.quality, args.eps, args.seed + run)
        seconds.append(time.perf_counter() - start)
        cpu_seconds.append(time.process_time() - start_cpu)
        print(f"run {run}: {seconds[-1]:.3f} s ({cpu_seconds[-1]:.3f} s CPU)")
    prediction, probability = top1(jpeg_round_trip(x, args.quality), sd)
    median = statistics.median(seconds)
    print(f"PGD-{args.steps} bpda through JPEG {args.quality}, eps {args.eps:g}, {THREADS} threads: "
          f"median {median:.3f} s ({1000 * median / args.steps:.1f} ms per step); "
          f"label {label} ({clean_probability:.4f}) -> {prediction} ({probability:.4f}) after the JPEG")
    print(json.dumps({
        "image": args.image, "steps": args.steps, "quality": args.quality, "eps": args.eps,
        "threads": THREADS, "runs": args.runs, "seconds": [round(s, 6) for s in seconds],
        "median_seconds": round(median, 6), "median_ms_per_step": round(1000 * median / args.steps, 4),
        "cpu_seconds": [round(s, 6) for s in cpu_seconds], "median_cpu_seconds": round(statistics.median(cpu_seconds), 6),
        "label": label, "clean_probability": round(clean_probability, 6),
        "prediction": prediction, "probability": round(probability, 6), "fooled": prediction != label,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
