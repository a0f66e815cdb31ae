// Notebooks 000 and 004's activation functions: step, sigmoid, tanh, ReLU, leaky ReLU and softplus
// on [-5, 5] (101 points), each differentiated by xgrad's autograd (backward through the op, no
// derivative typed in), drawn as the notebooks' two figures: the functions, and their gradients;
// and notebook 004's sigmoid at slopes 1, 2 and 0.5 (cells 4-7: 1 / (1 + exp(-k z))), a figure of
// its own. The closed-form derivatives are here only to check autograd: the largest difference
// over the 101 points is printed per function. Last, notebook 004's softmax of [0, 0, 1] and of
// [10, 0, -2] (cells 10-11).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "cli.hpp"

using namespace xgrad;

namespace {

struct Activation {
  std::string name;
  std::function<Tensor(const Tensor&)> apply;  // built from xgrad ops, so autograd sees it
  std::function<double(double)> derivative;    // closed form, for the check only
};

// The perceptron's step: 1 for z >= 0, else 0. sign() has a zero gradient, so autograd gives the
// step's derivative (0 everywhere) without a special case; clamp maps sign 0 (z = 0) to 1.
Tensor step(const Tensor& z) { return clamp(sign(z) + 1.0, 0.0, 1.0); }

double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Notebook 004's sigmoid(k z), whose derivative is k s (1 - s).
Activation sigmoid_at_slope(double k, const std::string& name) {
  return {name, [k](const Tensor& z) { return sigmoid(z * k); },
          [k](double z) { return k * logistic(k * z) * (1.0 - logistic(k * z)); }};
}

std::string joined(const Tensor& t) {
  std::string out;
  for (double v : t.to_vector<double>()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.8g", out.empty() ? "" : ",", v);
    out += buf;
  }
  return out;
}

std::vector<Activation> activations(double slope) {
  return {
      {"step", step, [](double) { return 0.0; }},
      {"sigmoid", [](const Tensor& z) { return sigmoid(z); },
       [](double z) { return logistic(z) * (1.0 - logistic(z)); }},
      {"tanh", [](const Tensor& z) { return tanh(z); },
       [](double z) { return 1.0 - std::tanh(z) * std::tanh(z); }},
      // At z = 0 (a kink) autograd takes PyTorch's one-sided choice: the left derivative.
      {"relu", [](const Tensor& z) { return relu(z); }, [](double z) { return z > 0 ? 1.0 : 0.0; }},
      {"leaky_relu", [slope](const Tensor& z) { return leaky_relu(z, slope); },
       [slope](double z) { return z > 0 ? 1.0 : slope; }},
      {"softplus", [](const Tensor& z) { return softplus(z); }, logistic},
  };
}

}  // namespace

int main(int argc, char** argv) {
  int64_t points = 101;
  double slope = 0.1;
  std::string plots = "activations";
  examples::Cli cli(
      "Notebooks 000 and 004: activation functions and their derivatives by autograd");
  cli.option("--points", points, "points on [-5, 5]")->check(examples::at_least(2));
  cli.option("--slope", slope, "leaky ReLU's slope for z < 0")->check(examples::at_least(0));
  cli.option("--plots", plots,
             "figures PLOTS_functions.svg, PLOTS_gradients.svg, PLOTS_sigmoid.svg ('' for none)");
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    // -5 + 10 i / (points - 1) as (2i - (points - 1)) * 5 / (points - 1): the middle point of an
    // odd count is exactly 0, where the kinks are (linspace's -5 + i * step misses it by 3e-16).
    double intervals = static_cast<double>(points - 1);
    Tensor grid = (arange(0.0, static_cast<double>(points), 1.0, kFloat64) * 2.0 - intervals) *
                  5.0 / intervals;
    std::vector<double> zs = grid.to_vector<double>();

    std::vector<plot::Series> functions, gradients, sigmoids;
    std::vector<std::pair<std::string, double>> errors;
    std::vector<Activation> all = activations(slope);
    all.push_back(sigmoid_at_slope(2.0, "sigmoid_slope2"));
    all.push_back(sigmoid_at_slope(0.5, "sigmoid_slope0.5"));
    for (const auto& act : all) {
      Tensor z = grid.to(dev).detach().requires_grad_();
      Tensor a = act.apply(z);
      a.sum().backward();  // each a_i depends on z_i only: the gradient is da_i/dz_i
      std::vector<double> values = a.detach().cpu().to_vector<double>();
      std::vector<double> slopes = z.grad().cpu().to_vector<double>();
      double worst = 0;
      for (size_t i = 0; i < zs.size(); ++i)
        worst = std::max(worst, std::abs(slopes[i] - act.derivative(zs[i])));
      errors.emplace_back(act.name, worst);
      if (act.name.rfind("sigmoid", 0) == 0)
        sigmoids.push_back({.label = act.name == "sigmoid"          ? "sigmoid(z)"
                                     : act.name == "sigmoid_slope2" ? "sigmoid(2z)"
                                                                    : "sigmoid(0.5z)",
                            .x = zs,
                            .y = values});
      if (act.name.find("slope") != std::string::npos) continue;
      bool dashed = act.name == "leaky_relu" || act.name == "softplus";  // they overlap relu's
      functions.push_back({.label = act.name, .x = zs, .y = values, .dashed = dashed});
      gradients.push_back({.label = act.name, .x = zs, .y = slopes, .dashed = dashed});
    }

    const std::string& prefix = plots;
    if (!prefix.empty()) {
      plot::line_plot(prefix + "_functions.svg", functions,
                      {.title = "Activation functions", .xlabel = "z", .ylabel = "a(z)"});
      plot::line_plot(prefix + "_gradients.svg", gradients,
                      {.title = "Their derivatives, by xgrad's autograd",
                       .xlabel = "z",
                       .ylabel = "da/dz",
                       .y_min = -0.2,
                       .y_max = 1.2});
      plot::line_plot(prefix + "_sigmoid.svg", sigmoids,
                      {.title = "Sigmoid at slopes 1, 2 and 0.5", .xlabel = "z", .ylabel = "a(z)"});
      if (!cli.common.quiet)
        std::printf("wrote %s_functions.svg, %s_gradients.svg and %s_sigmoid.svg\n", prefix.c_str(),
                    prefix.c_str(), prefix.c_str());
    }
    std::printf("points %lld\n", static_cast<long long>(points));
    for (auto& [name, e] : errors) std::printf("max_abs_error_%s %.3g\n", name.c_str(), e);
    std::printf("softmax_0_0_1 %s\n",
                joined(softmax(tensor({0.0, 0.0, 1.0}, kFloat64).to(dev), 0).cpu()).c_str());
    std::printf("softmax_10_0_-2 %s\n",
                joined(softmax(tensor({10.0, 0.0, -2.0}, kFloat64).to(dev), 0).cpu()).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "activations: %s\n", e.what());
    return 1;
  }
}
