// `edgemt train edgebert`: the EdgeBERT pipeline for one GLUE task on a frozen (optionally pruned)
// backbone (ALGORITHMS.md §2–8): stage 1 trains adapters + head (optionally with adaptive spans and
// their loss, distillation from a teacher's logits, movement pruning of the task's matrices, the
// off-ramps trained with them); stage 2 freezes them and trains off-ramps after every layer; a
// calibration split carved from the training data picks the entropy threshold for a target metric
// drop and fills the exit predictor's LUT.
// Writes a task pack the engine reads plus edgebert.json (every statistic, the dev sweep).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "formats/dtype.h"
#include "train/torch/adapters_torch.h"

namespace edgemt::train {

struct EdgebertOptions {
  std::filesystem::path init, data, out;  // backbone dir, encoded task, pack dir
  AdapterSpecT adapter{.size = 16};
  int epochs = 3, batch = 32;
  double lr = 5e-4, warmup_ratio = 0.1, weight_decay = 0.01, dropout = 0.1;
  double calib_fraction = 0.1;  // of train, held out of both stages
  std::string offramp = "light";  // light | full: the ramps written
  bool compare_offramps = false;  // also train the other kind and report it
  int ramp_epochs = 3, ramp_batch = 128;
  double ramp_lr = 1e-3;
  // > 0: stage 1 also trains the ramps, adding joint_ramps × the layer-weighted mean ramp cross-entropy
  // (Σ_l l·CE_l / Σ_l l) to its loss, so the adapters shape features the early ramps can use; stage 2
  // then re-fits the ramps on the frozen model as before. 0: EdgeBERT's separate stages.
  double joint_ramps = 0;
  double max_drop = 0.01;  // allowed headline-metric drop on calibration (0.01 = 1 point)
  int predictor_layer = 1, predictor_bins = 100;
  double span_ramp = 0;  // R; 0: no adaptive span
  double span_lambda = 0, span_lr = 5e-3;
  std::filesystem::path teacher_logits;  // edgemt train logits output; empty: no distillation
  double alpha = 0.9, temperature = 2;
  double task_sparsity = 0;  // movement pruning of pooler, classifier and adapter matrices
  std::string score_init = "magnitude";
  double score_lr = 1e-2;
  DType dtype = DType::F32;
  std::string device = "cpu";
  uint64_t seed = 42;
  int log_every = 200;
  double time_limit_min = 0;  // stage 1 stops at the epoch boundary past which it would exceed this
  int sweep_points = 100;
};

// Returns edgebert.json's object (also written to <out>/edgebert.json). Progress lines go to `log`.
nlohmann::json run_edgebert(const EdgebertOptions& options, const std::function<void(const std::string&)>& log = {});

// `edgemt train logits`: a fully fine-tuned classifier directory's logits on the train split of an
// encoded task, in train order, as `train.logits` [N, C] F32 (the teacher for --teacher-logits).
// Returns the dev metrics of the same model.
nlohmann::json write_teacher_logits(const std::filesystem::path& model, const std::filesystem::path& data,
                                    const std::filesystem::path& out, const std::string& device);

// `edgemt train predict`: the trainer's predictions for a model directory's task pack on a split of an
// encoded task, with the pack's early exit (threshold < 0: the pack's), in fp32: per example the
// label id (or score) and the exit layer, plus the headline metric and mean exit layer.
nlohmann::json predict_pack(const std::filesystem::path& model, const std::string& task,
                            const std::filesystem::path& data, const std::string& split, double threshold,
                            const std::string& device);

}  // namespace edgemt::train
