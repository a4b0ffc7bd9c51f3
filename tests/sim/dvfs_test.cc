// The latency-bounded DVFS controller on hand-made segment latencies.
#include "sim/dvfs.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

// Segments (embedding, layers, head) whose latency is `ns` at nominal, scaled by f_nominal / f.
std::vector<std::vector<double>> segments(const AccelSpec& a, size_t count, double ns) {
  std::vector<std::vector<double>> lat(count);
  for (auto& s : lat)
    for (const auto& p : a.dvfs.points) s.push_back(ns * a.nominal().frequency_mhz / p.frequency_mhz);
  return lat;
}

TEST(SimDvfs, PicksTheLowestPointMeetingTheTarget) {
  const AccelSpec a = testing::preset("edgebert-n16");
  // L 12, exit 4, predicted 4, 1000 ns per segment: p = 1, so 2 segments at nominal (2000 ns),
  // then layers 2..4 planned: 3000 ns × f_nom / f + 500 ns switch.
  const auto lat = segments(a, 5, 1000);
  const DvfsInput in{.layers = 12, .exit_layer = 4, .predicted_exit = 4, .has_head = false, .target_ns = 8000};
  const DvfsPlan plan = plan_dvfs(DvfsPolicy::EdgeBert, a, lat, {}, in);
  ASSERT_TRUE(plan.switched);
  size_t expected = 0;
  while (2000 + 500 + 3000 * 1000 / a.dvfs.points[expected].frequency_mhz > 8000) ++expected;
  EXPECT_EQ(plan.point, expected);
  EXPECT_GT(expected, 0u) << "the lowest point (405 MHz) must not fit this target";
  EXPECT_EQ(plan.first_scaled, 2u);
  EXPECT_EQ(plan.end_scaled, 5u);
  EXPECT_EQ(plan.planned_layers, 3);
}

TEST(SimDvfs, NoPredictionPlansForAllLayers) {
  const AccelSpec a = testing::preset("edgebert-n16");
  const auto lat = segments(a, 5, 1000);
  DvfsInput in{.layers = 12, .exit_layer = 4, .predicted_exit = 0, .has_head = false, .target_ns = 8000};
  EXPECT_FALSE(plan_dvfs(DvfsPolicy::EdgeBert, a, lat, {}, in).switched) << "11 layers cannot slow down in 8 µs";
  in.target_ns = 1e9;
  const DvfsPlan relaxed = plan_dvfs(DvfsPolicy::EdgeBert, a, lat, {}, in);
  EXPECT_EQ(relaxed.point, 0u);
  EXPECT_EQ(relaxed.planned_layers, 11);
}

TEST(SimDvfs, NoneAndTooTightTargetsStayNominal) {
  const AccelSpec a = testing::preset("edgebert-n16");
  const auto lat = segments(a, 5, 1000);
  const DvfsInput in{.layers = 12, .exit_layer = 4, .predicted_exit = 4, .has_head = false, .target_ns = 1e9};
  const DvfsPlan none = plan_dvfs(DvfsPolicy::None, a, lat, {}, in);
  EXPECT_FALSE(none.switched);
  EXPECT_EQ(none.point, a.dvfs.points.size() - 1);
  DvfsInput tight = in;
  tight.target_ns = 4000;  // nominal needs 5000 ns: nothing to gain, no switch
  EXPECT_FALSE(plan_dvfs(DvfsPolicy::EdgeBert, a, lat, {}, tight).switched);
  DvfsInput first = in;
  first.exit_layer = 1;  // exits at the predictor layer: nothing left to scale
  EXPECT_FALSE(plan_dvfs(DvfsPolicy::EdgeBert, a, segments(a, 2, 1000), {}, first).switched);
}

TEST(SimDvfs, ParsesPolicies) {
  EXPECT_EQ(parse_dvfs_policy("none"), DvfsPolicy::None);
  EXPECT_EQ(parse_dvfs_policy("edgebert"), DvfsPolicy::EdgeBert);
  EXPECT_THROW(parse_dvfs_policy("ondemand"), Error);
}

}  // namespace
}  // namespace edgemt::sim
