// edgemt bench: in-process timing of the forward pass (warm-up, then median/min/max), optionally
// after reproducing a reference's logits (check.json) so a speed figure is only given for a right answer.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "edgemt/engine.h"
#include "formats/model_dir.h"
#include "kernels/linear.h"
#include "kernels/fma_peak.h"
#include "kernels/packed_gemm.h"
#include "model/albert.h"
#include "runtime/early_exit.h"
#include "runtime/task_pack.h"

namespace edgemt::cli {

namespace {

// Deterministic ids shared with bench/ort/ort_bench.mjs (bench/README.md): a 64-bit LCG.
std::vector<int32_t> bench_ids(int seq, int vocab) {
  uint64_t state = 42;
  std::vector<int32_t> ids(static_cast<size_t>(seq));
  for (auto& id : ids) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    id = 5 + static_cast<int32_t>((state >> 33) % static_cast<uint64_t>(vocab - 5));
  }
  return ids;
}

// Runs check.json's input and returns max |logit − ref| / max |ref|.
double check_logits(const AlbertModel& model, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open check file");
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("input_ids") || !j.contains("logits"))
    throw Error(path + ": expected a JSON object with input_ids and logits");
  Sequence s;
  try {
    s.ids = j["input_ids"].get<std::vector<int32_t>>();
    s.type_ids = j.contains("token_type_ids") ? j["token_type_ids"].get<std::vector<int32_t>>()
                                              : std::vector<int32_t>(s.ids.size(), 0);
    if (j.contains("attention_mask")) s.mask = j["attention_mask"].get<std::vector<uint8_t>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": " + e.what());
  }
  const auto ref = j["logits"].get<std::vector<float>>();
  const auto out = model.forward(std::span<const Sequence>(&s, 1));
  if (out.logits.size() != ref.size())
    throw Error(path + ": " + std::to_string(ref.size()) + " reference logits, model gives " + std::to_string(out.logits.size()));
  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    max_diff = std::max(max_diff, std::fabs(static_cast<double>(out.logits[i]) - ref[i]));
    max_ref = std::max(max_ref, std::fabs(static_cast<double>(ref[i])));
  }
  return max_diff / std::max(max_ref, 1e-12);
}

// The machine's fp32 GEMM ceiling, GFLOP/s of the best of `reps` square products of size n on the
// current OpenMP threads: oneDNN's sgemm and the engine's packed kernel; and the FMA peak they are a
// share of (bench/README.md).
nlohmann::json gemm_ceiling(int n, int reps) {
  std::vector<float> a(static_cast<size_t>(n) * n, 0.5f), b(a.size(), 0.25f), c(a.size());
  const ops::PackedF32Weights pb(b.data(), n, n);
  const auto best_gflops = [&](const auto& f) {
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      f();
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return 2.0 * n * n * n / best / 1e9;
  };
  return {{"n", n},
          {"sgemm_gflops", best_gflops([&] { ops::gemm(true, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n); })},
          {"packed_gflops", best_gflops([&] { ops::packed_linear(a.data(), n, n, pb, nullptr, c.data(), n); })},
          {"fma_peak_gflops", ops::fma_peak_gflops(ops::active_isa(), 20'000'000, reps)}};
}

}  // namespace

void add_bench(CLI::App& app, Run& run) {
  struct Opts {
    std::string model, check;
    int seq = 128, iters = 20, warmup = 3, threads = 1, batch = 1;
    double check_tol = 1e-3;
    std::string task;                     // with --exit-threshold: the task pack run (its head and off-ramps)
    std::optional<float> exit_threshold;  // set: time run_task on the task instead of the bare backbone
    bool json = false, ceiling = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("bench", "Time the forward pass in-process (warm-up, median, min, max)");
  sub->add_option("--model", o->model, "Model directory (default: the bundled model)");
  sub->add_option("--seq", o->seq, "Sequence length (tokens)")->check(CLI::Range(1, 1 << 16));
  sub->add_option("--iters", o->iters, "Timed iterations")->check(CLI::Range(1, 1 << 20));
  sub->add_option("--warmup", o->warmup, "Untimed iterations first")->check(CLI::Range(0, 1 << 20));
  sub->add_option("--threads", o->threads, "Threads")->check(CLI::Range(1, 1024));
  sub->add_option("--batch", o->batch, "Sequences per forward pass")->check(CLI::Range(1, 4096));
  sub->add_option("--check", o->check, "check.json: reproduce its logits (relative error ≤ --check-tol) before timing");
  sub->add_option("--check-tol", o->check_tol, "Largest relative error --check accepts (lossy models: recorded, not enforced, with a large value)")
      ->check(CLI::PositiveNumber);
  sub->add_flag("--ceiling", o->ceiling, "Also time the fp32 GEMM ceiling (2048³: oneDNN sgemm and the packed kernel) and the FMA peak");
  sub->add_flag("--json", o->json, "Print one JSON object");
  sub->add_option("--task", o->task, "Time this task pack (adapters, off-ramps, head) instead of the bare backbone");
  sub->add_option("--exit-threshold", o->exit_threshold, "Early-exit threshold in nats for --task (0: all layers)")
      ->check(CLI::Range(0.0, 1e30));
  sub->callback([&run, o] {
    run = [o] {
      Engine engine(o->model.empty() ? default_model_dir() : o->model, {.threads = o->threads});
      print_warnings(engine);
      const AlbertModel& model = engine.model();
      const auto& cfg = engine.model_dir().config;
      if (o->seq > cfg.max_position_embeddings)
        throw Error("--seq " + std::to_string(o->seq) + " exceeds max_position_embeddings " +
                    std::to_string(cfg.max_position_embeddings));
      double rel_err = -1;
      if (!o->check.empty()) {
        rel_err = check_logits(model, o->check);
        if (!(rel_err <= o->check_tol))
          throw Error(o->check + ": logits differ from the reference (relative error " + std::to_string(rel_err) + " > " +
                      std::to_string(o->check_tol) + ")");
      }
      Sequence s{bench_ids(o->seq, cfg.vocab_size), std::vector<int32_t>(static_cast<size_t>(o->seq), 0), {}};
      const std::vector<Sequence> batch(static_cast<size_t>(o->batch), s);
      std::function<void()> pass = [&] { model.forward(batch); };
      double exit_layer = cfg.total_layers();  // mean layers run
      if (!o->task.empty() || o->exit_threshold) {
        if (o->task.empty() && engine.tasks().size() != 1)
          throw Error("the model has " + std::to_string(engine.tasks().size()) + " tasks; choose one with --task");
        const TaskPack* pack = &engine.task_pack(o->task.empty() ? engine.tasks()[0] : o->task);
        const RunOptions ro{.exit_threshold = exit_threshold(*pack, o->exit_threshold), .policy = engine.default_exit_policy()};
        pass = [&, pack, ro] { exit_layer = run_task(model, *pack, batch, ro).front().exit_layer; };
      }
      for (int i = 0; i < o->warmup; ++i) pass();
      std::vector<double> ms;
      for (int i = 0; i < o->iters; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        pass();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      std::sort(ms.begin(), ms.end());
      const nlohmann::json ceiling = o->ceiling ? gemm_ceiling(2048, 5) : nlohmann::json();
      const double median = ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
      if (o->json) {
        nlohmann::json j = {{"runtime", "edgemt"}, {"model", engine.model_dir().root.string()}, {"seq", o->seq},
                            {"batch", o->batch}, {"threads", o->threads}, {"iters", o->iters}, {"warmup", o->warmup},
                            {"median_ms", median}, {"min_ms", ms.front()}, {"max_ms", ms.back()}};
        if (rel_err >= 0) j["check_max_rel_err"] = rel_err;
        if (!o->task.empty() || o->exit_threshold) j["exit_layer"] = exit_layer;
        if (o->ceiling) j["gemm_ceiling"] = ceiling;
        std::cout << j.dump() << "\n";
        return;
      }
      if (rel_err >= 0) std::printf("check      logits match the reference (relative error %.2e)\n", rel_err);
      std::printf("forward    seq %d  batch %d  threads %d  %d iters after %d warm-up\n", o->seq, o->batch, o->threads,
                  o->iters, o->warmup);
      std::printf("time       median %.3f ms   min %.3f   max %.3f\n", median, ms.front(), ms.back());
      if (o->ceiling)
        std::printf("ceiling    fp32 GEMM %dx%dx%d: sgemm %.1f GFLOP/s, packed %.1f GFLOP/s\n", ceiling["n"].get<int>(),
                    ceiling["n"].get<int>(), ceiling["n"].get<int>(), ceiling["sgemm_gflops"].get<double>(),
                    ceiling["packed_gflops"].get<double>());
    };
  });
}

}  // namespace edgemt::cli
