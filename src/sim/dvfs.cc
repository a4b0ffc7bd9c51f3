// The EdgeBERT latency-bounded DVFS controller over precomputed segment latencies.
#include "sim/dvfs.h"

#include <algorithm>

#include "core/error.h"

namespace edgemt::sim {

DvfsPolicy parse_dvfs_policy(const std::string& s) {
  if (s == "none") return DvfsPolicy::None;
  if (s == "edgebert") return DvfsPolicy::EdgeBert;
  throw Error("unknown DVFS policy '" + s + "' (none, edgebert)");
}

const char* dvfs_policy_name(DvfsPolicy p) { return p == DvfsPolicy::None ? "none" : "edgebert"; }

DvfsPlan plan_dvfs(DvfsPolicy policy, const AccelSpec& spec, std::span<const std::vector<double>> lat,
                   std::span<const double> head_estimate, const DvfsInput& in) {
  const size_t points = spec.dvfs.points.size(), nominal = points - 1;
  DvfsPlan plan{.point = nominal};
  const int p = std::min<int>(static_cast<int>(spec.dvfs.predictor_layer), in.exit_layer);
  const int lhat = in.predicted_exit > 0 ? in.predicted_exit : in.layers;
  if (policy == DvfsPolicy::None || in.target_ns <= 0 || in.exit_layer <= p || lhat <= p) return plan;
  EDGEMT_CHECK(lat.size() == static_cast<size_t>(1 + in.exit_layer + (in.has_head ? 1 : 0)));

  double phase1 = 0;  // embedding and layers 1..p at nominal
  for (int s = 0; s <= p; ++s) phase1 += lat[static_cast<size_t>(s)][nominal];
  const double budget = in.target_ns - phase1 - spec.dvfs.switch_time_ns;
  // Planned work p+1..L̂: layers that ran, the last one's cost for layers the sentence exited before,
  // and the head when L̂ = L.
  const int ran = std::min(in.exit_layer, lhat);
  for (size_t k = 0; k + 1 < points; ++k) {
    double t = 0;
    for (int s = p + 1; s <= ran; ++s) t += lat[static_cast<size_t>(s)][k];
    t += (lhat - ran) * lat[static_cast<size_t>(in.exit_layer)][k];
    if (lhat == in.layers) {
      if (in.has_head) t += lat.back()[k];
      else if (!head_estimate.empty()) t += head_estimate[k];
    }
    if (t <= budget) {
      plan.point = k;
      plan.switched = true;
      break;
    }
  }
  plan.planned_layers = lhat - p;
  plan.first_scaled = static_cast<size_t>(p + 1);
  // Scaled up to L̂; layers past L̂ (accuracy-first traces) run at top speed, the head with L̂ = L.
  plan.end_scaled = in.exit_layer <= lhat ? lat.size() : static_cast<size_t>(lhat + 1);
  if (!plan.switched) plan.first_scaled = plan.end_scaled = 0;
  return plan;
}

}  // namespace edgemt::sim
