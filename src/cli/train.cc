// edgemt train: `tokenize` (corpus → pre-tokenised shard) and `encode-glue` (GLUE task → encoded
// task file) run here; `pretrain`, `finetune`, `edgebert`, `logits` and `predict` run the libtorch
// executable edgemt-train beside
// this binary (libtorch and libsentencepiece cannot share a process: see CMakeLists.txt). Without
// libtorch they say so and exit 1.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "edgemt/engine.h"
#include "core/error.h"
#include "formats/model_dir.h"
#include "text/glue_tasks.h"
#include "text/tokenizer.h"
#include "train/glue_encode.h"
#include "train/mlm_eval.h"
#include "train/shard.h"
#include "train/task_data.h"
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

// --data's default: $GLUE_DIR, else ../shared/glue (from the working directory, then beside the
// checkout this binary was built in), as scripts/build-corpus.sh looks for it.
fs::path default_glue_dir() {
  if (const char* env = std::getenv("GLUE_DIR"); env && *env) return env;
  std::error_code ec;
  if (fs::is_directory("../shared/glue", ec)) return "../shared/glue";
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    for (fs::path p = self.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
      if (fs::is_directory(p.parent_path() / "shared" / "glue", ec)) return p.parent_path() / "shared" / "glue";
  throw Error("no GLUE directory: ../shared/glue not found; give --data DIR or set $GLUE_DIR");
}

// The tokenizer of a model directory, as the engine builds it (tokenizer_config.json's settings).
text::Tokenizer model_tokenizer(const ModelDir& dir) {
  std::error_code ec;
  if (!fs::exists(dir.spiece_path, ec))
    throw Error(dir.spiece_path.string() + ": missing SentencePiece model (encode-glue needs the model's tokenizer)");
  text::Tokenizer tok(dir.spiece_path,
                      {.lowercase = dir.tokenizer.lowercase, .keep_accents = dir.tokenizer.keep_accents});
  if (tok.vocab_size() != static_cast<size_t>(dir.config.vocab_size))
    throw Error(dir.spiece_path.string() + ": " + std::to_string(tok.vocab_size()) +
                " pieces, but config.json vocab_size is " + std::to_string(dir.config.vocab_size));
  return tok;
}

std::string split_summary(const train::TaskSplit& s, size_t truncated) {
  return s.name + " " + std::to_string(s.size()) + " examples (" + std::to_string(s.ids.size()) + " tokens, " +
         std::to_string(truncated) + " truncated)";
}

void add_encode_glue(CLI::App& train, Run& run) {
  struct Opts {
    std::string model, glue_task, data, out;
    int max_length = 128;
    size_t limit = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = train.add_subcommand("encode-glue", "Tokenise a GLUE task's train and dev sets for fine-tuning");
  sub->add_option("--model", o->model, "Model directory whose tokenizer to use")->required();
  sub->add_option("--glue-task", o->glue_task, "GLUE task: " + glue::task_names())->required();
  sub->add_option("--data", o->data, "GLUE directory (default: $GLUE_DIR, else ../shared/glue)");
  sub->add_option("--max-length", o->max_length, "Truncate to N tokens, specials included (default 128)")
      ->check(CLI::Range(2, 1 << 20));
  sub->add_option("--limit", o->limit, "Only the first N examples of each split")->check(CLI::Range(1, 1 << 30));
  sub->add_option("--out", o->out, "Output file (.safetensors)")->required();
  sub->callback([&run, o] {
    run = [o] {
      const glue::TaskSpec* spec = glue::find_task(o->glue_task);
      if (!spec) throw Error("unknown GLUE task '" + o->glue_task + "' (" + glue::task_names() + ")");
      const ModelDir dir = open_model_dir(o->model);
      if (o->max_length > dir.config.max_position_embeddings)
        throw Error("--max-length " + std::to_string(o->max_length) + " exceeds the model's max_position_embeddings " +
                    std::to_string(dir.config.max_position_embeddings) + " (" + dir.config_path.string() + ")");
      const text::Tokenizer tok = model_tokenizer(dir);
      const fs::path glue_dir = o->data.empty() ? default_glue_dir() : fs::path(o->data);
      std::vector<size_t> truncated;
      const bool tty = isatty(STDERR_FILENO);
      auto progress = [&](const train::EncodeProgress& p) {
        if (p.done == p.total) truncated.push_back(p.truncated);
        if (!tty) return;
        std::fprintf(stderr, "\rencode-glue: %.*s %zu/%zu", static_cast<int>(p.split.size()), p.split.data(), p.done,
                     p.total);
        if (p.done == p.total) std::fprintf(stderr, "\r%*s\r", 60, "");
        std::fflush(stderr);
      };
      const train::TaskData data = train::encode_glue_task(*spec, glue_dir, tok, o->max_length, o->limit, progress);
      train::write_task_data(o->out, data);
      std::string line = o->out + ": " + data.glue_task;
      for (size_t i = 0; i < data.splits.size(); ++i) line += ", " + split_summary(data.splits[i], truncated.at(i));
      line += ", max_length " + std::to_string(data.max_length) + ", vocab " + std::to_string(data.vocab_size);
      std::printf("%s\n", line.c_str());
    };
  });
}

void add_mlm_eval(CLI::App& train, Run& run) {
  struct Opts {
    std::string model, text;
    int sequences = 512, seq = 128;
    uint64_t seed = 1;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = train.add_subcommand("mlm-eval", "Masked-LM accuracy on held-out text (pretraining's masking, fixed seed)");
  sub->add_option("--model", o->model, "Model directory with a masked-LM head")->required();
  sub->add_option("--text", o->text, "Plain text, one sentence per line (blank line between documents)")->required();
  sub->add_option("--sequences", o->sequences, "Sequences to draw (default 512)")->check(CLI::Range(1, 1 << 24));
  sub->add_option("--seq", o->seq, "Tokens per sequence, specials included (default 128)")->check(CLI::Range(5, 1 << 16));
  sub->add_option("--seed", o->seed, "Seed of the sampling and masking (default 1)");
  sub->add_flag("--json", o->json, "Print JSON");
  sub->callback([&run, o] {
    run = [o] {
      Engine engine(o->model);
      const train::Shard shard = train::tokenize_corpus(o->text, engine.tokenizer(), {});
      const bool tty = isatty(STDERR_FILENO);
      auto progress = [&](size_t done) {
        if (tty) std::fprintf(stderr, "\rmlm-eval: %zu/%d sequences", done, o->sequences);
      };
      const auto r = train::evaluate_mlm(engine.model(), shard, o->sequences, o->seq, o->seed, progress);
      if (tty) std::fprintf(stderr, "\r%*s\r", 50, "");
      if (o->json)
        std::printf("{\"sequences\": %zu, \"masked\": %zu, \"mlm_accuracy\": %.6f, \"mlm_loss\": %.6f}\n", r.sequences,
                    r.masked, r.accuracy, r.loss);
      else
        std::printf("%s: masked-LM accuracy %.4f, loss %.4f (%zu masked pieces in %zu sequences of <= %d tokens)\n",
                    o->text.c_str(), r.accuracy, r.loss, r.masked, r.sequences, o->seq);
    };
  });
}

fs::path trainer_path() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (ec ? fs::path(".") : self.parent_path()) / "edgemt-train";
}

// `edgemt-train COMMAND ARGS…` as execv wants it; `strings` owns the characters.
std::vector<char*> trainer_argv(const std::string& command, const std::vector<std::string>& args,
                                std::vector<std::string>& strings) {
  strings = {trainer_path().string(), command};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

#ifndef EDGEMT_HAVE_TORCH
[[noreturn]] void no_torch() { throw Error("this edgemt was built without libtorch; install libtorch-dev and rebuild"); }
#endif

// Replaces this process with `edgemt-train COMMAND ARGS…` from this binary's directory.
[[noreturn]] void exec_trainer(const std::string& command, const std::vector<std::string>& args) {
#ifndef EDGEMT_HAVE_TORCH
  (void)command, (void)args;
  no_torch();
#else
  std::vector<std::string> strings;
  auto argv = trainer_argv(command, args, strings);
  std::fflush(nullptr);
  ::execv(argv[0], argv.data());
  throw Error(strings[0] + ": cannot run the trainer: " + std::strerror(errno));
#endif
}

// Runs `edgemt-train COMMAND ARGS…` as a child and returns its exit status.
int run_trainer(const std::string& command, const std::vector<std::string>& args) {
#ifndef EDGEMT_HAVE_TORCH
  (void)command, (void)args;
  no_torch();
#else
  std::vector<std::string> strings;
  auto argv = trainer_argv(command, args, strings);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(std::string("cannot start the trainer: ") + std::strerror(errno));
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "edgemt: error: %s: cannot run the trainer: %s\n", argv[0], std::strerror(errno));
    ::_exit(1);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw Error(std::string("waiting for the trainer: ") + std::strerror(errno));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
#endif
}

// `edgemt train finetune --model DIR --glue-task NAME [--data GLUE_DIR] [--max-length N] [--limit N]
// --out DIR [trainer options]`: encodes the task with the model's tokenizer into a temporary file,
// then runs `edgemt-train finetune --init DIR --data FILE …`. Without --glue-task every option goes
// to edgemt-train as it is (--init, --data ENCODED_FILE).
void finetune_glue(std::vector<std::string> args, int& exit_code) {
  std::string model, task, glue, out;
  int max_length = 128;
  size_t limit = 0;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], value;
    const bool inline_value = name.starts_with("--") && name.find('=') != std::string::npos;
    if (inline_value) {
      value = name.substr(name.find('=') + 1);
      name = name.substr(0, name.find('='));
    }
    auto take = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= args.size()) throw UsageError(name + " needs a value");
      return args[++i];
    };
    auto number = [&](const std::string& v) -> long long {
      char* end = nullptr;
      errno = 0;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end || errno || n < 1) throw UsageError(name + ": expected a positive integer, got '" + v + "'");
      return n;
    };
    if (name == "--model") model = take();
    else if (name == "--glue-task") task = take();
    else if (name == "--glue") glue = take();
    else if (name == "--max-length") max_length = static_cast<int>(std::min(number(take()), 1LL << 20));
    else if (name == "--limit") limit = static_cast<size_t>(number(take()));
    else {
      if (name == "--out") out = inline_value ? value : (i + 1 < args.size() ? args[i + 1] : "");
      rest.push_back(args[i]);
    }
  }
  if (task.empty()) {
    if (!model.empty()) rest.insert(rest.begin(), {"--init", model});
    exec_trainer("finetune", rest);
  }
  const glue::TaskSpec* spec = glue::find_task(task);
  if (!spec) throw Error("unknown GLUE task '" + task + "' (" + glue::task_names() + ")");
  if (model.empty()) throw UsageError("--model is required with --glue-task");
  if (out.empty()) throw UsageError("--out is required");
  const ModelDir dir = open_model_dir(model);
  if (max_length > dir.config.max_position_embeddings)
    throw Error("--max-length " + std::to_string(max_length) + " exceeds the model's max_position_embeddings " +
                std::to_string(dir.config.max_position_embeddings) + " (" + dir.config_path.string() + ")");
  const text::Tokenizer tok = model_tokenizer(dir);
  const train::TaskData data =
      train::encode_glue_task(*spec, glue.empty() ? default_glue_dir() : fs::path(glue), tok, max_length, limit);
  const fs::path encoded = fs::temp_directory_path() / ("edgemt-finetune-" + std::to_string(::getpid()) + "-" +
                                                       std::string(spec->name) + ".safetensors");
  train::write_task_data(encoded, data);
  std::fprintf(stderr, "finetune: %s encoded: train %zu, dev %zu examples (max_length %d)\n", data.glue_task.c_str(),
               data.split("train").size(), data.split("dev").size(), max_length);
  rest.insert(rest.begin(), {"--init", model, "--data", encoded.string()});
  int code = 1;
  try {
    code = run_trainer("finetune", rest);
  } catch (...) {
    fs::remove(encoded);
    throw;
  }
  fs::remove(encoded);
  exit_code = code;
}

}  // namespace

void add_train(CLI::App& app, Run& run) {
  auto* sub = app.add_subcommand("train", "Tokenise a corpus or a GLUE task for training; pretrain ALBERT (libtorch)");
  sub->require_subcommand(1);
  add_tokenize(*sub, run);
  add_encode_glue(*sub, run);
  add_mlm_eval(*sub, run);
  auto* pretrain = sub->add_subcommand("pretrain", "Masked-LM + sentence-order pretraining on a shard (see --help)");
  pretrain->prefix_command();  // every option goes to edgemt-train, which parses and documents them
  pretrain->set_help_flag();
  pretrain->callback([&run, pretrain] { run = [args = pretrain->remaining()] { exec_trainer("pretrain", args); }; });
  // The EdgeBERT pipeline's trainer commands (docs/edgebert-training.md): options go to edgemt-train.
  for (const auto& [name, help] : std::vector<std::pair<const char*, const char*>>{
           {"edgebert", "EdgeBERT pipeline for one encoded task: adapters, spans, off-ramps, threshold, exit LUT (see --help)"},
           {"logits", "Train-split logits of a fully fine-tuned model, the distillation teacher (see --help)"},
           {"predict", "The trainer's predictions for a task pack, early exit included, as JSON (see --help)"}}) {
    auto* cmd = sub->add_subcommand(name, help);
    cmd->prefix_command();
    cmd->set_help_flag();
    cmd->callback([&run, cmd, command = std::string(name)] {
      run = [args = cmd->remaining(), command] { exec_trainer(command, args); };
    });
  }
  auto* finetune = sub->add_subcommand(
      "finetune",
      "Fine-tune a GLUE task, full or with adapters: --model DIR --glue-task NAME [--glue GLUE_DIR] [--max-length N] "
      "[--limit N] --out DIR, plus edgemt-train's options (edgemt train finetune --help)");
  finetune->prefix_command();
  finetune->set_help_flag();
  finetune->callback([&run, finetune] {
    run = [args = finetune->remaining()] {
      int code = 0;
      finetune_glue(args, code);
      if (code != 0) std::exit(code);  // the trainer printed its own error line
    };
  });
}

}  // namespace edgemt::cli
