#!/usr/bin/env python3
"""Reference values for the Metrics module: pytorch_msssim 1.0 MS-SSIM and SSIM, numpy PSNR.

Run once, in a virtual environment outside the package (torch, pillow, numpy, pytorch-msssim):

    $SANITIZE_BENCH_PYTHON Scripts/reference/msssim_reference.py

It reads CC0 photos from scikit-image's data folder (Debian `python3-skimage`), makes clean
images of several sizes (224x224 model views and non-square, odd-sized crops), distorts each
(JPEG at several qualities through Pillow/libjpeg-turbo, Gaussian noise, FGSM-like +-4 sign noise,
Gaussian blur, and a colour inversion that drives the contrast-structure term below zero),
and writes into Fixtures/reference/msssim/:

- every clean and distorted image as an 8-bit RGB PNG (lossless, so tests see the same pixels);
- values.csv: one row per pair with pytorch_msssim's float32 `ms_ssim(data_range=255)` and
  `ssim(data_range=255)` (the protocol's reference), the same two computed in float64 (to show
  how far float32 rounding alone moves the reference), and PSNR in dB (numpy, float64, peak 255).

Values are computed from the PNGs read back from disk, so the inputs and the numbers match.
"""
import csv
import io
import os
import sys

import numpy as np
import torch
from PIL import Image, ImageFilter
import pytorch_msssim

DATA = "/usr/lib/python3/dist-packages/skimage/data"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Fixtures", "reference", "msssim")


def model_view(img):
    """docs/protocol.md §1: shorter side to 256 (PIL bilinear, antialiased), centre crop 224."""
    w, h = img.size
    scale = 256 / min(w, h)
    nw, nh = max(256, round(w * scale)), max(256, round(h * scale))
    img = img.resize((nw, nh), Image.BILINEAR)
    left, top = int(round((nw - 224) / 2.0)), int(round((nh - 224) / 2.0))
    return img.crop((left, top, left + 224, top + 224))


def centre_crop(img, w, h):
    W, H = img.size
    left, top = (W - w) // 2, (H - h) // 2
    return img.crop((left, top, left + w, top + h))


def jpeg(img, quality):
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def gaussian_noise(img, sigma, seed):
    rng = np.random.default_rng(seed)
    a = np.asarray(img).astype(np.float64)
    a = np.clip(np.round(a + rng.normal(0.0, sigma, a.shape)), 0, 255)
    return Image.fromarray(a.astype(np.uint8))


def sign_noise(img, eps, seed):
    """FGSM-like: every sample moves by exactly +-eps (a random sign), then is clipped."""
    rng = np.random.default_rng(seed)
    a = np.asarray(img).astype(np.int32)
    a = np.clip(a + eps * rng.choice([-1, 1], a.shape), 0, 255)
    return Image.fromarray(a.astype(np.uint8))


def blur(img, radius):
    return img.filter(ImageFilter.GaussianBlur(radius))


def invert(img):
    return Image.fromarray(255 - np.asarray(img))


DISTORTIONS = {
    "jpeg10": lambda im, s: jpeg(im, 10),
    "jpeg25": lambda im, s: jpeg(im, 25),
    "jpeg50": lambda im, s: jpeg(im, 50),
    "jpeg90": lambda im, s: jpeg(im, 90),
    "noise8": lambda im, s: gaussian_noise(im, 8.0, s),
    "noise24": lambda im, s: gaussian_noise(im, 24.0, s),
    "fgsm4": lambda im, s: sign_noise(im, 4, s),
    "blur1.5": lambda im, s: blur(im, 1.5),
    "invert": lambda im, s: invert(im),
}


def cases():
    """(name, clean image, distortions); names are WIDTHxHEIGHT; sizes cover square, odd width, odd height, both odd, 161."""
    photo = lambda n: Image.open(os.path.join(DATA, n)).convert("RGB")
    yield "chelsea_224", model_view(photo("chelsea.png")), ["jpeg10", "jpeg50", "jpeg90", "noise8", "fgsm4", "blur1.5"]
    yield "coffee_224", model_view(photo("coffee.png")), ["jpeg10", "jpeg50", "jpeg90", "noise8", "fgsm4", "blur1.5"]
    yield "rocket_224", model_view(photo("rocket.jpg")), ["jpeg10", "jpeg50", "noise24", "fgsm4"]
    yield "astronaut_224", model_view(photo("astronaut.png")), ["jpeg25", "invert"]
    # Native size, 451 wide (odd width): exercises the padded pooling on one axis.
    yield "chelsea_451x300", photo("chelsea.png"), ["jpeg25", "fgsm4"]
    # Both sides odd.
    yield "coffee_333x201", centre_crop(photo("coffee.png"), 333, 201), ["jpeg50", "noise8"]
    # Odd height, the smallest measurable size (161) on the short side.
    yield "hubble_256x161", centre_crop(photo("hubble_deep_field.jpg").resize((256, 223), Image.BILINEAR), 256, 161), ["jpeg25", "blur1.5"]


def to_tensor(img, dtype):
    a = np.asarray(img, dtype=np.uint8)
    return torch.from_numpy(a.astype(np.float64)).to(dtype).permute(2, 0, 1).unsqueeze(0)


def psnr(a, b):
    mse = np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    rows = []
    for seed, (name, clean, distortions) in enumerate(cases()):
        clean_file = f"{name}.png"
        clean.save(os.path.join(OUT, clean_file), optimize=True)
        for d in ["identical"] + distortions:
            if d == "identical":
                dist_file = clean_file
            else:
                dist_file = f"{name}_{d}.png"
                DISTORTIONS[d](clean, 1000 + seed).save(os.path.join(OUT, dist_file), optimize=True)
            x = Image.open(os.path.join(OUT, clean_file)).convert("RGB")
            y = Image.open(os.path.join(OUT, dist_file)).convert("RGB")
            row = {"reference": clean_file, "distorted": dist_file, "width": x.size[0], "height": x.size[1]}
            for dtype, suffix in [(torch.float32, ""), (torch.float64, "_f64")]:
                X, Y = to_tensor(x, dtype), to_tensor(y, dtype)
                row["msssim" + suffix] = float(pytorch_msssim.ms_ssim(X, Y, data_range=255))
                row["ssim" + suffix] = float(pytorch_msssim.ssim(X, Y, data_range=255))
            row["psnr"] = float(psnr(x, y))
            rows.append(row)
            print(f"{dist_file:32s} {x.size[0]}x{x.size[1]}  msssim {row['msssim']:.6f}  ssim {row['ssim']:.6f}  psnr {row['psnr']:.3f}", file=sys.stderr)
    fields = ["reference", "distorted", "width", "height", "msssim", "ssim", "msssim_f64", "ssim_f64", "psnr"]
    with open(os.path.join(OUT, "values.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in r.items()})
    print(f"pytorch_msssim {pytorch_msssim.__version__ if hasattr(pytorch_msssim, '__version__') else '1.0'}, torch {torch.__version__}, {len(rows)} pairs -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
