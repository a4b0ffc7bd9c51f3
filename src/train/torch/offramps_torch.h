// EdgeBERT off-ramps (ALGORITHMS.md §3) as libtorch modules, named as a task pack stores them
// (docs/formats.md "Early exit"): "offramps.{l}.pooler.*" (full), "offramps.{l}.norm.*" (light),
// "offramps.{l}.classifier.*", one ramp after each layer application l = 1 … L − 1.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "formats/config.h"

namespace edgemt::train {

// full: classifier(tanh(pooler(h₀))) (EdgeBERT, H² + H + C·H + C parameters);
// light: classifier(LayerNorm(h₀)) (2H + C·H + C).
struct OffRampImpl : torch::nn::Module {
  OffRampImpl(const AlbertConfig& c, int classes, bool full);
  torch::Tensor forward(const torch::Tensor& cls);  // h₀ [B, H] → logits [B, C]

  bool full;
  torch::nn::Linear pooler{nullptr}, classifier{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(OffRamp);

struct OffRampsImpl : torch::nn::Module {
  OffRampsImpl(const AlbertConfig& c, int classes, bool full);
  int layers() const { return static_cast<int>(ramps.size()); }  // L − 1
  OffRamp& at(int layer) { return ramps[static_cast<size_t>(layer - 1)]; }  // 1-based layer

  bool full;
  std::vector<OffRamp> ramps;
};
TORCH_MODULE(OffRamps);

// "nats": H = logsumexp(z) − Σ softmax(z)ᵢ zᵢ over the last dimension, computed in float.
torch::Tensor entropy(const torch::Tensor& logits);

}  // namespace edgemt::train
