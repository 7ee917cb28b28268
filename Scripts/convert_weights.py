#!/usr/bin/env python3
"""Convert a legacy (non-zip) PyTorch state-dict pickle to safetensors, with the standard library only.

Usage: convert_weights.py INPUT.pth OUTPUT.safetensors

The legacy format (torch/serialization.py, `_legacy_save`) is five pickles followed by raw storages:
  1. the magic number 0x1950a86a20f9469cfc6c,
  2. the protocol version 1001,
  3. a sys-info dict (endianness, type sizes),
  4. the object itself: here an OrderedDict whose tensors are
     `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` and whose storages are
     persistent ids `('storage', StorageType, key, location, numel[, view_metadata])`,
  5. the list of storage keys, in the order their data follows.
Then, for each key of that list: an int64 little-endian element count and the raw data.

Every float32 tensor is written as F32 under its PyTorch name with its PyTorch shape (OIHW for
convolutions; the Swift loader transposes). Integer tensors (`num_batches_tracked`) are skipped:
inference does not use them. The output is written to a temporary file and renamed, so an
interrupted conversion never leaves a partial file behind.
"""

import collections
import json
import os
import pickle
import struct
import sys

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL = 1001


class StorageType:
    """Stands in for torch.<Name>Storage: only the element type matters."""

    def __init__(self, name, fmt, size):
        self.name, self.fmt, self.size = name, fmt, size


STORAGE_TYPES = {
    "FloatStorage": StorageType("FloatStorage", "f", 4),
    "DoubleStorage": StorageType("DoubleStorage", "d", 8),
    "HalfStorage": StorageType("HalfStorage", "e", 2),
    "LongStorage": StorageType("LongStorage", "q", 8),
    "IntStorage": StorageType("IntStorage", "i", 4),
    "ShortStorage": StorageType("ShortStorage", "h", 2),
    "CharStorage": StorageType("CharStorage", "b", 1),
    "ByteStorage": StorageType("ByteStorage", "B", 1),
    "BoolStorage": StorageType("BoolStorage", "?", 1),
}


class Storage:
    """A storage whose bytes are filled in after the pickles have been read."""

    def __init__(self, kind, key, numel):
        self.kind, self.key, self.numel = kind, key, numel
        self.data = None


class TensorRef:
    """What `_rebuild_tensor_v2` returns: a strided view of a storage."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset = storage, offset
        self.size, self.stride = tuple(size), tuple(stride)

    def numel(self):
        n = 1
        for s in self.size:
            n *= s
        return n

    def contiguous_bytes(self):
        """The elements in row-major order, as raw little-endian bytes."""
        esize = self.storage.kind.size
        expected, acc = [], 1
        for s in reversed(self.size):
            expected.append(acc)
            acc *= s
        expected.reverse()
        n = self.numel()
        if n == 0:
            return b""
        data = self.storage.data
        if all(st == ex or sz == 1 for st, ex, sz in zip(self.stride, expected, self.size)):
            start = self.offset * esize
            return data[start:start + n * esize]
        out = bytearray(n * esize)
        for linear in range(n):
            rem, src = linear, self.offset
            for sz, st in zip(reversed(self.size), reversed(self.stride)):
                src += (rem % sz) * st
                rem //= sz
            out[linear * esize:(linear + 1) * esize] = data[src * esize:(src + 1) * esize]
        return bytes(out)


def rebuild_tensor_v2(storage, storage_offset, size, stride, *_rest):
    return TensorRef(storage, storage_offset, size, stride)


class LegacyUnpickler(pickle.Unpickler):
    """Resolves only the few globals a state dict needs; anything else is refused."""

    def __init__(self, file, storages):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return rebuild_tensor_v2
        if module == "torch" and name in STORAGE_TYPES:
            return STORAGE_TYPES[name]
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        kind, key, _location, numel = pid[1], pid[2], pid[3], pid[4]
        if not isinstance(kind, StorageType):
            raise pickle.UnpicklingError(f"unexpected storage type {kind!r}")
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError(f"storage views are not supported: {pid!r}")
        if key not in self.storages:
            self.storages[key] = Storage(kind, key, numel)
        return self.storages[key]


def read_state_dict(path):
    with open(path, "rb") as f:
        storages = {}
        magic = LegacyUnpickler(f, storages).load()
        if magic != MAGIC:
            raise ValueError(f"{path}: not a legacy PyTorch file (magic {magic!r})")
        protocol = LegacyUnpickler(f, storages).load()
        if protocol != PROTOCOL:
            raise ValueError(f"{path}: unsupported protocol version {protocol!r}")
        sys_info = LegacyUnpickler(f, storages).load()
        if not sys_info.get("little_endian", False):
            raise ValueError(f"{path}: big-endian files are not supported")
        state = LegacyUnpickler(f, storages).load()
        keys = LegacyUnpickler(f, storages).load()
        for key in keys:
            if key not in storages:
                raise ValueError(f"{path}: storage {key!r} is listed but never used")
            storage = storages[key]
            header = f.read(8)
            if len(header) != 8:
                raise ValueError(f"{path}: truncated before storage {key!r}")
            (count,) = struct.unpack("<q", header)
            if count != storage.numel:
                raise ValueError(f"{path}: storage {key!r} holds {count} elements, expected {storage.numel}")
            nbytes = count * storage.kind.size
            storage.data = f.read(nbytes)
            if len(storage.data) != nbytes:
                raise ValueError(f"{path}: storage {key!r} is truncated")
        if f.read(1):
            raise ValueError(f"{path}: trailing bytes after the last storage")
    if not isinstance(state, collections.OrderedDict):
        raise ValueError(f"{path}: expected an OrderedDict state dict, got {type(state).__name__}")
    return state


def write_safetensors(tensors, path, metadata=None):
    """tensors: list of (name, dtype, shape, raw little-endian bytes), dtype a safetensors name
    such as "F32" or "U8"; metadata: an optional dict of strings for `__metadata__`."""
    header, offset = {"__metadata__": dict(metadata or {"format": "pt"})}, 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for *_, raw in tensors:
            f.write(raw)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 3:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 64
    state = read_state_dict(argv[1])
    tensors, skipped, values = [], [], 0
    for name, value in state.items():
        if not isinstance(value, TensorRef):
            raise ValueError(f"{argv[1]}: entry {name!r} is not a tensor")
        if value.storage.kind.name != "FloatStorage":
            skipped.append(name)
            continue
        tensors.append((name, "F32", value.size, value.contiguous_bytes()))
        values += value.numel()
    write_safetensors(tensors, argv[2])
    print(f"{argv[2]}: {len(tensors)} float32 tensors, {values} values "
          f"(skipped {len(skipped)} non-float entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
