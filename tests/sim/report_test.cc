// Reports: JSON with units in the field names and every sentence, CSV rows, readable tables.
#include "sim/report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

SimResult sample(const std::string& mapping = "adapter-albert") {
  const TechTable t = testing::techs();
  const Trace tr = testing::synthetic({.sentences = 4, .density = 0.4, .mean_exit_layer = 3, .predict = true});
  return simulate(testing::preset("edgebert-n16"), t, testing::mapping(mapping, t), tr,
                  {.latency_target_ns = 30e6, .policy = DvfsPolicy::EdgeBert});
}

TEST(SimReport, JsonCarriesTotalsAndSentencesWithUnits) {
  const SimResult r = sample();
  const nlohmann::json j = to_json(r, true);
  EXPECT_EQ(j["accel"], "edgebert-n16");
  EXPECT_EQ(j["dvfs"], "edgebert");
  EXPECT_TRUE(j["fits"].get<bool>());
  EXPECT_DOUBLE_EQ(j["totals"]["energy_pj"].get<double>(), r.energy.total_pj());
  EXPECT_DOUBLE_EQ(j["area_mm2"]["total_mm2"].get<double>(), r.area.total_mm2());
  EXPECT_TRUE(j["totals"]["energy_breakdown"]["memories"].contains("rram"));
  EXPECT_TRUE(j["totals"]["energy_breakdown"]["memories"]["rram"].contains("read_pj"));
  ASSERT_EQ(j["per_sentence"].size(), 4u);
  const auto& s = j["per_sentence"][0];
  for (const char* k : {"latency_ns", "energy_pj", "voltage_v", "frequency_mhz", "exit_layer", "energy_breakdown"})
    EXPECT_TRUE(s.contains(k)) << k;
  EXPECT_TRUE(j["by_task"].contains("synthetic"));
  EXPECT_GT(j["footprint_bytes"]["shared_layers"].get<double>(), 0);
}

TEST(SimReport, CsvHasAHeaderAndOneRowPerSentence) {
  const SimResult r = sample();
  std::stringstream ss;
  write_csv(ss, r, true);
  std::string header, line;
  std::getline(ss, header);
  EXPECT_EQ(header.rfind("accel,mapping,dvfs,index,task,tokens,exit_layer", 0), 0u);
  EXPECT_NE(header.find(",rram_read_pj,rram_write_pj,sram_read_pj"), std::string::npos) << header;
  int rows = 0;
  while (std::getline(ss, line)) {
    ++rows;
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), std::count(header.begin(), header.end(), ',')) << line;
  }
  EXPECT_EQ(rows, 4);
}

TEST(SimReport, TablesForPeople) {
  const SimResult r = sample();
  std::stringstream one, many;
  print_run(one, r);
  EXPECT_NE(one.str().find("edgebert-n16 · adapter-albert · DVFS edgebert (target 30 ms)"), std::string::npos) << one.str();
  EXPECT_NE(one.str().find("energy per sentence:"), std::string::npos);
  const SimResult runs[] = {r, sample("all-sram")};
  print_comparison(many, runs);
  const std::string table = many.str();
  EXPECT_NE(table.find("all-sram"), std::string::npos);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3) << table;
}

}  // namespace
}  // namespace edgemt::sim
