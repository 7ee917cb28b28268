#!/usr/bin/env python3
"""Reference outputs of docs/protocol.md §1's model view, made with Pillow (the anchor, run once).

The model view is torchvision's Resize(R) + CenterCrop(S) on a PIL image, with (S, R) = (224, 256)
for EfficientNet-Lite0, (240, 272) for Lite1 and (260, 292) for Lite2, which is:
- the shorter side becomes R and the longer int(R * long / short) (Python float division),
  resized with Image.resize(..., Image.BILINEAR) (antialiased: the triangle filter's support
  grows with the downscaling factor); no resize when the size already matches;
- then a crop at left = int(round((W - S) / 2)), top = int(round((H - S) / 2)) (Python's
  round, half to even);
- images that are already SxS are left alone.
torchvision is not needed: the two steps above are its code for PIL inputs.

Run:  $SANITIZE_BENCH_PYTHON Scripts/reference/model_view_pillow.py
Writes Scripts/reference/model_view/: for each input, every 8th row of the SxS result as an
S-wide PNG (<name>.rows.png for 224, <name>@<S>.rows.png for the other sides, made for the
few inputs of OTHER_SIZE_INPUTS) and manifest.json with the sizes, crop boxes and Pillow version.
The synthetic inputs come from a formula (see synthetic()) that the Swift test repeats."""

import json
import os

import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "model_view")
PHOTOS = "/usr/lib/python3/dist-packages/skimage/data"
ROW_STEP = 8
# (side, resize side) of the three models' views; the first is the default.
SIZES = [(224, 256), (240, 272), (260, 292)]
# The inputs whose views are also recorded at the other sides: downscaling, upscaling (a 224x224
# fixture seen by Lite1 or Lite2), both aspect ratios, and a view of the side's own size.
OTHER_SIZE_INPUTS = ["chelsea", "synthetic-97x61", "synthetic-224x224", "synthetic-531x256",
                     "synthetic-257x1000", "synthetic-240x240", "synthetic-260x260"]


def model_view(image, side=224, resize=256):
    w, h = image.size
    if (w, h) == (side, side):
        return image, (w, h), (0, 0)
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = resize, int(resize * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    resized = image.resize((new_w, new_h), Image.BILINEAR)
    left, top = int(round((new_w - side) / 2.0)), int(round((new_h - side) / 2.0))
    return resized.crop((left, top, left + side, top + side)), (new_w, new_h), (left, top)


def synthetic(width, height):
    """Sharp, aliasing-prone content from a formula that the Swift test repeats."""
    image = Image.new("RGB", (width, height))
    image.putdata([((x * x * 3 + y * 7) % 256, ((x * 13) ^ (y * 5)) & 255, (x * y) % 251)
                   for y in range(height) for x in range(width)])
    return image


def main():
    os.makedirs(OUT, exist_ok=True)
    inputs = [(name, Image.open(os.path.join(PHOTOS, name)).convert("RGB"), os.path.join(PHOTOS, name))
              for name in ["chelsea.png", "coffee.png", "rocket.jpg", "astronaut.png", "hubble_deep_field.jpg"]]
    for w, h in [(97, 61), (300, 500), (224, 224), (531, 256), (257, 1000), (1000, 300), (225, 225),
                 (240, 240), (260, 260)]:
        inputs.append((f"synthetic-{w}x{h}", synthetic(w, h), "synthetic"))
    manifest = {"pillow": PIL.__version__, "row_step": ROW_STEP, "images": []}
    for side, resize in SIZES:
        for name, image, source in inputs:
            base = os.path.splitext(name)[0]
            if side != SIZES[0][0] and base not in OTHER_SIZE_INPUTS:
                continue
            view, resized, crop = model_view(image, side, resize)
            assert view.size == (side, side)
            rows = Image.new("RGB", (side, len(range(0, side, ROW_STEP))))
            for i, y in enumerate(range(0, side, ROW_STEP)):
                rows.paste(view.crop((0, y, side, y + 1)), (0, i))
            stem = base if side == SIZES[0][0] else f"{base}@{side}"
            rows.save(os.path.join(OUT, stem + ".rows.png"))
            manifest["images"].append({"name": stem, "source": source, "size": list(image.size),
                                       "side": side, "resize_side": resize,
                                       "resized": list(resized), "crop": list(crop)})
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
