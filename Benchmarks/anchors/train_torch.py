#!/usr/bin/env python3
"""PyTorch CPU anchor for `sanitize train` and `sanitize-bench train`.

The same small CNN as Sources/Training/SmallCNN.swift, trained the same way, on the same
Fashion-MNIST files. Two modes:

  train_torch.py train --epochs 5          # accuracy anchor: test accuracy per epoch
  train_torch.py bench --batches 30        # speed anchor: median training samples/s

Both use 2 intra-op threads (the machine has 2 cores) unless --threads says otherwise.
This is an anchor for reference values and speed, never a dependency of the package.
"""
import argparse
import gzip
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

def load(data, split):
    stem = "train" if split == "train" else "t10k"
    with gzip.open(f"{data}/{stem}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f"{data}/{stem}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return torch.from_numpy(images.astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


class SmallCNN(nn.Module):
    """conv3x3(1->c1)-BN-ReLU-maxpool2, conv3x3(c1->c2)-BN-ReLU-maxpool2, linear(7*7*c2 -> 10)."""

    def __init__(self, c1=32, c2=64):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.fc = nn.Linear(7 * 7 * c2, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc(x.flatten(1))


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "bench"])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batches", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                   help="folder of the Fashion-MNIST .gz files (default: where Scripts/setup.sh installs them)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = load(a.data, "train")
    model = SmallCNN()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    if a.mode == "bench":
        model.train()
        rates = []
        for b in range(a.batches + 3):
            idx = torch.randint(0, len(x), (a.batch,))
            start = time.perf_counter()
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
            if b >= 3:
                rates.append(a.batch / (time.perf_counter() - start))
        print(f"pytorch {torch.__version__} threads={a.threads} batch={a.batch}: "
              f"median {statistics.median(rates):.0f} samples/s over {a.batches} steps")
        return
    tx, ty = load(a.data, "test")
    steps = a.epochs * (len(x) // a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps, pct_start=0.15)
    g = torch.Generator().manual_seed(a.seed)
    for epoch in range(1, a.epochs + 1):
        model.train()
        start = time.perf_counter()
        perm = torch.randperm(len(x), generator=g)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(x) - a.batch + 1, a.batch):
            idx = perm[i:i + a.batch]
            opt.zero_grad()
            out = model(x[idx])
            loss = F.cross_entropy(out, y[idx])
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * a.batch
            correct += (out.argmax(1) == y[idx]).sum().item()
            total += a.batch
        secs = time.perf_counter() - start
        print(f"epoch {epoch}: loss {loss_sum / total:.4f} train {correct / total:.4f} "
              f"test {evaluate(model, tx, ty):.4f} ({secs:.1f} s, {total / secs:.0f} samples/s)", flush=True)


if __name__ == "__main__":
    main()
