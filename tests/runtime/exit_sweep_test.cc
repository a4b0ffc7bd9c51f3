// Threshold sweeps from two passes must equal running the engine at each threshold.
#include "runtime/exit_sweep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "runtime/pack_builder.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The demo model applied 12 times with "random" (random light ramps after every layer: entropies
// spread over (0, ln 2), so sentences leave at many layers) and "plain" (no ramps); 24 SST-2 rows.
struct Fixture {
  fs::path model, data;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    const fs::path demo = testing::source_dir() / "models/albert-tiny-sst2";
    const fs::path dir = testing::temp_dir("exit_sweep");
    testing::copy_dir(demo, dir / "model");
    json cfg = json::parse(testing::slurp(dir / "model/config.json"));
    cfg["num_hidden_layers"] = 12;
    testing::write_text(dir / "model/config.json", cfg.dump(2));
    const AlbertConfig c = load_albert_config(dir / "model/config.json");
    const std::string labels = R"("glue_task": "sst2", "labels": ["negative", "positive"])";
    testing::PackBuilder plain;
    testing::add_checkpoint_head(plain, SafetensorsFile(demo / "model.safetensors"));
    plain.write(dir / "model/tasks/plain", "{" + labels + "}");
    const std::vector<int> layers{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    testing::PackBuilder random = plain;
    testing::add_random_offramps(random, c, 2, layers, "light", 9);
    for (int l : layers)
      for (float& v : random.get("offramps." + std::to_string(l) + ".classifier.weight").values) v *= 2.0f;
    random.write(dir / "model/tasks/random", "{" + labels +
                 R"(, "early_exit": {"offramp": "light", "threshold": 0.45, "layers": )" + json(layers).dump() + "}}");
    std::string tsv = "sentence\tlabel\n";
    const char* words[] = {"good", "bad", "dull", "bright", "slow", "witty", "flat", "moving"};
    for (int i = 0; i < 24; ++i)
      tsv += std::string("a ") + words[i % 8] + " , " + words[(i * 3 + 1) % 8] + " film " + std::to_string(i) + " .\t" +
             std::to_string(i % 2) + "\n";
    testing::write_text(dir / "dev.tsv", tsv);
    return Fixture{dir / "model", dir / "dev.tsv"};
  }();
  return f;
}

TEST(ExitSweep, EveryPointEqualsRunningAtThatThreshold) {
  const Engine e(fixture().model);
  const glue::TaskSpec& spec = *glue::find_task("sst2");
  const std::vector<float> thresholds{0.0f, 0.05f, 0.2f, 0.45f, 0.6f, 0.69f};
  const ExitSweep s = sweep_task(e, "random", spec, fixture().data, {}, thresholds);
  ASSERT_EQ(s.points.size(), thresholds.size());
  EXPECT_EQ(s.layers, 12);
  EXPECT_EQ(s.examples, 24u);
  std::set<double> distinct;
  for (size_t i = 0; i < thresholds.size(); ++i) {
    SCOPED_TRACE(thresholds[i]);
    EvalOptions o;
    o.exit_threshold = thresholds[i];
    const EvalResult direct = evaluate(e, "random", spec, fixture().data, o);
    EXPECT_DOUBLE_EQ(s.points[i].mean_exit_layer, direct.mean_exit_layer);
    ASSERT_EQ(s.points[i].metrics, direct.metrics);
    distinct.insert(direct.mean_exit_layer);
  }
  EXPECT_GE(distinct.size(), 4u) << "the thresholds should reach different exit layers";
  EXPECT_DOUBLE_EQ(s.points[0].mean_exit_layer, 12.0);
}

TEST(ExitSweep, LabelAtThresholdTakesTheFirstRampBelowIt) {
  Prediction p;
  p.label_id = 1;
  p.exit_layer = 4;
  p.entropies = {0.6f, NAN, 0.2f, 0.1f};
  p.ramp_labels = {0, -1, 1, 0};
  int layer = 0;
  EXPECT_EQ(label_at_threshold(p, 0.7f, layer), 0);
  EXPECT_EQ(layer, 1);
  EXPECT_EQ(label_at_threshold(p, 0.3f, layer), 1);
  EXPECT_EQ(layer, 3);
  EXPECT_EQ(label_at_threshold(p, 0.15f, layer), 0);
  EXPECT_EQ(layer, 4);
  EXPECT_EQ(label_at_threshold(p, 0.05f, layer), 1);  // none below: the pass's own answer
  EXPECT_EQ(layer, 4);
}

TEST(ExitSweep, TasksWithoutRampsAndThresholdsBelowTheFloorAreErrors) {
  const Engine e(fixture().model);
  const glue::TaskSpec& spec = *glue::find_task("sst2");
  const std::vector<float> t{0.0f, 0.3f};
  try {
    sweep_task(e, "plain", spec, fixture().data, {}, t);
    FAIL() << "no off-ramps";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("task 'plain' has no off-ramps"), std::string::npos) << err.what();
  }
  const std::vector<float> low{1e-35f};
  EXPECT_THROW(sweep_task(e, "random", spec, fixture().data, {}, low), Error);
}

TEST(ExitSweep, DefaultThresholdsSpanZeroToLnC) {
  const auto t = default_sweep_thresholds(2);
  ASSERT_EQ(t.size(), 41u);
  EXPECT_EQ(t.front(), 0.0f);
  EXPECT_NEAR(t[1], 0.001 * std::log(2.0), 1e-9);
  EXPECT_NEAR(t.back(), std::log(2.0), 1e-6);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
}

}  // namespace
}  // namespace edgemt
