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

}  // namespace
}  // namespace edgemt::train

int main(int argc, char** argv) {
  CLI::App app{"edgemt train: ALBERT pretraining and fine-tuning with libtorch", "edgemt train"};
  app.require_subcommand(1);
  std::function<void()> run;
  edgemt::train::add_pretrain(app, run);
  edgemt::train::add_finetune(app, run);
  edgemt::train::add_export(app, run);
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
