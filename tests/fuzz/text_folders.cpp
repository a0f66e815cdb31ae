// libFuzzer harness: the IMDB folder layout (DIR/neg/*.txt, DIR/pos/*.txt) through
// read_text_folders, then what the IMDB lesson does with it: tokenize, a vocabulary, multi-hot
// rows. The input's parts (separated by "\n====\n") become files, neg and pos in turn; an input
// that starts with '!' leaves the pos folder out.
#include "fuzz_util.hpp"
#include "xgrad/data/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const bool no_pos = !in.empty() && in[0] == '!';
  const auto root = xgrad_fuzz::scratch() / "imdb";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "neg");
  if (!no_pos) std::filesystem::create_directories(root / "pos");
  auto parts = xgrad_fuzz::split(in, "\n====\n");
  for (size_t i = 0; i < parts.size() && i < 64; ++i)
    xgrad_fuzz::write("imdb/" + std::string(i % 2 || no_pos ? "neg" : "pos") + "/" +
                          std::to_string(i) + ".txt",
                      parts[i]);
  xgrad_fuzz::expect_success_or_error([&] {
    xgrad::data::TextSet set = xgrad::data::read_text_folders(root.string());
    std::vector<std::vector<std::string>> docs;
    for (auto& t : set.texts) docs.push_back(xgrad::data::tokenize(t));
    auto vocab = xgrad::data::Vocabulary::build(docs, 50);
    std::vector<std::vector<int64_t>> seqs;
    for (auto& d : docs) seqs.push_back(vocab.encode(d));
    xgrad::data::multi_hot(seqs, vocab.size());
  });
  return 0;
}
