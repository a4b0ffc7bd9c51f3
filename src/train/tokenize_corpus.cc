// Corpus → shard: stream lines, blank line = end of document, one tokenizer call per line.
#include "train/tokenize_corpus.h"

#include <fstream>

#include "core/error.h"

namespace edgemt::train {

namespace {

bool is_blank(const std::string& line) { return line.find_first_not_of(" \t\r\f\v") == std::string::npos; }

}  // namespace

Shard tokenize_corpus(const std::filesystem::path& corpus, const text::Tokenizer& tokenizer,
                      const std::function<void(const TokenizeStats&)>& progress, TokenizeStats* stats_out) {
  std::ifstream in(corpus, std::ios::binary);
  if (!in) throw Error(corpus.string() + ": cannot open corpus");
  const SpecialIds specials{.pad = tokenizer.pad_id(),
                            .unk = tokenizer.unk_id(),
                            .cls = tokenizer.cls_id(),
                            .sep = tokenizer.sep_id(),
                            .mask = tokenizer.mask_id()};
  ShardBuilder builder(static_cast<uint32_t>(tokenizer.vocab_size()), specials);
  TokenizeStats st;
  constexpr uint64_t kProgressBytes = 8u << 20;
  uint64_t next_report = kProgressBytes;
  bool doc_open = false;
  std::string line;
  while (std::getline(in, line)) {
    st.bytes += line.size() + 1;
    ++st.lines;
    if (is_blank(line)) {
      if (doc_open) ++st.documents;
      builder.end_document();
      doc_open = false;
      continue;
    }
    std::vector<int32_t> ids;
    try {
      ids = tokenizer.tokenize(line);
    } catch (const Error& e) {
      throw Error(corpus.string() + ":" + std::to_string(st.lines) + ": " + e.what());
    }
    if (ids.empty()) continue;
    builder.add_sentence(ids);
    doc_open = true;
    ++st.sentences;
    st.tokens += ids.size();
    if (progress && st.bytes >= next_report) {
      progress(st);
      next_report += kProgressBytes;
    }
  }
  if (doc_open) ++st.documents;
  if (st.tokens == 0) throw Error(corpus.string() + ": corpus is empty (no line yields a token)");
  if (progress) progress(st);
  if (stats_out) *stats_out = st;
  return builder.finish();
}

}  // namespace edgemt::train
