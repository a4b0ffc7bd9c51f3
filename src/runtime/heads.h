// Task heads: pooler + classifier over the [CLS] rows, and turning logits into a prediction.
#pragma once

#include <span>
#include <vector>

#include "edgemt/engine.h"
#include "model/weights.h"

namespace edgemt {

// Entropy in nats of softmax(z): logsumexp(z) − Σ softmax(z)ᵢ zᵢ (ALGORITHMS.md §3).
float entropy_from_logits(std::span<const float> z);

struct HeadOutput {
  std::vector<float> pooled;  // [B, H] tanh(pooler(cls))
  std::vector<float> logits;  // [B, C] classifier(pooled)
};

// A task head over the [CLS] rows cls [B, H].
HeadOutput apply_head(const LinearW& pooler, const LinearW& classifier, std::span<const float> cls, int B);

// logits [C] → label, probs, entropy (classification) or score (regression, C = 1).
Prediction head_prediction(const TaskInfo& task, std::span<const float> logits);

}  // namespace edgemt
