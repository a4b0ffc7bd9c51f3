// Early-exit calibration on hand-made entropies: the engine's exit rule, the prefix threshold rule,
// per-layer statistics and the predictor LUT (binning, means, empty-bin fill).
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "text/glue_tasks.h"
#include "train/torch/exit_calibration.h"

namespace edgemt {
namespace {

const glue::TaskSpec& sst2() { return *glue::find_task("sst2"); }

// Three layers (ramps 1, 2 and the head 3), four examples, gold 1 0 1 0.
train::LayerOutputs outputs() {
  train::LayerOutputs o;
  o.layers = 3;
  o.entropy = {0.10f, 0.05f, 0.01f,   // example 0: exits at 1 for t > 0.10
               0.60f, 0.30f, 0.20f,   // example 1: exits at 2 for t > 0.30
               0.65f, 0.62f, 0.40f,   // example 2: never exits early below 0.62
               0.20f, 0.15f, 0.10f};  // example 3: exits at 1 for t > 0.20
  o.label = {1, 1, 1,  //
             1, 0, 0,  //
             0, 0, 1,  //
             1, 0, 0};
  return o;
}
const std::vector<float> kGold = {1, 0, 1, 0};

TEST(ExitCalibration, SimulatesTheEnginesRule) {
  const auto o = outputs();
  auto e = train::simulate_exit(o, kGold, sst2(), 0.0f);  // off: the head everywhere
  EXPECT_EQ(e.exit_layer, (std::vector<int>{3, 3, 3, 3}));
  EXPECT_DOUBLE_EQ(e.metric, 1.0);
  e = train::simulate_exit(o, kGold, sst2(), 0.25f);
  EXPECT_EQ(e.exit_layer, (std::vector<int>{1, 3, 3, 1}));
  EXPECT_EQ(e.label, (std::vector<int>{1, 0, 1, 1}));
  EXPECT_DOUBLE_EQ(e.metric, 0.75);
  EXPECT_DOUBLE_EQ(e.mean_exit_layer, 2.0);
  e = train::simulate_exit(o, kGold, sst2(), 0.10f);  // strict: 0.10 < 0.10 is false
  EXPECT_EQ(e.exit_layer[0], 2);
}

TEST(ExitCalibration, ChoosesTheLargestThresholdOfTheKeptPrefix) {
  const auto o = outputs();
  // Full metric 1.0. From t > 0.20 example 3 exits wrong (0.75), from t > 0.60 example 1 too (0.5):
  // a 0.2 drop keeps t ≤ 0.20, a 0.3 drop t ≤ 0.60 (grid steps of ln 2 / 100).
  const auto strict = train::choose_threshold(o, kGold, sst2(), 2, 0.2, 100);
  EXPECT_LE(strict.threshold, 0.2f + 1e-6f);
  EXPECT_GT(strict.threshold, 0.1f);
  EXPECT_DOUBLE_EQ(strict.metric, 1.0);
  const auto loose = train::choose_threshold(o, kGold, sst2(), 2, 0.3, 100);
  EXPECT_GT(loose.threshold, 0.55f);
  EXPECT_LE(loose.threshold, 0.6f);
  EXPECT_DOUBLE_EQ(loose.metric, 0.75);
  EXPECT_LT(loose.mean_exit_layer, strict.mean_exit_layer);
}

TEST(ExitCalibration, PredictorBinsAveragesAndFillsEmptyBins) {
  const auto o = outputs();
  const auto t = train::build_predictor(o, 1, 10, 2);
  ASSERT_EQ(t.entropy.size(), 10u);
  ASSERT_EQ(t.entropy[1].size(), 2u);
  EXPECT_NEAR(t.entropy[1][0], 0.05, 1e-6);  // bin 1: example 0 (0.10 → ⌊1.0⌋ = 1)
  EXPECT_NEAR(t.entropy[2][1], 0.10, 1e-6);  // bin 2: example 3
  EXPECT_NEAR(t.entropy[6][0], (0.30 + 0.62) / 2, 1e-6);  // bin 6: examples 1 and 2
  EXPECT_NEAR(t.entropy[0][0], 0.05, 1e-6);  // empty: nearest is bin 1
  EXPECT_NEAR(t.entropy[9][1], (0.20 + 0.40) / 2, 1e-6);  // empty: nearest is bin 6
  EXPECT_NEAR(t.entropy[4][0], 0.15, 1e-6);  // empty, bins 2 and 6 at distance 2: the lower
  EXPECT_THROW(train::build_predictor(o, 3, 10, 2), Error);
  const auto stats = train::layer_stats(o, kGold, sst2());
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_NEAR(stats[0].mean, (0.10 + 0.60 + 0.65 + 0.20) / 4, 1e-6);
  EXPECT_DOUBLE_EQ(stats[2].metric, 1.0);
}

}  // namespace
}  // namespace edgemt
