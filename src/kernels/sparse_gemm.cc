// Bitmask-sparse AF8 GEMM, outer-product form: y[:, n] = Σ over row n's non-zeros (k, w) of
// w · xᵀ[k, :]. x is transposed once per call into slabs of up to 64 rows. For each slab a thread
// takes its groups of 16 output features and walks them word by word of K (the slab's 64 rows for
// that word, ≤ 17 KB, stay in L1 for the group's 16 rows), then bit by bit (tzcnt),
// FMAing the broadcast weight into accumulators held in registers. Paths: portable, AVX2, AVX-512.
#include "kernels/sparse_gemm.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <limits>
#if EDGEMT_X86
#include <immintrin.h>
#endif

namespace edgemt::ops {

Af8BitmaskWeights::Af8BitmaskWeights(const Af8BitmaskMatrix& w, const std::string& name)
    : rows(w.rows),
      cols(w.cols),
      words((w.cols + 63) / 64),
      widen(af8_widen(w.exp_bits, w.exp_bias, name)),
      lut(af8_lut(widen)) {
  if (rows < 0 || cols < 0) throw Error(name + ": negative shape");
  if (static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols) > std::numeric_limits<uint32_t>::max())
    throw Error(name + ": bitmask tensors need fewer than 2^32 elements");
  // Row-major words first, with each row's offset into the source's codes.
  std::vector<uint64_t> row_words(static_cast<size_t>(rows) * words, 0);  // [N, words]
  std::vector<uint32_t> row_code(static_cast<size_t>(rows) + 1, 0);       // [N + 1]
  for (int n = 0; n < rows; ++n) {
    uint32_t nnz = row_code[static_cast<size_t>(n)];
    for (int k = 0; k < cols; ++k) {
      const size_t bit = static_cast<size_t>(n) * cols + k;
      if ((w.mask[bit / 8] >> (bit % 8)) & 1) {
        row_words[static_cast<size_t>(n) * words + k / 64] |= uint64_t{1} << (k % 64);
        ++nnz;
      }
    }
    row_code[static_cast<size_t>(n) + 1] = nnz;
  }
  // Then the walk order: group, word, row.
  mask.assign(static_cast<size_t>(groups()) * words * kAf8RowGroup, 0);
  group_start.assign(static_cast<size_t>(groups()) + 1, 0);
  codes.reserve(row_code.back());
  for (int g = 0; g < groups(); ++g) {
    group_start[static_cast<size_t>(g)] = static_cast<uint32_t>(codes.size());
    const int n0 = g * kAf8RowGroup, n1 = std::min(rows, n0 + kAf8RowGroup);
    std::vector<uint32_t> next(row_code.begin() + n0, row_code.begin() + n1);  // source code of each row
    for (int j = 0; j < words; ++j)
      for (int n = n0; n < n1; ++n) {
        const uint64_t word = row_words[static_cast<size_t>(n) * words + j];
        mask[(static_cast<size_t>(g) * words + j) * kAf8RowGroup + (n - n0)] = word;
        const uint32_t count = static_cast<uint32_t>(std::popcount(word));
        uint32_t& src = next[static_cast<size_t>(n - n0)];
        codes.insert(codes.end(), w.codes + src, w.codes + src + count);
        src += count;
      }
  }
  group_start[static_cast<size_t>(groups())] = static_cast<uint32_t>(codes.size());
  codes.resize(codes.size() + kAf8CodePad, 0);
}

namespace {

constexpr int kMaxVectors = 8;           // per slab (AVX2: 64 rows, so a word's piece is ≤ 17 KB)
constexpr int kMaxSlabRows = 64;         // max_vectors · vl for every path
constexpr int kPieceRows = 65;           // a slab's 64 rows of one mask word, then a row of zeros
constexpr long kParallelMacs = 1 << 18;  // dense-equivalent work below which one thread runs it

constexpr long kL2SlabBytes = 256 << 10;  // the part of a slab one pass over the groups walks

// tile [16, MCW] = W[16g : 16g + 16, 64·j0 : 64·j1] · xᵀ, reading the group's codes from `code`
// (its first code of word j0); returns the code after the last one read. slab [words, 65, MCW]:
// piece j holds xᵀ rows [64j, 64j + 64) of MCW columns and a zero row 64, where tzcnt of an empty
// word (64) lands.
using GroupFn = const uint8_t* (*)(const Af8BitmaskWeights& w, int group, int j0, int j1, const uint8_t* code,
                                   const float* slab, float* tile);

const uint64_t* group_mask(const Af8BitmaskWeights& w, int g) {  // [words, 16]
  return w.mask.data() + static_cast<size_t>(g) * w.words * kAf8RowGroup;
}

// Piece j of a slab ← xᵀ of rows [m0, m0 + width) of x (zero past M), columns [64j, 64j + 64) ∩ [0, K),
// and its zero row.
using FillFn = void (*)(const float* x, int M, int K, int ldx, int m0, int width, int j, float* piece);

// y [valid, rows] (row stride ldy) = tileᵀ + (add_y ? y : bias, or 0 when bias is null); tile is
// [16, width]: the kernel's output features by rows of the slab.
using StoreFn = void (*)(const float* tile, int width, int valid, int rows, const float* bias, bool add_y, float* y,
                         int ldy);

struct SparseKernel {
  int vl;                                      // floats per vector; slabs are multiples of it
  int max_vectors;                             // per slab
  std::array<GroupFn, kMaxVectors + 1> group;  // by vectors per slab
  FillFn fill;                                 // the transposes in and out: a tenth of the
  StoreFn store;                               // kernel's time when done element by element
};

template <int V>
const uint8_t* group_generic(const Af8BitmaskWeights& w, int group, int j0, int j1, const uint8_t* code,
                             const float* slab, float* tile) {
  constexpr int MCW = 8 * V;
  std::memset(tile, 0, sizeof(float) * kAf8RowGroup * MCW);
  const uint64_t* mask = group_mask(w, group);  // [words, 16]
  for (int j = j0; j < j1; ++j) {
    const float* piece = slab + static_cast<long>(j) * kPieceRows * MCW;  // [65, MCW]
    for (int r = 0; r < kAf8RowGroup; ++r) {
      uint64_t bits = mask[j * kAf8RowGroup + r];
      if (bits == 0) continue;
      float acc[MCW];
      std::memcpy(acc, tile + r * MCW, sizeof(acc));
      for (; bits != 0; bits &= bits - 1) {
        const float v = w.lut[*code++];
        const float* xr = piece + std::countr_zero(bits) * MCW;
        for (int i = 0; i < MCW; ++i) acc[i] += v * xr[i];
      }
      std::memcpy(tile + r * MCW, acc, sizeof(acc));
    }
  }
  return code;
}

void fill_generic(const float* x, int M, int K, int ldx, int m0, int width, int j, float* piece) {
  const int k0 = 64 * j, k1 = std::min(K, k0 + 64);
  for (int i = 0; i < width; ++i) {
    const float* src = m0 + i < M ? x + static_cast<long>(m0 + i) * ldx : nullptr;  // [K]
    for (int k = k0; k < k1; ++k) piece[(k - k0) * width + i] = src ? src[k] : 0.0f;
  }
  std::fill(piece + 64 * width, piece + kPieceRows * width, 0.0f);
}

void store_generic(const float* tile, int width, int valid, int rows, const float* bias, bool add_y, float* y,
                   int ldy) {
  for (int i = 0; i < valid; ++i) {
    float* yr = y + static_cast<long>(i) * ldy;  // [rows]
    for (int r = 0; r < rows; ++r) yr[r] = tile[r * width + i] + (add_y ? yr[r] : bias ? bias[r] : 0.0f);
  }
}

const SparseKernel kGeneric{8,
                            8,
                            {nullptr, group_generic<1>, group_generic<2>, group_generic<3>, group_generic<4>,
                             group_generic<5>, group_generic<6>, group_generic<7>, group_generic<8>},
                            fill_generic,
                            store_generic};

#if EDGEMT_X86

// r[p] ← column p of the 8×8 block whose rows are r[0..7].
EDGEMT_TARGET_AVX2 inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// As fill_generic, in 8×8 blocks where 8 rows of x and 8 columns of the word are there; element by
// element at the edges.
EDGEMT_TARGET_AVX2 void fill_avx2(const float* x, int M, int K, int ldx, int m0, int width, int j, float* piece) {
  const int k0 = 64 * j, kn = std::min(K, k0 + 64) - k0;  // columns of this word
  for (int i0 = 0; i0 < width; i0 += 8) {
    const int rows = std::clamp(M - (m0 + i0), 0, 8);  // rows of x in this block
    int kb = 0;
    if (rows == 8)
      for (; kb + 8 <= kn; kb += 8) {
        __m256 r[8];
        for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(x + static_cast<long>(m0 + i0 + q) * ldx + k0 + kb);
        transpose8(r);
        for (int p = 0; p < 8; ++p) _mm256_storeu_ps(piece + (kb + p) * width + i0, r[p]);
      }
    for (int q = 0; q < 8; ++q) {
      const float* src = q < rows ? x + static_cast<long>(m0 + i0 + q) * ldx + k0 : nullptr;
      for (int k = kb; k < kn; ++k) piece[k * width + i0 + q] = src ? src[k] : 0.0f;
    }
  }
  std::fill(piece + 64 * width, piece + kPieceRows * width, 0.0f);
}

// As store_generic, in 8×8 blocks where 8 rows of y and 8 output features are there.
EDGEMT_TARGET_AVX2 void store_avx2(const float* tile, int width, int valid, int rows, const float* bias, bool add_y,
                                   float* y, int ldy) {
  int i0 = 0;
  if (rows == kAf8RowGroup)
    for (; i0 + 8 <= valid; i0 += 8)
      for (int r0 = 0; r0 < kAf8RowGroup; r0 += 8) {
        __m256 t[8];
        for (int q = 0; q < 8; ++q) t[q] = _mm256_loadu_ps(tile + (r0 + q) * width + i0);
        transpose8(t);
        const __m256 b = bias && !add_y ? _mm256_loadu_ps(bias + r0) : _mm256_setzero_ps();
        for (int p = 0; p < 8; ++p) {
          float* yr = y + static_cast<long>(i0 + p) * ldy + r0;
          _mm256_storeu_ps(yr, _mm256_add_ps(t[p], add_y ? _mm256_loadu_ps(yr) : b));
        }
      }
  store_generic(tile + i0, width, valid - i0, rows, bias, add_y, y + static_cast<long>(i0) * ldy, ldy);
}

#endif  // EDGEMT_X86

#if EDGEMT_X86

// Independent accumulator sets: FMA latency (4 cycles) × 2 FMA pipes wants ≥ 7–8 chains in flight,
// and U·V accumulators must leave registers for the operands (≤ 12 of 16). Wider slabs also spend
// fewer loads per FMA (V loads of x + 2 for the weight per non-zero), which bounds this kernel.
constexpr int sets_for(int vectors) { return vectors >= 7 ? 1 : vectors >= 4 ? 2 : (8 + vectors - 1) / vectors; }

// The U sets take a row's non-zeros in turn, ceil(count / U) rounds with no tail loop: past the
// last set bit tzcnt gives 64, the zero row, times whatever code follows (kAf8CodePad keeps the
// read in bounds); the sets are summed at the end of the word.
template <int V>
EDGEMT_TARGET_AVX2 const uint8_t* group_avx2(const Af8BitmaskWeights& w, int group, int j0, int j1, const uint8_t* code,
                                             const float* slab, float* tile) {
  constexpr int MCW = 8 * V, U = sets_for(V);
  std::memset(tile, 0, sizeof(float) * kAf8RowGroup * MCW);
  const uint64_t* mask = group_mask(w, group);
  for (int j = j0; j < j1; ++j) {
    const float* piece = slab + static_cast<long>(j) * kPieceRows * MCW;
    for (int r = 0; r < kAf8RowGroup; ++r) {
      uint64_t bits = mask[j * kAf8RowGroup + r];
      if (bits == 0) continue;
      __m256 acc[U][V];
#pragma GCC unroll 8
      for (int u = 0; u < U; ++u)
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) acc[u][v] = u == 0 ? _mm256_load_ps(tile + r * MCW + 8 * v) : _mm256_setzero_ps();
      const int count = std::popcount(bits);
      for (int n = 0; n < count; n += U) {
#pragma GCC unroll 8
        for (int u = 0; u < U; ++u) {
          const __m256 wv = _mm256_broadcast_ss(&w.lut[code[n + u]]);
          const float* xr = piece + std::countr_zero(bits) * MCW;
          bits &= bits - 1;
#pragma GCC unroll 8
          for (int v = 0; v < V; ++v) acc[u][v] = _mm256_fmadd_ps(wv, _mm256_load_ps(xr + 8 * v), acc[u][v]);
        }
      }
      code += count;
#pragma GCC unroll 8
      for (int u = 1; u < U; ++u)
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) acc[0][v] = _mm256_add_ps(acc[0][v], acc[u][v]);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) _mm256_store_ps(tile + r * MCW + 8 * v, acc[0][v]);
    }
  }
  return code;
}

const SparseKernel kAvx2{8,
                         8,
                         {nullptr, group_avx2<1>, group_avx2<2>, group_avx2<3>, group_avx2<4>, group_avx2<5>,
                          group_avx2<6>, group_avx2<7>, group_avx2<8>},
                         fill_avx2,
                         store_avx2};

// As group_avx2, on 16-float vectors.
template <int V>
EDGEMT_TARGET_AVX512 const uint8_t* group_avx512(const Af8BitmaskWeights& w, int group, int j0, int j1,
                                                 const uint8_t* code, const float* slab, float* tile) {
  constexpr int MCW = 16 * V, U = sets_for(V);
  std::memset(tile, 0, sizeof(float) * kAf8RowGroup * MCW);
  const uint64_t* mask = group_mask(w, group);
  for (int j = j0; j < j1; ++j) {
    const float* piece = slab + static_cast<long>(j) * kPieceRows * MCW;
    for (int r = 0; r < kAf8RowGroup; ++r) {
      uint64_t bits = mask[j * kAf8RowGroup + r];
      if (bits == 0) continue;
      __m512 acc[U][V];
#pragma GCC unroll 8
      for (int u = 0; u < U; ++u)
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) acc[u][v] = u == 0 ? _mm512_load_ps(tile + r * MCW + 16 * v) : _mm512_setzero_ps();
      const int count = std::popcount(bits);
      for (int n = 0; n < count; n += U) {
#pragma GCC unroll 8
        for (int u = 0; u < U; ++u) {
          const __m512 wv = _mm512_set1_ps(w.lut[code[n + u]]);
          const float* xr = piece + std::countr_zero(bits) * MCW;
          bits &= bits - 1;
#pragma GCC unroll 8
          for (int v = 0; v < V; ++v) acc[u][v] = _mm512_fmadd_ps(wv, _mm512_load_ps(xr + 16 * v), acc[u][v]);
        }
      }
      code += count;
#pragma GCC unroll 8
      for (int u = 1; u < U; ++u)
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) acc[0][v] = _mm512_add_ps(acc[0][v], acc[u][v]);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) _mm512_store_ps(tile + r * MCW + 16 * v, acc[0][v]);
    }
  }
  return code;
}

// At most 4 vectors (64 rows): a word's piece stays at 17 KB, as with AVX2.
const SparseKernel kAvx512{16,
                           4,
                           {nullptr, group_avx512<1>, group_avx512<2>, group_avx512<3>, group_avx512<4>},
                           fill_avx2,
                           store_avx2};

#endif  // EDGEMT_X86

const SparseKernel& kernel_for(Isa isa) {
#if EDGEMT_X86
  if (isa >= Isa::kAvx512) return kAvx512;
  if (isa == Isa::kAvx2) return kAvx2;
#endif
  (void)isa;
  return kGeneric;
}

// A 64-byte aligned float buffer per calling thread that only grows.
float* xt_buffer(size_t floats) {
  thread_local std::vector<float> buf;
  if (buf.size() < floats + 16) buf.resize(floats + 16);
  const auto addr = reinterpret_cast<uintptr_t>(buf.data());
  return buf.data() + ((64 - addr % 64) % 64) / sizeof(float);
}

// Rows of x split into slabs of at most max_vectors vectors, as even as possible.
struct Slabs {
  int count, vectors, extra;  // the first `extra` slabs get vectors + 1
  int width(int s, int vl) const { return (vectors + (s < extra)) * vl; }
  int start(int s, int vl) const { return (s * vectors + std::min(s, extra)) * vl; }
};

Slabs split_rows(int M, int vl, int max_vectors) {
  const int total = (M + vl - 1) / vl, count = (total + max_vectors - 1) / max_vectors;
  return {count, total / count, total % count};
}

void run(const SparseKernel& kern, const float* x, int M, int ldx, const Af8BitmaskWeights& w, const float* b, float* y,
         int ldy) {
  const int N = w.rows, K = w.cols;
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) y[static_cast<long>(i) * ldy + j] = b ? b[j] : 0.0f;
    return;
  }
  const int vl = kern.vl, words = w.words, groups = w.groups();
  const Slabs slabs = split_rows(M, vl, kern.max_vectors);
  const long piece_floats_per_row = static_cast<long>(words) * kPieceRows;  // a slab is m-width times this
  float* xt = xt_buffer(static_cast<size_t>(slabs.start(slabs.count, vl) * piece_floats_per_row));
#pragma omp parallel if (static_cast <long>(M) * N * K >= kParallelMacs)
  {
#pragma omp for schedule(static) collapse(2)
    for (int s = 0; s < slabs.count; ++s)
      for (int j = 0; j < words; ++j) {
        const int m0 = slabs.start(s, vl), width = slabs.width(s, vl);
        kern.fill(x, M, K, ldx, m0, width, j, xt + m0 * piece_floats_per_row + static_cast<long>(j) * kPieceRows * width);
      }
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int g0 = static_cast<int>(static_cast<long>(groups) * t / nt);
    const int g1 = static_cast<int>(static_cast<long>(groups) * (t + 1) / nt);
    alignas(64) float tile[kAf8RowGroup * kMaxSlabRows];               // [16, width]
    std::vector<const uint8_t*> cursor(static_cast<size_t>(g1 - g0));  // each group's next code
    for (int s = 0; s < slabs.count; ++s) {
      const int m0 = slabs.start(s, vl), width = slabs.width(s, vl), valid = std::min(width, M - m0);
      const GroupFn fn = kern.group[static_cast<size_t>(width / vl)];
      // Words per pass: the slab's part stays in L2 while every group walks it (K = 3072 needs 4).
      const int pass = std::max(1, static_cast<int>(kL2SlabBytes / (kPieceRows * width * sizeof(float))));
      for (int g = g0; g < g1; ++g)
        cursor[static_cast<size_t>(g - g0)] = w.codes.data() + w.group_start[static_cast<size_t>(g)];
      for (int j0 = 0; j0 < words; j0 += pass) {
        for (int g = g0; g < g1; ++g) {
          const uint8_t*& code = cursor[static_cast<size_t>(g - g0)];
          code = fn(w, g, j0, std::min(words, j0 + pass), code, xt + m0 * piece_floats_per_row, tile);
          const int n0 = g * kAf8RowGroup, rows = std::min(kAf8RowGroup, N - n0);
          kern.store(tile, width, valid, rows, b ? b + n0 : nullptr, j0 > 0, y + static_cast<long>(m0) * ldy + n0, ldy);
        }
      }
    }
  }
}

}  // namespace

void af8_bitmask_linear(Isa isa, const float* x, int M, int ldx, const Af8BitmaskWeights& w, const float* b, float* y,
                        int ldy) {
  EDGEMT_CHECK(isa_supported(isa));
  run(kernel_for(isa), x, M, ldx, w, b, y, ldy);
}

void af8_bitmask_linear(const float* x, int M, int ldx, const Af8BitmaskWeights& w, const float* b, float* y, int ldy) {
  af8_bitmask_linear(active_isa(), x, M, ldx, w, b, y, ldy);
}

}  // namespace edgemt::ops
