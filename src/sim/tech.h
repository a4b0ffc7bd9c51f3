// Memory technologies (data/accel/memories.json, ALGORITHMS.md §10): the NVMExplorer table as given
// and scaled to the accelerator's node by the rule written next to the numbers.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgemt::sim {

// Per-bit energies and latencies of one access; leakage and area of `reference_capacity_bytes`.
struct MemoryTech {
  std::string name;
  double read_pj_per_bit = 0, write_pj_per_bit = 0;
  double leakage_mw = 0, area_mm2 = 0;  // per reference capacity (1 MB in the table)
  double read_latency_ns = 0, write_latency_ns = 0;
  bool nonvolatile = false, off_chip = false;
  double reference_bytes = 1;  // the capacity `leakage_mw` and `area_mm2` are for

  double leakage_mw_for(double bytes) const { return leakage_mw * bytes / reference_bytes; }
  double area_mm2_for(double bytes) const { return area_mm2 * bytes / reference_bytes; }
};

// Multiplicative factors from the table's node to `to_node_nm`; off-chip memories are not scaled.
struct NodeScaling {
  double to_node_nm = 0;
  double energy = 1, area = 1, leakage = 1, latency = 1;
};

struct TechTable {
  double node_nm = 0;                  // the table's node
  double reference_capacity_bytes = 0;  // the array size the leakage and area columns are for
  std::vector<MemoryTech> table;        // as given in the file
  NodeScaling scaling;
  std::vector<MemoryTech> scaled;       // at scaling.to_node_nm, same order as `table`

  // The scaled technology called `name` (case-sensitive), or nullptr.
  const MemoryTech* find(const std::string& name) const;
  std::string names() const;  // "SRAM, RRAM, …" for error messages
};

MemoryTech scale(const MemoryTech& t, const NodeScaling& s);
TechTable parse_tech_table(const nlohmann::json& j, const std::string& source);
TechTable load_tech_table(const std::string& path);

}  // namespace edgemt::sim
