// The model directory of ARCHITECTURE.md: config.json + model.safetensors + spiece.model (+ tasks/).
// A plain Hugging Face checkpoint directory is a valid model directory.
#pragma once

#include <filesystem>

#include "formats/config.h"

namespace edgemt {

struct TokenizerSettings {
  bool lowercase = true;      // tokenizer_config.json "do_lower_case"
  bool keep_accents = false;  // tokenizer_config.json "keep_accents"
  size_t model_max_length = 0;  // tokenizer_config.json "model_max_length": default truncation; 0 = none
};

struct ModelDir {
  std::filesystem::path root;
  std::filesystem::path config_path;
  std::filesystem::path weights_path;
  std::filesystem::path spiece_path;  // may not exist: a model can run on ids alone
  AlbertConfig config;
  TokenizerSettings tokenizer;
};

// Checks that the directory and its files exist and parses config.json and tokenizer_config.json;
// throws edgemt::Error naming the missing file or bad field.
ModelDir open_model_dir(const std::filesystem::path& root);

}  // namespace edgemt
