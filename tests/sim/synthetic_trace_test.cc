// The synthetic trace generator: deterministic, in the trace format, with the requested exits.
#include "sim/synthetic_trace.h"

#include <gtest/gtest.h>

#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

TEST(SimSyntheticTrace, DeterministicAndInRange) {
  const SyntheticTraceOptions o{.sentences = 300, .seed = 5, .min_tokens = 10, .max_tokens = 20, .mean_exit_layer = 3.9,
                                .predict = true};
  EXPECT_EQ(synthetic_record(o, 17), synthetic_record(o, 17));
  const Trace t = testing::synthetic(o);
  double exits = 0;
  for (const auto& s : t.sentences) {
    EXPECT_GE(s.tokens, 10);
    EXPECT_LE(s.tokens, 20);
    exits += s.exit_layer;
    if (s.exit_layer > 1) {
      EXPECT_GE(s.predicted_exit_layer, s.exit_layer);
      EXPECT_LE(s.predicted_exit_layer, std::min(12, s.exit_layer + 1));
    } else {
      EXPECT_EQ(s.predicted_exit_layer, 0);
    }
  }
  // 1 + geometric with mean 3.9, truncated at 12: a little below 3.9.
  EXPECT_NEAR(exits / 300, 3.7, 0.4);
}

TEST(SimSyntheticTrace, FullDepthWithoutEarlyExit) {
  const Trace t = testing::synthetic({.sentences = 3});
  for (const auto& s : t.sentences) {
    EXPECT_EQ(s.exit_layer, 12);
    EXPECT_EQ(s.head.size(), 2u);
    EXPECT_TRUE(s.layers_run.back().offramp.empty());
  }
}

}  // namespace
}  // namespace edgemt::sim
