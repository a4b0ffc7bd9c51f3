// Fused softmax + entropy: one pass for the max, one for exp, Σ e and Σ e·(z − m), one to scale.
#include "kernels/softmax_entropy.h"

#include <cmath>
#include <limits>

#include "kernels/fast_math.h"

#if EDGEMT_X86
#include <immintrin.h>
#endif

namespace edgemt::ops {
namespace {

// Below this e^d is under FLT_MIN·1.3 and counts as 0: exp_approx would clamp it to e^-87 instead,
// and e^-87·d is not negligible for |d| ~ 1e38.
constexpr float kExpFloor = -87.0f;

// Per-row partial sums, d = z − max ≤ 0: rest = Σ_{d<0} e^d, zeros = #{d = 0}, t = Σ e^d·d (≤ 0).
struct Sums {
  float rest = 0, zeros = 0, t = 0;
};

// Entropy from the sums: s = Σ e^d = 1 + rest' with rest' = rest + zeros − 1 (the max counts once
// exactly), H = ln s − t/s = log1p(rest') + (−t)/s. In double: once per row.
// Without `want_entropy` (attention's rows) only 1/s: no logarithms.
float finish(const Sums& s, int C, bool want_entropy, float* inv_sum) {
  const double rest = static_cast<double>(s.rest) + (static_cast<double>(s.zeros) - 1.0);
  const double sum = 1.0 + rest;
  *inv_sum = static_cast<float>(1.0 / sum);
  if (!want_entropy) return 0.0f;
  double h = std::log1p(rest) - static_cast<double>(s.t) / sum;
  const double ln_c = std::log(static_cast<double>(C));
  h = h < 0.0 ? 0.0 : (h > ln_c ? ln_c : h);
  return static_cast<float>(h);
}

inline void accumulate(float d, float e, Sums& s) {
  s.rest += d < 0.0f ? e : 0.0f;
  s.zeros += d == 0.0f ? 1.0f : 0.0f;
  s.t += e > 0.0f ? e * d : 0.0f;  // e = 0 for d = −inf: skip 0·∞
}

float row_max(const float* z, int C) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < C; ++j) mx = z[j] > mx ? z[j] : mx;
  return mx;
}

// A row of only −inf: probs 0, entropy NaN.
void empty_row(int C, float* p, float* entropy) {
  if (p)
    for (int j = 0; j < C; ++j) p[j] = 0.0f;
  if (entropy) *entropy = std::numeric_limits<float>::quiet_NaN();
}

// kStore: write e^d to p (an unconditional store, so the loop vectorises with SSE2 too).
template <bool kStore>
Sums exp_sums(const float* z, int C, float mx, float* p) {
  float rest = 0, zeros = 0, t = 0;
#pragma omp simd reduction(+ : rest, zeros, t)
  for (int j = 0; j < C; ++j) {
    const float d = z[j] - mx;
    const float e = d < kExpFloor ? 0.0f : exp_approx(d);
    rest += d < 0.0f ? e : 0.0f;
    zeros += d == 0.0f ? 1.0f : 0.0f;
    t += e > 0.0f ? e * d : 0.0f;
    if constexpr (kStore) p[j] = e;
  }
  return {rest, zeros, t};
}

void row_generic(const float* z, int C, float* p, float* entropy) {
  const float mx = row_max(z, C);
  if (mx == -std::numeric_limits<float>::infinity()) return empty_row(C, p, entropy);
  float inv;
  const float h = finish(p ? exp_sums<true>(z, C, mx, p) : exp_sums<false>(z, C, mx, p), C, entropy != nullptr, &inv);
  if (entropy) *entropy = h;
  if (p)
    for (int j = 0; j < C; ++j) p[j] *= inv;
}

#if EDGEMT_X86
// exp_approx on 8 lanes (same Cody–Waite split and Taylor polynomial, with FMA), 0 below kExpFloor.
EDGEMT_TARGET_AVX2 inline __m256 exp8(__m256 x) {
  const __m256 under = _mm256_cmp_ps(x, _mm256_set1_ps(kExpFloor), _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 y = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  y = _mm256_fmadd_ps(n, _mm256_set1_ps(2.12194440e-4f), y);
  __m256 q = _mm256_set1_ps(1.0f / 720.0f);
  q = _mm256_fmadd_ps(q, y, _mm256_set1_ps(1.0f / 120.0f));
  q = _mm256_fmadd_ps(q, y, _mm256_set1_ps(1.0f / 24.0f));
  q = _mm256_fmadd_ps(q, y, _mm256_set1_ps(1.0f / 6.0f));
  q = _mm256_fmadd_ps(q, y, _mm256_set1_ps(0.5f));
  q = _mm256_fmadd_ps(q, y, _mm256_set1_ps(1.0f));
  q = _mm256_fmadd_ps(q, y, _mm256_set1_ps(1.0f));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(under, _mm256_mul_ps(q, _mm256_castsi256_ps(e)));
}

EDGEMT_TARGET_AVX2 inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

EDGEMT_TARGET_AVX2 void row_avx2(const float* z, int C, float* p, float* entropy) {
  const int C8 = C & ~7;
  __m256 vmx = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  for (int j = 0; j < C8; j += 8) vmx = _mm256_max_ps(vmx, _mm256_loadu_ps(z + j));
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmx), _mm256_extractf128_ps(vmx, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  float mx = _mm_cvtss_f32(m4);
  for (int j = C8; j < C; ++j) mx = z[j] > mx ? z[j] : mx;
  if (mx == -std::numeric_limits<float>::infinity()) return empty_row(C, p, entropy);

  const __m256 vm = _mm256_set1_ps(mx), zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  __m256 rest = zero, zeros = zero, t = zero;
  for (int j = 0; j < C8; j += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(z + j), vm);
    const __m256 e = exp8(d);
    rest = _mm256_add_ps(rest, _mm256_and_ps(_mm256_cmp_ps(d, zero, _CMP_LT_OQ), e));
    zeros = _mm256_add_ps(zeros, _mm256_and_ps(_mm256_cmp_ps(d, zero, _CMP_EQ_OQ), one));
    t = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(e, zero, _CMP_GT_OQ), _mm256_mul_ps(e, d)));
    if (p) _mm256_storeu_ps(p + j, e);
  }
  Sums s{hsum8(rest), hsum8(zeros), hsum8(t)};
  for (int j = C8; j < C; ++j) {
    const float d = z[j] - mx;
    const float e = d < kExpFloor ? 0.0f : exp_approx(d);
    accumulate(d, e, s);
    if (p) p[j] = e;
  }
  float inv;
  const float h = finish(s, C, entropy != nullptr, &inv);
  if (entropy) *entropy = h;
  if (!p) return;
  const __m256 vinv = _mm256_set1_ps(inv);
  for (int j = 0; j < C8; j += 8) _mm256_storeu_ps(p + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), vinv));
  for (int j = C8; j < C; ++j) p[j] *= inv;
}
#endif

}  // namespace

void softmax_entropy(Isa isa, const float* logits, int rows, int C, float* probs, float* entropy) {
  for (int i = 0; i < rows; ++i) {
    const float* z = logits + static_cast<long>(i) * C;
    float* p = probs ? probs + static_cast<long>(i) * C : nullptr;
    float* h = entropy ? entropy + i : nullptr;
#if EDGEMT_X86
    if (isa != Isa::kGeneric) {
      row_avx2(z, C, p, h);  // AVX-512 runs the AVX2 row: rows are short (C classes, or T ≤ 512 keys)
      continue;
    }
#else
    (void)isa;
#endif
    row_generic(z, C, p, h);
  }
}

void softmax_entropy(const float* logits, int rows, int C, float* probs, float* entropy) {
  softmax_entropy(active_isa(), logits, rows, C, probs, entropy);
}

}  // namespace edgemt::ops
