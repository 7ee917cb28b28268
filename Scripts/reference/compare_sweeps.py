#!/usr/bin/env python3
"""Compares two results CSVs row by row: sanitize's against the Python stack's.

Usage: python3 Scripts/reference/compare_sweeps.py OURS.csv THEIRS.csv

Rows are matched by (image file name, eps, codec, quality), so results format 2 (which names a
folder's images FOLDER/FILE) and the Python stack's CSV line up. Prints, and checks these bars:
  identical clean labels (the label column);
  >= 95% of rows with the same prediction;
  bpp within 2% on every row (the share of rows within is printed);
  MS-SSIM within 1e-3 on every row.
Exits 1 when a bar is missed. Standard library only.
"""

import csv
import sys


def load(path):
    with open(path, newline="") as f:
        return {(r["image"].rsplit("/", 1)[-1], int(r["eps"]), r["codec"], int(r["quality"])): r
                for r in csv.DictReader(f)}


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    ours, theirs = load(argv[1]), load(argv[2])
    keys = sorted(set(ours) & set(theirs))
    if not keys:
        print("no rows in common", file=sys.stderr)
        return 1
    only = len(set(ours) ^ set(theirs))
    labels = {k[0]: (ours[k]["label"], theirs[k]["label"]) for k in keys}
    same_label = sum(a == b for a, b in labels.values())
    same_pred = sum(ours[k]["pred"] == theirs[k]["pred"] for k in keys)
    bpp_err = [abs(float(ours[k]["bpp"]) / float(theirs[k]["bpp"]) - 1) for k in keys]
    ssim_err = [abs(float(ours[k]["msssim"]) - float(theirs[k]["msssim"])) for k in keys]
    bpp_ok = sum(e <= 0.02 for e in bpp_err)
    ssim_ok = sum(e <= 1e-3 for e in ssim_err)
    n = len(keys)
    print(f"rows compared: {n} ({only} rows in only one file), images: {len(labels)}")
    print(f"clean labels identical: {same_label}/{len(labels)}")
    print(f"same prediction: {same_pred}/{n} = {100 * same_pred / n:.1f}% (bar: >= 95%)")
    print(f"bpp within 2%: {bpp_ok}/{n}, max relative difference {max(bpp_err):.4f}")
    print(f"MS-SSIM within 1e-3: {ssim_ok}/{n}, max difference {max(ssim_err):.2e}")
    worst = sorted(keys, key=lambda k: -ssim_err[keys.index(k)])[:3]
    for k in worst:
        print(f"  largest MS-SSIM gaps: {k}: ours {ours[k]['msssim']} theirs {theirs[k]['msssim']}")
    ok = same_label == len(labels) and same_pred >= 0.95 * n and bpp_ok == n and ssim_ok == n
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
