// Batches of an encoded GLUE split for the trainer (dynamic padding) and the task's GLUE metrics.
#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "text/glue_tasks.h"
#include "train/task_data.h"

namespace edgemt::train {

// A batch of examples padded to its longest: ids, token types, mask [B, T]; labels [B] (long, or
// float for regression).
struct Batch {
  torch::Tensor ids, types, mask, labels;
};

Batch make_batch(const TaskSplit& s, std::span<const size_t> rows, int pad_id, bool regression,
                 const torch::Device& device);

// The GLUE task encoded file `path` was made for; an unknown one is an edgemt::Error naming the file.
const glue::TaskSpec& task_of(const TaskData& data, const std::filesystem::path& path);

// The task's GLUE metrics (metric_key → value) of predictions (class ids as floats, or scores).
std::map<std::string, double> glue_metrics(const glue::TaskSpec& task, const std::vector<float>& pred,
                                           const std::vector<float>& gold);

}  // namespace edgemt::train
