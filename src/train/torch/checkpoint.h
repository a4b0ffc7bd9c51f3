// Training checkpoints: model parameters, optimiser state, step, data RNG and a fingerprint of the
// options that must not change across a resume; one file, written atomically (temp, fsync, rename).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "train/torch/albert_torch.h"
#include "train/torch/optim.h"

namespace edgemt::train {

struct CheckpointState {
  int64_t step = 0;         // optimiser steps done
  std::string rng;          // the data RNG's text form
  std::string fingerprint;  // options that must match on resume (config, shape, schedule, optimiser)
};

void save_checkpoint(const std::filesystem::path& path, AlbertForPreTraining& model, const Optimizer& optimizer,
                     const CheckpointState& state);

// Restores model and optimizer in place. Throws edgemt::Error naming the file when it is missing,
// truncated or corrupt, or was made with another fingerprint.
CheckpointState load_checkpoint(const std::filesystem::path& path, AlbertForPreTraining& model, Optimizer& optimizer,
                                const std::string& expected_fingerprint, const torch::Device& device);

}  // namespace edgemt::train
