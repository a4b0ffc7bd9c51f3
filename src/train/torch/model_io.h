// Model directories ↔ AlbertForPreTraining: export (config.json + model.safetensors, HF names, atomic)
// and import (our exports and Hugging Face albert directories: AlbertModel, ForMaskedLM, ForPreTraining).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/config.h"
#include "formats/dtype.h"
#include "train/torch/albert_torch.h"

namespace edgemt::train {

// HF AlbertConfig fields (what transformers writes), with dropout 0 as we train.
nlohmann::json albert_config_json(const AlbertConfig& c, const std::vector<std::string>& architectures);

struct ExportOptions {
  DType dtype = DType::F32;        // F32 or F16
  std::filesystem::path spiece{};  // copied to <dir>/spiece.model when set
  bool mlm_head = true;            // predictions.*
  bool sop_head = true;            // sop_classifier.*
};

// Creates `dir` if needed and writes config.json and model.safetensors, each atomically. The MLM
// decoder is tied to the word embeddings, so (as HF) only predictions.bias is stored.
void export_model_dir(AlbertForPreTraining& model, const std::filesystem::path& dir, ExportOptions options = {});

// Writes named tensors (any device/dtype; stored as `dtype`, F32 or F16) to one safetensors file, atomically.
void write_tensors(const std::filesystem::path& path, const std::vector<std::pair<std::string, torch::Tensor>>& named,
                   DType dtype);

struct ImportReport {
  std::vector<std::string> loaded;       // parameter names copied from the file
  std::vector<std::string> initialised;  // head parameters the file lacks (kept from the fresh init)
};

// Copies every parameter the file has into `model` (name → tensor; a bare AlbertModel's names lack
// the "albert." prefix; HF's predictions.decoder.bias is our predictions.bias). A missing backbone
// tensor, a wrong shape or a non-float dtype throws edgemt::Error naming the file and tensor.
ImportReport import_weights(AlbertForPreTraining& model, const std::filesystem::path& safetensors);

// Reads <dir>/config.json, builds the model and imports <dir>/model.safetensors.
AlbertForPreTraining load_model_dir(const std::filesystem::path& dir, AlbertConfig* config_out = nullptr,
                                    ImportReport* report = nullptr);

}  // namespace edgemt::train
