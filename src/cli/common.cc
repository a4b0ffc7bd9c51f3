// Default model resolution: $EDGEMT_MODEL, else the bundled model next to the binary's source tree.
#include "cli/common.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "runtime/early_exit.h"

namespace edgemt::cli {

std::filesystem::path repo_relative(const std::string& rel) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path p = exe.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
    if (fs::exists(p / rel, ec)) return p / rel;
  return rel;
}

// $EDGEMT_MODEL, else models/edgemt-albert-glue: the compressed multi-task model (pruned AF8 backbone
// + SST-2, MRPC, STS-B, RTE and CoLA packs with off-ramps, spans and exit predictors).
std::string default_model_dir() {
  if (const char* env = std::getenv("EDGEMT_MODEL"); env && *env) return env;
  return repo_relative("models/edgemt-albert-glue").string();
}

std::string region_of(const std::string& name) {
  if (name.find("embeddings.") != std::string::npos) return "embeddings";
  if (name.find("encoder.") != std::string::npos) return "shared layers";
  if (name.rfind("predictions.", 0) == 0) return "mlm head";
  return "task head";  // pooler, classifier
}

std::filesystem::path accel_dir() {
  if (const char* env = std::getenv("EDGEMT_ACCEL_DIR"); env && *env) return env;
  return repo_relative("data/accel");
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
