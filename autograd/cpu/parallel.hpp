// The CPU kernels' own worker threads (OpenBLAS keeps its own): parallel_for splits a loop over
// the caller and the workers. Internal to autograd/cpu/.
#pragma once

#include <cstdint>
#include <functional>

namespace xgrad::kernels::cpu_detail {

// How many threads parallel_for runs on, the caller included: the CPUs this process may run on
// (sched_getaffinity, so `taskset -c 0` gives 1), at least 1.
int parallel_threads();

// Calls fn(t) once for every t in [0, tasks), spread over parallel_threads() threads, and returns
// when all calls are done. Runs everything on the calling thread when called from inside another
// parallel_for or while the workers are busy with another caller's loop. fn must not throw.
void parallel_for(int64_t tasks, const std::function<void(int64_t)>& fn);

}  // namespace xgrad::kernels::cpu_detail
