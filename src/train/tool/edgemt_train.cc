// edgemt-train: the libtorch half of `edgemt train` (which execs it). Same conventions as edgemt:
// exit 0 on success, 2 on a usage error, 1 on any other error with one "edgemt: error: …" line.
#include <array>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/safetensors.h"
#include "train/torch/edgebert.h"
#include "train/torch/finetune.h"
#include "train/torch/model_io.h"
#include "train/torch/pretrain.h"

namespace edgemt::train {
namespace {

void add_pretrain(CLI::App& app, std::function<void()>& run) {
  auto o = std::make_shared<PretrainOptions>();
  auto paths = std::make_shared<std::array<std::string, 5>>();  // model-config, init, shard, out, spiece
  auto* sub = app.add_subcommand("pretrain", "Masked-LM + sentence-order pretraining on a shard");
  auto* cfg =
      sub->add_option("--model-config", (*paths)[0], "config.json of a fresh model (default: ALBERT-base shape)");
  sub->add_option("--init", (*paths)[1], "Model directory to start from (ours or Hugging Face's)")->excludes(cfg);
  sub->add_option("--shard", (*paths)[2], "Pre-tokenised shard (edgemt train tokenize)")->required();
  sub->add_option("--out", (*paths)[3], "Output model directory (checkpoint.pt is kept there)")->required();
  sub->add_option("--spiece", (*paths)[4], "SentencePiece model to copy into --out");
  sub->add_option("--steps", o->steps, "Total optimiser steps")->check(CLI::PositiveNumber);
  sub->add_option("--stop-after", o->stop_after, "Stop with a checkpoint after this step (resume later)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--time-limit-min", o->time_limit_min, "Stop with a checkpoint after this many minutes (0: none)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--batch", o->batch, "Sequences per step")->check(CLI::PositiveNumber);
  sub->add_option("--seq", o->seq, "Tokens per sequence, specials included")->check(CLI::Range(5, 1 << 16));
  sub->add_option("--lr", o->lr, "Peak learning rate")->check(CLI::PositiveNumber);
  sub->add_option("--warmup", o->warmup, "Linear warm-up steps")->check(CLI::NonNegativeNumber);
  sub->add_option("--optimizer", o->optim.kind, "adamw | lamb")->check(CLI::IsMember({"adamw", "lamb"}));
  sub->add_option("--weight-decay", o->optim.weight_decay, "Weight decay")->check(CLI::NonNegativeNumber);
  sub->add_option("--checkpoint-every-min", o->checkpoint_every_min, "Minutes between checkpoints (0: end only)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--resume", o->resume, "Continue from <out>/checkpoint.pt");
  sub->add_option("--device", o->device, "cpu | cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  sub->add_option("--seed", o->seed, "Seed of the init and the data order");
  sub->add_option("--log-every", o->log_every, "Steps between log lines")->check(CLI::PositiveNumber);
  sub->add_option("--prune-embeddings", o->embed_sparsity,
                  "Magnitude-prune the embeddings to this sparsity at the start and freeze them (0: off)")
      ->check(CLI::Range(0.0, 0.999));
  sub->add_option("--prune-encoder", o->encoder_sparsity,
                  "Movement-prune the encoder matrices to this sparsity (cubic schedule; masks baked at the end)")
      ->check(CLI::Range(0.0, 0.999));
  sub->add_option("--score-init", o->score_init, "Movement scores start at magnitude (hybrid) | constant")
      ->check(CLI::IsMember({"magnitude", "constant"}));
  sub->add_option("--score-lr", o->score_lr, "Peak learning rate of the movement scores")->check(CLI::PositiveNumber);
  sub->add_option("--prune-warmup", o->prune_warmup, "Fraction of --steps before the sparsity ramp")
      ->check(CLI::Range(0.0, 0.99));
  sub->add_option("--prune-cooldown", o->prune_cooldown, "Fraction of --steps at the final sparsity")
      ->check(CLI::Range(0.0, 0.99));
  sub->callback([&run, o, paths] {
    run = [o, paths] {
      o->model_config = (*paths)[0];
      o->init = (*paths)[1];
      o->shard = (*paths)[2];
      o->out = (*paths)[3];
      o->spiece = (*paths)[4];
      auto log = [&](const LogRecord& r) {
        std::fprintf(stderr, "step %lld/%lld  mlm %.4f  sop %.4f  mlm_acc %.4f  sop_acc %.3f  %.0f tok/s  lr %.3g\n",
                     static_cast<long long>(r.step), static_cast<long long>(o->steps), r.mlm_loss, r.sop_loss,
                     r.mlm_accuracy, r.sop_accuracy, r.tokens_per_s, r.lr);
      };
      const auto result = pretrain(*o, log);
      std::printf("%s: %lld steps done; checkpoint %s\n", o->out.c_str(), static_cast<long long>(result.steps_done),
                  result.checkpoint.c_str());
      if (o->embed_sparsity > 0 || o->encoder_sparsity > 0)
        std::printf("%s: zeros baked in: embeddings %.4f, encoder %.4f\n", o->out.c_str(), result.embed_zero_fraction,
                    result.encoder_zero_fraction);
    };
  });
}

void add_finetune(CLI::App& app, std::function<void()>& run) {
  auto o = std::make_shared<FinetuneOptions>();
  auto s = std::make_shared<std::array<std::string, 5>>();  // init, data, out, activation, dtype
  (*s)[3] = "gelu";
  (*s)[4] = "f32";
  auto* sub = app.add_subcommand("finetune", "Fine-tune one GLUE task: full, or Houlsby adapters on a frozen backbone");
  sub->add_option("--init", (*s)[0], "Backbone model directory (ours or Hugging Face's)")->required();
  sub->add_option("--data", (*s)[1], "Encoded task (edgemt train encode-glue)")->required();
  sub->add_option("--out", (*s)[2], "Output: the task pack directory (adapter) or a model directory (full)")->required();
  sub->add_option("--mode", o->mode, "adapter | full")->check(CLI::IsMember({"adapter", "full"}));
  sub->add_option("--adapter-size", o->adapter.size, "Adapter bottleneck m")->check(CLI::PositiveNumber);
  sub->add_option("--adapter-activation", (*s)[3], "gelu | gelu_new | relu | silu")
      ->check(CLI::IsMember({"gelu", "gelu_new", "relu", "silu", "swish"}));
  sub->add_flag("--share-adapters", o->adapter.share_across_layers, "One adapter set for every layer application");
  sub->add_option("--epochs", o->epochs, "Epochs")->check(CLI::PositiveNumber);
  sub->add_option("--batch", o->batch, "Examples per step")->check(CLI::PositiveNumber);
  sub->add_option("--lr", o->lr, "Peak learning rate (default: full 2e-5, adapter 1e-3)")->check(CLI::NonNegativeNumber);
  sub->add_option("--warmup-ratio", o->warmup_ratio, "Fraction of the steps spent warming up")->check(CLI::Range(0.0, 0.99));
  sub->add_option("--weight-decay", o->weight_decay, "AdamW weight decay")->check(CLI::NonNegativeNumber);
  sub->add_option("--dropout", o->dropout, "Dropout on the pooled output")->check(CLI::Range(0.0, 0.99));
  sub->add_option("--dtype", (*s)[4], "Stored weights: f32 | f16")->check(CLI::IsMember({"f32", "f16"}));
  sub->add_option("--device", o->device, "cpu | cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  sub->add_option("--seed", o->seed, "Seed of the head/adapter init, dropout and the data order");
  sub->add_option("--log-every", o->log_every, "Steps between log lines (0: none)")->check(CLI::NonNegativeNumber);
  sub->add_option("--time-limit-min", o->time_limit_min,
                  "Stop after the epoch past which one more would exceed this many minutes (0: none)")
      ->check(CLI::NonNegativeNumber);
  sub->callback([&run, o, s] {
    run = [o, s] {
      o->init = (*s)[0];
      o->data = (*s)[1];
      o->out = (*s)[2];
      const std::string& act = (*s)[3];
      o->adapter.activation = act == "gelu"       ? Activation::Gelu
                              : act == "gelu_new" ? Activation::GeluNew
                              : act == "relu"     ? Activation::Relu
                                                  : Activation::Silu;  // silu, swish
      o->dtype = (*s)[4] == "f16" ? DType::F16 : DType::F32;
      auto step = [](const StepLog& l) {
        std::fprintf(stderr, "step %lld/%lld  loss %.4f  lr %.3g  %.0f ex/s\n", static_cast<long long>(l.step),
                     static_cast<long long>(l.steps), l.loss, l.lr, l.examples_per_s);
      };
      auto epoch = [](const EpochRecord& r) {
        std::string dev;
        for (const auto& [k, v] : r.dev) dev += " " + k + " " + std::to_string(v);
        std::fprintf(stderr, "epoch %d  train loss %.4f  dev%s  (%.1f s)\n", r.epoch, r.train_loss, dev.c_str(), r.seconds);
      };
      const FinetuneResult r = finetune(*o, step, epoch);
      nlohmann::json epochs = nlohmann::json::array();
      for (const auto& e : r.epochs)
        epochs.push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"dev", e.dev}, {"seconds", e.seconds}});
      nlohmann::json j = {{"mode", o->mode},
                                {"adapter", {{"size", o->adapter.size}, {"activation", (*s)[3]},
                                             {"share_across_layers", o->adapter.share_across_layers}}},
                                {"init", o->init.string()},
                                {"data", o->data.string()},
                                {"epochs", epochs},
                                {"best_epoch", r.best_epoch},
                                {"metric", r.metric},
                                {"best", r.best},
                                {"trainable_params", r.trainable_params},
                                {"stored_params", r.stored_params},
                                {"stored_bytes", r.stored_bytes},
                                {"epochs_planned", o->epochs},
                                {"stopped_early", r.stopped_early},
                                {"lr", o->lr},
                                {"batch", o->batch},
                                {"seed", o->seed}};
      if (o->mode == "full") j.erase("adapter");
      if (r.stopped_early)
        std::fprintf(stderr, "stopped after epoch %zu of %d: --time-limit-min %g reached\n", r.epochs.size(), o->epochs,
                     o->time_limit_min);
      const std::string text = j.dump(2) + "\n";
      write_file_atomic(o->out / "finetune.json", std::as_bytes(std::span(text)));
      std::printf("%s: best epoch %d, dev %s %.4f; %lld trainable, %lld stored parameters (%llu bytes)\n",
                  o->out.c_str(), r.best_epoch, r.metric.c_str(), r.best, static_cast<long long>(r.trainable_params),
                  static_cast<long long>(r.stored_params), static_cast<unsigned long long>(r.stored_bytes));
    };
  });
}

void add_export(CLI::App& app, std::function<void()>& run) {
  auto s = std::make_shared<std::array<std::string, 4>>();  // init, out, dtype, spiece
  (*s)[2] = "f16";
  auto* sub = app.add_subcommand("export", "Rewrite a model directory's weights (e.g. as fp16), heads included");
  sub->add_option("--init", (*s)[0], "Model directory to read (ours or Hugging Face's)")->required();
  sub->add_option("--out", (*s)[1], "Model directory to write")->required();
  sub->add_option("--dtype", (*s)[2], "f16 | f32 (default f16)")->check(CLI::IsMember({"f32", "f16"}));
  sub->add_option("--spiece", (*s)[3], "SentencePiece model to copy into --out (default: --init's)");
  sub->callback([&run, s] {
    run = [s] {
      const std::filesystem::path init = (*s)[0], out = (*s)[1];
      if (std::filesystem::exists(out) && std::filesystem::equivalent(init, out))
        throw Error("export: --out must differ from --init");
      auto model = load_model_dir(init);
      ExportOptions ex;
      ex.dtype = (*s)[2] == "f16" ? DType::F16 : DType::F32;
      ex.spiece = !(*s)[3].empty() ? std::filesystem::path((*s)[3])
                  : std::filesystem::exists(init / "spiece.model") ? init / "spiece.model"
                                                                   : std::filesystem::path();
      export_model_dir(model, out, ex);
      std::printf("%s: written (%s)\n", out.c_str(), (*s)[2].c_str());
    };
  });
}


void add_edgebert(CLI::App& app, std::function<void()>& run) {
  auto o = std::make_shared<EdgebertOptions>();
  auto s = std::make_shared<std::array<std::string, 6>>();  // init, data, out, activation, dtype, teacher
  (*s)[3] = "gelu";
  (*s)[4] = "f32";
  auto* sub = app.add_subcommand("edgebert",
                                 "EdgeBERT pipeline for one task: adapters (+ spans, distillation, task pruning), "
                                 "off-ramps, calibrated threshold and exit predictor → a task pack");
  sub->add_option("--init", (*s)[0], "Backbone model directory (frozen; may be pruned)")->required();
  sub->add_option("--data", (*s)[1], "Encoded task (edgemt train encode-glue)")->required();
  sub->add_option("--out", (*s)[2], "Task pack directory to write (task.json, task.safetensors, edgebert.json)")->required();
  sub->add_option("--adapter-size", o->adapter.size, "Adapter bottleneck m")->check(CLI::PositiveNumber);
  sub->add_option("--adapter-activation", (*s)[3], "gelu | gelu_new | relu | silu")
      ->check(CLI::IsMember({"gelu", "gelu_new", "relu", "silu", "swish"}));
  sub->add_flag("--share-adapters", o->adapter.share_across_layers, "One adapter set for every layer application");
  sub->add_option("--epochs", o->epochs, "Stage 1 epochs")->check(CLI::PositiveNumber);
  sub->add_option("--batch", o->batch, "Stage 1 examples per step")->check(CLI::PositiveNumber);
  sub->add_option("--lr", o->lr, "Stage 1 peak learning rate")->check(CLI::PositiveNumber);
  sub->add_option("--warmup-ratio", o->warmup_ratio, "Fraction of stage 1 spent warming up")->check(CLI::Range(0.0, 0.99));
  sub->add_option("--weight-decay", o->weight_decay, "AdamW weight decay")->check(CLI::NonNegativeNumber);
  sub->add_option("--dropout", o->dropout, "Dropout on the pooled output (stage 1)")->check(CLI::Range(0.0, 0.99));
  sub->add_option("--calib-fraction", o->calib_fraction, "Fraction of train held out for calibration")
      ->check(CLI::Range(0.001, 0.499));
  sub->add_option("--offramp", o->offramp, "Off-ramps written: light | full")->check(CLI::IsMember({"light", "full"}));
  sub->add_flag("--compare-offramps", o->compare_offramps, "Also train the other ramp kind and report it");
  sub->add_option("--ramp-epochs", o->ramp_epochs, "Stage 2 epochs")->check(CLI::PositiveNumber);
  sub->add_option("--ramp-batch", o->ramp_batch, "Stage 2 examples per step")->check(CLI::PositiveNumber);
  sub->add_option("--ramp-lr", o->ramp_lr, "Stage 2 peak learning rate")->check(CLI::PositiveNumber);
  sub->add_option("--joint-ramps", o->joint_ramps,
                  "Stage 1 also trains the ramps with this weight on their layer-weighted mean CE (0: separate stages)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--max-drop", o->max_drop, "Allowed calibration drop of the headline metric (0.01 = 1 point)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--predictor-layer", o->predictor_layer, "Ramp p whose entropy indexes the exit LUT")
      ->check(CLI::PositiveNumber);
  sub->add_option("--predictor-bins", o->predictor_bins, "LUT bins over entropy [0, 1)")->check(CLI::Range(1, 65536));
  sub->add_option("--span-ramp", o->span_ramp, "Adaptive span ramp R in tokens (0: no adaptive span)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--span-lambda", o->span_lambda, "Span loss weight per token of mean span")->check(CLI::NonNegativeNumber);
  sub->add_option("--span-lr", o->span_lr, "Peak learning rate of the spans")->check(CLI::PositiveNumber);
  sub->add_option("--teacher-logits", (*s)[5], "Teacher logits (edgemt train logits) to distil from");
  sub->add_option("--alpha", o->alpha, "Distillation weight α")->check(CLI::Range(0.0, 1.0));
  sub->add_option("--temperature", o->temperature, "Distillation temperature T")->check(CLI::PositiveNumber);
  sub->add_option("--task-sparsity", o->task_sparsity, "Movement-prune pooler, classifier and adapters to this sparsity")
      ->check(CLI::Range(0.0, 0.999));
  sub->add_option("--score-init", o->score_init, "Movement scores start at magnitude | constant")
      ->check(CLI::IsMember({"magnitude", "constant"}));
  sub->add_option("--score-lr", o->score_lr, "Peak learning rate of the movement scores")->check(CLI::PositiveNumber);
  sub->add_option("--dtype", (*s)[4], "Stored weights: f32 | f16")->check(CLI::IsMember({"f32", "f16"}));
  sub->add_option("--device", o->device, "cpu | cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  sub->add_option("--seed", o->seed, "Seed of the init, the calibration split and the data order");
  sub->add_option("--log-every", o->log_every, "Steps between progress lines (0: epochs only)")->check(CLI::NonNegativeNumber);
  sub->add_option("--time-limit-min", o->time_limit_min, "Stage 1 stops at the epoch boundary past this (0: none)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--sweep-points", o->sweep_points, "Thresholds in the dev sweep")->check(CLI::Range(2, 100000));
  sub->callback([&run, o, s] {
    run = [o, s] {
      o->init = (*s)[0];
      o->data = (*s)[1];
      o->out = (*s)[2];
      const std::string& act = (*s)[3];
      o->adapter.activation = act == "gelu"       ? Activation::Gelu
                              : act == "gelu_new" ? Activation::GeluNew
                              : act == "relu"     ? Activation::Relu
                                                  : Activation::Silu;
      o->dtype = (*s)[4] == "f16" ? DType::F16 : DType::F32;
      o->teacher_logits = (*s)[5];
      const auto r = run_edgebert(*o, [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
      std::printf("%s: %s dev %s %.4f (head)", o->out.c_str(), r["glue_task"].get<std::string>().c_str(),
                  r["metric"].get<std::string>().c_str(), r["dev_head"][r["metric"].get<std::string>()].get<double>());
      if (r.contains("threshold"))
        std::printf("; threshold %.4f nats, calib mean exit layer %.2f", r["threshold"].get<double>(),
                    r["offramps"][o->offramp]["calib"]["mean_exit_layer"].get<double>());
      std::printf("; %lld stored parameters (%llu bytes)\n", r["stored_params"].get<long long>(),
                  r["stored_bytes"].get<unsigned long long>());
    };
  });
}

void add_logits(CLI::App& app, std::function<void()>& run) {
  auto s = std::make_shared<std::array<std::string, 4>>();  // model, data, out, device
  (*s)[3] = "cpu";
  auto* sub = app.add_subcommand("logits", "A fully fine-tuned classifier's train-split logits (a distillation teacher)");
  sub->add_option("--model", (*s)[0], "Fully fine-tuned model directory (finetune --mode full)")->required();
  sub->add_option("--data", (*s)[1], "Encoded task (edgemt train encode-glue)")->required();
  sub->add_option("--out", (*s)[2], "Output safetensors file (train.logits [N, C])")->required();
  sub->add_option("--device", (*s)[3], "cpu | cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  sub->callback([&run, s] {
    run = [s] {
      const auto dev = write_teacher_logits((*s)[0], (*s)[1], (*s)[2], (*s)[3]);
      std::printf("%s: written; teacher dev %s\n", (*s)[2].c_str(), dev.dump().c_str());
    };
  });
}

void add_predict(CLI::App& app, std::function<void()>& run) {
  auto s = std::make_shared<std::array<std::string, 6>>();  // model, task, data, split, out, device
  (*s)[3] = "dev";
  (*s)[5] = "cpu";
  auto threshold = std::make_shared<double>(-1);
  auto* sub = app.add_subcommand("predict", "The trainer's predictions (early exit included) for a task pack, as JSON");
  sub->add_option("--model", (*s)[0], "Model directory (backbone + tasks/; compressed weights are decoded)")->required();
  sub->add_option("--task", (*s)[1], "Task pack name under tasks/")->required();
  sub->add_option("--data", (*s)[2], "Encoded task (edgemt train encode-glue)")->required();
  sub->add_option("--split", (*s)[3], "train | dev")->check(CLI::IsMember({"train", "dev"}));
  sub->add_option("--out", (*s)[4], "Output JSON file")->required();
  sub->add_option("--exit-threshold", *threshold, "Entropy threshold (default: the pack's; 0: off)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--device", (*s)[5], "cpu | cuda")->check(CLI::IsMember({"cpu", "cuda"}));
  sub->callback([&run, s, threshold] {
    run = [s, threshold] {
      const auto r = predict_pack((*s)[0], (*s)[1], (*s)[2], (*s)[3], *threshold, (*s)[5]);
      const std::string text = r.dump() + "\n";
      write_file_atomic((*s)[4], std::as_bytes(std::span(text)));
      std::printf("%s: %zu predictions, mean exit layer %.3f, %s\n", (*s)[4].c_str(), r["predictions"].size(),
                  r["mean_exit_layer"].get<double>(), r["metrics"].dump().c_str());
    };
  });
}

}  // namespace
}  // namespace edgemt::train

int main(int argc, char** argv) {
  CLI::App app{"edgemt train: ALBERT pretraining and fine-tuning with libtorch", "edgemt train"};
  app.require_subcommand(1);
  std::function<void()> run;
  edgemt::train::add_pretrain(app, run);
  edgemt::train::add_finetune(app, run);
  edgemt::train::add_export(app, run);
  edgemt::train::add_edgebert(app, run);
  edgemt::train::add_logits(app, run);
  edgemt::train::add_predict(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "edgemt: error: " << e.what() << " (see edgemt train --help)\n";
    return 2;
  }
  try {
    run();
    return 0;
  } catch (const edgemt::Error& e) {
    std::cerr << "edgemt: error: " << e.what() << "\n";
  } catch (const std::bad_alloc&) {
    std::cerr << "edgemt: error: out of memory\n";
  } catch (const c10::Error& e) {  // libtorch's own (CUDA out of memory, …): its message, not its backtrace
    std::cerr << "edgemt: error: libtorch: " << e.what_without_backtrace() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "edgemt: error: internal: " << e.what() << "\n";
  }
  return 1;
}
