// The ALBERT forward pass (HF semantics): embeddings, E→H projection, shared layer groups applied
// in a plain loop (with a task's adapters when given), pooler, classifier and MLM heads. Packs a batch
// of different lengths into rows.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "formats/config.h"
#include "model/adapters.h"
#include "model/weights.h"

namespace edgemt {

struct Sequence {
  std::vector<int32_t> ids;       // [T]
  std::vector<int32_t> type_ids;  // [T]
  std::vector<uint8_t> mask;      // [T] attention mask (1 = real token); empty = all ones
};

struct ForwardOptions {
  bool keep_hidden_states = false;  // hidden.0 … hidden.L
  bool mlm = false;                 // compute mlm_logits (needs an MLM head)
  // A task's adapters and LayerNorms (docs/formats.md "Task packs with adapters"); nullptr: the
  // backbone alone. Must have been loaded for this model's config.
  const TaskAdapters* adapters = nullptr;
};

struct ForwardOutput {
  std::vector<int> offsets;                       // [B] first row of each sequence
  std::vector<std::vector<float>> hidden_states;  // [L+1][N, H] when kept
  std::vector<float> last_hidden;                 // [N, H]
  std::vector<float> pooled;                      // [B, H] when there is a pooler
  std::vector<float> logits;                      // [B, C] when there is a classifier
  std::vector<float> mlm_logits;                  // [N, V] when asked for
};

class AlbertModel {
 public:
  AlbertModel(const AlbertConfig& config, const AlbertWeights& weights) : c_(config), w_(weights) {}

  // Thread-safe: all scratch is local. Throws edgemt::Error on ids outside the vocabulary,
  // token types outside type_vocab_size, or sequences longer than max_position_embeddings.
  ForwardOutput forward(std::span<const Sequence> batch, ForwardOptions options = {}) const;

  const AlbertConfig& config() const { return c_; }
  const AlbertWeights& weights() const { return w_; }

 private:
  void validate(std::span<const Sequence> batch) const;
  void embed(std::span<const Sequence> batch, std::vector<float>& h) const;

  const AlbertConfig& c_;
  const AlbertWeights& w_;
};

}  // namespace edgemt
