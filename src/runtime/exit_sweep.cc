// Threshold sweeps for entropy early exit: relabel one early-exit pass per threshold.
#include "runtime/exit_sweep.h"

#include <cmath>

#include "core/error.h"

namespace edgemt {

int label_at_threshold(const Prediction& p, float threshold, int& exit_layer) {
  const size_t run = p.entropies.size();
  for (size_t l = 0; l < run && l < p.ramp_labels.size(); ++l)
    if (p.ramp_labels[l] >= 0 && p.entropies[l] < threshold) {  // NaN never exits
      exit_layer = static_cast<int>(l) + 1;
      return p.ramp_labels[l];
    }
  exit_layer = p.exit_layer;
  return p.label_id;
}

ExitSweep sweep_thresholds(const glue::TaskSpec& spec, const TaskInfo& info, const EvalResult& full,
                           const EvalResult& early, std::span<const float> thresholds) {
  if (info.regression) throw Error("task '" + info.name + "' is a regression task: it has no entropy to sweep");
  EDGEMT_CHECK(full.predictions.size() == early.predictions.size());
  ExitSweep s{.task = info.name, .glue_task = std::string(spec.name), .layers = full.layers,
              .examples = full.predictions.size(), .points = {}};
  for (float t : thresholds) {
    SweepPoint pt{.threshold = t, .mean_exit_layer = 0, .metrics = {}};
    if (t == 0.0f) {
      pt.mean_exit_layer = full.mean_exit_layer;
      pt.metrics = full.metrics;
    } else {
      if (!(t >= kSweepFloor)) throw Error("sweep threshold " + std::to_string(t) + " is below the sweep's floor");
      std::vector<Prediction> relabelled = early.predictions;
      double layers = 0;
      for (Prediction& p : relabelled) {
        int exit_layer = 0;
        p.label_id = label_at_threshold(p, t, exit_layer);
        layers += exit_layer;
      }
      pt.mean_exit_layer = relabelled.empty() ? 0.0 : layers / static_cast<double>(relabelled.size());
      pt.metrics = glue_metrics(spec, info, early.dataset, relabelled);
    }
    s.points.push_back(std::move(pt));
  }
  return s;
}

ExitSweep sweep_task(const Engine& engine, const std::string& task, const glue::TaskSpec& spec,
                     const std::filesystem::path& data, EvalOptions options, std::span<const float> thresholds) {
  const TaskInfo& info = engine.task_info(task);
  if (info.regression) throw Error("task '" + task + "' is a regression task: it has no entropy to sweep");
  if (!info.early_exit) throw Error("task '" + task + "' has no off-ramps (task.json 'early_exit'): nothing to sweep");
  options.exit_policy = ExitPolicy::Entropy;
  options.exit_threshold = 0.0f;
  const EvalResult full = evaluate(engine, task, spec, data, options);
  options.exit_threshold = kSweepFloor;
  const EvalResult early = evaluate(engine, task, spec, data, options);
  return sweep_thresholds(spec, info, full, early, thresholds);
}

nlohmann::json to_json(const ExitSweep& s) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : s.points) {
    nlohmann::json j = {{"threshold", p.threshold}, {"mean_exit_layer", p.mean_exit_layer}};
    for (const auto& [k, v] : p.metrics) j[k] = std::isnan(v) ? nlohmann::json() : nlohmann::json(v);
    points.push_back(std::move(j));
  }
  const std::string metric = s.points.empty() || s.points[0].metrics.empty() ? "" : s.points[0].metrics[0].first;
  return {{"task", s.task},         {"glue_task", s.glue_task}, {"metric", metric},
          {"layers", s.layers},     {"examples", s.examples},   {"points", points}};
}

std::vector<float> default_sweep_thresholds(int classes) {
  const double ln_c = std::log(static_cast<double>(classes));
  std::vector<float> t{0.0f};
  for (int i = 0; i < 16; ++i) t.push_back(static_cast<float>(ln_c * 0.001 * std::pow(100.0, i / 16.0)));  // 0.001 … 0.075
  for (int i = 0; i < 24; ++i) t.push_back(static_cast<float>(ln_c * (0.1 + 0.9 * i / 23.0)));              // 0.1 … 1
  return t;
}

}  // namespace edgemt
