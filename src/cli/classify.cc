// edgemt classify: one text (or pair) through a task; human-readable or one JSON object.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "edgemt/engine.h"

namespace edgemt::cli {

void add_classify(CLI::App& app, Run& run) {
  struct Opts {
    std::string model, task, text, text_pair;
    bool json = false;
    size_t max_length = 0;
    int threads = 0;
    ExitFlags exit;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("classify", "Classify a text (or a text pair) with one task of a model");
  sub->add_option("--model", o->model, "Model directory (default: the bundled model)");
  sub->add_option("--task", o->task, "Task name (default: the model's only task)");
  sub->add_flag("--json", o->json, "Print one JSON object");
  sub->add_option("--max-length", o->max_length, "Truncate to N tokens, specials included")->check(CLI::Range(2, 1 << 20));
  sub->add_option("--threads", o->threads, "Threads (default: all cores)")->check(CLI::Range(1, 1024));
  add_exit_flags(sub, o->exit);
  sub->add_option("TEXT", o->text, "Text to classify")->required();
  sub->add_option("TEXT_B", o->text_pair, "Second text of a pair");
  sub->callback([&run, o, sub] {
    run = [o, sub] {
      Engine engine(o->model.empty() ? default_model_dir() : o->model, engine_options(o->exit, o->threads));
      print_warnings(engine);
      std::string task = o->task;
      if (task.empty()) {
        const auto tasks = engine.tasks();
        if (tasks.size() != 1)
          throw Error("the model has " + std::to_string(tasks.size()) + " tasks; choose one with --task");
        task = tasks[0];
      }
      const bool pair = sub->count("TEXT_B") > 0;
      const auto text_b = pair ? std::optional<std::string_view>(o->text_pair) : std::nullopt;
      // One untimed pass first: oneDNN's JIT and the thread pool start once per process, and
      // latency_ms should be the sentence's cost, not the process's start-up.
      const ClassifyOptions co = classify_options(o->exit, o->max_length);
      engine.classify(task, o->text, text_b, co);
      const Prediction p = engine.classify(task, o->text, text_b, co);
      if (o->json) {
        nlohmann::json j = {{"task", p.task},       {"exit_layer", p.exit_layer}, {"layers", p.layers},
                            {"entropy", p.entropy}, {"tokens", p.tokens},         {"latency_ms", p.latency_ms},
                            {"early_exit", p.early_exit}};
        if (!p.score) j["entropies"] = entropies_json(p.entropies);
        if (p.predicted_exit_layer) j["predicted_exit_layer"] = p.predicted_exit_layer;
        if (p.score) {
          j["score"] = *p.score;
        } else {
          j["label"] = p.label;
          j["label_id"] = p.label_id;
          j["probs"] = p.probs;
        }
        std::cout << j.dump() << "\n";
        return;
      }
      if (p.score) {
        std::printf("%s: score %.4f   (%d tokens, %d/%d layers, early exit off: regression, %.1f ms)\n", p.task.c_str(), *p.score, p.tokens,
                    p.exit_layer, p.layers, p.latency_ms);
      } else {
        std::printf("%s: %s   p=%.3f   (%d tokens, %d/%d layers%s, entropy %.3f, %.1f ms)\n", p.task.c_str(),
                    p.label.c_str(), p.probs[static_cast<size_t>(p.label_id)], p.tokens, p.exit_layer, p.layers,
                    p.early_exit ? "" : ", early exit off", p.entropy, p.latency_ms);
      }
    };
  });
}

}  // namespace edgemt::cli
