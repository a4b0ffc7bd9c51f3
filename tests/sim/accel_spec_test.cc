// Accelerator presets load with the numbers of ALGORITHMS.md §9; bad specs name the field.
#include "sim/accel_spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "sim/spec_reader.h"
#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

using nlohmann::json;

TEST(SimAccelSpec, PresetsMatchTheEdgeBertDesigns) {
  const AccelSpec a = testing::preset("edgebert-n16");
  EXPECT_EQ(a.name, "edgebert-n16");
  EXPECT_EQ(a.pu.n, 16);
  EXPECT_EQ(a.pu.input_buffer_bytes, 16 * 4096);  // 16 banks × 4096 × 8 bit
  EXPECT_EQ(a.pu.weight_buffer_bytes, 16 * 4096);
  EXPECT_EQ(a.pu.mask_buffer_bytes, 8192);
  EXPECT_EQ(a.pu.aux_buffer_bytes, 4096);
  EXPECT_EQ(a.node_nm, 12);
  const AccelSpec b = testing::preset("edgebert-n32");
  EXPECT_EQ(b.pu.n, 32);
  EXPECT_EQ(b.pu.input_buffer_bytes, 128 * 1024);
  EXPECT_EQ(b.pu.mask_buffer_bytes, 16 * 1024);
  EXPECT_EQ(b.pu.aux_buffer_bytes, 32 * 1024);
  ASSERT_GE(a.dvfs.points.size(), 2u);
  EXPECT_EQ(a.nominal().voltage_v, a.energy.at_voltage_v);
  EXPECT_EQ(a.nominal().leakage_scale, 1.0);
  for (size_t i = 1; i < a.dvfs.points.size(); ++i) EXPECT_GT(a.dvfs.points[i].voltage_v, a.dvfs.points[i - 1].voltage_v);
}

void expect_error(const json& j, const std::string& needle) {
  try {
    parse_accel_spec(j, "acc.json");
    ADD_FAILURE() << "no error for " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(SimAccelSpec, BadSpecsNameTheField) {
  const json j = read_json_file(testing::accel_path("presets/edgebert-n16.json"));
  json a = j;
  a["pu"]["n"] = -16;
  expect_error(a, "acc.json: pu.n: expected a positive integer, got -16");
  json b = j;
  b["pu"].erase("input_buffer_bytes");
  expect_error(b, "acc.json: pu.input_buffer_bytes: missing field");
  json c = j;
  c["pu"]["weight_buffer_bytes"] = 100;
  expect_error(c, "pu.weight_buffer_bytes: too small for two 16×16 weight tiles (512 bytes)");
  json d = j;
  std::swap(d["dvfs"]["operating_points"][0], d["dvfs"]["operating_points"][1]);
  expect_error(d, "dvfs.operating_points[1].voltage_v: operating points must be in ascending voltage");
  json e = j;
  e["sfu"]["ops"].erase("softmax");
  expect_error(e, "acc.json: sfu.ops.softmax: missing field");
  json f = j;
  f["energy"]["mac_pj"] = "0.2";
  expect_error(f, "energy.mac_pj: expected a number, got \"0.2\"");
  json g = j;
  g["dvfs"]["operating_points"] = json::array();
  expect_error(g, "dvfs.operating_points: expected a non-empty array");
}

}  // namespace
}  // namespace edgemt::sim
