// Turning a task head's logits into a prediction: probabilities, label, entropy or a score.
#pragma once

#include <span>

#include "edgemt/engine.h"
#include "formats/config.h"

namespace edgemt {

// Entropy in nats of softmax(z): logsumexp(z) − Σ softmax(z)ᵢ zᵢ (ALGORITHMS.md §3).
float entropy_from_logits(std::span<const float> z);

// logits [C] → label, probs, entropy (classification) or score (regression, C = 1).
Prediction head_prediction(const AlbertConfig& config, std::span<const float> logits);

}  // namespace edgemt
