/// \file
/// Custom ops with their own backward, PyTorch's torch.autograd.Function in C++:
///
/// \code{.cpp}
///   struct Swish : autograd::Function<Swish> {
///     static constexpr const char* name = "Swish";  // optional; used in error messages
///     static Tensor forward(autograd::Context& ctx, const Tensor& x) {
///       ctx.save_for_backward({x});
///       return x * sigmoid(x);
///     }
///     static std::vector<Tensor> backward(autograd::Context& ctx, const std::vector<Tensor>& g) {
///       auto x = ctx.saved_tensors()[0];
///       auto s = sigmoid(x);
///       return {g[0] * (s + x * s * (1 - s))};
///     }
///   };
///   Tensor y = Swish::apply(x);
/// \endcode
///
/// forward runs without recording; backward returns one gradient per Tensor argument of forward
/// (undefined for those that need none) and is itself recorded when create_graph is set.
#pragma once

#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "xgrad/autograd/graph.hpp"

namespace xgrad::autograd {

/// What forward hands to backward in a custom autograd::Function: saved tensors and scalars.
class Context {
 public:
  /// Keeps `tensors` for backward (replacing those saved before); call it in forward.
  void save_for_backward(std::vector<Tensor> tensors) { to_save_ = std::move(tensors); }
  /// The saved tensors; raises an error if one was changed in place since it was saved.
  std::vector<Tensor> saved_tensors() const;
  /// True when Tensor argument `i` of forward needs a gradient (so backward may skip the others).
  bool needs_input_grad(size_t i) const { return i < needs_.size() && needs_[i]; }

  /// Free slots for non-tensor state (sizes, flags, constants) that backward needs.
  std::vector<double> saved_scalars;

 private:
  friend class CustomNode;
  std::vector<Tensor> to_save_;
  std::vector<SavedTensor> saved_;
  std::vector<bool> needs_;
  std::string op_;
  std::shared_ptr<Node> owner_;  ///< set only while backward runs
};

/// The backward of a custom Function: gradients of the outputs in, one per Tensor argument out.
using CustomBackward = std::vector<Tensor> (*)(Context&, const std::vector<Tensor>&);

/// The graph node a custom Function records; Function::apply builds it.
class CustomNode final : public Node, public std::enable_shared_from_this<CustomNode> {
 public:
  /// A node named `name` whose backward is `fn`.
  CustomNode(std::string name, CustomBackward fn) : name_(std::move(name)), backward_(fn) {}
  /// The Function's name (its `name` member, or its type name).
  const char* name() const override { return name_.c_str(); }
  /// Runs the Function's backward (missing output gradients as zeros); checks what it returns.
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  /// Frees the tensors forward saved.
  void release_saved() override;
  /// Number of tensors forward returned.
  uint32_t num_outputs() const override { return static_cast<uint32_t>(outputs_.size()); }
  /// The context forward filled.
  Context ctx;

  /// Links `outputs` to this node and turns the tensors forward asked to save into saved tensors.
  void connect(const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs);

 private:
  std::string name_;
  CustomBackward backward_;
  struct OutputMeta {
    Shape shape;
    Dtype dtype;
    Device device;
  };
  std::vector<OutputMeta> outputs_;
  std::vector<Shape> input_shapes_;
};

/// Base of a custom op (CRTP, PyTorch's torch.autograd.Function): Derived defines static forward
/// and backward; see the file's description.
template <class Derived>
struct Function {
  /// Runs Derived::forward on the arguments without recording, then, under grad mode and when a
  /// Tensor argument requires grad, records one node whose backward is Derived::backward.
  template <class... Args>
  static auto apply(Args&&... args) {
    std::vector<Tensor> inputs;
    (collect(inputs, args), ...);
    Context ctx;
    using Result = decltype(Derived::forward(ctx, std::forward<Args>(args)...));
    Result result;
    {
      NoGradGuard no_grad;
      result = Derived::forward(ctx, std::forward<Args>(args)...);
    }
    bool record = false;
    if (GradMode::is_enabled())
      for (auto& t : inputs) record = record || (t.defined() && t.requires_grad());
    if (!record) return result;

    auto node = std::make_shared<CustomNode>(op_name(), &Derived::backward);
    node->ctx = std::move(ctx);
    if constexpr (std::is_same_v<Result, Tensor>) {
      std::vector<Tensor> outs{result};
      node->connect(inputs, outs);
      return outs[0];
    } else {
      node->connect(inputs, result);
      return result;
    }
  }

 private:
  static std::string op_name() {
    if constexpr (requires { Derived::name; })
      return Derived::name;
    else
      return typeid(Derived).name();
  }
  template <class A>
  static void collect(std::vector<Tensor>& v, const A& a) {
    if constexpr (std::is_convertible_v<const A&, const Tensor&>) v.push_back(a);
  }
};

}  // namespace xgrad::autograd
