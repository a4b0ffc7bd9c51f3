// Prediction from logits.
#include "runtime/heads.h"

#include <algorithm>
#include <cmath>

#include "kernels/norm_act.h"

namespace edgemt {

float entropy_from_logits(std::span<const float> z) {
  const double mx = *std::max_element(z.begin(), z.end());
  double sum = 0.0;
  for (float v : z) sum += std::exp(v - mx);
  const double lse = mx + std::log(sum);
  double expect = 0.0;
  for (float v : z) expect += std::exp(v - lse) * v;
  return static_cast<float>(std::max(0.0, lse - expect));
}

HeadOutput apply_head(const LinearW& pooler, const LinearW& classifier, std::span<const float> cls, int B) {
  HeadOutput h;
  h.pooled.resize(static_cast<size_t>(B) * pooler.out);
  linear(pooler, cls.data(), B, h.pooled.data());  // [B, H]
  ops::tanh_inplace(h.pooled.data(), static_cast<long>(h.pooled.size()));
  h.logits.resize(static_cast<size_t>(B) * classifier.out);
  linear(classifier, h.pooled.data(), B, h.logits.data());  // [B, C]
  return h;
}

Prediction head_prediction(const TaskInfo& task, std::span<const float> logits) {
  Prediction p;
  p.logits.assign(logits.begin(), logits.end());
  if (task.regression) {
    p.score = logits[0];
    return p;
  }
  const double mx = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float v : logits) sum += std::exp(v - mx);
  for (float v : logits) p.probs.push_back(static_cast<float>(std::exp(v - mx) / sum));
  p.label_id = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  p.label = task.labels[static_cast<size_t>(p.label_id)];
  p.entropy = entropy_from_logits(logits);
  return p;
}

}  // namespace edgemt
