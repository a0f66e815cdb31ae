#include "xgrad/nn/embedding.hpp"

#include "xgrad/autograd/grad_mode.hpp"
#include "xgrad/nn/functional.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {
namespace {

std::optional<int64_t> checked_padding(int64_t num, int64_t dim, std::optional<int64_t> p) {
  if (num <= 0 || dim <= 0)
    throw Error("Embedding: num_embeddings and embedding_dim must be positive, got " +
                std::to_string(num) + " and " + std::to_string(dim));
  if (!p) return p;
  if (*p < -num || *p >= num)
    throw Error("Embedding: padding_idx " + std::to_string(*p) + " is out of range for " +
                std::to_string(num) + " embeddings");
  return *p < 0 ? *p + num : *p;
}

}  // namespace

EmbeddingImpl::EmbeddingImpl(int64_t num, int64_t dim, EmbeddingOptions opt)
    : Module("Embedding"),
      num_embeddings(num),
      embedding_dim(dim),
      padding_idx(checked_padding(num, dim, opt.padding_idx)),
      weight(
          register_parameter("weight", empty({num, dim}, TensorOptions{opt.dtype, opt.device}))) {
  reset_parameters();
}

void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (padding_idx) {
    NoGradGuard no_grad;
    std::vector<double> keep(num_embeddings, 1.0);
    keep[*padding_idx] = 0.0;
    Tensor w = weight.detach();
    w.mul_(tensor(keep, {num_embeddings, 1}, TensorOptions{w.dtype(), w.device()}));
  }
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  return functional::embedding(indices, weight, padding_idx);
}

std::string EmbeddingImpl::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s;
}

}  // namespace xgrad::nn
