// Adaptive-span attention from the formula: full softmax, multiply by the soft mask, renormalise.
#include "kernels/ref/attention_ref.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace edgemt::ref {

void span_attention(const float* qkv, int H, int NH, std::span<const ops::SeqSpan> seqs, const ops::HeadSpan* spans,
                    float* ctx) {
  const int DH = H / NH;
  for (const auto& s : seqs) {
    const int T = s.length;
    std::vector<double> a(static_cast<size_t>(T));
    for (int h = 0; h < NH; ++h)
      for (int i = 0; i < T; ++i) {
        const float* q = qkv + static_cast<long>(s.offset + i) * 3 * H + h * DH;
        // softmax over the unmasked keys
        double mx = -INFINITY;
        for (int j = 0; j < T; ++j) {
          const float* k = qkv + static_cast<long>(s.offset + j) * 3 * H + H + h * DH;
          double dot = 0;
          for (int d = 0; d < DH; ++d) dot += static_cast<double>(q[d]) * k[d];
          a[j] = (s.key_mask && !s.key_mask[j]) ? -INFINITY : dot / std::sqrt(static_cast<double>(DH));
          mx = std::max(mx, a[j]);
        }
        double sum = 0;
        for (int j = 0; j < T; ++j) sum += a[j] = std::isinf(a[j]) ? 0.0 : std::exp(a[j] - mx);
        // × m(d), renormalised
        double wsum = 0;
        for (int j = 0; j < T; ++j) {
          a[j] = sum > 0 ? a[j] / sum : 0.0;  // every key masked: no weights
          if (spans) {
            const double R = spans[h].ramp, z = spans[h].z;
            a[j] *= std::clamp((R + z - std::abs(i - j)) / R, 0.0, 1.0);
          }
          wsum += a[j];
        }
        for (int d = 0; d < DH; ++d) {
          double acc = 0;
          for (int j = 0; j < T; ++j) acc += a[j] * qkv[static_cast<long>(s.offset + j) * 3 * H + 2 * H + h * DH + d];
          ctx[static_cast<long>(s.offset + i) * H + h * DH + d] = wsum > 0 ? static_cast<float>(acc / wsum) : 0.0f;
        }
      }
  }
}

}  // namespace edgemt::ref
