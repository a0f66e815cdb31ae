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

#include "cuda_parity_cases.hpp"
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

using namespace cuda_cases;

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
  const std::regex decl(R"(^\s*(?:inline\s+)?(?:Tensor&?|ValuesIndices)\s+(operator\S*?|\w+)\()");
  const std::pair<const char*, const char*> headers[] = {
      {"include/xgrad/autograd/tensor.hpp", ""}, {"include/xgrad/autograd/ops.hpp", ""},
      {"include/xgrad/nn/functional.hpp", "F::"},
      {"include/xgrad/nn/loss.hpp", "F::"}};
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

TEST_CASE(
    "sort and topk indices, int64 forms of the tensor ops and the *_like factories match the CPU") {
  skip_without_device();
  check_group(tensor_ops_extra());
}

TEST_CASE(
    "an int64 tensor with a fractional scalar is refused on the device, naming the op and scalar") {
  skip_without_device();
  Tensor i = tensor({1.0, 2.0}, TensorOptions{kInt64, dev()});
  for (auto [name, fn] : std::vector<std::pair<std::string, std::function<void()>>>{
           {"mul: ", [&] { (void)(i * 2.5); }},
           {"add: ", [&] { (void)(i + 0.5); }},
           {"mul_: ", [&] { i.mul_(1.5); }},
       }) {
    std::string msg;
    try {
      fn();
    } catch (const Error& e) {
      msg = e.what();
    }
    CHECK_MESSAGE(msg.find(name) != std::string::npos, msg);
    CHECK_MESSAGE(msg.find("int64") != std::string::npos, msg);
    CHECK_MESSAGE(msg.find("kFloat64") != std::string::npos, msg);
  }
  CHECK(i.to_vector<int64_t>() == std::vector<int64_t>{1, 2});  // the refused mul_ left it alone
}

TEST_CASE("deterministic mode: every case still matches the CPU; gathers' gradients to the bit") {
  skip_without_device();
  struct Guard {
    bool before = is_deterministic();
    ~Guard() { set_deterministic(before); }
  } restore;
  set_deterministic(true);
  for (const Group& g : all_groups()) check_group(g);
  // The backward of index_select and gather adds repeated indices in the CPU's order.
  for (Dtype dtype : {kFloat32, kFloat64}) {
    INFO(std::string(dtype_name(dtype)));
    manual_seed(11);
    // Gradients over six orders of magnitude: their float sums depend on the order of the terms.
    Tensor x = randn({50, 4}, dtype),
           g = randn({2000, 4}, dtype) * exp(randn({2000, 4}, dtype) * 3.0);
    Tensor g2 = randn({50, 300}, dtype) * exp(randn({50, 300}, dtype) * 3.0);
    Tensor rows = randint(0, 50, {2000}), cols = randint(0, 4, {50, 300});
    V grads;
    for (Device d : {kCPU, dev(), dev()}) {
      Tensor xd = x.to(d).detach().requires_grad_();
      (index_select(xd, 0, rows.to(d)) * g.to(d)).sum().backward();
      (gather(xd, 1, cols.to(d)) * g2.to(d)).sum().backward();
      grads.push_back(xd.grad());
    }
    check_close("first run", grads[0], grads[1], {0, 0});
    check_close("second run", grads[0], grads[2], {0, 0});
  }
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
  CHECK(h.to(kCUDA).is_cuda());
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
