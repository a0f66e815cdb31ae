// A pool of parallel_threads() - 1 workers, started at the first parallel_for and replaced when
// set_num_threads changes the count. A loop is
// published as a generation; workers and the caller take task numbers from one atomic counter.
#include "autograd/cpu/parallel.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace xgrad::kernels::cpu_detail {
namespace {

thread_local bool t_inside = false;  // this thread is running a parallel_for's task

class Pool {
 public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // false when another caller's loop holds the pool.
  bool run(int64_t tasks, const LoopBody& fn) {
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      tasks_ = tasks;
      next_.store(0);
      done_ = 0;
      ++generation_;
    }
    wake_.notify_all();
    int64_t mine = take_all(fn, tasks);
    std::unique_lock<std::mutex> lock(mutex_);
    done_ += mine;
    // A worker that joined this loop may still hold fn: wait for it to leave as well.
    finished_.wait(lock, [&] { return done_ == tasks_ && active_ == 0; });
    fn_ = nullptr;
    return true;
  }

 private:
  int64_t take_all(const LoopBody& fn, int64_t tasks) {
    t_inside = true;
    int64_t count = 0;
    for (int64_t t = next_.fetch_add(1); t < tasks; t = next_.fetch_add(1), ++count) fn(t);
    t_inside = false;
    return count;
  }

  void work() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || (generation_ != seen && fn_ != nullptr); });
      if (stop_) return;
      seen = generation_;
      const LoopBody* fn = fn_;
      const int64_t tasks = tasks_;
      ++active_;
      lock.unlock();
      int64_t mine = take_all(*fn, tasks);
      lock.lock();
      done_ += mine;
      --active_;
      if (done_ == tasks_ && active_ == 0) finished_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex busy_;   // one loop at a time
  std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_, finished_;
  const LoopBody* fn_ = nullptr;
  int64_t tasks_ = 0, done_ = 0;
  int active_ = 0;  // workers inside the current loop
  std::atomic<int64_t> next_{0};
  uint64_t generation_ = 0;
  bool stop_ = false;
};

// The thread count (0 until first asked), and the pool sized to it: replaced when the count
// changes, under the exclusive lock; every loop holds the shared one.
std::atomic<int> g_threads{0};
std::shared_mutex g_pool_mutex;
std::unique_ptr<Pool> g_pool;

// The CPUs this process may run on (sched_getaffinity, so `taskset -c 0` gives 1).
int default_threads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

int parallel_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    int expected = 0;
    g_threads.compare_exchange_strong(expected, default_threads());
    n = g_threads.load();
  }
  return n;
}

void set_parallel_threads(int n) {
  std::unique_lock<std::shared_mutex> lock(g_pool_mutex);
  if (g_threads.load() == n && g_pool) return;
  g_pool.reset();  // joins the old workers; no loop runs meanwhile
  g_threads.store(n);
}

void parallel_for(int64_t tasks, LoopBody fn) {
  if (tasks <= 0) return;
  const int threads = parallel_threads();
  if (tasks > 1 && !t_inside && threads > 1) {
    std::shared_lock<std::shared_mutex> lock(g_pool_mutex);
    if (!g_pool) {
      lock.unlock();
      {
        std::unique_lock<std::shared_mutex> make(g_pool_mutex);
        if (!g_pool) g_pool = std::make_unique<Pool>(g_threads.load() - 1);
      }
      lock.lock();
    }
    if (g_pool && g_pool->run(tasks, fn)) return;
  }
  for (int64_t t = 0; t < tasks; ++t) fn(t);
}

}  // namespace xgrad::kernels::cpu_detail
