// Pretraining examples from a shard, drawn fresh every step (dynamic masking): sentence-order
// prediction pairs (ALBERT: two consecutive segments of one document, swapped with p = 0.5) and
// masked-LM n-gram masking (15 % of the tokens, n ≤ 3 with p(n) ∝ 1/n; 80 % [MASK], 10 % random, 10 % kept).
// Plain vectors, no torch: the trainer turns a batch into tensors.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "train/shard.h"

namespace edgemt::train {

using Rng = std::mt19937_64;  // its text form (operator<<) is what checkpoints store

struct SopPair {
  std::vector<int32_t> a, b;  // segment A then B as the model sees them
  bool swapped = false;       // sentence-order label: 1 = swapped
  size_t document = 0;
};

// A random pair of consecutive segments of one document with a.size() + b.size() <= max_tokens
// (the longer one is cut at its end). Needs a document with at least two tokens.
SopPair sample_sop_pair(const Shard& shard, size_t max_tokens, Rng& rng);

struct MaskingOptions {
  double mask_prob = 0.15;
  int max_ngram = 3;
  int max_predictions = 20;  // per sequence (ALBERT: 20 at 128 tokens)
};

struct MaskedSequence {
  std::vector<int32_t> ids;       // [T] [CLS] A [SEP] B [SEP], masked
  std::vector<int32_t> type_ids;  // [T]
  std::vector<int32_t> labels;    // [T] original id where masked, -100 elsewhere
};

// Assembles [CLS] A [SEP] B [SEP] and masks round(mask_prob · #pieces) pieces (at least 1, at most
// max_predictions) in n-gram spans; specials are never masked. Replacement ids are drawn uniformly
// from the non-special ids of [0, vocab_size).
MaskedSequence mask_pair(const SopPair& pair, const SpecialIds& specials, uint32_t vocab_size,
                         const MaskingOptions& options, Rng& rng);

inline constexpr int32_t kIgnoreLabel = -100;

struct PretrainBatch {
  int64_t batch = 0, seq = 0;           // B, T
  std::vector<int64_t> ids;             // [B, T] padded with pad_id
  std::vector<int64_t> type_ids;        // [B, T]
  std::vector<int64_t> attention_mask;  // [B, T] 1 = real token
  std::vector<int64_t> mlm_labels;      // [B, T] kIgnoreLabel where not masked
  std::vector<int64_t> sop_labels;      // [B]
  int64_t real_tokens = 0;              // Σ mask
};

// B fresh examples of at most `seq` tokens (seq >= 5: [CLS] a [SEP] b [SEP]).
PretrainBatch make_batch(const Shard& shard, int batch, int seq, const MaskingOptions& options, Rng& rng);

}  // namespace edgemt::train
