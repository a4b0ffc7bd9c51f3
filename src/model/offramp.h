// EdgeBERT off-ramps (ALGORITHMS.md §3): a small classifier after some layers that reads the [CLS]
// row, so a sentence whose prediction is already certain can leave the encoder. Typed weights, their
// loading by name (offramps.{l}.*) and the batched ramp. Format: docs/formats.md "Early exit".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "formats/config.h"
#include "formats/safetensors.h"
#include "model/weights.h"

namespace edgemt {

enum class OffRampKind {
  Full,   // EdgeBERT: tanh(pooler(h₀)) then classifier
  Light,  // edgemt: LayerNorm(h₀) with the ramp's own γ, β then classifier
};

struct OffRampW {
  LinearW pooler;      // [H, H] full only
  NormW norm;          // [H] light only
  LinearW classifier;  // [C, H]
};

struct OffRamps {
  OffRampKind kind = OffRampKind::Light;
  std::vector<std::optional<OffRampW>> after;  // [L]: after[l − 1] runs after layer l (1-based)

  const OffRampW* at(int l) const {
    return l >= 1 && l <= static_cast<int>(after.size()) && after[static_cast<size_t>(l - 1)]
               ? &*after[static_cast<size_t>(l - 1)]
               : nullptr;
  }
};

// Reads offramps.{l}.* for every l in `layers` (1-based) from `f`, for C classes, and adds the names
// read to `used`. Throws edgemt::Error naming the file and tensor when one is missing or misshaped.
OffRamps load_offramps(const SafetensorsFile& f, OffRampKind kind, const std::vector<int>& layers, int C,
                       const AlbertConfig& c, std::vector<std::unique_ptr<float[]>>& owned,
                       std::set<std::string>& used);

// cls [B, H] → logits [B, C] through ramp r; eps = layer_norm_eps (light ramps).
void apply_offramp(const OffRampW& r, OffRampKind kind, const float* cls, int B, int H, float eps, float* logits);

// What the forward pass needs to exit early (ALGORITHMS.md §3–4).
struct EarlyExit {
  const OffRamps* ramps = nullptr;    // the task's off-ramps
  float threshold = 0.0f;             // nats > 0: exit after layer l when entropy(l) < threshold
  int predict_after = 0;              // p: layer whose entropy predicts the exit layer; 0: no prediction
  std::function<int(float)> predict;  // entropy after layer p → predicted exit layer L̂ in (p, L]
  bool exit_at_predicted = false;     // latency-bounded: exit at L̂ at the latest
};

}  // namespace edgemt
