#!/usr/bin/env python3
"""Converts a results CSV of format 1 (sanitize 0.1) to results format 2, so that a sweep started
with the old format can be read, summarised and resumed.

Usage: python3 Scripts/results_v1_to_v2.py OLD.csv NEW.csv INPUT...

INPUT are the files and folders the old sweep was given, in the same order. Format 2 names a
folder's image by the folder joined with the file name and records the SHA-256 of its bytes, so
each old row is matched to its image here. Every row gets model efficientnet-lite0, attack fgsm,
loss ce, threat oblivious, steps 1, restarts 1, seed 0: the only attack format 1 knew.
OLD.csv.settings, when present, is converted to NEW.csv.settings, so `--resume` accepts NEW.csv.
The new files are written to temporary names and renamed, so they are complete or absent."""

import csv
import hashlib
import os
import sys

V1 = ["image", "label", "eps", "codec", "quality", "bytes", "bpp", "pred", "confidence", "correct",
      "signed_confidence", "msssim", "psnr"]
V2 = ["image", "image_sha256", "model", "attack", "loss", "threat", "steps", "restarts", "seed",
      "eps", "codec", "quality", "label", "bytes", "bpp", "pred", "confidence", "correct",
      "signed_confidence", "msssim", "psnr"]
RECIPE = {"model": "efficientnet-lite0", "attack": "fgsm", "loss": "ce", "threat": "oblivious",
          "steps": "1", "restarts": "1", "seed": "0"}


def listed_images(inputs):
    """(old name, new name, path) for every image the old sweep saw."""
    out = []
    for given in inputs:
        if os.path.isdir(given):
            for entry in sorted(os.listdir(given)):
                path = os.path.join(given, entry)
                if not entry.startswith(".") and os.path.isfile(path):
                    out.append((entry, given.rstrip("/") + "/" + entry, path))
        else:
            out.append((given, given, given))
    return out


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(path, text):
    temporary = path + ".converting"
    with open(temporary, "w", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    old, new, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    if os.path.exists(new):
        sys.exit(f"error: {new} exists; choose a new path")
    images = {}
    for old_name, new_name, path in listed_images(inputs):
        if old_name in images:
            sys.exit(f"error: two inputs are both named '{old_name}' in format 1; their rows cannot be told apart")
        images[old_name] = (new_name, sha256(path))
    with open(old, newline="") as f:
        reader = csv.reader(f)
        if next(reader, None) != V1:
            sys.exit(f"error: {old} is not a results file of format 1")
        rows = []
        for number, record in enumerate(reader, start=1):
            if len(record) != len(V1):
                continue  # a last row cut short by an interrupted run
            row = dict(zip(V1, record))
            if row["image"] not in images:
                sys.exit(f"error: row {number} is for '{row['image']}', which none of the inputs holds")
            row["image"], row["image_sha256"] = images[row["image"]]
            row.update(RECIPE)
            rows.append([row[c] for c in V2])

    class Text:
        def __init__(self):
            self.parts = []

        def write(self, s):
            self.parts.append(s)

    text = Text()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(V2)
    writer.writerows(rows)
    write_atomically(new, "".join(text.parts))

    settings = old + ".settings"
    if os.path.exists(settings):
        lines = open(settings).read().split("\n")
        if lines[0] != "sanitize evaluate, results format 1":
            sys.exit(f"error: {settings} is not the settings file of a format-1 sweep")
        converted = ["sanitize evaluate, results format 2", "model: efficientnet-lite0",
                     "attacks: fgsm (steps 1, restarts 1)", "threats: oblivious", "loss: ce, seed 0"] + lines[1:]
        write_atomically(new + ".settings", "\n".join(converted))
    print(f"wrote {len(rows)} rows to {new}")


if __name__ == "__main__":
    main()
