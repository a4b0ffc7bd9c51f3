// Synthetic traces in the format of `edgemt eval --trace` (docs/formats.md "Traces") for tests and
// benchmarks: an ALBERT-shaped model, random sentence lengths, optional adapters, spans, off-ramps,
// early exits and predicted exit layers, all from a seed.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace edgemt::sim {

struct SyntheticTraceOptions {
  long sentences = 100;
  uint32_t seed = 1;
  std::string task = "synthetic";
  long layers = 12, hidden = 768, heads = 12, intermediate = 3072, embedding = 128, classes = 2;
  long min_tokens = 8, max_tokens = 64;  // T uniform in [min, max]
  double density = 1;          // non-zero fraction of the shared encoder weights
  long adapter_size = 0;       // m; 0: no adapters
  long span_window = -1;       // every head's window w (−1: full attention; 0: heads copy V)
  double mean_exit_layer = 0;  // 0: every sentence runs all layers; else exits with this mean (light ramps)
  bool predict = false;        // predicted_exit_layer: the exit layer ± 1 (after layer 1)
};

// Sentence `index` of the trace (the same options and index give the same record).
nlohmann::json synthetic_record(const SyntheticTraceOptions& o, long index);
// All sentences, one JSON line each.
void write_synthetic_trace(std::ostream& out, const SyntheticTraceOptions& o);

}  // namespace edgemt::sim
