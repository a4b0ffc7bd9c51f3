// bf16 activations: rounding (portable), AF8 → bf16 B-tile packing, and the AMX tile kernel.
#include "kernels/amx_gemm.h"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "kernels/isa.h"
#if EDGEMT_X86
#include <immintrin.h>
#endif

namespace edgemt::ops {

uint16_t bf16_bits(float x) {
  const uint32_t u = std::bit_cast<uint32_t>(x);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // NaN: keep it quiet
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);                  // ties to even
}

float bf16_round(float x) { return std::bit_cast<float>(static_cast<uint32_t>(bf16_bits(x)) << 16); }

void bf16_round_rows(const float* x, int M, int K, int ldx, float* dst) {
  for (int i = 0; i < M; ++i) {
    const float* xi = x + static_cast<size_t>(i) * ldx;
    float* di = dst + static_cast<size_t>(i) * K;
    for (int k = 0; k < K; ++k) di[k] = bf16_round(xi[k]);
  }
}

AmxBf16Weights::AmxBf16Weights(const Af8Matrix& w, const std::string& name) : rows(w.rows), cols(w.cols) {
  if (rows < 0 || cols < 0) throw Error(name + ": negative shape");
  const Af8Widen widen = af8_widen(w.exp_bits, w.exp_bias, name);
  kpad = (cols + kAmxK - 1) / kAmxK * kAmxK;
  panels = (rows + 2 * kAmxPanel - 1) / (2 * kAmxPanel) * 2;
  tiles.assign(static_cast<size_t>(panels) * kpad * kAmxPanel, 0);
  for (int n = 0; n < rows; ++n) {
    const uint8_t* src = w.codes + static_cast<size_t>(n) * cols;  // [K]
    uint16_t* panel = tiles.data() + static_cast<size_t>(n / kAmxPanel) * kpad * kAmxPanel;
    for (int k = 0; k < cols; ++k) {
      const uint32_t bits = std::bit_cast<uint32_t>(af8_widen_one(src[k], widen));  // low 16 bits are zero
      panel[(static_cast<size_t>(k / 2) * kAmxPanel + n % kAmxPanel) * 2 + k % 2] = static_cast<uint16_t>(bits >> 16);
    }
  }
}

#if EDGEMT_X86

namespace {


// Tile instructions as inline assembly with the memory effects spelled out: GCC 12's intrinsics
// (_tile_loadd, _tile_stored, _tile_loadconfig) declare none (or 8 bytes of the configuration), so
// the compiler could move the buffers' stores and loads across them. AT&T operand order.
#define EDGEMT_TILE_LOAD(t, base, stride) \
  __asm__ volatile("tileloadd (%0,%1,1), %%tmm" #t ::"r"(base), "r"(static_cast<long>(stride)) : "memory")
#define EDGEMT_TILE_STORE(t, base, stride) \
  __asm__ volatile("tilestored %%tmm" #t ", (%0,%1,1)" ::"r"(base), "r"(static_cast<long>(stride)) : "memory")
#define EDGEMT_TILE_ZERO(t) __asm__ volatile("tilezero %%tmm" #t ::)
#define EDGEMT_TILE_DPBF16PS(c, a, b) __asm__ volatile("tdpbf16ps %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::)  // c += a·b

// The palette-1 tile configuration (Intel SDM, LDTILECFG): 8 tiles of 16 rows × 64 bytes.
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// xb [terms, Mp, kpad] bf16 bits: term 0 = x [M, K] rounded, term t the rounding of what the terms
// before it left (x − Σ earlier terms, exact in fp32); rows ≥ M and columns ≥ K zero. Three terms
// hold a normal fp32 exactly (8 + 8 + 8 significant bits). 16 floats per step, with the same integer
// rounding as bf16_bits. (The all-lanes maskz forms avoid GCC 12's false -Wmaybe-uninitialized on
// the unmasked intrinsics' _mm512_undefined source.)
EDGEMT_TARGET_AVX512 void to_bf16_rows(const float* x, int M, int K, int ldx, int Mp, int kpad, int terms,
                                       uint16_t* xb, int i0, int i1) {
  const __m512i round = _mm512_set1_epi32(0x7FFF), one = _mm512_set1_epi32(1);
  const __m512i abs_mask = _mm512_set1_epi32(0x7FFFFFFF), inf = _mm512_set1_epi32(0x7F800000);
  const __m512i quiet = _mm512_set1_epi32(0x00400000), high = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
  const __mmask16 all = 0xFFFF;
  const size_t plane = static_cast<size_t>(Mp) * kpad;
  for (int i = i0; i < i1; ++i) {
    if (i >= M) {
      for (int t = 0; t < terms; ++t)
        std::memset(xb + t * plane + static_cast<size_t>(i) * kpad, 0, sizeof(uint16_t) * static_cast<size_t>(kpad));
      continue;
    }
    const float* s = x + static_cast<size_t>(i) * ldx;
    for (int k = 0; k < kpad; k += 16) {
      const int n = std::clamp(K - k, 0, 16);
      const __mmask16 m = static_cast<__mmask16>((1u << n) - 1u);
      __m512 v = _mm512_maskz_loadu_ps(m, s + k);
      for (int t = 0; t < terms; ++t) {
        const __m512i u = _mm512_castps_si512(v);
        const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, abs_mask), inf);
        __m512i r =
            _mm512_add_epi32(_mm512_add_epi32(u, round), _mm512_and_si512(_mm512_maskz_srli_epi32(all, u, 16), one));
        r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(u, quiet));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(xb + t * plane + static_cast<size_t>(i) * kpad + k),
                            _mm512_maskz_cvtepi32_epi16(all, _mm512_maskz_srli_epi32(all, r, 16)));
        v = _mm512_sub_ps(v, _mm512_castsi512_ps(_mm512_and_si512(r, high)));  // what this term left
      }
    }
  }
}

// y rows [r0, r0 + 16), features of panel q, from a stored C tile c [16, 16] plus bias.
void store_tile(const float* c, int r0, int M, int q, int N, const float* b, float* y, int ldy) {
  const int n0 = q * kAmxPanel, nn = std::min(kAmxPanel, N - n0);
  if (nn <= 0) return;
  for (int i = 0; i < kAmxPanel && r0 + i < M; ++i) {
    float* yi = y + static_cast<size_t>(r0 + i) * ldy + n0;
    for (int j = 0; j < nn; ++j) yi[j] = c[i * kAmxPanel + j] + (b ? b[n0 + j] : 0.0f);
  }
}

// Panels 2·pair and 2·pair + 1 over the rows [r0, r1) of xb [T, Mp, kpad] (r0 a multiple of 32): C
// tiles 0–3 (two row blocks × two panels), A tiles 4–5 (one term at a time), B tiles 6–7; each B tile
// feeds 2·T products, each A tile two.
template <int T>
void panel_pair(const uint16_t* xb, int M, int Mp, const AmxBf16Weights& w, int pair, const float* b, float* y,
                int ldy, int r0, int r1) {
  const size_t plane = static_cast<size_t>(Mp) * w.kpad;
  const size_t panel_elems = static_cast<size_t>(w.kpad) * kAmxPanel;
  const uint16_t* b0 = w.tiles.data() + static_cast<size_t>(2 * pair) * panel_elems;
  const uint16_t* b1 = b0 + panel_elems;
  const long xstride = static_cast<long>(w.kpad) * 2;  // bytes per row of xb
  const int steps = w.kpad / kAmxK;
  alignas(64) float c[4][kAmxPanel * kAmxPanel];
  for (int r = r0; r < r1; r += 2 * kAmxPanel) {
    const uint16_t* a0 = xb + static_cast<size_t>(r) * w.kpad;
    EDGEMT_TILE_ZERO(0);
    EDGEMT_TILE_ZERO(1);
    if (r + kAmxPanel < r1) {
      const uint16_t* a1 = a0 + static_cast<size_t>(kAmxPanel) * w.kpad;
      EDGEMT_TILE_ZERO(2);
      EDGEMT_TILE_ZERO(3);
      for (int s = 0; s < steps; ++s) {
        EDGEMT_TILE_LOAD(6, b0 + 512 * static_cast<size_t>(s), 64);
        EDGEMT_TILE_LOAD(7, b1 + 512 * static_cast<size_t>(s), 64);
#pragma GCC unroll 3
        for (int t = 0; t < T; ++t) {
          EDGEMT_TILE_LOAD(4, a0 + t * plane + kAmxK * s, xstride);
          EDGEMT_TILE_LOAD(5, a1 + t * plane + kAmxK * s, xstride);
          EDGEMT_TILE_DPBF16PS(0, 4, 6);
          EDGEMT_TILE_DPBF16PS(1, 4, 7);
          EDGEMT_TILE_DPBF16PS(2, 5, 6);
          EDGEMT_TILE_DPBF16PS(3, 5, 7);
        }
      }
      EDGEMT_TILE_STORE(2, c[2], 64);
      EDGEMT_TILE_STORE(3, c[3], 64);
      store_tile(c[2], r + kAmxPanel, M, 2 * pair, w.rows, b, y, ldy);
      store_tile(c[3], r + kAmxPanel, M, 2 * pair + 1, w.rows, b, y, ldy);
    } else {
      for (int s = 0; s < steps; ++s) {
        EDGEMT_TILE_LOAD(6, b0 + 512 * static_cast<size_t>(s), 64);
        EDGEMT_TILE_LOAD(7, b1 + 512 * static_cast<size_t>(s), 64);
#pragma GCC unroll 3
        for (int t = 0; t < T; ++t) {
          EDGEMT_TILE_LOAD(4, a0 + t * plane + kAmxK * s, xstride);
          EDGEMT_TILE_DPBF16PS(0, 4, 6);
          EDGEMT_TILE_DPBF16PS(1, 4, 7);
        }
      }
    }
    EDGEMT_TILE_STORE(0, c[0], 64);
    EDGEMT_TILE_STORE(1, c[1], 64);
    store_tile(c[0], r, M, 2 * pair, w.rows, b, y, ldy);
    store_tile(c[1], r, M, 2 * pair + 1, w.rows, b, y, ldy);
  }
}

void load_tile_config() {
  TileConfig cfg;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = kAmxPanel;
    cfg.colsb[t] = 64;
  }
  __asm__ volatile("ldtilecfg %0" ::"m"(cfg));
}

void release_tiles() { __asm__ volatile("tilerelease" ::: "memory"); }

}  // namespace

AmxX amx_convert_x(const float* x, int M, int ldx, int K, AmxActivations act) {
  EDGEMT_CHECK(active_isa() == Isa::kAmx && M >= 0 && K >= 0);
  AmxX r{nullptr, act, M, (M + kAmxPanel - 1) / kAmxPanel * kAmxPanel, (K + kAmxK - 1) / kAmxK * kAmxK, K};
  const int terms = amx_terms(act);
  thread_local AlignedVector<uint16_t> buf;  // the caller's; a team only reads it. (A tile row that
  // straddles two cache lines costs two: unaligned buffers ran the same model 1.6× slower.)
  const size_t need = static_cast<size_t>(terms) * r.Mp * r.kpad;
  if (buf.size() < need) buf.resize(need);
  uint16_t* xb = buf.data();
#pragma omp parallel if (static_cast<long>(M) * K >= (1L << 15))
  {
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    to_bf16_rows(x, M, K, ldx, r.Mp, r.kpad, terms, xb, r.Mp * t / nt, r.Mp * (t + 1) / nt);
  }
  r.data = xb;
  return r;
}

void amx_bf16_linear(const AmxX& xb, const AmxBf16Weights& w, const float* b, float* y, int ldy) {
  if (xb.M <= 0 || w.rows == 0) return;
  EDGEMT_CHECK(active_isa() == Isa::kAmx && xb.K == w.cols && xb.kpad == w.kpad);
  const uint16_t* xbp = xb.data;
  const int M = xb.M, Mp = xb.Mp, terms = amx_terms(xb.act);
  const int pairs = w.panels / 2;
  const long macs = static_cast<long>(M) * w.cols * w.rows;
  // Every panel pair reads all of x's terms. While they fit in L2 (with room for the pair's B tiles)
  // each thread takes its pairs one by one over all rows; beyond that (seq 128 at K = 3072 with three
  // terms: 2.4 MB) x would come from L3 for every pair, so each thread walks blocks of 64 rows and,
  // per block, its pairs: x's block stays in L2 and the weights are read once per block.
  const size_t x_bytes = sizeof(uint16_t) * static_cast<size_t>(terms) * Mp * w.kpad;
  const int row_block = x_bytes <= (size_t{1} << 20) ? Mp : 4 * kAmxPanel;
#pragma omp parallel if (pairs > 1 && macs >= (1L << 20))
  {
    load_tile_config();
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int p0 = pairs * t / nt, p1 = pairs * (t + 1) / nt;  // static split: thread-count independent results
    for (int r0 = 0; r0 < Mp; r0 += row_block) {
      const int r1 = std::min(Mp, r0 + row_block);
      for (int p = p0; p < p1; ++p) {
        if (terms == 1) panel_pair<1>(xbp, M, Mp, w, p, b, y, ldy, r0, r1);
        else panel_pair<3>(xbp, M, Mp, w, p, b, y, ldy, r0, r1);
      }
    }
    release_tiles();
  }
}

void amx_bf16_linear(const float* x, int M, int ldx, const AmxBf16Weights& w, const float* b, float* y, int ldy,
                     AmxActivations act) {
  if (M <= 0 || w.rows == 0) return;
  amx_bf16_linear(amx_convert_x(x, M, ldx, w.cols, act), w, b, y, ldy);
}

#else

AmxX amx_convert_x(const float*, int, int, int, AmxActivations) { throw Error("amx_convert_x: AMX is an x86-64 path"); }
void amx_bf16_linear(const AmxX&, const AmxBf16Weights&, const float*, float*, int) {
  throw Error("amx_bf16_linear: AMX is an x86-64 path");
}
void amx_bf16_linear(const float*, int, int, const AmxBf16Weights&, const float*, float*, int, AmxActivations) {
  throw Error("amx_bf16_linear: AMX is an x86-64 path");
}

#endif

}  // namespace edgemt::ops
