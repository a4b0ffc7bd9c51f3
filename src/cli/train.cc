// edgemt train: `tokenize` (corpus → pre-tokenised shard) runs here; `pretrain` execs the libtorch
// executable edgemt-train beside this binary (libtorch and libsentencepiece cannot share a process:
// see CMakeLists.txt). Without libtorch, `pretrain` says so and exits 1.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "text/tokenizer.h"
#include "train/shard.h"
#include "train/tokenize_corpus.h"

namespace edgemt::cli {

namespace {

namespace fs = std::filesystem;

void add_tokenize(CLI::App& train, Run& run) {
  struct Opts {
    std::string corpus, spiece, out;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = train.add_subcommand("tokenize", "Tokenise a corpus (blank line between documents) into a shard");
  sub->add_option("--corpus", o->corpus, "Plain-text corpus: one sentence or paragraph per line")->required();
  sub->add_option("--spiece", o->spiece, "SentencePiece model (spiece.model)")->required();
  sub->add_option("--out", o->out, "Output shard (.bin)")->required();
  sub->callback([&run, o] {
    run = [o] {
      text::Tokenizer tokenizer(o->spiece);
      auto progress = [](const train::TokenizeStats& s) {
        std::fprintf(stderr, "tokenize: %.1f MB, %llu lines, %llu sentences, %llu tokens\n", s.bytes / 1e6,
                     static_cast<unsigned long long>(s.lines), static_cast<unsigned long long>(s.sentences),
                     static_cast<unsigned long long>(s.tokens));
      };
      const train::Shard shard = train::tokenize_corpus(o->corpus, tokenizer, progress);
      train::write_shard(o->out, shard);
      std::printf("%s: %zu documents, %zu sentences, %zu tokens, vocab %u\n", o->out.c_str(), shard.num_documents(),
                  shard.num_sentences(), shard.ids.size(), shard.vocab_size);
    };
  });
}

// Replaces this process with `edgemt-train pretrain ARGS…` from this binary's directory.
[[noreturn]] void exec_trainer(const std::vector<std::string>& args) {
#ifndef EDGEMT_HAVE_TORCH
  (void)args;
  throw Error("this edgemt was built without libtorch; install libtorch-dev and rebuild");
#else
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path trainer = (ec ? fs::path(".") : self.parent_path()) / "edgemt-train";
  std::vector<std::string> argv_s = {trainer.string(), "pretrain"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  ::execv(trainer.c_str(), argv.data());
  throw Error(trainer.string() + ": cannot run the trainer: " + std::strerror(errno));
#endif
}

}  // namespace

void add_train(CLI::App& app, Run& run) {
  auto* sub = app.add_subcommand("train", "Tokenise a corpus into a shard; pretrain ALBERT (libtorch)");
  sub->require_subcommand(1);
  add_tokenize(*sub, run);
  auto* pretrain = sub->add_subcommand("pretrain", "Masked-LM + sentence-order pretraining on a shard (see --help)");
  pretrain->prefix_command();  // every option goes to edgemt-train, which parses and documents them
  pretrain->set_help_flag();
  pretrain->callback([&run, pretrain] { run = [args = pretrain->remaining()] { exec_trainer(args); }; });
}

}  // namespace edgemt::cli
