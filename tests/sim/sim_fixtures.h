// Shared inputs of the simulator tests: the shipped specs and synthetic traces.
#pragma once

#include <sstream>
#include <string>

#include "sim/accel_spec.h"
#include "sim/mapping_spec.h"
#include "sim/synthetic_trace.h"
#include "sim/tech.h"
#include "sim/trace_reader.h"
#include "support/paths.h"

namespace edgemt::sim::testing {

inline std::string accel_path(const std::string& rel) {
  return (::edgemt::testing::source_dir() / "data/accel" / rel).string();
}
inline TechTable techs() { return load_tech_table(accel_path("memories.json")); }
inline AccelSpec preset(const std::string& name) { return load_accel_spec(accel_path("presets/" + name + ".json")); }
inline MappingSpec mapping(const std::string& name, const TechTable& t) {
  return load_mapping_spec(accel_path("mappings/" + name + ".json"), t);
}
inline Trace synthetic(const SyntheticTraceOptions& o) {
  std::stringstream ss;
  write_synthetic_trace(ss, o);
  Trace t;
  read_trace(ss, "synthetic.jsonl", t);
  return t;
}

}  // namespace edgemt::sim::testing
