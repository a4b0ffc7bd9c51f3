// `edgemt train pretrain`: masked-LM + sentence-order prediction on a shard, with warm-up/decay,
// gradient clipping, bf16 autocast on CUDA, timed atomic checkpoints and exact resume.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "formats/config.h"
#include "train/torch/optim.h"
#include "train/pretrain_data.h"

namespace edgemt::train {

struct PretrainOptions {
  std::filesystem::path model_config;  // a config.json for a fresh model, or …
  std::filesystem::path init;          // … a model directory to start from (ours or HF's)
  std::filesystem::path shard;
  std::filesystem::path out;     // model directory written whenever the run stops; checkpoint.pt inside
  std::filesystem::path spiece;  // copied into `out` when set (else init/spiece.model if any)
  int64_t steps = 10000;         // total optimiser steps (the schedule's length)
  int64_t stop_after = 0;        // stop (with a checkpoint) after this step; 0 = run to `steps`
  double time_limit_min = 0;     // stop (with a checkpoint) once this much wall time has passed; 0 = none
  int batch = 64;                // B
  int seq = 128;                 // T, [CLS] A [SEP] B [SEP] included
  double lr = 5e-4;
  int64_t warmup = 1000;
  OptimOptions optim;
  double clip_norm = 1.0;
  MaskingOptions masking;
  double checkpoint_every_min = 10;  // 0 = only at the end
  bool resume = false;
  std::string device = "cpu";  // cpu | cuda
  uint64_t seed = 1234;
  int log_every = 100;
  // Task-agnostic backbone pruning (ALGORITHMS.md §6): embeddings magnitude-pruned at the start and
  // frozen; encoder matrices movement-pruned with a cubic schedule; masks baked (zeros) at the end.
  double embed_sparsity = 0;        // word, position and token-type embeddings, per matrix
  double encoder_sparsity = 0;      // E→H projection, Q, K, V, attention output, FFN in/out, per matrix
  std::string score_init = "magnitude";  // movement scores: magnitude (hybrid) | constant (pure movement)
  double score_lr = 1e-2;           // peak lr of the scores (own AdamW, no decay, same schedule)
  double prune_warmup = 0.1, prune_cooldown = 0.2;  // fractions of `steps` before / after the cubic ramp
};

struct LogRecord {
  int64_t step = 0;                                                       // 1-based: steps done
  double mlm_loss = 0, sop_loss = 0, mlm_accuracy = 0, sop_accuracy = 0;  // means since the last record
  double tokens_per_s = 0, lr = 0;
};

struct PretrainResult {
  std::vector<LogRecord> log;
  double embed_zero_fraction = 0, encoder_zero_fraction = 0;  // after baking (pruning runs)
  int64_t steps_done = 0;
  std::filesystem::path checkpoint;
};

// Throws edgemt::Error on bad options, a missing or corrupt shard, config or checkpoint.
PretrainResult pretrain(const PretrainOptions& options, const std::function<void(const LogRecord&)>& on_log = {});

// The config for the default shape (ALBERT-base: E 128, H 768, 12 layers, 1 group, 12 heads, FFN 3072).
AlbertConfig albert_base_config(int vocab_size);

}  // namespace edgemt::train
