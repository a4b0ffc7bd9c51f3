// Parsing and node-scaling the memory-technology table.
#include "sim/tech.h"

#include "core/error.h"
#include "sim/spec_reader.h"

namespace edgemt::sim {

const MemoryTech* TechTable::find(const std::string& name) const {
  for (const auto& t : scaled)
    if (t.name == name) return &t;
  return nullptr;
}

std::string TechTable::names() const {
  std::string s;
  for (const auto& t : table) s += (s.empty() ? "" : ", ") + t.name;
  return s;
}

MemoryTech scale(const MemoryTech& t, const NodeScaling& s) {
  if (t.off_chip) return t;
  MemoryTech r = t;
  r.read_pj_per_bit *= s.energy;
  r.write_pj_per_bit *= s.energy;
  r.leakage_mw *= s.leakage;
  r.area_mm2 *= s.area;
  r.read_latency_ns *= s.latency;
  r.write_latency_ns *= s.latency;
  return r;
}

TechTable parse_tech_table(const nlohmann::json& j, const std::string& source) {
  const SpecReader r(j, source);
  TechTable t;
  t.node_nm = r.positive("node_nm");
  t.reference_capacity_bytes = r.positive("reference_capacity_bytes");
  const SpecReader techs = r.child("technologies");
  for (const auto& name : techs.keys()) {
    const SpecReader e = techs.child(name);
    MemoryTech m;
    m.name = name;
    m.read_pj_per_bit = e.positive("read_pj_per_bit");
    m.write_pj_per_bit = e.positive("write_pj_per_bit");
    m.leakage_mw = e.non_negative("leakage_mw");
    m.area_mm2 = e.non_negative("area_mm2");
    m.read_latency_ns = e.positive("read_latency_ns");
    m.write_latency_ns = e.positive("write_latency_ns");
    m.nonvolatile = e.boolean("nonvolatile");
    m.off_chip = e.boolean("off_chip");
    m.reference_bytes = t.reference_capacity_bytes;
    if (!m.off_chip && m.area_mm2 <= 0) e.fail("area_mm2", "an on-chip memory needs a positive area");
    t.table.push_back(m);
  }
  if (t.table.empty()) r.fail("technologies", "expected at least one technology");
  const SpecReader s = r.child("node_scaling");
  s.string("rule");  // the rule must be written next to the numbers
  t.scaling = {.to_node_nm = s.positive("to_node_nm"),
               .energy = s.positive("energy"),
               .area = s.positive("area"),
               .leakage = s.positive("leakage"),
               .latency = s.positive("latency")};
  for (const auto& m : t.table) t.scaled.push_back(scale(m, t.scaling));
  return t;
}

TechTable load_tech_table(const std::string& path) { return parse_tech_table(read_json_file(path), path); }

}  // namespace edgemt::sim
