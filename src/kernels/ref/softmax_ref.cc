// Softmax and entropy in double from the definitions (ALGORITHMS.md §3).
#include "kernels/ref/softmax_ref.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edgemt::ref {

void softmax_entropy(const float* logits, int rows, int C, float* probs, float* entropy) {
  for (int i = 0; i < rows; ++i) {
    const float* z = logits + static_cast<long>(i) * C;
    double mx = -std::numeric_limits<double>::infinity();
    for (int j = 0; j < C; ++j) mx = std::max(mx, static_cast<double>(z[j]));
    if (std::isinf(mx) && mx < 0) {
      if (probs)
        for (int j = 0; j < C; ++j) probs[static_cast<long>(i) * C + j] = 0.0f;
      if (entropy) entropy[i] = std::numeric_limits<float>::quiet_NaN();
      continue;
    }
    // ln Σ e^{z−m} = log1p(Σ over all but one maximum): ln(1 + tiny) stays exact for certain rows.
    double rest = 0;
    bool max_seen = false;
    for (int j = 0; j < C; ++j) {
      if (!max_seen && z[j] == mx) {
        max_seen = true;
        continue;
      }
      rest += std::exp(z[j] - mx);
    }
    const double log_sum = std::log1p(rest);
    double h = 0;
    for (int j = 0; j < C; ++j) {
      // −inf: p = 0, and 0·ln 0 = 0
      if (std::isinf(z[j])) continue;
      const double log_p = (static_cast<double>(z[j]) - mx) - log_sum;  // z − lse without cancelling mx
      const double p = std::exp(log_p);
      h -= p * log_p;
      if (probs) probs[static_cast<long>(i) * C + j] = static_cast<float>(p);
    }
    if (probs)
      for (int j = 0; j < C; ++j)
        if (std::isinf(z[j])) probs[static_cast<long>(i) * C + j] = 0.0f;
    if (entropy) entropy[i] = static_cast<float>(h);
  }
}

}  // namespace edgemt::ref
