// CUDA against the CPU through the public Tensor API: every row of the op table
// (tests/op_table.hpp) and the ops a gradient table cannot hold (masks, arg-reductions, int64,
// casts, in-place updates, factories, random draws, nn::functional, losses, large shapes that take
// the multi-block kernel paths, the engine's hooks and double backward), forward and backward from
// the same inputs in float32 and float64; then gradcheck and gradgradcheck of the table on the
// device in float64. A first check, which needs no device, fails when a tensor-returning function
// of the public API has no case here. Without a device the binary exits 77 and says why.
#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "device_parity.hpp"
#include "op_table.hpp"

using namespace xgrad;
using op_table::Domain;
using op_table::Row;
using parity::check_close;
using parity::tolerance;
using V = std::vector<Tensor>;
namespace F = xgrad::nn::functional;

namespace {

// ---- parity cases

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

Group from_table(const op_table::Table& t) {
  Group g{t.name, t.ops, {}};
  for (const Row& r : t.rows)
    g.cases.push_back({r.name, r.shapes, [fn = r.fn](const V& x) { return V{fn(x)}; }, r.domain});
  return g;
}

Device dev() { return parity::device(); }
TensorOptions options_of(const Tensor& t) { return {t.dtype(), t.device()}; }
TensorOptions int64_on(const Tensor& t) { return {kInt64, t.device()}; }

// `count` indices in [0, n), spread and repeating: (7919 i + 3) mod n.
std::vector<double> spread(int64_t count, int64_t n) {
  std::vector<double> v(count);
  for (int64_t i = 0; i < count; ++i) v[i] = static_cast<double>((7919 * i + 3) % n);
  return v;
}

Group masks() {
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

Group arg_reductions() {
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

Group one_hot_group() {
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

Group casts() {
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

Group in_place() {
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

Group factories() {
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

Group random_draws() {
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

Group functional() {
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

Group losses() {
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
  cases.push_back({"l1_penalty and l2_penalty",
                   {{4, 3}, {3}},
                   [](const V& x) {
                     return V{F::l1_penalty(x), F::l2_penalty(x)};
                   },
                   Domain::distinct});
  return {"losses",
          {"softmax_cross_entropy", "F::mse_loss", "F::l1_loss", "F::binary_cross_entropy",
           "F::binary_cross_entropy_with_logits", "F::nll_loss", "F::cross_entropy",
           "F::l1_penalty", "F::l2_penalty"},
          cases};
}

// Shapes past one thread block: grid-stride loops, multi-block reductions, tiled softmax.
Group large_shapes() {
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
                      mean(x[0], {1}), var(x[0], Shape{0}), max(x[0], 1).values,
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

Group engine() {
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

std::vector<Group> all_groups() {
  std::vector<Group> groups;
  for (const op_table::Table& t : op_table::all_tables()) groups.push_back(from_table(t));
  for (Group g : {masks(), arg_reductions(), int64_ops(), one_hot_group(), casts(), in_place(),
                  factories(), random_draws(), functional(), losses(), large_shapes(), engine()})
    groups.push_back(std::move(g));
  return groups;
}

// Runs one case on the CPU and on the device from the same inputs (and the same seed for the
// draws inside it), compares the outputs, then backpropagates the same random grad_outputs
// through both and compares the inputs' gradients.
void check_parity(const Case& c, Dtype dtype, uint64_t seed) {
  INFO("case: ", c.name, " (", std::string(dtype_name(dtype)), ")");
  manual_seed(seed);
  Row spec{c.name, c.shapes, {}, c.domain};
  V in_cpu = op_table::make_inputs(spec, dtype, kCPU), in_dev;
  for (const Tensor& t : in_cpu) in_dev.push_back(t.detach().to(dev()).requires_grad_());
  V out_cpu, out_dev;
  try {
    manual_seed(seed + 1);
    out_cpu = c.fn(in_cpu);
  } catch (const std::exception& e) {
    FAIL_CHECK("the CPU run threw: ", std::string(e.what()));
    return;
  }
  try {
    manual_seed(seed + 1);
    out_dev = c.fn(in_dev);
  } catch (const std::exception& e) {
    FAIL_CHECK("the ", dev().str(), " run threw: ", std::string(e.what()));
    return;
  }
  REQUIRE(out_cpu.size() == out_dev.size());
  auto tol = tolerance(dtype, c.tol);
  V diff_cpu, diff_dev, grads_cpu, grads_dev;
  for (size_t k = 0; k < out_cpu.size(); ++k) {
    check_close("output " + std::to_string(k), out_cpu[k], out_dev[k], tol);
    CHECK_MESSAGE(out_cpu[k].requires_grad() == out_dev[k].requires_grad(), "output ", k);
    if (!out_cpu[k].requires_grad() || !out_dev[k].requires_grad()) continue;
    Tensor g = randn(out_cpu[k].shape(), kFloat64).to(out_cpu[k].dtype());
    diff_cpu.push_back(out_cpu[k]);
    diff_dev.push_back(out_dev[k]);
    grads_cpu.push_back(g);
    grads_dev.push_back(g.to(dev()));
  }
  if (diff_cpu.empty()) return;
  try {
    autograd::backward(diff_cpu, grads_cpu);
    autograd::backward(diff_dev, grads_dev);
  } catch (const std::exception& e) {
    FAIL_CHECK("backward threw: ", std::string(e.what()));
    return;
  }
  for (size_t i = 0; i < in_cpu.size(); ++i) {
    std::string what = "gradient of input " + std::to_string(i);
    CHECK_MESSAGE(in_cpu[i].grad().defined() == in_dev[i].grad().defined(), what);
    if (in_cpu[i].grad().defined() && in_dev[i].grad().defined())
      check_close(what, in_cpu[i].grad(), in_dev[i].grad(), tol);
  }
}

void check_group(const Group& g) {
  INFO("group: ", g.name);
  uint64_t seed = 5000;
  for (const Case& c : g.cases)
    for (Dtype d : {kFloat32, kFloat64}) check_parity(c, d, seed += 10);
}

// ---- every public op has a case

// The op-like functions of the public API: every function returning a tensor that these headers
// declare (nn's with the prefix "F::").
std::set<std::string> public_ops() {
  const std::regex decl(R"(^\s*(?:Tensor&?|ValuesIndices)\s+(operator\S*?|\w+)\()");
  const std::pair<const char*, const char*> headers[] = {
      {"autograd/tensor.hpp", ""}, {"nn/functional.hpp", "F::"}, {"nn/loss.hpp", "F::"}};
  std::set<std::string> names;
  for (auto [file, prefix] : headers) {
    std::string path = std::string(XGRAD_SOURCE_DIR) + "/" + file;
    std::ifstream in(path);
    if (!in) throw Error("test_cuda_ops: cannot read " + path);
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, decl)) names.insert(prefix + m[1].str());
  }
  return names;
}

// Names exercised by their own test cases below rather than by a group.
const std::vector<std::string> kOwnTestCases = {"cpu", "cuda"};

std::vector<std::string> ops_without_a_case() {
  std::set<std::string> covered(kOwnTestCases.begin(), kOwnTestCases.end());
  for (const Group& g : all_groups()) covered.insert(g.ops.begin(), g.ops.end());
  std::vector<std::string> missing;
  for (const std::string& name : public_ops())
    if (!covered.count(name)) missing.push_back(name);
  return missing;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// The coverage check needs no device, so it runs before the skip: a machine without a GPU still
// fails when an op is added to the public API without a case here.
void skip_without_device() {
  if (!cuda::is_available()) {
    std::vector<std::string> missing = ops_without_a_case();
    if (!missing.empty()) {
      std::printf("test_cuda_ops: FAILED: public ops without a CUDA parity case: %s\n",
                  joined(missing).c_str());
      std::fflush(stdout);
      std::exit(1);
    }
  }
  parity::skip_without_device("test_cuda_ops");
}

// Gradient checks on the device: each row's Jacobian (and its second derivatives) against central
// differences, with float64 inputs on the device.
void check_rows_on_device(const std::vector<Row>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    INFO("row: ", row.name);
    try {
      manual_seed(1000 + i);
      V in = op_table::make_inputs(row, kFloat64, dev());
      autograd::GradcheckResult r = autograd::gradcheck(row.fn, in, row.opt);
      CHECK_MESSAGE(r.ok, row.name, ": ", r.message);
      autograd::GradcheckResult r2 = autograd::gradgradcheck(row.fn, in, row.opt);
      CHECK_MESSAGE(r2.ok, row.name, ": ", r2.message);
    } catch (const std::exception& e) {
      FAIL_CHECK(row.name, " threw: ", std::string(e.what()));
    }
  }
}

}  // namespace

TEST_CASE("every tensor-returning function of the public API has a CUDA parity case") {
  std::set<std::string> ops = public_ops();
  CHECK(ops.size() > 100);  // the parser still reads the headers
  CHECK(ops.count("matmul") == 1);
  CHECK(ops.count("operator+=") == 1);
  CHECK(ops.count("F::cross_entropy") == 1);
  std::vector<std::string> missing = ops_without_a_case();
  CHECK_MESSAGE(missing.empty(), "no case for: ", joined(missing));
}

TEST_CASE("op table parity: every row on the CPU and the device, float32 and float64") {
  skip_without_device();
  for (const op_table::Table& t : op_table::all_tables()) check_group(from_table(t));
}

TEST_CASE("masks, arg-reductions, int64 and one_hot match the CPU") {
  skip_without_device();
  for (const Group& g : {masks(), arg_reductions(), int64_ops(), one_hot_group()}) check_group(g);
}

TEST_CASE("casts, in-place updates and factories match the CPU") {
  skip_without_device();
  for (const Group& g : {casts(), in_place(), factories()}) check_group(g);
}

TEST_CASE("random draws and dropout masks on the device are the CPU's after manual_seed") {
  skip_without_device();
  check_group(random_draws());
}

TEST_CASE("linear, nn::functional and every loss match the CPU, forward and backward") {
  skip_without_device();
  check_group(functional());
  check_group(losses());
}

TEST_CASE("large shapes take the multi-block kernel paths and match the CPU") {
  skip_without_device();
  check_group(large_shapes());
}

TEST_CASE("the engine on the device: accumulation, hooks, retain_grad, double backward") {
  skip_without_device();
  check_group(engine());
}

TEST_CASE("tensors move between the CPU and the device, gradients too") {
  skip_without_device();
  if (!dev().is_cuda()) {
    MESSAGE("skipped: the device under test is the CPU");
    return;
  }
  Tensor h = randn({3, 5}, kFloat64);
  Tensor g = h.cuda();
  CHECK(g.is_cuda());
  CHECK(g.device() == Device(DeviceType::CUDA, 0));
  CHECK(h.to(Device::CUDA).is_cuda());
  CHECK(g.cuda().same(g));  // already there: the same tensor
  CHECK(g.cpu().device() == kCPU);
  CHECK(g.cpu().to_vector<double>() == h.to_vector<double>());
  CHECK(g.to_vector<double>() == h.to_vector<double>());
  CHECK(g.sum().item() == doctest::Approx(h.sum().item()).epsilon(1e-12));
  CHECK(g.str().find("device=cuda:0") != std::string::npos);
  CHECK(allclose(g, h.cuda()));
  CHECK_FALSE(allclose(g, (h + 1.0).cuda()));
  Tensor x = randn({4}, kFloat64).requires_grad_();
  Tensor y = (x.cuda() * 2.0).cpu().sum();
  y.backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().device() == kCPU);
  CHECK(x.grad().to_vector<double>() == std::vector<double>(4, 2.0));
  Tensor empty_on_device = zeros({0, 3}, kCUDA);
  CHECK(empty_on_device.numel() == 0);
  CHECK(empty_on_device.cpu().shape() == Shape({0, 3}));
}

// Named "gradcheck" so a sanitizer run can leave them out (-tce='*gradcheck*'): they repeat the
// kernels above thousands of times.
TEST_CASE("device gradcheck and gradgradcheck: op table rows in float64 on the device") {
  skip_without_device();
  for (const op_table::Table& t : op_table::all_tables()) {
    INFO("table: ", t.name);
    check_rows_on_device(t.rows);
  }
}

TEST_CASE("device gradcheck: losses, linear and a trip through the host") {
  skip_without_device();
  using op_table::indices;
  using op_table::like;
  std::vector<Row> rows = {
      {"cross_entropy",
       {{4, 3}},
       [](const V& x) {
         return F::cross_entropy(x[0], indices(x[0], {2, 0, 1, 2}, {4}));
       }},
      {"cross_entropy with probabilities and weights",
       {{2, 3}, {3}},
       [](const V& x) {
         Tensor p = like(x[0], {0.2, 0.3, 0.5, 1, 0, 0}, {2, 3});
         return F::cross_entropy(x[0], p, nn::Reduction::mean, abs(x[1]) + 0.5);
       }},
      {"nll_loss [N, C, d] with weights",
       {{2, 3, 2}, {3}},
       [](const V& x) {
         return F::nll_loss(log_softmax(x[0], 1), indices(x[0], {0, 2, 1, 1}, {2, 2}),
                            nn::Reduction::mean, abs(x[1]) + 0.5);
       }},
      {"binary_cross_entropy",
       {{2, 3}},
       [](const V& x) {
         return F::binary_cross_entropy(sigmoid(x[0]), like(x[0], {0, 1, 1, 0, 0.5, 1}, {2, 3}));
       }},
      {"binary_cross_entropy_with_logits with pos_weight",
       {{2, 3}, {3}},
       [](const V& x) {
         return F::binary_cross_entropy_with_logits(x[0], like(x[0], {0, 1, 1, 0, 0.5, 1}, {2, 3}),
                                                    nn::Reduction::sum, {}, abs(x[1]) + 0.5);
       }},
      {"softmax_cross_entropy",
       {{4, 3}},
       [](const V& x) {
         return softmax_cross_entropy(x[0], indices(x[0], {2, 0, 1, 2}, {4}), true);
       }},
      {"mse_loss", {{2, 3}, {2, 3}}, [](const V& x) { return F::mse_loss(x[0], x[1]); }},
      {"linear op", {{3, 4}, {2, 4}, {2}}, [](const V& x) { return linear(x[0], x[1], x[2]); }},
      {"F::linear on 3-D input",
       {{2, 3, 4}, {2, 4}, {2}},
       [](const V& x) { return F::linear(x[0], x[1], x[2]); }},
      {"to(cpu) and back",
       {{2, 3}},
       [](const V& x) { return exp((x[0] * 2.0).to(kCPU).to(x[0].device())); }},
  };
  check_rows_on_device(rows);
}
