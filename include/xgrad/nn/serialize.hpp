/// \file
/// Checkpoints in the safetensors format, readable by the wider tool chain:
/// \code{.unparsed}
///   8 bytes   little-endian uint64 N, the header length
///   N bytes   JSON: {"name": {"dtype": "F32"|"F64"|"I64", "shape": [..], "data_offsets": [b, e]},
///                    ..., "__metadata__": {"key": "value", ...}}   (padded with spaces)
///   the rest  raw little-endian tensor data; offsets are relative to the start of this area
/// \endcode
/// \code{.cpp}
///   nn::save(model, "model.safetensors");             // a module's state_dict
///   nn::load(model, "model.safetensors");             // into a module (strict by default)
///   nn::StateDict sd = nn::load("model.safetensors"); // as named CPU tensors
/// \endcode
/// Saving is atomic: the data goes to a temporary file in the same directory, is flushed to disk
/// (fsync), then renamed over the target; on any failure the temporary is removed and a previous
/// file under the target name is left as it was. Loading validates the whole header (length,
/// JSON, dtypes, shapes, offsets inside the data area, no overlaps or gaps, sizes) before
/// allocating any tensor; every error names the file and what is wrong.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "xgrad/autograd/state_dict.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// The string pairs of a file's "__metadata__" header entry.
using Metadata = std::map<std::string, std::string>;

/// A whole file: its tensors and its metadata.
struct Checkpoint {
  /// On the CPU, in the file's order of data offsets.
  StateDict tensors;  // on the CPU, in the file's order of data offsets
  /// The header's "__metadata__", empty when absent.
  Metadata metadata;  // the header's "__metadata__", empty when absent
};

/// Writes `state` (copied to the CPU) and `metadata` to `path`, atomically (see the file's
/// description). Throws xgrad::Error, naming the file, for an empty, reserved ("__metadata__") or
/// undefined entry, or a failed write; a previous file at `path` is then left as it was.
void save(const StateDict& state, const std::string& path, const Metadata& metadata = {});
/// Writes the module's state_dict(), as save(StateDict) does.
void save(const Module& module, const std::string& path, const Metadata& metadata = {});
/// Same, for a holder such as nn::Linear.
template <class Impl>
void save(const ModuleHolder<Impl>& module, const std::string& path,
          const Metadata& metadata = {}) {
  save(static_cast<const Module&>(*module), path, metadata);
}

/// The tensors of the file `path`, as named CPU tensors; throws xgrad::Error, naming the file and
/// what is wrong, for a file that cannot be read or is not valid safetensors.
StateDict load(const std::string& path);
/// The tensors and the metadata of the file `path`; throws as load(path) does.
Checkpoint load_checkpoint(const std::string& path);
/// The header's "__metadata__" alone (the header is checked, the tensors are not read).
Metadata load_metadata(const std::string& path);
/// A save killed midway (SIGKILL, power loss) leaves its temporary `<path>.tmp.PID.N` (PID: the
/// saving process's id; N: a counter) beside `path` (the file under `path` itself is always the
/// complete old or new one). This removes those whose process is gone and returns their names;
/// training::save_checkpoint calls it before writing.
std::vector<std::string> remove_stale_temporaries(const std::string& path);
/// Loads into a module with load_state_dict(strict): values are converted to the module's
/// dtypes and devices. Errors (a bad file, or missing or unexpected keys when strict) throw
/// xgrad::Error naming the file.
LoadResult load(Module& module, const std::string& path, bool strict = true);
/// Same, for a holder such as nn::Linear.
template <class Impl>
LoadResult load(const ModuleHolder<Impl>& module, const std::string& path, bool strict = true) {
  return load(static_cast<Module&>(*module), path, strict);
}

}  // namespace xgrad::nn
