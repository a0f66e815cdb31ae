// The op table the gradient suites share: every differentiable op of the public API in rows of
// (name, input shapes, function, input domain), over shapes that exercise broadcasting.
// tests/test_ops.cpp gradchecks each row on the CPU in float64; tests/test_cuda_ops.cpp runs each
// row on the CPU and on CUDA in float32 and float64, compares values and gradients, and
// gradchecks the rows on the device. Constants inside a row are made on its inputs' device and
// dtype (`like`, `indices`), so one row runs anywhere. A new op gets a row here, and its name in
// its table's `ops`.
#pragma once

#include <cmath>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

namespace op_table {

using namespace xgrad;
using V = std::vector<Tensor>;

// Where a row's inputs are drawn from, to keep them away from the points where the op has no
// derivative.
enum class Domain {
  normal,    // randn
  positive,  // |randn| + 0.5: log, sqrt, pow, division
  distinct,  // a shuffled grid: no ties (max, min, maximum, abs, relu, clamp), away from 0 and
             // from +-0.55 (the clamp bounds below)
};

struct Row {
  std::string name;
  std::vector<Shape> shapes;  // one per input; every input is floating and requires grad
  autograd::Fn fn;
  Domain domain = Domain::normal;
  autograd::GradcheckOptions opt = {};
};

struct Table {
  std::string name;
  std::vector<std::string>
      ops;  // the public API names its rows call (test_cuda_ops checks coverage)
  std::vector<Row> rows;
};

// Values 0.13 + 0.07 k + 0.3 j in shuffled order: distinct within an input, and input k's values
// never equal input k''s.
inline Tensor distinct_values(const Shape& s, int k) {
  int64_t n = s.numel();
  auto perm = randperm(n).to_vector<int64_t>();
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = 0.3 * static_cast<double>(perm[i] - n / 2) + 0.13 + 0.07 * k;
  return tensor(v, s, kFloat64);
}

// The row's inputs, drawn in float64 on the CPU from the current seed, then converted to `dtype`
// and moved to `device` (so every device gets the same values), as leaves that require grad.
inline V make_inputs(const Row& row, Dtype dtype = kFloat64, Device device = kCPU) {
  V in;
  int k = 0;
  for (const Shape& s : row.shapes) {
    Tensor t;
    switch (row.domain) {
      case Domain::normal:
        t = randn(s, kFloat64);
        break;
      case Domain::positive:
        t = abs(randn(s, kFloat64)) + 0.5;
        break;
      case Domain::distinct:
        t = distinct_values(s, k);
        break;
    }
    in.push_back(t.detach().to(dtype).to(device).requires_grad_());
    ++k;
  }
  return in;
}

// Constants for a row's function: values in ref's dtype, and int64 indices, on ref's device.
inline Tensor like(const Tensor& ref, const std::vector<double>& values, const Shape& s) {
  return tensor(values, s, TensorOptions{ref.dtype(), ref.device()});
}
inline Tensor indices(const Tensor& ref, const std::vector<double>& values, const Shape& s) {
  return tensor(values, s, TensorOptions{kInt64, ref.device()});
}

#define ROW_FN(expr) [](const V& x) -> Tensor { return expr; }

inline Table binary_elementwise() {
  return {"binary elementwise ops with broadcasting",
          {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "where", "tanh_backward",
           "sigmoid_backward", "threshold_backward", "operator+", "operator-", "operator*",
           "operator/"},
          {
              {"add [3,1,4] + [2,4]", {{3, 1, 4}, {2, 4}}, ROW_FN(add(x[0], x[1]))},
              {"add [4] + []", {{4}, {}}, ROW_FN(add(x[0], x[1]))},
              {"operator+ [] + [2,3]", {{}, {2, 3}}, ROW_FN(x[0] + x[1])},
              {"sub [2,3] - [3]", {{2, 3}, {3}}, ROW_FN(sub(x[0], x[1]))},
              {"sub [4] - []", {{4}, {}}, ROW_FN(x[0] - x[1])},
              {"mul [3,1,4] * [2,4]", {{3, 1, 4}, {2, 4}}, ROW_FN(mul(x[0], x[1]))},
              {"mul [2,1] * [1,3]", {{2, 1}, {1, 3}}, ROW_FN(x[0] * x[1])},
              {"mul x * x (one tensor used twice)", {{3}}, ROW_FN(mul(x[0], x[0]))},
              {"div [2,1] / [1,3]", {{2, 1}, {1, 3}}, ROW_FN(div(x[0], x[1])), Domain::positive},
              {"div [4] / []", {{4}, {}}, ROW_FN(x[0] / x[1]), Domain::positive},
              {"pow tensor [2,3] ^ [3]", {{2, 3}, {3}}, ROW_FN(pow(x[0], x[1])), Domain::positive},
              {"pow tensor [] ^ [2,2]", {{}, {2, 2}}, ROW_FN(pow(x[0], x[1])), Domain::positive},
              {"pow scalar exponent 2.5", {{2, 3}}, ROW_FN(pow(x[0], 2.5)), Domain::positive},
              {"pow scalar exponent -1.5", {{2, 3}}, ROW_FN(x[0].pow(-1.5)), Domain::positive},
              {"pow scalar exponent 3 (negative base)", {{2, 3}}, ROW_FN(pow(x[0], 3.0))},
              {"pow scalar base 2.0", {{2, 3}}, ROW_FN(pow(2.0, x[0]))},
              {"pow scalar base 0.3", {{4}}, ROW_FN(pow(0.3, x[0]))},
              {"maximum [3,1,4] [2,4]",
               {{3, 1, 4}, {2, 4}},
               ROW_FN(maximum(x[0], x[1])),
               Domain::distinct},
              {"minimum [2,3] [3]", {{2, 3}, {3}}, ROW_FN(minimum(x[0], x[1])), Domain::distinct},
              {"where cond [2,3], a [2,1], b [3]",
               {{2, 1}, {3}},
               ROW_FN(where(like(x[0], {1, 0, 1, 0, 1, 1}, {2, 3}), x[0], x[1]))},
              {"tanh_backward grad [2,3], y [3]", {{2, 3}, {3}}, ROW_FN(tanh_backward(x[0], x[1]))},
              {"sigmoid_backward grad [2,3], y [3]",
               {{2, 3}, {3}},
               ROW_FN(sigmoid_backward(x[0], x[1]))},
              {"threshold_backward grad [2,3], x [2,3]",
               {{2, 3}, {2, 3}},
               ROW_FN(threshold_backward(x[0], x[1], 0.1)),
               Domain::distinct},
          }};
}

inline Table scalar_operands() {
  return {"scalar operands on either side",
          {"add", "sub", "rsub", "mul", "div", "rdiv", "operator+", "operator-", "operator*",
           "operator/"},
          {
              {"add(x, 2.5)", {{2, 3}}, ROW_FN(add(x[0], 2.5))},
              {"2.5 + x", {{2, 3}}, ROW_FN(2.5 + x[0])},
              {"sub(x, 1.5)", {{2, 3}}, ROW_FN(sub(x[0], 1.5))},
              {"x - 1.5", {{2, 3}}, ROW_FN(x[0] - 1.5)},
              {"rsub(2.5, x)", {{2, 3}}, ROW_FN(rsub(2.5, x[0]))},
              {"2.5 - x", {{2, 3}}, ROW_FN(2.5 - x[0])},
              {"mul(x, -1.5)", {{2, 3}}, ROW_FN(mul(x[0], -1.5))},
              {"-1.5 * x", {{2, 3}}, ROW_FN(-1.5 * x[0])},
              {"div(x, 4)", {{2, 3}}, ROW_FN(div(x[0], 4.0))},
              {"x / 4", {{2, 3}}, ROW_FN(x[0] / 4.0)},
              {"rdiv(2, x)", {{2, 3}}, ROW_FN(rdiv(2.0, x[0])), Domain::positive},
              {"3 / x", {{2, 3}}, ROW_FN(3.0 / x[0]), Domain::positive},
          }};
}

inline Table unary_elementwise() {
  return {
      "unary elementwise ops",
      {"neg", "operator-", "exp", "log", "sqrt", "abs", "sign", "tanh", "sigmoid", "relu",
       "leaky_relu", "softplus", "clamp", "clone", "to", "add_", "mul_", "sin", "cos", "log1p",
       "expm1", "erf", "gelu", "silu"},
      {
          {"neg", {{2, 3}}, ROW_FN(neg(x[0]))},
          {"unary minus", {{2, 3}}, ROW_FN(-x[0])},
          {"exp", {{2, 3}}, ROW_FN(exp(x[0]))},
          {"log", {{2, 3}}, ROW_FN(log(x[0])), Domain::positive},
          {"sqrt", {{2, 3}}, ROW_FN(sqrt(x[0])), Domain::positive},
          {"abs", {{2, 3}}, ROW_FN(abs(x[0])), Domain::distinct},
          {"sign (zero gradient)", {{2, 3}}, ROW_FN(sign(x[0])), Domain::distinct},
          {"tanh", {{2, 3}}, ROW_FN(tanh(x[0]))},
          {"sigmoid", {{2, 3}}, ROW_FN(sigmoid(x[0]))},
          {"relu", {{2, 3}}, ROW_FN(relu(x[0])), Domain::distinct},
          {"leaky_relu 0.1", {{2, 3}}, ROW_FN(leaky_relu(x[0], 0.1)), Domain::distinct},
          // second derivatives through relu's own (zero) one, as PyTorch's
          {"relu(x) * x", {{2, 3}}, ROW_FN(mul(relu(x[0]), x[0])), Domain::distinct},
          {"leaky_relu 0.2 squared", {{2, 3}}, ROW_FN(mul(leaky_relu(x[0], 0.2), leaky_relu(x[0], 0.2))), Domain::distinct},
          {"softplus", {{2, 3}}, ROW_FN(softplus(mul(x[0], 3.0)))},
          {"sin", {{2, 3}}, ROW_FN(sin(mul(x[0], 2.0)))},
          {"cos", {{2, 3}}, ROW_FN(cos(mul(x[0], 2.0)))},
          {"log1p", {{2, 3}}, ROW_FN(log1p(x[0])), Domain::positive},
          {"expm1", {{2, 3}}, ROW_FN(expm1(x[0]))},
          {"erf", {{2, 3}}, ROW_FN(erf(x[0]))},
          {"gelu", {{2, 3}}, ROW_FN(gelu(mul(x[0], 2.0)))},
          {"gelu tanh", {{2, 3}}, ROW_FN(gelu(mul(x[0], 2.0), "tanh"))},
          {"silu", {{2, 3}}, ROW_FN(silu(mul(x[0], 2.0)))},
          {"clamp [-0.55, 0.55]", {{2, 3}}, ROW_FN(clamp(x[0], -0.55, 0.55)), Domain::distinct},
          {"clamp max only", {{2, 3}}, ROW_FN(clamp(x[0], std::nullopt, 0.55)), Domain::distinct},
          {"clamp min only", {{2, 3}}, ROW_FN(clamp(x[0], -0.55, std::nullopt)), Domain::distinct},
          {"methods x.exp().tanh().sigmoid()", {{2, 3}}, ROW_FN(x[0].exp().tanh().sigmoid())},
          {"clone", {{2, 3}, {3}}, ROW_FN(mul(x[0].clone(), x[1]))},
          // float32 in the middle: larger steps keep rounding out of the differences (the map is
          // linear)
          {"to(float32) and back",
           {{2, 3}},
           ROW_FN(x[0].to(kFloat32).to(kFloat64) * 3.0),
           Domain::normal,
           {.eps = 1e-2}},
          {"add_ and mul_ on a non-leaf",
           {{2, 3}, {3}},
           [](const V& x) {
             Tensor y = x[0] * 1.0;  // not a leaf, so in-place ops on it are recorded
             y.add_(x[1]);
             y.mul_(x[1]);
             y.add_(x[1], -2.0);
             y.add_(0.5);
             y.mul_(3.0);
             return y;
           }},
      }};
}

inline Table reductions() {
  return {
      "reductions",
      {"sum", "sum_to", "mean", "var", "std", "max", "min", "logsumexp"},
      {
          {"sum all", {{2, 3}}, ROW_FN(sum(x[0]))},
          {"sum dims {0, 2}", {{2, 3, 4}}, ROW_FN(sum(x[0], {0, 2}))},
          {"sum dim 1 keepdim", {{2, 3, 4}}, ROW_FN(sum(x[0], {1}, true))},
          {"sum dim -1", {{2, 3}}, ROW_FN(x[0].sum({-1}))},
          {"sum of a 0-d tensor", {{}}, ROW_FN(sum(x[0]))},
          {"sum_to [2,3,4] -> [3,1]", {{2, 3, 4}}, ROW_FN(sum_to(x[0], {3, 1}))},
          {"mean all", {{2, 3}}, ROW_FN(mean(x[0]))},
          {"mean dim 1", {{2, 3, 4}}, ROW_FN(mean(x[0], {1}))},
          {"mean dims {0, 2} keepdim", {{2, 3, 4}}, ROW_FN(x[0].mean({0, 2}, true))},
          {"var all", {{2, 3}}, ROW_FN(var(x[0]))},
          {"var dim 1", {{2, 4}}, ROW_FN(var(x[0], Dims{1}))},
          {"var dim 0, correction 0, keepdim", {{3, 2}}, ROW_FN(var(x[0], Dims{0}, 0, true))},
          {"std all", {{2, 3}}, ROW_FN(xgrad::std(x[0]))},
          {"std dim 1 keepdim", {{2, 4}}, ROW_FN(xgrad::std(x[0], Dims{1}, 1, true))},
          {"max all", {{2, 3}}, ROW_FN(max(x[0])), Domain::distinct},
          {"min all", {{2, 3}}, ROW_FN(x[0].min()), Domain::distinct},
          {"max dim 1", {{2, 3}}, ROW_FN(max(x[0], 1).values), Domain::distinct},
          {"max dim 0 keepdim", {{3, 2}}, ROW_FN(max(x[0], 0, true).values), Domain::distinct},
          {"min dim -1", {{2, 2, 3}}, ROW_FN(min(x[0], -1).values), Domain::distinct},
          {"min dim 1 keepdim", {{2, 3, 2}}, ROW_FN(min(x[0], 1, true).values), Domain::distinct},
          {"logsumexp dim 1", {{2, 3}}, ROW_FN(logsumexp(x[0], 1))},
          {"logsumexp dim 0 keepdim", {{3, 2}}, ROW_FN(logsumexp(x[0], 0, true))},
      }};
}

inline Table matmul_mm() {
  return {"matmul and mm",
          {"matmul", "mm"},
          {
              {"matmul 1-D . 1-D", {{3}, {3}}, ROW_FN(matmul(x[0], x[1]))},
              {"matmul 2-D . 1-D", {{2, 3}, {3}}, ROW_FN(matmul(x[0], x[1]))},
              {"matmul 1-D . 2-D", {{3}, {3, 2}}, ROW_FN(matmul(x[0], x[1]))},
              {"matmul 2-D . 2-D", {{2, 3}, {3, 4}}, ROW_FN(matmul(x[0], x[1]))},
              {"matmul 3-D . 3-D", {{2, 2, 3}, {2, 3, 2}}, ROW_FN(matmul(x[0], x[1]))},
              {"matmul 3-D . 2-D", {{2, 2, 3}, {3, 2}}, ROW_FN(x[0].matmul(x[1]))},
              {"matmul 2-D . 3-D", {{2, 3}, {2, 3, 2}}, ROW_FN(matmul(x[0], x[1]))},
              {"mm a . b", {{2, 3}, {3, 4}}, ROW_FN(mm(x[0], x[1], false, false))},
              {"mm a^T . b", {{3, 2}, {3, 4}}, ROW_FN(mm(x[0], x[1], true, false))},
              {"mm a . b^T", {{2, 3}, {4, 3}}, ROW_FN(mm(x[0], x[1], false, true))},
              {"mm a^T . b^T", {{3, 2}, {4, 3}}, ROW_FN(mm(x[0], x[1], true, true))},
              {"mm batched a^T . b^T", {{2, 3, 2}, {2, 4, 3}}, ROW_FN(mm(x[0], x[1], true, true))},
              {"mm batched a . 2-D b^T", {{2, 2, 3}, {4, 3}}, ROW_FN(mm(x[0], x[1], false, true))},
              {"mm 2-D a^T . batched b", {{3, 2}, {2, 3, 4}}, ROW_FN(mm(x[0], x[1], true, false))},
              {"matmul 4-D . 3-D, batch dims broadcast",
               {{2, 1, 2, 3}, {3, 3, 2}},
               ROW_FN(matmul(x[0], x[1]))},
              {"matmul 1-D . 4-D", {{3}, {2, 1, 3, 2}}, ROW_FN(matmul(x[0], x[1]))},
              {"matmul 4-D . 1-D", {{2, 2, 1, 3}, {3}}, ROW_FN(matmul(x[0], x[1]))},
              {"matmul 2-D . 4-D", {{2, 3}, {2, 2, 3, 1}}, ROW_FN(matmul(x[0], x[1]))},
          }};
}

inline Table shape_ops() {
  return {"shape ops",
          {"transpose", "t", "permute", "reshape", "view", "flatten", "squeeze", "unsqueeze",
           "expand", "cat", "stack", "narrow", "slice", "select", "operator[]"},
          {
              {"transpose 0 2", {{2, 3, 4}}, ROW_FN(transpose(x[0], 0, 2))},
              {"transpose -1 1", {{2, 3, 4}}, ROW_FN(x[0].transpose(-1, 1))},
              {"t", {{2, 3}}, ROW_FN(x[0].t())},
              {"permute {2, 0, 1}", {{2, 3, 4}}, ROW_FN(permute(x[0], {2, 0, 1}))},
              {"reshape {4, -1}", {{2, 3, 4}}, ROW_FN(reshape(x[0], {4, -1}))},
              {"view to 0-d", {{1, 1}}, ROW_FN(x[0].view({}))},
              {"flatten 1", {{2, 3, 4}}, ROW_FN(flatten(x[0], 1))},
              {"flatten all", {{2, 3, 4}}, ROW_FN(x[0].flatten())},
              {"squeeze all", {{2, 1, 3, 1}}, ROW_FN(squeeze(x[0]))},
              {"squeeze 1", {{2, 1, 3}}, ROW_FN(x[0].squeeze(1))},
              {"unsqueeze 0", {{2, 3}}, ROW_FN(unsqueeze(x[0], 0))},
              {"unsqueeze -1", {{2, 3}}, ROW_FN(x[0].unsqueeze(-1))},
              {"expand [3,1] -> [2,3,4]", {{3, 1}}, ROW_FN(expand(x[0], {2, 3, 4}))},
              {"expand [2,1,1] -> [2,-1,4]", {{2, 1, 1}}, ROW_FN(x[0].expand({2, -1, 4}))},
              {"cat dim 0", {{2, 3}, {1, 3}}, ROW_FN(cat({x[0], x[1]}, 0))},
              {"cat dim 1 of three", {{2, 1}, {2, 3}, {2, 2}}, ROW_FN(cat({x[0], x[1], x[2]}, 1))},
              {"cat dim -1", {{2, 2}, {2, 1}}, ROW_FN(cat({x[0], x[1]}, -1))},
              {"stack dim 0", {{2, 3}, {2, 3}}, ROW_FN(stack({x[0], x[1]}, 0))},
              {"stack dim -1", {{2}, {2}, {2}}, ROW_FN(stack({x[0], x[1], x[2]}, -1))},
              {"narrow dim 1", {{3, 4}}, ROW_FN(narrow(x[0], 1, 1, 2))},
              {"narrow negative start", {{3, 4}}, ROW_FN(x[0].narrow(0, -2, 2))},
              {"slice [-3, -1) of dim 1", {{2, 4}}, ROW_FN(x[0].slice(1, -3, -1))},
              {"slice end past the size", {{3, 2}}, ROW_FN(x[0].slice(0, 1, 100))},
              {"select 0 1", {{3, 2}}, ROW_FN(x[0].select(0, 1))},
              {"select -1 -1", {{2, 3}}, ROW_FN(x[0].select(-1, -1))},
              {"operator[]", {{3, 2}}, ROW_FN(x[0][2])},
          }};
}

inline Table indexing_softmax() {
  return {
      "indexing and softmax",
      {"index_select", "gather", "scatter_add", "index_add", "softmax", "log_softmax"},
      {
          {"index_select dim 0 (repeats)",
           {{3, 2}},
           ROW_FN(index_select(x[0], 0, indices(x[0], {2, 0, 2}, {3})))},
          {"index_select dim 1",
           {{2, 4}},
           ROW_FN(index_select(x[0], 1, indices(x[0], {3, 1}, {2})))},
          {"gather dim 1", {{2, 3}}, ROW_FN(gather(x[0], 1, indices(x[0], {2, 0, 1, 1}, {2, 2})))},
          {"gather dim 0", {{3, 2}}, ROW_FN(gather(x[0], 0, indices(x[0], {2, 0, 1, 2}, {2, 2})))},
          {"scatter_add dim 1",
           {{2, 3}, {2, 2}},
           ROW_FN(scatter_add(x[0], 1, indices(x[0], {2, 0, 1, 1}, {2, 2}), x[1]))},
          {"index_add dim 0 (repeats)",
           {{3, 2}, {3, 2}},
           ROW_FN(index_add(x[0], 0, indices(x[0], {0, 2, 0}, {3}), x[1]))},
          {"softmax 1-D", {{4}}, ROW_FN(softmax(x[0], 0))},
          {"softmax dim 1", {{2, 3}}, ROW_FN(softmax(x[0], 1))},
          {"softmax dim 0", {{2, 3}}, ROW_FN(softmax(x[0], 0))},
          {"softmax 3-D dim 1", {{2, 3, 2}}, ROW_FN(softmax(x[0], 1))},
          {"log_softmax dim -1", {{2, 3}}, ROW_FN(log_softmax(x[0], -1))},
          {"log_softmax 3-D dim 0", {{2, 3, 2}}, ROW_FN(log_softmax(x[0], 0))},
          {"nll_loss", {{3, 4}}, ROW_FN(nn::functional::nll_loss(x[0], indices(x[0], {3, 0, 1}, {3})))},
          {"nll_loss of log_softmax, sum",
           {{3, 4}},
           ROW_FN(nn::functional::nll_loss(log_softmax(x[0], 1), indices(x[0], {1, 1, 2}, {3}),
                                           nn::Reduction::sum))},
          {"nll_loss 3-D, weighted",
           {{2, 3, 2}, {3}},
           ROW_FN(nn::functional::nll_loss(x[0], indices(x[0], {2, 0, 1, 2}, {2, 2}), nn::Reduction::mean,
                                           add(x[1], 2.0)))},
      }};
}
inline Tensor cat_pieces(const V& pieces) {  // each piece scaled differently
  V scaled;
  for (size_t i = 0; i < pieces.size(); ++i)
    scaled.push_back(mul(pieces[i], static_cast<double>(i + 1)));
  return cat(scaled, -1);
}

inline Table split_repeat_flip_roll() {
  return {"split, chunk, repeat, flip, roll",
          {"split", "chunk", "repeat", "flip", "roll"},
          {
              {"split sizes {1, 2} dim 1", {{2, 3}}, ROW_FN(cat_pieces(split(x[0], {1, 2}, 1)))},
              {"split size 2 dim -1", {{2, 5}}, ROW_FN(cat_pieces(split(x[0], 2, -1)))},
              {"chunk 2 dim 0", {{3, 2}}, ROW_FN(mul(chunk(x[0], 2, 0)[1], 2.0))},
              {"repeat {2, 1, 2}", {{2, 3}}, ROW_FN(repeat(x[0], {2, 1, 2}))},
              {"repeat {1, 3}", {{2, 1}}, ROW_FN(repeat(x[0], {1, 3}))},
              {"flip dims {0, 2}", {{2, 3, 2}}, ROW_FN(flip(x[0], {0, 2}))},
              {"flip dim -1", {{4}}, ROW_FN(flip(x[0], {-1}))},
              {"roll {1, -1} dims {0, 1}", {{3, 4}}, ROW_FN(roll(x[0], {1, -1}, {0, 1}))},
              {"roll flattened 2", {{2, 3}}, ROW_FN(roll(x[0], {2}))},
          }};
}

inline Table masked_scatter_index_put() {
  return {
      "masked_fill, scatter, index_put",
      {"masked_fill", "scatter", "index_put"},
      {
          {"masked_fill mask [1,3]",
           {{2, 3}},
           ROW_FN(masked_fill(x[0], like(x[0], {1, 0, 1}, {1, 3}), 0.5))},
          {"scatter dim 1 src",
           {{2, 3}, {2, 2}},
           ROW_FN(scatter(x[0], 1, indices(x[0], {2, 0, 1, 2}, {2, 2}), x[1]))},
          {"scatter dim 0 value",
           {{3, 2}},
           ROW_FN(scatter(x[0], 0, indices(x[0], {2, 0}, {1, 2}), -1.5))},
          {"index_put rows, values broadcast",
           {{4, 2}, {2}},
           ROW_FN(index_put(x[0], {indices(x[0], {3, -4}, {2})}, x[1]))},
          {"index_put two indices",
           {{3, 4}, {2}},
           ROW_FN(index_put(x[0], {indices(x[0], {0, 2}, {2}), indices(x[0], {1, 3}, {2})}, x[1]))},
          {"index_put accumulate (repeats)",
           {{3, 2}, {3, 2}},
           ROW_FN(index_put(x[0], {indices(x[0], {0, 2, 0}, {3})}, x[1], true))},
      }};
}

inline Table cumsum_prod_norm_sort() {
  return {
      "cumsum, prod, norm, sort, topk",
      {"cumsum", "prod", "norm", "sort", "topk"},
      {
          {"cumsum dim 1", {{2, 3}}, ROW_FN(cumsum(x[0], 1))},
          {"cumsum dim 0 of 3-D", {{3, 2, 2}}, ROW_FN(cumsum(x[0], 0))},
          {"prod all", {{2, 3}}, ROW_FN(prod(x[0]))},
          {"prod dim 1", {{2, 3}}, ROW_FN(prod(x[0], 1))},
          {"prod dim 0 keepdim", {{3, 2}}, ROW_FN(prod(x[0], 0, true))},
          {"norm 2", {{2, 3}}, ROW_FN(norm(x[0]))},
          {"norm 1", {{2, 3}}, ROW_FN(norm(x[0], 1)), Domain::distinct},
          {"norm inf", {{2, 3}}, ROW_FN(norm(x[0], INFINITY)), Domain::distinct},
          {"norm -inf dim 1", {{2, 3}}, ROW_FN(norm(x[0], -INFINITY, {1})), Domain::distinct},
          {"norm 3 dims {0, 2} keepdim",
           {{2, 2, 2}},
           ROW_FN(norm(x[0], 3, {0, 2}, true)),
           Domain::distinct},
          {"norm 0.5 dim 0", {{3, 2}}, ROW_FN(norm(x[0], 0.5, {0})), Domain::distinct},
          {"norm 2 dim -1", {{2, 3}}, ROW_FN(norm(x[0], 2, {-1}))},
          {"sort dim 1", {{2, 4}}, ROW_FN(sort(x[0], 1).values), Domain::distinct},
          {"sort dim 0 descending", {{3, 2}}, ROW_FN(sort(x[0], 0, true).values), Domain::distinct},
          {"topk 2 largest", {{2, 4}}, ROW_FN(topk(x[0], 2).values), Domain::distinct},
          {"topk 2 smallest dim 0",
           {{3, 2}},
           ROW_FN(topk(x[0], 2, 0, false).values),
           Domain::distinct},
      }};
}
inline Table layers() {
  return {"convolution, pooling and elu",
          {"conv2d", "conv1d", "max_pool2d", "max_pool2d_with_indices", "avg_pool2d",
           "adaptive_avg_pool2d", "elu"},
          {
              {"conv2d padding 1, bias", {{2, 3, 5, 4}, {4, 3, 3, 2}, {4}},
               ROW_FN(conv2d(x[0], x[1], x[2], 1, 1))},
              {"conv2d groups 2, stride 2, dilation 2, bias", {{1, 4, 6, 7}, {4, 2, 2, 3}, {4}},
               ROW_FN(conv2d(x[0], x[1], x[2], 2, 0, 2, 2))},
              {"conv2d stride (2,1), padding (0,2)", {{2, 2, 5, 3}, {3, 2, 2, 2}},
               ROW_FN(conv2d(x[0], x[1], {}, {2, 1}, {0, 2}))},
              {"conv2d padding same, even kernel", {{1, 2, 4, 5}, {3, 2, 2, 3}},
               ROW_FN(conv2d(x[0], x[1], {}, 1, "same"))},
              {"conv2d one image [C, H, W]", {{2, 4, 4}, {3, 2, 3, 3}}, ROW_FN(conv2d(x[0], x[1]))},
              {"conv1d stride 2, padding 1, bias", {{2, 3, 7}, {2, 3, 3}, {2}},
               ROW_FN(conv1d(x[0], x[1], x[2], 2, 1))},
              {"conv1d groups 2, dilation 2", {{1, 4, 9}, {2, 2, 3}},
               ROW_FN(conv1d(x[0], x[1], {}, 1, 0, 2, 2))},
              {"max_pool2d kernel 2", {{2, 2, 4, 4}}, ROW_FN(max_pool2d(x[0], 2)), Domain::distinct},
              {"max_pool2d kernel 3, stride 2, padding 1", {{1, 2, 5, 5}},
               ROW_FN(max_pool2d(x[0], 3, Int2(2), 1)), Domain::distinct},
              {"max_pool2d_with_indices kernel (2,3), dilation (2,1)", {{1, 2, 6, 7}},
               ROW_FN(max_pool2d_with_indices(x[0], {2, 3}, Int2(1, 2), 0, {2, 1}).values), Domain::distinct},
              {"avg_pool2d kernel (2,3), stride 1, padding 1", {{1, 2, 4, 5}},
               ROW_FN(avg_pool2d(x[0], {2, 3}, Int2(1), 1))},
              {"adaptive_avg_pool2d (5,7) -> (3,4)", {{2, 2, 5, 7}}, ROW_FN(adaptive_avg_pool2d(x[0], {3, 4}))},
              {"elu alpha 0.7", {{2, 3}}, ROW_FN(elu(x[0], 0.7)), Domain::distinct},
          }};
}
#undef ROW_FN

inline std::vector<Table> all_tables() {
  return {binary_elementwise(),
          scalar_operands(),
          unary_elementwise(),
          reductions(),
          matmul_mm(),
          shape_ops(),
          indexing_softmax(),
          split_repeat_flip_roll(),
          masked_scatter_index_put(),
          cumsum_prod_norm_sort(),
          layers()};
}

}  // namespace op_table
