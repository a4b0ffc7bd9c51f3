// The memory-technology table: the shipped file reproduces ALGORITHMS.md §10 entry for entry, the
// node scaling is the documented rule, and errors name the field.
#include "sim/tech.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "sim/spec_reader.h"
#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

using nlohmann::json;

TEST(SimTech, TableReproducesNvmExplorerEntries) {
  const TechTable t = testing::techs();
  EXPECT_EQ(t.node_nm, 22);
  EXPECT_EQ(t.reference_capacity_bytes, 1 << 20);
  struct Row { const char* name; double read, write, leak, area, read_ns, write_ns; };
  const Row rows[] = {{"SRAM", 0.0161, 0.264, 28.2, 0.654, 4.33, 4.33},     {"RRAM", 0.0629, 0.831, 3.43, 0.247, 0.775, 10.6},
                      {"STT-MRAM", 0.0592, 1.067, 2.10, 0.244, 0.971, 11.0}, {"PCM", 0.0587, 0.140, 21.4, 0.178, 0.659, 150.4},
                      {"FeFET", 0.0110, 0.295, 0.62, 0.0655, 3.92, 24.3}};
  ASSERT_EQ(t.table.size(), 6u);
  auto row = [&](const std::string& name) -> const MemoryTech& {
    for (const auto& m : t.table)
      if (m.name == name) return m;
    ADD_FAILURE() << name << " missing";
    return t.table[0];
  };
  for (size_t i = 0; i < std::size(rows); ++i) {
    const MemoryTech& m = row(rows[i].name);
    EXPECT_EQ(m.read_pj_per_bit, rows[i].read) << m.name;
    EXPECT_EQ(m.write_pj_per_bit, rows[i].write) << m.name;
    EXPECT_EQ(m.leakage_mw, rows[i].leak) << m.name;
    EXPECT_EQ(m.area_mm2, rows[i].area) << m.name;
    EXPECT_EQ(m.read_latency_ns, rows[i].read_ns) << m.name;
    EXPECT_EQ(m.write_latency_ns, rows[i].write_ns) << m.name;
    EXPECT_EQ(m.leakage_mw_for(1 << 20), rows[i].leak);
    EXPECT_EQ(m.area_mm2_for(2 << 20), 2 * rows[i].area);
  }
  EXPECT_TRUE(row("DRAM").off_chip);
  EXPECT_EQ(t.names(), "DRAM, FeFET, PCM, RRAM, SRAM, STT-MRAM");
}

TEST(SimTech, NodeScalingIsTheWrittenRule) {
  const TechTable t = testing::techs();
  // C ∝ F, E ∝ C·V², A ∝ F², leakage ∝ F·V (22 → 12 nm, 0.9 → 0.8 V).
  EXPECT_NEAR(t.scaling.energy, (12.0 / 22) * (0.8 / 0.9) * (0.8 / 0.9), 5e-4);
  EXPECT_NEAR(t.scaling.area, (12.0 / 22) * (12.0 / 22), 5e-4);
  EXPECT_NEAR(t.scaling.leakage, (12.0 / 22) * (0.8 / 0.9), 5e-4);
  const MemoryTech* rram = t.find("RRAM");
  ASSERT_NE(rram, nullptr);
  EXPECT_DOUBLE_EQ(rram->read_pj_per_bit, 0.0629 * t.scaling.energy);
  EXPECT_DOUBLE_EQ(rram->area_mm2, 0.247 * t.scaling.area);
  EXPECT_DOUBLE_EQ(rram->read_latency_ns, 0.775);
  EXPECT_DOUBLE_EQ(t.find("DRAM")->read_pj_per_bit, 10.0) << "off-chip memories are not scaled";
  EXPECT_EQ(t.find("sram"), nullptr) << "names are case-sensitive";
}

TEST(SimTech, BadTablesNameTheField) {
  json j = read_json_file(testing::accel_path("memories.json"));
  auto expect = [](const json& bad, const std::string& needle) {
    try {
      parse_tech_table(bad, "mem.json");
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  json a = j;
  a["technologies"]["RRAM"]["read_pj_per_bit"] = -1;
  expect(a, "mem.json: technologies.RRAM.read_pj_per_bit: expected a positive number, got -1");
  json b = j;
  b["technologies"]["PCM"].erase("leakage_mw");
  expect(b, "mem.json: technologies.PCM.leakage_mw: missing field");
  json c = j;
  c["node_scaling"].erase("rule");
  expect(c, "mem.json: node_scaling.rule: missing field");
  json d = j;
  d["technologies"]["SRAM"]["nonvolatile"] = "no";
  expect(d, "technologies.SRAM.nonvolatile: expected true or false");
}

}  // namespace
}  // namespace edgemt::sim
