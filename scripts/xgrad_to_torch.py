#!/usr/bin/python3
"""Rebuild a model saved by xgrad's nn::save_model in PyTorch, without any xgrad code.

    scripts/xgrad_to_torch.py MODEL_DIR                      # prints the torch module
    scripts/xgrad_to_torch.py MODEL_DIR --input in.safetensors [--output out.safetensors]

MODEL_DIR holds model.json (layer type names and constructor arguments) and model.safetensors
(the weights, under the same names as torch's state_dict). With --input, the tensor named "input"
in that file goes through the model in eval mode; the result is printed and, with --output,
written as the tensor "output". Exits 77 (with the reason) where PyTorch cannot be imported, 2 on
a malformed model.
"""
import argparse
import collections
import json
import struct
import sys

try:
    import torch
except ImportError as e:  # the caller (a test) reports this as skipped
    print(f"xgrad_to_torch: PyTorch is not available to this python3 ({e})", file=sys.stderr)
    sys.exit(77)

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}

def pair(v):
    """An xgrad size: one integer, [h, w] (a tuple for torch) or a padding mode ("same", "valid")."""
    return tuple(v) if isinstance(v, list) else v


# One entry per xgrad layer type: its torch module from the JSON "args".
LAYERS = {
    "Linear": lambda a: torch.nn.Linear(a["in_features"], a["out_features"], bias=a["bias"]),
    "ReLU": lambda a: torch.nn.ReLU(),
    "Tanh": lambda a: torch.nn.Tanh(),
    "Sigmoid": lambda a: torch.nn.Sigmoid(),
    "Identity": lambda a: torch.nn.Identity(),
    "LeakyReLU": lambda a: torch.nn.LeakyReLU(a["negative_slope"]),
    "Softmax": lambda a: torch.nn.Softmax(dim=a["dim"]),
    "LogSoftmax": lambda a: torch.nn.LogSoftmax(dim=a["dim"]),
    "Dropout": lambda a: torch.nn.Dropout(a["p"]),
    "Flatten": lambda a: torch.nn.Flatten(a["start_dim"], a["end_dim"]),
    "Conv1d": lambda a: torch.nn.Conv1d(a["in_channels"], a["out_channels"], a["kernel_size"], stride=a["stride"],
                                        padding=pair(a["padding"]), dilation=a["dilation"], groups=a["groups"],
                                        bias=a["bias"]),
    "Conv2d": lambda a: torch.nn.Conv2d(a["in_channels"], a["out_channels"], pair(a["kernel_size"]),
                                        stride=pair(a["stride"]), padding=pair(a["padding"]),
                                        dilation=pair(a["dilation"]), groups=a["groups"], bias=a["bias"]),
    "MaxPool2d": lambda a: torch.nn.MaxPool2d(pair(a["kernel_size"]), stride=pair(a["stride"]),
                                              padding=pair(a["padding"]), dilation=pair(a["dilation"])),
    "AvgPool2d": lambda a: torch.nn.AvgPool2d(pair(a["kernel_size"]), stride=pair(a["stride"]),
                                              padding=pair(a["padding"])),
    "AdaptiveAvgPool2d": lambda a: torch.nn.AdaptiveAvgPool2d(pair(a["output_size"])),
    "BatchNorm1d": lambda a: torch.nn.BatchNorm1d(a["num_features"], eps=a["eps"], momentum=a["momentum"],
                                                  affine=a["affine"], track_running_stats=a["track_running_stats"]),
    "BatchNorm2d": lambda a: torch.nn.BatchNorm2d(a["num_features"], eps=a["eps"], momentum=a["momentum"],
                                                  affine=a["affine"], track_running_stats=a["track_running_stats"]),
    "LayerNorm": lambda a: torch.nn.LayerNorm(a["normalized_shape"], eps=a["eps"],
                                              elementwise_affine=a["elementwise_affine"]),
    "Embedding": lambda a: torch.nn.Embedding(a["num_embeddings"], a["embedding_dim"],
                                              padding_idx=a.get("padding_idx")),
    "GELU": lambda a: torch.nn.GELU(approximate=a["approximate"]),
    "SiLU": lambda a: torch.nn.SiLU(),
    "ELU": lambda a: torch.nn.ELU(a["alpha"]),
    "Softplus": lambda a: torch.nn.Softplus(beta=a["beta"], threshold=a["threshold"]),
}


class ModelError(Exception):
    pass


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = collections.OrderedDict()
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[b:e]), dtype=DTYPES[info["dtype"]]) if e > b else \
            torch.empty(0, dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def build(spec, field):
    if not isinstance(spec, dict) or "type" not in spec:
        raise ModelError(f"{field}: expected an object with a \"type\"")
    kind = spec["type"]
    if kind == "Sequential":
        layers = collections.OrderedDict()
        for i, layer in enumerate(spec.get("layers", [])):
            layers[layer.get("name", str(i))] = build(layer, f"{field}.layers[{i}]")
        return torch.nn.Sequential(layers)
    if kind not in LAYERS:
        raise ModelError(f"{field}.type: unknown layer \"{kind}\" (known: {', '.join(sorted(LAYERS))}, Sequential)")
    try:
        return LAYERS[kind](spec.get("args", {}))
    except KeyError as e:
        raise ModelError(f"{field}.args.{e.args[0]}: missing")


def load_model(model_dir):
    path = f"{model_dir}/model.json"
    with open(path) as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            raise ModelError(f"\"{path}\": not valid JSON: {e}")
    if doc.get("format") != "xgrad.model" or doc.get("version") != 1:
        raise ModelError(f"\"{path}\": not an xgrad model of version 1")
    try:
        model = build(doc["model"], "model")
    except ModelError as e:
        raise ModelError(f"\"{path}\": {e}")
    model = model.to({"float32": torch.float32, "float64": torch.float64}[doc["dtype"]])
    model.load_state_dict(read_safetensors(f"{model_dir}/model.safetensors"), strict=True)
    return model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--input", help="safetensors file with a tensor named \"input\"")
    parser.add_argument("--output", help="write the outputs here as the tensor \"output\"")
    args = parser.parse_args()
    try:
        model = load_model(args.model_dir)
    except (ModelError, OSError) as e:
        print(f"xgrad_to_torch: {e}", file=sys.stderr)
        return 2
    if not args.input:
        print(model)
        return 0
    x = read_safetensors(args.input)["input"]
    with torch.no_grad():
        y = model(x)
    torch.set_printoptions(precision=10)
    print(y)
    if args.output:
        write_safetensors(args.output, {"output": y})
    return 0


if __name__ == "__main__":
    sys.exit(main())
