"""Writes tensor_ops_reference.hpp: PyTorch's values and gradients of xgrad's split, chunk, repeat,
flip, roll, masked_fill, scatter, index_put, cumsum, prod, norm, sort, topk and broadcasting
matmul on fixed float64 inputs (python3 tests/reference/tensor_ops_reference.py >
tests/reference/tensor_ops_reference.hpp). Each case's gradients are those of sum(out * w), w
fixed; tests/test_tensor_ops.cpp runs the same function of the same inputs by the case's name.
"""
import math

import torch

torch.manual_seed(19)


def vals(*shape):
    return (torch.randn(*shape, dtype=torch.float64) * 100).round() / 100


def idx(v):
    return torch.tensor(v, dtype=torch.int64)


def cat_flat(ts):
    return torch.cat([t.reshape(-1) for t in ts])


x34 = vals(3, 4)
CASES = [
    ("split sizes [1,3] dim 1", [x34], lambda x: cat_flat(torch.split(x, [1, 3], 1))),
    ("split size 2 dim 0", [vals(5, 2)], lambda x: cat_flat([p * (i + 1) for i, p in enumerate(torch.split(x, 2, 0))])),
    ("chunk 3 dim 1", [vals(2, 7)], lambda x: cat_flat([p * (i + 1) for i, p in enumerate(torch.chunk(x, 3, 1))])),
    ("repeat [2,1,3]", [vals(2, 3)], lambda x: x.repeat(2, 1, 3)),
    ("flip dims [0,2]", [vals(2, 3, 4)], lambda x: torch.flip(x, [0, 2])),
    ("roll shifts [1,-2] dims [0,1]", [x34], lambda x: torch.roll(x, [1, -2], [0, 1])),
    ("roll flattened 5", [x34], lambda x: torch.roll(x, 5)),
    ("masked_fill mask [1,4]", [x34], lambda x: x.masked_fill(idx([[1, 0, 0, 1]]).bool(), -7.0)),
    ("scatter dim 1", [x34], lambda x: x.scatter(1, idx([[2, 0], [1, 3], [0, 1]]), x[:, :2] * 3)),
    ("scatter value dim 0", [x34], lambda x: x.scatter(0, idx([[2, 0, 1, 2]]), 2.5)),
    ("index_put rows", [vals(4, 3)], lambda x: x.index_put((idx([0, 2, -1]),), x[:3] * 2)),
    ("index_put two indices", [x34], lambda x: x.index_put((idx([0, 2]), idx([1, -1])), x[1, :2] * -1)),
    ("index_put accumulate", [vals(4, 3)], lambda x: x.index_put((idx([0, 2, 0]),), x[1:4], accumulate=True)),
    ("cumsum dim 1", [x34], lambda x: torch.cumsum(x, 1)),
    ("cumsum dim 0", [x34], lambda x: torch.cumsum(x, 0)),
    ("prod all with a zero", [torch.tensor([[1.5, -2.0, 0.0], [0.5, 3.0, -1.25]], dtype=torch.float64)],
     lambda x: torch.prod(x)),
    ("prod all", [vals(2, 3)], lambda x: torch.prod(x)),
    ("prod dim 1: no zero, one zero, two zeros",
     [torch.tensor([[1.5, -2.0, 0.5, 3.0], [0.5, 0.0, -1.25, 2.0], [0.0, 4.0, 0.0, 1.0]], dtype=torch.float64)],
     lambda x: torch.prod(x, 1)),
    ("prod dim 0 keepdim", [vals(3, 2)], lambda x: torch.prod(x, 0, keepdim=True)),
    ("norm 2", [x34], lambda x: torch.norm(x)),
    ("norm 1", [x34], lambda x: torch.norm(x, 1)),
    ("norm inf", [x34], lambda x: torch.norm(x, math.inf)),
    ("norm -inf", [x34], lambda x: torch.norm(x, -math.inf)),
    ("norm 3", [x34], lambda x: torch.norm(x, 3)),
    ("norm 0.5", [x34], lambda x: torch.norm(x, 0.5)),
    ("norm 0", [torch.tensor([1.0, 0.0, -2.0], dtype=torch.float64)], lambda x: torch.norm(x, 0)),
    ("norm 2 dim 1 keepdim", [x34], lambda x: torch.norm(x, 2, [1], keepdim=True)),
    ("norm inf dim 0", [x34], lambda x: torch.norm(x, math.inf, [0])),
    ("norm 2 of zeros", [torch.zeros(3, dtype=torch.float64)], lambda x: torch.norm(x)),
    ("sort dim 1", [x34], lambda x: torch.sort(x, 1).values),
    ("sort dim 0 descending", [x34], lambda x: torch.sort(x, 0, descending=True).values),
    ("topk 2 dim 1 largest", [x34], lambda x: torch.topk(x, 2, 1).values),
    ("topk 3 dim 0 smallest", [vals(4, 2)], lambda x: torch.topk(x, 3, 0, largest=False).values),
    ("matmul [2,1,3,4] . [5,4,2]", [vals(2, 1, 3, 4), vals(5, 4, 2)], lambda a, b: torch.matmul(a, b)),
    ("matmul [4] . [2,3,4,2]", [vals(4), vals(2, 3, 4, 2)], lambda a, b: torch.matmul(a, b)),
    ("matmul [2,2,3,4] . [4]", [vals(2, 2, 3, 4), vals(4)], lambda a, b: torch.matmul(a, b)),
    ("matmul [3,4] . [2,1,4,5]", [vals(3, 4), vals(2, 1, 4, 5)], lambda a, b: torch.matmul(a, b)),
]

TIES = torch.tensor([[2.0, 1.0, 2.0, -1.0, 1.0], [0.5, 0.5, 0.5, -3.0, 7.0], [1.0, float("nan"), -1.0, 1.0, 0.0]],
                    dtype=torch.float64)
INDEX_CASES = [
    ("sort indices dim 1 (ties, NaN)", [TIES], lambda x: torch.sort(x, dim=1, stable=True).indices),
    ("sort indices dim 1 descending (ties, NaN)", [TIES], lambda x: torch.sort(x, dim=1, descending=True, stable=True).indices),
    ("sort indices dim 0", [x34], lambda x: torch.sort(x, dim=0, stable=True).indices),
    ("topk indices 2 dim 1", [x34], lambda x: torch.topk(x, 2, 1).indices),
    ("topk indices 3 dim 0 smallest", [x34], lambda x: torch.topk(x, 3, 0, largest=False).indices),
]


def num(v):
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INFINITY" if v > 0 else "-INFINITY"
    return repr(float(v))


def fmt(t):
    return ", ".join(num(float(v)) for v in t.reshape(-1).tolist())


def shape(t):
    return ", ".join(str(d) for d in t.shape)


print("// Written by tests/reference/tensor_ops_reference.py with PyTorch %s: do not edit." % torch.__version__)
print("#pragma once")
print("#include <cmath>")
print("#include <cstdint>")
print("#include <vector>")
print("namespace tensor_ops_reference {")
print("struct Input {\n  std::vector<int64_t> shape;\n  std::vector<double> values;\n};")
print("// grads empty: the output is int64 (indices) or not differentiated.")
print("struct Case {\n  const char* name;\n  std::vector<Input> inputs;\n  std::vector<int64_t> out_shape;\n"
      "  std::vector<double> out, w;\n  std::vector<std::vector<double>> grads;\n};")
print("inline const std::vector<Case> kCases = {")
for name, inputs, f in CASES + INDEX_CASES:
    xs = [t.clone().requires_grad_() for t in inputs]
    out = f(*xs)
    ins = ", ".join("{{%s}, {%s}}" % (shape(t), fmt(t)) for t in inputs)
    grads, w = "", ""
    if out.dtype == torch.float64:
        wt = torch.cos(torch.arange(out.numel(), dtype=torch.float64) * 0.7 + 0.3).reshape(out.shape)
        gs = torch.autograd.grad((out * wt).sum(), xs, allow_unused=True)
        gs = [torch.zeros_like(x) if g is None else g for x, g in zip(xs, gs)]
        w = fmt(wt)
        grads = ", ".join("{%s}" % fmt(g) for g in gs)
    print('    {"%s",\n     {%s},\n     {%s},\n     {%s},\n     {%s},\n     {%s}},'
          % (name, ins, shape(out), fmt(out.detach()), w, grads))
print("};")
print("}  // namespace tensor_ops_reference")
