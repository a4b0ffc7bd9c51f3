// Traces of what ran for each sentence (docs/formats.md "Traces"): per layer run its GEMMs with
// shapes, weight names and non-zero fractions, attention spans and query–key pairs, adapters and
// off-ramps — the input of the accelerator simulator (ALGORITHMS.md §9).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "edgemt/engine.h"
#include "runtime/evaluate.h"

namespace edgemt {

struct TraceContext {
  std::string task;
  float exit_threshold = 0;  // applied (0: early exit off)
  ExitPolicy policy = ExitPolicy::Entropy;
};

// One sentence's record; `index` is its position in the evaluated file.
nlohmann::json trace_record(const Engine& engine, const TraceContext& context, const Prediction& p, size_t index);

// One JSON line per prediction of `result`, written atomically to `out` (temp file, fsync, rename).
void write_trace(const Engine& engine, const EvalResult& result, const std::filesystem::path& out);

// Throws edgemt::Error (one line) when `out` cannot be written: a directory, or its folder missing.
void check_output_path(const std::filesystem::path& out, const std::string& what);

}  // namespace edgemt
