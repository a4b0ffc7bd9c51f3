// Adaptive attention span (ALGORITHMS.md §5) for training: one learned span z per head and layer
// application, the soft ramp mask as an additive attention bias, and the span loss.
#pragma once

#include <vector>

#include <torch/torch.h>

namespace edgemt::train {

struct SpanSpec {
  double ramp = 8;        // R in tokens (> 0)
  double max_span = 128;  // S: z = S·u with u ∈ [0, 1]; u starts at 1 (full attention)
  double lambda = 0;      // span loss weight per token of mean span
};

// u: [A, NH], one row per layer application. z = S·clamp(u, 0, 1) tokens.
struct TaskSpansImpl : torch::nn::Module {
  TaskSpansImpl(int applications, int heads, const SpanSpec& spec);

  torch::Tensor z() const;  // [A, NH] tokens
  // [1, NH, T, T]: log m(|i − j|) with m = clamp((R + z − d)/R, 0, 1); -1e9 where m ≤ 0 (key outside
  // the window ⌈z + R⌉ − 1 that the engine attends to). Gradient reaches z through the ramp only.
  torch::Tensor bias(int application, int64_t T, const torch::Device& device) const;
  torch::Tensor loss() const;  // λ · mean z (tokens)
  void clamp_();               // u back into [0, 1] after an optimiser step
  std::vector<std::vector<double>> spans() const;  // z per application, per head (for task.json)

  SpanSpec spec;
  torch::Tensor u;
};
TORCH_MODULE(TaskSpans);

}  // namespace edgemt::train
