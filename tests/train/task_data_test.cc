// The encoded GLUE task file: round trips, the writer's checks, and every defect the reader names
// (each file written good, then one field or tensor damaged with the safetensors writer).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/safetensors.h"
#include "support/files.h"
#include "support/paths.h"
#include "train/task_data.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using train::TaskData;
using train::TaskSplit;

// Examples as (ids, segment A length, label); vocab 50, max_length 8.
TaskSplit make_split(const std::string& name, const std::vector<std::vector<int32_t>>& examples,
                     const std::vector<int32_t>& seg_a, const std::vector<float>& labels) {
  TaskSplit s;
  s.name = name;
  s.offsets = {0};
  for (const auto& ex : examples) {
    s.ids.insert(s.ids.end(), ex.begin(), ex.end());
    s.offsets.push_back(static_cast<int64_t>(s.ids.size()));
  }
  s.segment_a = seg_a;
  s.labels = labels;
  return s;
}

TaskData mrpc_data() {
  TaskData d;
  d.glue_task = "mrpc";
  d.labels = {"not_equivalent", "equivalent"};
  d.max_length = 8;
  d.vocab_size = 50;
  d.pad_id = 0;
  d.splits.push_back(
      make_split("train", {{2, 10, 11, 3, 12, 3}, {2, 3}, {2, 13, 3, 14, 15, 16, 17, 3}}, {4, 2, 3}, {1, 0, 1}));
  d.splits.push_back(make_split("dev", {{2, 20, 21, 22, 3, 49, 3}}, {5}, {0}));
  return d;
}

TaskData stsb_data() {
  TaskData d;
  d.glue_task = "stsb";
  d.regression = true;
  d.max_length = 8;
  d.vocab_size = 50;
  d.pad_id = 0;
  d.splits.push_back(make_split("train", {{2, 10, 3, 11, 3}, {2, 12, 3, 13, 14, 3}}, {3, 3}, {3.8f, 0.0f}));
  d.splits.push_back(make_split("dev", {{2, 15, 3, 16, 3}}, {3}, {5.0f}));
  return d;
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

// The edgemt::Error that reading `p` throws; checks it is one line that starts with the file name.
std::string read_error(const fs::path& p) {
  try {
    train::read_task_data(p);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(p.string() + ": ", 0), 0u) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  }
  ADD_FAILURE() << "reading " << p << " did not throw edgemt::Error";
  return "";
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// A tensor of a good file, copied so that a test can change it before writing it back.
struct Owned {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<std::byte> bytes;

  template <typename T>
  std::vector<T> values() const {
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }
  template <typename T>
  void set(const std::vector<T>& v, DType dt) {
    dtype = dt;
    shape = {static_cast<int64_t>(v.size())};
    const auto b = std::as_bytes(std::span(v));
    bytes.assign(b.begin(), b.end());
  }
};

struct Parts {
  std::vector<Owned> tensors;
  std::map<std::string, std::string> metadata;

  Owned& tensor(const std::string& name) {
    for (auto& t : tensors)
      if (t.name == name) return t;
    throw std::invalid_argument("no tensor " + name);
  }
  void erase(const std::string& name) {
    std::erase_if(tensors, [&](const Owned& t) { return t.name == name; });
  }
  // Edits the "edgemt.task_data" JSON.
  void header(const std::function<void(json&)>& edit) {
    json j = json::parse(metadata.at(train::kTaskDataKey));
    edit(j);
    metadata[train::kTaskDataKey] = j.dump();
  }
};

class TaskDataFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        testing::temp_dir("task_data_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    train::write_task_data(dir_ / "mrpc.safetensors", mrpc_data());
    train::write_task_data(dir_ / "stsb.safetensors", stsb_data());
  }

  // Writes `name`: the good file `good` with `damage` applied, through the project's safetensors writer.
  fs::path damaged(const std::string& name, const std::function<void(Parts&)>& damage,
                   const std::string& good = "mrpc.safetensors") {
    const SafetensorsFile f(dir_ / good);
    Parts parts;
    parts.metadata = f.metadata();
    for (const auto& t : f.tensors()) {
      const auto d = f.data(t);
      parts.tensors.push_back({t.name, t.dtype, t.shape, std::vector<std::byte>(d.begin(), d.end())});
    }
    damage(parts);
    std::vector<TensorToWrite> out;
    for (const auto& t : parts.tensors) out.push_back({t.name, t.dtype, t.shape, t.bytes});
    const fs::path p = dir_ / name;
    write_safetensors(p, out, parts.metadata);
    return p;
  }

  fs::path dir_;
};

TEST_F(TaskDataFile, RoundTripClassificationAndRegression) {
  expect_same(train::read_task_data(dir_ / "mrpc.safetensors"), mrpc_data());
  expect_same(train::read_task_data(dir_ / "stsb.safetensors"), stsb_data());

  const SafetensorsFile f(dir_ / "mrpc.safetensors");
  const json header = json::parse(f.metadata().at("edgemt.task_data"));
  EXPECT_EQ(header["format"], 1);
  EXPECT_EQ(header["glue_task"], "mrpc");
  EXPECT_EQ(header["splits"], json::array({"train", "dev"}));
  EXPECT_EQ(header["labels"], json::array({"not_equivalent", "equivalent"}));
  EXPECT_EQ(header["regression"], false);
  EXPECT_EQ(header["max_length"], 8);
  EXPECT_EQ(header["vocab_size"], 50);
  EXPECT_EQ(header["pad_id"], 0);
  const TensorInfo* offsets = f.find("train.offsets");
  ASSERT_NE(offsets, nullptr);
  EXPECT_EQ(offsets->dtype, DType::I64);
  EXPECT_EQ(offsets->shape, (std::vector<int64_t>{4}));
  for (const auto& [name, dt] : {std::pair{"train.ids", DType::I32}, std::pair{"train.segment_a", DType::I32},
                                 std::pair{"dev.labels", DType::F32}}) {
    ASSERT_NE(f.find(name), nullptr) << name;
    EXPECT_EQ(f.find(name)->dtype, dt) << name;
  }
  EXPECT_EQ(f.tensors().size(), 8u);
}

TEST_F(TaskDataFile, SplitLookup) {
  const TaskData d = train::read_task_data(dir_ / "mrpc.safetensors");
  EXPECT_EQ(d.split("train").size(), 3u);
  EXPECT_EQ(d.split("dev").size(), 1u);
  EXPECT_EQ(d.split("dev").ids.size(), 7u);
  try {
    d.split("test");
    ADD_FAILURE() << "split('test') did not throw";
  } catch (const Error& e) {
    EXPECT_TRUE(contains(e.what(), "has no split 'test' (it has: train, dev)"));
  }
}

TEST_F(TaskDataFile, WriterRefusesInvalidData) {
  auto write_error = [&](const TaskData& d) -> std::string {
    try {
      train::write_task_data(dir_ / "bad.safetensors", d);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  TaskData d = mrpc_data();
  d.splits[0].ids[1] = 50;
  EXPECT_TRUE(contains(write_error(d), "bad.safetensors: train.ids: token 1 has id 50, outside [0, vocab_size 50)"));
  d = mrpc_data();
  d.glue_task = "sts-b";
  EXPECT_TRUE(contains(write_error(d), "glue_task 'sts-b' is not a GLUE task (sst2 cola"));
  d = mrpc_data();
  d.splits[1].labels.push_back(1);
  EXPECT_TRUE(contains(write_error(d), "dev.labels: 2 entries, expected 1 (one per example)"));
  EXPECT_FALSE(fs::exists(dir_ / "bad.safetensors"));
}

TEST_F(TaskDataFile, MissingOrForeignFile) {
  EXPECT_TRUE(contains(read_error(dir_ / "none.safetensors"), "cannot open"));
  testing::write_text(dir_ / "text.safetensors", "not a safetensors file at all");
  EXPECT_FALSE(read_error(dir_ / "text.safetensors").empty());
  // A valid safetensors file without the task header (e.g. a model) is named as such.
  const std::vector<float> w = {1, 2};
  write_safetensors(dir_ / "model.safetensors", {{"w", DType::F32, {2}, std::as_bytes(std::span(w))}});
  EXPECT_TRUE(contains(read_error(dir_ / "model.safetensors"),
                       "not an encoded GLUE task: __metadata__ has no 'edgemt.task_data'"));
}

TEST_F(TaskDataFile, BadHeaderFieldsAreNamed) {
  struct Case {
    std::string name, want;
    std::function<void(Parts&)> damage;
  };
  auto edit = [](std::function<void(json&)> f) { return [f](Parts& p) { p.header(f); }; };
  const std::vector<Case> cases = {
      {"not-json", "edgemt.task_data is not a JSON object",
       [](Parts& p) { p.metadata["edgemt.task_data"] = "{\"format\": 1"; }},
      {"format", "format 2 is not supported (expected 1)", edit([](json& j) { j["format"] = 2; })},
      {"format-type", "format \"1\" is not supported", edit([](json& j) { j["format"] = "1"; })},
      {"no-format", "edgemt.task_data has no field 'format'", edit([](json& j) { j.erase("format"); })},
      {"task", "glue_task 'sst3' is not a GLUE task", edit([](json& j) { j["glue_task"] = "sst3"; })},
      {"task-type", "glue_task: expected a string, got 2", edit([](json& j) { j["glue_task"] = 2; })},
      {"regression-type", "regression: expected true or false, got \"no\"",
       edit([](json& j) { j["regression"] = "no"; })},
      {"regression", "regression is true, but GLUE mrpc is a classification task",
       edit([](json& j) { j["regression"] = true; })},
      {"labels", "labels [no, yes], GLUE mrpc has [not_equivalent, equivalent]", edit([](json& j) {
         j["labels"] = {"no", "yes"};
       })},
      {"labels-type", "labels: expected an array of strings", edit([](json& j) {
         j["labels"] = {0, 1};
       })},
      {"max-length-type", "max_length: expected an integer in [2, 1048576], got \"8\"",
       edit([](json& j) { j["max_length"] = "8"; })},
      {"max-length", "max_length: expected an integer in [2, 1048576], got 1",
       edit([](json& j) { j["max_length"] = 1; })},
      {"max-length-float", "max_length: expected an integer", edit([](json& j) { j["max_length"] = 8.5; })},
      {"no-max-length", "has no field 'max_length'", edit([](json& j) { j.erase("max_length"); })},
      {"vocab", "vocab_size: expected an integer in [1, 2147483647], got 0",
       edit([](json& j) { j["vocab_size"] = 0; })},
      {"vocab-huge", "vocab_size: expected an integer in [1, 2147483647], got 18446744073709551615",
       edit([](json& j) { j["vocab_size"] = std::numeric_limits<uint64_t>::max(); })},
      {"pad-negative", "pad_id: expected an integer in [0, 2147483647], got -1",
       edit([](json& j) { j["pad_id"] = -1; })},
      {"pad", "pad_id 50 outside [0, vocab_size 50)", edit([](json& j) { j["pad_id"] = 50; })},
      {"splits-type", "splits: expected an array of strings", edit([](json& j) { j["splits"] = "train"; })},
      {"splits-empty", "splits: no split", edit([](json& j) { j["splits"] = json::array(); })},
      {"splits-twice", "splits: 'train' appears twice", edit([](json& j) {
         j["splits"] = {"train", "dev", "train"};
       })},
      {"splits-dot", "splits: name 'train.x' must be non-empty and hold no '.'", edit([](json& j) {
         j["splits"] = {"train.x", "dev"};
       })},
  };
  for (const auto& c : cases)
    EXPECT_TRUE(contains(read_error(damaged(c.name + ".safetensors", c.damage)), c.want)) << c.name;
  EXPECT_TRUE(contains(read_error(damaged("no-header.safetensors", [](Parts& p) { p.metadata.clear(); })),
                       "not an encoded GLUE task"));
}

TEST_F(TaskDataFile, BadTensorsAreNamed) {
  struct Case {
    std::string name, want;
    std::function<void(Parts&)> damage;
  };
  const std::vector<Case> cases = {
      {"missing", "missing tensor 'dev.labels'", [](Parts& p) { p.erase("dev.labels"); }},
      {"extra", "unexpected tensor 'test.ids' (splits: train, dev)",
       [](Parts& p) {
         Owned extra = p.tensor("dev.ids");
         extra.name = "test.ids";
         p.tensors.push_back(extra);
       }},
      {"ids-dtype", "train.ids: dtype I64, expected I32",
       [](Parts& p) {
         const auto v = p.tensor("train.ids").values<int32_t>();
         p.tensor("train.ids").set(std::vector<int64_t>(v.begin(), v.end()), DType::I64);
       }},
      {"offsets-dtype", "train.offsets: dtype I32, expected I64",
       [](Parts& p) {
         const auto v = p.tensor("train.offsets").values<int64_t>();
         p.tensor("train.offsets").set(std::vector<int32_t>(v.begin(), v.end()), DType::I32);
       }},
      {"labels-dtype", "dev.labels: dtype I32, expected F32",
       [](Parts& p) { p.tensor("dev.labels").set(std::vector<int32_t>{0}, DType::I32); }},
      {"offsets-rank", "train.offsets: shape [2, 2], expected one dimension",
       [](Parts& p) {
         p.tensor("train.offsets").shape = {2, 2};
       }},
      {"offsets-start", "train.offsets: must start at 0, got 1",
       [](Parts& p) {
         auto v = p.tensor("train.offsets").values<int64_t>();
         v[0] = 1;
         p.tensor("train.offsets").set(v, DType::I64);
       }},
      {"offsets-order", "train.offsets: not monotone: offsets[2] = 5 after 6",
       [](Parts& p) {
         p.tensor("train.offsets").set(std::vector<int64_t>{0, 6, 5, 16}, DType::I64);
       }},
      {"offsets-end", "train.offsets: ends at 15, but train.ids holds 16 tokens",
       [](Parts& p) {
         p.tensor("train.offsets").set(std::vector<int64_t>{0, 6, 8, 15}, DType::I64);
       }},
      {"offsets-empty", "dev.offsets: empty, expected N + 1 entries",
       [](Parts& p) { p.tensor("dev.offsets").set(std::vector<int64_t>{}, DType::I64); }},
      {"no-examples", "dev.offsets: split 'dev' has no examples",
       [](Parts& p) {
         p.tensor("dev.offsets").set(std::vector<int64_t>{0}, DType::I64);
         p.tensor("dev.ids").set(std::vector<int32_t>{}, DType::I32);
         p.tensor("dev.segment_a").set(std::vector<int32_t>{}, DType::I32);
         p.tensor("dev.labels").set(std::vector<float>{}, DType::F32);
       }},
      {"too-short", "train.offsets: example 0 has 1 tokens, expected 2 … max_length 8",
       [](Parts& p) {
         p.tensor("train.offsets").set(std::vector<int64_t>{0, 1, 8, 16}, DType::I64);
       }},
      {"too-long", "train.offsets: example 2 has 8 tokens, expected 2 … max_length 7",
       [](Parts& p) { p.header([](json& j) { j["max_length"] = 7; }); }},
      {"id-high", "train.ids: token 1 has id 50, outside [0, vocab_size 50)",
       [](Parts& p) {
         auto v = p.tensor("train.ids").values<int32_t>();
         v[1] = 50;
         p.tensor("train.ids").set(v, DType::I32);
       }},
      {"id-negative", "dev.ids: token 6 has id -3, outside [0, vocab_size 50)",
       [](Parts& p) {
         auto v = p.tensor("dev.ids").values<int32_t>();
         v[6] = -3;
         p.tensor("dev.ids").set(v, DType::I32);
       }},
      {"vocab-small", "dev.ids: token 5 has id 49, outside [0, vocab_size 40)",
       [](Parts& p) { p.header([](json& j) { j["vocab_size"] = 40; }); }},
      {"segment-short", "train.segment_a: example 1 has segment A of 1 tokens, expected 2 … its length 2",
       [](Parts& p) {
         p.tensor("train.segment_a").set(std::vector<int32_t>{4, 1, 3}, DType::I32);
       }},
      {"segment-long", "train.segment_a: example 0 has segment A of 7 tokens, expected 2 … its length 6",
       [](Parts& p) {
         p.tensor("train.segment_a").set(std::vector<int32_t>{7, 2, 3}, DType::I32);
       }},
      {"segment-count", "train.segment_a: 2 entries, expected 3 (one per example)",
       [](Parts& p) {
         p.tensor("train.segment_a").set(std::vector<int32_t>{4, 2}, DType::I32);
       }},
      {"label-count", "train.labels: 4 entries, expected 3 (one per example)",
       [](Parts& p) {
         p.tensor("train.labels").set(std::vector<float>{1, 0, 1, 0}, DType::F32);
       }},
      {"label-fraction", "train.labels: example 1 has label 0.500000, expected a class id 0 … 1",
       [](Parts& p) {
         p.tensor("train.labels").set(std::vector<float>{1, 0.5f, 1}, DType::F32);
       }},
      {"label-range", "train.labels: example 2 has label 2.000000, expected a class id 0 … 1",
       [](Parts& p) {
         p.tensor("train.labels").set(std::vector<float>{1, 0, 2}, DType::F32);
       }},
      {"label-negative", "dev.labels: example 0 has label -1.000000, expected a class id 0 … 1",
       [](Parts& p) { p.tensor("dev.labels").set(std::vector<float>{-1}, DType::F32); }},
      {"label-nan", "dev.labels: example 0 has label nan, expected a class id",
       [](Parts& p) { p.tensor("dev.labels").set(std::vector<float>{std::nanf("")}, DType::F32); }},
  };
  for (const auto& c : cases)
    EXPECT_TRUE(contains(read_error(damaged(c.name + ".safetensors", c.damage)), c.want)) << c.name;
}

TEST_F(TaskDataFile, RegressionTargetsMustBeFinite) {
  for (float bad : {std::numeric_limits<float>::infinity(), std::nanf("")}) {
    const fs::path p = damaged(
        "stsb-bad.safetensors",
        [bad](Parts& parts) {
          parts.tensor("train.labels").set(std::vector<float>{3.8f, bad}, DType::F32);
        },
        "stsb.safetensors");
    EXPECT_TRUE(contains(read_error(p), "train.labels: example 1 has label")) << bad;
    EXPECT_TRUE(contains(read_error(p), "expected a finite target")) << bad;
  }
  // Fractional and out-of-class-range targets are fine for regression; labels must stay empty.
  const fs::path ok = damaged(
      "stsb-ok.safetensors", [](Parts& p) { p.tensor("dev.labels").set(std::vector<float>{7.25f}, DType::F32); },
      "stsb.safetensors");
  EXPECT_EQ(train::read_task_data(ok).split("dev").labels, (std::vector<float>{7.25f}));
  const fs::path labelled = damaged(
      "stsb-labels.safetensors", [](Parts& p) { p.header([](json& j) {
                                                  j["labels"] = {"low", "high"};
                                                }); },
      "stsb.safetensors");
  EXPECT_TRUE(contains(read_error(labelled), "labels [low, high], GLUE stsb has []"));
}

}  // namespace
}  // namespace edgemt
