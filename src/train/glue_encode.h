// `edgemt train encode-glue`: one GLUE task's train and dev files → an encoded task (task_data.h),
// tokenised exactly as the engine's eval path does (Tokenizer::encode, HF longest-first truncation).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

#include "text/glue_tasks.h"
#include "text/tokenizer.h"
#include "train/task_data.h"

namespace edgemt::train {

// Running counts of one split, passed to the progress callback.
struct EncodeProgress {
  std::string_view split;      // "train" | "dev"
  size_t done = 0, total = 0;  // examples
  size_t tokens = 0;           // specials included
  size_t truncated = 0;        // examples cut to max_length
};

// Reads <glue_dir>/<task.dir>/train.tsv and its dev file (MNLI: dev_matched.tsv, mnli-mm:
// dev_mismatched.tsv), `limit` > 0 examples of each at most, and encodes every example as
// Tokenizer::encode(text_a, text_b, max_length) does. Labels: the reader's class ids, or the STS-B
// score. pad_id is the tokenizer's <pad> (0 when it has none). `progress` (may be empty) is called
// every 1000 examples and when a split is done (done == total). Throws edgemt::Error naming the file
// (and line) for missing or malformed files, unlabelled files and text that cannot be tokenised, and
// for a max_length below 2 (3 for pair tasks).
TaskData encode_glue_task(const glue::TaskSpec& task, const std::filesystem::path& glue_dir, const text::Tokenizer& tok,
                          int max_length, size_t limit = 0,
                          const std::function<void(const EncodeProgress&)>& progress = {});

}  // namespace edgemt::train
