#!/usr/bin/env python3
"""Writes the fixtures of Fixtures/malformed/: valid-but-unusual files (in valid/) that must
decode, and malformed files (in the top folder) that must be refused with a clear error,
among them memory bombs: small files whose headers declare allocations of gigabytes.

The valid PNGs are written by the small PNG writer below from formulas that
Tests/ImagingTests/PNGTests.swift repeats. The malformed files are built byte by byte (huge
declared sizes, a progressive-scan bomb) or cut from files made by cjpeg, cwebp, img2webp and
opj_compress (Debian: libjpeg-turbo-progs, webp, libopenjp2-tools).

Run: `python3 Fixtures/malformed/generate.py`. The outputs are committed; rerunning reproduces
them (the tools are deterministic)."""

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

# ---------------------------------------------------------------- malformed files

def tool_output(command, suffix, data):
    """Runs `command` (with {in} and {out} placeholders) on `data` written to a temp file."""
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "in" + suffix[0])
        target = os.path.join(folder, "out" + suffix[1])
        with open(source, "wb") as f:
            f.write(data)
        subprocess.run([part.format(i=source, o=target) for part in command], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(target, "rb") as f:
            return f.read()

def ppm(width, height):
    pixels = bytes(v for y in range(height) for x in range(width) for v in rgb8(x * 3, y * 2))
    return b"P6\n%d %d\n255\n" % (width, height) + pixels

def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

# The standard luminance DC Huffman table (ITU-T T.81, K.3): code lengths, then symbols 0–11.
DC_BITS = bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
DC_VALUES = bytes(range(12))

def gray_jpeg_header(sof, width, height):
    return (b"\xff\xd8" + segment(0xDB, b"\x00" + bytes([1] * 64))
            + segment(sof, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
            + segment(0xC4, b"\x00" + DC_BITS + DC_VALUES))

# A DC-only scan of one gray component; its data byte codes DC difference category 0 ("00")
# followed by 1-bits of padding.
DC_SCAN = segment(0xDA, b"\x01\x01\x00\x00\x00\x00") + b"\x3f"

def box(kind, payload):
    """A JP2 box: 32-bit length, 4-character type, payload."""
    return struct.pack(">I", 8 + len(payload)) + kind + payload

def jp2_with_palette(codestream, width, height, columns, entries):
    """A JP2 file around a one-component codestream whose samples index a palette (pclr) of
    `columns` 8-bit columns, each mapped to an output channel (cmap)."""
    header = (box(b"ihdr", struct.pack(">IIHBBBB", height, width, 1, 7, 7, 0, 0))
              + box(b"colr", struct.pack(">BBBI", 1, 0, 0, 16))
              + box(b"pclr", struct.pack(">HB", len(entries), columns) + bytes([7] * columns)
                    + b"".join(bytes(entry) for entry in entries))
              + box(b"cmap", b"".join(struct.pack(">HBB", 0, 1, i) for i in range(columns))))
    return (b"\x00\x00\x00\x0cjP  \r\n\x87\n" + box(b"ftyp", b"jp2 \x00\x00\x00\x00jp2 ")
            + box(b"jp2h", header) + box(b"jp2c", codestream))

def ycc_planes(width, height, dx, dy):
    """Raw 8-bit Y, Cb, Cr planes (chroma subsampled by dx×dy) for `opj_compress -F`."""
    cw, ch = (width + dx - 1) // dx, (height + dy - 1) // dy
    luma = bytes(16 + 200 * (x + y) // (width + height) for y in range(height) for x in range(width))
    cb = bytes((x * 29 + y * 7 + 40) & 255 for y in range(ch) for x in range(cw))
    cr = bytes((x * 5 + y * 31 + 90) & 255 for y in range(ch) for x in range(cw))
    return luma + cb + cr

def ycc_codestream(width, height, dx, dy, suffix=".j2k", origin=(0, 0)):
    """YCbCr with chroma sampled dx×dy, losslessly coded by opj_compress (no colour transform),
    with the image's origin on the reference grid at `origin`."""
    sampling = "u@1x1:%dx%d:%dx%d" % (dx, dy, dx, dy)
    return tool_output(["opj_compress", "-i", "{i}", "-o", "{o}", "-n", "3", "-d", "%d,%d" % origin,
                        "-F", "%d,%d,3,8,%s" % (width, height, sampling)],
                       (".raw", suffix), ycc_planes(width, height, dx, dy))

def strip_segment(jpeg, marker):
    """`jpeg` without its `marker` segments (those before the first scan)."""
    out, i = bytearray(jpeg[:2]), 2
    while jpeg[i + 1] != 0xDA:
        length = struct.unpack(">H", jpeg[i + 2:i + 4])[0]
        if jpeg[i + 1] != marker:
            out += jpeg[i:i + 2 + length]
        i += 2 + length
    return bytes(out + jpeg[i:])

def valid_jpeg2000():
    """YCbCr and palette JPEG 2000 files that must decode as opj_decompress decodes them: a J2K
    codestream with 4:2:0 chroma (YCbCr only by opj_decompress's rule: three components, the
    second subsampled), the same at an odd origin, a JP2 with 4:2:2 chroma whose colour box says sYCC, a JP2 whose colour box
    says sYCC over full-resolution components, a JP2 with a three-column palette, and RGB whose
    components differ in depth."""
    write(VALID, "ycc420.j2k", ycc_codestream(47, 39, 2, 2))
    write(VALID, "ycc420-odd-origin.j2k", ycc_codestream(47, 39, 2, 2, origin=(11, 7)))
    write(VALID, "ycc422.jp2", ycc_codestream(47, 39, 2, 1, ".jp2"))
    full = bytearray(ycc_codestream(W, H, 1, 1, ".jp2"))
    colr = full.index(b"colr")
    full[colr + 7:colr + 11] = struct.pack(">I", 18)  # EnumCS 18: sYCC
    write(VALID, "sycc444.jp2", bytes(full))
    indices = b"P5\n%d %d\n255\n" % (W, H) + bytes(palette_index(x, y, 143) for y in range(H) for x in range(W))
    codestream = tool_output(["opj_compress", "-i", "{i}", "-o", "{o}", "-n", "3"], (".pgm", ".j2k"), indices)
    write(VALID, "palette.jp2", jp2_with_palette(codestream, W, H, 3, [palette_color(i) for i in range(143)]))
    # RGB whose components have depths 8, 12 and 4: a lossless 8-bit codestream whose SIZ then
    # declares the other depths (which changes only the level shift and the range of G and B).
    mixed = bytearray(tool_output(["opj_compress", "-i", "{i}", "-o", "{o}", "-n", "3"], (".ppm", ".j2k"), ppm(W, H)))
    siz = mixed.index(b"\xff\x51")
    for component, depth in ((1, 12), (2, 4)):
        mixed[siz + 2 + 38 + 3 * component] = depth - 1  # Ssiz: depth - 1, unsigned
    write(VALID, "mixed-depth.j2k", bytes(mixed))

def malformed():
    write(HERE, "empty.png", b"")
    write(HERE, "one-byte.jpg", b"\xff")
    write(HERE, "random.png", bytes(random.Random(7).randrange(256) for _ in range(4096)))
    write(HERE, "text.jpg", b"This is a text file that was given a .jpg extension.\n")
    write(HERE, "signature-only.png", b"\x89PNG\r\n\x1a\n")

    jpeg = tool_output(["cjpeg", "-quality", "80", "-outfile", "{o}", "{i}"], (".ppm", ".jpg"), ppm(64, 48))
    png_file = png(2, 8, rgb8)
    webp = tool_output(["cwebp", "-quiet", "-q", "80", "{i}", "-o", "{o}"], (".ppm", ".webp"), ppm(64, 48))
    j2k = tool_output(["opj_compress", "-i", "{i}", "-o", "{o}", "-r", "10"], (".ppm", ".j2k"), ppm(64, 48))
    jp2 = tool_output(["opj_compress", "-i", "{i}", "-o", "{o}", "-r", "10"], (".ppm", ".jp2"), ppm(64, 48))
    write(HERE, "truncated.jpg", jpeg[: len(jpeg) * 6 // 10])
    write(HERE, "truncated-header.jpg", jpeg[:40])
    write(HERE, "truncated.png", png_file[: len(png_file) * 6 // 10])
    write(HERE, "truncated.webp", webp[: len(webp) * 6 // 10])
    write(HERE, "truncated.j2k", j2k[: len(j2k) * 6 // 10])
    write(HERE, "truncated-header.j2k", j2k[:30])
    write(HERE, "truncated.jp2", jp2[: len(jp2) * 6 // 10])
    crc = len(png_file) - 12 - 1  # the last byte of IDAT's CRC, just before the 12-byte IEND
    write(HERE, "bad-crc.png", png_file[:crc] + bytes([png_file[crc] ^ 0xFF]) + png_file[crc + 1:])

    # Huge declared sizes in a few hundred bytes at most.
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    write(HERE, "huge.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
          + chunk(b"IDAT", zlib.compress(b"\x00" * 1000, 9)) + chunk(b"IEND", b""))
    write(HERE, "huge.jpg", gray_jpeg_header(0xC0, 60000, 60000) + DC_SCAN + b"\xff\xd9")
    siz = j2k.index(b"\xff\x51")
    patched = bytearray(j2k[:200])
    for offset in (4, 8, 20, 24):  # Xsiz, Ysiz, XTsiz, YTsiz after the marker and its length
        patched[siz + 2 + offset: siz + 6 + offset] = struct.pack(">I", 60000)
    write(HERE, "huge.j2k", bytes(patched))
    for offset in (20, 24):  # 1×1 tiles: 3.6 billion tiles
        patched[siz + 2 + offset: siz + 6 + offset] = struct.pack(">I", 1)
    write(HERE, "huge-tiles.j2k", bytes(patched))
    vp8 = bytearray(webp)
    start = vp8.index(b"\x9d\x01\x2a")
    vp8[start + 3: start + 7] = struct.pack("<HH", 16383, 16383)
    write(HERE, "huge.webp", bytes(vp8))

    # A progressive JPEG of one 8×8 block with 5000 DC scans: each is valid, and together they
    # make the decoder re-run its scan machinery thousands of times.
    write(HERE, "scan-bomb.jpg", gray_jpeg_header(0xC2, 8, 8) + DC_SCAN * 5000 + b"\xff\xd9")

    # Memory bombs: small files whose headers declare allocations of gigabytes.
    # A 44-byte PNG whose tEXt chunk declares 2^31 - 1 bytes (libpng would allocate them first).
    text_header = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
    write(HERE, "text-bomb.png", text_header + struct.pack(">I", 0x7FFFFFFF) + b"tEXtabc")
    # A 2 KB JP2: a flat 2000×2000 gray codestream indexing a palette of 255 columns, which
    # OpenJPEG expands into 255 full-size 32-bit components (4 GB).
    flat = b"P5\n2000 2000\n255\n" + bytes(2000 * 2000)
    codestream = tool_output(["opj_compress", "-i", "{i}", "-o", "{o}", "-r", "2000"], (".pgm", ".j2k"), flat)
    write(HERE, "palette-bomb.jp2", jp2_with_palette(codestream, 2000, 2000, 255, [(0,) * 255, (255,) * 255]))
    # 4×4 code-blocks declared for 6000×6000: OpenJPEG allocates a record per code-block (2.5 GB).
    blocks = bytearray(tool_output(["opj_compress", "-i", "{i}", "-o", "{o}", "-r", "10", "-b", "4,4"],
                                   (".ppm", ".j2k"), ppm(64, 48)))
    siz = blocks.index(b"\xff\x51")
    for offset in (4, 8, 20, 24):  # Xsiz, Ysiz, XTsiz, YTsiz
        blocks[siz + 2 + offset: siz + 6 + offset] = struct.pack(">I", 6000)
    write(HERE, "codeblock-bomb.j2k", bytes(blocks))
    # The same, with 64×64 code-blocks in the main header and the 4×4 ones in the tile-part
    # header, which overrides it: the estimate must read tile-part headers too.
    cod = blocks.index(b"\xff\x52")
    cod_segment = bytes(blocks[cod: cod + 2 + struct.unpack(">H", blocks[cod + 2: cod + 4])[0]])
    main = bytearray(blocks)
    main[cod + 10: cod + 12] = bytes([4, 4])  # xcb, ycb: 2^(4+2) = 64
    sot = main.index(b"\xff\x90")
    psot = struct.unpack(">I", main[sot + 6: sot + 10])[0]
    main[sot + 6: sot + 10] = struct.pack(">I", psot + len(cod_segment))
    write(HERE, "tilepart-codeblock-bomb.j2k", bytes(main[:sot + 12] + cod_segment + main[sot + 12:]))

    # Silent wrong pixels, refused: CMYK without the Adobe marker that says how its ink is stored;
    # three components whose chroma is subsampled vertically only (not YCbCr by opj_decompress's
    # rule, and not RGB either); YCbCr with 4:1:1 chroma.
    with open(os.path.join(VALID, "cmyk.jpg"), "rb") as f:
        write(HERE, "cmyk-no-adobe.jpg", strip_segment(f.read(), 0xEE))
    write(HERE, "subsampled-rgb.j2k", ycc_codestream(W, H, 1, 2))
    write(HERE, "ycc411.j2k", ycc_codestream(W * 2, H, 4, 1))
    # JP2 colour boxes that OpenJPEG decodes to samples that are not RGB: CIELab (EnumCS 14), CMY
    # (EnumCS 11), and an ICC profile (method 2) whose header says YCbCr.
    jp2 = ycc_codestream(W, H, 1, 1, ".jp2")
    colr = jp2.index(b"colr")
    for name, enumcs in (("cielab.jp2", 14), ("cmy.jp2", 11)):
        write(HERE, name, jp2[:colr + 7] + struct.pack(">I", enumcs) + jp2[colr + 11:])
    profile = struct.pack(">I", 128) + b"none" + bytes(4) + b"mntr" + b"YCbr" + b"XYZ " + bytes(104)
    start = colr - 4
    header = jp2.index(b"jp2h") - 4
    colr_box = box(b"colr", struct.pack(">BBB", 2, 0, 0) + profile)
    old_length = struct.unpack(">I", jp2[start:start + 4])[0]
    body = jp2[:start] + colr_box + jp2[start + old_length:]
    jp2h_length = struct.unpack(">I", body[header:header + 4])[0] + len(colr_box) - old_length
    write(HERE, "icc-ycbcr.jp2", body[:header] + struct.pack(">I", jp2h_length) + body[header + 4:])

    # Refused explicitly: animated WebP (two frames).
    with tempfile.TemporaryDirectory() as folder:
        frames = [os.path.join(folder, f"frame{i}.png") for i in range(2)]
        for path, pixel in zip(frames, [rgb8, lambda x, y: rgb8(y, x)]):
            with open(path, "wb") as f:
                f.write(png(2, 8, pixel))
        out = os.path.join(folder, "animated.webp")
        subprocess.run(["img2webp", "-lossy", "-q", "50", "-d", "100"] + frames + ["-o", out], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out, "rb") as f:
            write(HERE, "animated.webp", f.read())

def valid_others():
    """Valid files that are unusual: a PNG named .jpg; a CMYK JPEG as Photoshop and Pillow write
    it (Adobe marker, inverted CMYK) with Pillow's own RGB decoding of it as the expected result.
    The CMYK part needs Pillow and is skipped with a note otherwise."""
    write(VALID, "png-named.jpg", png(2, 8, rgb8))
    # A valid PNG whose compressed text (zTXt) inflates to 512 MiB from 520 KB: libpng stops
    # inflating at the 16 MiB chunk limit, drops the text and decodes the image.
    text = chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(bytes(512 << 20), 9))
    write(VALID, "ztxt-bomb.png", png(2, 8, rgb8, extra=text))
    try:
        from PIL import Image
    except ImportError:
        print("Pillow not found: cmyk.jpg and cmyk.expected.png left as they are")
        return
    source = Image.new("CMYK", (W * 3, H * 3))
    source.putdata([(x * 7 % 256, y * 9 % 256, (x + y) * 5 % 256, (x * y) % 97)
                    for y in range(H * 3) for x in range(W * 3)])
    path = os.path.join(VALID, "cmyk.jpg")
    source.save(path, quality=90)
    Image.open(path).convert("RGB").save(os.path.join(VALID, "cmyk.expected.png"))

if __name__ == "__main__":
    valid_pngs()
    valid_others()
    valid_jpeg2000()
    malformed()
