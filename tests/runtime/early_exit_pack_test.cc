// task.json "early_exit", "predictor" and "spans" with their tensors (albert-groups backbone: H 64,
// 4 heads, 12 layer applications): what loads, LUT lookups, and one error line naming the file and
// the field or tensor for every defect.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "runtime/exit_predictor.h"
#include "runtime/pack_builder.h"
#include "runtime/task_pack.h"
#include "support/paths.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

AlbertConfig groups_config() {
  return load_albert_config(testing::source_dir() / "tests/data/hf/albert-groups/config.json");
}

// 3 labels, light ramps after 2 and 5.
testing::PackBuilder pack_with_ramps(const std::string& kind = "light", const std::vector<int>& layers = {2, 5}) {
  const AlbertConfig c = groups_config();
  testing::PackBuilder b;
  testing::add_random_head(b, c, 3, 1);
  testing::add_random_offramps(b, c, 3, layers, kind, 2);
  return b;
}

const std::string kEarly = R"("early_exit": {"offramp": "light", "threshold": 0.5, "layers": [2, 5]})";

std::string task_json(const std::string& extra) {
  return R"({"labels": ["a", "b", "c"])" + (extra.empty() ? "" : ", " + extra) + "}";
}

TaskPack load(const testing::PackBuilder& b, const std::string& json_text) {
  const fs::path dir = testing::temp_dir("early_exit_pack") / "task";
  b.write(dir, json_text);
  return load_task_pack(dir, groups_config());
}

void expect_error(const testing::PackBuilder& b, const std::string& json_text, const std::string& file,
                  const std::vector<std::string>& needles) {
  const fs::path dir = testing::temp_dir("early_exit_pack_errors") / "task";
  b.write(dir, json_text);
  try {
    load_task_pack(dir, groups_config());
    ADD_FAILURE() << "no error for " << json_text;
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find((dir / file).string()), std::string::npos) << "file not named: " << m;
    for (const auto& n : needles) EXPECT_NE(m.find(n), std::string::npos) << "expected '" << n << "' in: " << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

std::string predictor(int layer, int bins, const json& rows) {
  return R"("predictor": {"layer": )" + std::to_string(layer) + R"(, "bins": )" + std::to_string(bins) +
         R"(, "entropy": )" + rows.dump() + "}";
}

TEST(EarlyExitPack, LoadsOffRampsOfBothKinds) {
  const TaskPack light = load(pack_with_ramps(), task_json(kEarly));
  ASSERT_TRUE(light.offramps);
  EXPECT_EQ(light.offramps->kind, OffRampKind::Light);
  EXPECT_EQ(light.offramps->after.size(), 12u);
  EXPECT_NE(light.offramps->at(2), nullptr);
  EXPECT_NE(light.offramps->at(5), nullptr);
  EXPECT_EQ(light.offramps->at(3), nullptr);
  EXPECT_EQ(light.offramps->at(12), nullptr);
  EXPECT_TRUE(light.unused.empty());
  EXPECT_DOUBLE_EQ(light.density.at("offramps.2.classifier.weight"), 1.0);
  const TaskPack full = load(pack_with_ramps("full"),
                             task_json(R"("early_exit": {"offramp": "full", "threshold": 0, "layers": [2, 5]})"));
  EXPECT_EQ(full.offramps->kind, OffRampKind::Full);
  EXPECT_EQ(full.offramps->at(2)->pooler.out, 64);
  // Ramps of layers not listed are not read: a warning, like any unused tensor.
  const TaskPack some =
      load(pack_with_ramps(), task_json(R"("early_exit": {"offramp": "light", "threshold": 0.5, "layers": [5]})"));
  EXPECT_EQ(some.offramps->at(2), nullptr);
  EXPECT_EQ(some.unused.size(), 4u);
}

TEST(EarlyExitPack, DensityCountsZeros) {
  testing::PackBuilder b = pack_with_ramps();
  auto& w = b.get("offramps.5.classifier.weight").values;  // [3, 64]
  std::fill(w.begin(), w.begin() + 48, 0.0f);
  EXPECT_DOUBLE_EQ(load(b, task_json(kEarly)).density.at("offramps.5.classifier.weight"), 0.75);
}

TEST(EarlyExitPack, PredictorLookups) {
  // p = 2 in a 12-layer model: rows hold layers 3 … 12. Bin b predicts entropy 1 − b/10 at layer 5 + b % 3,
  // 0.9 elsewhere.
  json rows = json::array();
  for (int b = 0; b < 10; ++b) {
    std::vector<double> r(10, 0.9);
    r[static_cast<size_t>(b % 3 + 2)] = 0.05;  // layers 5, 6, 7
    rows.push_back(r);
  }
  const TaskPack t =
      load(pack_with_ramps("light", {2, 5, 6, 7}),
           task_json(R"("early_exit": {"offramp": "light", "threshold": 0.5, "layers": [2, 5, 6, 7]}, )" +
                     predictor(2, 10, rows)));
  ASSERT_TRUE(t.predictor);
  const ExitPredictor& p = *t.predictor;
  EXPECT_EQ(p.layer(), 2);
  EXPECT_EQ(p.bins(), 10);
  EXPECT_EQ(p.bin(0.0f), 0);
  EXPECT_EQ(p.bin(0.0999f), 0);
  EXPECT_EQ(p.bin(0.1f), 1);
  EXPECT_EQ(p.bin(0.95f), 9);
  EXPECT_EQ(p.bin(3.0f), 9) << "clamped above";
  EXPECT_EQ(p.bin(-1.0f), 0);
  EXPECT_EQ(p.bin(NAN), 9);
  EXPECT_EQ(p.row(0.45f).size(), 10u);
  EXPECT_DOUBLE_EQ(p.row(0.45f)[0], 0.9f);
  EXPECT_EQ(p.predict(0.05f, 0.1f), 5);  // bin 0 → layer 5
  EXPECT_EQ(p.predict(0.15f, 0.1f), 6);  // bin 1 → layer 6
  EXPECT_EQ(p.predict(0.25f, 0.1f), 7);  // bin 2
  EXPECT_EQ(p.predict(0.35f, 0.1f), 5);  // bin 3
  EXPECT_EQ(p.predict(0.05f, 0.01f), 12) << "nothing below the threshold: L";
  EXPECT_EQ(p.predict(0.05f, 0.95f), 5) << "layers 3, 4 have no off-ramp: not an exit layer";
}

TEST(EarlyExitPack, MalformedFieldsAreOneLineErrors) {
  const auto b = pack_with_ramps();
  const std::string j = "task.json";
  expect_error(b, task_json(R"("early_exit": 3)"), j, {"early_exit", "must be an object"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "heavy", "threshold": 0.5, "layers": [2]})"), j,
               {"early_exit.offramp"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": -0.1, "layers": [2]})"), j,
               {"early_exit.threshold", "ln 3"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": 1.2, "layers": [2]})"), j,
               {"early_exit.threshold", "1.0986"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": "low", "layers": [2]})"), j,
               {"early_exit.threshold"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": 0.5})"), j, {"early_exit.layers"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": 0.5, "layers": []})"), j,
               {"early_exit.layers"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": 0.5, "layers": [0]})"), j,
               {"early_exit.layers", "[1, 11]"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": 0.5, "layers": [12]})"), j,
               {"early_exit.layers", "task head"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": 0.5, "layers": [5, 2]})"), j,
               {"early_exit.layers", "increasing"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": 0.5, "layers": [2.5]})"), j,
               {"early_exit.layers"});
  expect_error(b,
               R"({"problem_type": "regression", "early_exit": {"offramp": "light", "threshold": 0, "layers": [2]}})",
               j, {"early_exit", "regression"});
  // Tensors: missing ramp, wrong shape, wrong kind.
  expect_error(b, task_json(R"("early_exit": {"offramp": "light", "threshold": 0.5, "layers": [2, 3]})"),
               "task.safetensors", {"offramps.3.norm.weight"});
  auto misshaped = pack_with_ramps();
  misshaped.get("offramps.5.classifier.weight").shape = {2, 96};
  expect_error(misshaped, task_json(kEarly), "task.safetensors", {"offramps.5.classifier.weight"});
  expect_error(b, task_json(R"("early_exit": {"offramp": "full", "threshold": 0.5, "layers": [2, 5]})"),
               "task.safetensors", {"offramps.2.pooler.weight"});
}

TEST(EarlyExitPack, MalformedPredictorsAreOneLineErrors) {
  const auto b = pack_with_ramps();
  const std::string j = "task.json";
  const json rows10 = json::array({std::vector<double>(10, 0.5), std::vector<double>(10, 0.5)});
  expect_error(b, task_json(predictor(2, 2, rows10)), j, {"predictor", "early_exit"});
  expect_error(b, task_json(kEarly + ", " + predictor(3, 2, rows10)), j, {"predictor.layer", "off-ramp"});
  expect_error(b, task_json(kEarly + ", " + predictor(2, 0, json::array())), j, {"predictor.bins"});
  expect_error(b, task_json(kEarly + ", " + predictor(2, 3, rows10)), j, {"predictor.entropy", "3 rows"});
  expect_error(b, task_json(kEarly + ", " + predictor(5, 2, rows10)), j, {"predictor.entropy", "7 numbers", "6 … 12"});
  json negative = rows10;
  negative[1][3] = -0.5;
  expect_error(b, task_json(kEarly + ", " + predictor(2, 2, negative)), j, {"predictor.entropy", "row 1"});
  expect_error(b, task_json(kEarly + R"(, "predictor": [1])"), j, {"predictor", "object"});
}

TEST(EarlyExitPack, Spans) {
  testing::PackBuilder b;
  testing::add_random_head(b, groups_config(), 3, 1);
  const TaskPack shared = load(b, task_json(R"("spans": {"ramp": 8, "z": [0, 1.5, 4, 100]})"));
  ASSERT_TRUE(shared.spans);
  EXPECT_TRUE(shared.spans->shared);
  EXPECT_FLOAT_EQ(shared.spans->ramp, 8.0f);
  EXPECT_FLOAT_EQ(shared.spans->at(7)[1], 1.5f);
  json per_layer = json::array();
  for (int l = 0; l < 12; ++l) per_layer.push_back({l, 0, 0, 0});
  const TaskPack layered = load(b, task_json(R"("spans": {"ramp": 2, "z": )" + per_layer.dump() + "}"));
  EXPECT_FALSE(layered.spans->shared);
  EXPECT_FLOAT_EQ(layered.spans->at(7)[0], 7.0f);
  const std::string j = "task.json";
  expect_error(b, task_json(R"("spans": [1, 2])"), j, {"spans", "object"});
  expect_error(b, task_json(R"("spans": {"ramp": 0, "z": [0, 0, 0, 0]})"), j, {"spans.ramp"});
  expect_error(b, task_json(R"("spans": {"ramp": 2, "z": [0, 0, 0]})"), j, {"spans.z", "4 spans", "12 lists"});
  expect_error(b, task_json(R"("spans": {"ramp": 2, "z": [0, -1, 0, 0]})"), j, {"spans.z", "≥ 0"});
  expect_error(b, task_json(R"("spans": {"ramp": 2, "z": [[0, 0, 0, 0]]})"), j, {"spans.z", "12 lists"});
}

}  // namespace
}  // namespace edgemt
