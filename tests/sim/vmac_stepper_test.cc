// The cycle-stepped vector-MAC array agrees exactly with the analytical model on random small sparse
// GEMMs (cycles, tiles, decoded rows, MACs), and computes y = x·Wᵀ exactly as a plain loop does.
#include "sim/vmac_stepper.h"

#include <gtest/gtest.h>

#include <random>

#include "sim/pu_model.h"

namespace edgemt::sim {
namespace {

struct Case {
  long M, N, K, n, decoders;
  double density;
  bool structured;  // zero whole rows and tiles, so gating and skipping happen
};

TEST(SimVmacStepper, AgreesExactlyWithTheAnalyticalCountOnRandomSparseGemms) {
  std::mt19937 rng(7);
  int checked = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const Case c{std::uniform_int_distribution<long>(1, 12)(rng), std::uniform_int_distribution<long>(1, 40)(rng),
                 std::uniform_int_distribution<long>(1, 40)(rng), std::uniform_int_distribution<long>(1, 3)(rng) * 4,
                 std::uniform_int_distribution<long>(1, 3)(rng), std::uniform_real_distribution<double>(0, 1)(rng),
                 trial % 2 == 1};
    std::vector<float> x(static_cast<size_t>(c.M * c.K)), w(static_cast<size_t>(c.N * c.K));
    for (auto& v : x) v = std::uniform_int_distribution<int>(-8, 8)(rng);
    std::vector<uint8_t> mask(w.size());
    for (long i = 0; i < c.N; ++i) {
      const bool dead_row = c.structured && std::bernoulli_distribution(0.4)(rng);
      for (long j = 0; j < c.K; ++j) {
        const bool dead_tile = c.structured && ((i / c.n + j / c.n) % 3 == 0);
        const bool nz = !dead_row && !dead_tile && std::bernoulli_distribution(c.density)(rng);
        w[static_cast<size_t>(i * c.K + j)] = nz ? static_cast<float>(std::uniform_int_distribution<int>(1, 9)(rng)) : 0.f;
        mask[static_cast<size_t>(i * c.K + j)] = nz;
      }
    }
    const SteppedGemm s = step_gemm(x, w, c.M, c.N, c.K, c.n, c.decoders);
    const GemmCycles a = gemm_cycles(tile_stats(mask, c.N, c.K, c.n), c.M, c.n, c.decoders);
    ASSERT_EQ(s.counts.cycles, a.cycles) << "M " << c.M << " N " << c.N << " K " << c.K << " n " << c.n;
    EXPECT_EQ(s.counts.tiles, a.tiles);
    EXPECT_EQ(s.counts.decoded_rows, a.decoded_rows);
    EXPECT_EQ(s.counts.nonzero_macs, a.nonzero_macs);
    EXPECT_EQ(s.counts.zero_operand_macs, a.zero_operand_macs);
    // Small integers: float sums are exact, so gating must not change a single output.
    for (long m = 0; m < c.M; ++m)
      for (long i = 0; i < c.N; ++i) {
        float ref = 0;
        for (long j = 0; j < c.K; ++j) ref += x[static_cast<size_t>(m * c.K + j)] * w[static_cast<size_t>(i * c.K + j)];
        ASSERT_EQ(s.y[static_cast<size_t>(m * c.N + i)], ref);
      }
    checked += s.gated_vectors > 0;
  }
  EXPECT_GT(checked, 100) << "gating should have happened in most structured cases";
}

TEST(SimVmacStepper, DenseSmallCaseByHand) {
  // M 3, N 4, K 4 on n 4, 1 decoder: one tile, 4 decode cycles then 3 tokens: 7 cycles.
  const std::vector<float> x(12, 1.0f), w(16, 2.0f);
  const SteppedGemm s = step_gemm(x, w, 3, 4, 4, 4, 1);
  EXPECT_EQ(s.counts.cycles, 7);
  EXPECT_EQ(s.counts.nonzero_macs, 48);
  for (float y : s.y) EXPECT_EQ(y, 8.0f);
}

}  // namespace
}  // namespace edgemt::sim
