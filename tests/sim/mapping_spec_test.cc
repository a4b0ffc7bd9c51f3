// Memory mappings: the three presets load; bad mappings (negative sizes, unknown technology,
// missing fields, a memory too small for anything) are errors naming the field.
#include "sim/mapping_spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "sim/spec_reader.h"
#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

using nlohmann::json;

TEST(SimMappingSpec, PresetsLoad) {
  const TechTable t = testing::techs();
  const MappingSpec b = testing::mapping("adapter-albert", t);
  EXPECT_FALSE(b.per_task_model);
  ASSERT_EQ(b.memories.size(), 3u);
  EXPECT_EQ(b.memories[0].tech.name, "RRAM");
  EXPECT_EQ(b.memories[b.spill].name, "dram");
  EXPECT_EQ(b.formats[static_cast<size_t>(TensorClass::SharedLayers)], StorageFormat::Af8Bitmask);
  // 32 banks × 64 bits every 0.775 ns.
  EXPECT_DOUBLE_EQ(b.memories[0].read_bytes_per_ns, 32 * 8 / 0.775);
  EXPECT_DOUBLE_EQ(b.memories[2].read_bytes_per_ns, 12.8);
  EXPECT_TRUE(testing::mapping("albert-per-task", t).per_task_model);
  EXPECT_EQ(testing::mapping("all-sram", t).memories[0].tech.name, "SRAM");
}

TEST(SimMappingSpec, StoredBytesPerFormat) {
  EXPECT_EQ(stored_bytes(StorageFormat::Fp32, 1000, 0.4), 4000);
  EXPECT_EQ(stored_bytes(StorageFormat::Fp16, 1000, 0.4), 2000);
  EXPECT_EQ(stored_bytes(StorageFormat::Af8, 1000, 0.4), 1000);
  EXPECT_EQ(stored_bytes(StorageFormat::Af8Bitmask, 1000, 0.4), 400 + 125);  // non-zeros + 1 bit each
}

void expect_error(const json& j, const std::string& needle) {
  try {
    parse_mapping_spec(j, "map.json", testing::techs());
    ADD_FAILURE() << "no error for " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(SimMappingSpec, BadMappingsNameTheField) {
  const json j = read_json_file(testing::accel_path("mappings/adapter-albert.json"));
  json a = j;
  a["memories"][1]["capacity_bytes"] = -4096;
  expect_error(a, "map.json: memories[1].capacity_bytes: expected a positive number, got -4096");
  json b = j;
  b["memories"][0]["technology"] = "MRAM";
  expect_error(b, "map.json: memories[0].technology: unknown technology 'MRAM' (DRAM, FeFET, PCM, RRAM, SRAM, STT-MRAM)");
  json c = j;
  c["memories"][0].erase("banks");
  expect_error(c, "map.json: memories[0].banks: missing field");
  json d = j;
  d["memories"][1]["capacity_bytes"] = 64;
  expect_error(d, "map.json: memories[1].capacity_bytes: too small for anything: 64 bytes is less than one word per "
                  "bank (16 × 128 bits)");
  json e = j;
  e["placement"][0]["class"] = "weights";
  expect_error(e, "map.json: placement[0].class: unknown tensor class 'weights'");
  json f = j;
  f["placement"][0]["memory"] = "flash";
  expect_error(f, "placement[0].memory: unknown memory 'flash' (memories: rram, sram, dram)");
  json g = j;
  g["formats"]["adapters"] = "int4";
  expect_error(g, "map.json: formats.adapters: unknown format 'int4'");
  json h = j;
  h.erase("formats");
  expect_error(h, "map.json: formats: missing field");
  json k = j;
  k["embedding_density"] = 1.5;
  expect_error(k, "embedding_density: expected a number in [0, 1], got 1.5");
  json m = j;
  m["model"] = "shared";
  expect_error(m, "map.json: model: expected \"per-task\" or \"shared-backbone\"");
}

}  // namespace
}  // namespace edgemt::sim
