// Full attention (no spans) on every ISA path against the scalar reference: the dense path's row
// softmax (the fused softmax_entropy kernel) differs per path.
#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/ref/reference.h"
#include "support/files.h"

namespace edgemt {
namespace {

using ops::Isa;

TEST(Attention, EveryPathMatchesReferenceOnPackedBatchesWithMasks) {
  std::mt19937 rng(31);
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (!ops::isa_supported(isa)) continue;
    for (int trial = 0; trial < 6; ++trial) {
      const int NH = 1 + static_cast<int>(rng() % 4), DH = trial < 2 ? 64 : 1 + static_cast<int>(rng() % 33);
      const int H = NH * DH;
      std::vector<ops::SeqSpan> seqs;
      std::vector<std::vector<uint8_t>> masks(3);
      int N = 0;
      for (int s = 0; s < 3; ++s) {
        const int T = 1 + static_cast<int>(rng() % 130);  // row softmax tails and T > 128
        masks[s].assign(static_cast<size_t>(T), 1);
        for (int t = 0; t < T; ++t) masks[s][t] = (rng() % 3) != 0;  // all-masked rows may occur
        seqs.push_back({N, T, s != 1 ? masks[s].data() : nullptr});
        N += T;
      }
      const auto qkv = testing::random_floats(static_cast<size_t>(N) * 3 * H, rng(), 2.0f);
      std::vector<float> fast(static_cast<size_t>(N) * H), ref(fast.size());
      ops::attention(isa, qkv.data(), H, NH, seqs, fast.data());
      ref::attention(qkv.data(), H, NH, seqs, ref.data());
      float max_ref = 1.0f, max_diff = 0.0f;
      for (size_t i = 0; i < ref.size(); ++i) {
        max_ref = std::max(max_ref, std::fabs(ref[i]));
        max_diff = std::max(max_diff, std::fabs(fast[i] - ref[i]));
      }
      EXPECT_LE(max_diff, 1e-5f * max_ref) << ops::isa_name(isa) << " NH " << NH << " DH " << DH << " N " << N;
    }
  }
}

}  // namespace
}  // namespace edgemt
