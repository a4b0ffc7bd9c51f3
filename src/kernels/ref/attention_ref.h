// Scalar reference for attention with an adaptive span (ALGORITHMS.md §5): dense O(T²) per head,
// double precision, straight from the formula; no windows, no shortcuts.
#pragma once

#include <span>

#include "kernels/attention.h"

namespace edgemt::ref {

// Same contract as ops::attention with spans: a = softmax(Q Kᵀ/√DH, masked keys excluded),
// a_ij ← a_ij·m(|i − j|) / Σ_j a_ij·m(|i − j|), m(d) = clamp((R + z − d)/R, 0, 1); a row whose weights
// sum to 0 (every key masked or m = 0) gives a zero context. spans nullptr: m ≡ 1. Needs R > 0.
void span_attention(const float* qkv, int H, int NH, std::span<const ops::SeqSpan> seqs, const ops::HeadSpan* spans,
                    float* ctx);

}  // namespace edgemt::ref
