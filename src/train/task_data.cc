// Encoded GLUE task: atomic safetensors writer and validating reader (layout in task_data.h).
#include "train/task_data.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "formats/safetensors.h"
#include "text/glue_tasks.h"

namespace edgemt::train {

namespace {

using nlohmann::json;

constexpr int64_t kMaxLengthLimit = 1 << 20;
constexpr const char* kFields[] = {"ids", "offsets", "segment_a", "labels"};

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw Error(where + ": " + what); }

std::string quoted_names(const std::vector<std::string_view>& names) {
  std::string s;
  for (auto n : names) s += (s.empty() ? "" : ", ") + std::string(n);
  return "[" + s + "]";
}

// What both the writer and the reader rely on: the header fields against the GLUE task table.
void validate_header(const TaskData& d, const std::string& where) {
  const glue::TaskSpec* spec = glue::find_task(d.glue_task);
  if (!spec) fail(where, "glue_task '" + d.glue_task + "' is not a GLUE task (" + glue::task_names() + ")");
  const bool spec_regression = spec->labels.empty();
  if (d.regression != spec_regression)
    fail(where, std::string("regression is ") + (d.regression ? "true" : "false") + ", but GLUE " + d.glue_task +
                    " is a " + (spec_regression ? "regression" : "classification") + " task");
  const std::vector<std::string_view> want(spec->labels.begin(), spec->labels.end());
  const std::vector<std::string_view> got(d.labels.begin(), d.labels.end());
  if (got != want) fail(where, "labels " + quoted_names(got) + ", GLUE " + d.glue_task + " has " + quoted_names(want));
  if (d.max_length < 2 || d.max_length > kMaxLengthLimit)
    fail(where, "max_length " + std::to_string(d.max_length) + " outside [2, " + std::to_string(kMaxLengthLimit) + "]");
  if (d.vocab_size < 1) fail(where, "vocab_size " + std::to_string(d.vocab_size) + " must be positive");
  if (d.pad_id < 0 || d.pad_id >= d.vocab_size)
    fail(where, "pad_id " + std::to_string(d.pad_id) + " outside [0, vocab_size " + std::to_string(d.vocab_size) + ")");
  if (d.splits.empty()) fail(where, "splits: no split");
  std::set<std::string> seen;
  for (const auto& s : d.splits) {
    if (s.name.empty() || s.name.find('.') != std::string::npos)
      fail(where, "splits: name '" + s.name + "' must be non-empty and hold no '.'");
    if (!seen.insert(s.name).second) fail(where, "splits: '" + s.name + "' appears twice");
  }
}

// Every example of one split: boundaries, lengths, ids, segments and labels.
void validate_split(const TaskData& d, const TaskSplit& s, const std::string& where) {
  const std::string p = s.name + ".";
  if (s.offsets.empty()) fail(where, p + "offsets: empty, expected N + 1 entries");
  const size_t n = s.offsets.size() - 1;
  if (n == 0) fail(where, p + "offsets: split '" + s.name + "' has no examples");
  if (s.segment_a.size() != n)
    fail(where, p + "segment_a: " + std::to_string(s.segment_a.size()) + " entries, expected " + std::to_string(n) +
                    " (one per example)");
  if (s.labels.size() != n)
    fail(where, p + "labels: " + std::to_string(s.labels.size()) + " entries, expected " + std::to_string(n) +
                    " (one per example)");
  if (s.offsets[0] != 0) fail(where, p + "offsets: must start at 0, got " + std::to_string(s.offsets[0]));
  for (size_t i = 0; i < n; ++i)
    if (s.offsets[i + 1] < s.offsets[i])
      fail(where, p + "offsets: not monotone: offsets[" + std::to_string(i + 1) +
                      "] = " + std::to_string(s.offsets[i + 1]) + " after " + std::to_string(s.offsets[i]));
  if (static_cast<uint64_t>(s.offsets[n]) != s.ids.size())
    fail(where, p + "offsets: ends at " + std::to_string(s.offsets[n]) + ", but " + p + "ids holds " +
                    std::to_string(s.ids.size()) + " tokens");
  for (size_t i = 0; i < n; ++i) {
    const int64_t len = s.offsets[i + 1] - s.offsets[i];
    if (len < 2 || len > d.max_length)
      fail(where, p + "offsets: example " + std::to_string(i) + " has " + std::to_string(len) +
                      " tokens, expected 2 … max_length " + std::to_string(d.max_length));
    if (s.segment_a[i] < 2 || s.segment_a[i] > len)
      fail(where, p + "segment_a: example " + std::to_string(i) + " has segment A of " +
                      std::to_string(s.segment_a[i]) + " tokens, expected 2 … its length " + std::to_string(len));
  }
  for (size_t t = 0; t < s.ids.size(); ++t)
    if (s.ids[t] < 0 || s.ids[t] >= d.vocab_size)
      fail(where, p + "ids: token " + std::to_string(t) + " has id " + std::to_string(s.ids[t]) +
                      ", outside [0, vocab_size " + std::to_string(d.vocab_size) + ")");
  const auto classes = static_cast<float>(d.labels.size());
  for (size_t i = 0; i < n; ++i) {
    const float v = s.labels[i];
    if (d.regression ? !std::isfinite(v) : !(std::floor(v) == v && v >= 0 && v < classes))
      fail(where, p + "labels: example " + std::to_string(i) + " has label " + std::to_string(v) + ", expected " +
                      (d.regression ? std::string("a finite target")
                                    : "a class id 0 … " + std::to_string(d.labels.size() - 1)));
  }
}

void validate(const TaskData& d, const std::string& where) {
  validate_header(d, where);
  for (const auto& s : d.splits) validate_split(d, s, where);
}

template <typename T>
std::span<const std::byte> bytes_of(const std::vector<T>& v) {
  return std::as_bytes(std::span(v));
}

// ---- Reading the header JSON ----

const json& field(const json& m, const std::string& where, const char* key) {
  if (!m.contains(key)) fail(where, std::string(kTaskDataKey) + " has no field '" + key + "'");
  return m[key];
}

int64_t int_field(const json& m, const std::string& where, const char* key, int64_t lo, int64_t hi) {
  const json& v = field(m, where, key);
  bool in_range = false;  // lo >= 0 here
  if (v.is_number_unsigned())
    in_range = v.get<uint64_t>() >= static_cast<uint64_t>(lo) && v.get<uint64_t>() <= static_cast<uint64_t>(hi);
  else if (v.is_number_integer())
    in_range = v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!in_range)
    fail(where, std::string(key) + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "], got " + v.dump());
  return v.get<int64_t>();
}

std::vector<std::string> strings_field(const json& m, const std::string& where, const char* key) {
  const json& v = field(m, where, key);
  if (!v.is_array()) fail(where, std::string(key) + ": expected an array of strings, got " + v.dump());
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) fail(where, std::string(key) + ": expected an array of strings, got " + v.dump());
    out.push_back(e.get<std::string>());
  }
  return out;
}

TaskData parse_header(const SafetensorsFile& f, const std::string& where) {
  const auto it = f.metadata().find(kTaskDataKey);
  if (it == f.metadata().end())
    fail(where, std::string("not an encoded GLUE task: __metadata__ has no '") + kTaskDataKey +
                    "' (write one with `edgemt train encode-glue`)");
  const json m = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded() || !m.is_object()) fail(where, std::string(kTaskDataKey) + " is not a JSON object");
  const json& format = field(m, where, "format");
  if (!format.is_number_integer() || format.get<int64_t>() != kTaskDataFormat)
    fail(where, "format " + format.dump() + " is not supported (expected " + std::to_string(kTaskDataFormat) + ")");
  TaskData d;
  const json& task = field(m, where, "glue_task");
  if (!task.is_string()) fail(where, "glue_task: expected a string, got " + task.dump());
  d.glue_task = task.get<std::string>();
  const json& regression = field(m, where, "regression");
  if (!regression.is_boolean()) fail(where, "regression: expected true or false, got " + regression.dump());
  d.regression = regression.get<bool>();
  d.labels = strings_field(m, where, "labels");
  d.max_length = static_cast<int>(int_field(m, where, "max_length", 2, kMaxLengthLimit));
  d.vocab_size = static_cast<int>(int_field(m, where, "vocab_size", 1, std::numeric_limits<int32_t>::max()));
  d.pad_id = static_cast<int>(int_field(m, where, "pad_id", 0, std::numeric_limits<int32_t>::max()));
  for (auto& name : strings_field(m, where, "splits")) {
    TaskSplit s;
    s.name = std::move(name);
    d.splits.push_back(std::move(s));
  }
  return d;
}

// ---- Reading the tensors ----

template <typename T>
std::vector<T> read_tensor(const SafetensorsFile& f, const std::string& name, DType dtype, const std::string& where) {
  const TensorInfo* t = f.find(name);
  if (!t) fail(where, "missing tensor '" + name + "'");
  if (t->dtype != dtype)
    fail(where, name + ": dtype " + std::string(dtype_traits(t->dtype).name) + ", expected " +
                    std::string(dtype_traits(dtype).name));
  if (t->shape.size() != 1) fail(where, name + ": shape " + shape_str(t->shape) + ", expected one dimension");
  std::vector<T> v(t->numel());
  if (!v.empty()) std::memcpy(v.data(), f.data(*t).data(), t->nbytes);
  return v;
}

}  // namespace

const TaskSplit& TaskData::split(std::string_view name) const {
  std::string have;
  for (const auto& s : splits) {
    if (s.name == name) return s;
    have += (have.empty() ? "" : ", ") + s.name;
  }
  throw Error("encoded GLUE task " + glue_task + " has no split '" + std::string(name) +
              "' (it has: " + (have.empty() ? "none" : have) + ")");
}

void write_task_data(const std::filesystem::path& path, const TaskData& d) {
  validate(d, path.string());
  std::vector<TensorToWrite> tensors;
  json splits = json::array();
  for (const auto& s : d.splits) {
    const auto n = static_cast<int64_t>(s.size());
    tensors.push_back({s.name + ".ids", DType::I32, {static_cast<int64_t>(s.ids.size())}, bytes_of(s.ids)});
    tensors.push_back({s.name + ".offsets", DType::I64, {n + 1}, bytes_of(s.offsets)});
    tensors.push_back({s.name + ".segment_a", DType::I32, {n}, bytes_of(s.segment_a)});
    tensors.push_back({s.name + ".labels", DType::F32, {n}, bytes_of(s.labels)});
    splits.push_back(s.name);
  }
  const json header = {
      {"format", kTaskDataFormat},  {"glue_task", d.glue_task},   {"regression", d.regression}, {"labels", d.labels},
      {"max_length", d.max_length}, {"vocab_size", d.vocab_size}, {"pad_id", d.pad_id},         {"splits", splits}};
  write_safetensors(path, tensors, {{kTaskDataKey, header.dump()}});
}

TaskData read_task_data(const std::filesystem::path& path) {
  const std::string where = path.string();
  const SafetensorsFile f(path);
  TaskData d = parse_header(f, where);
  validate_header(d, where);  // split names are known-good before they name tensors
  std::set<std::string> expected;
  for (auto& s : d.splits) {
    s.ids = read_tensor<int32_t>(f, s.name + ".ids", DType::I32, where);
    s.offsets = read_tensor<int64_t>(f, s.name + ".offsets", DType::I64, where);
    s.segment_a = read_tensor<int32_t>(f, s.name + ".segment_a", DType::I32, where);
    s.labels = read_tensor<float>(f, s.name + ".labels", DType::F32, where);
    for (const char* field : kFields) expected.insert(s.name + "." + field);
  }
  for (const auto& t : f.tensors())
    if (!expected.count(t.name)) {
      std::string names;
      for (const auto& s : d.splits) names += (names.empty() ? "" : ", ") + s.name;
      fail(where, "unexpected tensor '" + t.name + "' (splits: " + names + ")");
    }
  for (const auto& s : d.splits) validate_split(d, s, where);
  return d;
}

}  // namespace edgemt::train
