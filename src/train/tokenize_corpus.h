// `edgemt train tokenize`: a plain-text corpus (documents separated by blank lines, one sentence or
// paragraph per line) → a pre-tokenised shard, with our ALBERT tokenizer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "text/tokenizer.h"
#include "train/shard.h"

namespace edgemt::train {

struct TokenizeStats {
  uint64_t bytes = 0, lines = 0, documents = 0, sentences = 0, tokens = 0;
};

// Tokenises every non-blank line; lines that yield no piece are skipped. Throws edgemt::Error naming
// the file and line on invalid UTF-8, and when the corpus holds no token at all. `progress` (may be
// empty) is called every few MB of input with the running counts.
Shard tokenize_corpus(const std::filesystem::path& corpus, const text::Tokenizer& tokenizer,
                      const std::function<void(const TokenizeStats&)>& progress, TokenizeStats* stats = nullptr);

}  // namespace edgemt::train
