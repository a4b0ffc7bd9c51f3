// Attention: per (sequence, head) two small GEMMs and a masked softmax; pairs run in parallel.
#include "kernels/attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/linear.h"
#include "kernels/norm_act.h"

namespace edgemt::ops {

void attention(const float* qkv, int H, int NH, std::span<const SeqSpan> seqs, float* ctx) {
  const int DH = H / NH;
  const float scale = 1.0f / std::sqrt(static_cast<float>(DH));
  const long pairs = static_cast<long>(seqs.size()) * NH;
#pragma omp parallel
  {
    std::vector<float> scores;  // [T, T] per thread
#pragma omp for schedule(dynamic)
    for (long p = 0; p < pairs; ++p) {
      const SeqSpan& s = seqs[static_cast<size_t>(p / NH)];
      const int h = static_cast<int>(p % NH);
      const int T = s.length;
      if (T == 0) continue;
      const float* q = qkv + static_cast<long>(s.offset) * 3 * H + h * DH;  // [T, DH], row stride 3H
      const float* k = q + H;
      const float* v = q + 2 * H;
      float* out = ctx + static_cast<long>(s.offset) * H + h * DH;  // [T, DH], row stride H
      scores.resize(static_cast<size_t>(T) * T);
      gemm(/*b_transposed=*/true, T, T, DH, scale, q, 3 * H, k, 3 * H, 0.0f, scores.data(), T);
      if (s.key_mask) {
        for (int i = 0; i < T; ++i)
          for (int j = 0; j < T; ++j)
            if (!s.key_mask[j]) scores[static_cast<size_t>(i) * T + j] = -std::numeric_limits<float>::infinity();
      }
      softmax_rows(scores.data(), T, T, T);
      gemm(/*b_transposed=*/false, T, DH, T, 1.0f, scores.data(), T, v, 3 * H, 0.0f, out, H);
    }
  }
}

}  // namespace edgemt::ops
