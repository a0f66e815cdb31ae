#!/usr/bin/python3
"""safetensors interop between PyTorch (Debian's python3-torch) and xgrad, by hand with json + struct
(the safetensors package is not in Debian).

  write: tests/reference/torch_written.safetensors, a state_dict written from PyTorch tensors,
         which tests/test_checkpoint.cpp loads and compares value by value.
  check: reads tests/reference/xgrad_written.safetensors (the same state_dict saved by xgrad; the
         C++ test writes it to the build directory and checks the committed copy is byte-identical)
         and compares every tensor with PyTorch's exactly.

Run:  /usr/bin/python3 tests/reference/safetensors_interop.py [write|check]   (default: both)
Refresh the xgrad fixture first with: cp build/xgrad_written.safetensors tests/reference/
"""
import json
import math
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
TORCH_DTYPES = {v: k for k, v in DTYPES.items()}
METADATA = {"format": "pt", "producer": "safetensors_interop.py"}


def expected():
    """The state_dict both sides write; test_checkpoint.cpp builds the same values."""
    return {
        "layer.weight": torch.arange(12, dtype=torch.float32).reshape(3, 4) / 8 - 0.75,
        "layer.bias": torch.tensor([0.5, -0.25, 1e-3], dtype=torch.float32),
        "stats.mean": torch.tensor([[math.pi, math.e], [-1.0 / 3.0, 1e-300]], dtype=torch.float64),
        "labels": torch.tensor([0, -1, 2 ** 40, -(2 ** 62), 7], dtype=torch.int64),
        "step": torch.tensor(42, dtype=torch.int64),
        "scale": torch.tensor(0.1, dtype=torch.float64),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }


def write(path, tensors, metadata):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    header["__metadata__"] = metadata
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # 8-byte alignment of the data area, as safetensors pads
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    out = {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, e = info["data_offsets"]
        dtype = TORCH_DTYPES[info["dtype"]]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=dtype) if e > b else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info["shape"])
    return out, metadata


def check(path):
    got, metadata = read(path)
    want = expected()
    assert list(got) == list(want), f"{path}: names {list(got)} != {list(want)}"
    for name, t in want.items():
        g = got[name]
        assert g.dtype == t.dtype and g.shape == t.shape, f"{name}: {g.dtype} {g.shape} != {t.dtype} {t.shape}"
        assert torch.equal(g, t), f"{name}: values differ:\n{g}\n{t}"
    assert metadata == METADATA, f"metadata {metadata} != {METADATA}"
    print(f"ok: {path} holds the expected {len(want)} tensors and metadata, bit for bit")


def main():
    what = sys.argv[1:] or ["write", "check"]
    if "write" in what:
        path = os.path.join(HERE, "torch_written.safetensors")
        write(path, expected(), METADATA)
        print(f"wrote {path}")
    if "check" in what:
        path = os.path.join(HERE, "xgrad_written.safetensors")
        if os.path.exists(path):
            check(path)
        else:
            print(f"no {path} yet: run test_checkpoint and copy its xgrad_written.safetensors here")


if __name__ == "__main__":
    main()
