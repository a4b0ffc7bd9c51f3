// edgemt dump: every intermediate the golden tests compare, written as safetensors.
#include <cstring>
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "edgemt/engine.h"
#include "formats/model_dir.h"
#include "formats/safetensors.h"
#include "model/albert.h"
#include "runtime/heads.h"
#include "runtime/task_pack.h"
#include "text/tokenizer.h"

namespace edgemt::cli {

namespace {

template <typename T>
std::span<const std::byte> bytes_of(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v));
}

}  // namespace

void add_dump(CLI::App& app, Run& run) {
  struct Opts {
    std::string model, task, out, text, text_pair;
    size_t max_length = 0;
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("dump", "Write token ids, every hidden state and the heads' outputs to safetensors");
  sub->add_option("--model", o->model, "Model directory (default: the bundled model)");
  sub->add_option("--task", o->task, "Task whose head to run (default: the model's classifier)");
  sub->add_option("--out", o->out, "Output .safetensors file")->required();
  sub->add_option("--max-length", o->max_length, "Truncate to N tokens, specials included")->check(CLI::Range(2, 1 << 20));
  sub->add_option("--threads", o->threads, "Threads (default: all cores)")->check(CLI::Range(1, 1024));
  sub->add_option("TEXT", o->text, "Text")->required();
  sub->add_option("TEXT_B", o->text_pair, "Second text of a pair");
  sub->callback([&run, o, sub] {
    run = [o, sub] {
      Engine engine(o->model.empty() ? default_model_dir() : o->model, {.threads = o->threads});
      print_warnings(engine);
      // The head whose pooled output and logits to dump: --task, else the checkpoint's own.
      const TaskPack* head = o->task.empty() ? nullptr : &engine.task_pack(o->task);
      const auto& cfg = engine.model_dir().config;
      const size_t limit = engine.default_max_length(o->max_length);
      const bool pair = sub->count("TEXT_B") > 0;
      auto enc = engine.tokenizer().encode(o->text, pair ? std::optional<std::string_view>(o->text_pair) : std::nullopt, limit);
      std::vector<Sequence> batch{{enc.ids, enc.type_ids, {}}};
      const bool mlm = engine.model().weights().mlm.has_value();
      // The task's adapters and attention spans, as classify applies them; every layer runs (no early exit).
      const TaskAdapters* adapters = head && head->adapters ? &*head->adapters : nullptr;
      const AttentionSpans* spans = head && head->spans ? &*head->spans : nullptr;
      const ForwardOutput out = engine.model().forward(
          batch, {.keep_hidden_states = true, .mlm = mlm, .adapters = adapters, .spans = spans});

      const auto T = static_cast<int64_t>(enc.ids.size());
      const int64_t H = cfg.hidden_size;
      std::vector<int64_t> ids(enc.ids.begin(), enc.ids.end()), types(enc.type_ids.begin(), enc.type_ids.end());
      std::vector<TensorToWrite> tensors{{"input_ids", DType::I64, {T}, bytes_of(ids)},
                                         {"token_type_ids", DType::I64, {T}, bytes_of(types)}};
      std::vector<std::string> names;
      for (size_t l = 0; l < out.hidden_states.size(); ++l) names.push_back("hidden." + std::to_string(l));
      for (size_t l = 0; l < out.hidden_states.size(); ++l)
        tensors.push_back({names[l], DType::F32, {T, H}, bytes_of(out.hidden_states[l])});
      std::vector<float> pooled = out.pooled, logits = out.logits;
      if (head) {
        const std::span<const float> cls(out.last_hidden.data(), static_cast<size_t>(H));  // [1, H]
        auto h = apply_head(head->pooler, head->classifier, cls, 1);
        pooled = std::move(h.pooled);
        logits = std::move(h.logits);
      }
      if (!pooled.empty()) tensors.push_back({"pooled", DType::F32, {H}, bytes_of(pooled)});
      if (!logits.empty())
        tensors.push_back({"logits", DType::F32, {static_cast<int64_t>(logits.size())}, bytes_of(logits)});
      if (!out.mlm_logits.empty())
        tensors.push_back({"mlm_logits", DType::F32, {T, cfg.vocab_size}, bytes_of(out.mlm_logits)});
      write_safetensors(o->out, tensors, {{"format", "edgemt-dump"}});
    };
  });
}

}  // namespace edgemt::cli
