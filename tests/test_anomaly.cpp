// Anomaly mode: a NaN or Inf made in backward (or, when asked, in forward) throws an error that
// names the op, its inputs' shapes and dtypes and the line of this file that called it; on the
// CPU and on a CUDA device (the emulated one in CI) alike.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>
#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

std::vector<Device> devices() {
  std::vector<Device> d{Device(kCPU)};
  if (cuda::is_available()) d.push_back(Device(kCUDA));
  return d;
}

// The message of the Error `f` throws (fails the test when it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("no xgrad::Error thrown");
  return "";
}

// "test_anomaly.cpp:<line>": the error names this file and the line of the call. Each test takes
// `__LINE__ + 1` on the line before the call, so reformatting cannot separate the two.
std::string here(int line) { return "test_anomaly.cpp:" + std::to_string(line); }

// x = [[1, 0, 3], [4, 5, 6]] (a zero) or with a negative, float64, on `dev`.
Tensor input(Device dev, double second) {
  return tensor({{1, second, 3}, {4, 5, 6}}, kFloat64).to(dev).requires_grad_();
}

// A user op whose backward divides by its input: an Inf gradient where the input is 0.
struct Reciprocal : autograd::Function<Reciprocal> {
  static constexpr const char* name = "Reciprocal";
  static inline int forward_line = 0;
  static Tensor forward(autograd::Context& ctx, const Tensor& x) {
    ctx.save_for_backward({x});
    forward_line = __LINE__ + 1;
    Tensor y = x * 2.0;
    return y;
  }
  static std::vector<Tensor> backward(autograd::Context& ctx, const std::vector<Tensor>& g) {
    return {g[0] / ctx.saved_tensors()[0]};
  }
};

}  // namespace

TEST_CASE("the anomaly switch is process-wide, off by default, and its guard nests") {
  CHECK_FALSE(autograd::is_anomaly_enabled());
  {
    autograd::DetectAnomalyGuard outer;
    CHECK(autograd::is_anomaly_enabled());
    CHECK_FALSE(autograd::is_anomaly_check_forward_enabled());
    {
      autograd::DetectAnomalyGuard inner(/*check_forward=*/true);
      CHECK(autograd::is_anomaly_check_forward_enabled());
      bool other_thread = false;
      std::thread([&] { other_thread = autograd::is_anomaly_enabled(); }).join();
      CHECK(other_thread);  // as PyTorch's set_detect_anomaly: every thread
    }
    CHECK(autograd::is_anomaly_enabled());
    CHECK_FALSE(autograd::is_anomaly_check_forward_enabled());
  }
  CHECK_FALSE(autograd::is_anomaly_enabled());
  autograd::set_detect_anomaly(true, true);
  CHECK(autograd::is_anomaly_check_forward_enabled());
  autograd::set_detect_anomaly(false);
  CHECK_FALSE(autograd::is_anomaly_enabled());
  CHECK_FALSE(autograd::is_anomaly_check_forward_enabled());
}

TEST_CASE("without anomaly mode a NaN gradient flows silently, as in PyTorch") {
  Tensor x = input(kCPU, 0);
  Tensor y = where(gt(x.detach(), 0.0), log(x), zeros_like(x));  // log(0) = -inf is masked out...
  y.sum().backward();                                            // ...but its gradient is 0/0
  CHECK(std::isnan(x.grad().to_vector<double>()[1]));
}

TEST_CASE("a NaN made by log's backward names log, [2, 3], float64 and the caller's line") {
  for (Device dev : devices()) {
    CAPTURE(dev.str());
    autograd::DetectAnomalyGuard anomaly;
    Tensor x = input(dev, 0);
    const int line = __LINE__ + 1;
    Tensor lx = log(x);
    Tensor y = where(gt(x.detach(), 0.0), lx, zeros_like(x));  // a finite forward
    CHECK(std::isfinite(y.sum().item()));
    std::string msg = error_of([&] { y.sum().backward(); });
    CHECK(msg.find("backward of 'log'") != std::string::npos);
    CHECK(msg.find("[2, 3] float64") != std::string::npos);
    CHECK(msg.find(here(line)) != std::string::npos);
    CHECK(msg.find("NaN") != std::string::npos);
    INFO(msg);
  }
}

TEST_CASE("with check_forward, log of a negative throws at log, naming the caller's line") {
  for (Device dev : devices()) {
    CAPTURE(dev.str());
    Tensor x = input(dev, -2);
    {
      autograd::DetectAnomalyGuard anomaly;  // forward not checked: the NaN passes forward
      CHECK(std::isnan(log(x).sum().item()));
    }
    autograd::DetectAnomalyGuard anomaly(/*check_forward=*/true);
    int line = 0;
    std::string msg = error_of([&] {
      line = __LINE__ + 1;
      Tensor y = x.log();
    });
    CHECK(msg.find("forward of 'log'") != std::string::npos);
    CHECK(msg.find("[2, 3] float64") != std::string::npos);
    CHECK(msg.find(here(line)) != std::string::npos);
    // Under no-grad too (evaluation code): the op still checks its output.
    NoGradGuard no_grad;
    msg = error_of([&] {
      line = __LINE__ + 1;
      Tensor y = log(x.detach());
    });
    CHECK(msg.find(here(line)) != std::string::npos);
  }
}

TEST_CASE(
    "an operator's NaN names the op and the line of the expression (a / b with a zero in b)") {
  for (Device dev : devices()) {
    CAPTURE(dev.str());
    autograd::DetectAnomalyGuard anomaly;
    Tensor a = tensor({{1, 2, 3}, {4, 5, 6}}, kFloat32).to(dev).requires_grad_();
    Tensor b = tensor({{1, 0, 1}, {1, 1, 1}}, kFloat32).to(dev);
    const int line = __LINE__ + 1;
    Tensor q = a / b;
    Tensor y = where(ne(b, 0.0), q, zeros_like(q));  // masked: the gradient of a is 0 / 0
    std::string msg = error_of([&] { y.sum().backward(); });
    CHECK(msg.find("backward of 'div'") != std::string::npos);
    CHECK(msg.find("[2, 3] float32, [2, 3] float32") != std::string::npos);
    CHECK(msg.find(here(line)) != std::string::npos);
  }
}

TEST_CASE("operators record the user's line in every overload form") {
  autograd::DetectAnomalyGuard anomaly(/*check_forward=*/true);
  const double inf = std::numeric_limits<double>::infinity();
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor z = zeros({2}, kFloat64);
  Tensor n = tensor({std::nan(""), 1.0}, kFloat64);
  int line = 0;
  // Each call sits outside doctest's macros: inside a macro's arguments, the compiler reports
  // every line as the line the macro starts on.
  std::string msg;
  auto site_of = [&](auto f) {
    std::string m = error_of(f);
    INFO(m);
    CHECK(m.find(here(line)) != std::string::npos);
    return m;
  };
  msg = site_of([&] {
    line = __LINE__ + 1;
    (void)(x / z);
  });  // Tensor, Tensor
  CHECK(msg.find("'div'") != std::string::npos);
  msg = site_of([&] {
    line = __LINE__ + 1;
    (void)(x * inf);
  });  // Tensor, double
  CHECK(msg.find("'mul'") != std::string::npos);
  // Tensor, int literal: a division by a scalar runs as a multiplication by its reciprocal.
  msg = site_of([&] {
    line = __LINE__ + 1;
    (void)(x / 0);
  });
  CHECK(msg.find("'mul'") != std::string::npos);
  msg = site_of([&] {
    line = __LINE__ + 1;
    (void)(1 / (x - x));
  });  // int, Tensor
  CHECK(msg.find("'rdiv'") != std::string::npos);
  msg = site_of([&] {
    line = __LINE__ + 1;
    (void)(inf - x);
  });  // double, Tensor
  CHECK(msg.find("'rsub'") != std::string::npos);
  msg = site_of([&] {
    line = __LINE__ + 1;
    (void)(x + n);
  });
  CHECK(msg.find("'add'") != std::string::npos);
  msg = site_of([&] {
    line = __LINE__ + 1;
    (void)-n;
  });  // unary
  CHECK(msg.find("'neg'") != std::string::npos);
  msg = site_of([&] {
    line = __LINE__ + 1;
    (void)x.log().mul_(inf);
  });  // in place
  CHECK(msg.find("mul") != std::string::npos);
  // Plain values still compute as before.
  Tensor y = 2 * x + x * 3 - 1.0 / x + x / 2 - (-x);
  CHECK(y.to_vector<double>() == std::vector<double>{2 + 3 - 1 + 0.5 + 1, 4 + 6 - 0.5 + 1 + 2});
  Tensor w = x.detach().clone();
  w += x.detach();
  w *= 2;
  w -= 1.5;
  w /= 2.0;
  CHECK(w.to_vector<double>() == std::vector<double>{1.25, 3.25});
}

TEST_CASE(
    "a user autograd::Function whose backward makes an Inf is named, with its forward's line") {
  for (Device dev : devices()) {
    CAPTURE(dev.str());
    autograd::DetectAnomalyGuard anomaly;
    Tensor x = input(dev, 0);
    Tensor y = Reciprocal::apply(x);
    std::string msg = error_of([&] { y.sum().backward(); });
    CHECK(msg.find("backward of 'Reciprocal'") != std::string::npos);
    CHECK(msg.find("[2, 3] float64") != std::string::npos);
    // apply() takes no location: the nearest located call, the last op its forward ran.
    CHECK(msg.find(here(Reciprocal::forward_line)) != std::string::npos);
    CHECK(msg.find("Inf") != std::string::npos);
  }
}

TEST_CASE("a graph recorded with anomaly mode off still names the op when backward finds a NaN") {
  Tensor x = input(kCPU, 0);
  Tensor y = where(gt(x.detach(), 0.0), log(x), zeros_like(x));
  autograd::DetectAnomalyGuard anomaly;
  std::string msg = error_of([&] { y.sum().backward(); });
  CHECK(msg.find("'log'") != std::string::npos);
  CHECK(msg.find("anomaly mode was off") != std::string::npos);
}
