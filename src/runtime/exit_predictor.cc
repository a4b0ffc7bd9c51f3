// Parsing and lookups of the exit-layer LUT.
#include "runtime/exit_predictor.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgemt {

ExitPredictor::ExitPredictor(const nlohmann::json& j, const std::function<std::string(const char*)>& field, int L,
                             const std::vector<int>& ramp_layers)
    : L_(L) {
  if (!j.is_object())
    throw Error(field("predictor") + "must be an object {\"layer\": p, \"bins\": n, \"entropy\": [[…]]}");
  const auto& p = j.contains("layer") ? j["layer"] : nlohmann::json();
  if (!p.is_number_integer() ||
      std::find(ramp_layers.begin(), ramp_layers.end(), p.get<int64_t>()) == ramp_layers.end())
    throw Error(field("predictor.layer") + "must be one of the off-ramp layers (early_exit.layers)");
  p_ = p.get<int>();
  const auto& n = j.contains("bins") ? j["bins"] : nlohmann::json();
  if (!n.is_number_integer() || n.get<int64_t>() < 1 || n.get<int64_t>() > 65536)
    throw Error(field("predictor.bins") + "must be an integer in [1, 65536]");
  bins_ = n.get<int>();
  const int later = L - p_;
  const auto& e = j.contains("entropy") ? j["entropy"] : nlohmann::json();
  if (!e.is_array() || static_cast<int>(e.size()) != bins_)
    throw Error(field("predictor.entropy") + "must be an array of " + std::to_string(bins_) + " rows (predictor.bins)");
  for (size_t b = 0; b < e.size(); ++b) {
    if (!e[b].is_array() || static_cast<int>(e[b].size()) != later)
      throw Error(field("predictor.entropy") + "row " + std::to_string(b) + " must hold " + std::to_string(later) +
                  " numbers, the predicted entropy of layers " + std::to_string(p_ + 1) + " … " + std::to_string(L));
    for (const auto& v : e[b]) {
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
        throw Error(field("predictor.entropy") + "row " + std::to_string(b) + " must hold finite entropies ≥ 0 (nats)");
      table_.push_back(v.get<float>());
    }
  }
  exit_possible_.assign(static_cast<size_t>(L + 1), false);
  for (int l : ramp_layers) exit_possible_[static_cast<size_t>(l)] = true;
  exit_possible_[static_cast<size_t>(L)] = true;
}

int ExitPredictor::bin(float entropy) const {
  if (!(entropy < 1.0f)) return bins_ - 1;  // above the range, and NaN
  if (entropy <= 0.0f) return 0;
  return std::min(bins_ - 1, static_cast<int>(std::floor(entropy * static_cast<float>(bins_))));
}

std::span<const float> ExitPredictor::row(float entropy) const {
  const auto later = static_cast<size_t>(L_ - p_);
  return std::span<const float>(table_).subspan(static_cast<size_t>(bin(entropy)) * later, later);
}

int ExitPredictor::predict(float entropy, float threshold) const {
  const auto r = row(entropy);
  for (int l = p_ + 1; l <= L_; ++l)
    if (exit_possible_[static_cast<size_t>(l)] && r[static_cast<size_t>(l - p_ - 1)] < threshold) return l;
  return L_;
}

}  // namespace edgemt
