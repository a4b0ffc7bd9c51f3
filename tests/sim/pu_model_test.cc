// The analytical processing-unit model: dense cases computed by hand, the expected-value form
// against exact tile statistics.
#include "sim/pu_model.h"

#include <gtest/gtest.h>

#include <random>

namespace edgemt::sim {
namespace {

TEST(SimPuModel, DenseGemmOnN16TakesTheFormulaCycles) {
  // M 20, N 40, K 24 on n 16 with 2 decoders: N tiles 16, 16, 8; K tiles 16, 8 → 6 tiles.
  // The first tile's 16 rows decode in 8 cycles; then each tile streams M = 20 > d vectors:
  // cycles = 8 + 5·20 + 20 = 128. MACs: every weight non-zero, 20·40·24; zero operands: the K-edge
  // tiles' 8 padding columns in active rows, 20 tokens · 40 rows · 8.
  const GemmCycles c = gemm_cycles_expected(20, 40, 24, 1.0, 16, 2);
  EXPECT_EQ(c.cycles, 128);
  EXPECT_EQ(c.tiles, 6);
  EXPECT_EQ(c.decoded_rows, 2 * 40);
  EXPECT_EQ(c.nonzero_macs, 20 * 40 * 24);
  EXPECT_EQ(c.zero_operand_macs, 20 * 40 * 8);
}

TEST(SimPuModel, AlbertLayerProjectionByHand) {
  // [T 32, H 768] · [768, 768]ᵀ: 48·48 = 2304 tiles, d = 16/2 = 8 < M: 8 + 2304·32 cycles.
  const GemmCycles c = gemm_cycles_expected(32, 768, 768, 1.0, 16, 2);
  EXPECT_EQ(c.cycles, 8 + 2304 * 32);
  EXPECT_EQ(c.cycles, dense_issue_cycles(32, 768, 768, 16) + 8);
}

TEST(SimPuModel, DecodeBoundWhenFewTokens) {
  // M 1 (a head's pooler) on a dense 64×64 weight: 16 tiles each needing 8 decode cycles:
  // 8 + 15·max(1, 8) + 1 = 129.
  EXPECT_EQ(gemm_cycles_expected(1, 64, 64, 1.0, 16, 2).cycles, 129);
  EXPECT_EQ(gemm_cycles_expected(1, 64, 64, 1.0, 16, 4).cycles, 4 + 15 * 4 + 1);
}

TEST(SimPuModel, EmptyWeightsCostNothing) {
  const GemmCycles c = gemm_cycles_expected(10, 50, 50, 0.0, 16, 2);
  EXPECT_EQ(c.cycles, 0);
  EXPECT_EQ(c.nonzero_macs, 0);
  const std::vector<uint8_t> zeros(50 * 50, 0);
  EXPECT_TRUE(tile_stats(zeros, 50, 50, 16).empty());
}

TEST(SimPuModel, ExactFormulaFromMaskMatchesExpectedWhenDense) {
  for (long N : {1L, 15L, 16L, 17L, 40L})
    for (long K : {1L, 16L, 33L}) {
      const std::vector<uint8_t> ones(static_cast<size_t>(N * K), 1);
      for (long M : {1L, 3L, 9L}) {
        const GemmCycles a = gemm_cycles(tile_stats(ones, N, K, 16), M, 16, 2);
        const GemmCycles b = gemm_cycles_expected(M, N, K, 1.0, 16, 2);
        EXPECT_EQ(a.cycles, b.cycles) << M << "x" << N << "x" << K;
        EXPECT_EQ(a.nonzero_macs, b.nonzero_macs);
        EXPECT_EQ(a.zero_operand_macs, b.zero_operand_macs);
      }
    }
}

TEST(SimPuModel, ExpectedCountsTrackRandomMasks) {
  // Unstructured sparsity: the expected non-zero MACs equal the mean over random masks, and the
  // cycles stay those of a dense GEMM (an all-zero 16×16 tile at density 0.4 has probability 0.6^256).
  std::mt19937 rng(3);
  const long M = 24, N = 96, K = 80;
  double nonzero = 0;
  const int trials = 200;
  for (int t = 0; t < trials; ++t) {
    std::vector<uint8_t> mask(static_cast<size_t>(N * K));
    for (auto& b : mask) b = std::bernoulli_distribution(0.4)(rng);
    const GemmCycles c = gemm_cycles(tile_stats(mask, N, K, 16), M, 16, 2);
    EXPECT_EQ(c.cycles, gemm_cycles_expected(M, N, K, 1.0, 16, 2).cycles);
    nonzero += c.nonzero_macs;
  }
  EXPECT_NEAR(nonzero / trials, gemm_cycles_expected(M, N, K, 0.4, 16, 2).nonzero_macs, 0.01 * M * N * K * 0.4);
}

}  // namespace
}  // namespace edgemt::sim
