// `edgemt train finetune`: one GLUE task on a pretrained backbone, either fully fine-tuned or with
// Houlsby adapters on a frozen backbone (adapter-ALBERT, ALGORITHMS.md §2). AdamW, linear warm-up
// and decay, dev evaluation after every epoch, the best epoch kept. Writes a task pack (adapter
// mode: task.json + task.safetensors, docs/formats.md) or a Hugging Face classifier directory (full).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "formats/dtype.h"
#include "train/torch/adapters_torch.h"

namespace edgemt::train {

struct FinetuneOptions {
  std::filesystem::path init;  // backbone model directory (ours or HF's)
  std::filesystem::path data;  // encoded task (edgemt train encode-glue)
  std::filesystem::path out;   // adapter: the task pack directory; full: a model directory
  std::string mode = "adapter";  // adapter | full
  AdapterSpecT adapter;
  int epochs = 3;
  int batch = 32;
  double lr = 0;  // 0: the mode's default (full 2e-5, adapter 1e-3)
  double warmup_ratio = 0.1;
  double weight_decay = 0.01;
  double dropout = 0.1;           // on the pooled output, as HF's classifier_dropout_prob
  DType dtype = DType::F32;       // stored weights (F32 or F16)
  std::string device = "cpu";     // cpu | cuda
  uint64_t seed = 42;
  int log_every = 100;            // steps between log lines (0: none)
  double time_limit_min = 0;      // stop after the epoch past which the next would exceed this; 0 = none
};

struct EpochRecord {
  int epoch = 0;  // 1-based
  double train_loss = 0;
  std::map<std::string, double> dev;  // the task's GLUE metrics on dev
  double seconds = 0;
};

struct FinetuneResult {
  std::string metric;  // the headline metric (first of the task's GLUE metrics)
  std::vector<EpochRecord> epochs;
  int best_epoch = 0;
  double best = 0;
  int64_t trainable_params = 0;  // what the optimiser updated
  int64_t stored_params = 0;     // what the output adds per task (pack) or holds (full model)
  uint64_t stored_bytes = 0;     // bytes of the written safetensors file
  bool stopped_early = false;    // --time-limit-min ended the run before --epochs
};

struct StepLog {
  int64_t step = 0, steps = 0;
  double loss = 0, lr = 0, examples_per_s = 0;
};

// Throws edgemt::Error on bad options, unreadable inputs, or a task that does not fit the backbone
// (vocabulary, sequence length, or an --init classifier with another label count).
FinetuneResult finetune(const FinetuneOptions& options, const std::function<void(const StepLog&)>& on_step = {},
                        const std::function<void(const EpochRecord&)>& on_epoch = {});

}  // namespace edgemt::train
