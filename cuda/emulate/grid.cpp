// Running a kernel launch on the CPU. Blocks run one after another, in a shuffled order; the
// threads of a block are cooperative fibers (Boost.Context) that switch only at __syncthreads and
// warp shuffles, and which ready fiber runs next is drawn at random (seeded, so a run repeats).
// A kernel that leans on an order the GPU does not promise (a missing __syncthreads, a race
// between blocks) then gives a wrong result rather than the right one by luck. A barrier or a
// shuffle that some threads never reach is reported as a launch failure, not a hang.
//
// Each host thread keeps its fibers and their bookkeeping from launch to launch: once warm, a
// launch allocates nothing.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <boost/context/fiber.hpp>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "cuda/emulate/device.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace xgrad::cuda::emulate {

namespace {

namespace ctx = boost::context;

// ---- AddressSanitizer must be told of every switch between stacks, or it misreads them.

#if defined(__SANITIZE_ADDRESS__)
void start_switch(void** fake_stack, const void* bottom, size_t size) {
  __sanitizer_start_switch_fiber(fake_stack, bottom, size);
}
void finish_switch(void* fake_stack, const void** bottom, size_t* size) {
  __sanitizer_finish_switch_fiber(fake_stack, bottom, size);
}
void unpoison(void* p, size_t n) { ASAN_UNPOISON_MEMORY_REGION(p, n); }
#else
void start_switch(void**, const void*, size_t) {}
void finish_switch(void*, const void**, size_t*) {}
void unpoison(void*, size_t) {}
#endif

// ---- fiber stacks: mapped, with a guard page below so an overflow faults.

constexpr size_t kStackSize = 128 * 1024;

struct MappedStack {
  ctx::stack_context allocate() {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* base = mmap(nullptr, kStackSize + page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    mprotect(base, page, PROT_NONE);
    ctx::stack_context s;
    s.size = kStackSize;
    s.sp = static_cast<char*>(base) + page + kStackSize;
    return s;
  }
  void deallocate(ctx::stack_context& s) noexcept {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    munmap(static_cast<char*>(s.sp) - s.size - page, s.size + page);
  }
};

// ---- the order of things: splitmix64, seeded per launch.

struct Random {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) {  // in [0, n), by a multiply rather than a division
    return static_cast<size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
};

// ---- the fibers of a block
//
// A fiber (a Worker) takes CUDA threads of the block, in the block's shuffled order, and runs
// each to its end; when its thread waits at a barrier or a shuffle the fiber waits with it and
// the scheduler resumes another (taking the next threads), or one whose wait is over, drawn at
// random. A kernel that never waits thus runs its whole block on one fiber, with two switches.

struct Cancelled {};  // thrown inside a fiber to end its CUDA thread when the block has failed

enum class State { unstarted, running, barrier, warp, done };

struct Worker;

struct Thread {
  uint3 idx;
  unsigned lane, warp;
  State state = State::unstarted;
  Worker* worker = nullptr;  // the fiber running it, once started
};

struct Worker {
  ctx::fiber fiber;      // resumes this fiber; empty while it runs
  ctx::fiber scheduler;  // held while it runs, to suspend
  ctx::stack_context stack;
  void* fake_stack = nullptr;
  Thread* thread = nullptr;  // the CUDA thread it runs or waits in; none when idle
};

struct Warp {
  unsigned mask = 0, arrived = 0;
  unsigned phase = 0;  // exchanges completed; values of exchange p sit in slot[p % 2]
  uint64_t slot[2][32] = {};
};

struct Block {
  // The launch
  void (*body)(const void*) = nullptr;
  const void* context = nullptr;
  Random random{0};
  // The block running now
  dim3 shape{0, 0, 0};
  unsigned size = 0, at_barrier = 0, done = 0;
  std::vector<Thread> threads = std::vector<Thread>(kMaxThreadsPerBlock);
  std::vector<Warp> warps = std::vector<Warp>(kMaxThreadsPerBlock / 32);
  std::vector<unsigned> queue;  // the threads in the order they start; the next is queue[next]
  unsigned next = 0;
  std::vector<Worker*> ready;  // fibers whose thread may go on
  std::vector<Worker*> idle;
  std::vector<std::unique_ptr<Worker>> workers;  // never moved: fibers hold their Worker
  std::vector<uint32_t> order;                   // of the blocks
  const void* scheduler_bottom = nullptr;        // the launching stack, for AddressSanitizer
  size_t scheduler_size = 0;
  bool cancelled = false, quit = false;
  std::string fault;

  Block() {
    queue.reserve(kMaxThreadsPerBlock);
    ready.reserve(kMaxThreadsPerBlock);
    idle.reserve(kMaxThreadsPerBlock);
  }
  ~Block();
};

XGRAD_EMULATE_TLS Block* current_block = nullptr;
XGRAD_EMULATE_TLS Thread* current_thread = nullptr;

[[noreturn]] void fail(const std::string& what) {
  Block& b = *current_block;
  if (b.fault.empty()) b.fault = what;
  throw Cancelled{};
}

Thread& running(const char* call) {
  if (!current_thread) {
    report(std::string(call) + " called outside a kernel");
    std::abort();
  }
  return *current_thread;
}

// From inside a fiber: back to the scheduler until it resumes this fiber.
void suspend(Block& b, Worker& w) {
  start_switch(&w.fake_stack, b.scheduler_bottom, b.scheduler_size);
  w.scheduler = std::move(w.scheduler).resume();
  finish_switch(w.fake_stack, &b.scheduler_bottom, &b.scheduler_size);
}

// A CUDA thread waiting inside its kernel: a failed block ends it here.
void wait(Block& b, Thread& t) {
  suspend(b, *t.worker);
  if (b.cancelled) throw Cancelled{};
}

void make_ready(Block& b, Thread& t) {
  t.state = State::running;
  b.ready.push_back(t.worker);
}

void run_thread(Block& b, Worker& w, Thread& t) {
  t.state = State::running;
  t.worker = &w;
  w.thread = &t;
  current_thread = &t;
  threadIdx = t.idx;
  try {
    b.body(b.context);
  } catch (const Cancelled&) {
  } catch (...) {
    if (b.fault.empty()) b.fault = "an exception escaped the kernel";
  }
  t.state = State::done;
  ++b.done;
  w.thread = nullptr;
}

// A fiber: takes unstarted threads until none is left (or another fiber may go on), then waits
// for more work, until the host thread ends.
ctx::fiber make_fiber(Block& b, Worker& w) {
  w.stack = MappedStack{}.allocate();
  return ctx::fiber(std::allocator_arg, ctx::preallocated(w.stack.sp, w.stack.size, w.stack),
                    MappedStack{}, [&b, &w](ctx::fiber&& scheduler) {
                      finish_switch(nullptr, &b.scheduler_bottom, &b.scheduler_size);
                      w.scheduler = std::move(scheduler);
                      while (!b.quit) {
                        while (!b.cancelled && b.next < b.size) {
                          run_thread(b, w, b.threads[b.queue[b.next++]]);
                          if (!b.ready.empty()) break;  // let the scheduler draw
                        }
                        suspend(b, w);
                      }
                      start_switch(nullptr, b.scheduler_bottom, b.scheduler_size);
                      return std::move(w.scheduler);
                    });
}

void resume(Worker& w) {
  current_thread = w.thread;
  if (w.thread) threadIdx = w.thread->idx;
  void* fake_stack = nullptr;
  start_switch(&fake_stack, static_cast<char*>(w.stack.sp) - w.stack.size, w.stack.size);
  w.fiber = std::move(w.fiber).resume();
  finish_switch(fake_stack, nullptr, nullptr);
  current_thread = nullptr;
}

Worker& idle_worker(Block& b) {
  if (!b.idle.empty()) {
    Worker* w = b.idle.back();
    b.idle.pop_back();
    return *w;
  }
  b.workers.push_back(std::make_unique<Worker>());
  Worker& w = *b.workers.back();
  w.fiber = make_fiber(b, w);
  return w;
}

Block::~Block() {  // lets every fiber return, so none is unwound behind AddressSanitizer's back
  quit = true;
  for (auto& w : workers)
    if (w->fiber) resume(*w);
}

std::string stuck_threads(const Block& b) {
  unsigned barrier = 0, warp = 0;
  for (unsigned i = 0; i < b.size; ++i) {
    barrier += b.threads[i].state == State::barrier;
    warp += b.threads[i].state == State::warp;
  }
  return std::to_string(barrier) + " of " + std::to_string(b.size) +
         " threads wait at __syncthreads, " + std::to_string(warp) + " at a warp shuffle, " +
         std::to_string(b.done) + " have returned: a barrier or shuffle not reached by all";
}

// Sizes the block for `block` threads: coordinates and lanes.
void shape_block(Block& b, dim3 block) {
  if (b.shape.x == block.x && b.shape.y == block.y && b.shape.z == block.z) return;
  b.shape = block;
  b.size = block.x * block.y * block.z;
  for (unsigned i = 0; i < b.size; ++i) {
    Thread& t = b.threads[i];
    t.idx = {i % block.x, i / block.x % block.y, i / (block.x * block.y)};
    t.lane = i % 32;
    t.warp = i / 32;
  }
}

// Runs every thread of the block at blockIdx to its end; false (with b.fault) when it failed.
bool run_block(Block& b) {
  b.at_barrier = b.done = 0;
  b.cancelled = false;
  for (unsigned w = 0; w < (b.size + 31) / 32; ++w) b.warps[w].mask = b.warps[w].arrived = 0;
  b.queue.clear();
  for (unsigned i = 0; i < b.size; ++i) {
    b.threads[i].state = State::unstarted;
    b.queue.push_back(i);
  }
  for (unsigned i = b.size; i > 1; --i) std::swap(b.queue[i - 1], b.queue[b.random.below(i)]);
  b.next = 0;
  b.ready.clear();
  for (;;) {
    size_t choices = b.ready.size() + (b.next < b.size ? 1 : 0);
    if (choices == 0 || !b.fault.empty()) break;
    size_t c = b.random.below(choices);
    Worker* w;
    if (c < b.ready.size()) {
      w = b.ready[c];
      b.ready[c] = b.ready.back();
      b.ready.pop_back();
    } else {
      w = &idle_worker(b);
    }
    resume(*w);
    if (!w->thread) b.idle.push_back(w);
  }
  if (b.done != b.size && b.fault.empty()) b.fault = stuck_threads(b);
  if (b.fault.empty()) return true;
  // End every CUDA thread still waiting: each throws Cancelled where it waits.
  b.cancelled = true;
  b.ready.clear();
  b.idle.clear();
  for (auto& w : b.workers) {
    if (w->thread) resume(*w);
    b.idle.push_back(w.get());
    unpoison(static_cast<char*>(w->stack.sp) - w->stack.size, w->stack.size);  // unwound frames
  }
  return false;
}

bool valid_configuration(dim3 grid, dim3 block) {
  const unsigned g[3] = {grid.x, grid.y, grid.z}, k[3] = {block.x, block.y, block.z};
  for (int d = 0; d < 3; ++d)
    if (g[d] == 0 || k[d] == 0 || g[d] > static_cast<unsigned>(kMaxGridDim[d]) ||
        k[d] > static_cast<unsigned>(kMaxBlockDim[d]))
      return false;
  return uint64_t{block.x} * block.y * block.z <= kMaxThreadsPerBlock;
}

std::string coordinates(uint3 v) {
  return "(" + std::to_string(v.x) + ", " + std::to_string(v.y) + ", " + std::to_string(v.z) + ")";
}

}  // namespace

void block_barrier() {
  Thread& t = running("__syncthreads");
  Block& b = *current_block;
  t.state = State::barrier;
  if (++b.at_barrier == b.size) {
    b.at_barrier = 0;
    for (unsigned i = 0; i < b.size; ++i) make_ready(b, b.threads[i]);
  }
  wait(b, t);
}

unsigned lane_id() { return running("a warp intrinsic").lane; }

uint64_t warp_exchange(unsigned mask, uint64_t value, unsigned source) {
  Thread& t = running("a warp shuffle");
  Block& b = *current_block;
  Warp& w = b.warps[t.warp];
  unsigned lanes = std::min(32u, b.size - t.warp * 32);
  unsigned existing = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1;
  if (!(mask >> t.lane & 1u)) fail("a warp shuffle's mask leaves out the calling lane");
  if (mask & ~existing) fail("a warp shuffle's mask names lanes the block does not have");
  if (source >= 32 || !(mask >> source & 1u))
    fail("a warp shuffle reads lane " + std::to_string(source) + ", which is not in its mask");
  if (w.arrived == 0)
    w.mask = mask;
  else if (w.mask != mask)
    fail("the lanes of a warp shuffle disagree on its mask");
  unsigned phase = w.phase;
  w.slot[phase % 2][t.lane] = value;
  w.arrived |= 1u << t.lane;
  t.state = State::warp;
  if (w.arrived == w.mask) {
    w.arrived = 0;
    ++w.phase;
    for (unsigned lane = 0; lane < 32; ++lane)
      if (mask >> lane & 1u) make_ready(b, b.threads[t.warp * 32 + lane]);
  }
  wait(b, t);
  // Exchange phase + 1 may have begun, but not phase + 2: slot[phase % 2] is intact.
  return w.slot[phase % 2][source];
}

cudaError_t run_grid(const char* kernel, dim3 grid, dim3 block, void (*thread)(const void*),
                     const void* context) {
  if (!valid_configuration(grid, block)) {
    report(std::string(kernel) + ": invalid launch configuration, grid " +
           coordinates({grid.x, grid.y, grid.z}) + ", block " +
           coordinates({block.x, block.y, block.z}));
    return set_error(cudaErrorInvalidConfiguration);
  }
  if (current_block) {
    report(std::string(kernel) + ": launched from inside a kernel (not emulated)");
    return set_error(cudaErrorLaunchFailure);
  }
  std::lock_guard<std::recursive_mutex> lock(device_lock());
  static thread_local Block b;
  static uint64_t launches = 0;
  b.body = thread;
  b.context = context;
  b.random.state = seed() ^ (0x2545f4914f6cdd1dull * ++launches);
  shape_block(b, block);
  blockDim = block;
  gridDim = grid;

  // Blocks in a shuffled order (a random rotation for very large grids).
  uint64_t count = uint64_t{grid.x} * grid.y * grid.z, rotation = 0;
  b.order.clear();
  if (count <= (uint64_t{1} << 24)) {
    for (uint64_t i = 0; i < count; ++i) b.order.push_back(static_cast<uint32_t>(i));
    for (uint64_t i = count; i > 1; --i) std::swap(b.order[i - 1], b.order[b.random.below(i)]);
  } else {
    rotation = b.random.below(count);
  }

  current_block = &b;
  cudaError_t result = cudaSuccess;
  for (uint64_t k = 0; k < count; ++k) {
    uint64_t i = b.order.empty() ? (k + rotation) % count : b.order[k];
    blockIdx = {static_cast<unsigned>(i % grid.x), static_cast<unsigned>(i / grid.x % grid.y),
                static_cast<unsigned>(i / (uint64_t{grid.x} * grid.y))};
    if (!run_block(b)) {
      report(std::string(kernel) + ": block " + coordinates(blockIdx) + ": " + b.fault);
      b.fault.clear();
      result = set_error(cudaErrorLaunchFailure);
      break;
    }
  }
  current_block = nullptr;
  return result;
}

}  // namespace xgrad::cuda::emulate
