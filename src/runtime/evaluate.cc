// GLUE evaluation loop: batches through the engine, maps labels, computes the task's metrics.
#include "runtime/evaluate.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "formats/model_dir.h"
#include "formats/safetensors.h"
#include "runtime/early_exit.h"
#include "text/metrics.h"

namespace edgemt {

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return std::tolower(c); });
  return r;
}

}  // namespace

std::vector<int> glue_label_map(const TaskInfo& task, const glue::TaskSpec& spec) {
  const bool spec_regression = spec.labels.empty();
  if (task.regression != spec_regression)
    throw Error("task '" + task.name + "' is " + (task.regression ? "a regression" : "a classification") + " task, GLUE " +
                std::string(spec.name) + " is " + (spec_regression ? "a regression" : "a classification") + " task");
  if (spec_regression) return {};
  std::vector<int> map(task.labels.size(), -1);
  size_t by_name = 0;
  for (size_t i = 0; i < task.labels.size(); ++i)
    for (size_t g = 0; g < spec.labels.size(); ++g)
      if (lower(task.labels[i]) == spec.labels[g]) {
        map[i] = static_cast<int>(g);
        ++by_name;
      }
  if (by_name == spec.labels.size() && by_name == task.labels.size()) return map;
  if (task.labels.size() != spec.labels.size())
    throw Error("task '" + task.name + "' has " + std::to_string(task.labels.size()) + " labels, GLUE " +
                std::string(spec.name) + " has " + std::to_string(spec.labels.size()));
  for (size_t i = 0; i < map.size(); ++i) map[i] = static_cast<int>(i);  // ids in GLUE order (e.g. LABEL_0, LABEL_1)
  return map;
}

EvalResult evaluate(const Engine& engine, const std::string& task, const glue::TaskSpec& spec,
                    const std::filesystem::path& data, const EvalOptions& options) {
  const TaskInfo& info = engine.task_info(task);
  const std::vector<int> map = glue_label_map(info, spec);
  EvalResult r;
  r.task = task;
  r.glue_task = std::string(spec.name);
  r.data = data;
  // The length the task was trained with unless the caller says otherwise.
  r.max_length = engine.default_max_length(options.max_length ? options.max_length : info.max_length);
  r.dataset = glue::read_glue_file(spec, data, options.limit);
  ClassifyOptions co;
  co.max_length = r.max_length;
  co.exit_threshold = options.exit_threshold;
  co.exit_policy = options.exit_policy;
  r.exit_threshold = exit_threshold(engine.task_pack(task), options.exit_threshold);
  r.exit_policy = options.exit_policy.value_or(engine.default_exit_policy());
  r.layers = engine.model_dir().config.total_layers();
  const auto& ex = r.dataset.examples;
  const auto start = std::chrono::steady_clock::now();
  size_t tokens = 0, layers_run = 0;
  for (size_t i = 0; i < ex.size(); i += options.batch) {
    std::vector<TextInput> inputs;
    for (size_t k = i; k < std::min(ex.size(), i + options.batch); ++k) inputs.push_back({ex[k].text_a, ex[k].text_b});
    for (auto& p : engine.classify_batch(task, inputs, co)) {
      tokens += static_cast<size_t>(p.tokens);
      layers_run += static_cast<size_t>(p.exit_layer);
      if (!info.regression) {
        p.label_id = map[static_cast<size_t>(p.label_id)];
        p.label = std::string(spec.labels[static_cast<size_t>(p.label_id)]);
        for (int& id : p.ramp_labels)
          if (id >= 0) id = map[static_cast<size_t>(id)];
      }
      r.predictions.push_back(std::move(p));
    }
    if (options.progress) options.progress(r.predictions.size(), ex.size());
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.examples_per_s = static_cast<double>(ex.size()) / std::max(r.seconds, 1e-9);
  r.mean_tokens = static_cast<double>(tokens) / static_cast<double>(ex.size());
  r.mean_exit_layer = static_cast<double>(layers_run) / static_cast<double>(ex.size());
  r.metrics = glue_metrics(spec, info, r.dataset, r.predictions);
  return r;
}

std::vector<std::pair<std::string, double>> glue_metrics(const glue::TaskSpec& spec, const TaskInfo& info,
                                                         const glue::Dataset& dataset,
                                                         const std::vector<Prediction>& predictions) {
  std::vector<std::pair<std::string, double>> out;
  if (!dataset.labelled) return out;
  const auto& ex = dataset.examples;
  EDGEMT_CHECK(predictions.size() == ex.size());
  std::vector<int> pred, gold;
  std::vector<double> score, target;
  for (size_t i = 0; i < ex.size(); ++i) {
    if (info.regression) {
      score.push_back(*predictions[i].score);
      target.push_back(*ex[i].score);
    } else {
      pred.push_back(predictions[i].label_id);
      gold.push_back(*ex[i].label);
    }
  }
  for (glue::Metric m : spec.metrics) {
    double v = 0;
    switch (m) {
      case glue::Metric::Accuracy: v = metrics::accuracy(pred, gold); break;
      case glue::Metric::F1: v = metrics::f1_binary(pred, gold); break;
      case glue::Metric::Mcc: v = metrics::matthews(pred, gold); break;
      case glue::Metric::Pearson: v = metrics::pearson(score, target); break;
      case glue::Metric::Spearman: v = metrics::spearman(score, target); break;
    }
    out.emplace_back(std::string(glue::metric_key(m)), v);
  }
  // The pack's declared headline metric goes first; GLUE's set decides which are computed.
  if (!info.metric.empty()) {
    const auto it = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == info.metric; });
    if (it == out.end())
      throw Error("task '" + info.name + "' declares metric '" + info.metric + "', which GLUE " + std::string(spec.name) +
                  " does not use");
    std::rotate(out.begin(), it, it + 1);
  }
  return out;
}

void write_glue_predictions(const EvalResult& result, const glue::TaskSpec& spec, const std::filesystem::path& out) {
  std::ostringstream s;
  s << "index\tprediction\n";
  const auto& ex = result.dataset.examples;
  for (size_t i = 0; i < ex.size(); ++i) {
    const Prediction& p = result.predictions[i];
    s << ex[i].index << '\t';
    if (p.score) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(*p.score));
      s << buf;
    } else if (spec.labels_as_ids) {
      s << p.label_id;
    } else {
      s << spec.labels[static_cast<size_t>(p.label_id)];
    }
    s << '\n';
  }
  const std::string text = s.str();
  write_file_atomic(out, std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace edgemt
