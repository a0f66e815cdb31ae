// The parameter server's messages, on their own communicator. Every message has the same layout,
// [kind, version, bytes of every parameter (or gradient) in order], and size, so each transfer is
// checked for its length; a stop is a message of kind kStop.
#include "xgrad/distributed/parameter_server.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "xgrad/autograd/graph.hpp"
#include "autograd/impl.hpp"
#include "distributed/mpi_group.hpp"

namespace xgrad::distributed {

using detail::MpiGroup;
using detail::Pending;

namespace {

constexpr int64_t kWeights = 1, kStop = 2, kGradient = 3;
constexpr int kTag = 1;

int64_t nbytes(const Tensor& t) {
  return t.numel() * static_cast<int64_t>(element_size(t.dtype()));
}

int64_t fingerprint(const std::vector<Tensor>& params) {
  uint64_t h = 14695981039346656037ull;
  for (auto& p : params)
    for (unsigned char c : p.shape().str() + dtype_name(p.dtype()) + ";")
      h = (h ^ c) * 1099511628211ull;
  return static_cast<int64_t>(h);
}

}  // namespace

ParameterServer::ParameterServer(std::vector<Tensor> params, ParameterServerOptions options)
    : params_(std::move(params)), options_(options) {
  if (!is_initialized()) throw Error("ParameterServer: call distributed::init() first");
  rank_ = rank();
  size_ = world_size();
  if (size_ < 2)
    throw Error(
        "ParameterServer: needs at least 2 ranks (rank 0 serves, the others work), the world size "
        "is " +
        std::to_string(size_));
  if (params_.empty()) throw Error("ParameterServer: no parameters given");
  for (size_t i = 0; i < params_.size(); ++i)
    if (!params_[i].defined())
      throw Error("ParameterServer: parameter " + std::to_string(i) + " is undefined");
  if (options.mode == PsMode::async && options.backups != 0)
    throw Error("ParameterServer: backups apply to PsMode::backup only, got " +
                std::to_string(options.backups) + " with PsMode::async");
  if (options.backups < 0 || options.backups >= workers())
    throw Error("ParameterServer: backups must be in [0, workers - 1] = [0, " +
                std::to_string(workers() - 1) + "], got " + std::to_string(options.backups));
  Tensor mine = full({1}, 0.0, kInt64);
  mine.data<int64_t>()[0] = fingerprint(params_);
  Tensor all = all_gather(mine);
  for (int r = 1; r < size_; ++r)
    if (all.data<int64_t>()[r] != all.data<int64_t>()[0])
      throw Error("ParameterServer: rank " + std::to_string(r) +
                  "'s parameters differ from rank 0's in number, shapes or dtypes");
}

ParameterServer::~ParameterServer() = default;

int64_t ParameterServer::payload_bytes() const {
  int64_t n = 0;
  for (auto& p : params_) n += nbytes(p);
  return n;
}

// A message as an int64 tensor: the header, then the bytes (padded to 8).
Tensor ParameterServer::pack(int64_t kind, int64_t version, bool grads) const {
  Tensor m = empty({2 + (payload_bytes() + 7) / 8}, kInt64);
  int64_t* h = m.data<int64_t>();
  h[0] = kind;
  h[1] = version;
  auto* dst = reinterpret_cast<char*>(h + 2);
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor src = grads ? params_[i].grad() : params_[i];
    if (!src.defined())
      throw Error("ParameterServer::push: parameter " + std::to_string(i) +
                  " has no gradient (call backward() before push())");
    Tensor host = src.device().is_cpu() ? src : src.detach().cpu();
    std::memcpy(dst, host.data_ptr(), static_cast<size_t>(nbytes(host)));
    dst += nbytes(host);
  }
  return m;
}

void ParameterServer::unpack_weights(const Tensor& message) const {
  NoGradGuard no_grad;
  const auto* src = reinterpret_cast<const char*>(message.data<int64_t>() + 2);
  for (auto& p : params_) {
    if (p.device().is_cpu()) {
      std::memcpy(p.data_ptr(), src, static_cast<size_t>(nbytes(p)));
      p.impl()->storage->version++;
    } else {
      Tensor host = empty(p.shape(), p.dtype());
      std::memcpy(host.data_ptr(), src, static_cast<size_t>(nbytes(p)));
      Tensor target = p;
      target.copy_(host);
    }
    src += nbytes(p);
  }
}

// Each parameter's .grad() becomes the messages' gradient, averaged when there are several
// (added in the order given, then divided as x / n divides).
void ParameterServer::set_grads(const std::vector<Tensor>& messages) const {
  NoGradGuard no_grad;
  int64_t offset = 0;
  for (auto& p : params_) {
    Tensor sum;
    for (auto& m : messages) {
      Tensor g = empty(p.shape(), p.dtype());
      std::memcpy(g.data_ptr(), reinterpret_cast<const char*>(m.data<int64_t>() + 2) + offset,
                  static_cast<size_t>(nbytes(p)));
      sum = sum.defined() ? sum + g : g;
    }
    if (messages.size() > 1) sum = sum / static_cast<double>(messages.size());
    p.set_grad(sum.to(p.device()));
    offset += nbytes(p);
  }
}

ServerStats ParameterServer::serve(int64_t steps, const std::function<void()>& apply) {
  const char* op = "ParameterServer::serve";
  if (!is_server())
    throw Error("ParameterServer::serve: only rank 0 serves; the workers call fetch() and push()");
  if (steps < 0)
    throw Error("ParameterServer::serve: steps must be >= 0, got " + std::to_string(steps));
  MpiGroup& g = MpiGroup::get();
  g.check_usable(op);
  const int W = workers();
  const size_t bytes = static_cast<size_t>(2 + (payload_bytes() + 7) / 8) * sizeof(int64_t);
  ServerStats stats;
  stats.used_per_worker.assign(static_cast<size_t>(W), 0);
  std::vector<Tensor> inbox(static_cast<size_t>(W));
  std::vector<std::unique_ptr<Pending>> receiving(static_cast<size_t>(W));
  std::vector<std::unique_ptr<Pending>> sending;
  int64_t version = 0;
  int active = W;
  double staleness_sum = 0;

  auto send = [&](int w, const Tensor& message) {
    auto p = std::make_unique<Pending>();
    p->send(message, message.data_ptr(), bytes, w + 1, kTag, g.ps());
    sending.push_back(std::move(p));
  };
  // Answers worker w: the newest weights (and waits for its next gradient), or stop.
  auto reply = [&](int w) {
    if (stats.updates >= steps) {
      send(w, pack(kStop, version, false));
      --active;
      return;
    }
    send(w, pack(kWeights, version, false));
    auto& in = inbox[static_cast<size_t>(w)];
    if (!in.defined()) in = empty({static_cast<int64_t>(bytes / sizeof(int64_t))}, kInt64);
    receiving[static_cast<size_t>(w)] = std::make_unique<Pending>();
    receiving[static_cast<size_t>(w)]->recv(in, in.data_ptr(), bytes, w + 1, kTag, g.ps());
  };
  // The next worker whose gradient has arrived (round robin among those that sent one).
  int turn = 0;
  auto next_arrival = [&]() -> int {
    detail::Waiter waiter(op);
    for (;;) {
      std::vector<int> peers;
      for (int k = 0; k < W; ++k) {
        int w = (turn + k) % W;
        auto& r = receiving[static_cast<size_t>(w)];
        if (!r) continue;
        if (r->test(op)) {
          r.reset();
          turn = (w + 1) % W;
          return w;
        }
        peers.push_back(w + 1);
      }
      std::erase_if(sending, [&](const std::unique_ptr<Pending>& s) { return s->test(op); });
      std::sort(peers.begin(), peers.end());
      waiter.idle(peers);
    }
  };

  std::vector<int> contributors;  // backup mode: the step's gradients so far
  const size_t needed = static_cast<size_t>(W - options_.backups);
  for (int w = 0; w < W; ++w) reply(w);
  while (active > 0) {
    const int w = next_arrival();
    const int64_t* h = inbox[static_cast<size_t>(w)].data<int64_t>();
    if (h[0] != kGradient)
      g.fail(std::string(op) + ": rank " + std::to_string(w + 1) + " sent a message of kind " +
             std::to_string(h[0]) + " where a gradient was expected");
    ++stats.gradients;
    const int64_t computed_on = h[1];
    if (stats.updates >= steps) {
      reply(w);  // stop
      continue;
    }
    if (options_.mode == PsMode::async) {
      const int64_t staleness = version - computed_on;
      staleness_sum += static_cast<double>(staleness);
      stats.max_staleness = std::max(stats.max_staleness, staleness);
      set_grads({inbox[static_cast<size_t>(w)]});
      apply();
      ++version;
      ++stats.updates;
      ++stats.used_per_worker[static_cast<size_t>(w)];
      reply(w);
      continue;
    }
    if (computed_on != version) {  // its step is over: drop it, send the newest weights
      ++stats.dropped;
      reply(w);
      continue;
    }
    contributors.push_back(w);
    if (contributors.size() < needed) continue;
    std::sort(contributors.begin(), contributors.end());  // averaged in rank order
    std::vector<Tensor> messages;
    for (int c : contributors) messages.push_back(inbox[static_cast<size_t>(c)]);
    set_grads(messages);
    apply();
    ++version;
    ++stats.updates;
    for (int c : contributors) {
      ++stats.used_per_worker[static_cast<size_t>(c)];
      reply(c);
    }
    contributors.clear();
  }
  for (auto& s : sending) s->wait(op);
  if (options_.mode == PsMode::async && stats.updates > 0)
    stats.mean_staleness = staleness_sum / static_cast<double>(stats.updates);
  return stats;
}

bool ParameterServer::fetch() {
  const char* op = "ParameterServer::fetch";
  if (is_server()) throw Error("ParameterServer::fetch: rank 0 is the server; it calls serve()");
  if (stopped_) return false;
  if (fetched_)
    throw Error(
        "ParameterServer::fetch: call push() after each fetch() (the server answers each gradient "
        "with the "
        "next weights)");
  MpiGroup& g = MpiGroup::get();
  g.check_usable(op);
  Tensor m = empty({2 + (payload_bytes() + 7) / 8}, kInt64);
  Pending p;
  p.recv(m, m.data_ptr(), static_cast<size_t>(m.numel()) * sizeof(int64_t), 0, kTag, g.ps());
  p.wait(op);
  const int64_t* h = m.data<int64_t>();
  if (h[0] == kStop) {
    stopped_ = true;
    return false;
  }
  if (h[0] != kWeights)
    g.fail(std::string(op) + ": the server sent a message of kind " + std::to_string(h[0]) +
           " where weights were expected");
  version_ = h[1];
  unpack_weights(m);
  fetched_ = true;
  return true;
}

void ParameterServer::push() {
  const char* op = "ParameterServer::push";
  if (is_server()) throw Error("ParameterServer::push: rank 0 is the server; it calls serve()");
  if (!fetched_)
    throw Error(
        "ParameterServer::push: call fetch() first (a gradient is computed on the fetched "
        "weights)");
  MpiGroup& g = MpiGroup::get();
  g.check_usable(op);
  Tensor m = pack(kGradient, version_, true);
  Pending p;
  p.send(m, m.data_ptr(), static_cast<size_t>(m.numel()) * sizeof(int64_t), 0, kTag, g.ps());
  p.wait(op);
  fetched_ = false;
  ++pushes_;
}

}  // namespace xgrad::distributed
