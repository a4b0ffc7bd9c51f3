// Packed fp32 GEMM with the prepacked weights as B. Each thread takes a range of panels and reads
// their weights once per block of up to 256 rows, in long runs (they stream from L3 or memory:
// ALBERT-base's layer is 28 MB of fp32): per span of K whose x block stays in L2, per panel, per K
// block of kc, a register-blocked MR×16 micro-kernel runs over every row of x against the panel's
// [kc, 16] block (16 KB: L1), the first row block prefetching the thread's next block. Paths:
// portable C++ (4×16), AVX2+FMA (6×16), AVX-512 (12×32: two panels per call, x packed once per call).
#include "kernels/packed_gemm.h"

#include <omp.h>

#include <algorithm>
#include <array>
#if EDGEMT_X86
#include <immintrin.h>
#endif

#include "core/error.h"

namespace edgemt::ops {

PackedF32Weights::PackedF32Weights(int rows_, int cols_) : rows(rows_), cols(cols_) {
  EDGEMT_CHECK(rows >= 0 && cols >= 0);
  panels.assign(static_cast<size_t>(stored_panels()) * kF32Panel * static_cast<size_t>(cols), 0.0f);
}

PackedF32Weights::PackedF32Weights(const float* w, int rows_, int cols_) : PackedF32Weights(rows_, cols_) {
  pack_rows(0, w, rows);
}

void PackedF32Weights::pack_rows(int row0, const float* w, int n_rows) {
  EDGEMT_CHECK(row0 >= 0 && n_rows >= 0 && row0 + n_rows <= rows);
  for (int r = 0; r < n_rows; ++r) {
    const int n = row0 + r;
    const float* src = w + static_cast<size_t>(r) * cols;  // [K]
    float* dst = panels.data() + static_cast<size_t>(n / kF32Panel) * cols * kF32Panel + n % kF32Panel;
    for (int k = 0; k < cols; ++k) dst[static_cast<size_t>(k) * kF32Panel] = src[k];
  }
}

namespace {

constexpr int kMc = 256;                 // rows of x per block
constexpr int kKc = 256;                 // K block: a panel's [256, 16] block is 16 KB (L1)
constexpr long kParallelMacs = 1 << 17;  // below this a fork/join costs more than it saves
constexpr long kL2Bytes = 256 << 10;     // the part of L2 (512 KB on Zen 3) an x block may take

// c [rows, nc] (row stride ldc) = (k0 == 0 ? init : c) + a [rows, kc] · the kernel's np panels'
// [kc, 16] blocks, at bp, bp + pstride, …; nc ≤ 16·np. When `next` is set, also prefetches the
// blocks there (one 64-byte line per k and panel) into L1.
using MicroFn = void (*)(int kc, const float* a, int lda, const float* bp, size_t pstride, const float* init,
                         float* c, int ldc, int nc, const float* next);

constexpr int kMaxMr = 12;

struct Kernel {
  int mr;  // rows of x per call
  int np;  // panels per call (stored panels come in pairs, so a pair never runs past them)
  bool packs_a;  // micro reads x packed per row block as [k, rows] (lda unused), else in place
  std::array<MicroFn, kMaxMr + 1> micro;  // by row count, 1..mr
};

template <int MR>
void micro_generic(int kc, const float* a, int lda, const float* bp, size_t /*pstride*/, const float* init, float* c,
                   int ldc, int nc, const float* /*next*/) {
  constexpr int NR = kF32Panel;
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

const Kernel kGeneric{4, 1, false, {nullptr, micro_generic<1>, micro_generic<2>, micro_generic<3>, micro_generic<4>}};

#if EDGEMT_X86

EDGEMT_TARGET_AVX2 inline __m256i lanes_below(int n) {  // lane i set when i < n
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <int MR>
EDGEMT_TARGET_AVX2 void micro_avx2(int kc, const float* a, int lda, const float* bp, size_t /*pstride*/,
                                   const float* init, float* c, int ldc, int nc, const float* next) {
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
    const __m256 b0 = _mm256_loadu_ps(bp + k * 16), b1 = _mm256_loadu_ps(bp + k * 16 + 8);
    if (next) _mm_prefetch(reinterpret_cast<const char*>(next + k * 16), _MM_HINT_T0);
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

const Kernel kAvx2{6, 1, false, {nullptr, micro_avx2<1>, micro_avx2<2>, micro_avx2<3>, micro_avx2<4>, micro_avx2<5>,
                       micro_avx2<6>}};

// Two panels per call, a panel row in one 16-float register: MR×2 accumulators, MR broadcasts and 2
// loads per 2·MR FMAs. Masked loads and stores (fast on AVX-512 parts) where nc < 32.
EDGEMT_TARGET_AVX512 inline __mmask16 lanes_below16(int n) {
  return static_cast<__mmask16>(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1);
}

// `a` is packed: [kc, MR], the MR rows' values of one k side by side, so every broadcast is one
// load at a constant offset from one pointer (reading MR rows of x in place needs MR pointers, more
// than the 16 general registers hold with the rest: GCC spilled them inside the k loop).
template <int MR, bool kPrefetch>
EDGEMT_TARGET_AVX512 void micro_avx512_body(int kc, const float* a, const float* bp, size_t pstride,
                                            const float* init, float* c, int ldc, int nc, const float* next) {
  __m512 c0[MR], c1[MR];
  const __mmask16 m0 = lanes_below16(nc), m1 = lanes_below16(nc - 16);
  const float* bq = bp + pstride;
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    const float* cr = c + static_cast<long>(r) * ldc;
    c0[r] = init ? _mm512_loadu_ps(init) : _mm512_maskz_loadu_ps(m0, cr);
    c1[r] = init ? _mm512_loadu_ps(init + 16) : _mm512_maskz_loadu_ps(m1, cr + 16);
  }
  for (int k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(bp + k * 16), b1 = _mm512_loadu_ps(bq + k * 16);
    if constexpr (kPrefetch) {
      _mm_prefetch(reinterpret_cast<const char*>(next + k * 16), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(next + pstride + k * 16), _MM_HINT_T0);
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const __m512 ar = _mm512_set1_ps(a[k * MR + r]);
      c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    float* cr = c + static_cast<long>(r) * ldc;
    _mm512_mask_storeu_ps(cr, m0, c0[r]);
    _mm512_mask_storeu_ps(cr + 16, m1, c1[r]);
  }
}

template <int MR>
EDGEMT_TARGET_AVX512 void micro_avx512(int kc, const float* a, int /*lda: packed*/, const float* bp, size_t pstride,
                                       const float* init, float* c, int ldc, int nc, const float* next) {
  if (next) micro_avx512_body<MR, true>(kc, a, bp, pstride, init, c, ldc, nc, next);
  else micro_avx512_body<MR, false>(kc, a, bp, pstride, init, c, ldc, nc, next);
}

const Kernel kAvx512{12, 2, true, {nullptr, micro_avx512<1>, micro_avx512<2>, micro_avx512<3>, micro_avx512<4>,
                            micro_avx512<5>, micro_avx512<6>, micro_avx512<7>, micro_avx512<8>, micro_avx512<9>,
                            micro_avx512<10>, micro_avx512<11>, micro_avx512<12>}};

#endif  // EDGEMT_X86

const Kernel& kernel_for(Isa isa) {
#if EDGEMT_X86
  if (isa >= Isa::kAvx512) return kAvx512;
  if (isa == Isa::kAvx2) return kAvx2;
#endif
  (void)isa;
  return kGeneric;
}

// Row blocks of the rows [i0, i1): as even as possible, ≤ mr rows each (a 1- or 2-row block runs at
// a fraction of the FMA rate: too few independent accumulators). Block r is [row_at(r), row_at(r + 1)).
struct RowBlocks {
  int i0, i1, count;
  RowBlocks(int i0_, int i1_, int mr) : i0(i0_), i1(i1_), count((i1_ - i0_ + mr - 1) / mr) {}
  int row_at(int r) const { return i0 + (i1 - i0) * r / count; }
};

// K in spans whose x block [i1 - i0, span] stays in L2 while every panel walks it.
int span_for(int rows) { return std::max(kKc, static_cast<int>(kL2Bytes / (sizeof(float) * rows)) / kKc * kKc); }

// Where x [i, k] goes in the packed copy of one block of rows [i0, i1) (≤ kMc rows), for the row
// block starting at row i and the span [s0, s1): span by span, row block by row block, each
// [s1 - s0, rows], so the micro-kernel reads the rows' values of one k side by side.
size_t packed_offset(int i0, int i1, int s0, int s1, int i) {
  return static_cast<size_t>(i1 - i0) * s0 + static_cast<size_t>(i - i0) * (s1 - s0);
}

// Packs row blocks [r0, r1) of rb, every span, into apack.
void pack_x(const float* x, int ldx, int K, const RowBlocks& rb, int span, float* apack, int r0, int r1) {
  for (int r = r0; r < r1; ++r) {
    const int i = rb.row_at(r), rows = rb.row_at(r + 1) - i;
    for (int s0 = 0; s0 < K; s0 += span) {
      const int s1 = std::min(K, s0 + span);
      float* dst = apack + packed_offset(rb.i0, rb.i1, s0, s1, i);
      for (int k = s0; k < s1; ++k, dst += rows)
        for (int q = 0; q < rows; ++q) dst[q] = x[static_cast<long>(i + q) * ldx + k];
    }
  }
}

void run(const Kernel& kern, const float* x, int M, int ldx, const PackedF32Weights& w, const float* b, float* y,
         int ldy) {
  const int N = w.rows, K = w.cols;
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) y[static_cast<long>(i) * ldy + j] = b ? b[j] : 0.0f;
    return;
  }
  const int np = kern.np, units = (w.num_panels() + np - 1) / np;  // a unit: the panels of one call
  const size_t pstride = static_cast<size_t>(K) * kF32Panel;          // floats from one panel to the next
  std::vector<float> init(static_cast<size_t>(w.stored_panels()) * kF32Panel, 0.0f);  // bias, zero padded
  if (b) std::copy(b, b + N, init.begin());
  // Kernels that read x packed: one copy of a block of ≤ kMc rows (the caller's buffer, kept between
  // calls), packed by the team row block by row block before any thread computes on it.
  thread_local AlignedVector<float> apack;
  if (kern.packs_a && apack.size() < static_cast<size_t>(std::min(M, kMc)) * K)
    apack.resize(static_cast<size_t>(std::min(M, kMc)) * K);
  float* const ap = apack.data();
#pragma omp parallel if (static_cast <long>(M) * N * K >= kParallelMacs)
  {
    // Each thread owns a range of units (every output computed by one thread, in one K order) and
    // walks their weights front to back. (Handing out chunks of panels dynamically measured slower.)
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int u0 = static_cast<int>(static_cast<long>(units) * t / nt);
    const int u1 = static_cast<int>(static_cast<long>(units) * (t + 1) / nt);
    for (int i0 = 0; i0 < M; i0 += kMc) {
      const int i1 = std::min(M, i0 + kMc);
      const RowBlocks rb(i0, i1, kern.mr);
      const int span = span_for(i1 - i0);
      if (kern.packs_a) {
#pragma omp barrier
        pack_x(x, ldx, K, rb, span, ap, rb.count * t / nt, rb.count * (t + 1) / nt);
#pragma omp barrier
      }
      for (int s0 = 0; s0 < K; s0 += span) {
        const int s1 = std::min(K, s0 + span);
        for (int u = u0; u < u1; ++u) {
          const int j = u * np, nc = std::min(kF32Panel * np, N - j * kF32Panel);
          for (int k0 = s0; k0 < s1; k0 += kKc) {
            const int kc = std::min(kKc, s1 - k0);
            const float* bp = w.panels.data() + (static_cast<size_t>(j) * K + k0) * kF32Panel;  // [kc, 16]
            const float* init_j = k0 == 0 ? init.data() + static_cast<size_t>(j) * kF32Panel : nullptr;
            // The weights stream from L3 or memory: the first row block pulls the blocks this thread
            // runs next (this unit's next K block in the span, or the next unit's first) into L1.
            const float* next = k0 + kc < s1 ? bp + static_cast<size_t>(kc) * kF32Panel
                                : u + 1 < u1  ? w.panels.data() + (static_cast<size_t>(j + np) * K + s0) * kF32Panel
                                              : nullptr;
            for (int r = 0; r < rb.count; ++r) {
              const int i = rb.row_at(r), rows = rb.row_at(r + 1) - i;
              const float* a = kern.packs_a ? ap + packed_offset(i0, i1, s0, s1, i) + static_cast<size_t>(k0 - s0) * rows
                                            : x + static_cast<long>(i) * ldx + k0;
              kern.micro[static_cast<size_t>(rows)](kc, a, ldx, bp, pstride, init_j,
                                                    y + static_cast<long>(i) * ldy + j * kF32Panel, ldy, nc,
                                                    r == 0 ? next : nullptr);
            }
          }
        }
      }
    }
  }
}

}  // namespace

void packed_linear(Isa isa, const float* x, int M, int ldx, const PackedF32Weights& w, const float* b, float* y,
                   int ldy) {
  EDGEMT_CHECK(isa_supported(isa));
  run(kernel_for(isa), x, M, ldx, w, b, y, ldy);
}

void packed_linear(const float* x, int M, int ldx, const PackedF32Weights& w, const float* b, float* y, int ldy) {
  packed_linear(active_isa(), x, M, ldx, w, b, y, ldy);
}

}  // namespace edgemt::ops
