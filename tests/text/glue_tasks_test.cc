// The GLUE task table: names, folders, label orders (HF datasets), metric sets.
#include "text/glue_test_helpers.h"

namespace edgemt::glue {
namespace {

using namespace test;  // NOLINT: test helpers

// ---- The task table ----

TEST(GlueTasks, ListsTheNineGlueTasksPlusMismatchedMnli) {
  EXPECT_EQ(task_names(), "sst2 cola mrpc stsb qqp mnli mnli-mm qnli rte wnli");
  EXPECT_EQ(all_tasks().size(), 10u);
  EXPECT_EQ(find_task("SST-2"), nullptr);  // CLI names only, not folder names
  EXPECT_EQ(find_task("mnli-m"), nullptr);
  EXPECT_EQ(find_task(""), nullptr);
  for (const auto& t : all_tasks()) EXPECT_EQ(find_task(t.name), &t);
}

TEST(GlueTasks, FoldersAndFiles) {
  EXPECT_EQ(task("sst2").dir, "SST-2");
  EXPECT_EQ(task("cola").dir, "CoLA");
  EXPECT_EQ(task("stsb").dir, "STS-B");
  EXPECT_EQ(task("mnli").dir, "MNLI");
  EXPECT_EQ(task("mnli").dev_file, "dev_matched.tsv");
  EXPECT_EQ(task("mnli").test_file, "test_matched.tsv");
  EXPECT_EQ(task("mnli-mm").dir, "MNLI");
  EXPECT_EQ(task("mnli-mm").dev_file, "dev_mismatched.tsv");
  EXPECT_EQ(task("mnli-mm").test_file, "test_mismatched.tsv");
  for (const char* name : {"sst2", "cola", "mrpc", "stsb", "qqp", "qnli", "rte", "wnli"}) {
    EXPECT_EQ(task(name).dev_file, "dev.tsv") << name;
    EXPECT_EQ(task(name).test_file, "test.tsv") << name;
  }
}

TEST(GlueTasks, LabelOrdersFollowHfDatasets) {
  using L = std::vector<std::string_view>;
  EXPECT_EQ(task("sst2").labels, (L{"negative", "positive"}));
  EXPECT_EQ(task("cola").labels, (L{"unacceptable", "acceptable"}));
  EXPECT_EQ(task("mrpc").labels, (L{"not_equivalent", "equivalent"}));
  EXPECT_EQ(task("qqp").labels, (L{"not_duplicate", "duplicate"}));
  EXPECT_EQ(task("mnli").labels, (L{"entailment", "neutral", "contradiction"}));
  EXPECT_EQ(task("mnli-mm").labels, (L{"entailment", "neutral", "contradiction"}));
  EXPECT_EQ(task("qnli").labels, (L{"entailment", "not_entailment"}));
  EXPECT_EQ(task("rte").labels, (L{"entailment", "not_entailment"}));
  EXPECT_EQ(task("wnli").labels, (L{"not_entailment", "entailment"}));  // files: 1 = entailment
  EXPECT_TRUE(task("stsb").labels.empty());                             // regression
  for (const char* name : {"sst2", "cola", "mrpc", "qqp", "wnli"}) EXPECT_TRUE(task(name).labels_as_ids) << name;
  for (const char* name : {"mnli", "mnli-mm", "qnli", "rte"}) EXPECT_FALSE(task(name).labels_as_ids) << name;
}

TEST(GlueTasks, MetricSets) {
  using M = std::vector<Metric>;
  EXPECT_EQ(task("cola").metrics, (M{Metric::Mcc}));
  EXPECT_EQ(task("stsb").metrics, (M{Metric::Pearson, Metric::Spearman}));
  EXPECT_EQ(task("mrpc").metrics, (M{Metric::F1, Metric::Accuracy}));
  EXPECT_EQ(task("qqp").metrics, (M{Metric::F1, Metric::Accuracy}));
  for (const char* name : {"sst2", "mnli", "mnli-mm", "qnli", "rte", "wnli"})
    EXPECT_EQ(task(name).metrics, (M{Metric::Accuracy})) << name;
  EXPECT_EQ(metric_key(Metric::Accuracy), "accuracy");
  EXPECT_EQ(metric_key(Metric::F1), "f1");
  EXPECT_EQ(metric_key(Metric::Mcc), "mcc");
  EXPECT_EQ(metric_key(Metric::Pearson), "pearson");
  EXPECT_EQ(metric_key(Metric::Spearman), "spearman");
}

}  // namespace
}  // namespace edgemt::glue
