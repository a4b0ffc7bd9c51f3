// The fine-tuning loop: batches with dynamic padding, AdamW with warm-up + linear decay, dev metrics
// every epoch, the best epoch's weights written as a task pack (adapter) or a model directory (full).
#include "train/torch/finetune.h"

#include <chrono>
#include <fstream>
#include <numeric>
#include <random>
#include <span>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/safetensors.h"
#include "formats/tensor_access.h"
#include "text/glue_tasks.h"
#include "train/task_data.h"
#include "train/torch/autocast.h"
#include "train/torch/glue_batch.h"
#include "train/torch/model_io.h"
#include "train/torch/optim.h"

namespace edgemt::train {

namespace fs = std::filesystem;
namespace nn = torch::nn;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

// HF AlbertForSequenceClassification's head: tanh(pooler(h[:, 0])) → dropout → classifier.
struct ClassifierHeadImpl : nn::Module {
  ClassifierHeadImpl(int hidden, int classes, double p) {
    pooler = register_module("pooler", nn::Linear(hidden, hidden));
    classifier = register_module("classifier", nn::Linear(hidden, classes));
    dropout = register_module("dropout", nn::Dropout(p));
    torch::NoGradGuard no_grad;
    classifier->weight.normal_(0.0, 0.02);
    classifier->bias.zero_();
  }
  torch::Tensor forward(const torch::Tensor& last_hidden) {  // [B, T, H] → [B, C]
    return classifier(dropout(torch::tanh(pooler(last_hidden.select(1, 0)))));
  }
  nn::Linear pooler{nullptr}, classifier{nullptr};
  nn::Dropout dropout{nullptr};
};
TORCH_MODULE(ClassifierHead);

// What the optimiser sees: the parts that train (and only those, so their names are stable).
struct TrainableImpl : nn::Module {};
TORCH_MODULE(Trainable);

void check_options(const FinetuneOptions& o) {
  auto bad = [](const std::string& what) { throw Error("finetune: " + what); };
  if (o.init.empty()) bad("--init (the backbone model directory) is required");
  if (o.data.empty()) bad("--data (an encoded task: edgemt train encode-glue) is required");
  if (o.out.empty()) bad("--out is required");
  if (o.mode != "adapter" && o.mode != "full") bad("--mode must be adapter or full, got '" + o.mode + "'");
  if (o.mode == "adapter" && o.adapter.size < 1) bad("--adapter-size must be >= 1");
  if (o.epochs < 1) bad("--epochs must be >= 1");
  if (o.batch < 1) bad("--batch must be >= 1");
  if (!(o.time_limit_min >= 0)) bad("--time-limit-min must be >= 0");
  if (!(o.lr >= 0)) bad("--lr must be >= 0");
  if (!(o.warmup_ratio >= 0 && o.warmup_ratio < 1)) bad("--warmup-ratio must be in [0, 1)");
  if (!(o.dropout >= 0 && o.dropout < 1)) bad("--dropout must be in [0, 1)");
  if (o.dtype != DType::F32 && o.dtype != DType::F16) bad("--dtype must be f32 or f16");
  if (o.device != "cpu" && o.device != "cuda") bad("--device must be cpu or cuda, got '" + o.device + "'");
  if (o.device == "cuda" && !torch::cuda::is_available()) bad("--device cuda: no CUDA device is available");
}

int64_t count(const std::vector<torch::Tensor>& ps) {
  int64_t n = 0;
  for (const auto& p : ps) n += p.numel();
  return n;
}

}  // namespace

FinetuneResult finetune(const FinetuneOptions& o, const std::function<void(const StepLog&)>& on_step,
                        const std::function<void(const EpochRecord&)>& on_epoch) {
  check_options(o);
  const TaskData data = read_task_data(o.data);
  const glue::TaskSpec* task = &task_of(data, o.data);
  const TaskSplit& train_split = data.split("train");
  const TaskSplit& dev_split = data.split("dev");
  const int C = data.regression ? 1 : static_cast<int>(data.labels.size());

  AlbertConfig config;
  torch::manual_seed(o.seed);
  AlbertForPreTraining model = load_model_dir(o.init, &config);
  if (data.vocab_size != config.vocab_size)
    throw Error(o.data.string() + ": encoded with a vocabulary of " + std::to_string(data.vocab_size) +
                " pieces, but " + (o.init / "config.json").string() + " has vocab_size " +
                std::to_string(config.vocab_size) + " (encode with this model's tokenizer)");
  if (data.max_length > config.max_position_embeddings)
    throw Error(o.data.string() + ": max_length " + std::to_string(data.max_length) + " exceeds the model's " +
                "max_position_embeddings " + std::to_string(config.max_position_embeddings));
  const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);
  const bool adapter_mode = o.mode == "adapter";

  ClassifierHead head(config.hidden_size, C, o.dropout);
  {
    torch::NoGradGuard no_grad;
    head->pooler->weight.copy_(model->albert->pooler->weight);
    head->pooler->bias.copy_(model->albert->pooler->bias);
    // Full mode continues an --init that is already this task's classifier; one with another label
    // count is a mismatch. (Adapter mode trains its own head: the backbone's classifier is not used.)
    const SafetensorsFile f(o.init / "model.safetensors");
    if (const TensorInfo* t = f.find("classifier.weight"); t && !adapter_mode) {
      if (t->shape.size() != 2 || t->shape[0] != C)
        throw Error((o.init / "model.safetensors").string() + ": classifier has " +
                    std::to_string(t->shape.empty() ? 0 : t->shape[0]) + " labels, but task " + data.glue_task +
                    " has " + std::to_string(C) + " (" + o.data.string() + ")");
      std::vector<std::unique_ptr<float[]>> owned;
      const float* w = f32_tensor(f, "classifier.weight", {C, config.hidden_size}, owned);
      const float* b = f32_tensor(f, "classifier.bias", {C}, owned);
      head->classifier->weight.copy_(torch::from_blob(const_cast<float*>(w), {C, config.hidden_size}, torch::kFloat));
      head->classifier->bias.copy_(torch::from_blob(const_cast<float*>(b), {C}, torch::kFloat));
    }
  }
  TaskAdapters adapters{nullptr};
  Trainable trainable;
  if (adapter_mode) {
    adapters = TaskAdapters(config, o.adapter);
    {  // task LayerNorms start as the backbone's
      torch::NoGradGuard no_grad;
      int application = 0;
      for (int l = 0; l < config.num_hidden_layers; ++l)
        for (auto& layer : model->albert->groups[static_cast<size_t>(l / config.layers_per_group())]) {
          if (!o.adapter.share_across_layers || application == 0) {
            auto& set = adapters->at(application);
            set->attention_norm->weight.copy_(layer->attention->norm->weight);
            set->attention_norm->bias.copy_(layer->attention->norm->bias);
            set->full_norm->weight.copy_(layer->full_norm->weight);
            set->full_norm->bias.copy_(layer->full_norm->bias);
          }
          ++application;
        }
    }
    for (auto& p : model->parameters()) p.set_requires_grad(false);
    trainable->register_module("task", adapters);
  } else {
    trainable->register_module("albert", model->albert);
  }
  trainable->register_module("head", head);
  model->to(device);
  trainable->to(device);

  FinetuneResult result;
  result.metric = std::string(glue::metric_key(task->metrics.front()));
  result.trainable_params = count(trainable->parameters());
  OptimOptions optim;
  optim.weight_decay = o.weight_decay;
  optim.eps = 1e-8;
  auto optimizer = make_optimizer(*trainable, optim);
  const double peak = o.lr > 0 ? o.lr : (adapter_mode ? 1e-3 : 2e-5);
  const int64_t per_epoch = (static_cast<int64_t>(train_split.size()) + o.batch - 1) / o.batch;
  const int64_t total = per_epoch * o.epochs;
  const auto warmup = static_cast<int64_t>(o.warmup_ratio * static_cast<double>(total));

  auto forward = [&](const Batch& b) {
    AutocastGuard autocast(device.is_cuda());
    const auto out = model->albert->forward(b.ids, b.types, b.mask, false, adapter_mode ? adapters.get() : nullptr);
    return head->forward(out.last_hidden).to(torch::kFloat);  // [B, C]
  };
  auto loss_of = [&](const torch::Tensor& logits, const Batch& b) {
    return data.regression ? torch::mse_loss(logits.squeeze(-1), b.labels)
                           : torch::nn::functional::cross_entropy(logits, b.labels);
  };
  auto evaluate = [&] {
    model->eval();
    trainable->eval();
    torch::NoGradGuard no_grad;
    std::vector<size_t> rows(dev_split.size());
    std::iota(rows.begin(), rows.end(), 0);
    std::vector<float> pred;
    for (size_t i = 0; i < rows.size(); i += 64) {
      const auto chunk = std::span(rows).subspan(i, std::min<size_t>(64, rows.size() - i));
      const auto logits = forward(make_batch(dev_split, chunk, data.pad_id, data.regression, device)).cpu();
      const auto p = data.regression ? logits.squeeze(-1) : logits.argmax(-1).to(torch::kFloat);
      pred.insert(pred.end(), p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
    }
    return glue_metrics(*task, pred, dev_split.labels);
  };

  // The best epoch's trainable weights, on the CPU.
  std::vector<std::pair<std::string, torch::Tensor>> best_state;
  auto snapshot = [&] {
    best_state.clear();
    for (const auto& item : trainable->named_parameters()) best_state.emplace_back(item.key(), item.value().detach().cpu().clone());
  };

  std::mt19937_64 rng(o.seed);
  int64_t step = 0;
  const auto started = Clock::now();
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    const auto start = Clock::now();
    model->train();
    trainable->train();
    if (adapter_mode) model->eval();  // frozen backbone: no dropout there anyway; keep it in eval
    std::vector<size_t> order(train_split.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    double loss_sum = 0;
    torch::Tensor window = torch::zeros({}, torch::kFloat).to(device);
    int64_t window_steps = 0;
    auto window_start = Clock::now();
    for (size_t i = 0; i < order.size(); i += static_cast<size_t>(o.batch)) {
      const auto rows = std::span(order).subspan(i, std::min<size_t>(static_cast<size_t>(o.batch), order.size() - i));
      const Batch b = make_batch(train_split, rows, data.pad_id, data.regression, device);
      const double lr = learning_rate(step, total, warmup, peak);
      const auto loss = loss_of(forward(b), b);
      optimizer->zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(trainable->parameters(), 1.0);
      optimizer->step(lr);
      ++step;
      window = window + loss.detach();
      ++window_steps;
      if (o.log_every > 0 && (step % o.log_every == 0 || step == total)) {
        const double mean = window.item<double>() / static_cast<double>(window_steps);
        loss_sum += mean * static_cast<double>(window_steps);
        const double secs = std::chrono::duration<double>(Clock::now() - window_start).count();
        if (on_step)
          on_step({.step = step, .steps = total, .loss = mean, .lr = lr,
                   .examples_per_s = static_cast<double>(window_steps * o.batch) / std::max(secs, 1e-9)});
        window = torch::zeros({}, torch::kFloat).to(device);
        window_steps = 0;
        window_start = Clock::now();
      }
    }
    if (window_steps > 0) loss_sum += window.item<double>();
    EpochRecord rec{.epoch = epoch, .train_loss = loss_sum / static_cast<double>(per_epoch), .dev = evaluate(), .seconds = 0};
    rec.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double metric = rec.dev.at(result.metric);
    if (result.best_epoch == 0 || metric > result.best) {
      result.best = metric;
      result.best_epoch = epoch;
      snapshot();
    }
    result.epochs.push_back(rec);
    if (on_epoch) on_epoch(rec);
    // A time limit ends the run at an epoch boundary: stop when one more epoch would pass it.
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    if (o.time_limit_min > 0 && epoch < o.epochs && elapsed * (epoch + 1) / epoch > 60.0 * o.time_limit_min) {
      result.stopped_early = true;
      break;
    }
  }

  // Write the best epoch.
  std::map<std::string, torch::Tensor> best(best_state.begin(), best_state.end());
  fs::create_directories(o.out);
  std::vector<std::pair<std::string, torch::Tensor>> named;
  fs::path weights;
  if (adapter_mode) {
    named.emplace_back("pooler.weight", best.at("head.pooler.weight"));
    named.emplace_back("pooler.bias", best.at("head.pooler.bias"));
    named.emplace_back("classifier.weight", best.at("head.classifier.weight"));
    named.emplace_back("classifier.bias", best.at("head.classifier.bias"));
    for (const auto& [name, t] : best_state)
      if (name.starts_with("task.")) named.emplace_back(name.substr(5), t);  // "adapters.{a}.…"
    weights = o.out / "task.safetensors";
    write_tensors(weights, named, o.dtype);
    json j = {{"glue_task", data.glue_task},
              {"metric", result.metric},
              {"max_length", data.max_length},
              {"adapter",
               {{"size", o.adapter.size},
                {"activation", edgemt::activation_name(o.adapter.activation)},
                {"share_across_layers", o.adapter.share_across_layers}}}};
    if (data.regression)
      j["problem_type"] = "regression";
    else
      j["labels"] = data.labels;
    const std::string text = j.dump(2) + "\n";
    write_file_atomic(o.out / "task.json", std::as_bytes(std::span(text)));
  } else {
    for (const auto& item : model->albert->named_parameters()) {
      const std::string name = "albert." + item.key();
      if (name.starts_with("albert.pooler.")) continue;
      named.emplace_back(name, best.at(name));
    }
    named.emplace_back("albert.pooler.weight", best.at("head.pooler.weight"));
    named.emplace_back("albert.pooler.bias", best.at("head.pooler.bias"));
    named.emplace_back("classifier.weight", best.at("head.classifier.weight"));
    named.emplace_back("classifier.bias", best.at("head.classifier.bias"));
    weights = o.out / "model.safetensors";
    write_tensors(weights, named, o.dtype);
    json cfg = albert_config_json(config, {"AlbertForSequenceClassification"});
    cfg["finetuning_task"] = data.glue_task;
    cfg["classifier_dropout_prob"] = o.dropout;
    json id2label = json::object(), label2id = json::object();
    for (int c = 0; c < C; ++c) {
      const std::string name = data.regression ? "LABEL_0" : data.labels[static_cast<size_t>(c)];
      id2label[std::to_string(c)] = name;
      label2id[name] = c;
    }
    cfg["id2label"] = id2label;
    cfg["label2id"] = label2id;
    if (data.regression) cfg["problem_type"] = "regression";
    if (o.dtype == DType::F16) cfg["dtype"] = "float16";
    const std::string text = cfg.dump(2) + "\n";
    write_file_atomic(o.out / "config.json", std::as_bytes(std::span(text)));
    for (const char* extra : {"spiece.model", "tokenizer_config.json"})
      if (fs::exists(o.init / extra) && fs::absolute(o.init) != fs::absolute(o.out))
        fs::copy_file(o.init / extra, o.out / extra, fs::copy_options::overwrite_existing);
  }
  for (const auto& [name, t] : named) result.stored_params += t.numel();
  result.stored_bytes = fs::file_size(weights);
  return result;
}

}  // namespace edgemt::train
