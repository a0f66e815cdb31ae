// OpenBLAS, opened by xgrad (dlopen) the first time a kernel needs it, instead of linked.
//
// Why: OpenBLAS picks its kernels from the CPU's family and model once, while it loads. Debian 12's
// OpenBLAS (0.3.21) does not know CPUs newer than itself (an Intel Xeon of family 6, model 207, for
// one) and falls back to its Prescott kernels, SSE3 only: a GEMM several times slower than the CPU
// can run. Linked, it has chosen before any of xgrad's code runs. Opened here, xgrad can see the
// fallback and open it again with OPENBLAS_CORETYPE naming the kernels the CPU supports (SkylakeX
// with AVX-512, Haswell with AVX2 and FMA). A user's own OPENBLAS_CORETYPE is always kept.
#pragma once

#include <cblas.h>

#include <string>

namespace xgrad::kernels::cpu_detail {

struct Blas {
  decltype(&cblas_sgemm) sgemm;
  decltype(&cblas_dgemm) dgemm;
  decltype(&cblas_sgemv) sgemv;
  decltype(&cblas_dgemv) dgemv;
  decltype(&cblas_sger) sger;
  decltype(&cblas_dger) dger;
  int (*get_num_threads)();
  void (*set_num_threads)(int);
  std::string core;       // the kernels OpenBLAS runs ("SkylakeX", "Haswell", ...)
  std::string corrected;  // the Prescott fallback replaced ("Prescott -> SkylakeX"), or empty
  bool preloaded = false;  // OpenBLAS was in the process already (the program links it): its choice stays
};

// OpenBLAS, opened at the first call (thread-safe); throws xgrad::Error naming the library when
// it cannot be opened or lacks a function.
const Blas& blas();

// The OPENBLAS_CORETYPE this CPU supports, for a CPU that OpenBLAS ran on its Prescott fallback:
// "SkylakeX" (AVX-512 F, CD, BW, DQ and VL usable), "Haswell" (AVX2 and FMA), or null.
const char* supported_core();

}  // namespace xgrad::kernels::cpu_detail
