// ALBERT text normalisation and pre-tokenisation as the Hugging Face fast tokenizer does it:
// quote replacement, NFKD + mark stripping, lowercasing, the model's SentencePiece charsmap,
// then whitespace split with a "▁" in front of every word.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgemt::text {

struct NormalizerOptions {
  bool lowercase = true;
  bool keep_accents = false;
};

// "``" and "''" → '"'; unless keep_accents, NFKD then drop every code point of general category
// M (Mn, Mc, Me); if lowercase, full lowercase one code point at a time (no context, so a final
// capital sigma becomes σ as in Rust's char::to_lowercase). `text` must be valid UTF-8.
std::string normalize_albert(std::string_view text, NormalizerOptions options);

// A SentencePiece precompiled_charsmap (the "nmt_nfkc" rules baked into a model): a Darts
// double-array trie over UTF-8 keys plus a blob of NUL-terminated replacements.
class PrecompiledCharsMap {
 public:
  // An empty blob means "no rules" (models trained with the identity normaliser).
  // Throws edgemt::Error when the blob is malformed.
  explicit PrecompiledCharsMap(std::string_view blob = {});

  // Applies the rules the way HF tokenizers' Precompiled normaliser does (which differs from
  // SentencePiece's leftmost-longest rewrite): per extended grapheme cluster shorter than 6
  // bytes, the shortest rule matching a prefix replaces the whole cluster; otherwise each code
  // point is rewritten on its own. `text` must be valid UTF-8.
  std::string apply(std::string_view text) const;

  bool empty() const { return units_.empty(); }

 private:
  // Replacement of the shortest rule that is a prefix of `key`, or nullptr.
  const char* shortest_prefix_rule(std::string_view key) const;

  std::vector<uint32_t> units_;  // Darts double-array units
  std::string replacements_;     // NUL-separated rewrite strings indexed by unit values
};

// Unicode White_Space split then Metaspace("▁", prepend always, split): each word gets "▁" in
// front unless it already starts with one, and is cut before every further "▁".
// Returns the pre-tokens in order; empty for blank text.
std::vector<std::string> pre_tokenize(std::string_view normalized);

}  // namespace edgemt::text
