// The MPI backend for CPU tensors: collectives scheduled by xgrad over MPI's nonblocking
// point-to-point calls, so that every wait is polled against a deadline and names the rank it waits
// for, and so that sums add the ranks' tensors in rank order (((x0 + x1) + x2) ...): bitwise the
// same on every rank and the same as that sum in one process.
//
// all_reduce: up to kDirectBytes every rank sends its tensor to every other and adds them all
// (one round trip, the fewest latencies for gradients of small nets); above, a reduce-scatter
// (rank b gathers block b of every rank's tensor and adds them in rank order) then an all-gather
// of the reduced blocks, which moves 2 (p - 1) / p of the tensor per rank, as a ring does.
#include "distributed/mpi_backend.hpp"

#include <algorithm>
#include <cstring>

#include "autograd/impl.hpp"
#include "distributed/mpi_group.hpp"

namespace xgrad::distributed::detail {

namespace {

constexpr size_t kDirectBytes = 64 * 1024;

// out[i] = src[0][i] + src[1][i] + ... in that order (or the maximum); `out` may be one of the
// sources (each element is read before it is written).
template <class T>
void combine(T* out, const std::vector<const T*>& src, int64_t n, bool max) {
  const size_t k = src.size();
  if (k == 1) {
    if (out != src[0]) std::memcpy(out, src[0], static_cast<size_t>(n) * sizeof(T));
    return;
  }
  if (k == 2) {
    const T* a = src[0];
    const T* b = src[1];
    if (max)
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] < b[i] ? b[i] : a[i];
    else
      for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
    return;
  }
  constexpr int64_t kChunk = 1024;  // a chunk accumulates in `acc`, so `out` may alias any source
  T acc[kChunk];
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t m = std::min(kChunk, n - start);
    for (int64_t i = 0; i < m; ++i) acc[i] = src[0][start + i];
    for (size_t s = 1; s < k; ++s) {
      const T* x = src[s] + start;
      if (max)
        for (int64_t i = 0; i < m; ++i) acc[i] = acc[i] < x[i] ? x[i] : acc[i];
      else
        for (int64_t i = 0; i < m; ++i) acc[i] += x[i];
    }
    std::memcpy(out + start, acc, static_cast<size_t>(m) * sizeof(T));
  }
}

// Combines `n` elements: the source of rank r is `own` for this rank, else slot r of `scratch`
// (slots hold the other ranks in rank order, each `n` long).
void combine_ranks(Dtype dtype, void* out, const void* own, const void* scratch, int64_t n,
                   int rank, int size, bool max) {
  auto run = [&](auto* typed_out) {
    using T = std::remove_pointer_t<decltype(typed_out)>;
    std::vector<const T*> src(static_cast<size_t>(size));
    int slot = 0;
    for (int r = 0; r < size; ++r)
      src[static_cast<size_t>(r)] =
          r == rank ? static_cast<const T*>(own)
                    : static_cast<const T*>(scratch) + static_cast<int64_t>(slot++) * n;
    combine(typed_out, src, n, max);
  };
  switch (dtype) {
    case kFloat32:
      return run(static_cast<float*>(out));
    case kFloat64:
      return run(static_cast<double*>(out));
    case kInt64:
      return run(static_cast<int64_t*>(out));
  }
}

// Block b of n elements split over p ranks: the first n % p blocks are one longer.
int64_t block_len(int64_t n, int p, int b) { return n / p + (b < n % p ? 1 : 0); }
int64_t block_off(int64_t n, int p, int b) { return b * (n / p) + std::min<int64_t>(b, n % p); }

char* bytes_at(const Tensor& t, int64_t element) {
  return static_cast<char*>(t.data_ptr()) + element * static_cast<int64_t>(element_size(t.dtype()));
}

// A collective as phases of transfers; advance() runs when a phase's transfers have completed.
class MpiWork : public Work {
 protected:
  explicit MpiWork(const char* what) : what_(what), group_(MpiGroup::get()) {
    group_.check_usable(what);
    seq_ = group_.next_seq();
  }
  // Does the local work after a phase and posts the next; true when the collective is done.
  virtual bool advance() = 0;

  bool poll() override {
    while (!finished_) {
      if (!pending_.test(what_.c_str())) return false;
      finished_ = advance();
    }
    return true;
  }
  void block_until_done() override {
    while (!poll()) pending_.wait(what_.c_str());
  }

  int tag(OpCode op, Dtype d) const { return group_.tag(seq_, op, d); }
  int rank() const { return group_.rank(); }
  int size() const { return group_.size(); }

  std::string what_;
  MpiGroup& group_;
  uint64_t seq_ = 0;
  Pending pending_;
  bool finished_ = false;
};

class AllReduce final : public MpiWork {
 public:
  AllReduce(const Tensor& t, ReduceOp op, const char* what)
      : MpiWork(what), t_(t), max_(op == ReduceOp::max) {
    const int64_t n = t.numel();
    const size_t es = element_size(t.dtype());
    MPI_Comm comm = group_.data();
    direct_ = static_cast<size_t>(n) * es <= kDirectBytes || n < size();
    if (direct_) {
      scratch_ = empty({(size() - 1) * n}, t.dtype());
      int slot = 0;
      for (int r = 0; r < size(); ++r) {
        if (r == rank()) continue;
        pending_.recv(scratch_, bytes_at(scratch_, slot++ * n), static_cast<size_t>(n) * es, r,
                      tag(OpCode::all_reduce, t.dtype()), comm);
        pending_.send(t_, t_.data_ptr(), static_cast<size_t>(n) * es, r,
                      tag(OpCode::all_reduce, t.dtype()), comm);
      }
      return;
    }
    const int64_t mine = block_len(n, size(), rank());
    scratch_ = empty({(size() - 1) * mine}, t.dtype());
    int slot = 0;
    for (int r = 0; r < size(); ++r) {
      if (r == rank()) continue;
      pending_.recv(scratch_, bytes_at(scratch_, slot++ * mine), static_cast<size_t>(mine) * es, r,
                    tag(OpCode::reduce_scatter_phase, t.dtype()), comm);
      pending_.send(t_, bytes_at(t_, block_off(n, size(), r)),
                    static_cast<size_t>(block_len(n, size(), r)) * es, r,
                    tag(OpCode::reduce_scatter_phase, t.dtype()), comm);
    }
  }

 private:
  bool advance() override {
    const int64_t n = t_.numel();
    if (direct_) {
      combine_ranks(t_.dtype(), t_.data_ptr(), t_.data_ptr(), scratch_.data_ptr(), n, rank(),
                    size(), max_);
      return true;
    }
    if (gathered_) return true;
    const size_t es = element_size(t_.dtype());
    const int64_t off = block_off(n, size(), rank()), len = block_len(n, size(), rank());
    combine_ranks(t_.dtype(), bytes_at(t_, off), bytes_at(t_, off), scratch_.data_ptr(), len,
                  rank(), size(), max_);
    MPI_Comm comm = group_.data();
    for (int r = 0; r < size(); ++r) {
      if (r == rank()) continue;
      pending_.recv(t_, bytes_at(t_, block_off(n, size(), r)),
                    static_cast<size_t>(block_len(n, size(), r)) * es, r,
                    tag(OpCode::all_gather_phase, t_.dtype()), comm);
      pending_.send(t_, bytes_at(t_, off), static_cast<size_t>(len) * es, r,
                    tag(OpCode::all_gather_phase, t_.dtype()), comm);
    }
    gathered_ = true;
    return false;
  }

  Tensor t_, scratch_;
  bool max_;
  bool direct_ = false, gathered_ = false;
};

// Binomial tree from the root: receive from the parent, then send to the children.
class Broadcast final : public MpiWork {
 public:
  Broadcast(const Tensor& t, int root, const char* what) : MpiWork(what), t_(t), root_(root) {
    const int vr = (rank() - root + size()) % size();
    mask_ = 1;
    while (mask_ < size()) {
      if (vr & mask_) {
        int parent = (rank() - mask_ + size()) % size();
        pending_.recv(t_, t_.data_ptr(), bytes(), parent, tag(OpCode::broadcast, t.dtype()),
                      group_.data());
        break;
      }
      mask_ <<= 1;
    }
  }

 private:
  size_t bytes() const { return static_cast<size_t>(t_.numel()) * element_size(t_.dtype()); }
  bool advance() override {
    if (sent_) return true;
    const int vr = (rank() - root_ + size()) % size();
    for (int mask = mask_ >> 1; mask > 0; mask >>= 1)
      if (vr + mask < size())
        pending_.send(t_, t_.data_ptr(), bytes(), (rank() + mask) % size(),
                      tag(OpCode::broadcast, t_.dtype()), group_.data());
    sent_ = true;
    return false;
  }

  Tensor t_;
  int root_;
  int mask_ = 1;
  bool sent_ = false;
};

class AllGather final : public MpiWork {
 public:
  AllGather(const Tensor& in, const Tensor& out, const char* what)
      : MpiWork(what), in_(in), out_(out) {
    const int64_t n = in.numel();
    const size_t nbytes = static_cast<size_t>(n) * element_size(in.dtype());
    if (nbytes) std::memcpy(bytes_at(out_, rank() * n), in_.data_ptr(), nbytes);
    for (int r = 0; r < size(); ++r) {
      if (r == rank()) continue;
      pending_.recv(out_, bytes_at(out_, r * n), nbytes, r, tag(OpCode::all_gather, in.dtype()),
                    group_.data());
      pending_.send(in_, in_.data_ptr(), nbytes, r, tag(OpCode::all_gather, in.dtype()),
                    group_.data());
    }
  }

 private:
  bool advance() override { return true; }
  Tensor in_, out_;
};

class ReduceScatter final : public MpiWork {
 public:
  ReduceScatter(const Tensor& in, const Tensor& out, ReduceOp op, const char* what)
      : MpiWork(what), in_(in), out_(out), max_(op == ReduceOp::max) {
    const int64_t m = out.numel();
    const size_t es = element_size(in.dtype());
    scratch_ = empty({(size() - 1) * m}, in.dtype());
    int slot = 0;
    for (int r = 0; r < size(); ++r) {
      if (r == rank()) continue;
      pending_.recv(scratch_, bytes_at(scratch_, slot++ * m), static_cast<size_t>(m) * es, r,
                    tag(OpCode::reduce_scatter, in.dtype()), group_.data());
      pending_.send(in_, bytes_at(in_, r * m), static_cast<size_t>(m) * es, r,
                    tag(OpCode::reduce_scatter, in.dtype()), group_.data());
    }
  }

 private:
  bool advance() override {
    const int64_t m = out_.numel();
    combine_ranks(in_.dtype(), out_.data_ptr(), bytes_at(in_, rank() * m), scratch_.data_ptr(), m,
                  rank(), size(), max_);
    return true;
  }
  Tensor in_, out_, scratch_;
  bool max_;
};

class MpiBackend final : public Backend {
 public:
  std::string name() const override { return "mpi"; }
  std::unique_ptr<Work> all_reduce(const Tensor& t, ReduceOp op, const char* what) override {
    return std::make_unique<AllReduce>(t, op, what);
  }
  std::unique_ptr<Work> broadcast(const Tensor& t, int root, const char* what) override {
    return std::make_unique<Broadcast>(t, root, what);
  }
  std::unique_ptr<Work> all_gather(const Tensor& in, const Tensor& out, const char* what) override {
    return std::make_unique<AllGather>(in, out, what);
  }
  std::unique_ptr<Work> reduce_scatter(const Tensor& in, const Tensor& out, ReduceOp op,
                                       const char* what) override {
    return std::make_unique<ReduceScatter>(in, out, op, what);
  }
};

}  // namespace

std::unique_ptr<Backend> make_mpi_backend() { return std::make_unique<MpiBackend>(); }

void mpi_barrier(const char* what) {
  // Dissemination: in round k every rank signals rank + 2^k and waits for rank - 2^k.
  MpiGroup& g = MpiGroup::get();
  g.check_usable(what);
  const uint64_t seq = g.next_seq();
  for (int k = 1; k < g.size(); k <<= 1) {
    Pending p;
    int tag = g.tag(seq, OpCode::barrier, kFloat32);
    p.recv(Tensor(), nullptr, 0, (g.rank() - k + g.size()) % g.size(), tag, g.data());
    p.send(Tensor(), nullptr, 0, (g.rank() + k) % g.size(), tag, g.data());
    p.wait(what);
  }
}

}  // namespace xgrad::distributed::detail
