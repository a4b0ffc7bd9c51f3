// Typed ALBERT weights, filled once from HF tensor names; layers never look weights up by string.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/config.h"
#include "formats/safetensors.h"

namespace edgemt {

struct LinearW {
  const float* w = nullptr;  // [out, in]
  const float* b = nullptr;  // [out]
  int out = 0;
  int in = 0;
};

struct NormW {
  const float* gamma = nullptr;  // [n]
  const float* beta = nullptr;   // [n]
};

struct LayerW {
  LinearW qkv;       // [3H, H]: query | key | value, concatenated at load for one GEMM
  LinearW attn_out;  // [H, H]
  NormW attn_ln;     // [H]
  LinearW ffn;       // [I, H]
  LinearW ffn_out;   // [H, I]
  NormW full_ln;     // [H]
};

struct MlmHeadW {
  LinearW dense;             // [E, H]
  NormW ln;                  // [E]
  const float* decoder_w;    // [V, E], tied to the word embeddings unless the file has its own
  const float* decoder_b;    // [V]
};

struct AlbertWeights {
  const float* word_emb = nullptr;  // [V, E]
  const float* pos_emb = nullptr;   // [P, E]
  const float* type_emb = nullptr;  // [TV, E]
  NormW emb_ln;                     // [E]
  LinearW proj;                     // [H, E] embedding_hidden_mapping_in
  std::vector<std::vector<LayerW>> groups;  // [num_hidden_groups][inner_group_num]
  std::optional<LinearW> pooler;      // [H, H]
  std::optional<LinearW> classifier;  // [C, H]
  std::optional<MlmHeadW> mlm;
};

// Owns the mapped file and any widened copies the typed pointers refer to.
class LoadedWeights {
 public:
  // Validates presence, shape and dtype of every tensor the config needs; throws edgemt::Error
  // naming the file and tensor. Tensors nobody asked for are listed in unused().
  LoadedWeights(const std::filesystem::path& safetensors, const AlbertConfig& config);

  const AlbertWeights& weights() const { return w_; }
  const std::vector<std::string>& unused() const { return unused_; }
  size_t bytes_on_disk() const;

 private:
  std::shared_ptr<SafetensorsFile> file_;
  std::vector<std::unique_ptr<float[]>> owned_;
  AlbertWeights w_;
  std::vector<std::string> unused_;
};

}  // namespace edgemt
