// The ALBERT forward pass (HF semantics): embeddings, E→H projection, shared layer groups applied
// in a plain loop (with a task's adapters when given), pooler, classifier and MLM heads. Packs a batch
// of different lengths into rows.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "formats/config.h"
#include "model/adapters.h"
#include "model/offramp.h"
#include "model/weights.h"

namespace edgemt {

struct Sequence {
  std::vector<int32_t> ids;       // [T]
  std::vector<int32_t> type_ids;  // [T]
  std::vector<uint8_t> mask;      // [T] attention mask (1 = real token); empty = all ones
};

// Adaptive attention spans of a task (ALGORITHMS.md §5, docs/formats.md "Attention spans").
struct AttentionSpans {
  float ramp = 0.0f;     // R in tokens, > 0
  int heads = 0;         // NH
  bool shared = false;   // one set of spans for every layer application
  std::vector<float> z;  // [A, NH] span z_h ≥ 0 (tokens) per head of each layer application; A = 1 when shared

  const float* at(int l) const { return z.data() + (shared ? 0 : static_cast<size_t>(l) * heads); }  // [NH]
};

struct ForwardOptions {
  bool keep_hidden_states = false;  // hidden.0 … hidden.L
  bool mlm = false;                 // compute mlm_logits (needs an MLM head)
  // A task's adapters and LayerNorms (docs/formats.md "Task packs with adapters"); nullptr: the
  // backbone alone. Must have been loaded for this model's config.
  const TaskAdapters* adapters = nullptr;
  const AttentionSpans* spans = nullptr;  // nullptr: full attention
  // A task's off-ramps and exit rule; nullptr: every sequence runs all L layers. A sequence that
  // exits leaves the packed batch: later layers run on fewer rows. Not with keep_hidden_states.
  const EarlyExit* early_exit = nullptr;
};

struct ForwardOutput {
  std::vector<int> offsets;                       // [B] first row of each sequence
  std::vector<std::vector<float>> hidden_states;  // [L+1][N, H] when kept
  std::vector<float> last_hidden;                 // [N, H]; an exited sequence's rows: its last layer run
  std::vector<float> pooled;                      // [B, H] when there is a pooler
  std::vector<float> logits;                      // [B, C] when there is a classifier
  std::vector<float> mlm_logits;                  // [N, V] when asked for
  // Early exit (empty without it). A sequence that ran all L layers has exit_layer L and no exit
  // logits: its prediction is the task head's, on last_hidden.
  std::vector<int> exit_layer;                    // [B] layers run
  std::vector<int> predicted_exit_layer;          // [B] L̂; 0: not predicted
  std::vector<float> exit_logits;                 // [B, C] logits of the off-ramp a sequence left by
  std::vector<std::vector<float>> entropies;      // [B][layers run] nats; NaN where no off-ramp ran
  std::vector<std::vector<int>> ramp_labels;      // [B][layers run] argmax of each off-ramp; -1 where none ran
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
