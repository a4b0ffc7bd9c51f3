// Writes the two files into a private directory on tmpfs and runs the real loader on them.
#include "fuzz/model_loader_harness.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "formats/config.h"
#include "model/albert.h"
#include "model/weights.h"

namespace edgemt::fuzz {

namespace fs = std::filesystem;

namespace {

const fs::path& work_dir() {
  static const fs::path dir = [] {
    fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path d = base / ("edgemt-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

void write(const fs::path& p, const uint8_t* data, size_t n) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
}

}  // namespace

bool load_model_blob(const uint8_t* data, size_t size) {
  if (size < 2) return false;
  const size_t config_len = std::min<size_t>(data[0] | (data[1] << 8), size - 2);
  const fs::path config = work_dir() / "config.json", weights = work_dir() / "model.safetensors";
  write(config, data + 2, config_len);
  write(weights, data + 2 + config_len, size - 2 - config_len);
  try {
    const AlbertConfig c = load_albert_config(config);
    LoadedWeights w(weights, c);
    // Run the model when it is small enough to be cheap: the weights are validated, so every
    // pointer the forward pass reads must be in bounds.
    if (static_cast<long>(c.hidden_size) * c.intermediate_size <= (1 << 16) && c.total_layers() <= 8) {
      AlbertModel model(c, w.weights());
      const int T = std::min(3, c.max_position_embeddings);
      Sequence s{std::vector<int32_t>(static_cast<size_t>(T), c.vocab_size - 1), std::vector<int32_t>(static_cast<size_t>(T), 0), {}};
      model.forward(std::span(&s, 1), {.mlm = w.weights().mlm.has_value()});
    }
    return true;
  } catch (const Error&) {
    return false;  // rejected with a message: the expected outcome for malformed input
  }
}

}  // namespace edgemt::fuzz
