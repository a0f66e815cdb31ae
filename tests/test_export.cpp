// Export without code (nn/export.hpp): models saved as JSON + safetensors and rebuilt from layer
// names, the registry, every refusal naming the file and the field, and (its own CTest test,
// test_export_torch) the same network rebuilt in PyTorch by scripts/xgrad_to_torch.py giving the
// same outputs.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "test_util.hpp"
#include "xgrad/xgrad.hpp"

using namespace xgrad;
using test_util::contains;
using test_util::error_of;
namespace fs = std::filesystem;

namespace {

std::string scratch(const std::string& name) {
  fs::path dir = fs::path(XGRAD_BINARY_DIR) / "test_export" / name;
  fs::remove_all(dir);
  return dir.string();
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string printed(const nn::Module& m) {
  std::ostringstream s;
  s << m;
  return s.str();
}

nn::Sequential every_layer() {
  nn::Sequential inner(nn::Linear(6, 5), nn::Sigmoid());
  nn::Sequential model(nn::Flatten(), nn::Linear(12, 8), nn::ReLU(), nn::Dropout(0.25),
                       nn::Linear(8, 6, {.bias = false}), nn::LeakyReLU(0.2), nn::Tanh(),
                       nn::Identity());
  model->push_back("block", inner);
  model->push_back(nn::Linear(5, 4));
  model->push_back(nn::Softmax(1));
  model->push_back(nn::LogSoftmax(-1));
  return model;
}

// The newer layers, every option away from its default somewhere: a CNN on [N, 3, 8, 7] images.
nn::Sequential cnn() {
  return nn::Sequential(
      nn::Conv2d(3, 4, {3, 2}, {.stride = {1, 2}, .padding = {1, 0}}), nn::BatchNorm2d(4),
      nn::ELU(0.5),
      nn::Conv2d(4, 4, 3, {.padding = "same", .dilation = {2, 1}, .groups = 2, .bias = false}),
      nn::MaxPool2d(2, Int2(1), 1, 1), nn::GELU(std::string("tanh")), nn::AvgPool2d(Int2(2, 1), Int2(1, 1), Int2(1, 0)),
      nn::Conv2d(4, 4, 1, {.padding = "valid"}), nn::AdaptiveAvgPool2d(Int2(3, 2)), nn::Flatten(2, -1),
      nn::Conv1d(4, 6, 3, {.stride = 2, .padding = 1, .dilation = 1, .groups = 2}),
      nn::BatchNorm1d(6, nn::BatchNormOptions{.eps = 1e-3, .momentum = 0.3}), nn::SiLU(), nn::Flatten(),
      nn::Linear(18, 8), nn::LayerNorm(Shape{8}, nn::LayerNormOptions{.eps = 1e-4}), nn::Softplus(2.0, 5.0),
      nn::Dropout(0.1), nn::BatchNorm1d(8, nn::BatchNormOptions{.affine = false}), nn::LeakyReLU(0.05),
      nn::Linear(8, 3));
}

// Embedding (with padding_idx) on int64 indices [N, 5].
nn::Sequential embedder() {
  return nn::Sequential(nn::Embedding(10, 4, nn::EmbeddingOptions{.padding_idx = -1}), nn::Flatten(),
                        nn::LayerNorm(Shape{20}, nn::LayerNormOptions{.elementwise_affine = false}), nn::Linear(20, 2));
}

// A few training-mode steps, so that the running statistics are no longer their initial values.
void warm_up(nn::Sequential& model, const Tensor& x) {
  model->train();
  for (int i = 0; i < 3; ++i) model(x * (1.0 + i));
  model->eval();
}

// A module of the program's own, unknown to the registry until registered.
struct ScaleImpl : nn::Module {
  explicit ScaleImpl(double factor) : Module("Scale"), factor(factor) {}
  Tensor forward(const Tensor& x) override { return x * factor; }
  std::string extra_repr() const override { return "factor=" + nn::detail::py_repr(factor); }
  double factor;
};

}  // namespace

TEST_CASE("save_model writes the architecture and weights; load_model rebuilds the same network") {
  manual_seed(5);
  nn::Sequential model = every_layer();
  std::string dir = scratch("every_layer");
  nn::save_model(model, dir);
  CHECK(fs::exists(dir + "/model.safetensors"));

  auto doc = nlohmann::json::parse(read_text(dir + "/model.json"));
  CHECK(doc["format"] == "xgrad.model");
  CHECK(doc["version"] == 1);
  CHECK(doc["dtype"] == "float32");
  auto& layers = doc["model"]["layers"];
  REQUIRE(layers.size() == 12);
  CHECK(layers[0]["type"] == "Flatten");
  CHECK(layers[0]["args"]["start_dim"] == 1);
  CHECK(layers[1]["args"] ==
        nlohmann::json({{"in_features", 12}, {"out_features", 8}, {"bias", true}}));
  CHECK(layers[3]["args"]["p"] == 0.25);
  CHECK(layers[4]["args"]["bias"] == false);
  CHECK(layers[5]["args"]["negative_slope"] == 0.2);
  CHECK(layers[8]["name"] == "block");
  CHECK(layers[8]["type"] == "Sequential");
  CHECK(layers[8]["layers"][0]["type"] == "Linear");
  CHECK(layers[10]["args"]["dim"] == 1);

  nn::ModulePtr back = nn::load_model(dir);
  CHECK(printed(*back) == printed(*model));
  auto want = model->state_dict(), got = back->state_dict();
  REQUIRE(got.size() == want.size());
  for (auto& [name, t] : want) CHECK(allclose(got.at(name), t, 0, 0));
  model->eval();
  back->eval();
  Tensor x = randn({3, 3, 4});
  CHECK(allclose((*back)(x), model(x), 0, 0));

  // a float64 model stays float64
  nn::Sequential m64(nn::Linear(3, 2), nn::Tanh());
  m64->to(kFloat64);
  std::string dir64 = scratch("f64");
  nn::save_model(m64, dir64);
  nn::ModulePtr back64 = nn::load_model(dir64);
  CHECK(back64->parameters()[0].dtype() == kFloat64);
  CHECK(allclose(back64->parameters()[0], m64->parameters()[0], 0, 0));
}

TEST_CASE("save_model and load_model know the CNN layers, normalization, Embedding, activations") {
  manual_seed(8);
  nn::Sequential model = cnn();
  Tensor x = randn({4, 3, 8, 7});
  warm_up(model, x);
  std::string dir = scratch("cnn");
  nn::save_model(model, dir);
  auto doc = nlohmann::json::parse(read_text(dir + "/model.json"));
  auto& layers = doc["model"]["layers"];
  REQUIRE(layers.size() == 21);
  CHECK(layers[0]["args"] == nlohmann::json({{"in_channels", 3}, {"out_channels", 4},
                                             {"kernel_size", {3, 2}}, {"stride", {1, 2}},
                                             {"padding", {1, 0}}, {"dilation", 1},
                                             {"groups", 1}, {"bias", true}}));
  CHECK(layers[3]["args"]["padding"] == "same");
  CHECK(layers[3]["args"]["bias"] == false);
  CHECK(layers[10]["type"] == "Conv1d");
  CHECK(layers[11]["args"]["momentum"] == 0.3);
  CHECK(layers[15]["args"]["normalized_shape"] == nlohmann::json({8}));
  nn::ModulePtr back = nn::load_model(dir);
  CHECK(printed(*back) == printed(*model));
  auto want = model->state_dict(), got = back->state_dict();
  REQUIRE(got.size() == want.size());
  for (auto& [name, t] : want) CHECK(allclose(got.at(name), t, 0, 0));
  CHECK(allclose(got.at("1.running_mean"), want.at("1.running_mean"), 0, 0));
  CHECK_FALSE(allclose(got.at("1.running_mean"), zeros({4}), 0, 0));  // warmed up
  back->eval();
  CHECK(allclose((*back)(x), model(x), 0, 0));

  nn::Sequential emb = embedder();
  std::string edir = scratch("embedding");
  nn::save_model(emb, edir);
  auto edoc = nlohmann::json::parse(read_text(edir + "/model.json"));
  CHECK(edoc["model"]["layers"][0]["args"]["padding_idx"] == 9);
  nn::ModulePtr eback = nn::load_model(edir);
  CHECK(printed(*eback) == printed(*emb));
  Tensor idx = randint(0, 10, {3, 5});
  CHECK(allclose((*eback)(idx), emb(idx), 0, 0));

  // the new argument kinds' refusals name the field
  std::string json_path = dir + "/model.json";
  auto d = nlohmann::ordered_json::parse(read_text(json_path));
  d["model"]["layers"][0]["args"]["kernel_size"] = {1, 2, 3};
  write_text(json_path, d.dump());
  CHECK(contains(error_of([&] { nn::load_model(dir); }),
                 "model.layers[0].args.kernel_size: expected an integer or a list of two integers, "
                 "got a list of 3"));
  d["model"]["layers"][0]["args"]["kernel_size"] = 3;
  d["model"]["layers"][3]["args"]["padding"] = "full";
  write_text(json_path, d.dump());
  CHECK(contains(error_of([&] { nn::load_model(dir); }),
                 "model.layers[3].args.padding: expected \"same\", \"valid\" or sizes"));
  d["model"]["layers"][3]["args"]["padding"] = "same";
  d["model"]["layers"][15]["args"]["normalized_shape"] = 8;
  write_text(json_path, d.dump());
  CHECK(contains(error_of([&] { nn::load_model(dir); }),
                 "model.layers[15].args.normalized_shape: expected a list of integers, got an integer"));
}

TEST_CASE(
    "save_model refuses a module the registry does not know; register_layer adds it in one call") {
  nn::Sequential model(nn::Linear(2, 2), nn::ModuleHolder<ScaleImpl>(3.0));
  std::string dir = scratch("custom");
  std::string e = error_of([&] { nn::save_model(model, dir); });
  CHECK(contains(e, "save_model: model.layers[1] is a Scale, which is not a registered layer"));
  CHECK(contains(e, "known: AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d"));
  CHECK(contains(e, "LayerNorm, LeakyReLU, Linear"));
  CHECK_FALSE(fs::exists(dir + "/model.json"));  // nothing written

  nn::register_layer(
      "Scale",
      {[](const nn::Module& m) {
         return nn::LayerArgs{{"factor", dynamic_cast<const ScaleImpl&>(m).factor}};
       },
       [](const nn::LayerArgs& a) { return std::make_shared<ScaleImpl>(a.number("factor")); }});
  nn::save_model(model, dir);
  nn::ModulePtr back = nn::load_model(dir);
  Tensor x = randn({4, 2});
  CHECK(allclose((*back)(x), model(x), 0, 0));
  CHECK(contains(printed(*back), "Scale(factor=3.0)"));
  CHECK(contains(error_of([] { nn::register_layer("Sequential", {}); }), "cannot be registered"));
  CHECK(contains(error_of([] { nn::register_layer("X", {}); }),
                 "X: save and load must both be given"));
}

TEST_CASE("load_model refuses malformed files, naming the file and the field") {
  std::string dir = scratch("bad");
  nn::save_model(nn::Sequential(nn::Linear(2, 3), nn::ReLU()), dir);
  const std::string json_path = dir + "/model.json";
  const std::string good = read_text(json_path);
  auto error_with = [&](const std::string& text) {
    write_text(json_path, text);
    return error_of([&] { nn::load_model(dir); });
  };
  auto doc = nlohmann::ordered_json::parse(good);
  auto edited = [&](auto edit) {
    auto d = doc;
    edit(d);
    return d.dump();
  };

  std::string e = error_with("{\"format\": \"xgrad.model\", ");
  CHECK(contains(e, "load_model: \"" + json_path + "\": not valid JSON"));
  e = error_with(edited([](auto& d) { d["model"]["layers"][1]["type"] = "Conv9"; }));
  CHECK(
      contains(e, "\"" + json_path + "\": model.layers[1].type: unknown layer \"Conv9\" (known: "));
  e = error_with(edited([](auto& d) { d["model"]["layers"][0]["args"].erase("in_features"); }));
  CHECK(contains(
      e, "\"" + json_path + "\": model.layers[0].args.in_features: missing (expected an integer)"));
  e = error_with(edited([](auto& d) { d["model"]["layers"][0]["args"]["out_features"] = "3"; }));
  CHECK(contains(e, "model.layers[0].args.out_features: expected an integer, got a string"));
  e = error_with(edited([](auto& d) { d["model"]["layers"][0]["args"]["bias"] = nullptr; }));
  CHECK(contains(e, "model.layers[0].args.bias: expected a boolean, number, string or list of "
                    "integers, got null"));
  e = error_with(edited([](auto& d) { d["model"]["layers"][1].erase("type"); }));
  CHECK(contains(e, "model.layers[1].type: missing"));
  e = error_with(edited([](auto& d) { d["model"]["layers"] = 5; }));
  CHECK(contains(e, "model.layers: expected an array, got number"));
  e = error_with(edited([](auto& d) { d["version"] = 2; }));
  CHECK(contains(e, "\"" + json_path + "\": version: expected 1, got 2"));
  e = error_with(edited([](auto& d) { d["format"] = "other"; }));
  CHECK(contains(e, "format: expected \"xgrad.model\", got \"other\""));
  e = error_with(edited([](auto& d) { d["dtype"] = "int64"; }));
  CHECK(contains(e, "dtype: expected \"float32\" or \"float64\""));
  e = error_with(edited([](auto& d) { d.erase("model"); }));
  CHECK(contains(e, "\"" + json_path + "\": model: missing"));
  e = error_with("[1, 2]");
  CHECK(contains(e, "the document: expected an object, got array"));
  // a layer's own check, with the field
  write_text(json_path, good);
  e = error_with(edited([](auto& d) {
    d["model"]["layers"][1] = {{"type", "Dropout"}, {"args", {{"p", 1.5}}}};
  }));
  CHECK(contains(e, "model.layers[1].args: Dropout: probability has to be between 0 and 1"));
  // a layer too large to allocate (found by fuzz_model_json): an error naming the field
  e = error_with(edited([](auto& d) { d["model"]["layers"][0]["args"]["in_features"] = 888888888888884; }));
  CHECK(contains(e, "model.layers[0].args: allocate: out of memory allocating"));
  // an architecture that does not match its weights
  e = error_with(edited([](auto& d) { d["model"]["layers"][0]["args"]["out_features"] = 4; }));
  CHECK(contains(e, "size mismatch for 0.weight"));
  // missing files
  write_text(json_path, good);
  fs::remove(dir + "/model.safetensors");
  CHECK(contains(error_of([&] { nn::load_model(dir); }), "model.safetensors"));
  CHECK(contains(error_of([&] { nn::load_model(dir + "/nowhere"); }), "load_model: cannot open"));
}

// Run on its own as CTest's test_export_torch (skipped here): needs /usr/bin/python3 with torch.
TEST_CASE("a saved model rebuilt in PyTorch gives the same outputs" * doctest::skip()) {
  const char* python = "/usr/bin/python3";
  if (access(python, X_OK) != 0) {
    std::printf("skipped: %s is absent, so the model cannot be rebuilt in PyTorch\n", python);
    std::exit(77);
  }
  manual_seed(11);
  Tensor images = randn({5, 3, 8, 7});
  nn::Sequential net = cnn();
  warm_up(net, images);
  struct Case {
    const char* name;
    nn::Sequential model;
    Tensor x;
  };
  for (auto& [name, model, x] : {Case{"every_layer", every_layer(), randn({5, 3, 4})},
                                 Case{"cnn", net, images},
                                 Case{"embedding", embedder(), randint(0, 10, {6, 5})}}) {
  CAPTURE(name);
  model->eval();
  std::string dir = scratch(std::string("torch_") + name);
  nn::save_model(model, dir);
  StateDict input;
  input.insert("input", x);
  nn::save(input, dir + "/input.safetensors");
  std::string cmd = std::string(python) + " " + XGRAD_SOURCE_DIR + "/scripts/xgrad_to_torch.py " +
                    dir + " --input " + dir + "/input.safetensors --output " + dir +
                    "/output.safetensors";
  int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    std::printf("skipped: /usr/bin/python3 cannot import torch (its message is above)\n");
    std::exit(77);
  }
  REQUIRE(WEXITSTATUS(status) == 0);
  Tensor torch_out = nn::load(dir + "/output.safetensors").at("output");
  Tensor ours = model(x);
  REQUIRE(torch_out.shape() == ours.shape());
  auto a = ours.to_vector<double>(), b = torch_out.to_vector<double>();
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  MESSAGE("largest difference from PyTorch: " << worst);
  CHECK(worst <= 1e-6);
  // and the model is not trivially constant: outputs differ between rows
  CHECK(std::abs(a[0] - a[a.size() - 1]) > 1e-3);
  }
}
