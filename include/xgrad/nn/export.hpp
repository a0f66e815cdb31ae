/// \file
/// Export without code: a model saved as its architecture (JSON: layer type names and constructor
/// arguments) beside its weights (safetensors), and rebuilt from the layer names alone, in C++ or
/// in PyTorch (scripts/xgrad_to_torch.py).
/// \code{.cpp}
///   nn::save_model(model, "digits_model");  // digits_model/model.json, model.safetensors
///   nn::ModulePtr m = nn::load_model("digits_model");  // a Sequential: same layers, weights
///   Tensor y = (*m)(x);
/// \endcode
/// model.json:
/// \code{.unparsed}
///   {"format": "xgrad.model", "version": 1, "dtype": "float32",
///    "model": {"type": "Sequential", "layers": [
///       {"name": "0", "type": "Linear", "args": {"in_features": 64, "out_features": 50,
///                                                "bias": true}},
///       {"name": "1", "type": "Tanh", "args": {}}, ...]}}
/// \endcode
/// Each layer type is known by one entry of a registry: its name, how to read its constructor
/// arguments off a module, and how to build a module from them. The built-in layers are listed in
/// nn/export.cpp (one line each); a program adds its own with register_layer.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// A layer's constructor arguments, by name. Reading one that is missing or of another
/// type raises an error naming the file and the field ("model.json: model.layers[2].args.p").
class LayerArgs {
 public:
  /// One argument: a boolean, an integer, a number, a string, or a list of integers (a kernel
  /// size [h, w], a LayerNorm's normalized_shape).
  using Value = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>>;
  /// No arguments.
  LayerArgs();
  /// The arguments `values`, in this order: `{{"in_features", int64_t{64}}, {"bias", true}}`.
  LayerArgs(std::initializer_list<std::pair<std::string, Value>> values);
  ~LayerArgs();
  /// A copy of the arguments.
  LayerArgs(const LayerArgs&);
  /// Takes the arguments.
  LayerArgs(LayerArgs&&) noexcept;
  /// A copy of the arguments.
  LayerArgs& operator=(const LayerArgs&);
  /// Takes the arguments.
  LayerArgs& operator=(LayerArgs&&) noexcept;

  /// Sets the argument `name`, replacing its value in place or appending it.
  void set(std::string name, Value v);
  /// The integer argument `name`; throws xgrad::Error (naming `where` and the field) when it is
  /// missing or not an integer. The readers below throw the same way.
  int64_t integer(const std::string& name) const;
  /// A number: an integer in the file reads as a number too.
  double number(const std::string& name) const;  // an integer in the file reads as a number too
  /// A boolean.
  bool boolean(const std::string& name) const;
  /// A string.
  const std::string& text(const std::string& name) const;
  /// A list of integers (a JSON array of integers in the file).
  const std::vector<int64_t>& integers(const std::string& name) const;
  /// A size for both sides or per side, as torch's int-or-tuple arguments: an integer n reads as
  /// {n, n}, a list of two integers as {h, w}.
  Int2 pair(const std::string& name) const;
  /// Whether the argument is present (optional ones, such as Embedding's padding_idx, may be left
  /// out).
  bool has(const std::string& name) const;
  /// All arguments: in the order they were set (a codec's save), or, read by load_model, in
  /// the order of their names.
  const std::vector<std::pair<std::string, Value>>& values() const { return values_; }

  /// Where these arguments came from, for error messages ("file: field"); set by load_model.
  std::string where;

 private:
  const Value& get(const std::string& name, const char* want) const;
  std::vector<std::pair<std::string, Value>> values_;
};

/// A registry entry: how to save a layer type's constructor arguments and how to build it from
/// them.
struct LayerCodec {
  /// The module's constructor arguments; called with a module whose type_name() is the entry's.
  std::function<LayerArgs(const Module&)> save;
  /// A new module from them.
  std::function<ModulePtr(const LayerArgs&)> load;
};

/// Adds (or replaces) the entry for a layer type name, as Module::type_name() gives it. Throws
/// xgrad::Error for an empty name, "Sequential", or a codec without both save and load.
void register_layer(const std::string& type_name, LayerCodec codec);
/// The names known, sorted.
std::vector<std::string> registered_layers();

/// Writes `<dir>/model.json` and `<dir>/model.safetensors` (creating dir). The model is a
/// Sequential (nested ones included) of registered layers, or one registered layer; anything else
/// is refused with the path of the module that is not. A model that mixes dtypes is refused too;
/// nothing is written before these checks pass.
void save_model(const Module& model, const std::string& dir);
/// Same, for a holder such as nn::Sequential or nn::Linear.
template <class Impl>
void save_model(const ModuleHolder<Impl>& model, const std::string& dir) {
  save_model(static_cast<const Module&>(*model), dir);
}

/// Rebuilds the module from `<dir>/model.json` and loads `<dir>/model.safetensors` into it
/// (strict). Unknown layer names, missing or mistyped fields and malformed JSON raise errors naming
/// the file and the field.
ModulePtr load_model(const std::string& dir);

}  // namespace xgrad::nn
