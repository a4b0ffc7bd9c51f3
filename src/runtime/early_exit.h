// Early exit at run time: task.json "early_exit" parsing, exit policies, and running one task over a
// batch of token sequences with its adapters, spans, off-ramps and head (ALGORITHMS.md §3–4).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "edgemt/engine.h"
#include "model/albert.h"

namespace edgemt {

struct TaskPack;

// task.json "early_exit": {"offramp": "full"|"light", "threshold": T, "layers": [...]} for C classes
// and L layers. Throws edgemt::Error via `field` ("<task.json>: field '<k>' ").
EarlyExitInfo parse_early_exit(const nlohmann::json& j, const std::function<std::string(const char*)>& field, int C,
                               int L);

// "entropy" | "latency-bounded" | "accuracy-first"; throws edgemt::Error listing them otherwise.
ExitPolicy parse_exit_policy(std::string_view name);

// The threshold a call runs with: `requested` if set, else the task's; checked against [0, ln C].
// 0 for regression (early exit off: no entropy). Throws edgemt::Error naming the task.
float exit_threshold(const TaskPack& task, std::optional<float> requested);

struct RunOptions {
  float exit_threshold = 0.0f;  // resolved by exit_threshold(); 0: every sequence runs all L layers
  ExitPolicy policy = ExitPolicy::Entropy;
};

// One task over token sequences: predictions with exit layers and entropies (latency_ms left 0).
// Throws edgemt::Error when the policy needs an exit predictor the task lacks.
std::vector<Prediction> run_task(const AlbertModel& model, const TaskPack& task, std::span<const Sequence> batch,
                                 const RunOptions& options);

}  // namespace edgemt
