"""Writes the seed corpora in corpus/<harness>/: small valid files and broken ones.
Run from anywhere: python3 tests/fuzz/make_corpus.py (deterministic; the output is committed)."""
import gzip, json, os, struct

here = os.path.dirname(os.path.abspath(__file__))


def put(harness, name, data):
    d = os.path.join(here, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data if isinstance(data, bytes) else data.encode(), mtime=0)


# ---- safetensors: the state of Sequential(Linear(2, 3), BatchNorm1d(3))
def safetensors(entries, metadata=None, pad=True):
    header, blob = {}, b""
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob


f32 = lambda *v: struct.pack("<%df" % len(v), *v)
state = [("0.weight", "F32", [3, 2], f32(1, 2, 3, 4, 5, 6)), ("0.bias", "F32", [3], f32(0.5, -1, 2)),
         ("1.weight", "F32", [3], f32(1, 1, 1)), ("1.bias", "F32", [3], f32(0, 0, 0)),
         ("1.running_mean", "F32", [3], f32(0, 0, 0)), ("1.running_var", "F32", [3], f32(1, 1, 1)),
         ("1.num_batches_tracked", "I64", [], struct.pack("<q", 0))]
put("safetensors", "valid", safetensors(state, {"epoch": "3"}))
put("safetensors", "valid_f64", safetensors([("0.weight", "F64", [3, 2], struct.pack("<6d", *range(6)))]))
put("safetensors", "empty_header", safetensors([]))
put("safetensors", "wrong_shape", safetensors([("0.weight", "F32", [2, 3], f32(*range(6)))]))
put("safetensors", "truncated", safetensors(state)[:-5])
put("safetensors", "bad_json", struct.pack("<Q", 9) + b'{"a": [1,')
put("safetensors", "huge_length", struct.pack("<Q", 1 << 62) + b"{}")
put("safetensors", "overlap", struct.pack("<Q", 120) + json.dumps(
    {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
     "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode().ljust(120) + b"\0" * 12)
put("safetensors", "unknown_dtype", safetensors([("x", "BF16", [2], b"\0" * 4)]))

# ---- CSV: the first byte is the options (see csv.cpp), the rest the file
put("csv", "plain", b"\x00" + b"1,2,3\n4,5,6\n")
put("csv", "header", b"\x01" + b"a,b,label\n1.5,2e3,0\n-4,5,1\n")
put("csv", "semicolon_quoted", b"\x03" + b'"1";"2"\n "3" ; 4\n\n')
put("csv", "spaces", b"\x04" + b"1  2\t3\n4 5 6\n")
put("csv", "float64_drop", b"\x28" + b"id,1,2\nx,3,4\n")
put("csv", "gz", b"\x00" + gz("1,2,3\n4,5,6\n7,8,9\n"))
put("csv", "gz_truncated", b"\x00" + gz("1,2,3\n4,5,6\n7,8,9\n")[:-6])
put("csv", "ragged", b"\x00" + b"1,2\n3\n")
put("csv", "not_number", b"\x00" + b"1,abc\n")
put("csv", "nan_inf", b"\x08" + b"nan,inf\n-inf,1e400\n")

# ---- IDX
def idx(type_byte, dims, payload):
    return bytes([0, 0, type_byte, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload

put("idx", "labels", idx(0x08, [4], bytes([0, 1, 2, 9])))
put("idx", "images", idx(0x08, [2, 2, 3], bytes(range(12))))
put("idx", "int32", idx(0x0C, [2], struct.pack(">2i", -5, 7)))
put("idx", "int16", idx(0x0B, [2], struct.pack(">2h", -5, 7)))
put("idx", "int8", idx(0x09, [2], struct.pack(">2b", -5, 7)))
put("idx", "float", idx(0x0D, [2], struct.pack(">2f", 1.5, -2)))
put("idx", "double", idx(0x0E, [1, 2], struct.pack(">2d", 1.5, -2)))
put("idx", "gz", gz(idx(0x08, [3, 2], bytes(range(6)))))
put("idx", "truncated", idx(0x08, [10], bytes(3)))
put("idx", "trailing", idx(0x08, [1], bytes(3)))
put("idx", "bad_type", idx(0x07, [1], bytes(1)))
put("idx", "huge_dims", idx(0x08, [0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], b""))

# ---- MNIST: images, "XGRADSEP", labels
imgs = idx(0x08, [2, 28, 28], bytes((i * 7) % 256 for i in range(2 * 784)))
labs = idx(0x08, [2], bytes([3, 9]))
put("mnist", "valid", imgs + b"XGRADSEP" + labs)
put("mnist", "valid_gz", gz(imgs) + b"XGRADSEP" + gz(labs))
put("mnist", "label_200", imgs + b"XGRADSEP" + idx(0x08, [2], bytes([3, 200])))
put("mnist", "zero_images", idx(0x08, [0, 28, 28], b"") + b"XGRADSEP" + idx(0x08, [0], b""))
put("mnist", "20x20", idx(0x08, [1, 20, 20], bytes(400)) + b"XGRADSEP" + idx(0x08, [1], b"\x01"))
put("mnist", "count_mismatch", imgs + b"XGRADSEP" + idx(0x08, [3], bytes(3)))

# ---- IMDB folders: parts separated by "\n====\n", neg and pos in turn
put("text_folders", "two", "A terrible film, really.\n====\nI loved it! Don't miss it.")
put("text_folders", "many", "\n====\n".join(["good good bad", "'quoted' words", "", "x" * 50, "\xff\x00bin"]))
put("text_folders", "no_pos", "!only a negative review")

# ---- split indices JSON
put("split_json", "valid", json.dumps({"n": 5, "train": [0, 2, 4], "test": [1, 3]}))
put("split_json", "duplicate", json.dumps({"n": 3, "train": [0, 0], "test": [1]}))
put("split_json", "out_of_range", json.dumps({"n": 3, "train": [0, 5], "test": [-1]}))
put("split_json", "wrong_types", json.dumps({"n": "5", "train": {}, "test": [1.5]}))
put("split_json", "not_json", "{\"n\": 5, \"train\": [")
put("split_json", "huge_n", json.dumps({"n": 1 << 62, "train": [0], "test": [1]}))

# ---- model.json (beside the weights of Linear(4, 3), ReLU, Linear(3, 2))
def model(layers, version=1, dtype="float32"):
    return json.dumps({"format": "xgrad.model", "version": version, "dtype": dtype,
                       "model": {"type": "Sequential", "layers": layers}}, indent=1)

lin = lambda n, i, o: {"name": n, "type": "Linear", "args": {"in_features": i, "out_features": o, "bias": True}}
put("model_json", "valid", model([lin("0", 4, 3), {"name": "1", "type": "ReLU", "args": {}}, lin("2", 3, 2)]))
put("model_json", "wrong_width", model([lin("0", 4, 5), {"name": "1", "type": "ReLU", "args": {}}, lin("2", 5, 2)]))
put("model_json", "nested", model([{"name": "0", "type": "Sequential", "layers": [lin("0", 4, 3)]},
                                   {"name": "1", "type": "Dropout", "args": {"p": 0.5}}]))
put("model_json", "unknown_layer", model([{"name": "0", "type": "Bogus", "args": {}}]))
put("model_json", "mistyped", model([lin("0", "4", 3.5)]))
put("model_json", "version_2", model([], version=2))
put("model_json", "float64", model([lin("0", 4, 3)], dtype="float64"))
put("model_json", "not_json", "{\"format\": \"xgrad.model\", ")
put("model_json", "others", model([{"name": "0", "type": t, "args": a} for t, a in [
    ("Tanh", {}), ("Sigmoid", {}), ("Identity", {}), ("LeakyReLU", {"negative_slope": 0.1}),
    ("Softmax", {"dim": 1}), ("LogSoftmax", {"dim": -1}), ("Flatten", {"start_dim": 1, "end_dim": -1})]]))
put("split_json", "float_index", '{"n": 5, "train": [0, 1e300], "test": []}')
put("split_json", "negative_n", '{"n": -4, "train": [], "test": []}')
put("idx", "wrapping_dims", idx(0x08, [1 << 20, 1 << 20, 1 << 24], b""))
put("csv", "huge_label", b"\x00" + b"1,2\n3,1e300\n")
