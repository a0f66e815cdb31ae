// DataParallel and its Reducer: buckets of gradients reduced while the backward runs.
#include "xgrad/distributed/data_parallel.hpp"

#include <cstring>
#include <functional>

#include "xgrad/autograd/graph.hpp"
#include "autograd/impl.hpp"
#include "distributed/work.hpp"

namespace xgrad::distributed {

namespace detail {

// The gradients of a module's parameters, in buckets, and the state of one reduction round.
class Reducer : public std::enable_shared_from_this<Reducer> {
 public:
  Reducer(std::vector<nn::NamedTensor> params, int64_t bucket_bytes) : params_(std::move(params)) {
    // Reverse parameter order: backward produces the last layer's gradients first.
    for (size_t k = params_.size(); k-- > 0;) {
      const Tensor& p = params_[k].second;
      if (!p.requires_grad()) continue;
      const int64_t bytes = p.numel() * static_cast<int64_t>(element_size(p.dtype()));
      bool fits = !buckets_.empty() && buckets_.back().dtype == p.dtype() &&
                  buckets_.back().device == p.device() &&
                  buckets_.back().bytes + bytes <= bucket_bytes;
      if (!fits) buckets_.push_back({{}, p.dtype(), p.device(), 0, 0, {}, 0, nullptr});
      Bucket& b = buckets_.back();
      b.slots.push_back({k, b.numel});
      b.numel += p.numel();
      b.bytes += bytes;
    }
    where_.assign(params_.size(), {SIZE_MAX, SIZE_MAX});
    for (size_t i = 0; i < buckets_.size(); ++i)
      for (size_t s = 0; s < buckets_[i].slots.size(); ++s)
        where_[buckets_[i].slots[s].param] = {i, s};
    ready_.assign(params_.size(), false);
  }

  void register_hooks() {
    std::weak_ptr<Reducer> weak = weak_from_this();
    for (size_t k = 0; k < params_.size(); ++k) {
      if (where_[k].first == SIZE_MAX) continue;
      params_[k].second.register_post_accumulate_grad_hook([weak, k](const Tensor&) {
        if (auto r = weak.lock()) r->on_grad_ready(k);
      });
    }
  }

  bool sync = true;

  std::vector<std::vector<size_t>> bucket_indices() const {
    std::vector<std::vector<size_t>> out;
    for (auto& b : buckets_) {
      out.emplace_back();
      for (auto& s : b.slots) out.back().push_back(s.param);
    }
    return out;
  }

  // At a forward: the previous backward must have finished its reduction.
  void check_finished() {
    if (!in_round_) return;
    std::string missing;
    for (size_t k = 0; k < params_.size(); ++k)
      if (where_[k].first != SIZE_MAX && !ready_[k])
        missing += (missing.empty() ? "'" : ", '") + params_[k].first + "'";
    abandon_round();
    throw Error("DataParallel: the last backward gave no gradient to " + missing +
                ", so the gradients were not reduced; every parameter that requires grad must take "
                "part in the "
                "loss (unused parameters are not supported)");
  }

 private:
  struct Slot {
    size_t param;
    int64_t offset;
  };
  struct Bucket {
    std::vector<Slot> slots;
    Dtype dtype;
    Device device;
    int64_t numel, bytes;
    Tensor flat;
    size_t pending;
    std::unique_ptr<Work> work;
  };

  void on_grad_ready(size_t k) {
    if (!sync) return;
    if (GradMode::is_enabled())
      throw Error(
          "DataParallel: backward(create_graph=true) is not supported (the reduced gradients would "
          "not be "
          "differentiable)");
    if (!in_round_) start_round();
    if (ready_[k])
      throw Error("DataParallel: parameter '" + params_[k].first +
                  "' received a second gradient before the reduction of the first finished (every "
                  "parameter must "
                  "get its gradient from the backward that reduces it)");
    ready_[k] = true;
    Bucket& b = buckets_[where_[k].first];
    if (--b.pending == 0) {
      while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0)
        launch(buckets_[next_launch_++]);
    }
    for (size_t i = 0; i < next_launch_; ++i) buckets_[i].work->test();  // lets MPI progress
    if (next_launch_ == buckets_.size()) finish_round();
  }

  void start_round() {
    in_round_ = true;
    next_launch_ = 0;
    ready_.assign(params_.size(), false);
    for (auto& b : buckets_) b.pending = b.slots.size();
  }

  // Gathers the bucket's gradients into one flat tensor and starts its all_reduce.
  void launch(Bucket& b) {
    if (b.device.is_cpu()) {
      if (!b.flat.defined()) b.flat = empty({b.numel}, b.dtype);
      auto* dst = static_cast<char*>(b.flat.data_ptr());
      const size_t es = element_size(b.dtype);
      for (auto& s : b.slots) {
        Tensor g = params_[s.param].second.grad();
        std::memcpy(dst + static_cast<size_t>(s.offset) * es, g.data_ptr(),
                    static_cast<size_t>(g.numel()) * es);
      }
    } else {
      std::vector<Tensor> grads;
      for (auto& s : b.slots) grads.push_back(params_[s.param].second.grad().reshape({-1}));
      b.flat = cat(grads);
    }
    b.work = start_all_reduce(b.flat, ReduceOp::mean, "DataParallel all_reduce");
  }

  // Waits for every bucket and writes the averages into the gradients.
  void finish_round() {
    in_round_ = false;
    for (auto& b : buckets_) {
      b.work->wait();
      b.work.reset();
      const size_t es = element_size(b.dtype);
      for (auto& s : b.slots) {
        Tensor g = params_[s.param].second.grad();
        if (b.device.is_cpu()) {
          std::memcpy(
              g.data_ptr(),
              static_cast<const char*>(b.flat.data_ptr()) + static_cast<size_t>(s.offset) * es,
              static_cast<size_t>(g.numel()) * es);
          g.impl()->storage->version++;
        } else {
          g.copy_(b.flat.narrow(0, s.offset, g.numel()).reshape(g.shape()));
        }
      }
    }
  }

  // After an unfinished round: wait for what was launched (the other ranks launched it too).
  void abandon_round() {
    for (size_t i = 0; i < next_launch_; ++i)
      if (buckets_[i].work) buckets_[i].work->wait();
    for (auto& b : buckets_) b.work.reset();
    in_round_ = false;
  }

  std::vector<nn::NamedTensor> params_;
  std::vector<Bucket> buckets_;
  std::vector<std::pair<size_t, size_t>> where_;  // parameter -> (bucket, slot)
  std::vector<bool> ready_;
  size_t next_launch_ = 0;
  bool in_round_ = false;
};

}  // namespace detail

namespace {

// A fingerprint of the parameter and buffer names, shapes and dtypes (FNV-1a).
int64_t fingerprint(const nn::Module& m) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  };
  for (auto& [name, t] : m.named_parameters())
    mix("p" + name + t.shape().str() + dtype_name(t.dtype()));
  for (auto& [name, t] : m.named_buffers())
    mix("b" + name + t.shape().str() + dtype_name(t.dtype()));
  return static_cast<int64_t>(h);
}

}  // namespace

DataParallelImpl::DataParallelImpl(nn::ModulePtr module, DataParallelOptions options)
    : Module("DataParallel"), module_(std::move(module)) {
  if (!module_) throw Error("DataParallel: the module is empty");
  if (options.bucket_bytes <= 0)
    throw Error("DataParallel: bucket_bytes must be positive, got " +
                std::to_string(options.bucket_bytes));
  if (!is_initialized()) throw Error("DataParallel: call distributed::init() first");
  register_module("module", module_);
  // Every rank must wrap the same architecture: compare fingerprints before any broadcast.
  Tensor mine = full({1}, 0.0, kInt64);
  mine.data<int64_t>()[0] = fingerprint(*module_);
  Tensor all = all_gather(mine);
  for (int r = 0; r < world_size(); ++r)
    if (all.data<int64_t>()[r] != all.data<int64_t>()[0])
      throw Error("DataParallel: rank " + std::to_string(r) +
                  "'s module differs from rank 0's (parameter or buffer names, shapes or dtypes)");
  {
    NoGradGuard no_grad;
    for (auto& p : module_->parameters()) broadcast(p, 0);
    for (auto& b : module_->buffers()) broadcast(b, 0);
  }
  reducer_ = std::make_shared<detail::Reducer>(module_->named_parameters(), options.bucket_bytes);
  reducer_->register_hooks();
}

DataParallelImpl::~DataParallelImpl() = default;

Tensor DataParallelImpl::forward(const Tensor& x) {
  reducer_->check_finished();
  return (*module_)(x);
}

DataParallelImpl::NoSyncGuard::NoSyncGuard(std::shared_ptr<detail::Reducer> reducer)
    : reducer_(std::move(reducer)), previous_(reducer_->sync) {
  reducer_->sync = false;
}

DataParallelImpl::NoSyncGuard::~NoSyncGuard() { reducer_->sync = previous_; }

DataParallelImpl::NoSyncGuard DataParallelImpl::no_sync() { return NoSyncGuard(reducer_); }

std::vector<std::vector<size_t>> DataParallelImpl::bucket_indices() const {
  return reducer_->bucket_indices();
}

}  // namespace xgrad::distributed
