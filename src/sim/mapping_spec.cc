// Parsing and validating a memory mapping.
#include "sim/mapping_spec.h"

#include <cmath>

#include "core/error.h"
#include "sim/spec_reader.h"

namespace edgemt::sim {

namespace {

constexpr std::array<const char*, kClassCount> kClassNames = {"embeddings", "shared_layers", "adapters",
                                                              "offramps",   "heads",         "activations"};
constexpr std::array<const char*, 4> kFormatNames = {"fp32", "fp16", "af8", "af8-bitmask"};

std::string class_list() {
  std::string s;
  for (const char* n : kClassNames) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

TensorClass parse_class(const SpecReader& r, const std::string& key) {
  const std::string v = r.string(key);
  for (int i = 0; i < kClassCount; ++i)
    if (v == kClassNames[static_cast<size_t>(i)]) return static_cast<TensorClass>(i);
  r.fail(key, "unknown tensor class '" + v + "' (" + class_list() + ")");
}

int memory_index(const SpecReader& r, const std::string& key, const std::vector<MemoryInstance>& mems) {
  const std::string v = r.string(key);
  for (size_t i = 0; i < mems.size(); ++i)
    if (mems[i].name == v) return static_cast<int>(i);
  std::string names;
  for (const auto& m : mems) names += (names.empty() ? "" : ", ") + m.name;
  r.fail(key, "unknown memory '" + v + "' (memories: " + names + ")");
}

}  // namespace

const char* class_name(TensorClass c) { return kClassNames[static_cast<size_t>(c)]; }
bool per_task_class(TensorClass c) {
  return c == TensorClass::Adapters || c == TensorClass::Offramps || c == TensorClass::Heads;
}
const char* format_name(StorageFormat f) { return kFormatNames[static_cast<size_t>(f)]; }

double stored_bytes(StorageFormat f, double elements, double density) {
  switch (f) {
    case StorageFormat::Fp32: return 4 * elements;
    case StorageFormat::Fp16: return 2 * elements;
    case StorageFormat::Af8: return elements;
    case StorageFormat::Af8Bitmask: return density * elements + elements / 8;
  }
  return elements;
}

MappingSpec parse_mapping_spec(const nlohmann::json& j, const std::string& source, const TechTable& techs) {
  const SpecReader r(j, source);
  MappingSpec m;
  m.name = r.string("name");
  m.description = r.string_or("description", "");
  const std::string model = r.string("model");
  if (model != "per-task" && model != "shared-backbone")
    r.fail("model", "expected \"per-task\" or \"shared-backbone\", got \"" + model + "\"");
  m.per_task_model = model == "per-task";

  for (const auto& e : r.array("memories")) {
    MemoryInstance mem;
    mem.name = e.string("name");
    for (const auto& other : m.memories)
      if (other.name == mem.name) e.fail("name", "duplicate memory name '" + mem.name + "'");
    const std::string tech = e.string("technology");
    const MemoryTech* t = techs.find(tech);
    if (!t) e.fail("technology", "unknown technology '" + tech + "' (" + techs.names() + ")");
    mem.tech = *t;
    mem.capacity_bytes = e.positive("capacity_bytes");
    mem.banks = e.positive_integer("banks");
    mem.word_bits = e.positive_integer("word_bits");
    const double word_bytes = static_cast<double>(mem.banks * mem.word_bits) / 8;
    if (mem.capacity_bytes < word_bytes)
      e.fail("capacity_bytes", "too small for anything: " + std::to_string(static_cast<long>(mem.capacity_bytes)) +
                                   " bytes is less than one word per bank (" + std::to_string(mem.banks) + " × " +
                                   std::to_string(mem.word_bits) + " bits)");
    if (e.has("bandwidth_bytes_per_ns")) {
      mem.read_bytes_per_ns = mem.write_bytes_per_ns = e.positive("bandwidth_bytes_per_ns");
    } else {
      mem.read_bytes_per_ns = word_bytes / mem.tech.read_latency_ns;
      mem.write_bytes_per_ns = word_bytes / mem.tech.write_latency_ns;
    }
    m.memories.push_back(mem);
  }

  const SpecReader f = r.child("formats");
  for (int c = 0; c < kClassCount; ++c) {
    const char* key = kClassNames[static_cast<size_t>(c)];
    const std::string v = f.string(key);
    bool found = false;
    for (size_t i = 0; i < kFormatNames.size(); ++i)
      if (v == kFormatNames[i]) m.formats[static_cast<size_t>(c)] = static_cast<StorageFormat>(i), found = true;
    if (!found) f.fail(key, "unknown format '" + v + "' (fp32, fp16, af8, af8-bitmask)");
  }
  if (m.formats[static_cast<size_t>(TensorClass::Activations)] == StorageFormat::Af8Bitmask)
    f.fail("activations", "activations are dense: expected fp32, fp16 or af8");
  m.embedding_density = r.has("embedding_density") ? r.fraction("embedding_density") : 1.0;

  for (const auto& p : r.array("placement")) {
    const TensorClass c = parse_class(p, "class");
    for (const auto& [other, mem] : m.placement)
      if (other == c) p.fail("class", std::string("class '") + class_name(c) + "' placed twice");
    m.placement.emplace_back(c, memory_index(p, "memory", m.memories));
  }
  if (r.has("spill")) m.spill = memory_index(r, "spill", m.memories);
  return m;
}

MappingSpec load_mapping_spec(const std::string& path, const TechTable& techs) {
  return parse_mapping_spec(read_json_file(path), path, techs);
}

}  // namespace edgemt::sim
