// GLUE tasks encoded for the trainer: ids exactly as the tokenizer (and so the engine's eval path)
// gives them, pair truncation, segments and labels, limits and progress, errors, and
// `edgemt train encode-glue` as a user runs it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "support/run_cli.h"
#include "text/glue_test_helpers.h"
#include "text/tokenizer.h"
#include "train/glue_encode.h"
#include "train/task_data.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using glue::test::contains;
using glue::test::Rows;
using glue::test::tsv;
using train::TaskData;
using train::TaskSplit;

fs::path demo_model() { return testing::source_dir() / "models/albert-tiny-sst2"; }

// The bundled model's tokenizer (its tokenizer_config.json: lower-case, accents stripped).
const text::Tokenizer& tok() {
  static const text::Tokenizer t(demo_model() / "spiece.model");
  return t;
}

const std::vector<std::string> kStsbHeader{"index",   "genre",   "filename",  "year",      "old_index",
                                           "source1", "source2", "sentence1", "sentence2", "score"};
const std::string kLong =
    "the film 's most impressive achievement is that it manages to be both thoughtful and wildly entertaining , "
    "a rare combination in any season";

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  testing::write_text(p, text);
}

// A GLUE directory in the official layout: SST-2, RTE and STS-B train and dev files.
fs::path make_glue_dir(const std::string& name) {
  const fs::path d = testing::temp_dir(name);
  put(d / "SST-2/train.tsv", tsv({{"sentence", "label"},
                                  {"a warm , funny and wise film . ", "1"},
                                  {"the dullest movie of the year . ", "0"},
                                  {kLong, "1"}}));
  put(d / "SST-2/dev.tsv",
      tsv({{"sentence", "label"}, {"it 's a charming journey . ", "1"}, {"bleak and desperate ", "0"}}));
  put(d / "RTE/train.tsv", tsv({{"index", "sentence1", "sentence2", "label"},
                                {"0", kLong, "It rained.", "not_entailment"},
                                {"1", kLong, kLong + " again", "entailment"},
                                {"2", "Bacteria are mutating faster.", "", "entailment"},
                                {"3", "Dana Reeve died.", "Reeve had an accident.", "not_entailment"}}));
  put(d / "RTE/dev.tsv", tsv({{"index", "sentence1", "sentence2", "label"},
                              {"0", "Mamie Till died.", "Emmett Till was murdered.", "entailment"}}));
  put(d / "STS-B/train.tsv", tsv({kStsbHeader,
                                  {"10", "main-captions", "MSRvid", "2012test", "0001", "none", "none",
                                   "A plane is taking off.", "An air plane is taking off.", "5.000"},
                                  {"11", "main-captions", "MSRvid", "2012test", "0004", "none", "none",
                                   "A man is playing a large flute.", "A man is playing a flute.", "3.800"}}));
  put(d / "STS-B/dev.tsv", tsv({kStsbHeader,
                                {"0", "main-news", "headlines", "2016", "0001", "none", "none", "Kerry in Moscow.",
                                 "Kerry meets Putin.", "0.25"}}));
  return d;
}

std::vector<int32_t> example_ids(const TaskSplit& s, size_t i) {
  return {s.ids.begin() + s.offsets[i], s.ids.begin() + s.offsets[i + 1]};
}

// Every example of `s` is what Tokenizer::encode gives for the file's texts, with its label.
void expect_like_tokenizer(const TaskSplit& s, const glue::TaskSpec& spec, const fs::path& file, int max_length,
                           size_t limit = 0) {
  const glue::Dataset ds = glue::read_glue_file(spec, file, limit);
  ASSERT_EQ(s.size(), ds.examples.size()) << file;
  ASSERT_EQ(s.offsets.size(), s.size() + 1);
  for (size_t i = 0; i < s.size(); ++i) {
    SCOPED_TRACE(file.string() + " example " + std::to_string(i));
    const auto& ex = ds.examples[i];
    const auto enc = tok().encode(ex.text_a, ex.text_b ? std::optional<std::string_view>(*ex.text_b) : std::nullopt,
                                  static_cast<size_t>(max_length));
    EXPECT_EQ(example_ids(s, i), enc.ids);
    EXPECT_EQ(s.segment_a[i], std::count(enc.type_ids.begin(), enc.type_ids.end(), 0));
    EXPECT_EQ(s.labels[i], ex.label ? static_cast<float>(*ex.label) : *ex.score);
  }
}

void expect_same(const TaskData& a, const TaskData& b) {
  EXPECT_EQ(a.glue_task, b.glue_task);
  EXPECT_EQ(a.regression, b.regression);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.max_length, b.max_length);
  EXPECT_EQ(a.vocab_size, b.vocab_size);
  EXPECT_EQ(a.pad_id, b.pad_id);
  ASSERT_EQ(a.splits.size(), b.splits.size());
  for (size_t i = 0; i < a.splits.size(); ++i) {
    EXPECT_EQ(a.splits[i].name, b.splits[i].name);
    EXPECT_EQ(a.splits[i].ids, b.splits[i].ids);
    EXPECT_EQ(a.splits[i].offsets, b.splits[i].offsets);
    EXPECT_EQ(a.splits[i].segment_a, b.splits[i].segment_a);
    EXPECT_EQ(a.splits[i].labels, b.splits[i].labels);
  }
}

std::string encode_error(std::string_view task, const fs::path& dir, int max_length = 128) {
  try {
    train::encode_glue_task(glue::test::task(task), dir, tok(), max_length);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "encoding " << task << " from " << dir << " did not throw edgemt::Error";
  return "";
}

TEST(GlueEncode, Sst2IdsAreTheTokenizersAndRoundTrip) {
  const fs::path d = make_glue_dir("encode_sst2");
  const auto& spec = glue::test::task("sst2");
  const TaskData data = train::encode_glue_task(spec, d, tok(), 128);
  EXPECT_EQ(data.glue_task, "sst2");
  EXPECT_FALSE(data.regression);
  EXPECT_EQ(data.labels, (std::vector<std::string>{"negative", "positive"}));
  EXPECT_EQ(data.max_length, 128);
  EXPECT_EQ(data.vocab_size, 4000);
  EXPECT_EQ(data.pad_id, tok().pad_id());
  ASSERT_EQ(data.splits.size(), 2u);
  EXPECT_EQ(data.splits[0].name, "train");
  EXPECT_EQ(data.splits[1].name, "dev");
  expect_like_tokenizer(data.split("train"), spec, d / "SST-2/train.tsv", 128);
  expect_like_tokenizer(data.split("dev"), spec, d / "SST-2/dev.tsv", 128);
  const TaskSplit& tr = data.split("train");
  EXPECT_EQ(tr.labels, (std::vector<float>{1, 0, 1}));
  for (size_t i = 0; i < tr.size(); ++i)  // single sentences: everything is segment A
    EXPECT_EQ(tr.segment_a[i], tr.offsets[i + 1] - tr.offsets[i]);
  // The first example spelled out: [CLS] pieces of the text [SEP].
  std::vector<int32_t> want = {tok().cls_id()};
  for (int32_t id : tok().tokenize("a warm , funny and wise film . ")) want.push_back(id);
  want.push_back(tok().sep_id());
  EXPECT_EQ(example_ids(tr, 0), want);

  const fs::path out = d / "sst2.safetensors";
  train::write_task_data(out, data);
  expect_same(train::read_task_data(out), data);
}

TEST(GlueEncode, PairsTruncateLongestFirstAndSplitSegments) {
  const fs::path d = make_glue_dir("encode_rte");
  const auto& spec = glue::test::task("rte");
  std::vector<train::EncodeProgress> calls;
  const TaskData data =
      train::encode_glue_task(spec, d, tok(), 24, 0, [&](const train::EncodeProgress& p) { calls.push_back(p); });
  expect_like_tokenizer(data.split("train"), spec, d / "RTE/train.tsv", 24);
  expect_like_tokenizer(data.split("dev"), spec, d / "RTE/dev.tsv", 24);
  const TaskSplit& s = data.split("train");
  EXPECT_EQ(s.labels, (std::vector<float>{1, 0, 0, 1}));  // entailment 0, not_entailment 1

  const size_t b0 = tok().tokenize("It rained.").size();
  ASSERT_LT(b0, 8u);
  ASSERT_GT(tok().tokenize(kLong).size(), 24u);  // alone longer than max_length
  // Long A, short B: only A is cut, B keeps every piece and its [SEP].
  EXPECT_EQ(s.offsets[1] - s.offsets[0], 24);
  EXPECT_EQ(s.segment_a[0], static_cast<int32_t>(24 - b0 - 1));
  // Both long: both are cut, to within one piece of each other.
  EXPECT_EQ(s.offsets[2] - s.offsets[1], 24);
  const int32_t a1 = s.segment_a[1] - 2, b1 = 24 - s.segment_a[1] - 1;
  EXPECT_LE(std::abs(a1 - b1), 1) << a1 << " " << b1;
  // An empty second sentence counts as no pair: [CLS] A [SEP], all segment A.
  EXPECT_EQ(s.segment_a[2], s.offsets[3] - s.offsets[2]);
  for (size_t i = 0; i < s.size(); ++i) {
    const auto ids = example_ids(s, i);
    EXPECT_EQ(ids.front(), tok().cls_id()) << i;
    EXPECT_EQ(ids[static_cast<size_t>(s.segment_a[i]) - 1], tok().sep_id()) << i;
    EXPECT_EQ(ids.back(), tok().sep_id()) << i;
    EXPECT_LE(ids.size(), 24u) << i;
  }
  // One call per split (fewer than 1000 examples), with the truncated count: the two long pairs.
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].split, "train");
  EXPECT_EQ(calls[0].done, 4u);
  EXPECT_EQ(calls[0].total, 4u);
  EXPECT_EQ(calls[0].truncated, 2u);
  EXPECT_EQ(calls[0].tokens, s.ids.size());
  EXPECT_EQ(calls[1].split, "dev");
  EXPECT_EQ(calls[1].truncated, 0u);
}

TEST(GlueEncode, ExactlyFullIsNotTruncated) {
  const fs::path d = make_glue_dir("encode_full");
  const auto& spec = glue::test::task("sst2");
  // max_length = the untruncated length of the longest train example: nothing is cut.
  const auto full = static_cast<int>(tok().tokenize(kLong).size() + 2);
  size_t truncated = 99;
  const TaskData data = train::encode_glue_task(spec, d, tok(), full, 0, [&](const train::EncodeProgress& p) {
    if (p.split == "train") truncated = p.truncated;
  });
  EXPECT_EQ(truncated, 0u);
  EXPECT_EQ(data.split("train").offsets[3] - data.split("train").offsets[2], full);
  train::encode_glue_task(spec, d, tok(), full - 1, 0, [&](const train::EncodeProgress& p) {
    if (p.split == "train") truncated = p.truncated;
  });
  EXPECT_EQ(truncated, 1u);
}

TEST(GlueEncode, StsbScoresAreRegressionTargets) {
  const fs::path d = make_glue_dir("encode_stsb");
  const auto& spec = glue::test::task("stsb");
  const TaskData data = train::encode_glue_task(spec, d, tok(), 128);
  EXPECT_TRUE(data.regression);
  EXPECT_TRUE(data.labels.empty());
  EXPECT_EQ(data.split("train").labels, (std::vector<float>{5.0f, 3.8f}));
  EXPECT_EQ(data.split("dev").labels, (std::vector<float>{0.25f}));
  expect_like_tokenizer(data.split("train"), spec, d / "STS-B/train.tsv", 128);
  const fs::path out = d / "stsb.safetensors";
  train::write_task_data(out, data);
  expect_same(train::read_task_data(out), data);
}

TEST(GlueEncode, LimitAndProgressEveryThousand) {
  const fs::path d = make_glue_dir("encode_limit");
  Rows rows = {{"sentence", "label"}};
  for (int i = 0; i < 2500; ++i) rows.push_back({"sentence number " + std::to_string(i) + " .", std::to_string(i % 2)});
  put(d / "SST-2/train.tsv", tsv(rows));
  std::vector<std::pair<std::string, size_t>> calls;
  const TaskData data =
      train::encode_glue_task(glue::test::task("sst2"), d, tok(), 128, 2100, [&](const train::EncodeProgress& p) {
        calls.emplace_back(std::string(p.split), p.done);
        EXPECT_LE(p.done, p.total);
      });
  EXPECT_EQ(data.split("train").size(), 2100u);
  EXPECT_EQ(data.split("dev").size(), 2u);
  EXPECT_EQ(data.split("train").labels[2099], 1.0f);
  const std::vector<std::pair<std::string, size_t>> want = {
      {"train", 1000}, {"train", 2000}, {"train", 2100}, {"dev", 2}};
  EXPECT_EQ(calls, want);
  EXPECT_EQ(train::encode_glue_task(glue::test::task("rte"), d, tok(), 128, 1).split("train").size(), 1u);
}

TEST(GlueEncode, ErrorsNameTheFile) {
  const fs::path d = make_glue_dir("encode_errors");
  EXPECT_TRUE(contains(encode_error("cola", d), "CoLA: not found (GLUE cola expects its train.tsv and dev.tsv there)"));
  put(d / "MNLI/train.tsv", "x\n");
  EXPECT_TRUE(contains(encode_error("mnli", d), "MNLI/train.tsv:1: "));  // the reader's error: no header columns
  put(d / "QNLI/train.tsv", tsv({{"index", "question", "sentence", "label"}, {"0", "Q?", "S.", "entailment"}}));
  EXPECT_TRUE(contains(encode_error("qnli", d), "QNLI/dev.tsv: cannot open"));
  put(d / "SST-2/train.tsv", tsv({{"index", "sentence"}, {"0", "a test file ."}}));
  EXPECT_TRUE(contains(encode_error("sst2", d), "SST-2/train.tsv: has no label column (a test file?)"));
  put(d / "SST-2/train.tsv", "sentence\tlabel\nfine .\t1\nbad \xe9t\xe9 .\t0\n");
  EXPECT_TRUE(contains(encode_error("sst2", d), "SST-2/train.tsv:3: not valid UTF-8"));
  EXPECT_TRUE(contains(encode_error("rte", d, 2),
                       "max_length 2 is too small for GLUE rte: [CLS] A [SEP] B [SEP] needs at least 3"));
  EXPECT_TRUE(contains(encode_error("sst2", d, 1), "max_length 1 is too small for GLUE sst2"));
}

// ---- The real SST-2 in ../shared/glue ----

TEST(GlueEncode, SharedSst2WithLimit) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path glue_dir = testing::shared_dir() / "glue";
  ASSERT_TRUE(fs::is_directory(glue_dir / "SST-2")) << glue_dir;
  const auto& spec = glue::test::task("sst2");
  const TaskData data = train::encode_glue_task(spec, glue_dir, tok(), 128, 300);
  EXPECT_EQ(data.split("train").size(), 300u);
  EXPECT_EQ(data.split("dev").size(), 300u);
  expect_like_tokenizer(data.split("train"), spec, glue_dir / "SST-2/train.tsv", 128, 300);
  expect_like_tokenizer(data.split("dev"), spec, glue_dir / "SST-2/dev.tsv", 128, 300);
  EXPECT_EQ(data.split("dev").labels[0], 1.0f);  // "it 's a charming and often affecting journey . "
  EXPECT_EQ(data.split("dev").labels[1], 0.0f);
}

// ---- edgemt train encode-glue ----

void expect_error(const testing::Result& r, int status, const std::string& needle) {
  EXPECT_EQ(r.status, status) << r.err;
  EXPECT_EQ(r.err.rfind("edgemt: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(contains(r.err, needle));
}

TEST(EncodeGlueCli, WritesTheTaskFileAndOneSummaryLine) {
  const fs::path d = make_glue_dir("encode_cli");
  const fs::path out = d / "rte.safetensors";
  const auto r = testing::run({"train", "encode-glue", "--model", demo_model().string(), "--glue-task", "rte", "--data",
                               d.string(), "--max-length", "24", "--out", out.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, out.string() + ": rte, train 4 examples (" +
                       std::to_string(train::read_task_data(out).split("train").ids.size()) +
                       " tokens, 2 truncated), dev 1 examples (" +
                       std::to_string(train::read_task_data(out).split("dev").ids.size()) +
                       " tokens, 0 truncated), max_length 24, vocab 4000\n");
  expect_same(train::read_task_data(out), train::encode_glue_task(glue::test::task("rte"), d, tok(), 24));
}

TEST(EncodeGlueCli, DataDefaultsToGlueDirAndLimitApplies) {
  const fs::path d = make_glue_dir("encode_cli_env");
  const fs::path out = d / "sst2.safetensors";
  ::setenv("GLUE_DIR", d.c_str(), 1);
  const auto r = testing::run({"train", "encode-glue", "--model", demo_model().string(), "--glue-task", "sst2",
                               "--limit", "2", "--out", out.string()});
  ::unsetenv("GLUE_DIR");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "train 2 examples"));
  const TaskData data = train::read_task_data(out);
  EXPECT_EQ(data.max_length, 128);
  EXPECT_EQ(data.split("train").size(), 2u);
  EXPECT_EQ(data.split("dev").size(), 2u);
}

TEST(EncodeGlueCli, ErrorsAreOneLine) {
  const fs::path d = make_glue_dir("encode_cli_errors");
  const std::string model = demo_model().string(), out = (d / "x.safetensors").string();
  auto encode = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"train", "encode-glue"};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::run(args);
  };
  expect_error(encode({"--model", model, "--glue-task", "sst3", "--data", d.string(), "--out", out}), 1,
               "unknown GLUE task 'sst3' (sst2 cola mrpc stsb qqp mnli mnli-mm qnli rte wnli)");
  expect_error(encode({"--model", model, "--glue-task", "cola", "--data", d.string(), "--out", out}), 1,
               "CoLA: not found");
  expect_error(encode({"--model", (d / "nomodel").string(), "--glue-task", "sst2", "--data", d.string(), "--out", out}),
               1, "nomodel: not a model directory");
  expect_error(
      encode({"--model", model, "--glue-task", "sst2", "--data", d.string(), "--max-length", "129", "--out", out}), 1,
      "--max-length 129 exceeds the model's max_position_embeddings 128");
  const fs::path no_spiece = d / "model";
  testing::copy_dir(demo_model(), no_spiece);
  fs::remove(no_spiece / "spiece.model");
  expect_error(encode({"--model", no_spiece.string(), "--glue-task", "sst2", "--data", d.string(), "--out", out}), 1,
               "spiece.model: missing SentencePiece model");
  EXPECT_FALSE(fs::exists(out));
  // Usage errors exit 2.
  expect_error(encode({"--model", model, "--glue-task", "sst2", "--data", d.string()}), 2, "--out is required");
  expect_error(encode({"--model", model, "--data", d.string(), "--out", out}), 2, "--glue-task is required");
  expect_error(encode({"--model", model, "--glue-task", "sst2", "--max-length", "1", "--out", out}), 2, "--max-length");
}

TEST(EncodeGlueCli, TokensAgreeWithEval) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path out = testing::temp_dir("encode_cli_eval") / "sst2.safetensors";
  const fs::path glue_dir = testing::shared_dir() / "glue";
  const auto r = testing::run({"train", "encode-glue", "--model", demo_model().string(), "--glue-task", "sst2",
                               "--data", glue_dir.string(), "--limit", "50", "--out", out.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto e =
      testing::run({"eval", "--model", demo_model().string(), "--data", (glue_dir / "SST-2/dev.tsv").string(),
                    "--limit", "50", "--max-length", "128", "--json"});
  ASSERT_EQ(e.status, 0) << e.err;
  const TaskSplit& dev = train::read_task_data(out).split("dev");
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(e.out)["mean_tokens"].get<double>(),
                   static_cast<double>(dev.ids.size()) / static_cast<double>(dev.size()));
}

}  // namespace
}  // namespace edgemt
