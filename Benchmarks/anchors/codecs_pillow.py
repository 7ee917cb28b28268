#!/usr/bin/env python3
"""Speed anchor for `sanitize-bench codecs`: Pillow round trips (encode + decode) at 224x224 RGB.

    $SANITIZE_BENCH_PYTHON Benchmarks/anchors/codecs_pillow.py [--runs 200] [--image PATH]

The image is the model view of --image (default Fixtures/images/chelsea.png; shorter side to 256
with BILINEAR, center 224 crop, unless it is 224x224 already), the same pixels
`sanitize-bench codecs` uses. Settings follow docs/protocol.md §4 as Pillow
spells them: JPEG quality=75 (4:2:0, baseline, as cjpeg), WebP quality=75 (lossy, method 4), and
JPEG 2000 as a J2K codestream with quality_mode="rates", quality_layers=[20], irreversible=True.
Each round trip saves to memory and decodes with Image.open(...).load(). Thread pools are limited
to 2 (OMP/OpenBLAS variables, and Pillow's own codecs are single-threaded), like the machine.
Prints one line per codec: name, median ms, min ms, encoded bytes, runs.
"""
import argparse
import io
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import PIL  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def model_view(image):
    w, h = image.size
    if (w, h) == (224, 224):
        return image
    if w <= h:
        size = (256, int(256 * h / w))
    else:
        size = (int(256 * w / h), 256)
    image = image.resize(size, Image.BILINEAR)
    left, top = int(round((size[0] - 224) / 2.0)), int(round((size[1] - 224) / 2.0))
    return image.crop((left, top, left + 224, top + 224))


CODECS = {
    "jpeg:75": dict(format="JPEG", quality=75),
    "webp:75": dict(format="WEBP", quality=75),
    "jpeg2000:20": dict(format="JPEG2000", quality_mode="rates", quality_layers=[20], irreversible=True, no_jp2=True),
}


def round_trip(image, options):
    buffer = io.BytesIO()
    image.save(buffer, **options)
    size = buffer.tell()
    buffer.seek(0)
    decoded = Image.open(buffer)
    decoded.load()
    return size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--image", default=os.path.join(ROOT, "Fixtures", "images", "chelsea.png"))
    args = parser.parse_args()
    image = model_view(Image.open(args.image).convert("RGB"))
    print(f"# Pillow {PIL.__version__} round trips (encode + decode), 224x224 RGB, median of {args.runs} runs")
    for name, options in CODECS.items():
        for _ in range(10):
            size = round_trip(image, options)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            round_trip(image, options)
            times.append((time.perf_counter() - t0) * 1e3)
        print(f"{name} median_ms {statistics.median(times):.3f} min_ms {min(times):.3f} bytes {size} runs {args.runs}")


if __name__ == "__main__":
    main()
