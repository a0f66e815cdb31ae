// The state behind a Tensor handle. Internal: kernels and ops use it; users see Tensor.
#pragma once

#include <memory>

#include "xgrad/autograd/graph.hpp"

namespace xgrad {

// Raw bytes on one device, shared by a tensor and its views, with the version counter that
// in-place ops bump.
struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  Device device;
  uint32_t version = 0;

  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device);
  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();
};

// What only a leaf that requires grad carries, made on first use: most tensors (every op's
// output) never need it, and a graph keeps many outputs alive.
struct LeafState {
  std::weak_ptr<Node> grad_accumulator;
  std::vector<GradHook> hooks;  // run on the gradient before it accumulates
  std::vector<std::function<void(const Tensor&)>> post_accumulate_hooks;  // after it
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  int64_t numel = 0;
  Dtype dtype = kFloat32;
  bool requires_grad = false;
  bool is_view = false;  // shares storage with the tensor it was reshaped from
  bool retains_grad = false;
  uint32_t output_nr = 0;
  std::shared_ptr<Node> grad_fn;
  Tensor grad;
  std::unique_ptr<LeafState> leaf_state;

  LeafState& leaf() {
    if (!leaf_state) leaf_state = std::make_unique<LeafState>();
    return *leaf_state;
  }
  TensorImpl() = default;
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;
  ~TensorImpl();

  void* data() const { return storage->data; }
  Device device() const { return storage->device; }
};

// A fresh, uninitialized tensor.
Tensor make_tensor(const Shape& shape, Dtype dtype, Device device);
// A new handle on the same storage with another shape (numel must agree).
Tensor alias_with_shape(const Tensor& t, const Shape& shape);
// The tensor's bytes on the host (a copy from a device; the storage itself on the CPU).
std::vector<char> host_bytes(const Tensor& t);

}  // namespace xgrad
