// Multi-head self-attention over a packed batch of sequences of different lengths.
#pragma once

#include <cstdint>
#include <span>

namespace edgemt::ops {

struct SeqSpan {
  int offset = 0;                     // first token of the sequence in the packed rows
  int length = 0;                     // T
  const uint8_t* key_mask = nullptr;  // [T]: 1 = may be attended to; nullptr = all
};

// qkv [N, 3H] (Q | K | V per token row) → ctx [N, H]; per head softmax(Q Kᵀ/√DH + mask) V.
void attention(const float* qkv, int H, int NH, std::span<const SeqSpan> seqs, float* ctx);

}  // namespace edgemt::ops
