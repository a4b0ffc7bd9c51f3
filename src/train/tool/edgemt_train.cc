// edgemt-train: the libtorch half of `edgemt train` (which execs it). Same conventions as edgemt:
// exit 0 on success, 2 on a usage error, 1 on any other error with one "edgemt: error: …" line.
#include <array>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "core/error.h"
#include "train/pretrain.h"

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

}  // namespace
}  // namespace edgemt::train

int main(int argc, char** argv) {
  CLI::App app{"edgemt train: ALBERT pretraining with libtorch", "edgemt train"};
  app.require_subcommand(1);
  std::function<void()> run;
  edgemt::train::add_pretrain(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "edgemt: error: " << e.what() << " (see edgemt train pretrain --help)\n";
    return 2;
  }
  try {
    run();
    return 0;
  } catch (const edgemt::Error& e) {
    std::cerr << "edgemt: error: " << e.what() << "\n";
  } catch (const std::bad_alloc&) {
    std::cerr << "edgemt: error: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "edgemt: error: internal: " << e.what() << "\n";
  }
  return 1;
}
