// Loading task packs and the default task.
#include "runtime/task_pack.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "formats/tensor_access.h"
#include "kernels/attention.h"
#include "runtime/early_exit.h"
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

namespace {

using FieldName = std::function<std::string(const char*)>;  // "<task.json>: field '<k>' "

// task.json "adapter": {"size": m, "activation": "gelu", "share_across_layers": false}.
AdapterSpec parse_adapter_spec(const nlohmann::json& a, const FieldName& field) {
  if (!a.is_object())
    throw Error(field("adapter") + "must be an object {\"size\": m, \"activation\": …, \"share_across_layers\": …}");
  AdapterSpec s;
  if (!a.contains("size") || !a["size"].is_number_integer() || a["size"].get<int64_t>() < 1 ||
      a["size"].get<int64_t>() > (1 << 20))
    throw Error(field("adapter.size") + "must be an integer ≥ 1 (the bottleneck width m)");
  s.size = a["size"].get<int>();
  if (!a.contains("activation") || !a["activation"].is_string())
    throw Error(field("adapter.activation") + "must be one of gelu, gelu_new, relu, silu, swish");
  const auto act = a["activation"].get<std::string>();
  if (act == "gelu") s.activation = Activation::Gelu;
  else if (act == "gelu_new") s.activation = Activation::GeluNew;
  else if (act == "relu") s.activation = Activation::Relu;
  else if (act == "silu" || act == "swish") s.activation = Activation::Silu;
  else throw Error(field("adapter.activation") + "'" + act + "' is not one of gelu, gelu_new, relu, silu, swish");
  if (!a.contains("share_across_layers") || !a["share_across_layers"].is_boolean())
    throw Error(field("adapter.share_across_layers") + "must be true or false");
  s.share_across_layers = a["share_across_layers"].get<bool>();
  return s;
}

// task.json "spans": {"ramp": R, "z": [NH spans] or [[NH spans] × L]}.
AttentionSpans parse_spans(const nlohmann::json& j, const FieldName& field, const AlbertConfig& c) {
  const int NH = c.num_attention_heads, L = c.total_layers();
  if (!j.is_object()) throw Error(field("spans") + "must be an object {\"ramp\": R, \"z\": [...]}");
  AttentionSpans s;
  s.heads = NH;
  const auto& r = j.contains("ramp") ? j["ramp"] : nlohmann::json();
  if (!r.is_number() || !std::isfinite(r.get<double>()) || r.get<double>() <= 0 || r.get<double>() > 1e6)
    throw Error(field("spans.ramp") + "must be a number of tokens R > 0");
  s.ramp = r.get<float>();
  const std::string expects = "must be " + std::to_string(NH) + " spans (num_attention_heads, shared by every layer) or " +
                              std::to_string(L) + " lists of " + std::to_string(NH) + " (one per layer application)";
  const auto& z = j.contains("z") ? j["z"] : nlohmann::json();
  if (!z.is_array() || z.empty()) throw Error(field("spans.z") + expects);
  s.shared = !z[0].is_array();
  const auto add_row = [&](const nlohmann::json& row) {
    if (!row.is_array() || static_cast<int>(row.size()) != NH) throw Error(field("spans.z") + expects);
    for (const auto& v : row) {
      if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1e6)
        throw Error(field("spans.z") + "must hold spans z ≥ 0 (tokens)");
      s.z.push_back(v.get<float>());
    }
  };
  if (s.shared) {
    add_row(z);
  } else {
    if (static_cast<int>(z.size()) != L) throw Error(field("spans.z") + expects);
    for (const auto& row : z) add_row(row);
  }
  return s;
}

// The non-zero fraction of every matrix of the pack, by tensor name (traces; pruned weights have zeros).
void record_density(TaskPack& pack) {
  const auto add = [&](const std::string& name, const LinearW& w) {
    pack.density[name + ".weight"] = nonzero_fraction(w);
  };
  add("pooler", pack.pooler);
  add("classifier", pack.classifier);
  if (pack.adapters)
    for (size_t a = 0; a < pack.adapters->sets.size(); ++a) {
      const AdapterSetW& s = pack.adapters->sets[a];
      const std::string p = "adapters." + std::to_string(a) + ".";
      add(p + "attention.down", s.attention.down);
      add(p + "attention.up", s.attention.up);
      add(p + "ffn.down", s.ffn.down);
      add(p + "ffn.up", s.ffn.up);
    }
  if (pack.offramps)
    for (size_t l = 1; l <= pack.offramps->after.size(); ++l)
      if (const OffRampW* r = pack.offramps->at(static_cast<int>(l))) {
        const std::string p = "offramps." + std::to_string(l) + ".";
        if (pack.offramps->kind == OffRampKind::Full) add(p + "pooler", r->pooler);
        add(p + "classifier", r->classifier);
      }
}

}  // namespace

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
  if (j.contains("max_length")) {
    const auto& v = j["max_length"];
    if (!v.is_number_integer() || v.get<int64_t>() < 2 || v.get<int64_t>() > backbone.max_position_embeddings)
      throw Error(field("max_length") + "must be an integer in [2, " + std::to_string(backbone.max_position_embeddings) +
                  "] (max_position_embeddings)");
    pack.info.max_length = v.get<size_t>();
  }
  std::optional<AdapterSpec> adapter;
  if (j.contains("adapter")) adapter = parse_adapter_spec(j["adapter"], field);
  const int L = backbone.total_layers();
  if (j.contains("early_exit")) {
    if (pack.info.regression)
      throw Error(field("early_exit") + "is not available for regression: it has no entropy to exit on");
    pack.info.early_exit = parse_early_exit(j["early_exit"], field, static_cast<int>(pack.info.labels.size()), L);
  }
  if (j.contains("predictor")) {
    if (!pack.info.early_exit) throw Error(field("predictor") + "needs off-ramps (field 'early_exit')");
    pack.predictor.emplace(j["predictor"], field, L, pack.info.early_exit->layers);
    pack.info.predictor = PredictorInfo{.layer = pack.predictor->layer(), .bins = pack.predictor->bins()};
  }
  if (j.contains("spans")) {
    pack.spans = parse_spans(j["spans"], field, backbone);
    SpanInfo info{.ramp = pack.spans->ramp, .heads = static_cast<int>(pack.spans->z.size())};
    for (float z : pack.spans->z) {
      info.mean_z += z / static_cast<float>(info.heads);
      info.max_z = std::max(info.max_z, z);
      info.self_only += ops::span_window(ops::HeadSpan{z, pack.spans->ramp}) == 0;
    }
    pack.info.spans = info;
  }

  const int H = backbone.hidden_size;
  const int C = pack.info.regression ? 1 : static_cast<int>(pack.info.labels.size());
  pack.file = std::make_shared<SafetensorsFile>(dir / "task.safetensors");
  const SafetensorsFile& f = *pack.file;
  std::set<std::string> used;
  pack.pooler = load_linear(f, {"pooler"}, H, H, pack.owned, used);
  pack.classifier = load_linear(f, {"classifier"}, C, H, pack.owned, used);
  if (adapter) {
    pack.adapters = load_adapters(f, *adapter, backbone, pack.owned, used);
    const int A = adapter_set_count(backbone, *adapter);
    pack.info.adapter = AdapterInfo{.size = adapter->size,
                                    .activation = activation_name(adapter->activation),
                                    .share_across_layers = adapter->share_across_layers,
                                    .sets = A,
                                    .parameters = static_cast<size_t>(A) * adapter_set_params(H, adapter->size)};
  }
  if (const auto& e = pack.info.early_exit)
    pack.offramps = load_offramps(f, e->offramp == "full" ? OffRampKind::Full : OffRampKind::Light, e->layers, C,
                                  backbone, pack.owned, used);
  record_density(pack);
  for (const auto& t : f.tensors()) {
    if (used.count(t.name)) continue;
    // Adapters the JSON does not declare would be silently skipped: a wrong answer, not a warning.
    if (!adapter && t.name.rfind("adapters.", 0) == 0)
      throw Error(f.path().string() + ": tensor '" + t.name + "' is an adapter, but " + json_path.string() +
                  " has no field 'adapter' ({\"size\": m, \"activation\": …, \"share_across_layers\": …})");
    pack.unused.push_back(t.name);
  }
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
  record_density(pack);
  return pack;
}

}  // namespace edgemt
