// One task's trainable part on a frozen backbone, as a task pack stores it (docs/formats.md):
// adapters, head (pooler + classifier), off-ramps after layers 1 … L − 1, adaptive spans; plus
// reading and writing the pack (task.json + task.safetensors).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "formats/dtype.h"
#include "train/torch/adapters_torch.h"
#include "train/torch/albert_torch.h"
#include "train/torch/exit_calibration.h"
#include "train/torch/offramps_torch.h"
#include "train/torch/spans_torch.h"

namespace edgemt::train {

struct TaskModelSpec {
  int classes = 2;                     // C (1: regression)
  std::optional<AdapterSpecT> adapter;  // none: head-only
  std::optional<SpanSpec> spans;        // none: full attention
  std::string offramp;                  // "" (none), "light" or "full"
  double dropout = 0.1;                 // on the pooled output while training
};

struct TaskOutputs {
  torch::Tensor logits;       // [B, C] the head's
  torch::Tensor ramp_logits;  // [B, L − 1, C] when the model has ramps and they were asked for
};

struct TaskModelImpl : torch::nn::Module {
  TaskModelImpl(const AlbertConfig& c, const TaskModelSpec& spec);
  // Task LayerNorms start as the backbone's (an identity adapter leaves the backbone's function).
  void init_norms_from(AlbertBackboneImpl& backbone);
  // The forward of the engine's task runner without exits: every ramp's logits when `ramps`.
  TaskOutputs forward(AlbertBackboneImpl& backbone, const torch::Tensor& ids, const torch::Tensor& types,
                      const torch::Tensor& mask, bool ramps = false);
  torch::Tensor head(const torch::Tensor& last_hidden);  // [B, T, H] → [B, C]
  // Pack tensors by their stored names (spans go to task.json, not here).
  std::vector<std::pair<std::string, torch::Tensor>> pack_tensors();

  AlbertConfig config;
  TaskModelSpec spec;
  TaskAdapters adapters{nullptr};
  TaskSpans spans{nullptr};
  OffRamps ramps{nullptr};
  torch::nn::Linear pooler{nullptr}, classifier{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(TaskModel);

// What task.json says about early exit besides the ramps themselves.
struct ExitSettings {
  float threshold = 0;
  std::optional<PredictorTable> predictor;
};

struct PackInfo {
  std::string glue_task, metric;
  std::vector<std::string> labels;  // empty: regression
  int max_length = 128;
};

// Writes <dir>/task.json and <dir>/task.safetensors (atomically), returns task.json's object.
nlohmann::json write_pack(const std::filesystem::path& dir, TaskModelImpl& model, const PackInfo& info,
                          const ExitSettings& exit, DType dtype);

// Reads a pack written by write_pack (or any pack the engine reads with these features); tensors
// may be F32, F16, BF16 or AdaptivFloat-compressed.
struct LoadedPack {
  TaskModel model{nullptr};
  PackInfo info;
  ExitSettings exit;
};
LoadedPack read_pack(const std::filesystem::path& dir, const AlbertConfig& config);

}  // namespace edgemt::train
