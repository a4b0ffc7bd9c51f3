// Golden-test helpers shared by the engine, CLI and trainer tests: read a reference tensor as f32,
// and the project's criterion max |ours − ref| ≤ 1e-4 · max |ref|.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "formats/safetensors.h"

namespace edgemt::testing {

inline std::vector<float> tensor_f32(const SafetensorsFile& f, const std::string& name) {
  const TensorInfo* t = f.find(name);
  EXPECT_NE(t, nullptr) << name;
  if (!t) return {};
  std::vector<float> v(t->numel());
  widen_to_f32(t->dtype, f.data(*t).data(), v.size(), v.data());
  return v;
}

inline void expect_matches(std::span<const float> ours, std::span<const float> ref, const std::string& what) {
  ASSERT_EQ(ours.size(), ref.size()) << what;
  float max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(ref[i]));
    max_diff = std::max(max_diff, std::fabs(ours[i] - ref[i]));
  }
  EXPECT_GT(max_ref, 0.0f) << what;
  EXPECT_LE(max_diff, 1e-4f * max_ref) << what << ": max diff " << max_diff << ", max |ref| " << max_ref;
}

}  // namespace edgemt::testing
