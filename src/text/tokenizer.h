// ALBERT tokeniser with Hugging Face fast-tokenizer semantics (transformers 5.x, tokenizers 0.23)
// over a SentencePiece unigram model: added tokens, normaliser, pre-tokeniser, Viterbi, template.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "text/normalizer.h"

namespace edgemt::text {

struct TokenizerOptions {
  bool lowercase = true;
  bool keep_accents = false;
};

// One sequence (or pair) ready for the model.
struct Encoding {
  std::vector<int32_t> ids;         // [T]  [CLS] A [SEP] (B [SEP])
  std::vector<int32_t> type_ids;    // [T]  0 up to and including the first [SEP], 1 after
  std::vector<std::string> tokens;  // [T]  pieces as HF convert_ids_to_tokens prints them
};

class Tokenizer {
 public:
  // Loads a SentencePiece model file; throws edgemt::Error
  // "<path>: cannot load SentencePiece model: <why>" when missing or corrupt, and names the file
  // when the [CLS] or [SEP] piece is missing.
  explicit Tokenizer(const std::filesystem::path& spiece_model, TokenizerOptions options = {});

  // Pieces of one text, no specials. Throws edgemt::Error("text is not valid UTF-8 (byte offset N)").
  std::vector<int32_t> tokenize(std::string_view text) const;

  // [CLS] A [SEP] (B [SEP]) truncated "longest first" (as HF tokenizers) so that
  // ids.size() <= max_length; max_length must be >= 2 (single) or >= 3 (pair). An empty
  // text_pair counts as no pair, as transformers treats a falsy pair.
  Encoding encode(std::string_view text, std::optional<std::string_view> text_pair, size_t max_length) const;

  // Ids of <pad>, <unk>, [CLS], [SEP], [MASK]; -1 for <pad> or [MASK] when the model lacks them.
  int32_t pad_id() const { return pad_id_; }
  int32_t unk_id() const { return unk_id_; }
  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }
  int32_t mask_id() const { return mask_id_; }

  size_t vocab_size() const { return pieces_.size(); }
  // The piece text of `id`; throws edgemt::Error when id is outside [0, vocab_size).
  std::string piece(int32_t id) const;

 private:
  // tokenize(), but stops right after the first pre-token that leaves ids with >= limit pieces
  // (HF only checks after running the model, never after an added token).
  std::vector<int32_t> tokenize_up_to(std::string_view text, size_t limit) const;
  // Normalise, pre-tokenise and Viterbi-segment text that holds no added token; sets `stopped`
  // when the limit is reached.
  void encode_segment(std::string_view raw, size_t limit, bool& stopped, std::vector<int32_t>& ids) const;
  // Best unigram segmentation of one pre-token, unknown runs fused into one unk id.
  void viterbi(std::string_view word, std::vector<int32_t>& ids) const;

  NormalizerOptions normalizer_options_;
  PrecompiledCharsMap charsmap_;
  std::vector<std::string> pieces_;  // [V]
  std::vector<double> scores_;       // [V] log-probabilities (HF keeps them as f64)
  double unk_score_ = 0;             // min score - 10, as SentencePiece and HF
  // Byte trie over every piece (HF's Unigram matches control and user pieces too).
  std::unordered_map<uint64_t, int32_t> trie_edges_;  // (node << 8 | byte) -> child node
  std::vector<int32_t> trie_piece_;                   // node -> piece id or -1
  // Control and user-defined pieces plus <pad> <unk> [CLS] [SEP] [MASK], matched on the raw text
  // before normalising, longest first (HF's AddedVocabulary, leftmost-longest).
  std::vector<std::pair<std::string, int32_t>> added_tokens_;
  int32_t pad_id_ = -1, unk_id_ = -1, cls_id_ = -1, sep_id_ = -1, mask_id_ = -1;
};

}  // namespace edgemt::text
