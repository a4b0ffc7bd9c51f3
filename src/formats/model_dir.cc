// Model directory discovery and settings files.
#include "formats/model_dir.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgemt {

namespace fs = std::filesystem;

namespace {

fs::path require_file(const fs::path& root, const char* name, const char* what) {
  const fs::path p = root / name;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) throw Error(p.string() + ": missing " + what);
  return p;
}

TokenizerSettings read_tokenizer_settings(const fs::path& root) {
  TokenizerSettings s;
  const fs::path p = root / "tokenizer_config.json";
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return s;
  std::ifstream in(p);
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error(p.string() + ": not a JSON object");
  for (auto [key, out] : {std::pair{"do_lower_case", &s.lowercase}, std::pair{"keep_accents", &s.keep_accents}}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_boolean()) throw Error(p.string() + ": field '" + key + "' must be true or false");
    *out = j[key].get<bool>();
  }
  // HF writes huge sentinels (1e30) for "no limit"; only a usable length counts.
  if (j.contains("model_max_length") && j["model_max_length"].is_number_unsigned() &&
      j["model_max_length"].get<uint64_t>() >= 2 && j["model_max_length"].get<uint64_t>() <= (1u << 20))
    s.model_max_length = j["model_max_length"].get<size_t>();
  return s;
}

}  // namespace

ModelDir open_model_dir(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw Error(root.string() + ": not a model directory");
  ModelDir d;
  d.root = root;
  d.config_path = require_file(root, "config.json", "config.json (HF AlbertConfig)");
  d.weights_path = require_file(root, "model.safetensors", "model.safetensors");
  d.spiece_path = root / "spiece.model";  // optional: only text input needs it (bench feeds ids)
  d.config = load_albert_config(d.config_path);
  d.tokenizer = read_tokenizer_settings(root);
  return d;
}

}  // namespace edgemt
