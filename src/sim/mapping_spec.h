// The memory mapping spec (data/accel/mappings/*.json): named memory instances of a technology,
// storage formats per tensor class, and where each class lives (in priority order), plus the memory
// that takes what does not fit.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sim/tech.h"

namespace edgemt::sim {

// What the simulator places: every weight of the trace falls in one class (docs/simulator.md).
enum class TensorClass { Embeddings, SharedLayers, Adapters, Offramps, Heads, Activations };
inline constexpr int kClassCount = 6;
const char* class_name(TensorClass c);
bool per_task_class(TensorClass c);  // adapters, off-ramps, heads: one copy per resident task

// Bytes per element: fp32 4, fp16 2, AF8 1, AF8 + bitmask: 1 per non-zero + 1 bit per element.
enum class StorageFormat { Fp32, Fp16, Af8, Af8Bitmask };
const char* format_name(StorageFormat f);
double stored_bytes(StorageFormat f, double elements, double density);

struct MemoryInstance {
  std::string name;
  MemoryTech tech;  // scaled to the accelerator's node
  double capacity_bytes = 0;
  long banks = 1, word_bits = 64;
  double read_bytes_per_ns = 0, write_bytes_per_ns = 0;  // banks × word / latency unless given
};

struct MappingSpec {
  std::string name, description;
  bool per_task_model = false;  // (a): every task its own fine-tuned ALBERT, no adapters
  std::vector<MemoryInstance> memories;
  std::array<StorageFormat, kClassCount> formats{};
  double embedding_density = 1;  // non-zero fraction of the embedding tables (not in traces)
  std::vector<std::pair<TensorClass, int>> placement;  // class → memory index, in priority order
  int spill = -1;  // memory index for what does not fit, or -1 (then it does not fit)
};

MappingSpec parse_mapping_spec(const nlohmann::json& j, const std::string& source, const TechTable& techs);
MappingSpec load_mapping_spec(const std::string& path, const TechTable& techs);

}  // namespace edgemt::sim
