// A fixed pool of parallel_threads() - 1 workers, started at the first parallel_for. A loop is
// published as a generation; workers and the caller take task numbers from one atomic counter.
#include "autograd/cpu/parallel.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
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
  bool run(int64_t tasks, const std::function<void(int64_t)>& fn) {
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
  int64_t take_all(const std::function<void(int64_t)>& fn, int64_t tasks) {
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
      const std::function<void(int64_t)>* fn = fn_;
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
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t tasks_ = 0, done_ = 0;
  int active_ = 0;  // workers inside the current loop
  std::atomic<int64_t> next_{0};
  uint64_t generation_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p(parallel_threads() - 1);
  return p;
}

}  // namespace

int parallel_threads() {
  static const int n = [] {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }();
  return n;
}

void parallel_for(int64_t tasks, const std::function<void(int64_t)>& fn) {
  if (tasks <= 0) return;
  if (tasks == 1 || t_inside || parallel_threads() == 1 || !pool().run(tasks, fn)) {
    for (int64_t t = 0; t < tasks; ++t) fn(t);
  }
}

}  // namespace xgrad::kernels::cpu_detail
