"""Writes layers_reference.hpp: PyTorch's outputs and gradients of xgrad's convolution, pooling
and normalization layers on fixed inputs, in float64
(/usr/bin/python3 tests/reference/layers_reference.py > tests/reference/layers_reference.hpp).
Every input is wave(shape, seed) (tests/test_layers.cpp computes the same numbers), and every
gradient is that of sum(output * wave(output shape, 99)).
"""
import math
import torch
import torch.nn.functional as F


def wave(shape, seed):
    n = math.prod(shape)
    return torch.tensor([math.sin(0.731 * i + seed) * 1.3 for i in range(n)], dtype=torch.float64).reshape(shape)


def leaf(shape, seed):
    return wave(shape, seed).requires_grad_()


CASES = []


def case(name, fn, shapes, extra=None):
    ins = [leaf(s, k + 1) for k, s in enumerate(shapes)]
    out = fn(*ins)
    grads = torch.autograd.grad((out * wave(out.shape, 99)).sum(), ins)
    CASES.append((name, list(out.shape), out.detach().flatten().tolist(), [g.flatten().tolist() for g in grads], extra or []))


case("conv2d groups 2, stride (2,1), padding (1,0), dilation (1,2), bias",
     lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
     [(2, 4, 5, 6), (6, 2, 3, 2), (6,)])
case("conv2d padding same, kernel (4,3)", lambda x, w: F.conv2d(x, w, padding="same"), [(1, 3, 5, 4), (2, 3, 4, 3)])
case("conv2d stride 2, padding 2", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=2), [(2, 2, 7, 6), (3, 2, 3, 3), (3,)])
case("conv1d stride 2, padding 1, dilation 2, bias",
     lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2), [(2, 3, 11), (4, 3, 3), (4,)])
case("conv1d groups 3, padding same", lambda x, w: F.conv1d(x, w, padding="same", groups=3), [(1, 3, 8), (6, 1, 4)])
case("max_pool2d kernel 3, stride 2, padding 1", lambda x: F.max_pool2d(x, 3, 2, 1), [(2, 3, 7, 6)])
case("max_pool2d kernel (2,3), dilation (2,1)", lambda x: F.max_pool2d(x, (2, 3), (1, 2), 0, (2, 1)), [(1, 2, 6, 7)])
_, idx = F.max_pool2d(wave((2, 3, 7, 6), 1), 3, 2, 1, return_indices=True)
MAXPOOL_INDICES = idx.flatten().tolist()
case("avg_pool2d kernel (2,3), stride (1,2), padding 1", lambda x: F.avg_pool2d(x, (2, 3), (1, 2), 1), [(2, 2, 5, 7)])
case("adaptive_avg_pool2d (5,7) -> (3,4)", lambda x: F.adaptive_avg_pool2d(x, (3, 4)), [(2, 2, 5, 7)])
case("adaptive_avg_pool2d (4,4) -> (1,1)", lambda x: F.adaptive_avg_pool2d(x, 1), [(2, 3, 4, 4)])
case("batch_norm training [N, C, H, W]",
     lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(3, 2, 4, 3), (2,), (2,)])
case("batch_norm training [N, C]", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(5, 3), (3,), (3,)])
case("layer_norm over (3, 4)", lambda x, w, b: F.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)])
case("elu alpha 0.7", lambda x: F.elu(x, 0.7), [(13,)])
case("softplus beta 2, threshold 1.5", lambda x: F.softplus(x, 2.0, 1.5), [(13,)])

# BatchNorm2d's running statistics after two training steps, and its eval output.
bn = torch.nn.BatchNorm2d(2).double()
bn(wave((3, 2, 4, 3), 1))
bn(wave((3, 2, 4, 3), 2) * 2 + 1)
bn.eval()
BN_EVAL = bn(wave((3, 2, 4, 3), 3)).detach().flatten().tolist()
BN_RUNNING = bn.running_mean.tolist() + bn.running_var.tolist()

fmt = lambda v: ", ".join(repr(float(x)) for x in v)
print("// Written by tests/reference/layers_reference.py with PyTorch %s: do not edit." % torch.__version__)
print("#pragma once")
print("#include <cstdint>")
print("#include <vector>")
print("namespace layers_reference {")
print("struct Case {\n  const char* name;\n  std::vector<int64_t> shape;\n  std::vector<double> out;\n  std::vector<std::vector<double>> grads;\n};")
print("inline const std::vector<Case> kCases = {")
for name, shape, out, grads, _ in CASES:
    print('    {"%s",\n     {%s},\n     {%s},\n     {%s}},' % (name, ", ".join(map(str, shape)), fmt(out), ", ".join("{%s}" % fmt(g) for g in grads)))
print("};")
print("inline const std::vector<int64_t> kMaxPoolIndices = {%s};" % ", ".join(str(int(i)) for i in MAXPOOL_INDICES))
print("// BatchNorm2d(2) after training steps on wave([3,2,4,3], 1) and 2 * wave(..., 2) + 1:")
print("// running_mean then running_var, and the eval output on wave(..., 3).")
print("inline const std::vector<double> kBatchNormRunning = {%s};" % fmt(BN_RUNNING))
print("inline const std::vector<double> kBatchNormEval = {%s};" % fmt(BN_EVAL))
print("}  // namespace layers_reference")
