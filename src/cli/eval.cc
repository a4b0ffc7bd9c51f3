// edgemt eval: a task over a GLUE file (or every task pack over its dev set with --glue DIR):
// the task's GLUE metrics, examples/s, mean tokens; GLUE submission files with --predict.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "edgemt/engine.h"
#include "runtime/early_exit.h"
#include "runtime/evaluate.h"
#include "runtime/exit_sweep.h"
#include "runtime/trace.h"

namespace edgemt::cli {

namespace {

struct Opts {
  std::string model, task, data, glue_task, glue_dir, predict, trace, sweep;
  ExitFlags exit;
  bool json = false;
  size_t limit = 0, batch = 32, max_length = 0;
  int threads = 0;
};

const glue::TaskSpec& spec_for(const Engine& engine, const std::string& task, const std::string& glue_task) {
  const std::string name = glue_task.empty() ? engine.task_info(task).glue_task : glue_task;
  if (name.empty())
    throw Error("task '" + task + "' declares no GLUE task; say which with --glue-task (" + glue::task_names() + ")");
  const glue::TaskSpec* spec = glue::find_task(name);
  if (!spec) throw Error("unknown GLUE task '" + name + "' (" + glue::task_names() + ")");
  return *spec;
}

// A one-line progress bar on stderr (only used when stderr is a terminal): done/total, rate, ETA.
std::function<void(size_t, size_t)> progress_bar() {
  const auto start = std::chrono::steady_clock::now();
  return [start](size_t done, size_t total) {
    const int width = 30;
    const int filled = static_cast<int>(width * done / std::max<size_t>(total, 1));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = static_cast<double>(done) / std::max(s, 1e-9);
    std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu  %.1f ex/s  eta %.0f s ", filled, "==============================",
                 width - filled, "", done, total, rate, static_cast<double>(total - done) / std::max(rate, 1e-9));
    if (done == total) std::fprintf(stderr, "\r%*s\r", width + 50, "");
    std::fflush(stderr);
  };
}

nlohmann::json to_json(const EvalResult& r) {
  nlohmann::json j = {{"task", r.task},           {"glue_task", r.glue_task},      {"data", r.data.string()},
                      {"examples", r.predictions.size()}, {"examples_per_s", r.examples_per_s},
                      {"mean_tokens", r.mean_tokens},     {"seconds", r.seconds},
                      {"max_length", r.max_length},       {"layers", r.layers},
                      {"mean_exit_layer", r.mean_exit_layer}, {"exit_threshold", r.exit_threshold},
                      {"exit_policy", exit_policy_name(r.exit_policy)}};
  for (const auto& [k, v] : r.metrics) j[k] = std::isnan(v) ? nlohmann::json() : nlohmann::json(v);
  return j;
}

std::string metrics_text(const EvalResult& r) {
  if (r.metrics.empty()) return "(unlabelled)";
  std::string s;
  char buf[64];
  for (const auto& [k, v] : r.metrics) {
    std::snprintf(buf, sizeof buf, "%s%s %.4f", s.empty() ? "" : "  ", k.c_str(), v);
    s += buf;
  }
  return s;
}

EvalOptions eval_options(const Opts& o) {
  EvalOptions eo;
  eo.limit = o.limit;
  eo.batch = o.batch;
  eo.max_length = o.max_length;
  eo.exit_threshold = o.exit.threshold;
  if (!o.exit.policy.empty()) eo.exit_policy = parse_exit_policy(o.exit.policy);
  return eo;
}

// Accuracy against mean exit layer, one row per threshold.
void print_sweep(const ExitSweep& s) {
  std::printf("%s · task %s · exit-threshold sweep (%zu examples)\n", s.glue_task.c_str(), s.task.c_str(), s.examples);
  std::printf("  %10s  %15s  %s\n", "threshold", "mean exit layer", s.points.empty() || s.points[0].metrics.empty()
                                                                          ? "" : s.points[0].metrics[0].first.c_str());
  for (const auto& p : s.points)
    std::printf("  %10.4f  %9.2f of %d  %.4f\n", p.threshold, p.mean_exit_layer, s.layers,
                p.metrics.empty() ? 0.0 : p.metrics[0].second);
}

void write_sweeps(const std::vector<ExitSweep>& sweeps, const std::string& path) {
  nlohmann::json j = {{"sweeps", nlohmann::json::array()}};
  for (const auto& s : sweeps) j["sweeps"].push_back(to_json(s));
  const std::string text = j.dump(1) + "\n";
  write_file_atomic(path, std::as_bytes(std::span(text.data(), text.size())));
}

void run_one(const Engine& engine, const Opts& o) {
  std::string task = o.task;
  if (task.empty()) {
    const auto tasks = engine.tasks();
    if (tasks.size() != 1) throw Error("the model has " + std::to_string(tasks.size()) + " tasks; choose one with --task");
    task = tasks[0];
  }
  const glue::TaskSpec& spec = spec_for(engine, task, o.glue_task);
  if (!o.trace.empty()) check_output_path(o.trace, "--trace");
  EvalOptions eo = eval_options(o);
  if (isatty(STDERR_FILENO)) eo.progress = progress_bar();
  if (!o.sweep.empty()) {
    const auto t = default_sweep_thresholds(static_cast<int>(engine.task_info(task).labels.size()));
    const ExitSweep s = sweep_task(engine, task, spec, o.data, eo, t);
    write_sweeps({s}, o.sweep);
    if (!o.json) print_sweep(s);
    if (!o.json) std::printf("  sweep → %s\n", o.sweep.c_str());
  }
  const EvalResult r = evaluate(engine, task, spec, o.data, eo);
  if (!o.predict.empty()) write_glue_predictions(r, spec, o.predict);
  if (!o.trace.empty()) write_trace(engine, r, o.trace);
  if (o.json) {
    std::cout << to_json(r).dump() << "\n";
    return;
  }
  std::printf("%s · task %s · %s\n", r.glue_task.c_str(), r.task.c_str(), r.data.c_str());
  std::printf("  %s\n", metrics_text(r).c_str());
  std::printf("  %zu examples · %.1f examples/s · %.1f tokens/example (max %zu) · %.2f s\n", r.predictions.size(),
              r.examples_per_s, r.mean_tokens, r.max_length, r.seconds);
  const bool regression = engine.task_info(task).regression;
  if (regression)
    std::printf("  %d layers · early exit off: regression has no entropy\n", r.layers);
  else if (r.exit_threshold > 0)
    std::printf("  mean exit layer %.2f of %d · threshold %.4f nats · policy %s\n", r.mean_exit_layer, r.layers,
                r.exit_threshold, std::string(exit_policy_name(r.exit_policy)).c_str());
  else
    std::printf("  %d layers · early exit off\n", r.layers);
  if (!o.trace.empty()) std::printf("  trace → %s\n", o.trace.c_str());
  if (!o.predict.empty()) std::printf("  predictions → %s\n", o.predict.c_str());
}

void run_glue(const Engine& engine, const Opts& o) {
  std::vector<std::pair<std::string, const glue::TaskSpec*>> jobs;
  for (const auto& t : engine.tasks()) {
    const std::string g = engine.task_info(t).glue_task;
    if (g.empty()) continue;
    jobs.emplace_back(t, glue::find_task(g));
    if (g == "mnli") jobs.emplace_back(t, glue::find_task("mnli-mm"));
  }
  if (jobs.empty()) throw Error("no task of this model declares a GLUE task; use --task with --glue-task and --data");
  if (!o.json) std::printf("%-12s %-8s %9s  %-34s %10s %8s\n", "task", "glue", "examples", "metrics", "ex/s", "tokens");
  std::vector<ExitSweep> sweeps;
  for (const auto& [task, spec] : jobs) {
    const auto data = std::filesystem::path(o.glue_dir) / spec->dir / spec->dev_file;
    EvalOptions eo = eval_options(o);
    if (isatty(STDERR_FILENO)) eo.progress = progress_bar();
    const TaskInfo& info = engine.task_info(task);
    if (!o.sweep.empty() && info.early_exit && !info.regression)
      sweeps.push_back(sweep_task(engine, task, *spec, data, eo, default_sweep_thresholds(static_cast<int>(info.labels.size()))));
    const EvalResult r = evaluate(engine, task, *spec, data, eo);
    if (o.json) {
      std::cout << to_json(r).dump() << "\n";
    } else {
      std::printf("%-12s %-8s %9zu  %-34s %10.1f %8.1f\n", task.c_str(), r.glue_task.c_str(), r.predictions.size(),
                  metrics_text(r).c_str(), r.examples_per_s, r.mean_tokens);
    }
    std::fflush(stdout);
  }
  if (o.sweep.empty()) return;
  write_sweeps(sweeps, o.sweep);
  if (o.json) return;
  for (const auto& s : sweeps) print_sweep(s);
  std::printf("sweeps of %zu tasks with off-ramps → %s\n", sweeps.size(), o.sweep.c_str());
}

}  // namespace

void add_eval(CLI::App& app, Run& run) {
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("eval", "Evaluate a task on a GLUE file, or every task pack on its GLUE dev set");
  sub->add_option("--model", o->model, "Model directory (default: the bundled model)");
  sub->add_option("--task", o->task, "Task of the model (default: its only task)");
  auto* data = sub->add_option("--data", o->data, "GLUE TSV file (train, dev or test layout)");
  auto* glue = sub->add_option("--glue", o->glue_dir, "GLUE directory: evaluate every task pack on its dev set");
  data->excludes(glue);
  sub->add_option("--glue-task", o->glue_task, "GLUE layout, labels and metrics to apply: " + glue::task_names());
  sub->add_flag("--json", o->json, "One JSON object per evaluated file");
  sub->add_option("--limit", o->limit, "Only the first N examples")->check(CLI::Range(1, 1 << 30));
  sub->add_option("--batch", o->batch, "Sentences per encoder pass (default 32)")->check(CLI::Range(1, 4096));
  sub->add_option("--max-length", o->max_length,
                  "Truncate to N tokens, specials included (default: the task pack's max_length, else the model's)")
      ->check(CLI::Range(2, 1 << 20));
  sub->add_option("--threads", o->threads, "Threads (default: all cores)")->check(CLI::Range(1, 1024));
  sub->add_option("--predict", o->predict, "Write a GLUE submission file (index, prediction) here");
  sub->add_option("--trace", o->trace, "Write one JSON line per sentence: layers run, exits, GEMMs, spans (docs/formats.md)")
      ->excludes(glue);
  sub->add_option("--sweep", o->sweep,
                  "Also sweep the early-exit threshold (tasks with off-ramps): accuracy vs mean exit layer, as JSON here");
  add_exit_flags(sub, o->exit);
  sub->callback([&run, o] {
    if (o->data.empty() && o->glue_dir.empty()) throw CLI::ValidationError("eval", "give --data FILE or --glue DIR");
    run = [o] {
      Engine engine(o->model.empty() ? default_model_dir() : o->model, engine_options(o->exit, o->threads));
      print_warnings(engine);
      if (!o->sweep.empty()) check_output_path(o->sweep, "--sweep");
      if (!o->glue_dir.empty()) run_glue(engine, *o);
      else run_one(engine, *o);
    };
  });
}

}  // namespace edgemt::cli
