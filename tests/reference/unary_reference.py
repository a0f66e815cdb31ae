"""Writes unary_reference.hpp: PyTorch's values and first derivatives of xgrad's elementwise math
ops at fixed points, in float64 (python3 tests/reference/unary_reference.py > unary_reference.hpp).
"""
import torch

XS = [-6.0, -3.5, -1.0, -0.25, -1e-6, 0.0, 1e-6, 0.3, 1.0, 2.5, 6.0]
OPS = {
    "sin": torch.sin,
    "cos": torch.cos,
    "log1p": torch.log1p,
    "expm1": torch.expm1,
    "erf": torch.erf,
    "gelu": torch.nn.functional.gelu,
    "gelu_tanh": lambda x: torch.nn.functional.gelu(x, approximate="tanh"),
    "silu": torch.nn.functional.silu,
}

print("// Written by tests/reference/unary_reference.py with PyTorch %s: do not edit." % torch.__version__)
print("#pragma once")
print("#include <vector>")
print("namespace unary_reference {")
print("struct Op {\n  const char* name;\n  std::vector<double> x, y, dy;\n};")
print("inline const std::vector<Op> kOps = {")
for name, f in OPS.items():
    xs = [x for x in XS if not (name == "log1p" and x <= -1.0)]
    x = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    y = f(x)
    (dy,) = torch.autograd.grad(y.sum(), x)
    fmt = lambda t: ", ".join(repr(float(v)) for v in t)
    print('    {"%s", {%s},\n     {%s},\n     {%s}},' % (name, fmt(x.detach()), fmt(y.detach()), fmt(dy)))
print("};")
print("}  // namespace unary_reference")
