// Evaluating a task of the engine on a GLUE file: predictions, the task's GLUE metrics, throughput.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "edgemt/engine.h"
#include "text/glue_reader.h"
#include "text/glue_tasks.h"

namespace edgemt {

struct EvalOptions {
  size_t limit = 0;       // 0: every example
  size_t batch = 32;      // sentences per encoder pass
  size_t max_length = 0;  // 0: the task's max_length (task.json), else Engine::default_max_length()
  std::function<void(size_t done, size_t total)> progress;  // called after each batch
  std::optional<float> exit_threshold;    // nats; 0 disables early exit; unset: the task's
  std::optional<ExitPolicy> exit_policy;  // unset: the engine's
};

struct EvalResult {
  std::string task;       // the engine's task
  std::string glue_task;  // the layout/metrics applied
  std::filesystem::path data;
  glue::Dataset dataset;
  std::vector<Prediction> predictions;             // one per example
  std::vector<std::pair<std::string, double>> metrics;  // GLUE set, headline first; empty when unlabelled
  size_t max_length = 0;  // truncation length applied, specials included
  double seconds = 0, examples_per_s = 0, mean_tokens = 0;
  int layers = 0;              // L
  double mean_exit_layer = 0;  // mean layers run per example
  float exit_threshold = 0;    // the threshold applied (0: early exit off)
  ExitPolicy exit_policy = ExitPolicy::Entropy;
};

// Model label ids → GLUE label ids: by name when every GLUE label name is among the task's labels,
// else by position when the counts agree; throws edgemt::Error otherwise.
std::vector<int> glue_label_map(const TaskInfo& task, const glue::TaskSpec& spec);

EvalResult evaluate(const Engine& engine, const std::string& task, const glue::TaskSpec& spec,
                    const std::filesystem::path& data, const EvalOptions& options = {});

// The task's GLUE metrics of `predictions` (one per example, labels in GLUE ids), headline first;
// empty when the dataset is unlabelled.
std::vector<std::pair<std::string, double>> glue_metrics(const glue::TaskSpec& spec, const TaskInfo& info,
                                                         const glue::Dataset& dataset,
                                                         const std::vector<Prediction>& predictions);

// GLUE submission file: "index\tprediction" rows under that header, written atomically.
void write_glue_predictions(const EvalResult& result, const glue::TaskSpec& spec, const std::filesystem::path& out);

}  // namespace edgemt
