#!/usr/bin/env python3
"""Golden values for Tests/TensorsTests from PyTorch (an independent reference).

Run once with the anchor venv of Benchmarks/README.md:  $SANITIZE_BENCH_PYTHON Scripts/reference/tensor_golden.py
Writes Tests/TensorsTests/Golden/tensor_golden.safetensors (committed).

Every image tensor is stored in the Swift layout: activations NHWC, conv weights HWIO
([kh, kw, cin/groups, cout]). PyTorch computes in NCHW/OIHW, so inputs are transposed on the way
in and results on the way out. Gradients are of sum(output * upstream) for a stored random upstream.
The safetensors writer below uses only the standard library and numpy.
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(20261125)
torch.set_default_dtype(torch.float32)
OUT = {}


def put(name, tensor):
    OUT[name] = tensor.detach().cpu().numpy().copy() if torch.is_tensor(tensor) else np.array(tensor)  # a copy: later in-place updates must not leak in


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def same_padding(size, kernel, stride):
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


# ---- Convolution: name, batch, height, width, cin, cout, kh, kw, sy, sx, pad (top, left, bottom, right) or "same", groups, bias
CONVS = [
    ("conv_plain", 2, 7, 6, 3, 4, 3, 3, 1, 1, (1, 1, 1, 1), 1, True),
    ("conv_grouped_asym", 1, 9, 9, 4, 6, 3, 3, 2, 2, (0, 1, 1, 2), 2, False),
    ("conv_depthwise5_same_s2", 2, 8, 8, 5, 5, 5, 5, 2, 2, "same", 5, True),
    ("conv_depthwise3_same_s1", 1, 6, 7, 6, 6, 3, 3, 1, 1, "same", 6, False),
    ("conv_pointwise", 2, 5, 5, 8, 3, 1, 1, 1, 1, (0, 0, 0, 0), 1, True),
    ("conv_stem_same_s2", 1, 10, 10, 3, 4, 3, 3, 2, 2, "same", 1, True),
    ("conv_rect_kernel", 3, 5, 8, 2, 3, 1, 3, 1, 2, (0, 1, 0, 0), 1, True),
]
for name, n, h, w, cin, cout, kh, kw, sy, sx, pad, groups, has_bias in CONVS:
    if pad == "same":
        top, bottom = same_padding(h, kh, sy)
        left, right = same_padding(w, kw, sx)
    else:
        top, left, bottom, right = pad
    x = torch.randn(n, h, w, cin, requires_grad=True)
    weight = (torch.randn(kh, kw, cin // groups, cout) * 0.5).requires_grad_(True)
    bias = torch.randn(cout, requires_grad=True) if has_bias else None
    y = F.conv2d(F.pad(nchw(x), (left, right, top, bottom)), weight.permute(3, 2, 0, 1), bias,
                 stride=(sy, sx), groups=groups)
    y = nhwc(y)
    upstream = torch.randn_like(y)
    (y * upstream).sum().backward()
    put(f"{name}.input", x)
    put(f"{name}.weight", weight)
    put(f"{name}.output", y)
    put(f"{name}.upstream", upstream)
    put(f"{name}.grad_input", x.grad)
    put(f"{name}.grad_weight", weight.grad)
    put(f"{name}.padding", torch.tensor([top, left, bottom, right], dtype=torch.int64))
    put(f"{name}.stride_groups", torch.tensor([sy, sx, groups], dtype=torch.int64))
    if has_bias:
        put(f"{name}.bias", bias)
        put(f"{name}.grad_bias", bias.grad)

# ---- Batch norm, training mode (batch statistics, running-statistic update) and inference mode
x = (torch.randn(4, 3, 3, 5) * 2 + 1).requires_grad_(True)
gamma = torch.randn(5, requires_grad=True)
beta = torch.randn(5, requires_grad=True)
running_mean = torch.randn(5)
running_var = torch.rand(5) + 0.5
put("bn_train.input", x)
put("bn_train.weight", gamma)
put("bn_train.bias", beta)
put("bn_train.running_mean_before", running_mean)
put("bn_train.running_var_before", running_var)
rm, rv = running_mean.clone(), running_var.clone()
y = nhwc(F.batch_norm(nchw(x), rm, rv, gamma, beta, training=True, momentum=0.1, eps=1e-5))
upstream = torch.randn_like(y)
(y * upstream).sum().backward()
put("bn_train.output", y)
put("bn_train.upstream", upstream)
put("bn_train.running_mean_after", rm)
put("bn_train.running_var_after", rv)
put("bn_train.grad_input", x.grad)
put("bn_train.grad_weight", gamma.grad)
put("bn_train.grad_bias", beta.grad)

x = torch.randn(2, 4, 3, 6, requires_grad=True)
gamma = torch.randn(6, requires_grad=True)
beta = torch.randn(6, requires_grad=True)
running_mean = torch.randn(6)
running_var = torch.rand(6) + 0.5
y = nhwc(F.batch_norm(nchw(x), running_mean, running_var, gamma, beta, training=False, eps=1e-3))
upstream = torch.randn_like(y)
(y * upstream).sum().backward()
for key, value in dict(input=x, weight=gamma, bias=beta, running_mean=running_mean, running_var=running_var,
                       output=y, upstream=upstream, grad_input=x.grad, grad_weight=gamma.grad,
                       grad_bias=beta.grad).items():
    put(f"bn_eval.{key}", value)

# ---- Pooling: name, kind, kernel, stride, padding
POOLS = [
    ("maxpool_k3_s2_p1", "max", 3, 2, 1),
    ("maxpool_k2_s2", "max", 2, 2, 0),
    ("avgpool_k3_s2_p1", "avg", 3, 2, 1),
    ("avgpool_k2_s2", "avg", 2, 2, 0),
]
for name, kind, k, s, p in POOLS:
    x = torch.randn(2, 7, 7, 3, requires_grad=True)
    if kind == "max":
        y = F.max_pool2d(nchw(x), k, s, p)
    else:
        y = F.avg_pool2d(nchw(x), k, s, p, count_include_pad=True)
    y = nhwc(y)
    upstream = torch.randn_like(y)
    (y * upstream).sum().backward()
    put(f"{name}.input", x)
    put(f"{name}.output", y)
    put(f"{name}.upstream", upstream)
    put(f"{name}.grad_input", x.grad)

x = torch.randn(3, 4, 5, 6, requires_grad=True)
y = x.mean(dim=(1, 2))
put("global_avgpool.input", x)
put("global_avgpool.output", y)

# ---- Cross-entropy, softmax, log-softmax
logits = (torch.randn(5, 7) * 3).requires_grad_(True)
labels = torch.tensor([0, 6, 3, 3, 1], dtype=torch.int64)
loss = F.cross_entropy(logits, labels)
loss.backward()
put("ce.logits", logits)
put("ce.labels", labels)
put("ce.loss_mean", loss.reshape(()))
put("ce.loss_none", F.cross_entropy(logits, labels, reduction="none"))
put("ce.grad_logits_mean", logits.grad)
put("ce.softmax", torch.softmax(logits, dim=1))
put("ce.log_softmax", torch.log_softmax(logits, dim=1))

# ---- Linear ([out, in] weight, PyTorch layout)
x = torch.randn(4, 5, requires_grad=True)
weight = torch.randn(3, 5, requires_grad=True)
bias = torch.randn(3, requires_grad=True)
y = F.linear(x, weight, bias)
upstream = torch.randn_like(y)
(y * upstream).sum().backward()
for key, value in dict(input=x, weight=weight, bias=bias, output=y, upstream=upstream, grad_input=x.grad,
                       grad_weight=weight.grad, grad_bias=bias.grad).items():
    put(f"linear.{key}", value)

# ---- Optimizers: 5 steps on loss = sum(c·p²/2 + d·p), gradient c·p + d
p0 = torch.randn(6)
c = torch.rand(6) + 0.5
d = torch.randn(6)
put("optim.p0", p0)
put("optim.c", c)
put("optim.d", d)
OPTIMIZERS = {
    "sgd_plain": lambda p: torch.optim.SGD([p], lr=0.1),
    "sgd_momentum": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda p: torch.optim.Adam([p], lr=0.05, weight_decay=0.01),
    "adamw": lambda p: torch.optim.AdamW([p], lr=0.05, weight_decay=0.1),
}
for name, make in OPTIMIZERS.items():
    p = p0.clone().requires_grad_(True)
    optimizer = make(p)
    trajectory = []
    for _ in range(5):
        optimizer.zero_grad()
        (c * p * p / 2 + d * p).sum().backward()
        optimizer.step()
        trajectory.append(p.detach().clone())
    put(f"optim.{name}", torch.stack(trajectory))

# ---- A small CNN end to end: 3 SGD steps in training mode, then eval-mode logits.
# Swift twin: Sequential(Conv2d(1→4, 3×3, pad 1, no bias), BatchNorm2d(4), relu, maxPool 2, flatten, Linear(36→3)).
# Swift flattens NHWC (h, w, c order), so the Linear columns are permuted from PyTorch's (c, h, w).
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 4, 3, padding=1, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
    torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(36, 3))
x = torch.randn(4, 6, 6, 1)
labels = torch.tensor([0, 2, 1, 2], dtype=torch.int64)


def swift_state(prefix):
    sd = model.state_dict()
    put(f"{prefix}.0.weight", sd["0.weight"].permute(2, 3, 1, 0))
    for key in ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]:
        put(f"{prefix}.1.{key}", sd[f"1.{key}"])
    put(f"{prefix}.5.weight", sd["5.weight"].reshape(3, 4, 3, 3).permute(0, 2, 3, 1).reshape(3, 36))
    put(f"{prefix}.5.bias", sd["5.bias"])


swift_state("cnn.initial")
put("cnn.input", x)
put("cnn.labels", labels)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
losses = []
for _ in range(3):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(nchw(x)), labels)
    loss.backward()
    optimizer.step()
    losses.append(loss.detach())
put("cnn.losses", torch.stack(losses))
swift_state("cnn.final")
model.eval()
put("cnn.eval_logits", model(nchw(x)))


def write_safetensors(path, tensors, metadata):
    dtypes = {np.dtype("float32"): "F32", np.dtype("int64"): "I64"}
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        array = np.array(tensors[name], order="C")  # keeps 0-d scalars 0-d
        blob = array.astype(array.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtypes[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
path = os.path.join(root, "Tests", "TensorsTests", "Golden", "tensor_golden.safetensors")
os.makedirs(os.path.dirname(path), exist_ok=True)
write_safetensors(path, OUT, {"generator": "Scripts/reference/tensor_golden.py", "torch": torch.__version__})
print(f"wrote {len(OUT)} tensors to {os.path.relpath(path)}")
