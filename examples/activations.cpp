// Notebooks 000 and 004's activation functions: step, sigmoid, tanh, ReLU, leaky ReLU and softplus
// on [-5, 5] (101 points), each differentiated by xgrad's autograd (backward through the op, no
// derivative typed in), drawn as the notebooks' two figures: the functions, and their gradients.
// The closed-form derivatives are here only to check autograd: the largest difference over the
// 101 points is printed per function.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "args.hpp"

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
  examples::Args args(argc, argv, {{"points", "101"}, {"slope", "0.1"}, {"plots", "activations"}});
  try {
    Device dev = args.device();
    int64_t points = args.integer("points");
    if (points < 2) throw Error("--points must be at least 2");
    // -5 + 10 i / (points - 1) as (2i - (points - 1)) * 5 / (points - 1): the middle point of an
    // odd count is exactly 0, where the kinks are (linspace's -5 + i * step misses it by 3e-16).
    double intervals = static_cast<double>(points - 1);
    Tensor grid = (arange(0.0, static_cast<double>(points), 1.0, kFloat64) * 2.0 - intervals) *
                  5.0 / intervals;
    std::vector<double> zs = grid.to_vector<double>();

    std::vector<plot::Series> functions, gradients;
    std::vector<std::pair<std::string, double>> errors;
    for (const auto& act : activations(args.real("slope"))) {
      Tensor z = grid.to(dev).detach().requires_grad_();
      Tensor a = act.apply(z);
      a.sum().backward();  // each a_i depends on z_i only: the gradient is da_i/dz_i
      std::vector<double> values = a.detach().cpu().to_vector<double>();
      std::vector<double> slopes = z.grad().cpu().to_vector<double>();
      double worst = 0;
      for (size_t i = 0; i < zs.size(); ++i)
        worst = std::max(worst, std::abs(slopes[i] - act.derivative(zs[i])));
      errors.emplace_back(act.name, worst);
      bool dashed = act.name == "leaky_relu" || act.name == "softplus";  // they overlap relu's
      functions.push_back({.label = act.name, .x = zs, .y = values, .dashed = dashed});
      gradients.push_back({.label = act.name, .x = zs, .y = slopes, .dashed = dashed});
    }

    std::string prefix = args.str("plots");
    if (!prefix.empty()) {
      plot::line_plot(prefix + "_functions.svg", functions,
                      {.title = "Activation functions", .xlabel = "z", .ylabel = "a(z)"});
      plot::line_plot(prefix + "_gradients.svg", gradients,
                      {.title = "Their derivatives, by xgrad's autograd",
                       .xlabel = "z",
                       .ylabel = "da/dz",
                       .y_min = -0.2,
                       .y_max = 1.2});
      if (!args.quiet)
        std::printf("wrote %s_functions.svg and %s_gradients.svg\n", prefix.c_str(),
                    prefix.c_str());
    }
    std::printf("points %lld\n", static_cast<long long>(points));
    for (auto& [name, e] : errors) std::printf("max_abs_error_%s %.3g\n", name.c_str(), e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "activations: %s\n", e.what());
    return 1;
  }
}
