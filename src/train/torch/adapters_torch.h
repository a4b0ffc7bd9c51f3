// Houlsby adapters (ALGORITHMS.md §2) as libtorch modules, named as a task pack stores them
// (docs/formats.md "Task packs with adapters"): "adapters.{a}.attention.down.weight" …
#pragma once

#include <vector>

#include <torch/torch.h>

#include "formats/config.h"

namespace edgemt::train {

struct AdapterSpecT {
  int size = 64;  // m
  Activation activation = Activation::Gelu;
  bool share_across_layers = false;
};

// x ← x + up(f(down(x))); up starts at zero, so a new adapter is the identity.
struct BottleneckImpl : torch::nn::Module {
  BottleneckImpl(int hidden, int size, Activation f);
  torch::Tensor forward(const torch::Tensor& x);  // [..., H] → [..., H]

  Activation f;
  torch::nn::Linear down{nullptr}, up{nullptr};  // [m, H], [H, m]
};
TORCH_MODULE(Bottleneck);

// One layer application's task weights: two bottlenecks and the two LayerNorms they precede.
struct AdapterSetImpl : torch::nn::Module {
  AdapterSetImpl(const AlbertConfig& c, const AdapterSpecT& spec);

  Bottleneck attention{nullptr}, ffn{nullptr};
  torch::nn::LayerNorm attention_norm{nullptr}, full_norm{nullptr};
};
TORCH_MODULE(AdapterSet);

// A sets: 1 when shared, else one per layer application (num_hidden_layers × inner_group_num).
struct TaskAdaptersImpl : torch::nn::Module {
  TaskAdaptersImpl(const AlbertConfig& c, const AdapterSpecT& spec);
  AdapterSet& at(int application) { return sets[spec.share_across_layers ? 0 : static_cast<size_t>(application)]; }

  AdapterSpecT spec;
  std::vector<AdapterSet> sets;
};
TORCH_MODULE(TaskAdapters);

}  // namespace edgemt::train
