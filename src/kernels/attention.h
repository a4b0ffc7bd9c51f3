// Multi-head self-attention over a packed batch of sequences of different lengths, optionally with
// a per-head adaptive attention span (ALGORITHMS.md §5) computed as banded attention.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/isa.h"

namespace edgemt::ops {

struct SeqSpan {
  int offset = 0;                     // first token of the sequence in the packed rows
  int length = 0;                     // T
  const uint8_t* key_mask = nullptr;  // [T]: 1 = may be attended to; nullptr = all
};

// A head's learned span z ≥ 0 (tokens) and ramp R > 0: soft mask on the query–key distance d = |i − j|,
// m(d) = clamp((R + z − d)/R, 0, 1). Attention weights become a_ij·m(d) / Σ_j a_ij·m(d).
struct HeadSpan {
  float z = 0;
  float ramp = 0;
};

// The largest distance with m(d) > 0: w = ceil(z + R) − 1 (the head looks at keys i − w … i + w).
// 0: the head attends only to itself (its output is V_i). −1: the head is off (R + z ≤ 0, m(0) = 0;
// its context is zero). Capped at 2^30 for huge spans.
int span_window(const HeadSpan& span);

// Query–key pairs whose score Q_i·K_j one sequence of length T costs, summed over the heads of
// `spans` (one per head): a head with window w ≥ 1 costs Σ_i |[i − w, i + w] ∩ [0, T)| =
// T(2w + 1) − w(w + 1) for w < T − 1, else T²; window 0 and off heads cost 0 (no Q·K, no softmax).
// Full attention over NH heads is NH·T². Key masks do not change it (masked keys are scored, then dropped).
long attended_pairs(std::span<const HeadSpan> spans, int T);

// qkv [N, 3H] (Q | K | V per token row) → ctx [N, H]; per head softmax(Q Kᵀ/√DH + mask) V.
// spans [NH] or nullptr (full attention): with spans, head h's weights are multiplied by m(d) and
// renormalised; only keys within span_window(spans[h]) of the query are computed (cost O(T·w));
// window 0 heads output V_i (0 where key i is masked), off heads output 0. A query whose every
// key in its window is masked gets a zero context row. Heads with m ≡ 1 on [0, T) (z ≥ T − 1) take
// the dense path, identical to spans = nullptr. Runs on active_isa().
void attention(const float* qkv, int H, int NH, std::span<const SeqSpan> seqs, float* ctx,
               const HeadSpan* spans = nullptr);
// The same on a given path (tests, benchmarks); `isa` must be supported (isa_supported).
void attention(Isa isa, const float* qkv, int H, int NH, std::span<const SeqSpan> seqs, float* ctx,
               const HeadSpan* spans = nullptr);

}  // namespace edgemt::ops
