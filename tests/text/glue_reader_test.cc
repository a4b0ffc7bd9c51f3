// The GLUE TSV reader on hand-made files in each task's official layout (train/dev and test),
// BOM, CRLF, limits, bare quotes and empty fields.
#include "text/glue_test_helpers.h"

namespace edgemt::glue {
namespace {

using namespace test;  // NOLINT: test helpers

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

}  // namespace
}  // namespace edgemt::glue
