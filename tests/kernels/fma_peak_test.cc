// The FMA peak probe: a finite, positive figure on every path this CPU has, counted over the threads
// that ran (a wrong FLOP count or a chain the compiler removed shows as an absurd figure).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "kernels/fma_peak.h"

namespace edgemt {
namespace {

TEST(FmaPeak, FiniteAndPositiveOnEveryPath) {
  for (ops::Isa isa : {ops::Isa::kGeneric, ops::Isa::kAvx2, ops::Isa::kAvx512}) {
    if (!ops::isa_supported(isa)) continue;
    SCOPED_TRACE(ops::isa_name(isa));
    const double g = ops::fma_peak_gflops(isa, 200'000, 2);
    EXPECT_TRUE(std::isfinite(g));
    EXPECT_GT(g, 0.1);     // 38 MFLOP per thread cannot take 0.4 s on any machine that runs the suite
    EXPECT_LT(g, 1.0e5);   // nor run faster than 100 TFLOP/s: the chains were really computed
  }
}

TEST(FmaPeak, RejectsBadArguments) {
  EXPECT_ANY_THROW(ops::fma_peak_gflops(ops::Isa::kGeneric, 0, 1));
  EXPECT_ANY_THROW(ops::fma_peak_gflops(ops::Isa::kGeneric, 10, 0));
}

}  // namespace
}  // namespace edgemt
