// edgemt's public API: load a model directory once, classify text with any of its tasks.
#pragma once

#include <filesystem>
#include <map>
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

// How a task leaves the encoder early (ALGORITHMS.md §3-4, docs/formats.md "Early exit").
enum class ExitPolicy {
  Entropy,         // exit after layer l when the off-ramp's entropy < threshold
  LatencyBounded,  // as Entropy, and at the predicted exit layer L̂ at the latest (EdgeBERT's choice)
  AccuracyFirst,   // as Entropy (continue past L̂ until entropy < threshold); L̂ is reported for DVFS
};
std::string_view exit_policy_name(ExitPolicy p);  // "entropy", "latency-bounded", "accuracy-first"

// task.json "early_exit": off-ramps after some layers and the entropy threshold.
struct EarlyExitInfo {
  std::string offramp;      // "full" (pooler + classifier) or "light" (LayerNorm + classifier)
  float threshold = 0.0f;   // nats; 0: off unless a call sets one
  std::vector<int> layers;  // 1-based layers after which an off-ramp runs, ascending, each < L
};

// task.json "predictor": the exit-layer LUT (ALGORITHMS.md §4).
struct PredictorInfo {
  int layer = 0;  // p: the off-ramp whose entropy indexes the table
  int bins = 0;   // over entropy [0, 1), clamped above
};

// task.json "spans": adaptive attention spans (ALGORITHMS.md §5), summarised over every head of
// every layer application.
struct SpanInfo {
  float ramp = 0.0f;    // R in tokens
  float mean_z = 0.0f;  // mean span z_h
  float max_z = 0.0f;
  int self_only = 0;    // heads (× applications) whose window is 0: they copy V
  int heads = 0;        // heads × applications described
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
  std::optional<EarlyExitInfo> early_exit;  // nullopt: no off-ramps (always so for regression)
  std::optional<PredictorInfo> predictor;   // nullopt: no exit-layer predictor
  std::optional<SpanInfo> spans;            // nullopt: full attention
};

struct EngineOptions {
  int threads = 0;                           // 0: the OpenMP default (all cores)
  ExitPolicy exit_policy = ExitPolicy::Entropy;  // for calls that do not choose one
};

// Per-call choices; unset fields take the task's or the engine's.
struct ClassifyOptions {
  size_t max_length = 0;                  // 0: default_max_length()
  std::optional<float> exit_threshold;    // nats; 0 disables early exit; unset: the task's
  std::optional<ExitPolicy> exit_policy;  // unset: EngineOptions::exit_policy
};

struct Prediction {
  std::string task;
  int label_id = -1;             // classification
  std::string label;             // classification
  std::vector<float> probs;      // [C] classification
  std::optional<float> score;    // regression
  std::vector<float> logits;     // [C] of the off-ramp it left by, or of the task head
  int exit_layer = 0;            // layers run: the off-ramp's layer, or L
  int layers = 0;                // L
  float entropy = 0.0f;          // nats, of the final distribution (0 for regression)
  std::vector<float> entropies;  // [exit_layer] nats after each layer run; NaN where no off-ramp ran
  std::vector<int> ramp_labels;  // [exit_layer] label id each off-ramp chose (argmax); -1 where none ran,
                                 // and after layer L (the task head: label_id)
  bool early_exit = false;       // early exit was on for this call (never for regression)
  int predicted_exit_layer = 0;  // L̂ of the exit predictor; 0: none (no predictor, policy entropy,
                                 // or the sentence exited at or before the predictor's layer)
  int tokens = 0;                // T after truncation, specials included
  double latency_ms = 0.0;
};

struct TextInput {
  std::string text;
  std::optional<std::string> text_pair;
};

// One input of a mixed-task batch.
struct TaskInput {
  std::string task;
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
  Prediction classify(std::string_view task, std::string_view text, std::optional<std::string_view> text_pair,
                      const ClassifyOptions& options) const;
  std::vector<Prediction> classify_batch(std::string_view task, const std::vector<TextInput>& inputs,
                                         size_t max_length = 0) const;
  // Sequences that exit early leave the packed batch; the others' results do not depend on them.
  // Throws edgemt::Error for a threshold outside [0, ln C] or a policy the task cannot run.
  std::vector<Prediction> classify_batch(std::string_view task, const std::vector<TextInput>& inputs,
                                         const ClassifyOptions& options) const;
  // A batch whose inputs name their own tasks (one engine, many packs); results in input order.
  // Thread-safe like every const method: the engine holds no mutable state.
  std::vector<Prediction> classify_batch(const std::vector<TaskInput>& inputs, const ClassifyOptions& options = {}) const;
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
  ExitPolicy default_exit_policy() const;
  // Non-zero fraction of each backbone weight matrix by HF tensor name, computed once at load.
  const std::map<std::string, double, std::less<>>& weight_density() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sets the thread count of every parallel kernel (process-wide).
void set_num_threads(int threads);

}  // namespace edgemt
