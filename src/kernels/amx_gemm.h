// Linear layers with bf16 activations: y = bf16(x)·Wᵀ + b for AF8 weights whose tensor asks for them
// (formats/compressed.h, Activations::Bf16). On Intel AMX (Isa::kAmx) the product runs on bf16 tiles
// with fp32 accumulation; elsewhere x is rounded to bf16 and the fp32 AF8 kernels run on it (the
// same products: a bf16 activation times an AF8 weight is exact in fp32, so the paths differ only
// in the order of fp32 additions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/aligned.h"
#include "kernels/af8.h"

namespace edgemt::ops {

// x rounded to the nearest bf16 (8 significant bits, ties to even) as fp32 bits with the low 16
// bits zero; NaN stays NaN, ±Inf and ±0 stay themselves, values that round past the largest bf16
// become ±Inf.
uint16_t bf16_bits(float x);
float bf16_round(float x);
// dst [M, K] (contiguous) = bf16_round(x [M, K], row stride ldx).
void bf16_round_rows(const float* x, int M, int K, int ldx, float* dst);

inline constexpr int kAmxPanel = 16;  // output features per B tile
inline constexpr int kAmxK = 32;      // k per tile step (a B tile holds 16 pairs of k × 16 features)

// AF8 weights widened to bf16 (exact: an 8-bit AF value has ≤ 6 mantissa bits and fp32's exponent
// range) in AMX's B-tile layout, prepared once at load: panels of 16 output features, each
// [kpad/2, 16, 2] — pair j of feature n holds W[n, 2j], W[n, 2j+1] — so the tile for k step s is
// 1 KB at panel + 512·s. The panel count is rounded up to even (the kernel takes two per step) and
// K up to kpad = 32·ceil(K/32); the padding is zero. 2·kpad·16·panels bytes (ALBERT-base's
// 768×3072: 4.7 MB, twice the dense AF8 codes, half of fp32). Throws Error (naming `name`) when the
// format does not widen to fp32.
struct AmxBf16Weights {
  AmxBf16Weights(const Af8Matrix& w, const std::string& name);

  int rows;    // N
  int cols;    // K
  int kpad;    // K rounded up to kAmxK
  int panels;  // ceil(N/16) rounded up to even
  AlignedVector<uint16_t> tiles;  // [panels, kpad/2, 16, 2] bf16 bits; 64-byte aligned, like every tile row

  size_t bytes() const { return tiles.size() * sizeof(uint16_t); }
};

// What the kernel multiplies the weights by: bf16(x) (one bf16 product per weight), or x itself as
// the sum of three bf16 terms, hi + mid + lo, which hold every normal fp32 exactly (three products
// per weight, fp32 sums: an fp32 GEMM's accuracy).
enum class AmxActivations { kBf16, kFp32 };
constexpr int amx_terms(AmxActivations act) { return act == AmxActivations::kBf16 ? 1 : 3; }

// x [M, K] (row stride ldx), b [N] or nullptr → y [M, N] (row stride ldy) = x̂·Wᵀ + b on AMX tiles,
// x̂ as `act` says. Requires active_isa() == Isa::kAmx (which includes the OS's permission for tile
// data). Threads: OpenMP over pairs of panels, split statically. Per calling thread it keeps a
// buffer of the bf16 terms between calls: terms · 2 · ceil(M/16)·16 · kpad bytes.
void amx_bf16_linear(const float* x, int M, int ldx, const AmxBf16Weights& w, const float* b, float* y, int ldy,
                     AmxActivations act = AmxActivations::kBf16);

// The same in two steps, so that several weights with one input width (q, k, v) share one
// conversion: x's bf16 terms [terms, Mp, kpad] (zero padded), in the calling thread's buffer (valid
// until its next amx_convert_x; converted by an OpenMP team), then the product with each weight.
struct AmxX {
  const uint16_t* data;
  AmxActivations act;  // amx_terms(act) planes
  int M, Mp, kpad, K;
};
AmxX amx_convert_x(const float* x, int M, int ldx, int K, AmxActivations act);
void amx_bf16_linear(const AmxX& xb, const AmxBf16Weights& w, const float* b, float* y, int ldy);

}  // namespace edgemt::ops
