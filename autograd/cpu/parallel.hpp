// The CPU kernels' own worker threads (OpenBLAS keeps its own): parallel_for splits a loop over
// the caller and the workers. Internal to autograd/cpu/.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace xgrad::kernels::cpu_detail {

// How many threads parallel_for runs on, the caller included: set_num_threads's value; by default
// the CPUs this process may run on (sched_getaffinity, so `taskset -c 0` gives 1).
int parallel_threads();
void set_parallel_threads(int n);  // n >= 1 (set_num_threads checks); waits for a running loop

// Elementwise kernels split a loop over threads from this many elements (measured: below it the
// hand-off costs more than the second core saves).
inline constexpr int64_t kParallelElements = int64_t{1} << 18;

// A loop body as parallel_for holds it: the callable's address and a function that calls it.
// Unlike std::function it copies nothing and allocates nothing, and each body type adds one small
// thunk to the library (std::function added an invoker, a manager and a type_info name).
// It refers to the callable, which must outlive it: pass the lambda in the call itself.
class LoopBody {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, LoopBody>)
  LoopBody(F&& f)  // NOLINT(google-explicit-constructor): a lambda converts as to std::function
      : fn_(const_cast<void*>(static_cast<const void*>(&f))), call_(&call<std::remove_reference_t<F>>) {}
  void operator()(int64_t t) const { call_(fn_, t); }

 private:
  template <class F>
  static void call(void* fn, int64_t t) {
    (*static_cast<F*>(fn))(t);
  }
  void* fn_;
  void (*call_)(void*, int64_t);
};

// Calls fn(t) once for every t in [0, tasks), spread over parallel_threads() threads, and returns
// when all calls are done. Runs everything on the calling thread when called from inside another
// parallel_for or while the workers are busy with another caller's loop. fn must not throw.
void parallel_for(int64_t tasks, LoopBody fn);

// parallel_range's split, kept out of line so that the small-n test inlines into every kernel.
template <class F>
[[gnu::noinline]] void parallel_range_split(int64_t n, F& body) {
  const int64_t threads = parallel_threads();
  if (threads == 1) return body(int64_t{0}, n);
  const int64_t piece = ((n + threads - 1) / threads + 63) / 64 * 64;
  const int64_t pieces = (n + piece - 1) / piece;
  parallel_for(pieces, [&](int64_t t) {
    const int64_t begin = t * piece;
    body(begin, std::min(piece, n - begin));
  });
}

// Calls body(begin, count) over [0, n): in pieces on parallel_threads() threads when n reaches
// kParallelElements, else once. For loops whose every element is independent of the others, so
// the result does not depend on the split. Pieces are multiples of 64 elements (cache lines).
template <class F>
inline void parallel_range(int64_t n, F&& body) {
  if (n < kParallelElements) return body(int64_t{0}, n);
  parallel_range_split(n, body);
}

}  // namespace xgrad::kernels::cpu_detail
