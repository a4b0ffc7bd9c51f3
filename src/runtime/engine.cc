// Engine: one backbone and tokenizer in memory; tasks answered from it. Until task packs exist,
// a plain HF classifier checkpoint is the single task "default".
#include "edgemt/engine.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"
#include "formats/model_dir.h"
#include "model/albert.h"
#include "model/weights.h"
#include "runtime/heads.h"
#include "text/tokenizer.h"

namespace edgemt {

struct Engine::Impl {
  ModelDir dir;
  LoadedWeights weights;
  AlbertModel model;
  std::optional<text::Tokenizer> tokenizer;  // absent when the directory has no spiece.model
  std::vector<std::string> warnings;

  explicit Impl(ModelDir d)
      : dir(std::move(d)),
        weights(dir.weights_path, dir.config),
        model(dir.config, weights.weights()) {
    std::error_code ec;
    if (std::filesystem::exists(dir.spiece_path, ec))
      tokenizer.emplace(dir.spiece_path, text::TokenizerOptions{.lowercase = dir.tokenizer.lowercase,
                                                                .keep_accents = dir.tokenizer.keep_accents});
    if (!weights.unused().empty()) {
      std::string list;
      for (const auto& n : weights.unused()) list += (list.empty() ? "" : ", ") + n;
      warnings.push_back(dir.weights_path.string() + ": tensors not used by the model: " + list);
    }
    if (tokenizer && tokenizer->vocab_size() != static_cast<size_t>(dir.config.vocab_size))
      throw Error(dir.spiece_path.string() + ": " + std::to_string(tokenizer->vocab_size()) +
                  " pieces, but config.json vocab_size is " + std::to_string(dir.config.vocab_size));
  }
};

void set_num_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

Engine::Engine(const std::filesystem::path& model_dir, EngineOptions options) {
  set_num_threads(options.threads);
  impl_ = std::make_unique<Impl>(open_model_dir(model_dir));
}

Engine::~Engine() = default;

std::vector<std::string> Engine::tasks() const {
  if (impl_->weights.weights().classifier) return {"default"};
  return {};
}

Prediction Engine::classify(std::string_view task, std::string_view text, std::optional<std::string_view> text_pair,
                            size_t max_length) const {
  TextInput in{std::string(text), text_pair ? std::optional<std::string>(std::string(*text_pair)) : std::nullopt};
  return classify_batch(task, {in}, max_length).front();
}

std::vector<Prediction> Engine::classify_batch(std::string_view task, const std::vector<TextInput>& inputs,
                                               size_t max_length) const {
  const auto& cfg = impl_->dir.config;
  const auto known = tasks();
  if (std::find(known.begin(), known.end(), std::string(task)) == known.end()) {
    std::string list;
    for (const auto& t : known) list += (list.empty() ? "" : ", ") + t;
    throw Error("unknown task '" + std::string(task) + "' (this model has: " + (list.empty() ? "none" : list) + ")");
  }
  const size_t limit = max_length ? std::min<size_t>(max_length, cfg.max_position_embeddings)
                                  : static_cast<size_t>(cfg.max_position_embeddings);
  const auto start = std::chrono::steady_clock::now();
  std::vector<Sequence> batch;
  for (const auto& in : inputs) {
    auto enc = tokenizer().encode(in.text, in.text_pair ? std::optional<std::string_view>(*in.text_pair) : std::nullopt, limit);
    batch.push_back({std::move(enc.ids), std::move(enc.type_ids), {}});
  }
  const ForwardOutput out = impl_->model.forward(batch);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const int C = impl_->weights.weights().classifier->out;
  std::vector<Prediction> preds;
  for (size_t b = 0; b < batch.size(); ++b) {
    Prediction p = head_prediction(cfg, std::span<const float>(out.logits).subspan(b * C, C));
    p.task = std::string(task);
    p.exit_layer = p.layers = cfg.total_layers();
    p.tokens = static_cast<int>(batch[b].ids.size());
    p.latency_ms = ms / static_cast<double>(batch.size());
    preds.push_back(std::move(p));
  }
  return preds;
}

const std::vector<std::string>& Engine::warnings() const { return impl_->warnings; }
const AlbertModel& Engine::model() const { return impl_->model; }
const text::Tokenizer& Engine::tokenizer() const {
  if (!impl_->tokenizer) throw Error(impl_->dir.spiece_path.string() + ": missing SentencePiece model spiece.model");
  return *impl_->tokenizer;
}
const ModelDir& Engine::model_dir() const { return impl_->dir; }

}  // namespace edgemt
