// Dense AF8 GEMM in GotoBLAS order with the weights as B: per K block, each thread widens a
// [kc, NR] block of its panels to fp32 in L1 once, then a register-blocked MR×NR micro-kernel runs
// over every row of x. Paths: portable C++ (4×16), AVX2+FMA (6×16), AVX-512 (8×32).
#include "kernels/af8_gemm.h"

#include <omp.h>

#include <algorithm>
#if EDGEMT_X86
#include <immintrin.h>
#endif

namespace edgemt::ops {

Af8DenseWeights::Af8DenseWeights(const Af8Matrix& w, const std::string& name)
    : rows(w.rows), cols(w.cols), widen(af8_widen(w.exp_bits, w.exp_bias, name)), lut(af8_lut(widen)) {
  if (rows < 0 || cols < 0) throw Error(name + ": negative shape");
  panels.assign(static_cast<size_t>(num_panels()) * kAf8Panel * static_cast<size_t>(cols), 0);
  for (int n = 0; n < rows; ++n) {
    const uint8_t* src = w.codes + static_cast<size_t>(n) * cols;  // [K]
    uint8_t* dst = panels.data() + static_cast<size_t>(n / kAf8Panel) * cols * kAf8Panel + n % kAf8Panel;
    for (int k = 0; k < cols; ++k) dst[static_cast<size_t>(k) * kAf8Panel] = src[k];
  }
}

namespace {

constexpr int kMc = 256;                 // rows of x per block: [256, kc] of x stays in L2
constexpr int kMaxBlock = 4096;          // floats in the widened block, kc · NR for every path (16 KB)
constexpr long kParallelMacs = 1 << 18;  // below this a fork/join costs more than it saves

// c [rows, nc] (row stride ldc) += a [rows, kc] (row stride lda) · bp [kc, NR]. On the first K block
// `init` [NR] (bias, or zeros) replaces loading c. The row loops are unrolled by pragma so that the
// accumulator arrays become registers (without it GCC 12 spills them every k).
using MicroFn = void (*)(int kc, const float* a, int lda, const float* bp, const float* init, float* c, int ldc,
                         int nc);
// bp [kc, NR] = values of output features [block·NR, block·NR + NR), k ∈ [k0, k0 + kc).
using DecodeFn = void (*)(const Af8DenseWeights& w, int block, int k0, int kc, float* bp);

struct DenseKernel {
  int nr, mr, kc;
  DecodeFn decode;
  std::array<MicroFn, 9> micro;  // by row count, 1..mr
};

const uint8_t* panel_codes(const Af8DenseWeights& w, int panel, int k0) {  // [kc, 16]
  return w.panels.data() + (static_cast<size_t>(panel) * w.cols + k0) * kAf8Panel;
}

void decode_generic(const Af8DenseWeights& w, int block, int k0, int kc, float* bp) {
  const uint8_t* src = panel_codes(w, block, k0);
  for (int i = 0; i < kc * kAf8Panel; ++i) bp[i] = w.lut[src[i]];
}

template <int MR>
void micro_generic(int kc, const float* a, int lda, const float* bp, const float* init, float* c, int ldc, int nc) {
  constexpr int NR = kAf8Panel;
  float acc[MR][NR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) acc[r][j] = init ? init[j] : j < nc ? c[static_cast<long>(r) * ldc + j] : 0.0f;
  for (int k = 0; k < kc; ++k)
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const float ar = a[static_cast<long>(r) * lda + k];
      for (int j = 0; j < NR; ++j) acc[r][j] += ar * bp[k * NR + j];
    }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < nc; ++j) c[static_cast<long>(r) * ldc + j] = acc[r][j];
}

const DenseKernel kGeneric{
    16, 4, 256, decode_generic, {nullptr, micro_generic<1>, micro_generic<2>, micro_generic<3>, micro_generic<4>}};

#if EDGEMT_X86

// 8 codes (the low 8 bytes) → 8 floats by bit moves (Af8Widen).
EDGEMT_TARGET_AVX2 inline __m256 widen8(__m128i codes, __m128i shift, __m256i exp_add) {
  const __m256i c = _mm256_cvtepu8_epi32(codes);
  const __m256i mag = _mm256_and_si256(c, _mm256_set1_epi32(0x7F));
  __m256i v = _mm256_add_epi32(_mm256_sll_epi32(mag, shift), exp_add);
  v = _mm256_andnot_si256(_mm256_cmpeq_epi32(mag, _mm256_setzero_si256()), v);
  const __m256i sign = _mm256_and_si256(_mm256_slli_epi32(c, 24), _mm256_set1_epi32(INT32_MIN));
  return _mm256_castsi256_ps(_mm256_or_si256(v, sign));
}

EDGEMT_TARGET_AVX2 void decode_avx2(const Af8DenseWeights& w, int block, int k0, int kc, float* bp) {
  const uint8_t* src = panel_codes(w, block, k0);
  const __m128i shift = _mm_cvtsi32_si128(w.widen.shift);
  const __m256i exp_add = _mm256_set1_epi32(static_cast<int>(w.widen.exp_add));
  for (int k = 0; k < kc; ++k) {
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k * 16));
    _mm256_store_ps(bp + k * 16, widen8(q, shift, exp_add));
    _mm256_store_ps(bp + k * 16 + 8, widen8(_mm_unpackhi_epi64(q, q), shift, exp_add));
  }
}

EDGEMT_TARGET_AVX2 inline __m256i lanes_below(int n) {  // lane i set when i < n
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <int MR>
EDGEMT_TARGET_AVX2 void micro_avx2(int kc, const float* a, int lda, const float* bp, const float* init, float* c,
                                   int ldc, int nc) {
  __m256 c0[MR], c1[MR];
  const __m256i m0 = lanes_below(nc), m1 = lanes_below(nc - 8);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    float* cr = c + static_cast<long>(r) * ldc;
    if (init) {
      c0[r] = _mm256_loadu_ps(init);
      c1[r] = _mm256_loadu_ps(init + 8);
    } else if (nc == 16) {  // masked moves are slow on AMD: only for the last panel
      c0[r] = _mm256_loadu_ps(cr);
      c1[r] = _mm256_loadu_ps(cr + 8);
    } else {
      c0[r] = _mm256_maskload_ps(cr, m0);
      c1[r] = _mm256_maskload_ps(cr + 8, m1);
    }
  }
  for (int k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(bp + k * 16), b1 = _mm256_load_ps(bp + k * 16 + 8);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256 ar = _mm256_broadcast_ss(a + static_cast<long>(r) * lda + k);
      c0[r] = _mm256_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(ar, b1, c1[r]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    float* cr = c + static_cast<long>(r) * ldc;
    if (nc == 16) {
      _mm256_storeu_ps(cr, c0[r]);
      _mm256_storeu_ps(cr + 8, c1[r]);
    } else {
      _mm256_maskstore_ps(cr, m0, c0[r]);
      _mm256_maskstore_ps(cr + 8, m1, c1[r]);
    }
  }
}

const DenseKernel kAvx2{
    16,
    6,
    256,
    decode_avx2,
    {nullptr, micro_avx2<1>, micro_avx2<2>, micro_avx2<3>, micro_avx2<4>, micro_avx2<5>, micro_avx2<6>}};

// The maskz forms with a full mask are the plain instructions; GCC 12 gives a false
// -Wmaybe-uninitialized on the unmasked intrinsics' _mm512_undefined_epi32() (fixed in GCC 13).
EDGEMT_TARGET_AVX512 inline __m512 widen16(__m128i codes, __m128i shift, __m512i exp_add) {
  constexpr __mmask16 kAll = 0xFFFF;
  const __m512i c = _mm512_maskz_cvtepu8_epi32(kAll, codes);
  const __m512i mag = _mm512_and_si512(c, _mm512_set1_epi32(0x7F));
  const __m512i v =
      _mm512_maskz_add_epi32(_mm512_test_epi32_mask(mag, mag), _mm512_maskz_sll_epi32(kAll, mag, shift), exp_add);
  const __m512i sign = _mm512_and_si512(_mm512_maskz_slli_epi32(kAll, c, 24), _mm512_set1_epi32(INT32_MIN));
  return _mm512_castsi512_ps(_mm512_or_si512(v, sign));
}

// One block is two panels; the second is all zero past the last panel.
EDGEMT_TARGET_AVX512 void decode_avx512(const Af8DenseWeights& w, int block, int k0, int kc, float* bp) {
  const uint8_t* src0 = panel_codes(w, 2 * block, k0);
  const bool has_second = 2 * block + 1 < w.num_panels();
  const uint8_t* src1 = has_second ? panel_codes(w, 2 * block + 1, k0) : src0;
  const __m128i shift = _mm_cvtsi32_si128(w.widen.shift);
  const __m512i exp_add = _mm512_set1_epi32(static_cast<int>(w.widen.exp_add));
  for (int k = 0; k < kc; ++k) {
    const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src0 + k * 16));
    const __m128i q1 =
        has_second ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(src1 + k * 16)) : _mm_setzero_si128();
    _mm512_store_ps(bp + k * 32, widen16(q0, shift, exp_add));
    _mm512_store_ps(bp + k * 32 + 16, widen16(q1, shift, exp_add));
  }
}

template <int MR>
EDGEMT_TARGET_AVX512 void micro_avx512(int kc, const float* a, int lda, const float* bp, const float* init, float* c,
                                       int ldc, int nc) {
  __m512 c0[MR], c1[MR];
  const auto lanes = [](int n) { return static_cast<__mmask16>(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1); };
  const __mmask16 m0 = lanes(nc), m1 = lanes(nc - 16);
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    float* cr = c + static_cast<long>(r) * ldc;
    c0[r] = init ? _mm512_loadu_ps(init) : _mm512_maskz_loadu_ps(m0, cr);
    c1[r] = init ? _mm512_loadu_ps(init + 16) : _mm512_maskz_loadu_ps(m1, cr + 16);
  }
  for (int k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(bp + k * 32), b1 = _mm512_load_ps(bp + k * 32 + 16);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512 ar = _mm512_set1_ps(a[static_cast<long>(r) * lda + k]);
      c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    float* cr = c + static_cast<long>(r) * ldc;
    _mm512_mask_storeu_ps(cr, m0, c0[r]);
    _mm512_mask_storeu_ps(cr + 16, m1, c1[r]);
  }
}

const DenseKernel kAvx512{32,
                          8,
                          128,
                          decode_avx512,
                          {nullptr, micro_avx512<1>, micro_avx512<2>, micro_avx512<3>, micro_avx512<4>, micro_avx512<5>,
                           micro_avx512<6>, micro_avx512<7>, micro_avx512<8>}};

#endif  // EDGEMT_X86

const DenseKernel& kernel_for(Isa isa) {
#if EDGEMT_X86
  if (isa >= Isa::kAvx512) return kAvx512;
  if (isa == Isa::kAvx2) return kAvx2;
#endif
  (void)isa;
  return kGeneric;
}

void run(const DenseKernel& kern, const float* x, int M, int ldx, const Af8DenseWeights& w, const float* b, float* y,
         int ldy) {
  const int N = w.rows, K = w.cols;
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) y[static_cast<long>(i) * ldy + j] = b ? b[j] : 0.0f;
    return;
  }
  const int blocks = (N + kern.nr - 1) / kern.nr;
  std::vector<float> init(static_cast<size_t>(blocks) * kern.nr, 0.0f);  // [blocks·NR] bias, zero padded
  if (b) std::copy(b, b + N, init.begin());
#pragma omp parallel if (static_cast <long>(M) * N * K >= kParallelMacs)
  {
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int j0 = static_cast<int>(static_cast<long>(blocks) * t / nt);
    const int j1 = static_cast<int>(static_cast<long>(blocks) * (t + 1) / nt);
    alignas(64) float bp[kMaxBlock];  // [kc, NR]
    for (int i0 = 0; i0 < M; i0 += kMc) {
      const int i1 = std::min(M, i0 + kMc);
      for (int k0 = 0; k0 < K; k0 += kern.kc) {
        const int kc = std::min(kern.kc, K - k0);
        for (int j = j0; j < j1; ++j) {
          kern.decode(w, j, k0, kc, bp);
          const int nc = std::min(kern.nr, N - j * kern.nr);
          const float* init_j = k0 == 0 ? init.data() + static_cast<size_t>(j) * kern.nr : nullptr;
          for (int i = i0; i < i1; i += kern.mr) {
            const int rows = std::min(kern.mr, i1 - i);
            kern.micro[static_cast<size_t>(rows)](kc, x + static_cast<long>(i) * ldx + k0, ldx, bp, init_j,
                                                  y + static_cast<long>(i) * ldy + j * kern.nr, ldy, nc);
          }
        }
      }
    }
  }
}

}  // namespace

void af8_linear(Isa isa, const float* x, int M, int ldx, const Af8DenseWeights& w, const float* b, float* y, int ldy) {
  EDGEMT_CHECK(isa_supported(isa));
  run(kernel_for(isa), x, M, ldx, w, b, y, ldy);
}

void af8_linear(const float* x, int M, int ldx, const Af8DenseWeights& w, const float* b, float* y, int ldy) {
  af8_linear(active_isa(), x, M, ldx, w, b, y, ldy);
}

}  // namespace edgemt::ops
