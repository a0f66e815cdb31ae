// The layers of nn: convolution, pooling, normalization and embedding against PyTorch's values
// and gradients (tests/reference/layers_reference.py), their modules (parameters, buffers,
// state_dict, train/eval), the containers ModuleList and ModuleDict, Module::apply, the loss and
// activation modules, and every refusal of bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "reference/layers_reference.hpp"
#include "test_util.hpp"

using namespace xgrad;
using test_util::contains;
using test_util::error_of;
namespace F = xgrad::nn::functional;
using V = std::vector<Tensor>;

namespace {

// The inputs of layers_reference.py: sin(0.731 i + seed) * 1.3 over the elements, in float64.
Tensor wave(const Shape& s, int seed) {
  std::vector<double> v(s.numel());
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.731 * double(i) + seed) * 1.3;
  return tensor(v, s, kFloat64);
}
Tensor leaf(const Shape& s, int seed) { return wave(s, seed).requires_grad_(); }

void check_values(const Tensor& t, const std::vector<double>& want, double tol = 1e-10) {
  std::vector<double> got = t.to(kFloat64).cpu().to_vector<double>();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element ", i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(tol).scale(1.0));
  }
}

const layers_reference::Case& reference(const std::string& name) {
  for (const auto& c : layers_reference::kCases)
    if (name == c.name) return c;
  throw Error("no reference case " + name);
}

// Runs fn on leaves wave(shapes[k], k + 1), backpropagates sum(out * wave(out shape, 99)) and
// compares output and input gradients with PyTorch's.
void check_case(const std::string& name, const std::vector<Shape>& shapes,
                const std::function<Tensor(const V&)>& fn) {
  INFO("case: ", name);
  const auto& ref = reference(name);
  V in;
  for (size_t k = 0; k < shapes.size(); ++k) in.push_back(leaf(shapes[k], int(k) + 1));
  Tensor out = fn(in);
  CHECK(out.shape() == Shape(ref.shape));
  check_values(out, ref.out);
  (out * wave(out.shape(), 99)).sum().backward();
  REQUIRE(ref.grads.size() == in.size());
  for (size_t k = 0; k < in.size(); ++k) {
    INFO("gradient of input ", k);
    REQUIRE(in[k].grad().defined());
    check_values(in[k].grad(), ref.grads[k]);
  }
}

}  // namespace

// ---- values and gradients against PyTorch

TEST_CASE(
    "conv2d and conv1d match PyTorch: groups, stride, padding (and \"same\"), dilation, bias") {
  check_case("conv2d groups 2, stride (2,1), padding (1,0), dilation (1,2), bias",
             {{2, 4, 5, 6}, {6, 2, 3, 2}, {6}}, [](const V& x) {
               return conv2d(x[0], x[1], x[2], {2, 1}, {1, 0}, {1, 2}, 2);
             });
  check_case("conv2d padding same, kernel (4,3)", {{1, 3, 5, 4}, {2, 3, 4, 3}},
             [](const V& x) { return F::conv2d(x[0], x[1], {}, 1, "same"); });
  check_case("conv2d stride 2, padding 2", {{2, 2, 7, 6}, {3, 2, 3, 3}, {3}},
             [](const V& x) { return conv2d(x[0], x[1], x[2], 2, 2); });
  check_case("conv1d stride 2, padding 1, dilation 2, bias", {{2, 3, 11}, {4, 3, 3}, {4}},
             [](const V& x) { return conv1d(x[0], x[1], x[2], 2, 1, 2); });
  check_case("conv1d groups 3, padding same", {{1, 3, 8}, {6, 1, 4}},
             [](const V& x) { return F::conv1d(x[0], x[1], {}, 1, "same", 1, 3); });
}

TEST_CASE("pooling matches PyTorch, max_pool2d's indices included") {
  check_case("max_pool2d kernel 3, stride 2, padding 1", {{2, 3, 7, 6}},
             [](const V& x) { return max_pool2d(x[0], 3, Int2(2), 1); });
  check_case("max_pool2d kernel (2,3), dilation (2,1)", {{1, 2, 6, 7}}, [](const V& x) {
    return F::max_pool2d(x[0], {2, 3}, Int2(1, 2), 0, {2, 1});
  });
  check_case("avg_pool2d kernel (2,3), stride (1,2), padding 1", {{2, 2, 5, 7}}, [](const V& x) {
    return avg_pool2d(x[0], {2, 3}, Int2(1, 2), 1);
  });
  check_case("adaptive_avg_pool2d (5,7) -> (3,4)", {{2, 2, 5, 7}}, [](const V& x) {
    return adaptive_avg_pool2d(x[0], {3, 4});
  });
  check_case("adaptive_avg_pool2d (4,4) -> (1,1)", {{2, 3, 4, 4}},
             [](const V& x) { return adaptive_avg_pool2d(x[0], 1); });
  auto [values, indices] = max_pool2d_with_indices(wave({2, 3, 7, 6}, 1), 3, Int2(2), 1);
  CHECK(indices.dtype() == kInt64);
  CHECK(indices.to_vector<int64_t>() == layers_reference::kMaxPoolIndices);
  // One image [C, H, W] gives [C, out_h, out_w].
  CHECK(max_pool2d(wave({3, 7, 6}, 1), 3, Int2(2), 1).shape() == Shape({3, 4, 3}));
  CHECK(allclose(max_pool2d(wave({3, 7, 6}, 1), 3, Int2(2), 1), values[0]));
}

TEST_CASE("max_pool2d: windows of -inf beside padding pick their first real position; NaN wins") {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = full({1, 1, 2, 2}, -inf).requires_grad_();
  auto [values, indices] = max_pool2d_with_indices(x, 2, Int2(1), 1);  // 3 x 3 windows, padding 1
  // PyTorch's rule: the first position inside the image, never a padded one.
  CHECK(indices.to_vector<int64_t>() == std::vector<int64_t>{0, 0, 1, 0, 0, 1, 2, 2, 3});
  CHECK(values.to_vector<float>() == std::vector<float>(9, -inf));
  values.sum().backward();
  CHECK(x.grad().to_vector<float>() == std::vector<float>{4, 2, 2, 1});  // windows per position
  Tensor y = tensor(std::vector<double>{1, std::nan(""), 3, 2}, {1, 1, 2, 2});
  auto [v, i] = max_pool2d_with_indices(y, 2);
  CHECK(std::isnan(v.item()));
  CHECK(i.item<int64_t>() == 1);
}

TEST_CASE("max_pool2d's indices equal a plain loop's on wide rows, ties, padding and dilation") {
  // Rows wider than one SIMD pass (37 columns), more planes than threads' groups (3 x 12), values
  // with ties (integers in [0, 4)) and a NaN; each window's first valid maximum, NaN first.
  struct Geometry {
    int64_t k, stride, pad, dil;
  };
  for (Dtype d : {kFloat32, kFloat64})
    for (Geometry g : {Geometry{3, 2, 1, 1}, Geometry{2, 2, 0, 1}, Geometry{2, 1, 1, 2}, Geometry{3, 3, 1, 1}}) {
      const int64_t N = 3, C = 12, H = 9, W = 37;
      std::vector<double> v(static_cast<size_t>(N * C * H * W));
      for (size_t i = 0; i < v.size(); ++i) v[i] = double((i * 7919 + 13) % 4);
      v[5 * W + 11] = std::nan("");
      Tensor x = tensor(v, {N, C, H, W}, d);
      auto [values, indices] = max_pool2d_with_indices(x, g.k, Int2(g.stride), g.pad, g.dil);
      const int64_t OH = indices.size(2), OW = indices.size(3);
      std::vector<int64_t> want;
      for (int64_t p = 0; p < N * C; ++p)
        for (int64_t oy = 0; oy < OH; ++oy)
          for (int64_t ox = 0; ox < OW; ++ox) {
            int64_t at = -1;
            for (int64_t i = 0; i < g.k; ++i)
              for (int64_t j = 0; j < g.k; ++j) {
                int64_t iy = oy * g.stride - g.pad + i * g.dil, ix = ox * g.stride - g.pad + j * g.dil;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                double val = v[p * H * W + iy * W + ix];
                double best = at < 0 ? 0 : v[p * H * W + at];
                if (at < 0 || val > best || (std::isnan(val) && !std::isnan(best))) at = iy * W + ix;
              }
            want.push_back(at);
          }
      CAPTURE(g.k);
      CAPTURE(g.stride);
      CAPTURE(g.pad);
      CAPTURE(g.dil);
      CHECK(indices.to_vector<int64_t>() == want);
    }
}

TEST_CASE("batch_norm with batch statistics: one node, gradcheck and gradgradcheck, affine or not") {
  manual_seed(3);
  Tensor x = randn({4, 3, 2, 2}, kFloat64).requires_grad_();
  Tensor w = (randn({3}, kFloat64) + 1.5).detach().requires_grad_();
  Tensor b = randn({3}, kFloat64).requires_grad_();
  auto affine = [](const std::vector<Tensor>& in) {
    return F::batch_norm(in[0], {}, {}, in[1], in[2], true);
  };
  CHECK(std::string(affine({x, w, b}).grad_fn()->name()) == "batch_norm");
  auto r = autograd::gradcheck(affine, {x, w, b});
  CHECK_MESSAGE(r.ok, r.message);
  auto rr = autograd::gradgradcheck(affine, {x, w, b});
  CHECK_MESSAGE(rr.ok, rr.message);
  Tensor x2 = randn({5, 3}, kFloat64).requires_grad_();
  auto plain = [](const std::vector<Tensor>& in) { return F::batch_norm(in[0], {}, {}, {}, {}, true); };
  CHECK_MESSAGE(autograd::gradcheck(plain, {x2}).ok, "batch_norm without weight and bias");
  CHECK_MESSAGE(autograd::gradgradcheck(plain, {x2}).ok, "batch_norm without weight and bias");
  // Running statistics are constants in eval mode.
  Tensor rm = randn({3}, kFloat64), rv = rand({3}, kFloat64) + 0.5;
  auto eval = [&](const std::vector<Tensor>& in) {
    return F::batch_norm(in[0], rm, rv, in[1], in[2], false);
  };
  CHECK_MESSAGE(autograd::gradgradcheck(eval, {x, w, b}).ok, "batch_norm in eval mode");
}

TEST_CASE("batch_norm's float32 gradient holds for inputs far from zero (centered sums)") {
  // Values near 1000 with unit spread, where float32 keeps about 4 digits of each deviation: the
  // float32 gradient stays within 1e-2 of the float64 one.
  manual_seed(4);
  Tensor base = randn({16, 2, 3, 3}, kFloat64) + 1000.0;
  Tensor gy = randn({16, 2, 3, 3}, kFloat64);
  auto grad_of = [&](Dtype d) {
    Tensor x = base.to(d).detach().requires_grad_();  // to(float64) is base itself
    (F::batch_norm(x, {}, {}, {}, {}, true) * gy.to(d)).sum().backward();
    return x.grad().to(kFloat64);
  };
  Tensor g64 = grad_of(kFloat64), g32 = grad_of(kFloat32);
  CHECK(allclose(g32, g64, 1e-2, 1e-3));
}

TEST_CASE("batch_norm, layer_norm, elu and softplus match PyTorch") {
  check_case("batch_norm training [N, C, H, W]", {{3, 2, 4, 3}, {2}, {2}},
             [](const V& x) { return F::batch_norm(x[0], {}, {}, x[1], x[2], true); });
  check_case("batch_norm training [N, C]", {{5, 3}, {3}, {3}},
             [](const V& x) { return F::batch_norm(x[0], {}, {}, x[1], x[2], true); });
  check_case("layer_norm over (3, 4)", {{2, 3, 4}, {3, 4}, {3, 4}}, [](const V& x) {
    return F::layer_norm(x[0], {3, 4}, x[1], x[2]);
  });
  check_case("elu alpha 0.7", {{13}}, [](const V& x) { return elu(x[0], 0.7); });
  check_case("softplus beta 2, threshold 1.5", {{13}},
             [](const V& x) { return F::softplus(x[0], 2.0, 1.5); });
}

TEST_CASE(
    "BatchNorm2d: running statistics and eval output as PyTorch's, buffers in the state_dict") {
  nn::BatchNorm2d bn(2, nn::BatchNormOptions{.dtype = kFloat64});
  bn(wave({3, 2, 4, 3}, 1));
  bn(wave({3, 2, 4, 3}, 2) * 2.0 + 1.0);
  std::vector<double> running = bn->running_mean.to_vector<double>(),
                      var = bn->running_var.to_vector<double>();
  running.insert(running.end(), var.begin(), var.end());
  check_values(tensor(running, kFloat64), layers_reference::kBatchNormRunning);
  CHECK(bn->num_batches_tracked.item<int64_t>() == 2);
  bn.eval();
  Tensor before = bn->running_mean.clone();
  check_values(bn(wave({3, 2, 4, 3}, 3)), layers_reference::kBatchNormEval);
  CHECK(allclose(bn->running_mean, before));  // eval leaves the statistics alone
  CHECK(bn->num_batches_tracked.item<int64_t>() == 2);

  StateDict sd = bn.state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, _] : sd) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                         "num_batches_tracked"});
  CHECK(bn.parameters().size() == 2);
  nn::BatchNorm2d fresh(2, nn::BatchNormOptions{.dtype = kFloat64});
  fresh.load_state_dict(sd);
  fresh.eval();
  check_values(fresh(wave({3, 2, 4, 3}, 3)), layers_reference::kBatchNormEval);
  CHECK(fresh->num_batches_tracked.item<int64_t>() == 2);
  fresh->reset_running_stats();
  CHECK(fresh->running_var.to_vector<double>() == std::vector<double>{1, 1});
}

TEST_CASE("BatchNorm without running statistics or affine; BatchNorm1d on [N, C] and [N, C, L]") {
  nn::BatchNorm1d bn(3, nn::BatchNormOptions{.affine = false, .track_running_stats = false});
  CHECK(bn.parameters().empty());
  CHECK(bn.buffers().empty());
  bn.eval();
  Tensor x = randn({6, 3});
  Tensor y = bn(x);  // batch statistics, even in eval
  CHECK(allclose(y.mean({0}), zeros({3}), 1e-5, 1e-5));
  CHECK(allclose(var(y, {0}, 0), ones({3}), 1e-3, 1e-3));
  nn::BatchNorm1d bn3(3);
  CHECK(bn3(randn({4, 3, 5})).shape() == Shape({4, 3, 5}));
  CHECK(contains(error_of([&] {
                   bn3(randn({4, 3, 5, 2}));
                 }),
                 "BatchNorm1d: expected input [N, C] or [N, C, L]"));
  CHECK(contains(error_of([&] { bn3(randn({4, 2})); }), "has 2 channels, the layer 3"));
  CHECK(contains(error_of([&] { bn3(randn({1, 3})); }), "more than 1 value per channel"));
  CHECK(
      contains(error_of([] { nn::BatchNorm2d(0); }), "BatchNorm2d: num_features must be positive"));
  std::ostringstream os;
  os << *nn::BatchNorm2d(4);
  CHECK(os.str() ==
        "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
}

// ---- modules

TEST_CASE("Conv2d and Conv1d: shapes, PyTorch's default init bounds, printing") {
  manual_seed(0);
  nn::Conv2d conv(4, 6, 3, {.stride = 2, .padding = 1, .groups = 2});
  CHECK(conv->weight.shape() == Shape({6, 2, 3, 3}));
  CHECK(conv->bias.shape() == Shape({6}));
  double bound = 1.0 / std::sqrt(2.0 * 9.0);  // fan_in = in / groups * kernel area
  CHECK(conv->weight.abs().max().item<float>() <= bound);
  CHECK(conv->weight.abs().max().item<float>() > 0.8 * bound);
  CHECK(conv->bias.abs().max().item<float>() <= bound);
  CHECK(conv(randn({2, 4, 9, 8})).shape() == Shape({2, 6, 5, 4}));
  std::ostringstream os;
  os << *conv;
  CHECK(os.str() == "Conv2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2)");

  nn::Conv1d c1(3, 5, 4, {.padding = "same", .bias = false});
  CHECK(!c1->bias.defined());
  CHECK(c1.parameters().size() == 1);
  CHECK(c1(randn({2, 3, 10})).shape() == Shape({2, 5, 10}));
  std::ostringstream os1;
  os1 << *c1;
  CHECK(os1.str() == "Conv1d(3, 5, kernel_size=(4,), stride=(1,), padding=same, bias=False)");
  CHECK(contains(error_of([] { nn::Conv2d(3, 4, 3, {.groups = 2}); }),
                 "Conv2d: in_channels 3 and out_channels 4 must be divisible by groups 2"));
  CHECK(contains(error_of([] { nn::Conv1d(3, 4, 0); }), "Conv1d: kernel_size must be positive"));
}

TEST_CASE("pooling modules run the functional forms; bad windows are refused at construction") {
  Tensor x = randn({2, 3, 8, 8});
  CHECK(allclose(nn::MaxPool2d(2)(x), max_pool2d(x, 2)));
  CHECK(allclose(nn::AvgPool2d(Int2(3), Int2(2), Int2(1))(x), avg_pool2d(x, 3, Int2(2), 1)));
  CHECK(nn::AdaptiveAvgPool2d(Int2(1))(x).shape() == Shape({2, 3, 1, 1}));
  CHECK(allclose(nn::AdaptiveAvgPool2d(Int2(1))(x).flatten(1), x.mean({2, 3}), 1e-5, 1e-6));
  std::ostringstream os;
  os << *nn::MaxPool2d(2);
  CHECK(os.str() == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(contains(error_of([] { nn::MaxPool2d(Int2(2), std::nullopt, Int2(2)); }),
                 "MaxPool2d: padding 2 must be between 0 and half the kernel size 2"));
  CHECK(contains(error_of([] { nn::AvgPool2d(Int2(2), Int2(0)); }),
                 "AvgPool2d: stride must be positive"));
  CHECK(contains(error_of([] { nn::AdaptiveAvgPool2d(Int2(0, 2)); }),
                 "AdaptiveAvgPool2d: output_size must be positive"));
}

TEST_CASE("LayerNorm module: ones and zeros, normalizes the last dims") {
  nn::LayerNorm ln(Shape{4});
  CHECK(ln->weight.to_vector<float>() == std::vector<float>(4, 1.0f));
  Tensor y = ln(randn({3, 4}) * 5.0 + 2.0);
  CHECK(allclose(y.mean({1}), zeros({3}), 1e-5, 1e-5));
  CHECK(contains(error_of([&] {
                   ln(randn({4, 3}));
                 }),
                 "layer_norm: normalized_shape [4] must be the last dims"));
  CHECK(contains(error_of([] { nn::LayerNorm(Shape{}); }),
                 "LayerNorm: normalized_shape must have at least one dim"));
}

TEST_CASE("Embedding: rows at the indices, the padding row zero and without gradient") {
  manual_seed(0);
  nn::Embedding emb(5, 3, {.padding_idx = -1});
  CHECK(emb->padding_idx == 4);
  CHECK(emb->weight[4].to_vector<float>() == std::vector<float>(3, 0.0f));
  Tensor idx = tensor({1, 4, 1, 0, 2, 4}, {2, 3}, kInt64);
  Tensor out = emb(idx);
  CHECK(out.shape() == Shape({2, 3, 3}));
  CHECK(allclose(out[0][0], emb->weight[1]));
  out.sum().backward();
  std::vector<float> g = emb->weight.grad().to_vector<float>();
  std::vector<float> want = {1, 1, 1, 2, 2, 2, 1, 1,
                             1, 0, 0, 0, 0, 0, 0};  // row 1 twice, row 4 never
  CHECK(g == want);
  CHECK(contains(error_of([&] { emb(tensor({1.0, 2.0})); }), "embedding: indices must be int64"));
  CHECK(contains(error_of([&] { emb(tensor({5}, {1}, kInt64)); }), "embedding"));
  CHECK(contains(error_of([] { nn::Embedding(3, 2, {.padding_idx = 3}); }),
                 "Embedding: padding_idx 3 is out of range"));
}

TEST_CASE("ModuleList, ModuleDict and Module::apply") {
  nn::ModuleList list(nn::Linear(2, 3), nn::ReLU());
  list->push_back(nn::Linear(3, 1));
  CHECK(list->size() == 3);
  CHECK(list.parameters().size() == 4);
  CHECK(list.named_parameters()[2].first == "2.weight");
  CHECK(list->at<nn::LinearImpl>(2).out_features == 1);
  CHECK(
      contains(error_of([&] { (*list)[3]; }), "ModuleList: index 3 is out of range for 3 modules"));
  CHECK(contains(error_of([&] { list(randn({1, 2})); }), "ModuleList has no forward"));
  Tensor y = randn({4, 2});
  for (const auto& [name, m] : *list) y = (*m)(y);
  CHECK(y.shape() == Shape({4, 1}));

  nn::ModuleDict dict;
  dict->insert("encoder", nn::Linear(4, 2));
  dict->insert("act", nn::Tanh());
  CHECK(dict->keys() == std::vector<std::string>{"encoder", "act"});
  dict->insert("encoder", nn::Linear(4, 8));  // replaced in place
  CHECK(dict->keys() == std::vector<std::string>{"encoder", "act"});
  CHECK(dict.named_parameters()[0].second.shape() == Shape({8, 4}));
  CHECK(dict->contains("act"));
  CHECK(contains(error_of([&] { (*dict)["decoder"]; }),
                 "ModuleDict: no module named \"decoder\" (keys: encoder, act)"));

  // apply visits children before their parent, every module once; here it initializes weights.
  nn::Sequential model(nn::Linear(2, 3), nn::Sequential(nn::Linear(3, 3), nn::ReLU()));
  std::vector<std::string> order;
  model.apply([&](nn::Module& m) {
    order.push_back(m.type_name());
    if (auto* lin = dynamic_cast<nn::LinearImpl*>(&m)) nn::init::constant_(lin->weight, 0.5);
  });
  CHECK(order == std::vector<std::string>{"Linear", "Linear", "ReLU", "Sequential", "Sequential"});
  for (const auto& [name, p] : model.named_parameters())
    if (contains(name, "weight")) CHECK(p.max().item<float>() == 0.5f);
}

TEST_CASE("loss modules give the functional losses, with their reduction and weights") {
  Tensor x = randn({4, 3}), y = randn({4, 3});
  Tensor p = sigmoid(x), t = rand({4, 3});
  Tensor labels = tensor({2, 0, 1, 2}, {4}, kInt64);
  Tensor w = tensor({0.5, 1.0, 2.0}, kFloat32);
  CHECK(allclose(nn::MSELoss()(x, y), F::mse_loss(x, y)));
  CHECK(allclose(nn::L1Loss(nn::Reduction::sum)(x, y), F::l1_loss(x, y, nn::Reduction::sum)));
  CHECK(nn::MSELoss(nn::Reduction::none)(x, y).shape() == Shape({4, 3}));
  CHECK(allclose(nn::CrossEntropyLoss(nn::Reduction::mean, w)(x, labels),
                 F::cross_entropy(x, labels, nn::Reduction::mean, w)));
  CHECK(allclose(nn::NLLLoss()(log_softmax(x, 1), labels), F::nll_loss(log_softmax(x, 1), labels)));
  CHECK(allclose(nn::BCELoss()(p, t), F::binary_cross_entropy(p, t)));
  CHECK(allclose(nn::BCEWithLogitsLoss(nn::Reduction::sum, Tensor(), w)(x, t),
                 F::binary_cross_entropy_with_logits(x, t, nn::Reduction::sum, {}, w)));
  nn::CrossEntropyLoss ce(nn::Reduction::mean, w);
  CHECK(ce.state_dict().size() == 1);  // the class weights, a buffer as in PyTorch
  CHECK(contains(error_of([&] { ce(x); }), "CrossEntropyLoss: a loss takes (input, target)"));
  std::ostringstream os;
  os << *nn::L1Loss(nn::Reduction::sum);
  CHECK(os.str() == "L1Loss(reduction=sum)");
}

TEST_CASE("activation modules: GELU, SiLU, LeakyReLU, ELU, Softplus") {
  Tensor x = randn({5, 4}) * 3.0;
  CHECK(allclose(nn::GELU()(x), gelu(x)));
  CHECK(allclose(nn::GELU("tanh")(x), gelu(x, "tanh")));
  CHECK(allclose(nn::SiLU()(x), silu(x)));
  CHECK(allclose(nn::LeakyReLU(0.2)(x), leaky_relu(x, 0.2)));
  CHECK(allclose(nn::ELU(0.5)(x), elu(x, 0.5)));
  CHECK(allclose(nn::Softplus()(x), softplus(x)));
  CHECK(allclose(nn::Softplus(2.0, 1.0)(x), where(gt(x * 2.0, 1.0), x, softplus(x * 2.0) / 2.0)));
  CHECK(contains(error_of([] { nn::GELU("fast"); }),
                 "GELU: approximate must be \"none\" or \"tanh\""));
  CHECK(contains(error_of([] { nn::Softplus(0.0); }), "Softplus: beta must be positive"));
  CHECK(contains(error_of([&] { elu(tensor({1}, {1}, kInt64)); }), "elu"));
  std::ostringstream os;
  os << *nn::ELU(0.5);
  CHECK(os.str() == "ELU(alpha=0.5)");
}

// ---- bad input

TEST_CASE("conv2d and conv1d refuse bad input with the op and the shapes") {
  Tensor x = randn({2, 4, 6, 6}), w = randn({6, 2, 3, 3});
  auto err = [](auto fn) { return error_of(fn); };
  CHECK(contains(err([&] {
                   conv2d(randn({4, 6, 6, 1, 1}), w);
                 }),
                 "conv2d: expected input [N, C, H, W] (or [C, H, W]), got shape [4, 6, 6, 1, 1]"));
  CHECK(contains(err([&] {
                   conv2d(x, randn({6, 2, 3}));
                 }),
                 "conv2d: expected weight [C_out, C_in / groups, kh, kw], got shape [6, 2, 3]"));
  CHECK(contains(err([&] { conv2d(x, w); }),
                 "conv2d: weight of shape [6, 2, 3, 3] expects 2 input channels (groups 1), got "
                 "input of shape [2, 4, 6, 6]"));
  CHECK(contains(err([&] { conv2d(x, w, {}, 1, 0, 1, 4); }), "must both be divisible by groups 4"));
  CHECK(contains(err([&] { conv2d(x, w, {}, 1, 0, 1, 0); }), "conv2d: groups must be positive"));
  CHECK(contains(err([&] { conv2d(x, w, randn({5}), 1, 0, 1, 2); }),
                 "conv2d: bias of shape [5] does not match weight of shape [6, 2, 3, 3]"));
  CHECK(contains(err([&] { conv2d(x, w, {}, 0, 0, 1, 2); }),
                 "conv2d: stride must be positive, got (0, 0)"));
  CHECK(contains(err([&] { conv2d(x, w, {}, 1, -1, 1, 2); }),
                 "conv2d: padding must be non-negative"));
  CHECK(contains(err([&] { conv2d(x, w, {}, 1, 0, 0, 2); }), "conv2d: dilation must be positive"));
  CHECK(contains(
      err([&] {
        conv2d(randn({1, 4, 2, 2}), w, {}, 1, 0, 1, 2);
      }),
      "conv2d: input of shape [1, 4, 2, 2] with padding (0, 0) is smaller than the kernel (3, 3)"));
  CHECK(contains(err([&] { conv2d(x, w, {}, 2, "same", 1, 2); }),
                 "conv2d: padding \"same\" needs stride 1"));
  CHECK(contains(err([&] { conv2d(x, w, {}, 1, "full", 1, 2); }),
                 "conv2d: padding must be a size, \"same\" or \"valid\", got \"full\""));
  CHECK(contains(err([&] { conv2d(x, w.to(kFloat64), {}, 1, 0, 1, 2); }), "conv2d"));
  CHECK(contains(err([&] { conv2d(x.to(kInt64), w.to(kInt64), {}, 1, 0, 1, 2); }), "conv2d"));
  CHECK(contains(err([&] {
                   conv1d(randn({2, 3, 4, 5}), randn({2, 3, 3}));
                 }),
                 "conv1d: expected input [N, C, L] (or [C, L]), got shape [2, 3, 4, 5]"));
  CHECK(contains(err([&] {
                   conv1d(randn({2, 3, 8}), randn({2, 3, 3, 3}));
                 }),
                 "conv1d: expected weight [C_out, C_in / groups, k], got shape [2, 3, 3, 3]"));
  CHECK(contains(err([&] {
                   conv1d(randn({2, 3, 8}), randn({2, 3, 3}), {}, 1, {1, 2});
                 }),
                 "conv1d: padding is one number"));
  CHECK(contains(err([&] {
                   conv1d(randn({2, 2, 8}), randn({2, 3, 3}));
                 }),
                 "conv1d: weight of shape"));
  // "valid" is no padding; "same" keeps the size
  CHECK(conv2d(x, w, {}, 1, "valid", 1, 2).shape() == Shape({2, 6, 4, 4}));
  CHECK(conv2d(x, w, {}, 1, "same", 2, 2).shape() == Shape({2, 6, 6, 6}));
}

TEST_CASE("pooling ops refuse bad input with the op and the shapes") {
  Tensor x = randn({2, 3, 6, 6});
  CHECK(contains(error_of([&] {
                   max_pool2d(randn({6, 6}), 2);
                 }),
                 "max_pool2d: expected input [N, C, H, W] (or [C, H, W]), got shape [6, 6]"));
  CHECK(contains(error_of([&] { max_pool2d(x, 2, std::nullopt, 2); }),
                 "max_pool2d: padding (2, 2) must be at most half the kernel size (2, 2)"));
  CHECK(contains(error_of([&] { max_pool2d(x, 0); }), "max_pool2d: kernel size must be positive"));
  // Dilation 3 with padding 1 on a 2x2 input: the one window reads positions -1 and 2, both
  // padding (PyTorch returns -inf and index 6 there, outside the input).
  CHECK(contains(error_of([&] { F::max_pool2d(randn({1, 1, 2, 2}), 2, Int2(1), 1, 3); }),
                 "max_pool2d: the window at output row 0 covers only padding (kernel (2, 2), "
                 "dilation (3, 3), padding (1, 1), input (2, 2))"));
  CHECK(contains(error_of([&] {
                   max_pool2d(randn({1, 1, 2, 2}), 3);
                 }),
                 "max_pool2d: input of shape [1, 1, 2, 2] with padding (0, 0) is smaller than the "
                 "kernel (3, 3)"));
  CHECK(contains(error_of([&] { max_pool2d(x, 2, Int2(2), 0, 0); }),
                 "max_pool2d: dilation must be positive"));
  CHECK(contains(error_of([&] { avg_pool2d(x, 2, Int2(-1)); }),
                 "avg_pool2d: stride must be positive"));
  CHECK(contains(error_of([&] { avg_pool2d(x.to(kInt64), 2); }), "avg_pool2d"));
  CHECK(contains(error_of([&] {
                   adaptive_avg_pool2d(x, {0, 2});
                 }),
                 "adaptive_avg_pool2d: output size must be positive, got (0, 2)"));
  CHECK(contains(error_of([&] {
                   adaptive_avg_pool2d(randn({2, 3}), 1);
                 }),
                 "adaptive_avg_pool2d: expected input [N, C, H, W]"));
}

TEST_CASE("batch_norm, layer_norm and embedding refuse bad input") {
  Tensor x = randn({4, 3, 2});
  CHECK(contains(error_of([&] { F::batch_norm(randn({4}), {}, {}); }),
                 "batch_norm: expected input [N, C, *], got shape [4]"));
  CHECK(contains(error_of([&] { F::batch_norm(x, zeros({2}), ones({2})); }),
                 "batch_norm: running_mean of shape [2] does not match the 3 channels of input "
                 "shape [4, 3, 2]"));
  CHECK(contains(error_of([&] { F::batch_norm(x, zeros({3}), {}); }),
                 "batch_norm: running_mean and running_var must both be given"));
  CHECK(contains(error_of([&] { F::batch_norm(x, {}, {}, ones({3}, kFloat64)); }),
                 "batch_norm: weight is float64"));
  CHECK(contains(error_of([&] { F::layer_norm(x, {3}); }),
                 "layer_norm: normalized_shape [3] must be the last dims of the input, got input "
                 "of shape [4, 3, 2]"));
  CHECK(contains(error_of([&] { F::layer_norm(x, {2}, ones({3})); }),
                 "layer_norm: weight of shape [3] does not match normalized_shape [2]"));
  CHECK(contains(error_of([&] { F::embedding(tensor({0}, {1}, kInt64), randn({3})); }),
                 "embedding: weight must be 2-D"));
  CHECK(contains(error_of([&] {
                   F::embedding(tensor({0}, {1}, kInt64), randn({3, 2}), 7);
                 }),
                 "embedding: padding_idx 7 is out of range for 3 embeddings"));
}

TEST_CASE("conv2d in deterministic mode: the same bits twice, close to the default mode") {
  Tensor x = wave({2, 3, 9, 8}, 1).to(kFloat32), w = wave({5, 3, 3, 3}, 2).to(kFloat32);
  auto run = [&] {
    Tensor xi = x.clone().requires_grad_(), wi = w.clone().requires_grad_();
    Tensor y = max_pool2d(relu(conv2d(xi, wi, {}, 1, 1)), 2);
    (y * y).sum().backward();
    return V{y.detach(), xi.grad(), wi.grad()};
  };
  V fast = run();
  set_deterministic(true);
  V a = run(), b = run();
  set_deterministic(false);
  for (size_t k = 0; k < a.size(); ++k) {
    CHECK(a[k].to_vector<float>() == b[k].to_vector<float>());
    CHECK(allclose(a[k], fast[k], 1e-4, 1e-4));
  }
}
