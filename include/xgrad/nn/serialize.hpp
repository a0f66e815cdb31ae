// Checkpoints in the safetensors format, readable by the wider tool chain:
//   8 bytes   little-endian uint64 N, the header length
//   N bytes   JSON: {"name": {"dtype": "F32"|"F64"|"I64", "shape": [..], "data_offsets": [b, e]},
//                    ..., "__metadata__": {"key": "value", ...}}   (padded with spaces)
//   the rest  raw little-endian tensor data; offsets are relative to the start of this area
//
//   nn::save(model, "model.safetensors");             // a module's state_dict
//   nn::load(model, "model.safetensors");             // into a module (strict by default)
//   nn::StateDict sd = nn::load("model.safetensors"); // as named CPU tensors
//
// Saving is atomic: the data goes to a temporary file in the same directory, is flushed to disk
// (fsync), then renamed over the target; on any failure the temporary is removed and a previous
// file under the target name is left as it was. Loading validates the whole header (length,
// JSON, dtypes, shapes, offsets inside the data area, no overlaps or gaps, sizes) before
// allocating any tensor; every error names the file and what is wrong.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "xgrad/autograd/state_dict.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

using Metadata = std::map<std::string, std::string>;

struct Checkpoint {
  StateDict tensors;  // on the CPU, in the file's order of data offsets
  Metadata metadata;  // the header's "__metadata__", empty when absent
};

void save(const StateDict& state, const std::string& path, const Metadata& metadata = {});
void save(const Module& module, const std::string& path, const Metadata& metadata = {});
template <class Impl>
void save(const ModuleHolder<Impl>& module, const std::string& path,
          const Metadata& metadata = {}) {
  save(static_cast<const Module&>(*module), path, metadata);
}

StateDict load(const std::string& path);
Checkpoint load_checkpoint(const std::string& path);
/// The header's "__metadata__" alone (the header is checked, the tensors are not read).
Metadata load_metadata(const std::string& path);
/// A save killed midway (SIGKILL, power loss) leaves its temporary `<path>.tmp.<pid>.<n>` beside
/// `path` (the file under `path` itself is always the complete old or new one). This removes those
/// whose process is gone and returns their names; train::save_checkpoint calls it before writing.
std::vector<std::string> remove_stale_temporaries(const std::string& path);
// Loads into a module with load_state_dict(strict): values are converted to the module's
// dtypes and devices.
LoadResult load(Module& module, const std::string& path, bool strict = true);
template <class Impl>
LoadResult load(const ModuleHolder<Impl>& module, const std::string& path, bool strict = true) {
  return load(static_cast<Module&>(*module), path, strict);
}

}  // namespace xgrad::nn
