#!/usr/bin/env python3
"""Make Fixtures/images/*.png: scikit-image's CC0 / public-domain photos after the model view.

Usage: make_fixtures.py [SKIMAGE_DATA_DIR]   (default /usr/lib/python3/dist-packages/skimage/data)

The model view is docs/protocol.md §1, done as torchvision does it on a PIL image:
Resize(256) scales the shorter side to 256 with Image.BILINEAR (the long side is truncated to
int(256 * long / short)), then CenterCrop(224) takes the crop whose top-left corner is
(int(round((W - 224) / 2)), int(round((H - 224) / 2))). The result is saved as an 8-bit RGB PNG.
Needs Pillow (run it with the anchor venv of Benchmarks/README.md).
"""

import os
import sys

from PIL import Image

PHOTOS = ["chelsea.png", "coffee.png", "rocket.jpg", "astronaut.png", "hubble_deep_field.jpg"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def model_view(image):
    """docs/protocol.md §1: shorter side to 256 (PIL bilinear, antialiased), then the central 224×224."""
    image = image.convert("RGB")
    w, h = image.size
    if (w, h) == (224, 224):
        return image
    if w <= h:
        size = (256, int(256 * h / w))
    else:
        size = (int(256 * w / h), 256)
    image = image.resize(size, Image.BILINEAR)
    w, h = image.size
    left, top = int(round((w - 224) / 2.0)), int(round((h - 224) / 2.0))
    return image.crop((left, top, left + 224, top + 224))


def main(argv):
    source = argv[1] if len(argv) > 1 else "/usr/lib/python3/dist-packages/skimage/data"
    out_dir = os.path.join(ROOT, "Fixtures", "images")
    os.makedirs(out_dir, exist_ok=True)
    for name in PHOTOS:
        with Image.open(os.path.join(source, name)) as image:
            view = model_view(image)
        target = os.path.join(out_dir, os.path.splitext(name)[0] + ".png")
        view.save(target, optimize=True)
        print(f"{target}: {view.size[0]}x{view.size[1]} from {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
