// Reading GLUE TSV files in their official layouts (no quote processing, UTF-8, optional BOM).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "text/glue_tasks.h"

namespace edgemt::glue {

struct Example {
  std::string index;                 // test files: the id to write back; else the 0-based example number
  std::string text_a;
  std::optional<std::string> text_b;
  std::optional<int> label;          // classification, id in TaskSpec::labels order
  std::optional<float> score;        // regression (STS-B)
  size_t line = 0;                   // 1-based line in the file
};

struct Dataset {
  std::filesystem::path path;
  bool labelled = false;             // false for test files
  std::vector<Example> examples;
};

// Throws edgemt::Error "file:line: …" for a wrong column count, a missing header, an unknown
// label or a non-numeric score, and a clear message for a file without examples.
// `limit` > 0 stops after that many examples.
Dataset read_glue_file(const TaskSpec& task, const std::filesystem::path& path, size_t limit = 0);

}  // namespace edgemt::glue
