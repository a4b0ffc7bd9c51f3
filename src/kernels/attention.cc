// Attention: per (sequence, head) either two small GEMMs and a masked softmax (full span), or a
// banded pass over each query's key window (adaptive span); pairs run in parallel.
#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/linear.h"
#include "kernels/softmax_entropy.h"

#if EDGEMT_X86
#include <immintrin.h>
#endif

namespace edgemt::ops {
namespace {

constexpr int kMaxWindow = 1 << 30;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// m(d) = clamp((R + z − d)/R, 0, 1) (ALGORITHMS.md §5), in double like the reference.
double span_mask(const HeadSpan& s, int d) {
  const double m = (static_cast<double>(s.ramp) + s.z - d) / s.ramp;
  return m < 0.0 ? 0.0 : (m > 1.0 ? 1.0 : m);
}

// One (sequence, head): row strides ld_q for q, ld_kv for k and v, ld_out for out.
struct Head {
  const float* q;  // [T, DH]
  const float* k;  // [T, DH]
  const float* v;  // [T, DH]
  float* out;      // [T, DH]
  int ld_q, ld_kv, ld_out, T, DH;
  const uint8_t* key_mask;  // [T] or nullptr
};

// Row i of a banded head: scores over keys [j0, j1], ln m(|i − j|) added (so softmax gives
// e^s·m / Σ e^s·m, exactly the renormalised weights), masked keys −inf, then out_i = Σ_j p_j V_j.
void band_row_generic(const Head& hd, int i, int w, float scale, const float* ln_m, float* sc) {
  const int j0 = std::max(0, i - w), j1 = std::min(hd.T - 1, i + w), n = j1 - j0 + 1, DH = hd.DH;
  constexpr int kL = 16;  // lanes of partial sums: fixed-size inner loops the compiler keeps in vector registers
  const int DL = DH - DH % kL;
  const float* q = hd.q + static_cast<long>(i) * hd.ld_q;
  for (int jj = 0; jj < n; ++jj) {
    const float* k = hd.k + static_cast<long>(j0 + jj) * hd.ld_kv;
    float acc[kL] = {};
    for (int d = 0; d < DL; d += kL)
      for (int l = 0; l < kL; ++l) acc[l] += q[d + l] * k[d + l];
    for (int h = kL / 2; h >= 4; h /= 2)  // halving tree: vector adds down to 4 lanes
      for (int l = 0; l < h; ++l) acc[l] += acc[l + h];
    float dot = (acc[0] + acc[2]) + (acc[1] + acc[3]);
    for (int d = DL; d < DH; ++d) dot += q[d] * k[d];
    sc[jj] = dot;
  }
  for (int j = j0; j <= j1; ++j)  // masked keys are scored (cheaper than branching), then dropped
    sc[j - j0] = hd.key_mask && !hd.key_mask[j] ? kNegInf : sc[j - j0] * scale + ln_m[i > j ? i - j : j - i];
  softmax_entropy(Isa::kGeneric, sc, 1, n, sc, nullptr);
  float* out = hd.out + static_cast<long>(i) * hd.ld_out;
  const float* v0 = hd.v + static_cast<long>(j0) * hd.ld_kv;
  for (int d = 0; d < DL; d += kL) {
    float acc[kL] = {};
    for (int jj = 0; jj < n; ++jj)
      for (int l = 0; l < kL; ++l) acc[l] += sc[jj] * v0[static_cast<long>(jj) * hd.ld_kv + d + l];
    for (int l = 0; l < kL; ++l) out[d + l] = acc[l];
  }
  for (int d = DL; d < DH; ++d) {
    float acc = 0;
    for (int jj = 0; jj < n; ++jj) acc += sc[jj] * v0[static_cast<long>(jj) * hd.ld_kv + d];
    out[d] = acc;
  }
}

#if EDGEMT_X86
EDGEMT_TARGET_AVX2 inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// sc[jj] = q · k_{jj} for n keys (rows ld apart), with q held in NV registers (DH = 8·NV): four keys
// at a time, two accumulator chains each, reduced together by a tree of hadds.
template <int NV>
EDGEMT_TARGET_AVX2 void dots_qreg(const float* q, const float* k, int ld, int n, float* sc) {
  __m256 qv[NV];
  for (int c = 0; c < NV; ++c) qv[c] = _mm256_loadu_ps(q + 8 * c);
  int j = 0;
  for (; j + 4 <= n; j += 4, k += 4 * ld) {
    __m256 a[4][2];
    for (int r = 0; r < 4; ++r) {
      a[r][0] = _mm256_mul_ps(qv[0], _mm256_loadu_ps(k + r * ld));
      a[r][1] = _mm256_mul_ps(qv[1], _mm256_loadu_ps(k + r * ld + 8));
    }
    for (int c = 2; c < NV; ++c)
      for (int r = 0; r < 4; ++r)
        a[r][c & 1] = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(k + r * ld + 8 * c), a[r][c & 1]);
    const __m256 s01 = _mm256_hadd_ps(_mm256_add_ps(a[0][0], a[0][1]), _mm256_add_ps(a[1][0], a[1][1]));
    const __m256 s23 = _mm256_hadd_ps(_mm256_add_ps(a[2][0], a[2][1]), _mm256_add_ps(a[3][0], a[3][1]));
    const __m256 s = _mm256_hadd_ps(s01, s23);  // [k0 k1 k2 k3 | k0 k1 k2 k3] (low / high halves of DH)
    _mm_storeu_ps(sc + j, _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1)));
  }
  for (; j < n; ++j, k += ld) {
    __m256 a = _mm256_mul_ps(qv[0], _mm256_loadu_ps(k));
    for (int c = 1; c < NV; ++c) a = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(k + 8 * c), a);
    sc[j] = hsum8(a);
  }
}

// Any head size: one key at a time, two chains and a scalar tail.
EDGEMT_TARGET_AVX2 void dots_any(const float* q, const float* k, int ld, int n, int DH, float* sc) {
  const int D8 = DH & ~7;
  for (int j = 0; j < n; ++j, k += ld) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int d = 0;
    for (; d + 16 <= D8; d += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(k + d), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d + 8), _mm256_loadu_ps(k + d + 8), a1);
    }
    if (d < D8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), _mm256_loadu_ps(k + d), a0);
    float dot = hsum8(_mm256_add_ps(a0, a1));
    for (d = D8; d < DH; ++d) dot += q[d] * k[d];
    sc[j] = dot;
  }
}

EDGEMT_TARGET_AVX2 void band_row_avx2(const Head& hd, int i, int w, float scale, const float* ln_m, float* sc) {
  const int j0 = std::max(0, i - w), j1 = std::min(hd.T - 1, i + w), n = j1 - j0 + 1, DH = hd.DH;
  const int D8 = DH & ~7;
  const float* q = hd.q + static_cast<long>(i) * hd.ld_q;
  const float* k = hd.k + static_cast<long>(j0) * hd.ld_kv;
  if (DH == 64)
    dots_qreg<8>(q, k, hd.ld_kv, n, sc);
  else if (DH == 32)
    dots_qreg<4>(q, k, hd.ld_kv, n, sc);
  else
    dots_any(q, k, hd.ld_kv, n, DH, sc);
  for (int j = j0; j <= j1; ++j)  // masked keys are scored (cheaper than branching), then dropped
    sc[j - j0] = hd.key_mask && !hd.key_mask[j] ? kNegInf : sc[j - j0] * scale + ln_m[i > j ? i - j : j - i];
  softmax_entropy(Isa::kAvx2, sc, 1, n, sc, nullptr);
  // out_i = Σ_j p_j V_j: the j loop carries each accumulator, so 8 of them (64 columns) keep
  // both FMA ports busy; 8-column steps and a scalar tail for other head sizes.
  float* out = hd.out + static_cast<long>(i) * hd.ld_out;
  const float* v0 = hd.v + static_cast<long>(j0) * hd.ld_kv;
  int d = 0;
  for (; d + 64 <= DH; d += 64) {
    __m256 acc[8];
    for (auto& a : acc) a = _mm256_setzero_ps();
    const float* v = v0 + d;
    for (int jj = 0; jj < n; ++jj, v += hd.ld_kv) {
      const __m256 p = _mm256_broadcast_ss(sc + jj);
      for (int c = 0; c < 8; ++c) acc[c] = _mm256_fmadd_ps(p, _mm256_loadu_ps(v + 8 * c), acc[c]);
    }
    for (int c = 0; c < 8; ++c) _mm256_storeu_ps(out + d + 8 * c, acc[c]);
  }
  for (; d < D8; d += 8) {
    __m256 acc = _mm256_setzero_ps();
    const float* v = v0 + d;
    for (int jj = 0; jj < n; ++jj, v += hd.ld_kv)
      acc = _mm256_fmadd_ps(_mm256_broadcast_ss(sc + jj), _mm256_loadu_ps(v), acc);
    _mm256_storeu_ps(out + d, acc);
  }
  for (; d < DH; ++d) {
    float acc = 0;
    for (int j = j0; j <= j1; ++j) acc += sc[j - j0] * hd.v[static_cast<long>(j) * hd.ld_kv + d];
    out[d] = acc;
  }
}
#endif

// Full attention for one head: scores [T, T] = Q Kᵀ·scale (oneDNN), masked, softmax, · V.
void dense_head(Isa isa, const Head& hd, float scale, std::vector<float>& scores) {
  const int T = hd.T;
  scores.resize(static_cast<size_t>(T) * T);
  gemm(/*b_transposed=*/true, T, T, hd.DH, scale, hd.q, hd.ld_q, hd.k, hd.ld_kv, 0.0f, scores.data(), T);
  if (hd.key_mask) {
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j)
        if (!hd.key_mask[j]) scores[static_cast<size_t>(i) * T + j] = kNegInf;
  }
  softmax_entropy(isa, scores.data(), T, T, scores.data(), nullptr);  // masked keys −inf; all masked → 0
  gemm(/*b_transposed=*/false, T, hd.DH, T, 1.0f, scores.data(), T, hd.v, hd.ld_kv, 0.0f, hd.out, hd.ld_out);
}

// K and V are first copied out of qkv (rows 3H apart: 9 KB at H = 768, which maps a head's rows
// onto a quarter of the L1 sets) into dense [T, DH] blocks; O(T·DH), against O(T·w·DH) of work.
void banded_head(Isa isa, const Head& strided, const HeadSpan& span, int w, float scale, std::vector<float>& scratch) {
  const int T = strided.T, DH = strided.DH;
  w = std::min(w, T - 1);
  const size_t kv = static_cast<size_t>(T) * DH;
  scratch.resize(2 * kv + static_cast<size_t>(w + 1) + static_cast<size_t>(2 * w + 1));
  float* k = scratch.data();  // [T, DH]
  float* v = k + kv;          // [T, DH]
  float* ln_m = v + kv;       // [w + 1]: ln m(d), −inf where m(d) rounds to 0
  float* sc = ln_m + w + 1;   // [2w + 1]: one query's scores, then weights
  for (int t = 0; t < T; ++t) {
    std::memcpy(k + static_cast<size_t>(t) * DH, strided.k + static_cast<long>(t) * strided.ld_kv, sizeof(float) * DH);
    std::memcpy(v + static_cast<size_t>(t) * DH, strided.v + static_cast<long>(t) * strided.ld_kv, sizeof(float) * DH);
  }
  Head hd = strided;
  hd.k = k;
  hd.v = v;
  hd.ld_kv = DH;
  for (int d = 0; d <= w; ++d) {
    const double m = span_mask(span, d);
    ln_m[d] = m > 0.0 ? static_cast<float>(std::log(m)) : kNegInf;
  }
  for (int i = 0; i < hd.T; ++i) {
#if EDGEMT_X86
    if (isa != Isa::kGeneric) {
      band_row_avx2(hd, i, w, scale, ln_m, sc);
      continue;
    }
#endif
    band_row_generic(hd, i, w, scale, ln_m, sc);
  }
}

// Window 0: a_ii = 1, so out_i = V_i (0 where key i is masked: no key left, as in the dense path).
void self_only_head(const Head& hd) {
  for (int i = 0; i < hd.T; ++i) {
    float* out = hd.out + static_cast<long>(i) * hd.ld_out;
    if (hd.key_mask && !hd.key_mask[i])
      std::fill(out, out + hd.DH, 0.0f);
    else
      std::memcpy(out, hd.v + static_cast<long>(i) * hd.ld_kv, sizeof(float) * static_cast<size_t>(hd.DH));
  }
}

}  // namespace

int span_window(const HeadSpan& span) {
  const double reach = static_cast<double>(span.z) + span.ramp;  // m(d) > 0 ⇔ d < R + z
  if (!(reach > 0.0)) return -1;
  const double w = std::ceil(reach) - 1.0;
  return w >= kMaxWindow ? kMaxWindow : static_cast<int>(w);
}

long attended_pairs(std::span<const HeadSpan> spans, int T) {
  long pairs = 0;
  for (const HeadSpan& s : spans) {
    const long w = span_window(s);
    if (w <= 0) continue;
    pairs += w >= T - 1 ? static_cast<long>(T) * T : T * (2 * w + 1) - w * (w + 1);
  }
  return pairs;
}

void attention(Isa isa, const float* qkv, int H, int NH, std::span<const SeqSpan> seqs, float* ctx,
               const HeadSpan* spans) {
  const int DH = H / NH;
  const float scale = 1.0f / std::sqrt(static_cast<float>(DH));
  const long pairs = static_cast<long>(seqs.size()) * NH;
#pragma omp parallel
  {
    std::vector<float> scratch;  // [T, T] scores (dense) or the band's rows (banded), per thread
#pragma omp for schedule(dynamic)
    for (long p = 0; p < pairs; ++p) {
      const SeqSpan& s = seqs[static_cast<size_t>(p / NH)];
      const int h = static_cast<int>(p % NH);
      const int T = s.length;
      if (T == 0) continue;
      const float* q = qkv + static_cast<long>(s.offset) * 3 * H + h * DH;
      float* out = ctx + static_cast<long>(s.offset) * H + h * DH;
      const Head hd{q, q + H, q + 2 * H, out, /*ld_q=*/3 * H, /*ld_kv=*/3 * H, /*ld_out=*/H, T, DH, s.key_mask};
      const int w = spans ? span_window(spans[h]) : kMaxWindow;
      if (w < 0) {
        for (int i = 0; i < T; ++i)
          std::fill(hd.out + static_cast<long>(i) * H, hd.out + static_cast<long>(i) * H + DH, 0.0f);
      } else if (w == 0) {
        self_only_head(hd);
      } else if (!spans || span_mask(spans[h], T - 1) >= 1.0) {
        dense_head(isa, hd, scale, scratch);
      } else {
        banded_head(isa, hd, spans[h], w, scale, scratch);
      }
    }
  }
}

void attention(const float* qkv, int H, int NH, std::span<const SeqSpan> seqs, float* ctx, const HeadSpan* spans) {
  attention(active_isa(), qkv, H, NH, seqs, ctx, spans);
}

}  // namespace edgemt::ops
