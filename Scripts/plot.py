#!/usr/bin/env python3
"""Plots of a sweep's summary CSV, or of a poison sweep's table, with matplotlib.

Usage: python3 Scripts/plot.py SUMMARY.csv [OUT_DIR]
       python3 Scripts/plot.py poison-sweep.csv [OUT_DIR]

For a poison sweep (Scripts/poison-sweep.sh) it writes poison-sweep.png: the clean-test accuracy
of every (poison, codec, quality) run as grouped bars, one group per codec setting and one bar per
training set, with the clean set's no-codec accuracy as a dashed line.

Writes three PNGs next to the summary (or into OUT_DIR):
  accuracy-vs-quality.png  accuracy against the codec parameter, one panel per codec, one line per eps
                           (JPEG 2000's parameter is the compression ratio, so its axis is reversed);
  accuracy-vs-bpp.png      accuracy against bits per pixel, every codec on one axis, one panel per eps;
  msssim-vs-bpp.png        MS-SSIM against bits per pixel for each codec, one line per eps.
The 'none' baseline is drawn as a dashed horizontal line at its accuracy.
"""

import csv
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CODECS = ["jpeg", "webp", "jpeg2000"]
MARKERS = {"jpeg": "o", "webp": "s", "jpeg2000": "^"}


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["eps"] = int(r["eps"])
        r["quality"] = int(r["quality"])
        for k in ("accuracy", "mean_bpp", "mean_msssim", "mean_signed_confidence"):
            r[k] = float(r[k])
    return rows


def series(rows, codec, eps, x, y):
    pts = sorted((r[x], r[y]) for r in rows if r["codec"] == codec and r["eps"] == eps)
    return [p[0] for p in pts], [p[1] for p in pts]


POISON_HEADER = "poison,eps,codec,quality,epochs,seed,test_accuracy,test_accuracy_best,train_accuracy,seconds"


def plot_poison_sweep(path, out):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["setting"] = "none" if r["codec"] == "none" else f"{r['codec']}:{r['quality']}"
        r["label"] = "clean" if r["poison"] == "none" else f"{r['poison']} (eps {r['eps']})"
    settings = list(dict.fromkeys(r["setting"] for r in rows))
    poisons = list(dict.fromkeys(r["label"] for r in rows))
    acc = {(r["label"], r["setting"]): float(r["test_accuracy"]) for r in rows}
    width = 0.8 / len(poisons)
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(settings) + 4), 4.2))
    for i, p in enumerate(poisons):
        xs = [k + (i - (len(poisons) - 1) / 2) * width for k, s in enumerate(settings) if (p, s) in acc]
        ys = [acc[(p, s)] for s in settings if (p, s) in acc]
        ax.bar(xs, ys, width=width, label=p)
    if ("clean", "none") in acc:
        ax.axhline(acc[("clean", "none")], color="gray", linestyle="--", linewidth=0.8, label="clean, no codec")
    ax.set_xticks(range(len(settings)))
    ax.set_xticklabels(["no codec" if s == "none" else s for s in settings], rotation=30, ha="right")
    ax.set_ylabel("clean-test accuracy")
    ax.set_ylim(0, 1)
    epochs = sorted({r["epochs"] for r in rows})
    ax.set_title(f"Training on poisoned Fashion-MNIST, sanitised by each codec ({'/'.join(epochs)} epochs)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    target = os.path.join(out, "poison-sweep.png")
    fig.savefig(target, dpi=110)
    print(f"wrote {target}")
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    out = argv[2] if len(argv) > 2 else os.path.dirname(os.path.abspath(argv[1]))
    os.makedirs(out, exist_ok=True)
    with open(argv[1], newline="") as f:
        header = f.readline().strip()
    if header == POISON_HEADER:
        return plot_poison_sweep(argv[1], out)
    rows = read(argv[1])
    epsilons = sorted({r["eps"] for r in rows})
    codecs = [c for c in CODECS if any(r["codec"] == c for r in rows)]
    baseline = {r["eps"]: r for r in rows if r["codec"] == "none"}
    colors = {e: plt.cm.viridis(i / max(1, len(epsilons) - 1)) for i, e in enumerate(epsilons)}
    images = max(int(r["images"]) for r in rows)

    fig, axes = plt.subplots(1, len(codecs), figsize=(5 * len(codecs), 4), squeeze=False)
    for ax, codec in zip(axes[0], codecs):
        for e in epsilons:
            xs, ys = series(rows, codec, e, "quality", "accuracy")
            ax.plot(xs, ys, marker=MARKERS[codec], color=colors[e], label=f"eps {e}")
            if e in baseline:
                ax.axhline(baseline[e]["accuracy"], color=colors[e], linestyle="--", linewidth=0.8)
        ax.set_title(codec)
        ax.set_xlabel("compression ratio (R:1)" if codec == "jpeg2000" else "quality")
        if codec == "jpeg2000":
            ax.invert_xaxis()
        ax.set_ylabel("accuracy")
        ax.set_ylim(-0.02, 1.02)
    axes[0][-1].legend(fontsize=8)
    fig.suptitle(f"Accuracy against codec quality ({images} images; dashed: no codec)")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "accuracy-vs-quality.png"), dpi=110)

    ncols = min(5, len(epsilons))
    nrows = -(-len(epsilons) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 3.2 * nrows), squeeze=False, sharey=True)
    for ax in axes.flat[len(epsilons):]:
        ax.set_visible(False)
    for ax, e in zip(axes.flat, epsilons):
        for codec in codecs:
            xs, ys = series(rows, codec, e, "mean_bpp", "accuracy")
            ax.plot(xs, ys, marker=MARKERS[codec], label=codec)
        if e in baseline:
            ax.axhline(baseline[e]["accuracy"], color="gray", linestyle="--", linewidth=0.8, label="none (24 bpp)")
        ax.set_title(f"eps {e}")
        ax.set_xlabel("bits per pixel")
        ax.set_ylim(-0.02, 1.02)
    for row in axes:
        row[0].set_ylabel("accuracy")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Accuracy against bits per pixel")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "accuracy-vs-bpp.png"), dpi=110)

    fig, axes = plt.subplots(1, len(codecs), figsize=(5 * len(codecs), 4), squeeze=False, sharey=True)
    for ax, codec in zip(axes[0], codecs):
        for e in epsilons:
            xs, ys = series(rows, codec, e, "mean_bpp", "mean_msssim")
            ax.plot(xs, ys, marker=MARKERS[codec], color=colors[e], label=f"eps {e}")
        ax.set_title(codec)
        ax.set_xlabel("bits per pixel")
    axes[0][0].set_ylabel("MS-SSIM against the clean image")
    axes[0][-1].legend(fontsize=8)
    fig.suptitle("MS-SSIM against bits per pixel")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "msssim-vs-bpp.png"), dpi=110)
    print(f"wrote {out}/accuracy-vs-quality.png, accuracy-vs-bpp.png, msssim-vs-bpp.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
