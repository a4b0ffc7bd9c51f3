// Early-exit configuration and the task runner shared by the Engine and `edgemt bench`.
#include "runtime/early_exit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "runtime/heads.h"
#include "runtime/task_pack.h"

namespace edgemt {

std::string_view exit_policy_name(ExitPolicy p) {
  switch (p) {
    case ExitPolicy::Entropy:
      return "entropy";
    case ExitPolicy::LatencyBounded:
      return "latency-bounded";
    case ExitPolicy::AccuracyFirst:
      return "accuracy-first";
  }
  return "?";
}

ExitPolicy parse_exit_policy(std::string_view name) {
  for (ExitPolicy p : {ExitPolicy::Entropy, ExitPolicy::LatencyBounded, ExitPolicy::AccuracyFirst})
    if (exit_policy_name(p) == name) return p;
  throw Error("unknown exit policy '" + std::string(name) + "' (entropy, latency-bounded, accuracy-first)");
}

namespace {

std::string max_threshold_text(int C) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "[0, ln %d = %.4f]", C, std::log(static_cast<double>(C)));
  return buf;
}

bool threshold_ok(double t, int C) { return std::isfinite(t) && t >= 0 && t <= std::log(static_cast<double>(C)); }

}  // namespace

EarlyExitInfo parse_early_exit(const nlohmann::json& j, const std::function<std::string(const char*)>& field, int C,
                               int L) {
  if (!j.is_object())
    throw Error(field("early_exit") +
                "must be an object {\"offramp\": \"full\"|\"light\", \"threshold\": T, \"layers\": [...]}");
  EarlyExitInfo e;
  if (!j.contains("offramp") || !j["offramp"].is_string() ||
      (j["offramp"].get<std::string>() != "full" && j["offramp"].get<std::string>() != "light"))
    throw Error(field("early_exit.offramp") +
                "must be \"full\" (pooler + classifier) or \"light\" (LayerNorm + classifier)");
  e.offramp = j["offramp"].get<std::string>();
  if (!j.contains("threshold") || !j["threshold"].is_number() || !threshold_ok(j["threshold"].get<double>(), C))
    throw Error(field("early_exit.threshold") + "must be an entropy in nats in " + max_threshold_text(C) + " (0: off)");
  e.threshold = j["threshold"].get<float>();
  if (!j.contains("layers") || !j["layers"].is_array() || j["layers"].empty())
    throw Error(field("early_exit.layers") + "must list the layers (1 … " + std::to_string(L - 1) +
                ") after which an off-ramp runs");
  for (const auto& v : j["layers"]) {
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() >= L)
      throw Error(field("early_exit.layers") + "must hold layers in [1, " + std::to_string(L - 1) + "] (after layer " +
                  std::to_string(L) + " the task head answers)");
    e.layers.push_back(v.get<int>());
  }
  if (!std::is_sorted(e.layers.begin(), e.layers.end()) ||
      std::adjacent_find(e.layers.begin(), e.layers.end()) != e.layers.end())
    throw Error(field("early_exit.layers") + "must be strictly increasing");
  return e;
}

float exit_threshold(const TaskPack& task, std::optional<float> requested) {
  const TaskInfo& info = task.info;
  if (info.regression) return 0.0f;  // no entropy: early exit is off (ALGORITHMS.md §3)
  const int C = static_cast<int>(info.labels.size());
  if (requested) {
    if (!threshold_ok(*requested, C))
      throw Error("exit threshold " + std::to_string(*requested) + " for task '" + info.name + "' is outside " +
                  max_threshold_text(C) + " nats");
    if (*requested > 0 && !task.offramps)
      throw Error("task '" + info.name + "' has no off-ramps (task.json 'early_exit'): it cannot exit early");
    return *requested;
  }
  return info.early_exit ? info.early_exit->threshold : 0.0f;
}

std::vector<Prediction> run_task(const AlbertModel& model, const TaskPack& task, std::span<const Sequence> batch,
                                 const RunOptions& options) {
  const TaskInfo& info = task.info;
  const int L = model.config().total_layers(), H = model.config().hidden_size;
  const bool early = options.exit_threshold > 0.0f && task.offramps && !info.regression;
  EarlyExit ee;
  if (early) {
    ee.ramps = &*task.offramps;
    ee.threshold = options.exit_threshold;
    if (options.policy != ExitPolicy::Entropy) {
      if (!task.predictor)
        throw Error("exit policy '" + std::string(exit_policy_name(options.policy)) +
                    "' needs an exit-layer predictor, and task '" + info.name + "' has none (task.json 'predictor')");
      const ExitPredictor* pr = &*task.predictor;
      const float t = options.exit_threshold;
      ee.predict_after = pr->layer();
      ee.predict = [pr, t](float e) { return pr->predict(e, t); };
      ee.exit_at_predicted = options.policy == ExitPolicy::LatencyBounded;
    }
  }
  const ForwardOutput out = model.forward(batch, {.adapters = task.adapters ? &*task.adapters : nullptr,
                                                  .spans = task.spans ? &*task.spans : nullptr,
                                                  .early_exit = early ? &ee : nullptr});
  const int B = static_cast<int>(batch.size()), C = task.classifier.out;
  std::vector<int> at_end;  // sequences that ran all L layers: the task head answers
  for (int b = 0; b < B; ++b)
    if (!early || out.exit_layer[static_cast<size_t>(b)] == L) at_end.push_back(b);
  std::vector<float> cls(at_end.size() * static_cast<size_t>(H));  // [B', H] their [CLS] rows
  for (size_t k = 0; k < at_end.size(); ++k)
    std::copy_n(out.last_hidden.data() + static_cast<long>(out.offsets[static_cast<size_t>(at_end[k])]) * H, H,
                cls.data() + static_cast<long>(k) * H);
  const std::vector<float> head =
      apply_head(task.pooler, task.classifier, cls, static_cast<int>(at_end.size())).logits;  // [B', C]
  std::vector<Prediction> preds;
  size_t k = 0;
  for (int b = 0; b < B; ++b) {
    const auto ub = static_cast<size_t>(b);
    const bool ended = k < at_end.size() && at_end[k] == b;
    const float* z = ended ? head.data() + (k++) * static_cast<size_t>(C) : out.exit_logits.data() + ub * C;
    Prediction p = head_prediction(info, std::span<const float>(z, static_cast<size_t>(C)));
    p.task = info.name;
    p.layers = L;
    p.exit_layer = early ? out.exit_layer[ub] : L;
    p.early_exit = early;
    p.tokens = static_cast<int>(batch[ub].ids.size());
    if (!info.regression) {
      if (early) {
        p.entropies = out.entropies[ub];
        p.ramp_labels = out.ramp_labels[ub];
        p.predicted_exit_layer = out.predicted_exit_layer[ub];
      } else {
        p.entropies.assign(static_cast<size_t>(L), std::numeric_limits<float>::quiet_NaN());
        p.ramp_labels.assign(static_cast<size_t>(L), -1);
      }
      if (ended) p.entropies.back() = p.entropy;
    }
    preds.push_back(std::move(p));
  }
  return preds;
}

}  // namespace edgemt
