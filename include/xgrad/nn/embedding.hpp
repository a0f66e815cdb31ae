// Embedding, as torch.nn.Embedding: a table weight [num_embeddings, embedding_dim] (drawn from
// N(0, 1)) looked up at int64 indices. The row padding_idx starts at zero and gets no gradient.
#pragma once

#include <optional>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

struct EmbeddingOptions {
  std::optional<int64_t> padding_idx;  // negative counts from the end
  Dtype dtype = kFloat32;
  Device device = {};
};

class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {});
  Tensor forward(const Tensor& indices) override;
  void reset_parameters();
  std::string extra_repr() const override;
  const int64_t num_embeddings, embedding_dim;
  const std::optional<int64_t> padding_idx;  // made non-negative
  Tensor& weight;                            // [num_embeddings, embedding_dim]
};

class Embedding : public ModuleHolder<EmbeddingImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {})
      : ModuleHolder(
            std::make_shared<EmbeddingImpl>(num_embeddings, embedding_dim, std::move(options))) {}
};

}  // namespace xgrad::nn
