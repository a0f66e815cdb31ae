// Host staging of device tensors for backends that reach host memory only.
#include "distributed/staging.hpp"

#include "xgrad/autograd/graph.hpp"

namespace xgrad::distributed::detail {

namespace {
// Copies the host result into the device tensor (bumping its version, as any in-place op).
void copy_back(const Tensor& device_tensor, const Tensor& host) {
  NoGradGuard no_grad;
  Tensor target = device_tensor;
  target.copy_(host);
}
}  // namespace

Tensor StagedBackend::to_host(const Tensor& t) {
  NoGradGuard no_grad;
  return t.device().is_cpu() ? t.detach().clone() : t.detach().to(kCPU);
}

std::unique_ptr<Work> StagedBackend::all_reduce(const Tensor& t, ReduceOp op, const char* what) {
  Tensor host = to_host(t);
  auto work = host_.all_reduce(host, op, what);
  work->then([t, host] { copy_back(t, host); });
  return work;
}

std::unique_ptr<Work> StagedBackend::broadcast(const Tensor& t, int root, const char* what) {
  Tensor host = to_host(t);
  auto work = host_.broadcast(host, root, what);
  work->then([t, host] { copy_back(t, host); });
  return work;
}

std::unique_ptr<Work> StagedBackend::all_gather(const Tensor& in, const Tensor& out,
                                                const char* what) {
  Tensor host_in = to_host(in), host_out = empty(out.shape(), out.dtype());
  auto work = host_.all_gather(host_in, host_out, what);
  work->then([out, host_out] { copy_back(out, host_out); });
  return work;
}

std::unique_ptr<Work> StagedBackend::reduce_scatter(const Tensor& in, const Tensor& out,
                                                    ReduceOp op, const char* what) {
  Tensor host_in = to_host(in), host_out = empty(out.shape(), out.dtype());
  auto work = host_.reduce_scatter(host_in, host_out, op, what);
  work->then([out, host_out] { copy_back(out, host_out); });
  return work;
}

}  // namespace xgrad::distributed::detail
