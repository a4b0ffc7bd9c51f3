// Memory footprint of the traced model per tensor class, and its placement into the mapping's
// memories: capacity checked, overflow spilled (or reported as not fitting) — a value, not an error.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "sim/mapping_spec.h"
#include "sim/trace_reader.h"

namespace edgemt::sim {

// Sizes a trace does not carry (it has E and the lookups, not the tables). ALBERT-base defaults.
struct ModelDims {
  long vocab_size = 30000, max_positions = 512, type_vocab_size = 2;
};

inline constexpr double kParamBytes = 2;  // biases: 16-bit, the SFU's fixed point

struct Footprint {
  long tasks = 1;                              // resident task packs (--tasks)
  std::array<double, kClassCount> bytes{};     // resident bytes per class, all tasks
  std::array<double, kClassCount> per_task{};  // one task's share of per-task classes (model copy for (a))
  bool complete = true;                        // false: no sentence ran every layer (sizes may be low)
  double embedding_word_bytes = 0;             // the word table alone (EdgeBERT's 2.016 MB)
};

// Bytes per element of activations in `m`.
double activation_bytes(const MappingSpec& m);
Footprint footprint(const Trace& trace, const MappingSpec& m, const ModelDims& dims, long tasks);

struct MemoryMap {
  // fraction[c][k]: share of class c's bytes (and so of its traffic) that lives in memory k.
  std::array<std::vector<double>, kClassCount> fraction;
  std::vector<double> used_bytes;  // per memory
  bool fits = true;                // everything placed (spilled counts as placed)
  double spilled_bytes = 0;        // bytes that went to the spill memory beyond their placement
  std::vector<std::string> notes;  // one line per spill or misfit, for reports
};

MemoryMap map_memory(const MappingSpec& m, const Footprint& f);

}  // namespace edgemt::sim
