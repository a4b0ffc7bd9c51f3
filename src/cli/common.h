// Helpers shared by subcommands: the default model location, printing load warnings, and the
// early-exit options (--exit-threshold, --exit-policy) of classify, eval and bench.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "edgemt/engine.h"

namespace edgemt::cli {

// The model used when --model is omitted.
std::string default_model_dir();
// <repo>/rel when the binary sits below a checkout holding it (build/bin/edgemt), else rel as given.
std::filesystem::path repo_relative(const std::string& rel);
// The simulator's specs: $EDGEMT_ACCEL_DIR, else <repo>/data/accel.
std::filesystem::path accel_dir();
void print_warnings(const Engine& engine);

struct ExitFlags {
  std::optional<float> threshold;  // --exit-threshold T (nats; 0 disables); unset: the task's
  std::string policy;              // --exit-policy; empty: entropy
};
// Adds --exit-threshold (and --exit-policy when `policy`) to `sub`.
void add_exit_flags(CLI::App* sub, ExitFlags& flags, bool policy = true);
ClassifyOptions classify_options(const ExitFlags& flags, size_t max_length);
// Engine options with the policy of --exit-policy.
EngineOptions engine_options(const ExitFlags& flags, int threads);

// Memory region of an HF ALBERT tensor name: embeddings, shared layers, mlm head, task head.
std::string region_of(const std::string& name);

// NaN (no off-ramp ran) as JSON null.
nlohmann::json entropies_json(const std::vector<float>& entropies);

}  // namespace edgemt::cli
