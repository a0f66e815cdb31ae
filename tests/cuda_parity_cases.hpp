// The CUDA parity cases of test_cuda_ops.cpp, grouped by what they exercise: each op table of
// tests/op_table.hpp, and the ops a gradient table cannot hold (masks, arg-reductions, int64,
// casts, in-place updates, factories, random draws, nn::functional, losses, large shapes, the
// engine). Each group names the public API functions its cases call, for the coverage check.
#pragma once

#include <functional>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "device_parity.hpp"
#include "op_table.hpp"

namespace cuda_cases {

using namespace xgrad;
using op_table::Domain;
using op_table::Row;
using V = std::vector<Tensor>;
namespace F = xgrad::nn::functional;

struct Case {
  std::string name;
  std::vector<Shape> shapes;      // floating inputs that require grad, drawn as op_table's
  std::function<V(const V&)> fn;  // outputs to compare; those that require grad get a backward
  Domain domain = Domain::normal;
  double tol = 1;  // multiplies the dtype's tolerances (long sums)
};

struct Group {
  std::string name;
  std::vector<std::string> ops;  // the public API names its cases call
  std::vector<Case> cases;
};

inline Group from_table(const op_table::Table& t) {
  Group g{t.name, t.ops, {}};
  for (const Row& r : t.rows)
    g.cases.push_back({r.name, r.shapes, [fn = r.fn](const V& x) { return V{fn(x)}; }, r.domain});
  return g;
}

inline Device dev() { return parity::device(); }
inline TensorOptions options_of(const Tensor& t) { return {t.dtype(), t.device()}; }
TensorOptions int64_on(const Tensor& t) { return {kInt64, t.device()}; }

// `count` indices in [0, n), spread and repeating: (7919 i + 3) mod n.
inline std::vector<double> spread(int64_t count, int64_t n) {
  std::vector<double> v(count);
  for (int64_t i = 0; i < count; ++i) v[i] = static_cast<double>((7919 * i + 3) % n);
  return v;
}

inline Group masks() {
  return {"comparisons, sign and where",
          {"eq", "ne", "lt", "le", "gt", "ge", "sign", "where"},
          {
              {"comparisons with ties, broadcasting [3,1,4] with [2,4]",
               {{3, 1, 4}, {2, 4}},
               [](const V& x) {
                 Tensor a = sign(x[0]).detach(), b = sign(x[1]).detach();  // +-1: many ties
                 return V{eq(a, b), ne(a, b), lt(a, b),       le(a, b),
                          gt(a, b), ge(a, b), lt(x[0], x[1]), ge(x[1], x[0])};
               }},
              {"comparisons with a scalar",
               {{4, 5}},
               [](const V& x) {
                 Tensor s = sign(x[0]).detach();
                 return V{eq(s, 1.0),     ne(s, -1.0),    lt(x[0], 0.1),       le(x[0], 0.1),
                          gt(x[0], -0.2), ge(x[0], -0.2), eq(x[0], x[0] * 1.0)};
               }},
              {"sign", {{3, 4}}, [](const V& x) { return V{sign(x[0])}; }, Domain::distinct},
              {"where on masks, gradients to both branches",
               {{3, 1, 4}, {2, 4}},
               [](const V& x) {
                 return V{where(gt(x[0], x[1]), x[0] * 2.0, x[1]),
                          where(lt(x[0], 0.0).to(kInt64), x[0], 0.5 * x[0])};
               }},
          }};
}

inline Group arg_reductions() {
  return {"arg-reductions and extremes with indices",
          {"argmax", "argmin", "max", "min"},
          {
              {"over everything, over dims, keepdim",
               {{3, 4, 5}},
               [](const V& x) {
                 auto mx = max(x[0], 1), mn = min(x[0], 0, true), mx2 = max(x[0], -1, true);
                 return V{argmax(x[0]),
                          argmin(x[0]),
                          argmax(x[0], 1),
                          argmin(x[0], -1, true),
                          x[0].argmax(2, true),
                          x[0].argmax(),
                          mx.values,
                          mx.indices,
                          mn.values,
                          mn.indices,
                          mx2.values,
                          mx2.indices,
                          max(x[0]),
                          min(x[0])};
               },
               Domain::distinct},
              {"ties go to the first index, int64 and floating",
               {{4, 6}},
               [](const V& x) {
                 Tensor n = (x[0].detach() * 1.5).to(kInt64);  // small integers: many ties
                 Tensor f = n.to(x[0].dtype());
                 return V{argmax(n),         argmin(n, 1),      argmax(n, 0, true),
                          max(n, 1).indices, min(n, 0).values,  argmax(f, 1),
                          argmin(f, 0),      max(f, 1).indices, min(f, 1, true).indices};
               }},
          }};
}

Group int64_ops() {
  return {"int64 tensors",
          {},
          {
              {"elementwise, reductions, shape and index ops on int64",
               {{3, 4}, {3, 4}},
               [](const V& x) {
                 Tensor a = (x[0].detach() * 4.0).to(kInt64), b = (x[1].detach() * 4.0).to(kInt64);
                 Tensor rows = op_table::indices(a, {2, 0, 2}, {3});
                 Tensor cols = op_table::indices(a, {3, 0, 1, 1, 2, 0}, {3, 2});
                 return V{a + b,
                          a - b,
                          a * b,
                          -a,
                          abs(a),
                          maximum(a, b),
                          minimum(a, b),
                          clamp(a, -2.0, 3.0),
                          a + 3.0,
                          sum(a),
                          sum(a, {1}),
                          sum(a, {0}, true),
                          max(a),
                          min(a, 1).values,
                          eq(a, b),
                          gt(a, 0.0),
                          where(gt(a, b), a, b),
                          cat({a, b}, 1),
                          stack({a, b}),
                          a.t(),
                          permute(a.unsqueeze(0), {2, 0, 1}),
                          expand(a.unsqueeze(0), {2, 3, 4}),
                          index_select(a, 0, rows),
                          gather(a, 1, cols),
                          a.reshape({4, 3}),
                          narrow(a, 1, 1, 2),
                          a.to(kFloat64)};
               }},
          }};
}

inline Group one_hot_group() {
  return {"one_hot",
          {"one_hot"},
          {
              {"labels from argmax, classes given and inferred",
               {{7, 5}},
               [](const V& x) {
                 Tensor labels = argmax(x[0], 1);
                 return V{one_hot(labels, 5), one_hot(labels, 8), one_hot(labels),
                          one_hot(labels.reshape({7, 1}), 5)};
               }},
          }};
}

inline Group casts() {
  return {"casts, copies and moves",
          {"to", "clone", "detach"},
          {
              {"to(dtype), clone, detach, and a differentiable trip through the host",
               {{3, 4}},
               [](const V& x) {
                 Dtype other = x[0].dtype() == kFloat32 ? kFloat64 : kFloat32;
                 Tensor y = (x[0] * 2.0).to(other);
                 Tensor back = (x[0] * 3.0).to(kCPU).to(x[0].device());
                 return V{y,
                          y.to(x[0].dtype()) * x[0],
                          x[0].clone() * 1.5,
                          x[0].detach(),
                          (x[0] * 100.0).detach().to(kInt64),
                          back,
                          x[0].to(x[0].dtype())};
               }},
          }};
}

inline Group in_place() {
  return {"in-place updates",
          {"add_", "sub_", "mul_", "div_", "zero_", "fill_", "copy_",
           "operator+=", "operator-=", "operator*=", "operator/=", "requires_grad_"},
          {
              {"on tensors outside the graph; copy_ broadcasts, converts and crosses devices",
               {{2, 3}, {3}},
               [](const V& x) {
                 Tensor a = x[0].detach(), b = x[1].detach();
                 Tensor y = a.clone();
                 y.add_(b, 0.5);
                 Tensor y1 = y.clone();
                 y.add_(1.25);
                 y.sub_(b);
                 y.mul_(b);
                 y.mul_(-2.0);
                 y.div_(b);
                 Tensor z = a.clone();
                 z += b;
                 z -= b * 0.5;
                 z *= b;
                 z /= b;
                 z += 1.0;
                 z -= 0.5;
                 z *= 3.0;
                 z /= 2.0;
                 Tensor f = a.clone(), o = a.clone();
                 f.fill_(-1.5);
                 o.zero_();
                 Tensor c = zeros_like(a);
                 c.copy_(b);  // [3] broadcast into [2, 3]
                 Dtype other = a.dtype() == kFloat32 ? kFloat64 : kFloat32;
                 Tensor converted = zeros(a.shape(), TensorOptions{other, a.device()});
                 converted.copy_(a);
                 Tensor host = zeros(a.shape(), a.dtype());
                 host.copy_(a);  // device to host
                 Tensor back = zeros_like(a);
                 back.copy_(host * 2.0);  // host to device
                 return V{y1, y, z, f, o, c, converted, host.to(a.device()), back};
               },
               Domain::positive},
              {"recorded on the graph when a non-leaf is updated",
               {{2, 3}, {3}},
               [](const V& x) {
                 Tensor y = x[0] * 1.0;
                 y.sub_(x[1]);
                 y.div_(x[1]);
                 y += x[1];
                 y *= x[1];
                 y -= 0.5;
                 y /= 4.0;
                 Tensor w = x[0] * 2.0;
                 w.copy_(x[1].to(kCPU));  // recorded across devices
                 Tensor u = x[0] * 3.0;
                 u.fill_(2.0);
                 return V{y, w * x[0], u};
               },
               Domain::positive},
              {"requires_grad_ on a leaf made on the device",
               {{3}},
               [](const V& x) {
                 Tensor leaf = (x[0].detach() * 2.0).requires_grad_();
                 Tensor out = (leaf * leaf).sum();
                 out.backward();
                 return V{leaf.grad(), out.detach()};
               }},
          }};
}

inline Group factories() {
  return {"factories on the device",
          {"empty", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "arange",
           "linspace", "eye", "scalar_tensor", "tensor", "from_vector"},
          {
              {"every factory, in the input's dtype and int64",
               {{2, 3}},
               [](const V& x) {
                 TensorOptions o = options_of(x[0]), i = int64_on(x[0]);
                 Tensor e = empty({2, 3}, o);
                 e.fill_(7.0);
                 return V{e,
                          zeros({2, 3}, o),
                          ones({4}, o),
                          full({2, 2}, -1.5, o),
                          zeros_like(x[0]),
                          ones_like(x[0]),
                          full_like(x[0], 0.25),
                          arange(5.0, o),
                          arange(-1.0, 2.0, 0.25, o),
                          arange(3.0, 40.0, 3.0, i),
                          linspace(-1.0, 1.0, 9, o),
                          eye(3, o),
                          scalar_tensor(2.5, o),
                          tensor({1.0, 2.0, 3.0}, o),
                          tensor({{1.0, 2.0}, {3.0, 4.0}}, o),
                          tensor({1, 2, 3, 4, 5, 6}, {3, 2}, i),
                          from_vector(std::vector<float>{0.5f, -1.25f, 3.0f, 4.5f}, {2, 2}, o),
                          from_vector(std::vector<int64_t>{7, -3, 11}, {3}, i)};
               }},
          }};
}

inline Group random_draws() {
  return {"random draws: the device draws the CPU's numbers",
          {"rand", "randn", "randint", "randperm", "bernoulli", "uniform_", "normal_"},
          {
              {"every draw after the same manual_seed",
               {{1}},
               [](const V& x) {
                 TensorOptions o = options_of(x[0]), i = int64_on(x[0]);
                 Tensor u = zeros({50}, o), n = zeros({3, 17}, o);
                 uniform_(u, -2.0, 3.0);
                 normal_(n, 1.0, 0.5);
                 return V{rand({3, 40}, o),
                          randn({1001}, o),
                          randint(-5, 7, {64}, i),
                          randperm(50, i),
                          bernoulli({200}, 0.3, o),
                          u,
                          n};
               }},
          }};
}

inline Group functional() {
  return {"linear and nn::functional",
          {"linear", "F::linear", "F::relu", "F::leaky_relu", "F::tanh", "F::sigmoid", "F::softmax",
           "F::log_softmax", "F::dropout", "F::flatten"},
          {
              {"the linear op, with and without bias",
               {{5, 4}, {3, 4}, {3}},
               [](const V& x) {
                 return V{linear(x[0], x[1], x[2]), linear(x[0], x[1])};
               }},
              {"F::linear with and without bias, on 2-D and 3-D input",
               {{5, 4}, {3, 4}, {3}, {2, 5, 4}},
               [](const V& x) {
                 return V{F::linear(x[0], x[1], x[2]), F::linear(x[0], x[1]),
                          F::linear(x[3], x[1], x[2])};
               }},
              {"activations, softmax, flatten",
               {{2, 3, 4}},
               [](const V& x) {
                 return V{F::relu(x[0]),    F::leaky_relu(x[0], 0.2), F::tanh(x[0]),
                          F::sigmoid(x[0]), F::softmax(x[0], 1),      F::log_softmax(x[0], -1),
                          F::flatten(x[0]), F::flatten(x[0], 0, 1)};
               },
               Domain::distinct},
              {"dropout: seeded masks; eval, p = 0 and p = 1",
               {{8, 16}},
               [](const V& x) {
                 return V{F::dropout(x[0], 0.3), F::dropout(x[0], 0.5, true),
                          F::dropout(x[0], 0.3, false), F::dropout(x[0], 0.0),
                          F::dropout(x[0], 1.0)};
               }},
          }};
}

inline Group losses() {
  using nn::Reduction;
  const Reduction kAll[] = {Reduction::none, Reduction::mean, Reduction::sum};
  std::vector<Case> cases;
  for (Reduction r : kAll) {
    std::string name = r == Reduction::none ? "none" : r == Reduction::mean ? "mean" : "sum";
    cases.push_back({"mse_loss and l1_loss, reduction " + name,
                     {{4, 3}, {4, 3}},
                     [r](const V& x) {
                       return V{F::mse_loss(x[0], x[1], r), F::l1_loss(x[0], x[1], r)};
                     },
                     Domain::distinct});
    cases.push_back({"binary_cross_entropy, with a weight, reduction " + name,
                     {{4, 3}, {4, 3}, {3}},
                     [r](const V& x) {
                       Tensor p = sigmoid(x[0]), y = sigmoid(x[1]);
                       Tensor hard = gt(x[1], 0.0);  // 0/1 targets
                       return V{F::binary_cross_entropy(p, y, r),
                                F::binary_cross_entropy(p, hard, r, sigmoid(x[2]))};
                     }});
    cases.push_back({"binary_cross_entropy_with_logits, weight and pos_weight, reduction " + name,
                     {{4, 3}, {4, 3}, {4, 1}, {3}},
                     [r](const V& x) {
                       Tensor y = sigmoid(x[1]);
                       return V{
                           F::binary_cross_entropy_with_logits(x[0], y, r),
                           F::binary_cross_entropy_with_logits(x[0], y, r, x[2], abs(x[3]) + 0.5)};
                     }});
    cases.push_back({"nll_loss on [N, C], [N, C, d] and [C], with weights, reduction " + name,
                     {{6, 5}, {6, 5}, {5}, {4, 5, 3}, {4, 5, 3}, {5}, {5}},
                     [r](const V& x) {
                       Tensor w = abs(x[2]) + 0.1;
                       Tensor t2 = argmax(x[1], 1), t3 = argmax(x[4], 1), t1 = argmax(x[6]);
                       return V{F::nll_loss(log_softmax(x[0], 1), t2, r),
                                F::nll_loss(log_softmax(x[0], 1), t2, r, w),
                                F::nll_loss(log_softmax(x[3], 1), t3, r, w),
                                F::nll_loss(log_softmax(x[5], 0), t1, r)};
                     }});
    cases.push_back(
        {"cross_entropy, class indices and probabilities, with weights, reduction " + name,
         {{6, 5}, {6, 5}, {5}},
         [r](const V& x) {
           Tensor w = abs(x[2]) + 0.1;
           Tensor labels = argmax(x[1], 1), probs = softmax(x[1], 1);
           return V{F::cross_entropy(x[0], labels, r), F::cross_entropy(x[0], labels, r, w),
                    F::cross_entropy(x[0], probs, r), F::cross_entropy(x[0], probs, r, w)};
         }});
  }
  cases.push_back({"softmax_cross_entropy, mean and sum", {{6, 5}, {6, 5}}, [](const V& x) {
                     Tensor labels = argmax(x[1], 1);
                     return V{softmax_cross_entropy(x[0], labels, true),
                              softmax_cross_entropy(x[0] * 3.0, labels, false)};
                   }});
  cases.push_back({"binary_cross_entropy_elementwise, p at 0 and 1 included",
                   {{4, 3}, {4, 3}},
                   [](const V& x) {
                     Tensor p = cat({sigmoid(x[0]), zeros_like(x[0]), ones_like(x[0])}, 0);
                     Tensor y = cat({sigmoid(x[1]), sigmoid(x[1]), sigmoid(x[1])}, 0);
                     return V{binary_cross_entropy_elementwise(p, y)};
                   }});
  cases.push_back({"l1_penalty and l2_penalty",
                   {{4, 3}, {3}},
                   [](const V& x) {
                     return V{F::l1_penalty(x), F::l2_penalty(x)};
                   },
                   Domain::distinct});
  return {"losses",
          {"softmax_cross_entropy", "binary_cross_entropy_elementwise", "F::mse_loss", "F::l1_loss",
           "F::binary_cross_entropy",
           "F::binary_cross_entropy_with_logits", "F::nll_loss", "F::cross_entropy",
           "F::l1_penalty", "F::l2_penalty"},
          cases};
}

// Shapes past one thread block: grid-stride loops, multi-block reductions, tiled softmax.
inline Group large_shapes() {
  const double kLong = 10;  // sums over 10^4 to 10^6 terms
  return {
      "large shapes",
      {},
      {
          {"elementwise over 5e5 elements with a broadcast row",
           {{513, 1029}, {1029}},
           [](const V& x) {
             return V{tanh(x[0]) * x[1] + exp(x[1] * 0.5), relu(x[0] - x[1])};
           },
           Domain::normal,
           kLong},
          {"reductions over [300, 257]",
           {{300, 257}},
           [](const V& x) {
             return V{sum(x[0]),       sum(x[0], {0}),      sum(x[0], {1}, true),
                      mean(x[0], {1}), var(x[0], Dims{0}), max(x[0], 1).values,
                      argmin(x[0], 0), logsumexp(x[0], 1),  xgrad::std(x[0])};
           },
           Domain::normal,
           kLong},
          {"reduction over 10^6 elements",
           {{1000000}},
           [](const V& x) {
             return V{sum(x[0]), max(x[0]), argmax(x[0]), mean(x[0] * x[0])};
           },
           Domain::normal,
           kLong},
          {"softmax and log_softmax over rows of 1000 and columns of 64",
           {{64, 1000}},
           [](const V& x) {
             return V{softmax(x[0] * 3.0, 1), log_softmax(x[0] * 3.0, 0), logsumexp(x[0], 0, true)};
           },
           Domain::normal,
           kLong},
          {"matmul [128,200] x [200,96], batched mm with transposes, 3-D x 2-D",
           {{128, 200}, {200, 96}, {4, 65, 33}, {4, 17, 65}, {8, 16, 64}, {64, 32}},
           [](const V& x) {
             return V{matmul(x[0], x[1]), mm(x[2], x[3], true, true), matmul(x[4], x[5])};
           },
           Domain::normal,
           kLong},
          {"cat, permute, expand, index_select, gather, scatter_add, index_add",
           {{300, 100}, {300, 57}, {16, 32, 24}, {1, 300}, {1000, 33}, {200, 50}, {200, 20}},
           [](const V& x) {
             Tensor rows = op_table::indices(x[0], spread(500, 1000), {500});
             Tensor cols = op_table::indices(x[0], spread(200 * 20, 50), {200, 20});
             Tensor into = op_table::indices(x[0], spread(200, 1000), {200});
             return V{cat({x[0], x[1]}, 1),
                      permute(x[2], {2, 0, 1}),
                      expand(x[3], {200, 300}),
                      index_select(x[4], 0, rows),
                      gather(x[5], 1, cols),
                      scatter_add(x[5], 1, cols, x[6]),
                      index_add(x[4], 0, into, x[5].narrow(1, 0, 33))};
           },
           Domain::normal,
           kLong},
      }};
}

inline Group engine() {
  return {"the engine on the device",
          {"grad"},
          {
              {"accumulation, retain_graph, hooks, retain_grad, create_graph",
               {{3, 4}, {4, 5}},
               [](const V& x) {
                 Tensor h = tanh(matmul(x[0], x[1]));
                 h.retain_grad();
                 x[1].register_hook([](const Tensor& g) { return g * 2.0; });
                 Tensor loss = (h * h).sum() + h.sum();
                 loss.backward({}, true);
                 loss.backward();  // accumulates into the same .grad()
                 Tensor y = (x[0] * x[0] * x[0]).sum();
                 auto g = autograd::grad({y}, {x[0]}, {}, false, true);  // 3 x^2, with a graph
                 auto gg = autograd::grad({g[0].sum()}, {x[0]});         // 6 x
                 return V{loss.detach(), h.grad(), x[1].grad(), x[0].grad(), g[0].detach(), gg[0]};
               }},
          }};
}

// The tensor ops' outputs a gradient row cannot hold: indices, int64 values, fresh tensors, draws,
// and larger shapes (sorting columns of 300, scans of 2000).
inline Group tensor_ops_extra() {
  return {"sort and topk indices, int64 forms, *_like factories",
          {"sort", "topk", "cumsum", "prod", "flip", "roll", "repeat", "masked_fill", "scatter",
           "index_put", "empty_like", "rand_like", "randn_like", "norm", "matmul"},
          {
              {"indices with ties and NaN, int64 forms, factories",
               {{4, 6}},
               [](const V& x) {
                 Tensor n = (x[0].detach() * 1.5).to(kInt64);  // small integers: many ties
                 Tensor f = masked_fill(n.to(x[0].dtype()), eq(n, 1.0), NAN);
                 Tensor e = empty_like(x[0]);
                 e.fill_(3.0);
                 return V{
                     sort(f, 1).indices,
                     sort(f, 0, true).indices,
                     sort(n, 1).values,
                     topk(n, 3, 1).indices,
                     topk(f, 2, 0, false).indices,
                     cumsum(n, 1),
                     prod(n, 0),
                     prod(n),
                     flip(n, {0, 1}),
                     roll(n, {2, -1}, {0, 1}),
                     repeat(n, {2, 1, 2}),
                     masked_fill(n, lt(n, 0.0), 9.0),
                     scatter(n, 1, op_table::indices(n, {5, 0, 1, 2, 3, 4, 0, 5}, {4, 2}), -1.0),
                     index_put(n, {op_table::indices(n, {1, 3}, {2})}, full({6}, 4.0, int64_on(n))),
                     e,
                     rand_like(x[0]),
                     randn_like(x[0])};
               }},
              {"long columns: sort 300, cumsum 2000, prod, norm, batched matmul",
               {{2, 300}, {2000}, {3, 1, 8, 16}, {5, 16, 4}},
               [](const V& x) {
                 return V{sort(x[0], 1).values, topk(x[0], 10, 1).values,
                          cumsum(x[1], 0),      prod(add(mul(x[0], 0.001), 1.0), 1),
                          norm(x[1]),           norm(x[0], 3, {1}),
                          matmul(x[2], x[3])};
               },
               Domain::distinct,
               10},
          }};
}

// The layers' functional forms: normalization with its running statistics, embedding, the
// activations with options, max pooling's indices.
inline Group layers() {
  return {"nn::functional layers",
          {"F::gelu", "F::silu", "F::elu", "F::softplus", "F::batch_norm", "F::layer_norm", "F::embedding"},
          {
              {"activations with options",
               {{3, 4}},
               [](const V& x) {
                 return V{F::gelu(x[0]), F::gelu(x[0], "tanh"), F::silu(x[0]), F::elu(x[0], 0.5),
                          F::softplus(x[0]), F::softplus(x[0] * 3.0, 2.0, 1.5)};
               },
               Domain::distinct},
              {"batch_norm training (running stats updated) and eval",
               {{4, 3, 2, 3}, {3}, {3}},
               [](const V& x) {
                 Tensor rm = zeros({3}, options_of(x[0])), rv = ones({3}, options_of(x[0]));
                 Tensor train = F::batch_norm(x[0], rm, rv, x[1], x[2], true);
                 Tensor eval = F::batch_norm(x[0], rm, rv, x[1], x[2], false);
                 return V{train, eval, rm, rv, F::batch_norm(x[0].flatten(2), {}, {}, {}, {}, true)};
               }},
              {"layer_norm with and without affine",
               {{2, 3, 4}, {3, 4}, {3, 4}},
               [](const V& x) { return V{F::layer_norm(x[0], {3, 4}, x[1], x[2]), F::layer_norm(x[0], {4})}; }},
              {"embedding with padding_idx",
               {{5, 3}},
               [](const V& x) {
                 Tensor idx = tensor({1, 4, 1, 0, 2, 4}, {2, 3}, int64_on(x[0]));
                 return V{F::embedding(idx, x[0]), F::embedding(idx, x[0], 4)};
               }},
              {"max_pool2d indices",
               {{2, 2, 5, 6}},
               [](const V& x) {
                 auto [v, i] = max_pool2d_with_indices(x[0], 3, Int2(2), 1);
                 return V{v, i};
               },
               Domain::distinct},
          }};
}

inline std::vector<Group> all_groups() {
  std::vector<Group> groups;
  for (const op_table::Table& t : op_table::all_tables()) groups.push_back(from_table(t));
  for (Group g : {masks(), arg_reductions(), int64_ops(), one_hot_group(), casts(), in_place(), factories(),
                  random_draws(), functional(), losses(), large_shapes(), engine(), tensor_ops_extra(),
                  layers()})
    groups.push_back(std::move(g));
  return groups;
}

}  // namespace cuda_cases
