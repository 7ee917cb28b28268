#!/usr/bin/env python3
"""Reference outputs of docs/protocol.md §1's model view, made with Pillow (the anchor, run once).

The model view is torchvision's Resize(256) + CenterCrop(224) on a PIL image, which is:
- the shorter side becomes 256 and the longer int(256 * long / short) (Python float division),
  resized with Image.resize(..., Image.BILINEAR) (antialiased: the triangle filter's support
  grows with the downscaling factor); no resize when the size already matches;
- then a crop at left = int(round((W - 224) / 2)), top = int(round((H - 224) / 2)) (Python's
  round, half to even);
- images that are already 224x224 are left alone.
torchvision is not needed: the two steps above are its code for PIL inputs.

Run:  $SANITIZE_BENCH_PYTHON Scripts/reference/model_view_pillow.py
Writes Scripts/reference/model_view/: for each input, every 8th row of the 224x224 result as a
224x28 PNG (<name>.rows.png) and manifest.json with the sizes, crop boxes and Pillow version.
The synthetic inputs come from a formula (see synthetic()) that the Swift test repeats."""

import json
import os

import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "model_view")
PHOTOS = "/usr/lib/python3/dist-packages/skimage/data"
ROW_STEP = 8


def model_view(image):
    w, h = image.size
    if (w, h) == (224, 224):
        return image, (w, h), (0, 0)
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = 256, int(256 * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    resized = image.resize((new_w, new_h), Image.BILINEAR)
    left, top = int(round((new_w - 224) / 2.0)), int(round((new_h - 224) / 2.0))
    return resized.crop((left, top, left + 224, top + 224)), (new_w, new_h), (left, top)


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
    for w, h in [(97, 61), (300, 500), (224, 224), (531, 256), (257, 1000), (1000, 300), (225, 225)]:
        inputs.append((f"synthetic-{w}x{h}", synthetic(w, h), "synthetic"))
    manifest = {"pillow": PIL.__version__, "row_step": ROW_STEP, "images": []}
    for name, image, source in inputs:
        view, resized, crop = model_view(image)
        assert view.size == (224, 224)
        rows = Image.new("RGB", (224, 224 // ROW_STEP))
        for i, y in enumerate(range(0, 224, ROW_STEP)):
            rows.paste(view.crop((0, y, 224, y + 1)), (0, i))
        stem = os.path.splitext(name)[0]
        rows.save(os.path.join(OUT, stem + ".rows.png"))
        manifest["images"].append({"name": stem, "source": source, "size": list(image.size),
                                   "resized": list(resized), "crop": list(crop)})
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
