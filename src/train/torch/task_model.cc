// The task model (adapters, head, off-ramps, spans) and the task pack it reads and writes.
#include "train/torch/task_model.h"

#include <fstream>

#include "core/error.h"
#include "formats/safetensors.h"
#include "formats/tensor_access.h"
#include "train/torch/model_io.h"

namespace edgemt::train {

namespace fs = std::filesystem;
namespace nn = torch::nn;
using json = nlohmann::json;

TaskModelImpl::TaskModelImpl(const AlbertConfig& c, const TaskModelSpec& s) : config(c), spec(s) {
  const int H = c.hidden_size, L = c.num_hidden_layers * c.inner_group_num;
  if (s.adapter) adapters = register_module("task", TaskAdapters(c, *s.adapter));
  if (s.spans) spans = register_module("spans", TaskSpans(L, c.num_attention_heads, *s.spans));
  if (!s.offramp.empty()) {
    if (s.offramp != "light" && s.offramp != "full") throw Error("offramp must be light or full, got '" + s.offramp + "'");
    ramps = register_module("ramps", OffRamps(c, s.classes, s.offramp == "full"));
  }
  pooler = register_module("pooler", nn::Linear(H, H));
  classifier = register_module("classifier", nn::Linear(H, s.classes));
  dropout = register_module("dropout", nn::Dropout(s.dropout));
  torch::NoGradGuard no_grad;
  classifier->weight.normal_(0.0, 0.02);
  classifier->bias.zero_();
}

void TaskModelImpl::init_norms_from(AlbertBackboneImpl& backbone) {
  torch::NoGradGuard no_grad;
  pooler->weight.copy_(backbone.pooler->weight);
  pooler->bias.copy_(backbone.pooler->bias);
  if (!adapters) return;
  int application = 0;
  for (int l = 0; l < config.num_hidden_layers; ++l)
    for (auto& layer : backbone.groups[static_cast<size_t>(l / config.layers_per_group())]) {
      if (!adapters->spec.share_across_layers || application == 0) {
        auto& set = adapters->at(application);
        set->attention_norm->weight.copy_(layer->attention->norm->weight);
        set->attention_norm->bias.copy_(layer->attention->norm->bias);
        set->full_norm->weight.copy_(layer->full_norm->weight);
        set->full_norm->bias.copy_(layer->full_norm->bias);
      }
      ++application;
    }
}

torch::Tensor TaskModelImpl::head(const torch::Tensor& last_hidden) {
  return classifier(dropout(torch::tanh(pooler(last_hidden.select(1, 0)))));
}

TaskOutputs TaskModelImpl::forward(AlbertBackboneImpl& backbone, const torch::Tensor& ids, const torch::Tensor& types,
                                   const torch::Tensor& mask, bool want_ramps) {
  const bool with_ramps = want_ramps && ramps;
  const auto out = backbone.forward(ids, types, mask, with_ramps, adapters ? adapters.get() : nullptr,
                                    spans ? spans.get() : nullptr);
  TaskOutputs r;
  r.logits = head(out.last_hidden).to(torch::kFloat);  // [B, C]
  if (with_ramps) {
    std::vector<torch::Tensor> per_layer;
    for (int l = 1; l <= ramps->layers(); ++l)
      per_layer.push_back(ramps->at(l)->forward(out.hidden_states[static_cast<size_t>(l)].select(1, 0)).to(torch::kFloat));
    r.ramp_logits = torch::stack(per_layer, 1);  // [B, L − 1, C]
  }
  return r;
}

std::vector<std::pair<std::string, torch::Tensor>> TaskModelImpl::pack_tensors() {
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (const auto& item : named_parameters()) {
    std::string name = item.key();
    if (name.starts_with("spans.")) continue;
    if (name.starts_with("task.")) name = name.substr(5);        // "adapters.{a}.…"
    if (name.starts_with("ramps.")) name = name.substr(6);       // "offramps.{l}.…"
    named.emplace_back(name, item.value());
  }
  return named;
}

json write_pack(const fs::path& dir, TaskModelImpl& m, const PackInfo& info, const ExitSettings& exit, DType dtype) {
  fs::create_directories(dir);
  write_tensors(dir / "task.safetensors", m.pack_tensors(), dtype);
  json j = {{"glue_task", info.glue_task}, {"metric", info.metric}, {"max_length", info.max_length}};
  if (info.labels.empty())
    j["problem_type"] = "regression";
  else
    j["labels"] = info.labels;
  if (m.adapters)
    j["adapter"] = {{"size", m.adapters->spec.size},
                    {"activation", edgemt::activation_name(m.adapters->spec.activation)},
                    {"share_across_layers", m.adapters->spec.share_across_layers}};
  if (m.ramps) {
    std::vector<int> layers;
    for (int l = 1; l <= m.ramps->layers(); ++l) layers.push_back(l);
    j["early_exit"] = {{"offramp", m.spec.offramp}, {"threshold", exit.threshold}, {"layers", layers}};
    if (exit.predictor)
      j["predictor"] = {{"layer", exit.predictor->layer}, {"bins", exit.predictor->bins}, {"entropy", exit.predictor->entropy}};
  }
  if (m.spans) j["spans"] = {{"ramp", m.spans->spec.ramp}, {"z", m.spans->spans()}};
  const std::string text = j.dump(2) + "\n";
  write_file_atomic(dir / "task.json", std::as_bytes(std::span(text)));
  return j;
}

LoadedPack read_pack(const fs::path& dir, const AlbertConfig& config) {
  const fs::path jpath = dir / "task.json";
  std::ifstream in(jpath);
  if (!in) throw Error(jpath.string() + ": cannot open");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(jpath.string() + ": invalid JSON: " + e.what());
  }
  LoadedPack p;
  p.info.glue_task = j.value("glue_task", "");
  p.info.metric = j.value("metric", "");
  p.info.max_length = j.value("max_length", 128);
  const bool regression = j.value("problem_type", "") == "regression";
  if (!regression) p.info.labels = j.at("labels").get<std::vector<std::string>>();
  TaskModelSpec spec{.classes = regression ? 1 : static_cast<int>(p.info.labels.size()), .adapter = std::nullopt,
                     .spans = std::nullopt, .offramp = "", .dropout = 0};
  if (j.contains("adapter")) {
    const auto& a = j["adapter"];
    const std::string act = a.at("activation").get<std::string>();
    spec.adapter = AdapterSpecT{.size = a.at("size").get<int>(),
                                .activation = act == "gelu"       ? Activation::Gelu
                                              : act == "gelu_new" ? Activation::GeluNew
                                              : act == "relu"     ? Activation::Relu
                                                                  : Activation::Silu,
                                .share_across_layers = a.at("share_across_layers").get<bool>()};
  }
  std::vector<std::vector<double>> z;
  if (j.contains("spans")) {
    spec.spans = SpanSpec{.ramp = j["spans"].at("ramp").get<double>(), .max_span = 1, .lambda = 0};  // S set below
    const auto& zj = j["spans"].at("z");
    if (!zj.empty() && zj[0].is_number())
      z.assign(static_cast<size_t>(config.num_hidden_layers * config.inner_group_num), zj.get<std::vector<double>>());
    else
      z = zj.get<std::vector<std::vector<double>>>();
  }
  if (j.contains("early_exit")) {
    spec.offramp = j["early_exit"].at("offramp").get<std::string>();
    p.exit.threshold = j["early_exit"].at("threshold").get<float>();
    if (j.contains("predictor")) {
      const auto& pj = j["predictor"];
      p.exit.predictor = PredictorTable{.layer = pj.at("layer").get<int>(), .bins = pj.at("bins").get<int>(),
                                        .entropy = pj.at("entropy").get<std::vector<std::vector<double>>>()};
    }
  }
  p.model = TaskModel(config, spec);
  torch::NoGradGuard no_grad;
  const SafetensorsFile f(dir / "task.safetensors");
  for (auto& [name, t] : p.model->pack_tensors()) {
    if (!f.find(name)) throw Error((dir / "task.safetensors").string() + ": missing tensor '" + name + "'");
    std::vector<std::unique_ptr<float[]>> owned;
    const float* src = f32_tensor(f, name, t.sizes().vec(), owned);
    t.copy_(torch::from_blob(const_cast<float*>(src), t.sizes(), torch::kFloat));
  }
  if (p.model->spans) {  // z = S·u with S the largest span, so u stays in [0, 1]
    double top = 1e-9;
    for (const auto& row : z)
      for (double v : row) top = std::max(top, v);
    auto u = torch::zeros_like(p.model->spans->u);
    for (size_t a = 0; a < z.size() && a < static_cast<size_t>(u.size(0)); ++a)
      for (size_t h = 0; h < z[a].size() && h < static_cast<size_t>(u.size(1)); ++h)
        u[static_cast<int64_t>(a)][static_cast<int64_t>(h)] = z[a][h] / top;
    p.model->spans->u.copy_(u);
    p.model->spans->spec.max_span = top;
  }
  p.model->eval();
  return p;
}

}  // namespace edgemt::train
