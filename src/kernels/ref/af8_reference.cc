// The AdaptivFloat-8 reference, written to read like ALGORITHMS.md §7.
#include "kernels/ref/af8_reference.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <limits>

namespace edgemt::ref {

double af8_value(uint8_t code, int exp_bits, int exp_bias) {
  const int mant_bits = 7 - exp_bits;
  const int sign = code >> 7;
  const int field = (code >> mant_bits) & ((1 << exp_bits) - 1);
  const int m = code & ((1 << mant_bits) - 1);
  if (field == 0 && m == 0) return 0.0;
  const double v = std::ldexp(1.0 + std::ldexp(m, -mant_bits), field + exp_bias);
  return sign ? -v : v;
}

float bf16_round(float x) {
  if (x == 0.0f || !std::isfinite(x)) return x;
  int e = 0;
  std::frexp(static_cast<double>(x), &e);                   // |x| = m · 2^e, m ∈ [0.5, 1)
  const double quantum = std::ldexp(1.0, std::max(e - 8, -133));  // 8 significant bits, or the subnormal step
  const int mode = std::fegetround();
  std::fesetround(FE_TONEAREST);
  const double r = std::nearbyint(static_cast<double>(x) / quantum) * quantum;  // ties to even
  std::fesetround(mode);
  if (std::fabs(r) > std::numeric_limits<float>::max()) return std::copysign(std::numeric_limits<float>::infinity(), x);
  return std::copysign(static_cast<float>(r), x);
}

std::vector<double> af8_decode(const ops::Af8Matrix& w) {
  std::vector<double> out(static_cast<size_t>(w.rows) * w.cols);
  for (size_t i = 0; i < out.size(); ++i) out[i] = af8_value(w.codes[i], w.exp_bits, w.exp_bias);
  return out;
}

std::vector<double> af8_decode(const ops::Af8BitmaskMatrix& w) {
  std::vector<double> out(static_cast<size_t>(w.rows) * w.cols, 0.0);
  size_t next = 0;  // index of the next non-zero's code
  for (size_t i = 0; i < out.size(); ++i)
    if ((w.mask[i / 8] >> (i % 8)) & 1) out[i] = af8_value(w.codes[next++], w.exp_bits, w.exp_bias);
  return out;
}

LinearF64 linear_f64(const float* x, int M, int K, const std::vector<double>& w, const float* b, int N) {
  LinearF64 r{std::vector<double>(static_cast<size_t>(M) * N), std::vector<double>(static_cast<size_t>(M) * N)};
  for (int i = 0; i < M; ++i)
    for (int n = 0; n < N; ++n) {
      double acc = b ? b[n] : 0.0, scale = b ? std::fabs(b[n]) : 0.0;
      for (int k = 0; k < K; ++k) {
        const double p = static_cast<double>(x[static_cast<size_t>(i) * K + k]) * w[static_cast<size_t>(n) * K + k];
        acc += p;
        scale += std::fabs(p);
      }
      r.y[static_cast<size_t>(i) * N + n] = acc;
      r.scale[static_cast<size_t>(i) * N + n] = scale;
    }
  return r;
}

}  // namespace edgemt::ref
