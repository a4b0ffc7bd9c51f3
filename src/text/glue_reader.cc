// GLUE TSV reader: header-driven columns (positional for CoLA's header-less train/dev files).
#include "text/glue_reader.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>

#include "core/error.h"
#include "text/utf8.h"

namespace edgemt::glue {

namespace {

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> cols;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i)
    if (i == line.size() || line[i] == '\t') {
      cols.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  return cols;
}

std::string join(const std::vector<std::string_view>& v) {
  std::string s;
  for (auto x : v) s += (s.empty() ? "" : ", ") + std::string(x);
  return s;
}

// Where each field of an example sits in a row.
struct Columns {
  size_t count = 0;  // fields per row
  int text_a = -1, text_b = -1, label = -1, index = -1;
};

struct Reader {
  const TaskSpec& task;
  std::string where;  // "path:line"

  [[noreturn]] void fail(const std::string& what) const { throw Error(where + ": " + what); }

  Columns from_header(const std::vector<std::string_view>& header) const {
    std::map<std::string_view, int> pos;
    for (size_t i = 0; i < header.size(); ++i) pos.emplace(header[i], static_cast<int>(i));
    Columns c;
    c.count = header.size();
    const auto get = [&](std::string_view name) { return name.empty() || !pos.count(name) ? -1 : pos.at(name); };
    c.text_a = get(task.text_a);
    c.text_b = get(task.text_b);
    c.label = get(task.label);
    c.index = get(task.index);
    std::vector<std::string_view> need{task.text_a};
    if (!task.text_b.empty()) need.push_back(task.text_b);
    if (c.text_a < 0 || (!task.text_b.empty() && c.text_b < 0) || (c.label < 0 && c.index < 0))
      fail("expected a header with columns " + join(need) + " and " + std::string(task.label) + " (or " +
           std::string(task.index) + " for a test file) for " + std::string(task.dir) + ", got '" + join(header) + "'");
    return c;
  }

  int parse_label(std::string_view s) const {
    if (task.labels_as_ids) {
      int v = -1;
      const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec == std::errc() && r.ptr == s.data() + s.size() && v >= 0 && v < static_cast<int>(task.labels.size()))
        return v;
    } else {
      for (size_t i = 0; i < task.labels.size(); ++i)
        if (task.labels[i] == s) return static_cast<int>(i);
    }
    std::string expected;
    for (size_t i = 0; i < task.labels.size(); ++i)
      expected += (i ? ", " : "") + (task.labels_as_ids ? std::to_string(i) : std::string(task.labels[i]));
    fail("unknown label '" + std::string(s) + "' (expected one of " + expected + ")");
  }

  float parse_score(std::string_view s) const {
    float v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
      fail("score '" + std::string(s) + "' is not a number");
    return v;
  }
};

}  // namespace

Dataset read_glue_file(const TaskSpec& task, const std::filesystem::path& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  Dataset ds;
  ds.path = path;
  Reader r{task, path.string() + ":1"};
  Columns cols;
  bool have_columns = false;
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    r.where = path.string() + ":" + std::to_string(lineno);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineno == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // MRPC's BOM
    if (const size_t bad = text::find_invalid_utf8(line); bad != std::string::npos)
      r.fail("not valid UTF-8 (byte " + std::to_string(bad) + " of the line)");
    const auto fields = split_tabs(line);
    if (!have_columns) {
      have_columns = true;
      // CoLA train/dev have no header; its test file (and every other task's files) do.
      if (!task.has_header && !(fields.size() == 2 && fields[0] == "index")) {
        cols = {4, task.text_a_pos, -1, task.label_pos, -1};
      } else {
        cols = task.has_header ? r.from_header(fields) : Columns{2, 1, -1, -1, 0};
        ds.labelled = cols.label >= 0;
        continue;
      }
      ds.labelled = true;
    }
    if (line.empty() && in.peek() == EOF) break;  // a final empty line
    if (fields.size() != cols.count)
      r.fail("expected " + std::to_string(cols.count) + " tab-separated columns, got " + std::to_string(fields.size()));
    Example ex;
    ex.line = lineno;
    ex.text_a = std::string(fields[static_cast<size_t>(cols.text_a)]);
    if (cols.text_b >= 0) ex.text_b = std::string(fields[static_cast<size_t>(cols.text_b)]);
    ex.index = cols.index >= 0 ? std::string(fields[static_cast<size_t>(cols.index)]) : std::to_string(ds.examples.size());
    if (ds.labelled) {
      const auto v = fields[static_cast<size_t>(cols.label)];
      if (task.labels.empty()) ex.score = r.parse_score(v);
      else ex.label = r.parse_label(v);
    }
    ds.examples.push_back(std::move(ex));
    if (limit && ds.examples.size() >= limit) break;
  }
  if (lineno == 0) throw Error(path.string() + ": empty file, expected the " + std::string(task.dir) + " layout");
  if (ds.examples.empty()) throw Error(path.string() + ": no examples (the file holds only a header)");
  return ds;
}

}  // namespace edgemt::glue
