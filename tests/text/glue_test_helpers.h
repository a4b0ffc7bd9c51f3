// Shared helpers of the GLUE reader tests: task lookup, TSV building, expected examples, and a
// fixture that writes files into a fresh temp dir.
#pragma once

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

namespace edgemt::glue::test {

namespace fs = std::filesystem;
using Rows = std::vector<std::vector<std::string>>;

inline const TaskSpec& task(std::string_view name) {
  const TaskSpec* t = find_task(name);
  if (!t) throw std::invalid_argument("no GLUE task '" + std::string(name) + "'");
  return *t;
}

// Tab-separated, '\n'-terminated lines.
inline std::string tsv(const Rows& rows) {
  std::string s;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) s += (i ? "\t" : "") + row[i];
    s += '\n';
  }
  return s;
}

inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
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

inline void expect_examples(const Dataset& ds, const std::vector<Want>& want) {
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

inline std::vector<std::string> mnli_row(const std::string& index, const std::string& genre, const std::string& s1,
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

inline const std::vector<std::string> kMnliTestHeader{
    "index",           "promptID",        "pairID",    "genre",    "sentence1_binary_parse", "sentence2_binary_parse",
    "sentence1_parse", "sentence2_parse", "sentence1", "sentence2"};

}  // namespace edgemt::glue::test
