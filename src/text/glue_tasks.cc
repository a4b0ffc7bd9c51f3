// GLUE task table. Label orders follow the HF `datasets` GLUE configs, which checkpoints use:
// MNLI entailment 0 / neutral 1 / contradiction 2; QNLI and RTE entailment 0 / not_entailment 1;
// WNLI's files hold 0/1 with 1 = entailment (so its order is the reverse of RTE's).
#include "text/glue_tasks.h"

namespace edgemt::glue {

const std::vector<TaskSpec>& all_tasks() {
  using M = Metric;
  static const std::vector<TaskSpec> kTasks = {
      {"sst2", "SST-2", "dev.tsv", "test.tsv", true, "sentence", "", "label", "index", 0, 0,
       {"negative", "positive"}, true, {M::Accuracy}},
      {"cola", "CoLA", "dev.tsv", "test.tsv", false, "sentence", "", "label", "index", 3, 1,
       {"unacceptable", "acceptable"}, true, {M::Mcc}},
      {"mrpc", "MRPC", "dev.tsv", "test.tsv", true, "#1 String", "#2 String", "Quality", "index", 0, 0,
       {"not_equivalent", "equivalent"}, true, {M::F1, M::Accuracy}},
      {"stsb", "STS-B", "dev.tsv", "test.tsv", true, "sentence1", "sentence2", "score", "index", 0, 0,
       {}, false, {M::Pearson, M::Spearman}},
      {"qqp", "QQP", "dev.tsv", "test.tsv", true, "question1", "question2", "is_duplicate", "id", 0, 0,
       {"not_duplicate", "duplicate"}, true, {M::F1, M::Accuracy}},
      {"mnli", "MNLI", "dev_matched.tsv", "test_matched.tsv", true, "sentence1", "sentence2", "gold_label", "index",
       0, 0, {"entailment", "neutral", "contradiction"}, false, {M::Accuracy}},
      {"mnli-mm", "MNLI", "dev_mismatched.tsv", "test_mismatched.tsv", true, "sentence1", "sentence2", "gold_label",
       "index", 0, 0, {"entailment", "neutral", "contradiction"}, false, {M::Accuracy}},
      {"qnli", "QNLI", "dev.tsv", "test.tsv", true, "question", "sentence", "label", "index", 0, 0,
       {"entailment", "not_entailment"}, false, {M::Accuracy}},
      {"rte", "RTE", "dev.tsv", "test.tsv", true, "sentence1", "sentence2", "label", "index", 0, 0,
       {"entailment", "not_entailment"}, false, {M::Accuracy}},
      {"wnli", "WNLI", "dev.tsv", "test.tsv", true, "sentence1", "sentence2", "label", "index", 0, 0,
       {"not_entailment", "entailment"}, true, {M::Accuracy}},
  };
  return kTasks;
}

const TaskSpec* find_task(std::string_view name) {
  for (const auto& t : all_tasks())
    if (t.name == name) return &t;
  return nullptr;
}

std::string task_names() {
  std::string s;
  for (const auto& t : all_tasks()) s += (s.empty() ? "" : " ") + std::string(t.name);
  return s;
}

std::string_view metric_key(Metric m) {
  switch (m) {
    case Metric::Accuracy: return "accuracy";
    case Metric::F1: return "f1";
    case Metric::Mcc: return "mcc";
    case Metric::Pearson: return "pearson";
    case Metric::Spearman: return "spearman";
  }
  return "?";
}

}  // namespace edgemt::glue
