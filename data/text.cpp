#include "xgrad/data/text.hpp"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "xgrad/data/files.hpp"

namespace xgrad::data {

namespace fs = std::filesystem;

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    size_t a = cur.find_first_not_of('\''), b = cur.find_last_not_of('\'');
    if (a != std::string::npos) words.push_back(cur.substr(a, b - a + 1));
    cur.clear();
  };
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || c == '\'') {
      cur += c;
    } else if (c >= 'A' && c <= 'Z') {
      cur += static_cast<char>(c - 'A' + 'a');
    } else if (!cur.empty()) {
      flush();
    }
  }
  if (!cur.empty()) flush();
  return words;
}

Vocabulary Vocabulary::build(const std::vector<std::vector<std::string>>& documents,
                             int64_t max_words) {
  if (max_words < 1)
    throw Error("Vocabulary::build: max_words must be at least 1, got " +
                std::to_string(max_words));
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& doc : documents)
    for (const auto& w : doc) ++counts[w];
  std::vector<std::pair<std::string, int64_t>> ranked(counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (static_cast<int64_t>(ranked.size()) > max_words)
    ranked.resize(static_cast<size_t>(max_words));
  Vocabulary v;
  for (auto& [w, n] : ranked) {
    v.index_[w] = static_cast<int64_t>(v.words_.size());
    v.words_.push_back(w);
  }
  return v;
}

int64_t Vocabulary::index(const std::string& word) const {
  auto it = index_.find(word);
  return it == index_.end() ? -1 : it->second;
}

const std::string& Vocabulary::word(int64_t i) const {
  if (i < 0 || i >= size())
    throw Error("Vocabulary::word: index " + std::to_string(i) + " outside [0, " +
                std::to_string(size()) + ")");
  return words_[static_cast<size_t>(i)];
}

std::vector<int64_t> Vocabulary::encode(const std::vector<std::string>& tokens) const {
  std::vector<int64_t> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens)
    if (int64_t i = index(t); i >= 0) out.push_back(i);
  return out;
}

Tensor multi_hot(const std::vector<std::vector<int64_t>>& sequences, int64_t dim) {
  if (dim < 1) throw Error("multi_hot: dim must be at least 1, got " + std::to_string(dim));
  const int64_t n = static_cast<int64_t>(sequences.size());
  std::vector<float> rows(static_cast<size_t>(n * dim), 0.0f);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i : sequences[r]) {
      if (i < 0 || i >= dim)
        throw Error("multi_hot: sequence " + std::to_string(r) + " holds index " +
                    std::to_string(i) + ", outside [0, " + std::to_string(dim) + ")");
      rows[static_cast<size_t>(r * dim + i)] = 1.0f;
    }
  return from_vector(rows, Shape{n, dim}, kFloat32);
}

TextSet read_text_folders(const std::string& dir) {
  TextSet set;
  for (auto [name, label] : {std::pair{"neg", 0}, std::pair{"pos", 1}}) {
    fs::path folder = fs::path(dir) / name;
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
      throw Error("read_text_folders: '" + folder.string() +
                  "' is not a folder (expected DIR/pos and DIR/neg holding *.txt files)");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(folder))
      if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      set.texts.push_back(read_file(f.string()));
      set.labels.push_back(label);
    }
  }
  return set;
}

}  // namespace xgrad::data
