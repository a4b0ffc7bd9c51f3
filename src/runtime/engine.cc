// Engine: one backbone and tokenizer in memory; every task pack runs on it, with the pack's own
// adapters and LayerNorms when it has them. A plain HF classifier checkpoint is the single task "default".
#include "edgemt/engine.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "core/error.h"
#include "formats/model_dir.h"
#include "model/albert.h"
#include "model/weights.h"
#include "runtime/early_exit.h"
#include "runtime/heads.h"
#include "runtime/task_pack.h"
#include "text/tokenizer.h"

namespace edgemt {

namespace fs = std::filesystem;

struct Engine::Impl {
  ModelDir dir;
  LoadedWeights weights;
  AlbertModel model;
  std::optional<text::Tokenizer> tokenizer;  // absent when the directory has no spiece.model
  std::map<std::string, TaskPack, std::less<>> tasks;
  std::vector<std::string> warnings;
  ExitPolicy policy = ExitPolicy::Entropy;
  std::map<std::string, double, std::less<>> density;  // backbone matrices by HF name

  explicit Impl(ModelDir d) : dir(std::move(d)), weights(dir.weights_path, dir.config), model(dir.config, weights.weights()) {
    std::error_code ec;
    if (fs::exists(dir.spiece_path, ec))
      tokenizer.emplace(dir.spiece_path, text::TokenizerOptions{.lowercase = dir.tokenizer.lowercase,
                                                                .keep_accents = dir.tokenizer.keep_accents});
    warn_unused(dir.weights_path, weights.unused());
    if (tokenizer && tokenizer->vocab_size() != static_cast<size_t>(dir.config.vocab_size))
      throw Error(dir.spiece_path.string() + ": " + std::to_string(tokenizer->vocab_size()) +
                  " pieces, but config.json vocab_size is " + std::to_string(dir.config.vocab_size));
    if (auto t = default_task(dir.config, weights.weights())) tasks.emplace("default", std::move(*t));
    if (fs::is_directory(dir.root / "tasks", ec)) {
      std::vector<fs::path> packs;
      for (const auto& e : fs::directory_iterator(dir.root / "tasks"))
        if (e.is_directory()) packs.push_back(e.path());
      std::sort(packs.begin(), packs.end());
      for (const auto& p : packs) {
        if (tasks.count(p.filename().string()))
          throw Error(p.string() + ": task name '" + p.filename().string() + "' is already taken");
        TaskPack pack = load_task_pack(p, dir.config);
        warn_unused(pack.file->path(), pack.unused);
        tasks.emplace(p.filename().string(), std::move(pack));
      }
    }
    record_density();
  }

  // Non-zero fractions of the backbone's matrices (bitmask-pruned weights decode to zeros), for traces.
  void record_density() {
    const AlbertConfig& c = dir.config;
    const AlbertWeights& w = weights.weights();
    const std::string p = SafetensorsFile(dir.weights_path).find("albert.embeddings.word_embeddings.weight") ? "albert." : "";
    const int H = c.hidden_size;
    density[p + "encoder.embedding_hidden_mapping_in.weight"] = nonzero_fraction(w.proj);
    for (int g = 0; g < c.num_hidden_groups; ++g)
      for (int i = 0; i < c.inner_group_num; ++i) {
        const LayerW& lw = w.groups[static_cast<size_t>(g)][static_cast<size_t>(i)];
        const std::string l = p + "encoder.albert_layer_groups." + std::to_string(g) + ".albert_layers." + std::to_string(i) + ".";
        const char* qkv[] = {"attention.query.weight", "attention.key.weight", "attention.value.weight"};
        for (int k = 0; k < 3; ++k) density[l + qkv[k]] = nonzero_fraction(lw.qkv, k * H, H);
        density[l + "attention.dense.weight"] = nonzero_fraction(lw.attn_out);
        density[l + "ffn.weight"] = nonzero_fraction(lw.ffn);
        density[l + "ffn_output.weight"] = nonzero_fraction(lw.ffn_out);
      }
  }

  void warn_unused(const fs::path& file, const std::vector<std::string>& unused) {
    if (unused.empty()) return;
    std::string list;
    for (const auto& n : unused) list += (list.empty() ? "" : ", ") + n;
    warnings.push_back(file.string() + ": tensors not used by the model: " + list);
  }

  const TaskPack& task(std::string_view name) const {
    if (const auto it = tasks.find(name); it != tasks.end()) return it->second;
    std::string list;
    for (const auto& [n, t] : tasks) list += (list.empty() ? "" : ", ") + n;
    throw Error("unknown task '" + std::string(name) + "' (this model has: " + (list.empty() ? "none" : list) + ")");
  }
};

void set_num_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

Engine::Engine(const fs::path& model_dir, EngineOptions options) {
  set_num_threads(options.threads);
  impl_ = std::make_unique<Impl>(open_model_dir(model_dir));
  impl_->policy = options.exit_policy;
}

Engine::~Engine() = default;

std::vector<std::string> Engine::tasks() const {
  std::vector<std::string> names;
  for (const auto& [n, t] : impl_->tasks) names.push_back(n);
  return names;
}

const TaskInfo& Engine::task_info(std::string_view task) const { return impl_->task(task).info; }
const TaskPack& Engine::task_pack(std::string_view task) const { return impl_->task(task); }

Prediction Engine::classify(std::string_view task, std::string_view text, std::optional<std::string_view> text_pair,
                            size_t max_length) const {
  ClassifyOptions o;
  o.max_length = max_length;
  return classify(task, text, text_pair, o);
}

Prediction Engine::classify(std::string_view task, std::string_view text, std::optional<std::string_view> text_pair,
                            const ClassifyOptions& options) const {
  TextInput in{std::string(text), text_pair ? std::optional<std::string>(std::string(*text_pair)) : std::nullopt};
  return classify_batch(task, {in}, options).front();
}

std::vector<Prediction> Engine::classify_batch(std::string_view task, const std::vector<TextInput>& inputs,
                                               size_t max_length) const {
  ClassifyOptions o;
  o.max_length = max_length;
  return classify_batch(task, inputs, o);
}

std::vector<Prediction> Engine::classify_batch(std::string_view task_name, const std::vector<TextInput>& inputs,
                                               const ClassifyOptions& options) const {
  const TaskPack& task = impl_->task(task_name);
  const RunOptions run{.exit_threshold = exit_threshold(task, options.exit_threshold),
                       .policy = options.exit_policy.value_or(impl_->policy)};
  const size_t limit = default_max_length(options.max_length);
  const auto start = std::chrono::steady_clock::now();
  std::vector<Sequence> batch;
  for (const auto& in : inputs) {
    auto enc = tokenizer().encode(in.text, in.text_pair ? std::optional<std::string_view>(*in.text_pair) : std::nullopt, limit);
    batch.push_back({std::move(enc.ids), std::move(enc.type_ids), {}});
  }
  std::vector<Prediction> preds = run_task(impl_->model, task, batch, run);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  for (auto& p : preds) p.latency_ms = ms / static_cast<double>(preds.size());
  return preds;
}

std::vector<Prediction> Engine::classify_batch(const std::vector<TaskInput>& inputs, const ClassifyOptions& options) const {
  std::map<std::string_view, std::vector<size_t>> by_task;  // task → input indices, in input order
  for (size_t i = 0; i < inputs.size(); ++i) by_task[impl_->task(inputs[i].task).info.name].push_back(i);
  std::vector<Prediction> preds(inputs.size());
  for (const auto& [task, idx] : by_task) {
    std::vector<TextInput> group;
    for (size_t i : idx) group.push_back({inputs[i].text, inputs[i].text_pair});
    std::vector<Prediction> got = classify_batch(task, group, options);
    for (size_t k = 0; k < idx.size(); ++k) preds[idx[k]] = std::move(got[k]);
  }
  return preds;
}

size_t Engine::default_max_length(size_t requested) const {
  const auto positions = static_cast<size_t>(impl_->dir.config.max_position_embeddings);
  const size_t tokenizer_limit = impl_->dir.tokenizer.model_max_length;
  const size_t base = requested ? requested : (tokenizer_limit ? tokenizer_limit : positions);
  return std::min(base, positions);
}

const std::vector<std::string>& Engine::warnings() const { return impl_->warnings; }
const AlbertModel& Engine::model() const { return impl_->model; }
const text::Tokenizer& Engine::tokenizer() const {
  if (!impl_->tokenizer) throw Error(impl_->dir.spiece_path.string() + ": missing SentencePiece model spiece.model");
  return *impl_->tokenizer;
}
const ModelDir& Engine::model_dir() const { return impl_->dir; }
ExitPolicy Engine::default_exit_policy() const { return impl_->policy; }
const std::map<std::string, double, std::less<>>& Engine::weight_density() const { return impl_->density; }

}  // namespace edgemt
