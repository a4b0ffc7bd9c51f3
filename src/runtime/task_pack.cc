// Loading task packs and the default task.
#include "runtime/task_pack.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/tensor_access.h"
#include "text/glue_tasks.h"

namespace edgemt {

namespace fs = std::filesystem;

std::string normalize_glue_name(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name == "sst-2") return "sst2";
  if (name == "sts-b") return "stsb";
  if (name == "mnli-mismatched" || name == "mnli_mismatched") return "mnli-mm";
  return name;
}

TaskPack load_task_pack(const fs::path& dir, const AlbertConfig& backbone) {
  const fs::path json_path = dir / "task.json";
  std::ifstream in(json_path);
  if (!in) throw Error(json_path.string() + ": missing task description");
  const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error(json_path.string() + ": not a JSON object");
  TaskPack pack;
  pack.info.name = dir.filename().string();
  const auto field = [&](const char* k) { return json_path.string() + ": field '" + k + "' "; };
  if (j.contains("glue_task")) {
    if (!j["glue_task"].is_string()) throw Error(field("glue_task") + "must be a string");
    pack.info.glue_task = normalize_glue_name(j["glue_task"].get<std::string>());
    if (!glue::find_task(pack.info.glue_task))
      throw Error(field("glue_task") + "'" + pack.info.glue_task + "' is not one of " + glue::task_names());
  }
  if (j.contains("metric")) {
    if (!j["metric"].is_string()) throw Error(field("metric") + "must be a string");
    pack.info.metric = j["metric"].get<std::string>();
    bool known = false;
    for (auto m : {glue::Metric::Accuracy, glue::Metric::F1, glue::Metric::Mcc, glue::Metric::Pearson, glue::Metric::Spearman})
      known = known || glue::metric_key(m) == pack.info.metric;
    if (!known) throw Error(field("metric") + "'" + pack.info.metric + "' is not one of accuracy, f1, mcc, pearson, spearman");
  }
  if (j.contains("problem_type")) {
    if (!j["problem_type"].is_string()) throw Error(field("problem_type") + "must be a string");
    const auto pt = j["problem_type"].get<std::string>();
    if (pt != "regression" && pt != "single_label_classification")
      throw Error(field("problem_type") + "must be \"single_label_classification\" or \"regression\", got \"" + pt + "\"");
    pack.info.regression = pt == "regression";
  }
  if (!pack.info.regression) {
    if (!j.contains("labels") || !j["labels"].is_array() || j["labels"].size() < 2)
      throw Error(field("labels") + "must list at least two label names (or set problem_type \"regression\")");
    for (const auto& l : j["labels"]) {
      if (!l.is_string()) throw Error(field("labels") + "must hold strings");
      pack.info.labels.push_back(l.get<std::string>());
    }
  }
  const int H = backbone.hidden_size;
  const int C = pack.info.regression ? 1 : static_cast<int>(pack.info.labels.size());
  pack.file = std::make_shared<SafetensorsFile>(dir / "task.safetensors");
  pack.pooler = {f32_tensor(*pack.file, "pooler.weight", {H, H}, pack.owned),
                 f32_tensor(*pack.file, "pooler.bias", {H}, pack.owned), H, H};
  pack.classifier = {f32_tensor(*pack.file, "classifier.weight", {C, H}, pack.owned),
                     f32_tensor(*pack.file, "classifier.bias", {C}, pack.owned), C, H};
  return pack;
}

std::optional<TaskPack> default_task(const AlbertConfig& config, const AlbertWeights& weights) {
  if (!weights.classifier) return std::nullopt;
  TaskPack pack;
  pack.info.name = "default";
  pack.info.regression = config.is_regression();
  if (const auto g = normalize_glue_name(config.finetuning_task); glue::find_task(g)) pack.info.glue_task = g;
  if (!pack.info.regression) pack.info.labels = config.id2label;
  pack.pooler = *weights.pooler;
  pack.classifier = *weights.classifier;
  return pack;
}

}  // namespace edgemt
