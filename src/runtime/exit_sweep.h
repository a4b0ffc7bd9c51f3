// Accuracy against mean exit layer over entropy thresholds (ALGORITHMS.md §3), from two passes over
// a GLUE file instead of one per threshold.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "runtime/evaluate.h"

namespace edgemt {

// The smallest threshold the sweep's early-exit pass runs with: its predictions tell what any
// threshold T ≥ kSweepFloor gives, because a sentence that ran layer l recorded every off-ramp's
// entropy and label up to l.
inline constexpr float kSweepFloor = 1e-30f;

struct SweepPoint {
  float threshold = 0;     // nats; 0: early exit off (the task head answers)
  double mean_exit_layer = 0;
  std::vector<std::pair<std::string, double>> metrics;  // headline first
};

struct ExitSweep {
  std::string task, glue_task;
  int layers = 0;  // L
  size_t examples = 0;
  std::vector<SweepPoint> points;  // in the order of the thresholds asked for
};

// What threshold T would have answered, from a prediction made with early exit on at a threshold
// ≤ T: the first off-ramp whose entropy is below T, else the pass's own answer. Returns the label id
// and sets `exit_layer`.
int label_at_threshold(const Prediction& p, float threshold, int& exit_layer);

// `full`: the task evaluated with early exit off; `early`: the same file at kSweepFloor (both by
// evaluate(), labels in GLUE ids). Thresholds 0 take `full`; the others must be ≥ kSweepFloor.
ExitSweep sweep_thresholds(const glue::TaskSpec& spec, const TaskInfo& info, const EvalResult& full,
                           const EvalResult& early, std::span<const float> thresholds);

// Both passes and the sweep of `task` on `data` (options as for evaluate(); its threshold and policy
// are replaced). Throws edgemt::Error when the task has no off-ramps or is a regression task.
ExitSweep sweep_task(const Engine& engine, const std::string& task, const glue::TaskSpec& spec,
                     const std::filesystem::path& data, EvalOptions options, std::span<const float> thresholds);

// {"task", "glue_task", "metric" (the headline), "layers", "examples", "points": [{"threshold", "mean_exit_layer", <metric>: value…}]}
nlohmann::json to_json(const ExitSweep& s);

// 0, then 40 thresholds from 0.001 to 1 of ln C (log-spaced below 0.1, then linear).
std::vector<float> default_sweep_thresholds(int classes);

}  // namespace edgemt
