#include "xgrad/nn/export.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

#include "xgrad/nn/activation.hpp"
#include "xgrad/nn/container.hpp"
#include "xgrad/nn/conv.hpp"
#include "xgrad/nn/dropout.hpp"
#include "xgrad/nn/embedding.hpp"
#include "xgrad/nn/flatten.hpp"
#include "xgrad/nn/linear.hpp"
#include "xgrad/nn/normalization.hpp"
#include "xgrad/nn/pooling.hpp"
#include "xgrad/nn/serialize.hpp"
#include "autograd/json.hpp"

namespace xgrad::nn {

namespace fs = std::filesystem;
// Written with the members in the order they are set; read back (json_io) into nlohmann::json.
using json = nlohmann::ordered_json;

// ---- the registry

namespace {

// An entry for layer class Impl: `save` reads its arguments off an Impl, `load` builds one.
template <class Impl, class Save, class Load>
std::pair<std::string, LayerCodec> layer(const std::string& name, Save save, Load load) {
  LayerCodec codec;
  codec.save = [save, name](const Module& m) -> LayerArgs {
    auto* impl = dynamic_cast<const Impl*>(&m);
    if (!impl)
      throw Error("save_model: a module named " + m.type_name() + " is not the " + name + " layer");
    return save(*impl);
  };
  codec.load = [load](const LayerArgs& a) -> ModulePtr { return load(a); };
  return {name, std::move(codec)};
}

// A layer without constructor arguments.
template <class Impl>
std::pair<std::string, LayerCodec> plain(const std::string& name) {
  return layer<Impl>(
      name, [](const Impl&) { return LayerArgs{}; },
      [](const LayerArgs&) { return std::make_shared<Impl>(); });
}

// Int2 <-> JSON: one integer when both sides agree (as torch prints them), else [h, w].
LayerArgs::Value int2(Int2 v) {
  if (v.h == v.w) return v.h;
  return std::vector<int64_t>{v.h, v.w};
}
// Conv padding: "same" / "valid", or sizes.
LayerArgs::Value padding_arg(const Padding2d& p, bool one_d) {
  if (!p.mode.empty()) return p.mode;
  return one_d ? LayerArgs::Value(p.size.w) : int2(p.size);
}
Padding2d read_padding(const LayerArgs& a, bool one_d) {
  if (auto v = a.values(); std::any_of(v.begin(), v.end(), [](auto& e) {
        return e.first == "padding" && std::holds_alternative<std::string>(e.second);
      })) {
    const std::string& mode = a.text("padding");
    if (mode != "same" && mode != "valid")
      throw Error(a.where + ".padding: expected \"same\", \"valid\" or sizes, got \"" + mode + "\"");
    return Padding2d(mode == "same" ? "same" : "valid");
  }
  if (one_d) return Padding2d(a.integer("padding"));
  return Padding2d(a.pair("padding"));
}
BatchNormOptions batch_norm_options(const LayerArgs& a) {
  return {.eps = a.number("eps"),
          .momentum = a.number("momentum"),
          .affine = a.boolean("affine"),
          .track_running_stats = a.boolean("track_running_stats")};
}
LayerArgs batch_norm_args(const BatchNormImpl& m) {
  return {{"num_features", m.num_features},
          {"eps", m.options.eps},
          {"momentum", m.options.momentum},
          {"affine", m.options.affine},
          {"track_running_stats", m.options.track_running_stats}};
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, LayerCodec> codecs;
};

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    // The built-in layers: one line each.
    for (auto&& [name, codec] : {
             layer<LinearImpl>(
                 "Linear",
                 [](const LinearImpl& l) {
                   return LayerArgs{{"in_features", l.in_features},
                                    {"out_features", l.out_features},
                                    {"bias", l.bias.defined()}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<LinearImpl>(a.integer("in_features"),
                                                       a.integer("out_features"),
                                                       LinearOptions{.bias = a.boolean("bias")});
                 }),
             plain<ReLUImpl>("ReLU"),
             plain<TanhImpl>("Tanh"),
             plain<SigmoidImpl>("Sigmoid"),
             plain<IdentityImpl>("Identity"),
             layer<LeakyReLUImpl>(
                 "LeakyReLU",
                 [](const LeakyReLUImpl& m) {
                   return LayerArgs{{"negative_slope", m.negative_slope}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<LeakyReLUImpl>(a.number("negative_slope"));
                 }),
             layer<SoftmaxImpl>(
                 "Softmax",
                 [](const SoftmaxImpl& m) {
                   return LayerArgs{{"dim", m.dim}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<SoftmaxImpl>(a.integer("dim"));
                 }),
             layer<LogSoftmaxImpl>(
                 "LogSoftmax",
                 [](const LogSoftmaxImpl& m) {
                   return LayerArgs{{"dim", m.dim}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<LogSoftmaxImpl>(a.integer("dim"));
                 }),
             layer<DropoutImpl>(
                 "Dropout",
                 [](const DropoutImpl& m) {
                   return LayerArgs{{"p", m.p}};
                 },
                 [](const LayerArgs& a) { return std::make_shared<DropoutImpl>(a.number("p")); }),
             layer<FlattenImpl>(
                 "Flatten",
                 [](const FlattenImpl& m) {
                   return LayerArgs{{"start_dim", m.start_dim}, {"end_dim", m.end_dim}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<FlattenImpl>(a.integer("start_dim"),
                                                        a.integer("end_dim"));
                 }),
             layer<Conv2dImpl>(
                 "Conv2d",
                 [](const Conv2dImpl& m) {
                   return LayerArgs{{"in_channels", m.in_channels},
                                    {"out_channels", m.out_channels},
                                    {"kernel_size", int2(m.kernel_size)},
                                    {"stride", int2(m.options.stride)},
                                    {"padding", padding_arg(m.options.padding, false)},
                                    {"dilation", int2(m.options.dilation)},
                                    {"groups", m.options.groups},
                                    {"bias", m.bias.defined()}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<Conv2dImpl>(
                       a.integer("in_channels"), a.integer("out_channels"), a.pair("kernel_size"),
                       Conv2dOptions{.stride = a.pair("stride"),
                                     .padding = read_padding(a, false),
                                     .dilation = a.pair("dilation"),
                                     .groups = a.integer("groups"),
                                     .bias = a.boolean("bias")});
                 }),
             layer<Conv1dImpl>(
                 "Conv1d",
                 [](const Conv1dImpl& m) {
                   return LayerArgs{{"in_channels", m.in_channels},
                                    {"out_channels", m.out_channels},
                                    {"kernel_size", m.kernel_size},
                                    {"stride", m.options.stride},
                                    {"padding", padding_arg(m.options.padding, true)},
                                    {"dilation", m.options.dilation},
                                    {"groups", m.options.groups},
                                    {"bias", m.bias.defined()}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<Conv1dImpl>(
                       a.integer("in_channels"), a.integer("out_channels"), a.integer("kernel_size"),
                       Conv1dOptions{.stride = a.integer("stride"),
                                     .padding = read_padding(a, true),
                                     .dilation = a.integer("dilation"),
                                     .groups = a.integer("groups"),
                                     .bias = a.boolean("bias")});
                 }),
             layer<MaxPool2dImpl>(
                 "MaxPool2d",
                 [](const MaxPool2dImpl& m) {
                   return LayerArgs{{"kernel_size", int2(m.kernel_size)},
                                    {"stride", int2(m.stride)},
                                    {"padding", int2(m.padding)},
                                    {"dilation", int2(m.dilation)}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<MaxPool2dImpl>(a.pair("kernel_size"), a.pair("stride"),
                                                          a.pair("padding"), a.pair("dilation"));
                 }),
             layer<AvgPool2dImpl>(
                 "AvgPool2d",
                 [](const AvgPool2dImpl& m) {
                   return LayerArgs{{"kernel_size", int2(m.kernel_size)},
                                    {"stride", int2(m.stride)},
                                    {"padding", int2(m.padding)}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<AvgPool2dImpl>(a.pair("kernel_size"), a.pair("stride"),
                                                          a.pair("padding"));
                 }),
             layer<AdaptiveAvgPool2dImpl>(
                 "AdaptiveAvgPool2d",
                 [](const AdaptiveAvgPool2dImpl& m) {
                   return LayerArgs{{"output_size", int2(m.output_size)}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<AdaptiveAvgPool2dImpl>(a.pair("output_size"));
                 }),
             layer<BatchNorm1dImpl>(
                 "BatchNorm1d", [](const BatchNorm1dImpl& m) { return batch_norm_args(m); },
                 [](const LayerArgs& a) {
                   return std::make_shared<BatchNorm1dImpl>(a.integer("num_features"),
                                                            batch_norm_options(a));
                 }),
             layer<BatchNorm2dImpl>(
                 "BatchNorm2d", [](const BatchNorm2dImpl& m) { return batch_norm_args(m); },
                 [](const LayerArgs& a) {
                   return std::make_shared<BatchNorm2dImpl>(a.integer("num_features"),
                                                            batch_norm_options(a));
                 }),
             layer<LayerNormImpl>(
                 "LayerNorm",
                 [](const LayerNormImpl& m) {
                   return LayerArgs{{"normalized_shape", m.normalized_shape.vec()},
                                    {"eps", m.options.eps},
                                    {"elementwise_affine", m.options.elementwise_affine}};
                 },
                 [](const LayerArgs& a) {
                   const auto& shape = a.integers("normalized_shape");
                   if (shape.size() > static_cast<size_t>(Shape::kMaxDims))
                     throw Error(a.where + ".normalized_shape: more than " +
                                 std::to_string(Shape::kMaxDims) + " sizes");
                   return std::make_shared<LayerNormImpl>(
                       Shape(shape), LayerNormOptions{.eps = a.number("eps"),
                                                      .elementwise_affine =
                                                          a.boolean("elementwise_affine")});
                 }),
             layer<EmbeddingImpl>(
                 "Embedding",
                 [](const EmbeddingImpl& m) {
                   LayerArgs args{{"num_embeddings", m.num_embeddings},
                                  {"embedding_dim", m.embedding_dim}};
                   if (m.padding_idx) args.set("padding_idx", *m.padding_idx);
                   return args;
                 },
                 [](const LayerArgs& a) {
                   EmbeddingOptions o;
                   if (a.has("padding_idx")) o.padding_idx = a.integer("padding_idx");
                   return std::make_shared<EmbeddingImpl>(a.integer("num_embeddings"),
                                                          a.integer("embedding_dim"), o);
                 }),
             layer<GELUImpl>(
                 "GELU", [](const GELUImpl& m) { return LayerArgs{{"approximate", m.approximate}}; },
                 [](const LayerArgs& a) { return std::make_shared<GELUImpl>(a.text("approximate")); }),
             plain<SiLUImpl>("SiLU"),
             layer<ELUImpl>(
                 "ELU", [](const ELUImpl& m) { return LayerArgs{{"alpha", m.alpha}}; },
                 [](const LayerArgs& a) { return std::make_shared<ELUImpl>(a.number("alpha")); }),
             layer<SoftplusImpl>(
                 "Softplus",
                 [](const SoftplusImpl& m) {
                   return LayerArgs{{"beta", m.beta}, {"threshold", m.threshold}};
                 },
                 [](const LayerArgs& a) {
                   return std::make_shared<SoftplusImpl>(a.number("beta"), a.number("threshold"));
                 }),
         })
      reg->codecs.emplace(name, codec);
    return reg;
  }();
  return *r;
}

std::optional<LayerCodec> find_codec(const std::string& name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.codecs.find(name);
  if (it == r.codecs.end()) return std::nullopt;
  return it->second;
}

std::string known_names() {
  std::string s;
  for (auto& n : registered_layers()) s += (s.empty() ? "" : ", ") + n;
  return s + ", Sequential";
}

}  // namespace

void register_layer(const std::string& type_name, LayerCodec codec) {
  if (type_name.empty() || type_name == "Sequential")
    throw Error("register_layer: \"" + type_name +
                "\" cannot be registered (empty, or the container itself)");
  if (!codec.save || !codec.load)
    throw Error("register_layer: " + type_name + ": save and load must both be given");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.codecs[type_name] = std::move(codec);
}

std::vector<std::string> registered_layers() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (auto& [n, _] : r.codecs) names.push_back(n);
  return names;
}

// ---- save

namespace {

json arg_value(const LayerArgs::Value& v) {
  return std::visit([](const auto& x) { return json(x); }, v);
}

json describe(const Module& m, const std::string& where) {
  json spec;
  spec["type"] = m.type_name();
  if (auto* seq = dynamic_cast<const SequentialImpl*>(&m)) {
    json layers = json::array();
    size_t i = 0;
    for (auto& [name, child] : seq->named_children()) {
      json entry;
      entry["name"] = name;
      json inner = describe(*child, where + ".layers[" + std::to_string(i++) + "]");
      for (auto& [k, v] : inner.items()) entry[k] = v;
      layers.push_back(std::move(entry));
    }
    spec["layers"] = std::move(layers);
    return spec;
  }
  std::optional<LayerCodec> codec = find_codec(m.type_name());
  if (!codec)
    throw Error("save_model: " + where + " is a " + m.type_name() +
                ", which is not a registered layer (known: " + known_names() +
                "); register it with nn::register_layer");
  json args = json::object();
  LayerArgs saved = codec->save(m);
  for (auto& [name, v] : saved.values()) args[name] = arg_value(v);
  spec["args"] = std::move(args);
  return spec;
}

void write_text_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error("save_model: cannot open \"" + tmp + "\" for writing");
    f << text;
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw Error("save_model: writing \"" + tmp + "\" failed");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw Error("save_model: cannot rename \"" + tmp + "\" to \"" + path + "\": " + ec.message());
  }
}

}  // namespace

void save_model(const Module& model, const std::string& dir) {
  json doc;
  doc["format"] = "xgrad.model";
  doc["version"] = 1;
  Dtype dtype = kFloat32;
  auto params = model.parameters();
  for (auto& p : params)
    if (p.dtype() != params[0].dtype())
      throw Error("save_model: the model mixes dtypes (" +
                  std::string(dtype_name(params[0].dtype())) + " and " + dtype_name(p.dtype()) +
                  "); convert it with to() first");
  if (!params.empty()) dtype = params[0].dtype();
  doc["dtype"] = dtype_name(dtype);
  doc["model"] = describe(model, "model");  // before writing anything: refuse unknown layers first

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error("save_model: cannot create the directory \"" + dir + "\"" +
                (ec ? ": " + ec.message() : ""));
  // Weights first: a model.json is only ever beside the weights it describes.
  save(model, (fs::path(dir) / "model.safetensors").string(), {{"format", "xgrad.model"}});
  write_text_atomically((fs::path(dir) / "model.json").string(), json_io::dump(doc, 2) + "\n");
}

// ---- load

using doc_json = nlohmann::json;

namespace {

std::string join(const std::string& field, const std::string& key) {
  return field.empty() ? key : field + "." + key;
}

struct Reader {
  std::string file;

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error("load_model: \"" + file + "\": " + field + ": " + what);
  }

  const doc_json& member(const doc_json& obj, const std::string& key, const std::string& field) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(join(field, key), "missing");
    return *it;
  }

  const std::string& string_at(const doc_json& obj, const std::string& key,
                               const std::string& field) const {
    const doc_json& v = member(obj, key, field);
    if (!v.is_string())
      fail(join(field, key), "expected a string, got " + std::string(v.type_name()));
    return v.get_ref<const std::string&>();
  }

  ModulePtr build(const doc_json& spec, const std::string& field) const {
    if (!spec.is_object()) fail(field, "expected an object, got " + std::string(spec.type_name()));
    const std::string& type = string_at(spec, "type", field);
    if (type == "Sequential") {
      const doc_json& layers = member(spec, "layers", field);
      if (!layers.is_array())
        fail(field + ".layers", "expected an array, got " + std::string(layers.type_name()));
      auto seq = std::make_shared<SequentialImpl>();
      for (size_t i = 0; i < layers.size(); ++i) {
        std::string at = field + ".layers[" + std::to_string(i) + "]";
        ModulePtr child = build(layers[i], at);
        std::string name =
            layers[i].contains("name") ? string_at(layers[i], "name", at) : std::to_string(i);
        try {
          seq->push_back(name, child);
        } catch (const Error& e) {
          fail(at + ".name", e.what());
        }
      }
      return seq;
    }
    std::optional<LayerCodec> codec = find_codec(type);
    if (!codec)
      fail(field + ".type", "unknown layer \"" + type + "\" (known: " + known_names() + ")");
    LayerArgs args;
    args.where = "load_model: \"" + file + "\": " + field + ".args";
    if (auto it = spec.find("args"); it != spec.end()) {
      if (!it->is_object())
        fail(field + ".args", "expected an object, got " + std::string(it->type_name()));
      for (auto& [k, v] : it->items()) {
        if (v.is_boolean())
          args.set(k, v.get<bool>());
        else if (v.is_number_integer())
          args.set(k, v.get<int64_t>());
        else if (v.is_number_float())
          args.set(k, v.get<double>());
        else if (v.is_string())
          args.set(k, v.get<std::string>());
        else if (v.is_array() && std::all_of(v.begin(), v.end(), [](const doc_json& e) {
                   return e.is_number_integer();
                 }))
          args.set(k, v.get<std::vector<int64_t>>());
        else
          fail(field + ".args." + k,
               "expected a boolean, number, string or list of integers, got " + std::string(v.type_name()));
      }
    }
    try {
      return codec->load(args);
    } catch (const Error& e) {
      std::string msg = e.what();
      if (msg.rfind("load_model:", 0) == 0) throw;
      fail(field + ".args", msg);  // the layer's own check (Dropout: p out of range, ...)
    }
  }
};

}  // namespace

ModulePtr load_model(const std::string& dir) {
  Reader r{(fs::path(dir) / "model.json").string()};
  std::ifstream f(r.file, std::ios::binary);
  if (!f) throw Error("load_model: cannot open \"" + r.file + "\"");
  std::string text{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  doc_json doc;
  try {
    doc = json_io::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error("load_model: \"" + r.file + "\": not valid JSON: " + e.what());
  }
  if (!doc.is_object())
    r.fail("the document", "expected an object, got " + std::string(doc.type_name()));
  if (const std::string& format = r.string_at(doc, "format", ""); format != "xgrad.model")
    r.fail("format", "expected \"xgrad.model\", got \"" + format + "\"");
  const doc_json& version = r.member(doc, "version", "");
  if (!version.is_number_integer() || version.get<int64_t>() != 1)
    r.fail("version", "expected 1, got " + json_io::dump(version));
  const std::string& dtype = r.string_at(doc, "dtype", "");
  if (dtype != "float32" && dtype != "float64")
    r.fail("dtype", "expected \"float32\" or \"float64\", got \"" + dtype + "\"");
  ModulePtr model = r.build(r.member(doc, "model", ""), "model");
  if (dtype == "float64") model->to(kFloat64);
  load(*model, (fs::path(dir) / "model.safetensors").string(), /*strict=*/true);
  return model;
}

}  // namespace xgrad::nn
