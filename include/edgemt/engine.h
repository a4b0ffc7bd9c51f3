// edgemt's public API: load a model directory once, classify text with any of its tasks.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgemt {

class AlbertModel;
struct ModelDir;
struct TaskPack;
namespace text {
class Tokenizer;
}

// A task pack's Houlsby adapters (docs/formats.md "Task packs with adapters").
struct AdapterInfo {
  int size = 0;                      // bottleneck width m
  std::string activation;            // "gelu", "gelu_new", "relu" or "silu"
  bool share_across_layers = false;  // one set for every layer application, else one per application
  int sets = 0;                      // adapter sets in the pack: 1 when shared, else the layer applications
  size_t parameters = 0;             // adapters + task LayerNorms: sets · (2·(2·H·m + H + m) + 4H)
};

// What a task is: its labels (in id order) or regression, and the GLUE task it answers, if any.
struct TaskInfo {
  std::string name;
  std::string glue_task;            // "sst2", "mnli", …; empty when the pack declares none
  std::vector<std::string> labels;  // [C]; empty for regression
  bool regression = false;
  std::string metric;               // headline metric ("accuracy", "f1", "mcc", …); empty: the GLUE task's
  size_t max_length = 0;            // sequence length the task was trained with (eval's default); 0: not declared
  std::optional<AdapterInfo> adapter;  // nullopt: a head-only pack on the plain backbone
};

struct EngineOptions {
  int threads = 0;  // 0: the OpenMP default (all cores)
};

struct Prediction {
  std::string task;
  int label_id = -1;             // classification
  std::string label;             // classification
  std::vector<float> probs;      // [C] classification
  std::optional<float> score;    // regression
  std::vector<float> logits;     // [C]
  int exit_layer = 0;            // layers run (early exit comes with task packs)
  int layers = 0;                // L
  float entropy = 0.0f;          // nats, of the final distribution
  int tokens = 0;                // T after truncation, specials included
  double latency_ms = 0.0;
};

struct TextInput {
  std::string text;
  std::optional<std::string> text_pair;
};

class Engine {
 public:
  // Throws edgemt::Error naming the file, tensor or field that is wrong.
  explicit Engine(const std::filesystem::path& model_dir, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  std::vector<std::string> tasks() const;
  // Throws edgemt::Error for an unknown task, listing the known ones.
  const TaskInfo& task_info(std::string_view task) const;
  // max_length 0: default_max_length(). Thread-safe.
  Prediction classify(std::string_view task, std::string_view text, std::optional<std::string_view> text_pair = {},
                      size_t max_length = 0) const;
  std::vector<Prediction> classify_batch(std::string_view task, const std::vector<TextInput>& inputs,
                                         size_t max_length = 0) const;
  // The truncation length used: `requested` if non-zero, else tokenizer_config.json's
  // model_max_length, else max_position_embeddings; never more than max_position_embeddings.
  size_t default_max_length(size_t requested = 0) const;
  // Things worth telling the user at load time (e.g. tensors in the file that the model does not use).
  const std::vector<std::string>& warnings() const;

  // Internals for the CLI's dump/info/bench.
  const AlbertModel& model() const;
  const text::Tokenizer& tokenizer() const;
  const ModelDir& model_dir() const;
  const TaskPack& task_pack(std::string_view task) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sets the thread count of every parallel kernel (process-wide).
void set_num_threads(int threads);

}  // namespace edgemt
