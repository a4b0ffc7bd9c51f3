// The exit-layer predictor of EdgeBERT (ALGORITHMS.md §4): a table indexed by the entropy after
// layer p that holds the predicted entropy of every later layer; the predicted exit layer L̂ is the
// first later layer (with an off-ramp, or L) whose predicted entropy is below the threshold.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgemt {

class ExitPredictor {
 public:
  // task.json "predictor": {"layer": p, "bins": n, "entropy": [[L − p values] × n]}; `ramp_layers` are the
  // task's off-ramp layers (p must be one), L the layer count. Throws edgemt::Error via `field`.
  ExitPredictor(const nlohmann::json& j, const std::function<std::string(const char*)>& field, int L,
                const std::vector<int>& ramp_layers);

  int layer() const { return p_; }
  int bins() const { return bins_; }
  // Bin of an entropy (nats): ⌊e · bins⌋ on [0, 1), clamped to the last bin above (and NaN), the first below.
  int bin(float entropy) const;
  // Predicted entropies of layers p+1 … L for an entropy after layer p.
  std::span<const float> row(float entropy) const;
  // L̂ for an entropy after layer p and a threshold: first l in (p, L] with an off-ramp (or l = L) whose
  // predicted entropy < threshold; L when none is.
  int predict(float entropy, float threshold) const;

 private:
  int p_ = 0, bins_ = 0, L_ = 0;
  std::vector<bool> exit_possible_;  // [L + 1] an off-ramp (or the head) runs after layer l
  std::vector<float> table_;         // [bins, L − p]
};

}  // namespace edgemt
