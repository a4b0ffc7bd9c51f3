// The EdgeBERT pipeline for one task: stage 1 (adapters, spans, distillation, task pruning), stage 2
// (off-ramps on cached [CLS] states of the frozen model), calibration (threshold, LUT), pack + report.
#include "train/torch/edgebert.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <span>

#include "core/error.h"
#include "formats/safetensors.h"
#include "formats/tensor_access.h"
#include "text/glue_tasks.h"
#include "train/task_data.h"
#include "train/torch/autocast.h"
#include "train/torch/glue_batch.h"
#include "train/torch/model_io.h"
#include "train/torch/optim.h"
#include "train/torch/pruning_torch.h"
#include "train/torch/task_model.h"

namespace edgemt::train {

namespace fs = std::filesystem;
namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

void check_options(const EdgebertOptions& o) {
  auto bad = [](const std::string& what) { throw Error("edgebert: " + what); };
  if (o.init.empty()) bad("--init (the backbone model directory) is required");
  if (o.data.empty()) bad("--data (an encoded task: edgemt train encode-glue) is required");
  if (o.out.empty()) bad("--out is required");
  if (o.adapter.size < 1) bad("--adapter-size must be >= 1");
  if (o.epochs < 1 || o.batch < 1 || o.ramp_epochs < 0 || o.ramp_batch < 1) bad("epochs and batches must be >= 1");
  if (!(o.calib_fraction > 0 && o.calib_fraction < 0.5)) bad("--calib-fraction must be in (0, 0.5)");
  if (o.offramp != "light" && o.offramp != "full") bad("--offramp must be light or full, got '" + o.offramp + "'");
  if (!(o.max_drop >= 0)) bad("--max-drop must be >= 0");
  if (o.predictor_bins < 1 || o.predictor_bins > 65536) bad("--predictor-bins must be in [1, 65536]");
  if (!(o.span_ramp >= 0) || !(o.span_lambda >= 0)) bad("--span-ramp and --span-lambda must be >= 0");
  if (!(o.joint_ramps >= 0)) bad("--joint-ramps must be >= 0");
  if (!(o.alpha >= 0 && o.alpha <= 1)) bad("--alpha must be in [0, 1]");
  if (!(o.temperature > 0)) bad("--temperature must be > 0");
  if (!(o.task_sparsity >= 0 && o.task_sparsity < 1)) bad("--task-sparsity must be in [0, 1)");
  if (o.device != "cpu" && o.device != "cuda") bad("--device must be cpu or cuda, got '" + o.device + "'");
  if (o.device == "cuda" && !torch::cuda::is_available()) bad("--device cuda: no CUDA device is available");
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// [CLS] states after layers 1 … L − 1 ([N, L − 1, H], when asked) and the head's logits [N, C] of rows.
struct Features {
  torch::Tensor cls, logits;
};

Features features(TaskModelImpl& m, AlbertBackboneImpl& bb, const TaskSplit& s, const std::vector<size_t>& rows,
                  const TaskData& data, const torch::Device& device, bool want_cls) {
  torch::NoGradGuard no_grad;
  m.eval();
  std::vector<torch::Tensor> cls, logits;
  for (size_t i = 0; i < rows.size(); i += 128) {
    const auto chunk = std::span(rows).subspan(i, std::min<size_t>(128, rows.size() - i));
    const Batch b = make_batch(s, chunk, data.pad_id, data.regression, device);
    AutocastGuard autocast(device.is_cuda());
    const auto out = bb.forward(b.ids, b.types, b.mask, want_cls, m.adapters ? m.adapters.get() : nullptr,
                                m.spans ? m.spans.get() : nullptr);
    logits.push_back(m.head(out.last_hidden).to(torch::kFloat));
    if (want_cls) {
      std::vector<torch::Tensor> per_layer;
      for (size_t l = 1; l + 1 < out.hidden_states.size(); ++l) per_layer.push_back(out.hidden_states[l].select(1, 0));
      cls.push_back(torch::stack(per_layer, 1).to(torch::kFloat));  // [B, L − 1, H]
    }
  }
  return {want_cls ? torch::cat(cls) : torch::Tensor(), torch::cat(logits)};
}

// Entropies and classes of every ramp and the head, as the engine computes them (fp32).
LayerOutputs layer_outputs(OffRampsImpl& ramps, const Features& f) {
  torch::NoGradGuard no_grad;
  ramps.eval();
  std::vector<torch::Tensor> per_layer;
  for (int l = 1; l <= ramps.layers(); ++l) per_layer.push_back(ramps.at(l)->forward(f.cls.select(1, l - 1)));
  per_layer.push_back(f.logits);
  const auto z = torch::stack(per_layer, 1).to(torch::kCPU, torch::kFloat);  // [N, L, C]
  const auto h = entropy(z).clamp_min(0).contiguous(), c = z.argmax(-1).to(torch::kInt).contiguous();
  LayerOutputs out;
  out.layers = static_cast<int>(z.size(1));
  out.entropy.assign(h.data_ptr<float>(), h.data_ptr<float>() + h.numel());
  out.label.assign(c.data_ptr<int>(), c.data_ptr<int>() + c.numel());
  return out;
}

std::vector<float> gold_of(const TaskSplit& s, const std::vector<size_t>& rows) {
  std::vector<float> g;
  for (size_t r : rows) g.push_back(s.labels[r]);
  return g;
}

std::vector<float> predictions(const torch::Tensor& logits, bool regression) {
  const auto p = (regression ? logits.squeeze(-1) : logits.argmax(-1).to(torch::kFloat)).to(torch::kCPU).contiguous();
  return {p.data_ptr<float>(), p.data_ptr<float>() + p.numel()};
}

// Σ_l l·CE(ramp_l) / Σ_l l over ramp logits [B, L − 1, C]: later ramps weigh more, as their
// features are the head's (stage 1 with --joint-ramps).
torch::Tensor layer_weighted_ramp_ce(const torch::Tensor& ramp_logits, const torch::Tensor& labels) {
  const int64_t n = ramp_logits.size(1);
  auto sum = torch::zeros({}, ramp_logits.options().dtype(torch::kFloat));
  for (int64_t l = 1; l <= n; ++l) sum = sum + static_cast<double>(l) * F::cross_entropy(ramp_logits.select(1, l - 1), labels);
  return sum / static_cast<double>(n * (n + 1) / 2);
}

// Stage 2: ramps trained on cached [CLS] states with Σ_l CE(ramp_l); the rest stays frozen.
double train_ramps(OffRampsImpl& ramps, const torch::Tensor& cls, const torch::Tensor& labels, const EdgebertOptions& o,
                   const std::function<void(const std::string&)>& log, const std::string& kind) {
  OptimOptions oo;
  oo.weight_decay = o.weight_decay;
  oo.eps = 1e-8;
  auto opt = make_optimizer(ramps, oo);
  const int64_t N = cls.size(0), per_epoch = (N + o.ramp_batch - 1) / o.ramp_batch, total = per_epoch * o.ramp_epochs;
  torch::manual_seed(o.seed);
  int64_t step = 0;
  double last = 0;
  ramps.train();
  for (int e = 1; e <= o.ramp_epochs; ++e) {
    const auto order = torch::randperm(N, torch::TensorOptions().dtype(torch::kLong).device(cls.device()));
    auto sum = torch::zeros({}, cls.options());
    for (int64_t i = 0; i < N; i += o.ramp_batch) {
      const auto idx = order.slice(0, i, std::min(N, i + o.ramp_batch));
      const auto x = cls.index_select(0, idx), y = labels.index_select(0, idx);
      auto loss = torch::zeros({}, cls.options());
      for (int l = 1; l <= ramps.layers(); ++l) loss = loss + F::cross_entropy(ramps.at(l)->forward(x.select(1, l - 1)), y);
      opt->zero_grad();
      loss.backward();
      opt->step(learning_rate(step++, total, total / 10, o.ramp_lr));
      sum = sum + loss.detach();
    }
    last = sum.item<double>() / static_cast<double>(per_epoch) / ramps.layers();
    if (log) log("stage 2 (" + kind + " ramps): epoch " + std::to_string(e) + " mean ramp CE " + std::to_string(last));
  }
  return last;
}

json sweep_json(const std::vector<SweepPoint>& s) {
  json a = json::array();
  for (const auto& p : s) a.push_back({{"threshold", p.threshold}, {"metric", p.metric}, {"mean_exit_layer", p.mean_exit_layer}});
  return a;
}

json stats_json(const std::vector<LayerStats>& st) {
  json a = json::array();
  for (const auto& s : st)
    a.push_back({{"layer", s.layer}, {"entropy_mean", s.mean}, {"entropy_std", s.stddev}, {"entropy_p10", s.p10},
                 {"entropy_p50", s.p50}, {"entropy_p90", s.p90}, {"metric", s.metric}});
  return a;
}

torch::Device device_of(const std::string& name) { return name == "cuda" ? torch::kCUDA : torch::kCPU; }

// Calibration split: a fixed random fraction of train (seeded), used by neither training stage.
// Returns {calibration rows, training rows}; `rng` continues to shuffle the epochs.
std::pair<std::vector<size_t>, std::vector<size_t>> calibration_split(size_t n, double fraction, std::mt19937_64& rng,
                                                                      const fs::path& data) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  const auto n_calib = static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
  if (n_calib < 1 || n_calib >= n) throw Error(data.string() + ": too few training examples for a calibration split");
  const auto cut = order.begin() + static_cast<std::ptrdiff_t>(n_calib);
  return {std::vector<size_t>(order.begin(), cut), std::vector<size_t>(cut, order.end())};
}

// The task-owned matrices `edgemt compress` groups as `tasks`: pooler, classifier, every adapter matrix.
std::vector<PruneTarget> task_prune_targets(TaskModel& model) {
  std::vector<PruneTarget> targets = {{"pooler.weight", model->pooler}, {"classifier.weight", model->classifier}};
  for (size_t a = 0; a < model->adapters->sets.size(); ++a) {
    auto& set = model->adapters->sets[a];
    const std::string p = "adapters." + std::to_string(a) + ".";
    targets.push_back({p + "attention.down.weight", set->attention->down});
    targets.push_back({p + "attention.up.weight", set->attention->up});
    targets.push_back({p + "ffn.down.weight", set->ffn->down});
    targets.push_back({p + "ffn.up.weight", set->ffn->up});
  }
  return targets;
}

int64_t count_params(const std::vector<std::pair<std::string, torch::Tensor>>& named) {
  int64_t n = 0;
  for (const auto& [k, t] : named) n += t.numel();
  return n;
}

}  // namespace

json run_edgebert(const EdgebertOptions& o, const std::function<void(const std::string&)>& log) {
  check_options(o);
  const auto started = Clock::now();
  const TaskData data = read_task_data(o.data);
  const glue::TaskSpec* task = &task_of(data, o.data);
  const TaskSplit& train_split = data.split("train");
  const TaskSplit& dev_split = data.split("dev");
  const int C = data.regression ? 1 : static_cast<int>(data.labels.size());
  AlbertConfig config;
  torch::manual_seed(o.seed);
  AlbertForPreTraining backbone = load_model_dir(o.init, &config);
  if (data.vocab_size != config.vocab_size)
    throw Error(o.data.string() + ": encoded with a vocabulary of " + std::to_string(data.vocab_size) + " pieces, but " +
                (o.init / "config.json").string() + " has vocab_size " + std::to_string(config.vocab_size));
  if (data.max_length > config.max_position_embeddings)
    throw Error(o.data.string() + ": max_length exceeds the model's max_position_embeddings");
  const torch::Device device = device_of(o.device);
  const int L = config.num_hidden_layers * config.inner_group_num;
  if (!data.regression && (o.predictor_layer < 1 || o.predictor_layer >= L))
    throw Error("edgebert: --predictor-layer must be in [1, " + std::to_string(L - 1) + "]");

  std::mt19937_64 rng(o.seed);
  const auto [calib, train_rows] = calibration_split(train_split.size(), o.calib_fraction, rng, o.data);
  std::vector<size_t> dev_rows(dev_split.size());
  std::iota(dev_rows.begin(), dev_rows.end(), 0);

  TaskModelSpec spec{.classes = C, .adapter = o.adapter, .spans = std::nullopt,
                     .offramp = data.regression ? "" : o.offramp, .dropout = o.dropout};
  if (o.span_ramp > 0) spec.spans = SpanSpec{.ramp = o.span_ramp, .max_span = static_cast<double>(data.max_length), .lambda = o.span_lambda};
  TaskModel model(config, spec);
  model->init_norms_from(*backbone->albert);
  for (auto& p : backbone->parameters()) p.set_requires_grad(false);
  backbone->to(device);
  backbone->eval();
  model->to(device);

  torch::Tensor teacher;  // [N_train, C]
  if (!o.teacher_logits.empty()) {
    const SafetensorsFile f(o.teacher_logits);
    std::vector<std::unique_ptr<float[]>> owned;
    const auto N = static_cast<int64_t>(train_split.size());
    const float* p = f32_tensor(f, "train.logits", {N, C}, owned);
    teacher = torch::from_blob(const_cast<float*>(p), {N, C}, torch::kFloat).clone().to(device);
  }

  // Stage 1: adapters + head (+ spans, + task pruning scores), each with its own optimiser.
  auto main = std::make_shared<torch::nn::Module>();
  main->register_module("task", model->adapters);
  main->register_module("pooler", model->pooler);
  main->register_module("classifier", model->classifier);
  const bool joint = o.joint_ramps > 0 && model->ramps;
  if (joint) main->register_module("ramps", model->ramps);
  OptimOptions oo;
  oo.weight_decay = o.weight_decay;
  oo.eps = 1e-8;
  auto optimizer = make_optimizer(*main, oo);
  const int64_t per_epoch = (static_cast<int64_t>(train_rows.size()) + o.batch - 1) / o.batch;
  const int64_t total = per_epoch * o.epochs;
  const auto warmup = static_cast<int64_t>(o.warmup_ratio * static_cast<double>(total));
  std::unique_ptr<Optimizer> span_opt, score_opt;
  OptimOptions no_decay = oo;
  no_decay.weight_decay = 0;
  if (model->spans) span_opt = make_optimizer(*model->spans, no_decay);
  std::unique_ptr<MovementPruner> pruner;
  if (o.task_sparsity > 0) {
    pruner = std::make_unique<MovementPruner>(
        task_prune_targets(model), MovementPrunerOptions{.sparsity = o.task_sparsity, .score_init = o.score_init},
        CubicSchedule{.final_keep = 1.0 - o.task_sparsity, .total = total, .warmup = total / 10, .cooldown = total / 4});
    score_opt = make_optimizer(pruner->scores(), no_decay);
  }

  auto task_loss = [&](const torch::Tensor& logits, const Batch& b, const torch::Tensor& t) {
    if (data.regression) {
      const auto s = logits.squeeze(-1), hard = F::mse_loss(s, b.labels);
      return t.defined() ? o.alpha * F::mse_loss(s, t.squeeze(-1)) + (1 - o.alpha) * hard : hard;
    }
    const auto hard = F::cross_entropy(logits, b.labels);
    if (!t.defined()) return hard;
    const double T = o.temperature;
    const auto kd = F::kl_div(F::log_softmax(logits / T, F::LogSoftmaxFuncOptions(-1)),
                              F::log_softmax(t / T, F::LogSoftmaxFuncOptions(-1)),
                              F::KLDivFuncOptions().reduction(torch::kBatchMean).log_target(true));
    return o.alpha * T * T * kd + (1 - o.alpha) * hard;
  };
  auto metric_on = [&](const TaskSplit& s, const std::vector<size_t>& rows) {
    if (pruner) pruner->apply_final();
    const Features f = features(*model, *backbone->albert, s, rows, data, device, false);
    return glue_metrics(*task, predictions(f.logits, data.regression), gold_of(s, rows));
  };

  json epochs = json::array();
  const std::string metric(glue::metric_key(task->metrics.front()));
  int64_t step = 0;
  bool stopped_early = false;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    const auto t0 = Clock::now();
    model->train();
    std::vector<size_t> rows = train_rows;
    std::shuffle(rows.begin(), rows.end(), rng);
    auto loss_sum = torch::zeros({}, torch::TensorOptions().device(device));
    auto ramp_ce_sum = torch::zeros({}, torch::TensorOptions().device(device));
    for (size_t i = 0; i < rows.size(); i += static_cast<size_t>(o.batch)) {
      const auto chunk = std::span(rows).subspan(i, std::min<size_t>(static_cast<size_t>(o.batch), rows.size() - i));
      const Batch b = make_batch(train_split, chunk, data.pad_id, data.regression, device);
      torch::Tensor t;
      if (teacher.defined()) {
        const auto idx = torch::tensor(std::vector<int64_t>(chunk.begin(), chunk.end()), torch::kLong).to(device);
        t = teacher.index_select(0, idx);
      }
      if (pruner) pruner->apply(step);
      TaskOutputs out;
      {
        AutocastGuard autocast(device.is_cuda());
        out = model->forward(*backbone->albert, b.ids, b.types, b.mask, joint);
      }
      auto loss = task_loss(out.logits, b, t);
      if (joint) {
        const auto ce = layer_weighted_ramp_ce(out.ramp_logits, b.labels);
        ramp_ce_sum = ramp_ce_sum + ce.detach();
        loss = loss + o.joint_ramps * ce;
      }
      if (model->spans && o.span_lambda > 0) loss = loss + model->spans->loss();
      optimizer->zero_grad();
      if (span_opt) span_opt->zero_grad();
      if (score_opt) score_opt->zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(main->parameters(), 1.0);
      optimizer->step(learning_rate(step, total, warmup, o.lr));
      if (span_opt) span_opt->step(learning_rate(step, total, warmup, o.span_lr)), model->spans->clamp_();
      if (score_opt) score_opt->step(learning_rate(step, total, warmup, o.score_lr));
      ++step;
      loss_sum = loss_sum + loss.detach();
      if (log && o.log_every > 0 && step % o.log_every == 0) {
        std::string line = "stage 1: step " + std::to_string(step) + "/" + std::to_string(total) + " loss " +
                           std::to_string(loss.item<double>());
        if (model->spans) line += " mean span " + std::to_string(model->spans->z().mean().item<double>());
        log(line);
      }
    }
    const auto dev = metric_on(dev_split, dev_rows);
    const auto cal = metric_on(train_split, calib);
    const double secs = seconds_since(t0);
    epochs.push_back({{"epoch", epoch}, {"train_loss", loss_sum.item<double>() / static_cast<double>(per_epoch)},
                      {"dev", dev}, {"calib", cal}, {"seconds", secs}});
    if (joint) epochs.back()["train_ramp_ce"] = ramp_ce_sum.item<double>() / static_cast<double>(per_epoch);
    if (log)
      log("stage 1: epoch " + std::to_string(epoch) + " dev " + metric + " " + std::to_string(dev.at(metric)) + " calib " +
          std::to_string(cal.at(metric)) + " (" + std::to_string(secs) + " s)");
    const double elapsed = seconds_since(started);
    if (o.time_limit_min > 0 && epoch < o.epochs && elapsed * (epoch + 1) / epoch > 60.0 * o.time_limit_min) {
      stopped_early = true;
      break;
    }
  }
  double task_zero = 0;
  if (pruner) task_zero = pruner->bake();
  for (auto& p : model->parameters()) p.set_requires_grad(false);
  if (model->ramps)  // stage 2 trains only these
    for (auto& p : model->ramps->parameters()) p.set_requires_grad(true);

  json report = {{"glue_task", data.glue_task}, {"metric", metric}, {"init", o.init.string()}, {"data", o.data.string()},
                 {"train_examples", train_rows.size()}, {"calib_examples", calib.size()}, {"dev_examples", dev_rows.size()},
                 {"stage1", {{"epochs", epochs}, {"epochs_planned", o.epochs}, {"stopped_early", stopped_early},
                             {"batch", o.batch}, {"lr", o.lr}, {"adapter_size", o.adapter.size},
                             {"joint_ramps", joint ? o.joint_ramps : 0.0}}}};
  if (teacher.defined())
    report["distillation"] = {{"teacher_logits", o.teacher_logits.string()}, {"alpha", o.alpha}, {"temperature", o.temperature}};
  if (pruner) report["task_pruning"] = {{"sparsity_target", o.task_sparsity}, {"zero_fraction", task_zero}, {"score_init", o.score_init}};
  if (model->spans) {
    const auto z = model->spans->z();
    report["spans"] = {{"ramp", o.span_ramp}, {"lambda", o.span_lambda}, {"max_span", data.max_length},
                       {"mean_z", z.mean().item<double>()}, {"max_z", z.max().item<double>()}, {"z", model->spans->spans()}};
  }

  ExitSettings exit;
  const Features dev_f = features(*model, *backbone->albert, dev_split, dev_rows, data, device, !data.regression);
  const auto dev_gold = gold_of(dev_split, dev_rows);
  report["dev_head"] = glue_metrics(*task, predictions(dev_f.logits, data.regression), dev_gold);
  if (data.regression) {
    report["early_exit"] = "off: regression";
  } else {
    // Stage 2 on cached [CLS] states of train (calibration rows excluded).
    const auto t2 = Clock::now();
    const Features train_f = features(*model, *backbone->albert, train_split, train_rows, data, device, true);
    auto gold_train = torch::tensor(gold_of(train_split, train_rows)).to(torch::kLong).to(device);
    const Features calib_f = features(*model, *backbone->albert, train_split, calib, data, device, true);
    const auto calib_gold = gold_of(train_split, calib);
    json ramps_report = json::object();
    std::vector<std::string> kinds = {o.offramp};
    if (o.compare_offramps) kinds.push_back(o.offramp == "light" ? "full" : "light");
    for (const auto& kind : kinds) {
      OffRamps other{nullptr};
      if (kind != o.offramp) {
        other = OffRamps(config, C, kind == "full");
        other->to(device);
      }
      OffRampsImpl& ramps = kind == o.offramp ? *model->ramps : *other;
      const double ce = train_ramps(ramps, train_f.cls, gold_train, o, log, kind);
      for (auto& p : ramps.parameters()) p.set_requires_grad(false);
      const LayerOutputs cal = layer_outputs(ramps, calib_f), dev = layer_outputs(ramps, dev_f);
      const ThresholdChoice choice = choose_threshold(cal, calib_gold, *task, C, o.max_drop);
      const ExitOutcome at = simulate_exit(dev, dev_gold, *task, choice.threshold);
      int64_t params = 0;
      for (const auto& p : ramps.parameters()) params += p.numel();
      json r = {{"params", params},
                {"train_ramp_ce", ce},
                {"calib", {{"layers", stats_json(layer_stats(cal, calib_gold, *task))},
                           {"full_metric", choice.full_metric}, {"threshold", choice.threshold},
                           {"metric", choice.metric}, {"mean_exit_layer", choice.mean_exit_layer},
                           {"max_drop", o.max_drop}}},
                {"dev", {{"layers", stats_json(layer_stats(dev, dev_gold, *task))},
                         {"full_metric", simulate_exit(dev, dev_gold, *task, 0).metric},
                         {"metric", at.metric}, {"mean_exit_layer", at.mean_exit_layer},
                         {"sweep", sweep_json(sweep(dev, dev_gold, *task, C, o.sweep_points))}}}};
      if (kind == o.offramp) {
        exit.threshold = choice.threshold;
        exit.predictor = build_predictor(cal, o.predictor_layer, o.predictor_bins, C);
        r["calib"]["sweep"] = sweep_json(sweep(cal, calib_gold, *task, C, o.sweep_points));
        if (log)
          log("calibration: threshold " + std::to_string(choice.threshold) + " nats, calib " + metric + " " +
              std::to_string(choice.full_metric) + " → " + std::to_string(choice.metric) + ", mean exit layer " +
              std::to_string(choice.mean_exit_layer) + "; dev " + std::to_string(at.metric) + " at " +
              std::to_string(at.mean_exit_layer) + " layers");
      }
      ramps_report[kind] = r;
    }
    report["offramps"] = ramps_report;
    report["offramp"] = o.offramp;
    report["threshold"] = exit.threshold;
    report["predictor"] = {{"layer", o.predictor_layer}, {"bins", o.predictor_bins}, {"statistic", "mean"}};
    report["stage2_seconds"] = seconds_since(t2);
  }
  const PackInfo info{.glue_task = data.glue_task, .metric = metric, .labels = data.labels, .max_length = data.max_length};
  write_pack(o.out, *model, info, exit, o.dtype);
  const auto named = model->pack_tensors();
  report["stored_params"] = count_params(named);
  report["stored_bytes"] = fs::file_size(o.out / "task.safetensors");
  report["seconds"] = seconds_since(started);
  const std::string text = report.dump(2) + "\n";
  write_file_atomic(o.out / "edgebert.json", std::as_bytes(std::span(text)));
  return report;
}

json write_teacher_logits(const fs::path& model_dir, const fs::path& data_path, const fs::path& out,
                          const std::string& device_name) {
  const TaskData data = read_task_data(data_path);
  const glue::TaskSpec* task = &task_of(data, data_path);
  const int C = data.regression ? 1 : static_cast<int>(data.labels.size());
  AlbertConfig config;
  AlbertForPreTraining m = load_model_dir(model_dir, &config);
  const SafetensorsFile f(model_dir / "model.safetensors");
  if (!f.find("classifier.weight"))
    throw Error((model_dir / "model.safetensors").string() + ": no classifier (a fully fine-tuned model is the teacher)");
  torch::nn::Linear classifier(config.hidden_size, C);
  {
    torch::NoGradGuard no_grad;
    std::vector<std::unique_ptr<float[]>> owned;
    const float* w = f32_tensor(f, "classifier.weight", {C, config.hidden_size}, owned);
    const float* b = f32_tensor(f, "classifier.bias", {C}, owned);
    classifier->weight.copy_(torch::from_blob(const_cast<float*>(w), {C, config.hidden_size}, torch::kFloat));
    classifier->bias.copy_(torch::from_blob(const_cast<float*>(b), {C}, torch::kFloat));
  }
  const torch::Device device = device_of(device_name);
  m->to(device);
  classifier->to(device);
  m->eval();
  auto run = [&](const TaskSplit& s) {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> out;
    std::vector<size_t> rows(s.size());
    std::iota(rows.begin(), rows.end(), 0);
    for (size_t i = 0; i < rows.size(); i += 128) {
      const auto chunk = std::span(rows).subspan(i, std::min<size_t>(128, rows.size() - i));
      const Batch b = make_batch(s, chunk, data.pad_id, data.regression, device);
      AutocastGuard autocast(device.is_cuda());
      out.push_back(classifier(m->albert->forward(b.ids, b.types, b.mask).pooled).to(torch::kFloat).cpu());
    }
    return torch::cat(out);
  };
  const auto train_logits = run(data.split("train"));
  write_tensors(out, {{"train.logits", train_logits}}, DType::F32);
  const TaskSplit& dev = data.split("dev");
  const auto dev_logits = run(dev);
  return glue_metrics(*task, predictions(dev_logits, data.regression), dev.labels);
}

json predict_pack(const fs::path& model_dir, const std::string& task_name, const fs::path& data_path,
                  const std::string& split, double threshold, const std::string& device_name) {
  const TaskData data = read_task_data(data_path);
  const glue::TaskSpec* task = &task_of(data, data_path);
  AlbertConfig config;
  AlbertForPreTraining m = load_model_dir(model_dir, &config);
  LoadedPack pack = read_pack(model_dir / "tasks" / task_name, config);
  const torch::Device device = device_of(device_name);
  m->to(device);
  m->eval();
  pack.model->to(device);
  const TaskSplit& s = data.split(split);
  std::vector<size_t> rows(s.size());
  std::iota(rows.begin(), rows.end(), 0);
  const float t = threshold < 0 ? pack.exit.threshold : static_cast<float>(threshold);
  json labels = json::array(), layers = json::array();
  std::vector<float> pred;
  const int L = config.num_hidden_layers * config.inner_group_num;
  double layer_sum = 0;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < rows.size(); i += 64) {
    const auto chunk = std::span(rows).subspan(i, std::min<size_t>(64, rows.size() - i));
    // One sentence at a time would match the engine's padding-free rows; padded batches give the same
    // values for real tokens (padding keys are masked), so batch for speed.
    const Batch b = make_batch(s, chunk, data.pad_id, data.regression, device);
    const TaskOutputs out = pack.model->forward(*m->albert, b.ids, b.types, b.mask, t > 0);
    const auto head = out.logits.cpu();
    const auto ramp = out.ramp_logits.defined() ? out.ramp_logits.cpu() : torch::Tensor();
    for (int64_t r = 0; r < head.size(0); ++r) {
      torch::Tensor z = head[r];
      int exit_layer = L;
      if (ramp.defined())
        for (int l = 1; l < L; ++l)
          if (entropy(ramp[r][l - 1]).item<float>() < t) {
            z = ramp[r][l - 1];
            exit_layer = l;
            break;
          }
      const float p = data.regression ? z[0].item<float>() : static_cast<float>(z.argmax().item<int64_t>());
      pred.push_back(p);
      if (data.regression) labels.push_back(p); else labels.push_back(static_cast<int>(p));
      layers.push_back(exit_layer);
      layer_sum += exit_layer;
    }
  }
  return {{"task", task_name}, {"split", split}, {"threshold", t}, {"predictions", labels}, {"exit_layers", layers},
          {"mean_exit_layer", layer_sum / static_cast<double>(std::max<size_t>(1, rows.size()))},
          {"metrics", glue_metrics(*task, pred, s.labels)}};
}

}  // namespace edgemt::train
