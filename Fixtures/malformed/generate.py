#!/usr/bin/env python3
"""Writes the fixtures of Fixtures/malformed/: valid-but-unusual PNGs (in valid/) whose pixels
Tests/ImagingTests recompute from the same formulas, and malformed files (in the top folder).

Run from anywhere with a plain python3 (stdlib only, plus the cjpeg/cwebp/opj_compress
command-line tools for the truncated and bomb files): `python3 Fixtures/malformed/generate.py`.
The outputs are committed; rerunning reproduces them byte for byte."""

import os
import random
import struct
import subprocess
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
VALID = os.path.join(HERE, "valid")
W, H = 13, 11

# ---------------------------------------------------------------- formulas (mirrored in Swift)

def rgb8(x, y):
    return ((x * 19 + y * 3) & 255, (y * 23 + x) & 255, (x * y * 7 + 50) & 255)

def gray8(x, y):
    return (x * 19 + y * 7) & 255

def alpha8(x, y):
    return (x * y * 13 + 7) & 255

def sample16(x, y, c):
    return (x * 4099 + y * 1237 + c * 7919) & 0xFFFF

def palette_color(i):
    return ((i * 37) & 255, (i * 91 + 13) & 255, (255 - i * 5) & 255)

def palette_index(x, y, size):
    return (x * 11 + y) % size

def gray4(x, y):
    return (x + y) & 15

# ---------------------------------------------------------------- a minimal PNG writer

def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def pack_row(samples, depth):
    """Samples of one row (already flattened per channel) at `depth` bits, MSB first."""
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out, acc, bits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | s
        bits += depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)

def png(color_type, depth, pixel, extra=b"", interlaced=False, palette=None):
    """pixel(x, y) -> tuple of channel samples."""
    header = struct.pack(">IIBBBBB", W, H, depth, color_type, 0, 0, 1 if interlaced else 0)
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    raw = bytearray()
    for x0, y0, dx, dy in passes:
        xs, ys = range(x0, W, dx), range(y0, H, dy)
        if not xs or not ys:
            continue
        for y in ys:
            raw.append(0)
            raw += pack_row([s for x in xs for s in pixel(x, y)], depth)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    if palette is not None:
        out += chunk(b"PLTE", b"".join(bytes(c) for c in palette))
    out += extra + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    return out

def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)

def valid_pngs():
    pal = [palette_color(i) for i in range(143)]
    pal16 = [palette_color(i) for i in range(16)]
    write(VALID, "rgb8.png", png(2, 8, rgb8))
    write(VALID, "rgb8-interlaced.png", png(2, 8, rgb8, interlaced=True))
    write(VALID, "rgba8.png", png(6, 8, lambda x, y: rgb8(x, y) + (alpha8(x, y),)))
    write(VALID, "rgb8-trns.png", png(2, 8, rgb8, extra=chunk(b"tRNS", struct.pack(">HHH", 19, 23, 50))))
    write(VALID, "gray8.png", png(0, 8, lambda x, y: (gray8(x, y),)))
    write(VALID, "gray4.png", png(0, 4, lambda x, y: (gray4(x, y),)))
    write(VALID, "gray-alpha8.png", png(4, 8, lambda x, y: (gray8(x, y), alpha8(x, y))))
    write(VALID, "gray16.png", png(0, 16, lambda x, y: (sample16(x, y, 0),)))
    write(VALID, "rgb16.png", png(2, 16, lambda x, y: tuple(sample16(x, y, c) for c in range(3))))
    write(VALID, "rgba16.png", png(6, 16, lambda x, y: tuple(sample16(x, y, c) for c in range(4))))
    write(VALID, "palette8.png", png(3, 8, lambda x, y: (palette_index(x, y, 143),), palette=pal))
    write(VALID, "palette8-interlaced.png",
          png(3, 8, lambda x, y: (palette_index(x, y, 143),), palette=pal, interlaced=True))
    write(VALID, "palette4-trns.png",
          png(3, 4, lambda x, y: (palette_index(x, y, 16),), palette=pal16,
              extra=chunk(b"tRNS", bytes(range(0, 256, 16)))))

if __name__ == "__main__":
    valid_pngs()
