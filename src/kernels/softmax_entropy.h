// Fused row softmax + entropy (ALGORITHMS.md §3): the early-exit off-ramps' certainty measure, and
// the row softmax of attention.
#pragma once

#include "kernels/isa.h"

namespace edgemt::ops {

// logits [rows, C] → probs [rows, C] and entropy [rows] in nats,
//   H = logsumexp(z) − Σ softmax(z)_i z_i  (= −Σ p_i ln p_i),
// max-shifted, so any finite logits work (|z| up to FLT_MAX); 0 ≤ H ≤ ln C (clamped against rounding).
// - probs may be nullptr (entropy only) and may alias logits (in place); entropy may be nullptr.
// - C ≥ 1 (C = 1: p = 1, H = 0). A logit of −inf is a masked class (p = 0); a row of only −inf has
//   probs 0 and entropy NaN (undefined: `H < threshold` is then false, so it never triggers an exit).
// - Accuracy: |H − H_exact| ≤ ~1e-6·(1 + H); near-certain rows keep their small H to ~1e-6 relative
//   (H is formed as log1p(Σ_{i≠max} e^{z_i−m}) + Σ p_i (m − z_i), two non-negative terms).
// Runs on active_isa(); rows are independent (no threads: rows are few, the caller parallelises).
void softmax_entropy(const float* logits, int rows, int C, float* probs, float* entropy);
// The same on a given path (tests, benchmarks); `isa` must be supported (isa_supported).
void softmax_entropy(Isa isa, const float* logits, int rows, int C, float* probs, float* entropy);

}  // namespace edgemt::ops
