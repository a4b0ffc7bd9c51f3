// Peak resident memory of serving a model's tasks: one task vs all of them, each measured in a
// fresh child process (peak RSS only grows within a process).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace edgemt::cli {

struct PeakRss {
  std::string task;      // the task the one-task process served ("" when the model has none)
  size_t one_task = 0;   // bytes: load the backbone + that task's pack, classify one sentence
  size_t all_tasks = 0;  // bytes: load every pack, classify one sentence with each
  size_t tasks = 0;      // how many the second process served
};

// Throws edgemt::Error when a child fails (its one-line error is passed on).
PeakRss measure_peak_rss(const std::filesystem::path& model_dir);

}  // namespace edgemt::cli
