// The CUDA parity cases of test_cuda_ops.cpp, grouped by what they exercise: each op table of
// tests/op_table.hpp, and the ops a gradient table cannot hold (masks, arg-reductions, int64,
// casts, in-place updates, factories, random draws, nn::functional, losses, large shapes, the
// engine). Each group names the public API functions its cases call, for the coverage check.
// The nn::functional groups are in cuda_parity_nn_cases.hpp.
#pragma once

#include "cuda_parity_group.hpp"
#include "cuda_parity_nn_cases.hpp"

namespace cuda_cases {

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
