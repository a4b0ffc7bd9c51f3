// Export to and import from model directories: a name → tensor copy, since the module tree uses HF names.
#include "train/torch/model_io.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "formats/safetensors.h"
#include "formats/tensor_access.h"

namespace edgemt::train {

namespace fs = std::filesystem;

nlohmann::json albert_config_json(const AlbertConfig& c, const std::vector<std::string>& architectures) {
  return {
      {"architectures", architectures},
      {"model_type", "albert"},
      {"vocab_size", c.vocab_size},
      {"embedding_size", c.embedding_size},
      {"hidden_size", c.hidden_size},
      {"num_hidden_layers", c.num_hidden_layers},
      {"num_hidden_groups", c.num_hidden_groups},
      {"num_attention_heads", c.num_attention_heads},
      {"intermediate_size", c.intermediate_size},
      {"inner_group_num", c.inner_group_num},
      {"hidden_act", c.hidden_act_name},
      {"hidden_dropout_prob", 0.0},
      {"attention_probs_dropout_prob", 0.0},
      {"classifier_dropout_prob", 0.1},
      {"max_position_embeddings", c.max_position_embeddings},
      {"type_vocab_size", c.type_vocab_size},
      {"initializer_range", 0.02},
      {"layer_norm_eps", c.layer_norm_eps},
      {"position_embedding_type", "absolute"},
      {"pad_token_id", c.pad_token_id},
      {"bos_token_id", 2},
      {"eos_token_id", 3},
      {"tie_word_embeddings", true},
      {"dtype", "float32"},
  };
}

namespace {

bool is_head(const std::string& name) {
  return name.starts_with("predictions.") || name.starts_with("sop_classifier.") || name.starts_with("albert.pooler.");
}

std::vector<std::byte> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(p.string() + ": cannot open");
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

}  // namespace

void write_tensors(const fs::path& path, const std::vector<std::pair<std::string, torch::Tensor>>& named, DType dtype) {
  if (dtype != DType::F32 && dtype != DType::F16) throw Error(path.string() + ": export dtype must be F32 or F16");
  std::vector<torch::Tensor> keep;  // the bytes write_safetensors reads, alive until it returns
  std::vector<TensorToWrite> tensors;
  for (const auto& [name, p] : named) {
    auto t = p.detach().to(torch::kCPU, dtype == DType::F16 ? torch::kHalf : torch::kFloat).contiguous();
    keep.push_back(t);
    tensors.push_back({.name = name,
                       .dtype = dtype,
                       .shape = t.sizes().vec(),
                       .data = {static_cast<const std::byte*>(t.data_ptr()), static_cast<size_t>(t.nbytes())}});
  }
  write_safetensors(path, tensors, {{"format", "pt"}});
}

void export_model_dir(AlbertForPreTraining& model, const fs::path& dir, ExportOptions options) {
  if (options.dtype != DType::F32 && options.dtype != DType::F16)
    throw Error(dir.string() + ": export dtype must be F32 or F16");
  fs::create_directories(dir);
  std::vector<std::pair<std::string, torch::Tensor>> named;
  for (const auto& item : model->named_parameters()) {
    const std::string& name = item.key();
    if ((!options.mlm_head && name.starts_with("predictions.")) ||
        (!options.sop_head && name.starts_with("sop_classifier.")))
      continue;
    named.emplace_back(name, item.value());
  }
  write_tensors(dir / "model.safetensors", named, options.dtype);
  std::vector<std::string> arch = {options.mlm_head && options.sop_head ? "AlbertForPreTraining"
                                   : options.mlm_head                   ? "AlbertForMaskedLM"
                                                                        : "AlbertModel"};
  const std::string json = albert_config_json(model->albert->config, arch).dump(2) + "\n";
  write_file_atomic(dir / "config.json", std::as_bytes(std::span(json)));
  if (!options.spiece.empty()) {
    const auto bytes = read_bytes(options.spiece);
    write_file_atomic(dir / "spiece.model", bytes);
  }
}

ImportReport import_weights(AlbertForPreTraining& model, const fs::path& path) {
  SafetensorsFile file(path);
  const bool bare =
      file.find("embeddings.word_embeddings.weight") && !file.find("albert.embeddings.word_embeddings.weight");
  ImportReport report;
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor& p = item.value();
    std::string on_disk = bare && name.starts_with("albert.") ? name.substr(7) : name;
    if (!file.find(on_disk) && name == "predictions.bias" && file.find("predictions.decoder.bias"))
      on_disk = "predictions.decoder.bias";
    if (!file.find(on_disk)) {
      if (!is_head(name)) throw Error(path.string() + ": missing tensor '" + on_disk + "'");
      report.initialised.push_back(name);
      continue;
    }
    std::vector<std::unique_ptr<float[]>> owned;
    const float* src = f32_tensor(file, on_disk, p.sizes().vec(), owned);
    const auto cpu = torch::from_blob(const_cast<float*>(src), p.sizes(), torch::kFloat);
    p.copy_(cpu);  // copies to p's device and dtype
    report.loaded.push_back(name);
  }
  return report;
}

AlbertForPreTraining load_model_dir(const fs::path& dir, AlbertConfig* config_out, ImportReport* report) {
  const AlbertConfig config = load_albert_config(dir / "config.json");
  AlbertForPreTraining model(config);
  const ImportReport r = import_weights(model, dir / "model.safetensors");
  if (config_out) *config_out = config;
  if (report) *report = r;
  return model;
}

}  // namespace edgemt::train
