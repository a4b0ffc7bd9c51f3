// config.json parsing: types checked per field, impossible shapes rejected with the field's name.
#include "formats/config.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgemt {

using nlohmann::json;

namespace {

struct ActivationRow {
  const char* name;
  Activation act;
};
// HF ACT2FN names that ALBERT checkpoints use; "swish" is HF's alias of silu.
constexpr ActivationRow kActivations[] = {
    {"gelu", Activation::Gelu},   {"gelu_new", Activation::GeluNew}, {"gelu_pytorch_tanh", Activation::GeluNew},
    {"relu", Activation::Relu},   {"silu", Activation::Silu},        {"swish", Activation::Silu},
};

[[noreturn]] void bad(const std::string& source, const std::string& field, const std::string& what) {
  throw Error(source + ": field '" + field + "' " + what);
}

void read_int(const json& j, const std::string& source, const char* field, int& out, int min_value) {
  if (!j.contains(field)) return;
  const json& v = j[field];
  if (!v.is_number_integer()) bad(source, field, "must be an integer, got " + v.dump());
  const bool huge = v.is_number_unsigned() && v.get<uint64_t>() > (1u << 30);
  const int64_t x = huge ? 0 : v.get<int64_t>();
  if (huge || x < min_value || x > (1 << 30))
    bad(source, field, "must be in [" + std::to_string(min_value) + ", 2^30], got " + v.dump());
  out = static_cast<int>(x);
}

}  // namespace

const char* activation_name(Activation a) {
  for (const auto& row : kActivations)
    if (row.act == a) return row.name;
  return "?";
}

AlbertConfig parse_albert_config(const json& j, const std::string& source) {
  if (!j.is_object()) throw Error(source + ": config must be a JSON object");
  AlbertConfig c;
  if (j.contains("model_type")) {
    if (!j["model_type"].is_string()) bad(source, "model_type", "must be a string");
    if (j["model_type"].get<std::string>() != "albert")
      bad(source, "model_type", "must be \"albert\", got " + j["model_type"].dump());
  }
  read_int(j, source, "vocab_size", c.vocab_size, 1);
  read_int(j, source, "embedding_size", c.embedding_size, 1);
  read_int(j, source, "hidden_size", c.hidden_size, 1);
  read_int(j, source, "num_hidden_layers", c.num_hidden_layers, 1);
  read_int(j, source, "num_hidden_groups", c.num_hidden_groups, 1);
  read_int(j, source, "num_attention_heads", c.num_attention_heads, 1);
  read_int(j, source, "intermediate_size", c.intermediate_size, 1);
  read_int(j, source, "inner_group_num", c.inner_group_num, 1);
  read_int(j, source, "max_position_embeddings", c.max_position_embeddings, 1);
  read_int(j, source, "type_vocab_size", c.type_vocab_size, 1);
  if (j.contains("pad_token_id") && !j["pad_token_id"].is_null()) read_int(j, source, "pad_token_id", c.pad_token_id, 0);
  if (j.contains("hidden_act")) {
    if (!j["hidden_act"].is_string()) bad(source, "hidden_act", "must be a string, got " + j["hidden_act"].dump());
    c.hidden_act_name = j["hidden_act"].get<std::string>();
    bool found = false;
    for (const auto& row : kActivations)
      if (c.hidden_act_name == row.name) {
        c.hidden_act = row.act;
        found = true;
      }
    if (!found) bad(source, "hidden_act", "'" + c.hidden_act_name + "' is not supported (gelu, gelu_new, relu, silu, swish)");
  }
  if (j.contains("layer_norm_eps")) {
    const json& v = j["layer_norm_eps"];
    if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 1)
      bad(source, "layer_norm_eps", "must be a number in (0, 1], got " + v.dump());
    c.layer_norm_eps = v.get<double>();
  }
  if (j.contains("position_embedding_type") && j["position_embedding_type"] != "absolute")
    bad(source, "position_embedding_type", "must be \"absolute\", got " + j["position_embedding_type"].dump());
  if (j.contains("problem_type") && !j["problem_type"].is_null()) {
    if (!j["problem_type"].is_string()) bad(source, "problem_type", "must be a string");
    c.problem_type = j["problem_type"].get<std::string>();
  }
  // ARCHITECTURE.md: an optional "edgemt" section records what edgemt did to the model (e.g. `edgemt
  // compress`); the engine does not need it, but it must be an object.
  if (j.contains("edgemt") && !j["edgemt"].is_object())
    bad(source, "edgemt", "must be an object (edgemt's own section), got " + j["edgemt"].dump());
  if (j.contains("finetuning_task") && j["finetuning_task"].is_string())
    c.finetuning_task = j["finetuning_task"].get<std::string>();
  if (j.contains("architectures") && j["architectures"].is_array())
    for (const auto& a : j["architectures"])
      if (a.is_string()) c.architectures.push_back(a.get<std::string>());

  // Labels: id2label decides num_labels when present (HF does the same), else num_labels.
  if (j.contains("id2label") && !j["id2label"].is_null()) {
    const json& m = j["id2label"];
    if (!m.is_object()) bad(source, "id2label", "must be an object {\"0\": label, ...}");
    c.id2label.assign(m.size(), "");
    for (const auto& [k, v] : m.items()) {
      size_t pos = 0;
      long id = -1;
      try {
        id = std::stol(k, &pos);
      } catch (...) {
      }
      if (pos != k.size() || id < 0 || static_cast<size_t>(id) >= m.size())
        bad(source, "id2label", "keys must be 0.." + std::to_string(m.size() - 1) + ", got \"" + k + "\"");
      if (!v.is_string()) bad(source, "id2label", "values must be strings");
      c.id2label[static_cast<size_t>(id)] = v.get<std::string>();
    }
    c.num_labels = static_cast<int>(m.size());
  } else if (j.contains("num_labels")) {
    read_int(j, source, "num_labels", c.num_labels, 1);
  }
  if (c.id2label.empty())
    for (int i = 0; i < c.num_labels; ++i) c.id2label.push_back("LABEL_" + std::to_string(i));

  if (c.hidden_size % c.num_attention_heads != 0)
    bad(source, "hidden_size", std::to_string(c.hidden_size) + " is not a multiple of num_attention_heads " +
                                   std::to_string(c.num_attention_heads));
  if (c.num_hidden_groups > c.num_hidden_layers || c.num_hidden_layers % c.num_hidden_groups != 0)
    bad(source, "num_hidden_groups", std::to_string(c.num_hidden_groups) + " does not divide num_hidden_layers " +
                                         std::to_string(c.num_hidden_layers));
  if (c.pad_token_id >= c.vocab_size)
    bad(source, "pad_token_id", std::to_string(c.pad_token_id) + " is outside the vocabulary of " + std::to_string(c.vocab_size));
  return c;
}

AlbertConfig load_albert_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open config");
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(path.string() + ": not valid JSON");
  return parse_albert_config(j, path.string());
}

}  // namespace edgemt
