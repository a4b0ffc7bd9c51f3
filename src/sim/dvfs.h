// Per-sentence DVFS (ALGORITHMS.md §4): embedding and layers 1..p run at nominal; from the entropy
// after layer p the predictor gives L̂; the controller picks the lowest (V, f) that finishes layers
// p+1..L̂ (and the head when L̂ = L) within the latency target, paying one switch.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "sim/accel_spec.h"

namespace edgemt::sim {

enum class DvfsPolicy { None, EdgeBert };
DvfsPolicy parse_dvfs_policy(const std::string& s);  // "none" | "edgebert"; throws Error otherwise
const char* dvfs_policy_name(DvfsPolicy p);

struct DvfsInput {
  int layers = 0;           // L
  int exit_layer = 0;       // layers run
  int predicted_exit = 0;   // L̂, 0: none (then the controller plans for L, the worst case)
  bool has_head = false;    // the last segment is the head (the sentence ran to L)
  double target_ns = 0;     // 0: no target
};

struct DvfsPlan {
  size_t point = 0;          // operating point of the scaled segments
  bool switched = false;     // point differs from nominal: one switch down (in the latency) and one back
  size_t first_scaled = 0, end_scaled = 0;  // segments [first, end) run at `point`, the rest at nominal
  int planned_layers = 0;    // L̂ − p layers the plan covered (0: nothing scaled)
};

// lat[segment][point]: latency of each segment (0 embedding, 1..exit layers, then the head) at each
// operating point; head_estimate[point]: the head's latency, for plans that reach L in sentences
// that exited earlier (empty: none).
DvfsPlan plan_dvfs(DvfsPolicy policy, const AccelSpec& spec, std::span<const std::vector<double>> lat,
                   std::span<const double> head_estimate, const DvfsInput& in);

}  // namespace edgemt::sim
