// Engine: one backbone and tokenizer in memory; every task pack runs on it, with the pack's own
// adapters and LayerNorms when it has them. A plain HF classifier checkpoint is the single task "default".
#include "edgemt/engine.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "core/error.h"
#include "formats/model_dir.h"
#include "kernels/linear.h"
#include "kernels/norm_act.h"
#include "model/albert.h"
#include "model/weights.h"
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
  TextInput in{std::string(text), text_pair ? std::optional<std::string>(std::string(*text_pair)) : std::nullopt};
  return classify_batch(task, {in}, max_length).front();
}

std::vector<Prediction> Engine::classify_batch(std::string_view task_name, const std::vector<TextInput>& inputs,
                                               size_t max_length) const {
  const TaskPack& task = impl_->task(task_name);
  const auto& cfg = impl_->dir.config;
  const size_t limit = default_max_length(max_length);
  const auto start = std::chrono::steady_clock::now();
  std::vector<Sequence> batch;
  for (const auto& in : inputs) {
    auto enc = tokenizer().encode(in.text, in.text_pair ? std::optional<std::string_view>(*in.text_pair) : std::nullopt, limit);
    batch.push_back({std::move(enc.ids), std::move(enc.type_ids), {}});
  }
  const ForwardOutput out = impl_->model.forward(batch, {.adapters = task.adapters ? &*task.adapters : nullptr});
  const int H = cfg.hidden_size, B = static_cast<int>(batch.size()), C = task.classifier.out;
  std::vector<float> cls(static_cast<size_t>(B) * H);  // [B, H] the [CLS] rows
  for (int b = 0; b < B; ++b)
    std::copy_n(out.last_hidden.data() + static_cast<long>(out.offsets[b]) * H, H, cls.data() + static_cast<long>(b) * H);
  const std::vector<float> logits = apply_head(task.pooler, task.classifier, cls, B).logits;  // [B, C]
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::vector<Prediction> preds;
  for (int b = 0; b < B; ++b) {
    Prediction p = head_prediction(task.info, std::span<const float>(logits).subspan(static_cast<size_t>(b) * C, C));
    p.task = task.info.name;
    p.exit_layer = p.layers = cfg.total_layers();
    p.tokens = static_cast<int>(batch[static_cast<size_t>(b)].ids.size());
    p.latency_ms = ms / B;
    preds.push_back(std::move(p));
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

}  // namespace edgemt
