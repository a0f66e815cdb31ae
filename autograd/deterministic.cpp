// The deterministic-mode switch that kernels read (see set_deterministic in tensor.hpp).
#include <atomic>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

namespace {
std::atomic<bool> g_deterministic{false};
}

void set_deterministic(bool on) { g_deterministic.store(on, std::memory_order_relaxed); }
bool is_deterministic() { return g_deterministic.load(std::memory_order_relaxed); }

}  // namespace xgrad
