// Task heads: pooler + classifier over the [CLS] rows, and turning logits into a prediction.
#pragma once

#include <span>
#include <vector>

#include "edgemt/engine.h"
#include "model/weights.h"

namespace edgemt {

// Entropy in nats of softmax(z): logsumexp(z) − Σ softmax(z)ᵢ zᵢ (ALGORITHMS.md §3).
float entropy_from_logits(std::span<const float> z);

// cls [B, H] → logits [B, C] = classifier(tanh(pooler(cls))).
std::vector<float> task_logits(const LinearW& pooler, const LinearW& classifier, std::span<const float> cls, int B);

// logits [C] → label, probs, entropy (classification) or score (regression, C = 1).
Prediction head_prediction(const TaskInfo& task, std::span<const float> logits);

}  // namespace edgemt
