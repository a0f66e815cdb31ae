// Finding and loading the CUDA backend on demand (see cuda/backend.hpp). Compiled into libxgrad
// in every build; links only libdl's dlopen. The first call that needs CUDA pays for loading
// cudart and cuBLAS; a program that never asks never does.
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "autograd/impl.hpp"
#include "cuda/backend.hpp"

namespace xgrad {

namespace cuda {
namespace {

constexpr const char* kLibrary = "libxgrad_cuda.so";

Dtype host_dtype(const Tensor& t) { return t.dtype(); }
void* host_data_ptr(const Tensor& t) { return t.data_ptr(); }
int64_t host_numel(const Tensor& t) { return t.numel(); }
const Shape& host_shape(const Tensor& t) { return t.shape(); }
bool host_is_deterministic() { return is_deterministic(); }

const Host host{&host_dtype, &host_data_ptr, &host_numel, &host_shape, &host_is_deterministic};

// Where to look, first match wins: $XGRAD_CUDA_BACKEND (a path), beside the module holding this
// code (libxgrad.so, or the program a static libxgrad is linked into), the build tree and the
// install prefix this libxgrad was configured with, then the loader's own search (RPATH,
// LD_LIBRARY_PATH, ld.so.cache).
std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("XGRAD_CUDA_BACKEND"); env && *env) {
    out.emplace_back(env);
    return out;  // an explicit choice is never silently replaced by another library
  }
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&host_numel), &info) && info.dli_fname) {
    std::string self = info.dli_fname;
    if (auto slash = self.rfind('/'); slash != std::string::npos)
      out.push_back(self.substr(0, slash + 1) + kLibrary);
  }
#ifdef XGRAD_CUDA_BACKEND_BUILD_DIR
  out.push_back(std::string(XGRAD_CUDA_BACKEND_BUILD_DIR) + "/" + kLibrary);
#endif
#ifdef XGRAD_CUDA_BACKEND_INSTALL_DIR
  out.push_back(std::string(XGRAD_CUDA_BACKEND_INSTALL_DIR) + "/" + kLibrary);
#endif
  out.emplace_back(kLibrary);
  return out;
}

struct Loaded {
  const Backend* backend = nullptr;
  std::string reason;  // why there is none
};

Loaded load() {
#ifndef XGRAD_CUDA_BACKEND_BUILT
  const char* env = std::getenv("XGRAD_CUDA_BACKEND");
  if (!env || !*env)  // set and empty counts as unset, as in candidates()
    return {nullptr,
            "this build of xgrad has no CUDA backend (reconfigure with -DXGRAD_CUDA=ON where nvcc "
            "is installed)"};
#endif
  std::string tried;
  for (const std::string& path : candidates()) {
    bool explicit_path = path.find('/') != std::string::npos;
    // An absent file is the next candidate; a present one that fails to load (a missing cudart,
    // an undefined symbol) is the answer: its loader message says what to install.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* err = dlerror();
      std::string why = err ? err : "unknown error";
      bool absent = why.find(path + ": cannot open shared object file") != std::string::npos ||
                    (!explicit_path && why.find("cannot open shared object file") != std::string::npos &&
                     why.find(kLibrary) != std::string::npos);
      if (absent) {
        tried += (tried.empty() ? "" : ", ") + path;
        continue;
      }
      return {nullptr, "the CUDA backend " + path + " could not be loaded: " + why};
    }
    using Entry = const Backend* (*)(const Host*, int);
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "xgrad_cuda_backend"));
    if (!entry) return {nullptr, "the CUDA backend " + path + " has no xgrad_cuda_backend entry"};
    const Backend* b = entry(&host, kBackendAbi);
    if (!b || b->abi != kBackendAbi || b->table_size != sizeof(kernels::Table))
      return {nullptr, "the CUDA backend " + path + " is from another version of xgrad (interface " +
                           std::to_string(b ? b->abi : -1) + ", this libxgrad needs " +
                           std::to_string(kBackendAbi) + "); rebuild or reinstall them together"};
    return {b, ""};  // never closed: kernels and cached device memory live as long as the process
  }
  return {nullptr, "the CUDA backend " + std::string(kLibrary) +
                       " was not found (tried " + tried +
                       "; set XGRAD_CUDA_BACKEND to its path)"};
}

const Loaded& loaded() {
  static const Loaded l = load();  // thread-safe, once per process
  return l;
}

}  // namespace

bool is_available() { return device_count() > 0; }

int device_count() {
  const Backend* b = loaded().backend;
  return b ? b->device_count() : 0;
}

void synchronize() {
  if (const Backend* b = loaded().backend) b->synchronize();
}

void empty_cache() {
  if (const Backend* b = loaded().backend) b->empty_cache();
}

MemoryStats memory_stats() {
  const Backend* b = loaded().backend;
  return b ? b->memory_stats() : MemoryStats{};
}

}  // namespace cuda

namespace kernels {

const Table& cuda(const char* op) {
  const cuda::Loaded& l = cuda::loaded();
  if (!l.backend) throw Error(std::string(op) + ": " + l.reason);
  l.backend->require_device(op);
  return *l.backend->table;
}

}  // namespace kernels

}  // namespace xgrad
