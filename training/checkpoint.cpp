#include "xgrad/training/checkpoint.hpp"

#include <bit>
#include <charconv>

namespace xgrad::training {

namespace {

constexpr const char* kFormat = "xgrad.training_checkpoint";

[[noreturn]] void fail(const char* op, const std::string& path, const std::string& what) {
  throw Error(std::string(op) + ": '" + path + "': " + what);
}

Tensor i64_vector(const std::vector<int64_t>& v) {
  return from_vector(v, {static_cast<int64_t>(v.size())}, kInt64);
}

std::vector<int64_t> read_i64(const StateDict& s, const std::string& key, size_t n,
                              const std::string& path) {
  const Tensor* t = s.find(key);
  if (!t) fail("training::load_checkpoint", path, "no \"" + key + "\" in the file");
  if (t->dtype() != kInt64 || static_cast<size_t>(t->numel()) != n)
    fail("training::load_checkpoint", path,
         "\"" + key + "\" must hold " + std::to_string(n) + " int64 values, got " +
             dtype_name(t->dtype()) + " of shape " + t->shape().str());
  Tensor c = t->cpu();
  const int64_t* p = c.data<int64_t>();
  return std::vector<int64_t>(p, p + n);
}

int64_t parse_int(const nn::Metadata& m, const std::string& key, const std::string& path) {
  auto it = m.find(key);
  if (it == m.end()) fail("training::load_checkpoint", path, "no \"" + key + "\" in the metadata");
  int64_t v = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    fail("training::load_checkpoint", path, "metadata \"" + key + "\" is not an integer: \"" + s + "\"");
  return v;
}

// The part of `all` under "prefix.", with the prefix removed.
StateDict part(const StateDict& all, const std::string& prefix) {
  StateDict out;
  for (auto& [k, v] : all)
    if (k.rfind(prefix, 0) == 0) out.insert(k.substr(prefix.size()), v);
  return out;
}

}  // namespace

void save_checkpoint(const std::string& path, const TrainingState& st) {
  if (!st.model) fail("training::save_checkpoint", path, "no model given");
  if (!st.optimizer) fail("training::save_checkpoint", path, "no optimizer given");
  StateDict all;
  for (auto& [k, v] : st.model->state_dict()) all.insert("model." + k, v);
  for (auto& [k, v] : st.optimizer->state_dict()) all.insert("optimizer." + k, v);
  if (st.scheduler)
    for (auto& [k, v] : st.scheduler->state_dict()) all.insert("scheduler." + k, v);
  if (st.generator) {
    RngState g = st.generator->state();
    all.insert("generator.state",
               i64_vector({std::bit_cast<int64_t>(g.seed), std::bit_cast<int64_t>(g.offset)}));
  }
  if (st.loader) {
    data::DataLoaderState d = st.loader->state();
    all.insert("loader.state", i64_vector({std::bit_cast<int64_t>(d.permutation.seed),
                                           std::bit_cast<int64_t>(d.permutation.offset),
                                           d.next_batch, d.in_pass ? 1 : 0}));
  }
  nn::Metadata meta;
  for (auto& [k, v] : st.metadata) meta["user." + k] = v;
  meta["format"] = kFormat;
  meta["format_version"] = std::to_string(kCheckpointVersion);
  meta["epoch"] = std::to_string(st.epoch);
  meta["step"] = std::to_string(st.step);
  nn::remove_stale_temporaries(path);
  nn::save(all, path, meta);
}

void load_checkpoint(const std::string& path, TrainingState& st) {
  const char* op = "training::load_checkpoint";
  if (!st.model) fail(op, path, "no model given");
  if (!st.optimizer) fail(op, path, "no optimizer given");
  nn::Metadata meta = nn::load_metadata(path);
  auto format = meta.find("format");
  if (format == meta.end() || format->second != kFormat)
    fail(op, path, "not an xgrad training checkpoint (no \"format\": \"" + std::string(kFormat) +
                       "\" in its metadata; a model file loads with nn::load)");
  const int64_t version = parse_int(meta, "format_version", path);
  const std::string versions = "the file is checkpoint format version " + std::to_string(version) +
                               ", this xgrad reads versions 1 to " +
                               std::to_string(kCheckpointVersion);
  if (version > kCheckpointVersion || version < 1)
    fail(op, path, versions + " (written by a newer xgrad?)");
  nn::Checkpoint file;
  try {
    file = nn::load_checkpoint(path);
  } catch (const Error& e) {
    throw Error(std::string(op) + ": " + e.what() + "; " + versions);
  }
  const StateDict& all = file.tensors;
  const int64_t epoch = parse_int(meta, "epoch", path), step = parse_int(meta, "step", path);
  StateDict sched = part(all, "scheduler.");
  if (st.scheduler && sched.empty()) fail(op, path, "the file has no scheduler state");
  std::vector<int64_t> gen, loader;
  if (st.generator) gen = read_i64(all, "generator.state", 2, path);
  if (st.loader) loader = read_i64(all, "loader.state", 4, path);

  // The model first: its strict load checks every key and shape before changing a parameter.
  try {
    st.model->load_state_dict(part(all, "model."));
    st.optimizer->load_state_dict(part(all, "optimizer."));
    if (st.scheduler) st.scheduler->load_state_dict(sched);
    if (st.loader)
      st.loader->load_state({{std::bit_cast<uint64_t>(loader[0]), std::bit_cast<uint64_t>(loader[1])},
                             loader[2], loader[3] != 0});
  } catch (const Error& e) {
    fail(op, path, e.what());
  }
  if (st.generator) st.generator->set_state(RngState{std::bit_cast<uint64_t>(gen[0]), std::bit_cast<uint64_t>(gen[1])});
  st.epoch = epoch;
  st.step = step;
  st.metadata.clear();
  for (auto& [k, v] : file.metadata)
    if (k.rfind("user.", 0) == 0) st.metadata[k.substr(5)] = v;
}

}  // namespace xgrad::training
