// The pretraining loop: batch → forward (autocast on CUDA) → MLM + SOP loss → clip → step, with
// logs, timed checkpoints, exact resume and a model-directory export at the end.
#include "train/torch/pretrain.h"

#include <chrono>
#include <sstream>

#include "core/error.h"
#include "train/torch/autocast.h"
#include "train/torch/checkpoint.h"
#include "train/torch/model_io.h"
#include "train/torch/pruning_torch.h"
#include "train/shard.h"

namespace edgemt::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

AlbertConfig albert_base_config(int vocab_size) {
  AlbertConfig c;
  c.vocab_size = vocab_size;
  c.embedding_size = 128;
  c.hidden_size = 768;
  c.num_hidden_layers = 12;
  c.num_hidden_groups = 1;
  c.num_attention_heads = 12;
  c.intermediate_size = 3072;
  c.layer_norm_eps = 1e-12;
  return c;
}

namespace {

void check_options(const PretrainOptions& o) {
  auto bad = [](const std::string& what) { throw Error("pretrain: " + what); };
  if (!o.model_config.empty() && !o.init.empty()) bad("give --model-config or --init, not both");
  if (o.out.empty()) bad("--out is required");
  if (o.steps < 1) bad("--steps must be >= 1");
  if (o.stop_after < 0 || o.stop_after > o.steps) bad("stop_after must be in [0, steps]");
  if (o.batch < 1) bad("--batch must be >= 1");
  if (o.seq < 5) bad("--seq must be >= 5 ([CLS] a [SEP] b [SEP])");
  if (!(o.lr > 0)) bad("--lr must be > 0");
  if (o.warmup < 0) bad("--warmup must be >= 0");
  if (o.log_every < 1) bad("log_every must be >= 1");
  if (!(o.time_limit_min >= 0)) bad("--time-limit-min must be >= 0");
  if (o.device != "cpu" && o.device != "cuda") bad("--device must be cpu or cuda, got '" + o.device + "'");
  if (o.device == "cuda" && !torch::cuda::is_available()) bad("--device cuda: no CUDA device is available");
  if (!(o.embed_sparsity >= 0 && o.embed_sparsity < 1)) bad("--prune-embeddings must be in [0, 1)");
  if (!(o.encoder_sparsity >= 0 && o.encoder_sparsity < 1)) bad("--prune-encoder must be in [0, 1)");
  if (!(o.prune_warmup >= 0 && o.prune_cooldown >= 0 && o.prune_warmup + o.prune_cooldown < 1))
    bad("--prune-warmup and --prune-cooldown must be >= 0 with a sum below 1");
  if ((o.embed_sparsity > 0 || o.encoder_sparsity > 0) && o.resume)
    bad("--resume is not supported with pruning (the movement scores are not checkpointed)");
  if (o.score_init != "magnitude" && o.score_init != "constant")
    bad("--score-init must be magnitude or constant, got '" + o.score_init + "'");
}

AlbertConfig choose_config(const PretrainOptions& o, const Shard& shard) {
  AlbertConfig c = !o.model_config.empty() ? load_albert_config(o.model_config)
                   : !o.init.empty()       ? load_albert_config(o.init / "config.json")
                                           : albert_base_config(static_cast<int>(shard.vocab_size));
  const std::string src = !o.model_config.empty() ? o.model_config.string()
                          : !o.init.empty()       ? (o.init / "config.json").string()
                                                  : "default config";
  if (static_cast<uint32_t>(c.vocab_size) != shard.vocab_size)
    throw Error(src + ": vocab_size " + std::to_string(c.vocab_size) + " differs from the shard's " +
                std::to_string(shard.vocab_size) + " (" + o.shard.string() + ")");
  if (o.seq > c.max_position_embeddings)
    throw Error(src + ": --seq " + std::to_string(o.seq) + " exceeds max_position_embeddings " +
                std::to_string(c.max_position_embeddings));
  return c;
}

torch::Tensor to_tensor(const std::vector<int64_t>& v, std::vector<int64_t> shape, const torch::Device& d) {
  return torch::from_blob(const_cast<int64_t*>(v.data()), shape, torch::kLong).clone().to(d);
}

std::string fingerprint(const AlbertConfig& c, const PretrainOptions& o) {
  std::ostringstream s;
  s << albert_config_json(c, {}).dump() << " batch=" << o.batch << " seq=" << o.seq << " steps=" << o.steps
    << " warmup=" << o.warmup << " lr=" << o.lr << " optimizer=" << o.optim.kind << " seed=" << o.seed;
  return s.str();
}

// Running sums between two log records, kept on the device to avoid a sync per step.
struct Window {
  torch::Tensor mlm, sop, mlm_correct, sop_correct;
  int64_t masked = 0, sequences = 0, tokens = 0, steps = 0;
  Clock::time_point start = Clock::now();
};

}  // namespace

PretrainResult pretrain(const PretrainOptions& o, const std::function<void(const LogRecord&)>& on_log) {
  check_options(o);
  const Shard shard = read_shard(o.shard);
  const SpecialIds& sp = shard.specials;
  if (sp.cls < 0 || sp.sep < 0 || sp.mask < 0 || sp.pad < 0)
    throw Error(o.shard.string() + ": the vocabulary lacks [CLS], [SEP], [MASK] or <pad>, which pretraining needs");
  const AlbertConfig config = choose_config(o, shard);
  const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);

  torch::manual_seed(o.seed);
  AlbertForPreTraining model = o.init.empty() ? AlbertForPreTraining(config) : load_model_dir(o.init);
  model->to(device);
  model->train();
  // Pruning: embeddings by magnitude once (then frozen; the MLM decoder is tied to them), the encoder's
  // matrices by movement pruning while the masked-LM training runs.
  if (o.embed_sparsity > 0) {
    auto& e = *model->albert->embeddings;
    for (auto* w : {&e.word->weight, &e.position->weight, &e.token_type->weight}) {
      magnitude_prune_(*w, o.embed_sparsity);
      w->set_requires_grad(false);
    }
  }
  std::unique_ptr<MovementPruner> pruner;
  std::unique_ptr<Optimizer> score_opt;
  if (o.encoder_sparsity > 0) {
    std::vector<PruneTarget> targets = {{"encoder.embedding_hidden_mapping_in.weight", model->albert->projection}};
    for (auto& group : model->albert->groups)
      for (auto& layer : group)
        for (auto lin : {layer->attention->query, layer->attention->key, layer->attention->value, layer->attention->dense,
                         layer->ffn, layer->ffn_output})
          targets.push_back({"", lin});
    const auto warm = static_cast<int64_t>(o.prune_warmup * static_cast<double>(o.steps));
    const auto cool = static_cast<int64_t>(o.prune_cooldown * static_cast<double>(o.steps));
    pruner = std::make_unique<MovementPruner>(
        targets, MovementPrunerOptions{.sparsity = o.encoder_sparsity, .score_init = o.score_init},
        CubicSchedule{.final_keep = 1.0 - o.encoder_sparsity, .total = o.steps, .warmup = warm, .cooldown = cool});
    OptimOptions so = o.optim;
    so.kind = "adamw";
    so.weight_decay = 0;
    score_opt = make_optimizer(pruner->scores(), so);
  }
  auto optimizer = make_optimizer(*model, o.optim);
  Rng rng(o.seed);
  fs::create_directories(o.out);
  PretrainResult result;
  result.checkpoint = o.out / "checkpoint.pt";
  const std::string print = fingerprint(config, o);
  if (o.resume) {
    const CheckpointState st = load_checkpoint(result.checkpoint, model, *optimizer, print, device);
    result.steps_done = st.step;
    std::istringstream(st.rng) >> rng;
  }
  auto checkpoint = [&] {
    std::ostringstream r;
    r << rng;
    save_checkpoint(result.checkpoint, model, *optimizer,
                    {.step = result.steps_done, .rng = r.str(), .fingerprint = print});
  };

  const int64_t end = o.stop_after > 0 ? o.stop_after : o.steps;
  const auto started = Clock::now();
  auto last_checkpoint = started;
  Window w;
  while (result.steps_done < end) {
    const PretrainBatch b = make_batch(shard, o.batch, o.seq, o.masking, rng);
    const auto ids = to_tensor(b.ids, {b.batch, b.seq}, device);
    const auto types = to_tensor(b.type_ids, {b.batch, b.seq}, device);
    const auto mask = to_tensor(b.attention_mask, {b.batch, b.seq}, device);
    const auto labels = to_tensor(b.mlm_labels, {b.batch, b.seq}, device);
    const auto sop_labels = to_tensor(b.sop_labels, {b.batch}, device);
    const double lr = learning_rate(result.steps_done, o.steps, o.warmup, o.lr);

    torch::Tensor mlm_logits, sop_logits, targets;
    if (pruner) pruner->apply(result.steps_done);
    {
      AutocastGuard autocast(device.is_cuda());
      const auto out = model->albert(ids, types, mask);
      const auto selected = labels != kIgnoreLabel;                                         // [B, T]
      mlm_logits = model->mlm_logits(out.last_hidden.index({selected})).to(torch::kFloat);  // [M, V]
      targets = labels.index({selected});                                                   // [M]
      sop_logits = model->sop_logits(out.pooled).to(torch::kFloat);                         // [B, 2]
    }
    const auto mlm_loss = torch::nn::functional::cross_entropy(mlm_logits, targets);
    const auto sop_loss = torch::nn::functional::cross_entropy(sop_logits, sop_labels);
    optimizer->zero_grad();
    if (score_opt) score_opt->zero_grad();
    (mlm_loss + sop_loss).backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), o.clip_norm);
    optimizer->step(lr);
    if (score_opt) score_opt->step(learning_rate(result.steps_done, o.steps, o.warmup, o.score_lr));
    ++result.steps_done;

    const auto m = mlm_loss.detach() * targets.size(0), s = sop_loss.detach() * b.batch;
    const auto mc = (mlm_logits.argmax(-1) == targets).sum(), sc = (sop_logits.argmax(-1) == sop_labels).sum();
    w.mlm = w.steps ? w.mlm + m : m;
    w.sop = w.steps ? w.sop + s : s;
    w.mlm_correct = w.steps ? w.mlm_correct + mc : mc;
    w.sop_correct = w.steps ? w.sop_correct + sc : sc;
    w.masked += targets.size(0);
    w.sequences += b.batch;
    w.tokens += b.real_tokens;
    ++w.steps;
    if (result.steps_done % o.log_every == 0 || result.steps_done == end) {
      const double secs = std::chrono::duration<double>(Clock::now() - w.start).count();
      const LogRecord rec{.step = result.steps_done,
                          .mlm_loss = w.mlm.item<double>() / static_cast<double>(w.masked),
                          .sop_loss = w.sop.item<double>() / static_cast<double>(w.sequences),
                          .mlm_accuracy = w.mlm_correct.item<double>() / static_cast<double>(w.masked),
                          .sop_accuracy = w.sop_correct.item<double>() / static_cast<double>(w.sequences),
                          .tokens_per_s = static_cast<double>(w.tokens) / std::max(secs, 1e-9),
                          .lr = lr};
      result.log.push_back(rec);
      if (on_log) on_log(rec);
      w = Window{};
    }
    if (o.time_limit_min > 0 && std::chrono::duration<double>(Clock::now() - started).count() >= 60.0 * o.time_limit_min)
      break;
    if (o.checkpoint_every_min > 0 &&
        std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >= 60.0 * o.checkpoint_every_min) {
      checkpoint();
      last_checkpoint = Clock::now();
    }
  }
  if (pruner) result.encoder_zero_fraction = pruner->bake();
  if (o.embed_sparsity > 0) {
    auto& e = *model->albert->embeddings;
    double zeros = 0, n = 0;
    for (auto* w : {&e.word->weight, &e.position->weight, &e.token_type->weight}) {
      zeros += (*w == 0).sum().item<double>();
      n += static_cast<double>(w->numel());
    }
    result.embed_zero_fraction = zeros / n;
  }
  checkpoint();
  // The directory is a loadable model whenever the run stops (mid-schedule too); checkpoint.pt resumes it.
  ExportOptions ex;
  ex.spiece = !o.spiece.empty()
                  ? o.spiece
                  : (!o.init.empty() && fs::exists(o.init / "spiece.model") ? o.init / "spiece.model" : fs::path());
  export_model_dir(model, o.out, ex);
  return result;
}

}  // namespace edgemt::train
