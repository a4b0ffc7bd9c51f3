// GLUE task table and TSV reader: hand-made files in each task's official layout (train/dev and
// test), BOM, CRLF, limits, bare quotes, every error path, and the real files in ../shared/glue.
#include "text/glue_reader.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/files.h"
#include "support/paths.h"
#include "text/glue_tasks.h"

namespace edgemt::glue {
namespace {

namespace fs = std::filesystem;
using Rows = std::vector<std::vector<std::string>>;

const TaskSpec& task(std::string_view name) {
  const TaskSpec* t = find_task(name);
  if (!t) throw std::invalid_argument("no GLUE task '" + std::string(name) + "'");
  return *t;
}

// Tab-separated, '\n'-terminated lines.
std::string tsv(const Rows& rows) {
  std::string s;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) s += (i ? "\t" : "") + row[i];
    s += '\n';
  }
  return s;
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// What one example must hold; `index` is the file's id column, else the 0-based example number.
struct Want {
  std::string index = {};
  std::string a = {};
  std::optional<std::string> b = std::nullopt;
  std::optional<int> label = std::nullopt;
  std::optional<float> score = std::nullopt;
  size_t line = 0;
};

void expect_examples(const Dataset& ds, const std::vector<Want>& want) {
  ASSERT_EQ(ds.examples.size(), want.size()) << ds.path;
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("example " + std::to_string(i) + " of " + ds.path.string());
    const Example& ex = ds.examples[i];
    EXPECT_EQ(ex.index, want[i].index);
    EXPECT_EQ(ex.text_a, want[i].a);
    EXPECT_EQ(ex.text_b, want[i].b);
    EXPECT_EQ(ex.label, want[i].label);
    EXPECT_EQ(ex.score, want[i].score);  // exact: "3.800" parses to the float nearest 3.8, as 3.8f is
    EXPECT_EQ(ex.line, want[i].line);
  }
}

class GlueReader : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::temp_dir(std::string("glue_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  fs::path write(const std::string& file, const std::string& text) {
    const fs::path p = dir_ / file;
    testing::write_text(p, text);
    return p;
  }

  Dataset read(std::string_view name, const std::string& file, const std::string& text, size_t limit = 0) {
    return read_glue_file(task(name), write(file, text), limit);
  }

  // The message of the edgemt::Error that reading `path` throws (any other exception fails the test).
  std::string error_at(std::string_view name, const fs::path& path) {
    try {
      read_glue_file(task(name), path);
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "reading " << path << " as " << name << " did not throw edgemt::Error";
    return "";
  }

  std::string error_of(std::string_view name, const std::string& file, const std::string& text) {
    return error_at(name, write(file, text));
  }

  fs::path dir_;
};

class GlueReaderErrors : public GlueReader {};

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

// ---- Each task in its official layout ----

TEST_F(GlueReader, Sst2) {
  const Dataset train = read("sst2", "train.tsv",
                             "sentence\tlabel\n"
                             "it 's a charming and often affecting journey . \t1\n"
                             "unflinchingly bleak and desperate \t0\n");
  EXPECT_TRUE(train.labelled);
  expect_examples(train, {{.index = "0", .a = "it 's a charming and often affecting journey . ", .label = 1, .line = 2},
                          {.index = "1", .a = "unflinchingly bleak and desperate ", .label = 0, .line = 3}});

  const Dataset test = read("sst2", "test.tsv",
                            "index\tsentence\n"
                            "7\tuneasy mishmash of styles and genres .\n"
                            "12\ta poor -- if durable -- imitation .\n");
  EXPECT_FALSE(test.labelled);
  expect_examples(test, {{.index = "7", .a = "uneasy mishmash of styles and genres .", .line = 2},
                         {.index = "12", .a = "a poor -- if durable -- imitation .", .line = 3}});
}

TEST_F(GlueReader, ColaHeaderlessTrainAndHeaderedTest) {
  // train/dev: source, label, original mark, sentence — no header, so the first line is an example.
  const Dataset dev = read("cola", "dev.tsv",
                           "gj04\t1\t\tThe sailors rode the breeze clear of the rocks.\n"
                           "gj04\t0\t*\tThe more you eat, the \"more\" you want.\n"
                           "w_80\t1\t\tindex\n");
  EXPECT_TRUE(dev.labelled);
  expect_examples(dev, {{.index = "0", .a = "The sailors rode the breeze clear of the rocks.", .label = 1, .line = 1},
                        {.index = "1", .a = "The more you eat, the \"more\" you want.", .label = 0, .line = 2},
                        {.index = "2", .a = "index", .label = 1, .line = 3}});

  const Dataset test = read("cola", "test.tsv",
                            "index\tsentence\n"
                            "1061\tBill whistled past the house.\n"
                            "1062\tA picture of himself frightened John.\n");
  EXPECT_FALSE(test.labelled);
  expect_examples(test, {{.index = "1061", .a = "Bill whistled past the house.", .line = 2},
                         {.index = "1062", .a = "A picture of himself frightened John.", .line = 3}});
}

TEST_F(GlueReader, MrpcBomQualityAndTest) {
  // The BOM sits in front of "Quality": unless it is stripped the label column is not found.
  const Dataset dev = read(
      "mrpc", "dev.tsv",
      "\xEF\xBB\xBFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
      "1\t702876\t702977\tAmrozi accused his brother, whom he called \"the witness\", of distorting his evidence.\t"
      "Referring to him as only \"the witness\", Amrozi accused his brother.\n"
      "0\t2108705\t2108831\tYucaipa owned Dominick's before selling the chain to Safeway in 1998 for $2.5 billion.\t"
      "\"The caf\xC3\xA9 was sold for $1.8 billion in 1998.\n");
  EXPECT_TRUE(dev.labelled);
  expect_examples(dev, {{.index = "0",
                         .a = "Amrozi accused his brother, whom he called \"the witness\", of distorting his evidence.",
                         .b = "Referring to him as only \"the witness\", Amrozi accused his brother.",
                         .label = 1,
                         .line = 2},
                        {.index = "1",
                         .a = "Yucaipa owned Dominick's before selling the chain to Safeway in 1998 for $2.5 billion.",
                         .b = "\"The caf\xC3\xA9 was sold for $1.8 billion in 1998.",
                         .label = 0,
                         .line = 3}});
  EXPECT_EQ(task("mrpc").labels[1], "equivalent");

  const Dataset test = read("mrpc", "test.tsv",
                            "index\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
                            "0\t1089874\t1089925\tPCCW's chief operating officer will report to Mr So.\t"
                            "Mike Butcher will report to So.\n");
  EXPECT_FALSE(test.labelled);
  expect_examples(test, {{.index = "0",
                          .a = "PCCW's chief operating officer will report to Mr So.",
                          .b = "Mike Butcher will report to So.",
                          .line = 2}});
}

TEST_F(GlueReader, StsbScoresAndTest) {
  const std::vector<std::string> header{"index",   "genre",   "filename",  "year",      "old_index",
                                        "source1", "source2", "sentence1", "sentence2", "score"};
  const Dataset train =
      read("stsb", "train.tsv",
           tsv({header,
                {"10", "main-captions", "MSRvid", "2012test", "0001", "none", "none", "A plane is taking off.",
                 "An air plane is taking off.", "5.000"},
                {"11", "main-captions", "MSRvid", "2012test", "0004", "none", "none", "A man is playing a large flute.",
                 "A man is playing a flute.", "3.800"},
                {"12", "main-news", "headlines", "2016", "1492", "Europe Media Monitor", "Europe Media Monitor",
                 "Putin spokesman: charges unfounded", "Tornado in Texas", "0"},
                {"13", "main-forums", "answers-forums", "2015", "0031", "none", "none", "It is a \"doubt\".",
                 "It's \"uncertain.", "0.25"}}));
  EXPECT_TRUE(train.labelled);
  expect_examples(
      train,
      {{.index = "10", .a = "A plane is taking off.", .b = "An air plane is taking off.", .score = 5.0f, .line = 2},
       {.index = "11",
        .a = "A man is playing a large flute.",
        .b = "A man is playing a flute.",
        .score = 3.8f,
        .line = 3},
       {.index = "12", .a = "Putin spokesman: charges unfounded", .b = "Tornado in Texas", .score = 0.0f, .line = 4},
       {.index = "13", .a = "It is a \"doubt\".", .b = "It's \"uncertain.", .score = 0.25f, .line = 5}});

  std::vector<std::string> test_header(header.begin(), header.end() - 1);
  const Dataset test = read(
      "stsb", "test.tsv",
      tsv({test_header,
           {"0", "main-news", "headlines", "2016", "0001", "none", "none", "Kerry in Moscow.", "Kerry meets Putin."}}));
  EXPECT_FALSE(test.labelled);
  expect_examples(test, {{.index = "0", .a = "Kerry in Moscow.", .b = "Kerry meets Putin.", .line = 2}});
}

TEST_F(GlueReader, QqpIsDuplicateAndIdColumn) {
  const Dataset dev = read("qqp", "dev.tsv",
                           tsv({{"id", "qid1", "qid2", "question1", "question2", "is_duplicate"},
                                {"133273", "213221", "213222", "How is the life of a math student?",
                                 "Which level of preparation is enough for the exam?", "0"},
                                {"402555", "536040", "536041", "What is \"machine learning\"?",
                                 "How would you define \"machine learning\"?", "1"}}));
  EXPECT_TRUE(dev.labelled);
  expect_examples(dev, {{.index = "133273",
                         .a = "How is the life of a math student?",
                         .b = "Which level of preparation is enough for the exam?",
                         .label = 0,
                         .line = 2},
                        {.index = "402555",
                         .a = "What is \"machine learning\"?",
                         .b = "How would you define \"machine learning\"?",
                         .label = 1,
                         .line = 3}});
  EXPECT_EQ(task("qqp").labels[1], "duplicate");

  const Dataset test = read("qqp", "test.tsv",
                            tsv({{"id", "question1", "question2"},
                                 {"0", "Why do rockets look white?", "Why are rockets white?"},
                                 {"1", "What's causing someone to be jealous?", "What can I do to avoid jealousy?"}}));
  EXPECT_FALSE(test.labelled);
  expect_examples(test, {{.index = "0", .a = "Why do rockets look white?", .b = "Why are rockets white?", .line = 2},
                         {.index = "1",
                          .a = "What's causing someone to be jealous?",
                          .b = "What can I do to avoid jealousy?",
                          .line = 3}});
}

// MNLI rows: the eight leading columns, then the pair, then the label columns given.
std::vector<std::string> mnli_row(const std::string& index, const std::string& genre, const std::string& s1,
                                  const std::string& s2, const std::vector<std::string>& labels) {
  std::vector<std::string> row{index,
                               index + "1",
                               index + "1e",
                               genre,
                               "( ( " + s1 + " ) )",
                               "( ( " + s2 + " ) )",
                               "(ROOT (S " + s1 + "))",
                               "(ROOT (S " + s2 + "))",
                               s1,
                               s2};
  row.insert(row.end(), labels.begin(), labels.end());
  return row;
}

const std::vector<std::string> kMnliTestHeader{
    "index",           "promptID",        "pairID",    "genre",    "sentence1_binary_parse", "sentence2_binary_parse",
    "sentence1_parse", "sentence2_parse", "sentence1", "sentence2"};

TEST_F(GlueReader, MnliTrainUsesGoldLabel) {
  auto header = kMnliTestHeader;
  header.insert(header.end(), {"label1", "gold_label"});
  const Dataset train =
      read("mnli", "train.tsv",
           tsv({header,
                mnli_row("0", "government", "Cream skimming has two dimensions.", "Product and geography make it work.",
                         {"neutral", "neutral"}),
                mnli_row("1", "telephone", "You lose them to the next level.",
                         "You lose the things to the following level.", {"entailment", "entailment"}),
                mnli_row("2", "fiction", "He said \"no\".", "He said yes.", {"contradiction", "contradiction"})}));
  EXPECT_TRUE(train.labelled);
  expect_examples(train, {{.index = "0",
                           .a = "Cream skimming has two dimensions.",
                           .b = "Product and geography make it work.",
                           .label = 1,
                           .line = 2},
                          {.index = "1",
                           .a = "You lose them to the next level.",
                           .b = "You lose the things to the following level.",
                           .label = 0,
                           .line = 3},
                          {.index = "2", .a = "He said \"no\".", .b = "He said yes.", .label = 2, .line = 4}});
}

TEST_F(GlueReader, MnliMatchedAndMismatchedDevAndTest) {
  auto header = kMnliTestHeader;
  header.insert(header.end(), {"label1", "label2", "label3", "label4", "label5", "gold_label"});
  // label1 disagrees with gold_label on every row: only gold_label may decide.
  const std::string dev = tsv(
      {header,
       mnli_row("0", "slate", "A man eats.", "Someone eats.",
                {"neutral", "entailment", "entailment", "entailment", "neutral", "entailment"}),
       mnli_row("1", "travel", "The hotel is old.", "The hotel is popular.",
                {"contradiction", "neutral", "neutral", "neutral", "contradiction", "neutral"}),
       mnli_row("2", "oup", "It rained.", "It was dry.",
                {"entailment", "contradiction", "contradiction", "contradiction", "contradiction", "contradiction"})});
  const std::vector<Want> want{
      {.index = "0", .a = "A man eats.", .b = "Someone eats.", .label = 0, .line = 2},
      {.index = "1", .a = "The hotel is old.", .b = "The hotel is popular.", .label = 1, .line = 3},
      {.index = "2", .a = "It rained.", .b = "It was dry.", .label = 2, .line = 4}};
  for (const char* name : {"mnli", "mnli-mm"}) {
    SCOPED_TRACE(name);
    const Dataset ds = read(name, std::string(task(name).dev_file), dev);
    EXPECT_TRUE(ds.labelled);
    expect_examples(ds, want);
  }

  const std::string test =
      tsv({kMnliTestHeader, mnli_row("9796", "fiction", "Hierbas, ans seco.", "Hierbas is a name.", {})});
  for (const char* name : {"mnli", "mnli-mm"}) {
    SCOPED_TRACE(name);
    const Dataset ds = read(name, std::string(task(name).test_file), test);
    EXPECT_FALSE(ds.labelled);
    expect_examples(ds, {{.index = "9796", .a = "Hierbas, ans seco.", .b = "Hierbas is a name.", .line = 2}});
  }
}

TEST_F(GlueReader, QnliEntailmentIsZero) {
  const Dataset dev =
      read("qnli", "dev.tsv",
           "index\tquestion\tsentence\tlabel\n"
           "0\tWhat came into force?\tThe new constitution came into force.\tentailment\n"
           "1\tWhat is the first major city?\tThe tributaries are the Ill and the Neckar.\tnot_entailment\n");
  EXPECT_TRUE(dev.labelled);
  expect_examples(dev, {{.index = "0",
                         .a = "What came into force?",
                         .b = "The new constitution came into force.",
                         .label = 0,
                         .line = 2},
                        {.index = "1",
                         .a = "What is the first major city?",
                         .b = "The tributaries are the Ill and the Neckar.",
                         .label = 1,
                         .line = 3}});

  const Dataset test = read("qnli", "test.tsv",
                            "index\tquestion\tsentence\n"
                            "5462\tWho fought in the great Northern war?\tSweden and Russia fought.\n");
  EXPECT_FALSE(test.labelled);
  expect_examples(
      test,
      {{.index = "5462", .a = "Who fought in the great Northern war?", .b = "Sweden and Russia fought.", .line = 2}});
}

TEST_F(GlueReader, RteEntailmentIsZero) {
  const Dataset dev =
      read("rte", "dev.tsv",
           "index\tsentence1\tsentence2\tlabel\n"
           "0\tDana Reeve has died of lung cancer.\tChristopher Reeve had an accident.\tnot_entailment\n"
           "1\tBacteria are mutating faster.\tBacteria is winning the war.\tentailment\n");
  EXPECT_TRUE(dev.labelled);
  expect_examples(dev, {{.index = "0",
                         .a = "Dana Reeve has died of lung cancer.",
                         .b = "Christopher Reeve had an accident.",
                         .label = 1,
                         .line = 2},
                        {.index = "1",
                         .a = "Bacteria are mutating faster.",
                         .b = "Bacteria is winning the war.",
                         .label = 0,
                         .line = 3}});

  const Dataset test = read("rte", "test.tsv",
                            "index\tsentence1\tsentence2\n"
                            "0\tMamie Till died.\tEmmett Till was murdered.\n"
                            "1\tThe Gulf War started.\tIraq invaded Kuwait.\n");
  EXPECT_FALSE(test.labelled);
  expect_examples(test, {{.index = "0", .a = "Mamie Till died.", .b = "Emmett Till was murdered.", .line = 2},
                         {.index = "1", .a = "The Gulf War started.", .b = "Iraq invaded Kuwait.", .line = 3}});
}

TEST_F(GlueReader, WnliFileLabelOneIsEntailment) {
  const Dataset train = read("wnli", "train.tsv",
                             "index\tsentence1\tsentence2\tlabel\n"
                             "0\tI stuck a pin through a carrot. When I pulled the pin out, it had a hole.\t"
                             "The carrot had a hole.\t1\n"
                             "1\tSteve follows Fred's example in everything. He influences him hugely.\t"
                             "Steve influences him hugely.\t0\n");
  EXPECT_TRUE(train.labelled);
  expect_examples(train, {{.index = "0",
                           .a = "I stuck a pin through a carrot. When I pulled the pin out, it had a hole.",
                           .b = "The carrot had a hole.",
                           .label = 1,
                           .line = 2},
                          {.index = "1",
                           .a = "Steve follows Fred's example in everything. He influences him hugely.",
                           .b = "Steve influences him hugely.",
                           .label = 0,
                           .line = 3}});
  EXPECT_EQ(task("wnli").labels[static_cast<size_t>(*train.examples[0].label)], "entailment");
  EXPECT_EQ(task("wnli").labels[static_cast<size_t>(*train.examples[1].label)], "not_entailment");

  const Dataset test = read("wnli", "test.tsv",
                            "index\tsentence1\tsentence2\n"
                            "145\tThe cat sat on the mat because it was warm.\tThe mat was warm.\n");
  EXPECT_FALSE(test.labelled);
  expect_examples(
      test,
      {{.index = "145", .a = "The cat sat on the mat because it was warm.", .b = "The mat was warm.", .line = 2}});
}

// ---- Line endings, limits, quotes ----

TEST_F(GlueReader, CrlfLineEndings) {
  // The label is the last column: a kept '\r' would make "1\r" an unknown label.
  expect_examples(read("sst2", "dev.tsv", "sentence\tlabel\r\ngood film \t1\r\nbad film \t0\r\n"),
                  {{.index = "0", .a = "good film ", .label = 1, .line = 2},
                   {.index = "1", .a = "bad film ", .label = 0, .line = 3}});
  // CoLA's sentence and every test file's second text are last: no '\r' may stay in the text.
  expect_examples(read("cola", "dev.tsv", "gj04\t1\t\tThe sailors rode.\r\ngj04\t0\t*\tRode the sailors.\r\n"),
                  {{.index = "0", .a = "The sailors rode.", .label = 1, .line = 1},
                   {.index = "1", .a = "Rode the sailors.", .label = 0, .line = 2}});
  expect_examples(read("rte", "test.tsv", "index\tsentence1\tsentence2\r\n3\tA.\tB.\r\n"),
                  {{.index = "3", .a = "A.", .b = "B.", .line = 2}});
  // BOM and CRLF together, as a Windows tool would save MRPC.
  expect_examples(
      read("mrpc", "train.tsv", "\xEF\xBB\xBFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n1\t1\t2\tOne.\tUno.\r\n"),
      {{.index = "0", .a = "One.", .b = "Uno.", .label = 1, .line = 2}});
}

TEST_F(GlueReader, FinalNewlineIsOptional) {
  // CoLA's real dev.tsv has no newline after its last row.
  expect_examples(
      read("cola", "dev.tsv", "gj04\t1\t\tFirst.\nw_80\t0\t*\tLast."),
      {{.index = "0", .a = "First.", .label = 1, .line = 1}, {.index = "1", .a = "Last.", .label = 0, .line = 2}});
  expect_examples(read("sst2", "a.tsv", "sentence\tlabel\nfine \t1"),
                  {{.index = "0", .a = "fine ", .label = 1, .line = 2}});
  // One empty line at the end is tolerated …
  expect_examples(read("sst2", "b.tsv", "sentence\tlabel\nfine \t1\n\n"),
                  {{.index = "0", .a = "fine ", .label = 1, .line = 2}});
}

TEST_F(GlueReader, LimitStopsAfterThatManyExamples) {
  const std::string text =
      "index\tsentence1\tsentence2\tlabel\n"
      "0\tA.\tB.\tentailment\n"
      "1\tC.\tD.\tnot_entailment\n"
      "2\tE.\tF.\tentailment\n"
      "3\tG.\tH.\tnot_entailment\n";
  expect_examples(read("rte", "dev.tsv", text, 2), {{.index = "0", .a = "A.", .b = "B.", .label = 0, .line = 2},
                                                    {.index = "1", .a = "C.", .b = "D.", .label = 1, .line = 3}});
  EXPECT_EQ(read("rte", "dev.tsv", text, 1).examples.size(), 1u);
  EXPECT_EQ(read("rte", "dev.tsv", text, 0).examples.size(), 4u);  // 0: no limit
  EXPECT_EQ(read("rte", "dev.tsv", text, 4).examples.size(), 4u);
  EXPECT_EQ(read("rte", "dev.tsv", text, 100).examples.size(), 4u);
  // Header-less CoLA: the limit counts examples, not lines.
  EXPECT_EQ(read("cola", "dev.tsv", "a\t1\t\tX.\nb\t0\t*\tY.\nc\t1\t\tZ.\n", 2).examples.size(), 2u);
}

TEST_F(GlueReader, BareQuotesAreKeptVerbatim) {
  // No CSV quote processing: a quote neither opens nor closes a field, "" stays two characters.
  const std::string danny = "\"Danny Kennedy said: \"\"The burden of proof lies with the Commonwealth.\"\"\"";
  const Dataset rte = read("rte", "dev.tsv",
                           "index\tsentence1\tsentence2\tlabel\n"
                           "276\t" +
                               danny +
                               "\tGreenpeace said that peace is terrorism.\tnot_entailment\n"
                               "277\t\"\t\"unclosed quote\tentailment\n"
                               "278\tends with a quote\"\t\"\"\tentailment\n");
  expect_examples(rte,
                  {{.index = "276", .a = danny, .b = "Greenpeace said that peace is terrorism.", .label = 1, .line = 2},
                   {.index = "277", .a = "\"", .b = "\"unclosed quote", .label = 0, .line = 3},
                   {.index = "278", .a = "ends with a quote\"", .b = "\"\"", .label = 0, .line = 4}});
  // A quoted tab still separates columns.
  const fs::path quoted_tab = write("tab.tsv", "index\tsentence1\tsentence2\tlabel\n0\t\"A\tB\"\tC\tentailment\n");
  const std::string msg = error_at("rte", quoted_tab);
  EXPECT_TRUE(contains(msg, quoted_tab.string() + ":2: expected 4 tab-separated columns, got 5"));
}

TEST_F(GlueReader, EmptyTextFieldsAreKept) {
  expect_examples(read("rte", "dev.tsv", "index\tsentence1\tsentence2\tlabel\n0\t\t\tentailment\n"),
                  {{.index = "0", .a = "", .b = "", .label = 0, .line = 2}});
}

// ---- Error paths: every message names file:line and what was expected ----

TEST_F(GlueReaderErrors, WrongColumnCount) {
  const fs::path rte = write("rte.tsv",
                             "index\tsentence1\tsentence2\tlabel\n"
                             "0\tA.\tB.\tentailment\n"
                             "1\tC.\tnot_entailment\n");
  EXPECT_TRUE(contains(error_at("rte", rte), rte.string() + ":3: expected 4 tab-separated columns, got 3"));
  // A labelled row in a test file has one column too many.
  const fs::path test = write("test.tsv", "index\tsentence1\tsentence2\n0\tA.\tB.\tentailment\n");
  EXPECT_TRUE(contains(error_at("rte", test), test.string() + ":2: expected 3 tab-separated columns, got 4"));
  const fs::path cola = write("cola.tsv", "gj04\t1\t\tFine.\ngj04\t1\tToo few.\n");
  EXPECT_TRUE(contains(error_at("cola", cola), cola.string() + ":2: expected 4 tab-separated columns, got 3"));
  // Two columns on CoLA's first line make a test file only when the first one is "index".
  const fs::path cola2 = write("cola2.tsv", "gj04\tThe sailors rode.\n");
  EXPECT_TRUE(contains(error_at("cola", cola2), cola2.string() + ":1: expected 4 tab-separated columns, got 2"));
  // An empty line inside the file is a row with one column.
  const fs::path blank = write("blank.tsv", "sentence\tlabel\nfine \t1\n\nbad \t0\n");
  EXPECT_TRUE(contains(error_at("sst2", blank), blank.string() + ":3: expected 2 tab-separated columns, got 1"));
}

TEST_F(GlueReaderErrors, NonNumericScore) {
  const std::string header = "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n";
  const std::string row = "0\tmain-news\theadlines\t2016\t0001\tnone\tnone\tA.\tB.\t";
  for (const std::string score : {"high", "", "4.0abc", "4,5", "nan", "inf", " 3.0"}) {
    SCOPED_TRACE("score '" + score + "'");
    const fs::path p = write("stsb.tsv", header + row + "5.000\n" + row + score + "\n");
    EXPECT_TRUE(contains(error_at("stsb", p), p.string() + ":3: score '" + score + "' is not a number"));
  }
}

TEST_F(GlueReaderErrors, UnknownLabel) {
  const fs::path rte = write("rte.tsv",
                             "index\tsentence1\tsentence2\tlabel\n"
                             "0\tA.\tB.\tentailment\n"
                             "1\tC.\tD.\tentails\n");
  EXPECT_TRUE(contains(error_at("rte", rte),
                       rte.string() + ":3: unknown label 'entails' (expected one of entailment, not_entailment)"));
  const fs::path rte_case = write("rte_case.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\tEntailment\n");
  EXPECT_TRUE(contains(error_at("rte", rte_case), rte_case.string() + ":2: unknown label 'Entailment'"));
  // SNLI-style "-" (no gold label) is not an MNLI label.
  auto header = kMnliTestHeader;
  header.insert(header.end(), {"label1", "gold_label"});
  const fs::path mnli = write("mnli.tsv", tsv({header, mnli_row("0", "slate", "A.", "B.", {"neutral", "-"})}));
  EXPECT_TRUE(contains(error_at("mnli", mnli),
                       mnli.string() + ":2: unknown label '-' (expected one of entailment, neutral, contradiction)"));
  // Id-labelled tasks: only 0 .. C-1; names are not accepted there.
  const fs::path sst2 = write("sst2.tsv", "sentence\tlabel\nok \t1\nwhat \t2\n");
  EXPECT_TRUE(contains(error_at("sst2", sst2), sst2.string() + ":3: unknown label '2' (expected one of 0, 1)"));
  const fs::path neg = write("neg.tsv", "sentence\tlabel\nok \t-1\n");
  EXPECT_TRUE(contains(error_at("sst2", neg), neg.string() + ":2: unknown label '-1' (expected one of 0, 1)"));
  const fs::path wnli = write("wnli.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\tentailment\n");
  EXPECT_TRUE(
      contains(error_at("wnli", wnli), wnli.string() + ":2: unknown label 'entailment' (expected one of 0, 1)"));
  const fs::path cola = write("cola.tsv", "gj04\t1\t\tFine.\ngj04\t1.0\t\tFine.\n");
  EXPECT_TRUE(contains(error_at("cola", cola), cola.string() + ":2: unknown label '1.0' (expected one of 0, 1)"));
}

TEST_F(GlueReaderErrors, MissingHeader) {
  const fs::path rte = write("rte.tsv", "0\tA.\tB.\tentailment\n1\tC.\tD.\tnot_entailment\n");
  const std::string msg = error_at("rte", rte);
  EXPECT_TRUE(contains(msg, rte.string() + ":1: expected a header with columns sentence1, sentence2 and label"));
  EXPECT_TRUE(contains(msg, "(or index for a test file) for RTE"));
  EXPECT_TRUE(contains(msg, "got '0, A., B., entailment'"));
  const fs::path sst2 = write("sst2.tsv", "it 's fine . \t1\n");
  EXPECT_TRUE(
      contains(error_at("sst2", sst2), sst2.string() + ":1: expected a header with columns sentence and label"));
  // MRPC without its header row.
  const fs::path mrpc = write("mrpc.tsv", "1\t702876\t702977\tA.\tB.\n");
  EXPECT_TRUE(contains(error_at("mrpc", mrpc),
                       mrpc.string() + ":1: expected a header with columns #1 String, #2 String and Quality"));
  // Neither the label nor a test file's index column.
  const fs::path no_label = write("no_label.tsv", "sentence\tscore\nfine \t1\n");
  EXPECT_TRUE(contains(error_at("sst2", no_label),
                       no_label.string() + ":1: expected a header with columns sentence and label (or index for a test "
                                           "file) for SST-2, got 'sentence, score'"));
  // A pair task's header without its second text column.
  const fs::path qnli = write("qnli.tsv", "index\tquestion\tlabel\n0\tWhy?\tentailment\n");
  EXPECT_TRUE(
      contains(error_at("qnli", qnli), qnli.string() + ":1: expected a header with columns question, sentence"));
}

TEST_F(GlueReaderErrors, HeaderOnlyHasNoExamples) {
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"rte", "index\tsentence1\tsentence2\tlabel\n"},
           {"rte", "index\tsentence1\tsentence2\tlabel"},
           {"sst2", "sentence\tlabel\n\n"},
           {"cola", "index\tsentence\n"},
           {"mrpc", "\xEF\xBB\xBFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n"}}) {
    SCOPED_TRACE(name + ": " + text);
    const fs::path p = write("header.tsv", text);
    EXPECT_TRUE(contains(error_at(name, p), p.string() + ": no examples (the file holds only a header)"));
  }
}

TEST_F(GlueReaderErrors, EmptyFile) {
  const fs::path p = write("empty.tsv", "");
  EXPECT_TRUE(contains(error_at("rte", p), p.string() + ": empty file, expected the RTE layout"));
  EXPECT_TRUE(contains(error_at("cola", p), p.string() + ": empty file, expected the CoLA layout"));
}

TEST_F(GlueReaderErrors, MissingFile) {
  const fs::path p = dir_ / "no_such_dir" / "dev.tsv";
  EXPECT_TRUE(contains(error_at("sst2", p), p.string() + ": cannot open"));
}

TEST_F(GlueReaderErrors, InvalidUtf8) {
  // Offsets are 0-based within the line: "1\tcaf" is 5 bytes, then the Latin-1 é (0xE9).
  const fs::path latin1 = write("latin1.tsv",
                                "index\tsentence1\tsentence2\tlabel\n"
                                "0\tA.\tB.\tentailment\n"
                                "1\tcaf\xE9\tB.\tentailment\n");
  EXPECT_TRUE(contains(error_at("rte", latin1), latin1.string() + ":3: not valid UTF-8 (byte 5 of the line)"));
  // Overlong '/', a stray continuation byte, a sequence cut short at the end of the line (before CRLF).
  const fs::path overlong = write("overlong.tsv", "sentence\tlabel\nx\xC0\xAF \t1\n");
  EXPECT_TRUE(contains(error_at("sst2", overlong), overlong.string() + ":2: not valid UTF-8 (byte 1 of the line)"));
  const fs::path stray = write("stray.tsv", "gj04\t1\t\tok\ngj04\t1\t\t\x80 no\n");
  EXPECT_TRUE(contains(error_at("cola", stray), stray.string() + ":2: not valid UTF-8 (byte 8 of the line)"));
  const fs::path cut = write("cut.tsv", "index\tsentence\r\n0\tEuro \xE2\x82\r\n");
  EXPECT_TRUE(contains(error_at("sst2", cut), cut.string() + ":2: not valid UTF-8 (byte 7 of the line)"));
  // In the header itself; a BOM alone is fine, half a BOM is not.
  const fs::path half_bom =
      write("half_bom.tsv", "\xEF\xBBQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tA.\tB.\n");
  EXPECT_TRUE(contains(error_at("mrpc", half_bom), half_bom.string() + ":1: not valid UTF-8 (byte 0 of the line)"));
}

// ---- The real GLUE files in ../shared/glue ----

fs::path glue_dir() { return testing::shared_dir() / "glue"; }

Dataset read_shared(std::string_view name, const std::string& file) {
  return read_glue_file(task(name), glue_dir() / task(name).dir / file);
}

size_t count_label(const Dataset& ds, int label) {
  return static_cast<size_t>(
      std::count_if(ds.examples.begin(), ds.examples.end(), [&](const Example& e) { return e.label == label; }));
}

class GlueShared : public ::testing::Test {
 protected:
  void SetUp() override {
    EDGEMT_REQUIRE_SHARED();
    ASSERT_TRUE(fs::is_directory(glue_dir())) << glue_dir();
  }
};

TEST_F(GlueShared, Sst2) {
  const Dataset dev = read_shared("sst2", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 872u);
  EXPECT_EQ(dev.examples[0].text_a, "it 's a charming and often affecting journey . ");
  EXPECT_EQ(dev.examples[0].label, 1);
  EXPECT_EQ(dev.examples[1].text_a, "unflinchingly bleak and desperate ");
  EXPECT_EQ(dev.examples[1].label, 0);
  EXPECT_EQ(dev.examples[871].line, 873u);
  EXPECT_EQ(count_label(dev, 1), 444u);  // counted with awk
  EXPECT_EQ(count_label(dev, 0), 428u);

  const Dataset test = read_shared("sst2", "test.tsv");
  EXPECT_FALSE(test.labelled);
  ASSERT_EQ(test.examples.size(), 1821u);
  EXPECT_EQ(test.examples[0].index, "0");
  EXPECT_EQ(test.examples[0].text_a, "uneasy mishmash of styles and genres .");
  EXPECT_EQ(test.examples[1820].index, "1820");
  EXPECT_EQ(test.examples[1820].label, std::nullopt);

  EXPECT_EQ(read_shared("sst2", "train.tsv").examples.size(), 67349u);
}

TEST_F(GlueShared, Cola) {
  const Dataset dev = read_shared("cola", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 1043u);
  EXPECT_EQ(dev.examples[0].text_a, "The sailors rode the breeze clear of the rocks.");
  EXPECT_EQ(dev.examples[0].label, 1);
  EXPECT_EQ(dev.examples[0].line, 1u);
  EXPECT_EQ(dev.examples[1042].text_a, "John talked to Bill about himself.");  // no final newline
  EXPECT_EQ(count_label(dev, 1), 721u);
  EXPECT_EQ(count_label(dev, 0), 322u);

  const Dataset test = read_shared("cola", "test.tsv");
  EXPECT_FALSE(test.labelled);
  ASSERT_EQ(test.examples.size(), 1063u);
  EXPECT_EQ(test.examples[0].index, "0");
  EXPECT_EQ(test.examples[0].text_a, "Bill whistled past the house.");
  EXPECT_EQ(test.examples[1062].index, "1062");
  EXPECT_EQ(test.examples[1062].text_a, "A picture of himself frightened John.");

  EXPECT_EQ(read_shared("cola", "train.tsv").examples.size(), 8551u);
}

TEST_F(GlueShared, Mrpc) {
  const Dataset dev = read_shared("mrpc", "dev.tsv");  // starts with a BOM
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 408u);
  EXPECT_EQ(dev.examples[0].label, 1);
  EXPECT_EQ(dev.examples[0].text_a,
            "He said the foodservice pie business doesn't fit the company's long-term growth strategy.");
  EXPECT_EQ(dev.examples[0].text_b, "\"The foodservice pie business does not fit our long-term growth strategy.");
  EXPECT_EQ(dev.examples[1].label, 0);
  EXPECT_EQ(dev.examples[407].text_b,
            "In Soviet times the Beatles' music \"was considered propaganda of an alien ideology.");
  EXPECT_EQ(count_label(dev, 1), 279u);
  EXPECT_EQ(count_label(dev, 0), 129u);

  const Dataset test = read_shared("mrpc", "test.tsv");
  EXPECT_FALSE(test.labelled);
  ASSERT_EQ(test.examples.size(), 1725u);
  EXPECT_EQ(test.examples[0].index, "0");
  EXPECT_EQ(test.examples[0].text_a,
            "PCCW's chief operating officer, Mike Butcher, and Alex Arena, the chief financial officer, will report "
            "directly to Mr So.");
  EXPECT_EQ(test.examples[1724].index, "1724");

  EXPECT_EQ(read_shared("mrpc", "train.tsv").examples.size(), 3668u);
}

TEST_F(GlueShared, Stsb) {
  const Dataset dev = read_shared("stsb", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 1500u);
  EXPECT_EQ(dev.examples[0].text_a, "A man with a hard hat is dancing.");
  EXPECT_EQ(dev.examples[0].text_b, "A man wearing a hard hat is dancing.");
  EXPECT_EQ(dev.examples[0].score, 5.0f);
  EXPECT_EQ(dev.examples[0].label, std::nullopt);
  EXPECT_EQ(dev.examples[1].text_a, "A young child is riding a horse.");
  EXPECT_EQ(dev.examples[1].score, 4.75f);
  EXPECT_EQ(dev.examples[1499].index, "1499");
  EXPECT_EQ(dev.examples[1499].score, 0.0f);
  // Exact decimal sum of the score column: 3545.861333…; each score is held as a float (error
  // ≤ 2.4e-7 for values ≤ 5), so 1500 of them stay within 3.6e-4.
  double sum = 0;
  for (const auto& e : dev.examples) sum += static_cast<double>(*e.score);
  EXPECT_NEAR(sum, 3545.8613333333333, 3.6e-4);

  EXPECT_EQ(read_shared("stsb", "train.tsv").examples.size(), 5749u);
}

TEST_F(GlueShared, Rte) {
  const Dataset dev = read_shared("rte", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 277u);
  EXPECT_EQ(dev.examples[0].text_a,
            "Dana Reeve, the widow of the actor Christopher Reeve, has died of lung cancer at age 44, according to "
            "the Christopher Reeve Foundation.");
  EXPECT_EQ(dev.examples[0].text_b, "Christopher Reeve had an accident.");
  EXPECT_EQ(dev.examples[0].label, 1);  // not_entailment
  EXPECT_EQ(dev.examples[1].label, 0);  // entailment
  // The last row looks CSV-quoted but must come through verbatim.
  const std::string& last = dev.examples[276].text_a;
  EXPECT_EQ(last.rfind("\"Danny Kennedy, Greenpeace campaigns director, said: \"\"The burden of proof", 0), 0u) << last;
  EXPECT_TRUE(last.ends_with("because [it] opposes his political opinions.\"\"\"")) << last;
  EXPECT_EQ(count_label(dev, 0), 146u);
  EXPECT_EQ(count_label(dev, 1), 131u);

  EXPECT_EQ(read_shared("rte", "train.tsv").examples.size(), 2490u);
}

TEST_F(GlueShared, Qnli) {
  const Dataset dev = read_shared("qnli", "dev.tsv");
  EXPECT_TRUE(dev.labelled);
  ASSERT_EQ(dev.examples.size(), 5463u);
  EXPECT_EQ(dev.examples[0].text_a, "What came into force after the new constitution was herald?");
  EXPECT_EQ(dev.examples[0].text_b,
            "As of that day, the new constitution heralding the Second Republic came into force.");
  EXPECT_EQ(dev.examples[0].label, 0);
  EXPECT_EQ(dev.examples[1].label, 1);
  EXPECT_EQ(count_label(dev, 0), 2702u);
  EXPECT_EQ(count_label(dev, 1), 2761u);

  const Dataset test = read_shared("qnli", "test.tsv");
  EXPECT_FALSE(test.labelled);
  ASSERT_EQ(test.examples.size(), 5463u);
  EXPECT_EQ(test.examples[0].index, "0");
  EXPECT_EQ(test.examples[0].text_a, "What organization is devoted to Jihad against Israel?");
  EXPECT_EQ(test.examples[1].text_a, "In what century was the Yarrow-Schlick-Tweedy balancing system used?");
  EXPECT_EQ(test.examples[5462].index, "5462");
}

}  // namespace
}  // namespace edgemt::glue
