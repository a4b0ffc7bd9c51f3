// Default model resolution: $EDGEMT_MODEL, else the bundled model next to the binary's source tree.
#include "cli/common.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "runtime/early_exit.h"

namespace edgemt::cli {

std::string default_model_dir() {
  if (const char* env = std::getenv("EDGEMT_MODEL"); env && *env) return env;
  namespace fs = std::filesystem;
  // build/bin/edgemt → <repo>/models/albert-tiny-sst2 (the interim bundled model)
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path p = exe.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    if (fs::exists(p / "models" / "albert-tiny-sst2" / "config.json", ec))
      return (p / "models" / "albert-tiny-sst2").string();
  }
  return "models/albert-tiny-sst2";
}

void print_warnings(const Engine& engine) {
  for (const auto& w : engine.warnings()) std::cerr << "edgemt: warning: " << w << "\n";
}

}  // namespace edgemt::cli

namespace edgemt::cli {

void add_exit_flags(CLI::App* sub, ExitFlags& flags, bool policy) {
  sub->add_option("--exit-threshold", flags.threshold,
                  "Early-exit entropy threshold in nats, in [0, ln C]; 0 disables early exit (default: the task's)")
      ->check(CLI::Range(0.0, 1e30));
  if (policy)
    sub->add_option("--exit-policy", flags.policy,
                    "entropy (plain early exit), latency-bounded (exit at the predicted layer at the latest) or "
                    "accuracy-first (continue past it); the last two need the task's exit predictor")
        ->check(CLI::IsMember({"entropy", "latency-bounded", "accuracy-first"}));
}

ClassifyOptions classify_options(const ExitFlags& flags, size_t max_length) {
  ClassifyOptions o;
  o.max_length = max_length;
  o.exit_threshold = flags.threshold;
  if (!flags.policy.empty()) o.exit_policy = parse_exit_policy(flags.policy);
  return o;
}

EngineOptions engine_options(const ExitFlags& flags, int threads) {
  EngineOptions o;
  o.threads = threads;
  if (!flags.policy.empty()) o.exit_policy = parse_exit_policy(flags.policy);
  return o;
}

nlohmann::json entropies_json(const std::vector<float>& entropies) {
  nlohmann::json a = nlohmann::json::array();
  for (float e : entropies) a.push_back(std::isnan(e) ? nlohmann::json() : nlohmann::json(e));
  return a;
}

}  // namespace edgemt::cli
