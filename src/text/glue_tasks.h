// The nine GLUE tasks as data: file layout, label set (in GLUE / HF datasets order), metrics.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgemt::glue {

enum class Metric { Accuracy, F1, Mcc, Pearson, Spearman };

struct TaskSpec {
  std::string_view name;        // CLI spelling: sst2 cola mrpc stsb qqp mnli mnli-mm qnli rte wnli
  std::string_view dir;         // folder in the GLUE layout: SST-2, CoLA, …
  std::string_view dev_file;    // dev.tsv, dev_matched.tsv, dev_mismatched.tsv
  std::string_view test_file;   // test.tsv, test_matched.tsv, …
  bool has_header;              // CoLA train/dev have none (their test files do)
  // Columns: by header name when there is a header, else by position (CoLA).
  std::string_view text_a, text_b;  // text_b empty: single-sentence task
  std::string_view label;           // label / score column
  std::string_view index;           // test files' id column
  int text_a_pos, label_pos;        // positional layout (no header)
  std::vector<std::string_view> labels;  // ids in order; empty: regression (STS-B, 0–5)
  // How labels are written in the files: "names" (e.g. entailment) or "ids" (0, 1).
  bool labels_as_ids;
  std::vector<Metric> metrics;      // the GLUE metric set; the first is the headline
};

const std::vector<TaskSpec>& all_tasks();
// nullptr when unknown.
const TaskSpec* find_task(std::string_view name);
std::string task_names();  // "sst2 cola …" for messages
std::string_view metric_key(Metric m);  // accuracy f1 mcc pearson spearman

}  // namespace edgemt::glue
