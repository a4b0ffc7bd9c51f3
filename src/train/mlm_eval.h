// Masked-LM accuracy of a model directory on held-out text, measured by the engine: sequences drawn
// from a shard as pretraining draws them (ALBERT n-gram masking, fixed seed), every masked piece
// predicted by the MLM head. TRAINING.md reports it for the committed backbone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "model/albert.h"
#include "train/pretrain_data.h"
#include "train/shard.h"

namespace edgemt::train {

struct MlmEvalResult {
  size_t sequences = 0;
  size_t masked = 0;         // pieces predicted
  double accuracy = 0;       // top-1 over masked pieces
  double loss = 0;           // mean cross-entropy (nats) over masked pieces
};

// `sequences` pairs of at most `seq` tokens; the same seed gives the same masked sequences.
// Throws edgemt::Error when the model has no MLM head or the shard's vocabulary differs.
MlmEvalResult evaluate_mlm(const AlbertModel& model, const Shard& heldout, int sequences, int seq, uint64_t seed,
                           const std::function<void(size_t done)>& progress = {});

}  // namespace edgemt::train
