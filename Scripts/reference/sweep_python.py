#!/usr/bin/env python3
"""The evaluate sweep in the Python stack, as an independent pipeline and a speed anchor.

Usage: $SANITIZE_BENCH_PYTHON Scripts/reference/sweep_python.py IMAGE_DIR OUT.csv
           [--eps 0,1,2,4,8,16] [--codec jpeg:10,25,50,75,90 ...] [--threads 2]

The same experiment as `sanitize evaluate`, written independently with PyTorch (the plain-PyTorch
EfficientNet-Lite0 of efficientnet_reference.py, float32), Pillow (model view, JPEG, WebP,
JPEG 2000) and pytorch_msssim. It writes the same CSV columns (docs/protocol.md §6) and prints the
median time per row, for the README's benchmark table. It is an anchor, not part of sanitize.
"""

import argparse
import io
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from pytorch_msssim import ms_ssim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from efficientnet_reference import efficientnet_lite0, load_state_dict  # noqa: E402

HEADER = "image,label,eps,codec,quality,bytes,bpp,pred,confidence,correct,signed_confidence,msssim,psnr"


def model_view(im):
    """docs/protocol.md §1 with Pillow: shorter side to 256 (BILINEAR, antialiased), centre crop 224."""
    im = im.convert("RGB")
    if im.size == (224, 224):
        return im
    w, h = im.size
    if w <= h:
        size = (256, int(256 * h / w))
    else:
        size = (int(256 * w / h), 256)
    im = im.resize(size, Image.BILINEAR)
    w, h = im.size
    left, top = int(round((w - 224) / 2.0)), int(round((h - 224) / 2.0))
    return im.crop((left, top, left + 224, top + 224))


def round_trip(im, codec, q):
    """Returns (decoded RGB image, encoded bytes) with the docs/protocol.md §4 settings in Pillow.

    JPEG 2000 needs mct=1: opj_compress applies the RGB→YCbCr component transform to 3-component
    images by default, Pillow does not unless asked.
    """
    if codec == "none":
        return im, 3 * im.width * im.height
    buf = io.BytesIO()
    if codec == "jpeg":
        im.save(buf, "JPEG", quality=q)
    elif codec == "webp":
        im.save(buf, "WEBP", quality=q)
    elif codec == "jpeg2000":
        im.save(buf, "JPEG2000", quality_mode="rates", quality_layers=[q], irreversible=True, mct=1, no_jp2=True)
    else:
        raise ValueError(codec)
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as out:
        return out.convert("RGB"), len(data)


def fmt(x):
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return "%.6g" % x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("images")
    ap.add_argument("output")
    ap.add_argument("--eps", default="0,1,2,4,8,16")
    ap.add_argument("--codec", action="append", default=[])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--float64", action="store_true",
                    help="run the model in float64: the precision floor against which float32 pipelines differ")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    eps_list = [int(e) for e in args.eps.split(",")]
    settings = [("none", 0)]
    for c in args.codec or ["jpeg:10,25,50,75,90", "webp:10,25,50,75,90", "jpeg2000:100,50,20,10"]:
        name, qs = c.split(":")
        settings += [(name, int(q)) for q in qs.split(",")]

    dtype = torch.float64 if args.float64 else torch.float32
    sd = load_state_dict(dtype)
    names = sorted(n for n in os.listdir(args.images) if not n.startswith("."))
    rows, times = [], []
    for name in names:
        t0 = time.perf_counter()
        with Image.open(os.path.join(args.images, name)) as im:
            x0 = model_view(im)
        a0 = np.asarray(x0, dtype=np.uint8)
        x = torch.from_numpy(a0.copy()).permute(2, 0, 1)[None].to(dtype).requires_grad_(True)
        logits = efficientnet_lite0(x, sd)
        label = int(logits.argmax(dim=1))
        F.cross_entropy(logits, torch.tensor([label])).backward()
        sign = torch.sign(x.grad[0]).permute(1, 2, 0).numpy()
        ref = torch.from_numpy(a0).permute(2, 0, 1)[None].float()
        image_rows = []
        for eps in eps_list:
            adv = np.clip(a0.astype(np.float32) + eps * sign, 0, 255).astype(np.uint8)
            adv_im = Image.fromarray(adv)
            seen, sizes = [], []
            for codec, q in settings:
                out, n = round_trip(adv_im, codec, q)
                seen.append(np.asarray(out, dtype=np.uint8))
                sizes.append(n)
            batch = torch.from_numpy(np.stack(seen)).permute(0, 3, 1, 2).float()
            with torch.no_grad():
                probs = torch.softmax(efficientnet_lite0(batch.to(dtype), sd), dim=1)
            ssims = ms_ssim(batch, ref.expand_as(batch), data_range=255, size_average=False)
            for k, (codec, q) in enumerate(settings):
                p, pred = probs[k].max(dim=0)
                mse = float(((batch[k] - ref[0]) ** 2).mean())
                psnr = math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)
                correct = int(pred) == label
                image_rows.append([name, label, eps, codec, q, sizes[k], fmt(8 * sizes[k] / (224 * 224)),
                                   int(pred), fmt(float(p)), int(correct), fmt(float(p) if correct else -float(p)),
                                   fmt(float(ssims[k])), fmt(psnr)])
        dt = time.perf_counter() - t0
        times.append(dt / len(image_rows))
        rows += image_rows
        print(f"{name}: {dt:.2f} s, {1000 * dt / len(image_rows):.1f} ms/row", file=sys.stderr)
    with open(args.output, "w") as f:
        f.write(HEADER + "\n")
        for r in rows:
            f.write(",".join(str(v) for v in r) + "\n")
    print(f"python stack: median {1000 * float(np.median(times)):.1f} ms per row over {len(names)} images "
          f"({len(rows)} rows, {args.threads} threads)")


if __name__ == "__main__":
    main()
