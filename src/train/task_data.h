// An encoded GLUE task: every train and dev example as token ids ([CLS] A [SEP] (B [SEP])) with its
// segment split and label, in one safetensors file the trainer reads without a tokenizer
// (docs/formats.md, "Encoded GLUE task"). Written by `edgemt train encode-glue`.
//
//   tensor             dtype  shape    meaning
//   <split>.ids        I32    [T]      every example's ids, concatenated
//   <split>.offsets    I64    [N + 1]  example i = ids[offsets[i], offsets[i + 1]); 0 … T
//   <split>.segment_a  I32    [N]      tokens of segment A incl. [CLS] and its [SEP]
//   <split>.labels     F32    [N]      class id (as a float) or the regression target
//   __metadata__ "edgemt.task_data": JSON {"format": 1, "glue_task", "regression", "labels",
//                                           "max_length", "vocab_size", "pad_id", "splits"}
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace edgemt::train {

struct TaskSplit {
  std::string name;                // "train" | "dev"
  std::vector<int32_t> ids;        // [T] every example's token ids, concatenated ([CLS] a [SEP] (b [SEP]))
  std::vector<int64_t> offsets;    // [N + 1]; example i = ids[offsets[i], offsets[i + 1])
  std::vector<int32_t> segment_a;  // [N] tokens of segment A incl. [CLS] and its [SEP]; token type 1 after
  std::vector<float> labels;       // [N] class id (as a float) or the regression target
  size_t size() const { return segment_a.size(); }
};

struct TaskData {
  std::string glue_task;  // edgemt's GLUE name: "sst2", "stsb", …
  bool regression = false;
  std::vector<std::string> labels;  // class names in id order (empty for regression)
  int max_length = 128;             // truncation length used when encoding
  int vocab_size = 0;
  int pad_id = 0;
  std::vector<TaskSplit> splits;                        // "train" then "dev"
  const TaskSplit& split(std::string_view name) const;  // throws edgemt::Error when absent
};

inline constexpr int kTaskDataFormat = 1;
inline constexpr const char* kTaskDataKey = "edgemt.task_data";  // the __metadata__ key

// Validates `data` (as read_task_data does) and writes it atomically (temp file, fsync, rename).
void write_task_data(const std::filesystem::path& path, const TaskData& data);
// Reads and validates the whole file; throws edgemt::Error "<file>: <field>: what is wrong".
TaskData read_task_data(const std::filesystem::path& path);

}  // namespace edgemt::train
