// Houlsby adapters of adapter-ALBERT (ALGORITHMS.md §2): the typed weights a task pack adds to the
// shared layers (two bottlenecks and two LayerNorms per layer application), their loading by name
// and the bottleneck applied in place. Format: docs/formats.md "Task packs with adapters".
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "formats/config.h"
#include "formats/safetensors.h"
#include "model/weights.h"

namespace edgemt {

// One Houlsby bottleneck: x ← x + up(f(down(x))).
struct AdapterW {
  LinearW down;  // [m, H]
  LinearW up;    // [H, m]
};

// What a task adds to, or replaces in, one layer application.
struct AdapterSetW {
  AdapterW attention;    // after attention.dense, before the attention LayerNorm
  AdapterW ffn;          // after ffn_output, before full_layer_layer_norm
  NormW attention_norm;  // [H] replaces the layer's attention.LayerNorm
  NormW full_norm;       // [H] replaces the layer's full_layer_layer_norm
};

// task.json "adapter".
struct AdapterSpec {
  int size = 0;  // m ≥ 1
  Activation activation = Activation::Gelu;
  bool share_across_layers = false;  // one set for every layer application, else one set per application
};

struct TaskAdapters {
  AdapterSpec spec;
  std::vector<AdapterSetW> sets;  // [A]

  // The set of layer application `l` (0-based, inner group layers counted, as hidden.{l+1}).
  const AdapterSetW& at(int l) const { return sets[spec.share_across_layers ? 0 : static_cast<size_t>(l)]; }
};

// A: 1 when shared, else one set per layer application (num_hidden_layers × inner_group_num).
int adapter_set_count(const AlbertConfig& c, const AdapterSpec& spec);

// Parameters of one set: 2·(2·H·m + H + m) + 4H.
size_t adapter_set_params(int H, int m);

// Reads adapters.{a}.* for a = 0..A−1 from `f` as f32 (F32 zero-copy, F16/BF16 widened into `owned`)
// and adds every name it read to `used`. Throws edgemt::Error naming the file and tensor for a
// missing, misshaped or non-float tensor and for sets that do not match share_across_layers.
TaskAdapters load_adapters(const SafetensorsFile& f, const AdapterSpec& spec, const AlbertConfig& c,
                           std::vector<std::unique_ptr<float[]>>& owned, std::set<std::string>& used);

// x [N, H] ← x + up(f(down(x))) in place; scratch [N, m + H] (the bottleneck, then the up projection).
void apply_adapter(const AdapterW& a, Activation f, float* x, int N, float* scratch);

}  // namespace edgemt
