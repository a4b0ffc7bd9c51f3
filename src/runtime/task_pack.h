// Task packs: what one task adds on top of the shared backbone (ARCHITECTURE.md "Model directory").
// A pack is a head (pooler + classifier), its metadata and optionally Houlsby adapters with the
// task's LayerNorms, EdgeBERT off-ramps with an exit-layer predictor, and attention spans
// (docs/formats.md). A plain HF classifier checkpoint is the pack "default".
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgemt/engine.h"
#include "formats/config.h"
#include "formats/safetensors.h"
#include "model/adapters.h"
#include "model/albert.h"
#include "model/offramp.h"
#include "runtime/exit_predictor.h"
#include "model/weights.h"

namespace edgemt {

struct TaskPack {
  TaskInfo info;
  LinearW pooler;      // [H, H]
  LinearW classifier;  // [C, H]
  std::optional<TaskAdapters> adapters;         // nullopt: the backbone's own layers
  std::optional<OffRamps> offramps;             // task.json "early_exit"
  std::optional<ExitPredictor> predictor;       // task.json "predictor"
  std::optional<AttentionSpans> spans;          // task.json "spans"
  std::map<std::string, double, std::less<>> density;  // non-zero fraction of each matrix read, by tensor name
  std::vector<std::string> unused;              // tensors of task.safetensors nobody read
  std::shared_ptr<SafetensorsFile> file;        // keeps the weights mapped
  std::vector<std::unique_ptr<float[]>> owned;  // widened copies
};

// tasks/<name>/task.json + task.safetensors; throws edgemt::Error naming the file and field.
TaskPack load_task_pack(const std::filesystem::path& dir, const AlbertConfig& backbone);

// The backbone checkpoint's own head as the task "default" (nullopt when it has no classifier).
std::optional<TaskPack> default_task(const AlbertConfig& config, const AlbertWeights& weights);

// HF's `finetuning_task` spellings ("sst-2", "SST-2", "mnli") → edgemt's GLUE task names.
std::string normalize_glue_name(std::string name);

}  // namespace edgemt
