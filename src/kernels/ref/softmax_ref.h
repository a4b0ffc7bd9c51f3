// Scalar reference for the fused softmax + entropy: double precision and libm, straight from the
// definition H = −Σ p_i ln p_i with ln p_i = z_i − logsumexp(z).
#pragma once

namespace edgemt::ref {

// Same contract as ops::softmax_entropy (probs may be nullptr; a row of only −inf: p = 0, H = NaN),
// except that H is not clamped to [0, ln C].
void softmax_entropy(const float* logits, int rows, int C, float* probs, float* entropy);

}  // namespace edgemt::ref
