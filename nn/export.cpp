#include "xgrad/nn/export.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "xgrad/nn/activation.hpp"
#include "xgrad/nn/container.hpp"
#include "xgrad/nn/dropout.hpp"
#include "xgrad/nn/flatten.hpp"
#include "xgrad/nn/linear.hpp"
#include "xgrad/nn/serialize.hpp"

namespace xgrad::nn {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

// ---- LayerArgs

void LayerArgs::set(std::string name, Value v) {
  for (auto& [n, value] : values_)
    if (n == name) {
      value = std::move(v);
      return;
    }
  values_.emplace_back(std::move(name), std::move(v));
}

const LayerArgs::Value& LayerArgs::get(const std::string& name, const char* want) const {
  for (auto& [n, v] : values_)
    if (n == name) return v;
  throw Error(where + "." + name + ": missing (expected " + want + ")");
}

namespace {
const char* kind(const LayerArgs::Value& v) {
  static const char* names[] = {"a boolean", "an integer", "a number", "a string"};
  return names[v.index()];
}
}  // namespace

int64_t LayerArgs::integer(const std::string& name) const {
  const Value& v = get(name, "an integer");
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  throw Error(where + "." + name + ": expected an integer, got " + kind(v));
}

double LayerArgs::number(const std::string& name) const {
  const Value& v = get(name, "a number");
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  throw Error(where + "." + name + ": expected a number, got " + kind(v));
}

bool LayerArgs::boolean(const std::string& name) const {
  const Value& v = get(name, "a boolean");
  if (auto* b = std::get_if<bool>(&v)) return *b;
  throw Error(where + "." + name + ": expected a boolean, got " + kind(v));
}

const std::string& LayerArgs::text(const std::string& name) const {
  const Value& v = get(name, "a string");
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw Error(where + "." + name + ": expected a string, got " + kind(v));
}

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
  write_text_atomically((fs::path(dir) / "model.json").string(), doc.dump(2) + "\n");
}

// ---- load

namespace {

std::string join(const std::string& field, const std::string& key) {
  return field.empty() ? key : field + "." + key;
}

struct Reader {
  std::string file;

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error("load_model: \"" + file + "\": " + field + ": " + what);
  }

  const json& member(const json& obj, const std::string& key, const std::string& field) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(join(field, key), "missing");
    return *it;
  }

  const std::string& string_at(const json& obj, const std::string& key,
                               const std::string& field) const {
    const json& v = member(obj, key, field);
    if (!v.is_string())
      fail(join(field, key), "expected a string, got " + std::string(v.type_name()));
    return v.get_ref<const std::string&>();
  }

  ModulePtr build(const json& spec, const std::string& field) const {
    if (!spec.is_object()) fail(field, "expected an object, got " + std::string(spec.type_name()));
    const std::string& type = string_at(spec, "type", field);
    if (type == "Sequential") {
      const json& layers = member(spec, "layers", field);
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
        else
          fail(field + ".args." + k,
               "expected a boolean, number or string, got " + std::string(v.type_name()));
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
  json doc;
  try {
    doc = json::parse(f);
  } catch (const json::exception& e) {
    throw Error("load_model: \"" + r.file + "\": not valid JSON: " + e.what());
  }
  if (!doc.is_object())
    r.fail("the document", "expected an object, got " + std::string(doc.type_name()));
  if (const std::string& format = r.string_at(doc, "format", ""); format != "xgrad.model")
    r.fail("format", "expected \"xgrad.model\", got \"" + format + "\"");
  const json& version = r.member(doc, "version", "");
  if (!version.is_number_integer() || version.get<int64_t>() != 1)
    r.fail("version", "expected 1, got " + version.dump());
  const std::string& dtype = r.string_at(doc, "dtype", "");
  if (dtype != "float32" && dtype != "float64")
    r.fail("dtype", "expected \"float32\" or \"float64\", got \"" + dtype + "\"");
  ModulePtr model = r.build(r.member(doc, "model", ""), "model");
  if (dtype == "float64") model->to(kFloat64);
  load(*model, (fs::path(dir) / "model.safetensors").string(), /*strict=*/true);
  return model;
}

}  // namespace xgrad::nn
