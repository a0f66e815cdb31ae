#include "autograd/cpu/blas.hpp"

#include <dlfcn.h>

#include <cstdlib>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

// OpenBLAS's soname on every distribution (Debian: the alternative libopenblas0-pthread provides).
constexpr const char* kLibrary = "libopenblas.so.0";

void* open_library() {
  void* h = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!h)
    throw Error(std::string("BLAS: cannot open OpenBLAS (") + kLibrary + "): " + dlerror() +
                " (Debian: apt-get install libopenblas0)");
  return h;
}

template <class F>
void find(void* h, F& f, const char* name) {
  f = reinterpret_cast<F>(dlsym(h, name));
  if (!f) throw Error(std::string("BLAS: ") + kLibrary + " has no " + name);
}

std::string core_of(void* h) {
  char* (*corename)() = nullptr;
  find(h, corename, "openblas_get_corename");
  const char* s = corename();
  return s ? s : "";
}

Blas load() {
  Blas b;
  // Already in the process: the program links OpenBLAS (as libopenblas.so.0, or as Debian's
  // libblas.so.3 alternative, or statically). Closing ours would then shut down the program's.
  if (void* already = dlopen(kLibrary, RTLD_NOW | RTLD_NOLOAD)) {
    b.preloaded = true;
    dlclose(already);
  }
  if (dlsym(RTLD_DEFAULT, "openblas_get_corename")) b.preloaded = true;
  void* h = open_library();
  b.core = core_of(h);
  // OpenBLAS reads OPENBLAS_CORETYPE once, while it loads: reopening with it set is the only way to
  // change its choice. dlclose unloads it only where nothing else holds it (a program that links
  // OpenBLAS itself keeps the instance, and its choice).
  const char* better = std::getenv("OPENBLAS_CORETYPE") ? nullptr : supported_core();
  if (b.core == "Prescott" && better && !b.preloaded) {
    dlclose(h);
    {
      // The variable is set for this load only; unset again on every path out. (The environment
      // is touched once, at the first GEMM, on the thread that runs it.)
      struct Unset {
        ~Unset() { unsetenv("OPENBLAS_CORETYPE"); }
      } unset;
      setenv("OPENBLAS_CORETYPE", better, 0);
      h = open_library();
    }
    std::string now = core_of(h);
    if (now != b.core) b.corrected = b.core + " -> " + now;
    b.core = now;
  }
  find(h, b.sgemm, "cblas_sgemm");
  find(h, b.dgemm, "cblas_dgemm");
  find(h, b.sgemv, "cblas_sgemv");
  find(h, b.dgemv, "cblas_dgemv");
  find(h, b.sger, "cblas_sger");
  find(h, b.dger, "cblas_dger");
  find(h, b.get_num_threads, "openblas_get_num_threads");
  find(h, b.set_num_threads, "openblas_set_num_threads");
  return b;  // the handle stays open for the life of the process
}

}  // namespace

const char* supported_core() {
#if !defined(__x86_64__) && !defined(__i386__)
  return nullptr;  // OpenBLAS's Prescott fallback is an x86 one
#else
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return nullptr;
#endif
}

const Blas& blas() {
  static const Blas b = load();
  return b;
}

}  // namespace xgrad::kernels::cpu_detail
