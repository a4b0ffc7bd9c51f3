// ALBERT's config.json: every field the engine uses, validated, with HF AlbertConfig's defaults
// for fields that are missing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgemt {

enum class Activation { Gelu, GeluNew, Relu, Silu };

struct AlbertConfig {
  int vocab_size = 30000;               // V
  int embedding_size = 128;             // E
  int hidden_size = 4096;               // H
  int num_hidden_layers = 12;           // layer applications before inner groups
  int num_hidden_groups = 1;            // distinct shared layer groups
  int num_attention_heads = 64;         // NH
  int intermediate_size = 16384;        // I
  int inner_group_num = 1;              // layers per group
  Activation hidden_act = Activation::GeluNew;
  std::string hidden_act_name = "gelu_new";
  int max_position_embeddings = 512;    // P
  int type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  int pad_token_id = 0;
  int num_labels = 2;                   // C; 1 means regression
  std::string problem_type;             // "", "regression", "single_label_classification", ...
  std::vector<std::string> id2label;    // size num_labels
  std::vector<std::string> architectures;
  std::string finetuning_task;          // HF's optional record of the task fine-tuned for

  int head_dim() const { return hidden_size / num_attention_heads; }           // DH
  int layers_per_group() const { return num_hidden_layers / num_hidden_groups; }
  int total_layers() const { return num_hidden_layers * inner_group_num; }     // L as HF counts hidden states
  bool is_regression() const { return num_labels == 1 || problem_type == "regression"; }
};

// Parses and validates; throws edgemt::Error naming `source` and the field.
AlbertConfig parse_albert_config(const nlohmann::json& j, const std::string& source);
AlbertConfig load_albert_config(const std::filesystem::path& config_json);

const char* activation_name(Activation a);

}  // namespace edgemt
