/// \file
/// Text classification inputs (the IMDB lesson): review folders, a tokenizer, a vocabulary of the
/// most frequent words, and multi-hot rows.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::data {

/// Lower-cased words made of ASCII letters and apostrophes; apostrophes at a word's ends are
/// dropped ("'Don't!'" -> "don't"). Everything else separates words.
std::vector<std::string> tokenize(std::string_view text);

/// Words and their indices, most frequent first (see build()).
class Vocabulary {
 public:
  Vocabulary() = default;
  /// The `max_words` most frequent words over all documents (total counts; equal counts in
  /// alphabetical order). Index 0 is the most frequent word.
  static Vocabulary build(const std::vector<std::vector<std::string>>& documents,
                          int64_t max_words);

  /// Number of words.
  int64_t size() const { return static_cast<int64_t>(words_.size()); }
  int64_t index(const std::string& word) const;  ///< -1 when not in the vocabulary
  /// The word at index `i`; throws xgrad::Error outside [0, size()).
  const std::string& word(int64_t i) const;
  std::vector<int64_t> encode(const std::vector<std::string>& tokens) const;  ///< unknown dropped

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, int64_t> index_;
};

/// float32 [n, dim]: row i has 1 at every index in sequences[i] (repeats count once).
Tensor multi_hot(const std::vector<std::vector<int64_t>>& sequences, int64_t dim);

/// Labelled documents.
struct TextSet {
  std::vector<std::string> texts;  ///< The documents.
  std::vector<int64_t> labels;  ///< Their labels (1 positive, 0 negative for read_text_folders).
};

/// The aclImdb layout: dir/pos/*.txt (label 1) and dir/neg/*.txt (label 0), each file one
/// document, in file-name order (neg first). Raises xgrad::Error when a folder is missing.
TextSet read_text_folders(const std::string& dir);

}  // namespace xgrad::data
