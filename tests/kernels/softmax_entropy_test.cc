// Fused softmax + entropy against the double reference, on every ISA path the CPU has.
#include "kernels/softmax_entropy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/ref/softmax_ref.h"
#include "support/files.h"

namespace edgemt {
namespace {

using ops::Isa;

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512})
    if (ops::isa_supported(isa)) out.push_back(isa);
  return out;
}

// Runs one path and the reference on `z` [rows, C]; checks probs to 1e-6 absolute (they are ≤ 1)
// and entropy to 1e-6·(1 + H) plus 1e-5 relative (near-certain rows: H down to ~1e-30).
void check(Isa isa, const std::vector<float>& z, int rows, int C) {
  std::vector<float> p(z.size()), h(static_cast<size_t>(rows)), rp(z.size()), rh(h.size());
  ops::softmax_entropy(isa, z.data(), rows, C, p.data(), h.data());
  ref::softmax_entropy(z.data(), rows, C, rp.data(), rh.data());
  SCOPED_TRACE(::testing::Message() << ops::isa_name(isa) << " rows " << rows << " C " << C);
  const float ln_c = static_cast<float>(std::log(static_cast<double>(C)));
  for (int i = 0; i < rows; ++i) {
    EXPECT_NEAR(h[i], rh[i], 1e-6f * (1.0f + rh[i])) << "row " << i;
    EXPECT_LE(std::fabs(h[i] - rh[i]), 1e-6f * ln_c + 1e-5f * rh[i] + 1e-30f) << "row " << i;
    EXPECT_GE(h[i], 0.0f);
    EXPECT_LE(h[i], ln_c);
    double sum = 0;
    for (int j = 0; j < C; ++j) {
      const size_t k = static_cast<size_t>(i) * C + j;
      EXPECT_NEAR(p[k], rp[k], 1e-6f) << "row " << i << " class " << j;
      sum += p[k];
    }
    EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << i;
  }
}

TEST(SoftmaxEntropy, MatchesReferenceOnRandomRows) {
  std::mt19937 rng(3);
  for (Isa isa : supported_isas())
    for (int C : {1, 2, 3, 5, 7, 8, 9, 16, 17, 100, 1000})
      for (float scale : {0.1f, 1.0f, 5.0f, 30.0f, 1e4f}) {
        const int rows = 1 + static_cast<int>(rng() % 9);
        check(isa, testing::random_floats(static_cast<size_t>(rows) * C, rng(), scale), rows, C);
      }
}

TEST(SoftmaxEntropy, ExtremeLogits) {
  const float big = 3e38f, inf = std::numeric_limits<float>::infinity();
  for (Isa isa : supported_isas()) {
    SCOPED_TRACE(ops::isa_name(isa));
    for (int C : {1, 2, 3, 100}) {
      // Equal logits (any magnitude): uniform, H = ln C.
      for (float v : {0.0f, -7.5f, 1e6f, -1e30f, big, -big}) {
        std::vector<float> z(static_cast<size_t>(C), v), p(z.size());
        float h = -1;
        ops::softmax_entropy(isa, z.data(), 1, C, p.data(), &h);
        EXPECT_NEAR(h, std::log(static_cast<double>(C)), 1e-6 * std::log(static_cast<double>(C)) + 1e-7) << v;
        for (float q : p) EXPECT_NEAR(q, 1.0f / static_cast<float>(C), 1e-7f) << v;
      }
      // One huge winner among huge losers: certain, H = 0 (no 0·∞, no e^-87·1e38 leftovers).
      for (float v : {1e30f, big}) {
        std::vector<float> z(static_cast<size_t>(C), -v), p(z.size());
        z[static_cast<size_t>(C / 2)] = v;
        float h = -1;
        ops::softmax_entropy(isa, z.data(), 1, C, p.data(), &h);
        EXPECT_EQ(h, 0.0f) << v;
        for (int j = 0; j < C; ++j) EXPECT_EQ(p[static_cast<size_t>(j)], j == C / 2 ? 1.0f : 0.0f) << v;
      }
      // Large offset, small differences (1e6 + {0, 1, 2, ...}): the shift keeps them exact.
      std::vector<float> z(static_cast<size_t>(C));
      for (int j = 0; j < C; ++j) z[static_cast<size_t>(j)] = 1e6f + static_cast<float>(j % 4);
      check(isa, z, 1, C);
      // −inf classes are masked out: same as dropping them.
      if (C >= 2) {
        std::vector<float> zm = z;
        for (int j = 0; j < C; j += 2) zm[static_cast<size_t>(j)] = -inf;
        std::vector<float> p(zm.size()), rp(zm.size());
        float h = -1, rh = -1;
        ops::softmax_entropy(isa, zm.data(), 1, C, p.data(), &h);
        ref::softmax_entropy(zm.data(), 1, C, rp.data(), &rh);
        EXPECT_NEAR(h, rh, 1e-6f * (1 + rh));
        for (int j = 0; j < C; ++j) EXPECT_NEAR(p[static_cast<size_t>(j)], rp[static_cast<size_t>(j)], 1e-6f);
        for (int j = 0; j < C; j += 2) EXPECT_EQ(p[static_cast<size_t>(j)], 0.0f);
      }
    }
    // Near-certain rows keep their small entropy accurately: for C = 2, e = e^-Δ,
    // H = ln(1 + e) + Δ·e/(1 + e).
    for (float delta : {10.0f, 20.0f, 40.0f, 80.0f}) {
      const float z[2] = {delta, 0.0f};
      float h = -1, rh = -1;
      ops::softmax_entropy(isa, z, 1, 2, nullptr, &h);
      ref::softmax_entropy(z, 1, 2, nullptr, &rh);
      EXPECT_NEAR(h, rh, 1e-5 * rh) << delta;
      const double e = std::exp(-static_cast<double>(delta));
      EXPECT_NEAR(rh, std::log1p(e) + delta * e / (1 + e), 1e-6 * rh) << delta;
    }
    // All −inf: probs 0, entropy NaN (never below an exit threshold).
    const float none[3] = {-inf, -inf, -inf};
    float p[3] = {1, 1, 1}, h = 0;
    ops::softmax_entropy(isa, none, 1, 3, p, &h);
    EXPECT_TRUE(std::isnan(h));
    EXPECT_FALSE(h < 0.5f);
    for (float q : p) EXPECT_EQ(q, 0.0f);
  }
}

TEST(SoftmaxEntropy, OptionalOutputsAndInPlace) {
  const int rows = 5, C = 37;
  const auto z = testing::random_floats(static_cast<size_t>(rows) * C, 17, 4.0f);
  for (Isa isa : supported_isas()) {
    std::vector<float> p(z.size()), h(rows), h_only(rows), in_place = z, h_in_place(rows);
    ops::softmax_entropy(isa, z.data(), rows, C, p.data(), h.data());
    ops::softmax_entropy(isa, z.data(), rows, C, nullptr, h_only.data());
    ops::softmax_entropy(isa, in_place.data(), rows, C, in_place.data(), h_in_place.data());
    std::vector<float> p_only(z.size());
    ops::softmax_entropy(isa, z.data(), rows, C, p_only.data(), nullptr);
    EXPECT_EQ(h_only, h);
    EXPECT_EQ(h_in_place, h);
    EXPECT_EQ(in_place, p);
    EXPECT_EQ(p_only, p);
  }
  // The default entry point runs the active path.
  std::vector<float> h(rows), h_active(rows);
  ops::softmax_entropy(z.data(), rows, C, nullptr, h.data());
  ops::softmax_entropy(ops::active_isa(), z.data(), rows, C, nullptr, h_active.data());
  EXPECT_EQ(h, h_active);
}

}  // namespace
}  // namespace edgemt
