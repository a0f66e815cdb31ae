/// \file
/// Embedding, as torch.nn.Embedding: a table weight [num_embeddings, embedding_dim] (drawn from
/// N(0, 1)) looked up at int64 indices. The row padding_idx starts at zero and gets no gradient.
#pragma once

#include <optional>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Options of Embedding.
struct EmbeddingOptions {
  std::optional<int64_t> padding_idx;  ///< negative counts from the end
  Dtype dtype = kFloat32;  ///< Dtype of the table.
  Device device = {};  ///< Device of the table.
};

/// The lookup table (see the file's description); use it through nn::Embedding.
class EmbeddingImpl : public Module {
 public:
  /// A table of `num_embeddings` rows of `embedding_dim`; throws xgrad::Error for a non-positive
  /// size or a padding_idx out of range.
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {});
  Tensor forward(const Tensor& indices) override;
  /// Draws the table again from N(0, 1), with the padding_idx row zero.
  void reset_parameters();
  std::string extra_repr() const override;
  /// Number of rows and their length.
  ///@{
  const int64_t num_embeddings, embedding_dim;
  ///@}
  const std::optional<int64_t> padding_idx;  ///< made non-negative
  Tensor& weight;                            ///< [num_embeddings, embedding_dim]
};

/// Handle of EmbeddingImpl: `nn::Embedding(10000, 16)`.
class Embedding : public ModuleHolder<EmbeddingImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  /// \copydoc EmbeddingImpl::EmbeddingImpl
  Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {})
      : ModuleHolder(
            std::make_shared<EmbeddingImpl>(num_embeddings, embedding_dim, std::move(options))) {}
};

}  // namespace xgrad::nn
