// GLUE task → encoded task data: the reader's examples through Tokenizer::encode, as evaluation does.
#include "train/glue_encode.h"

#include <algorithm>
#include <optional>
#include <string>

#include "core/error.h"
#include "text/glue_reader.h"

namespace edgemt::train {

namespace {

namespace fs = std::filesystem;

constexpr size_t kProgressEvery = 1000;

TaskSplit encode_split(const glue::TaskSpec& task, const fs::path& path, std::string_view name,
                       const text::Tokenizer& tok, int max_length, size_t limit,
                       const std::function<void(const EncodeProgress&)>& progress) {
  const glue::Dataset ds = glue::read_glue_file(task, path, limit);
  if (!ds.labelled) throw Error(path.string() + ": has no label column (a test file?); encode-glue needs labels");
  const auto max = static_cast<size_t>(max_length);
  TaskSplit s;
  s.name = std::string(name);
  s.offsets = {0};
  EncodeProgress p{.split = name, .done = 0, .total = ds.examples.size(), .tokens = 0, .truncated = 0};
  for (const glue::Example& ex : ds.examples) {
    const std::optional<std::string_view> b = ex.text_b ? std::optional<std::string_view>(*ex.text_b) : std::nullopt;
    text::Encoding enc;
    try {
      enc = tok.encode(ex.text_a, b, max);
      if (enc.ids.size() == max) {  // cut or exactly full: only the untruncated length can tell
        const bool pair = b && !b->empty();
        const size_t full = (pair ? 3 + tok.tokenize(*b).size() : 2) + tok.tokenize(ex.text_a).size();
        p.truncated += full > max;
      }
    } catch (const Error& e) {
      throw Error(path.string() + ":" + std::to_string(ex.line) + ": " + e.what());
    }
    // [CLS] A [SEP] carry token type 0, B [SEP] type 1.
    const auto seg_a = static_cast<int32_t>(std::count(enc.type_ids.begin(), enc.type_ids.end(), 0));
    EDGEMT_CHECK(seg_a >= 2 && std::is_sorted(enc.type_ids.begin(), enc.type_ids.end()));
    s.ids.insert(s.ids.end(), enc.ids.begin(), enc.ids.end());
    s.offsets.push_back(static_cast<int64_t>(s.ids.size()));
    s.segment_a.push_back(seg_a);
    s.labels.push_back(ex.label ? static_cast<float>(*ex.label) : *ex.score);
    p.tokens += enc.ids.size();
    if (++p.done % kProgressEvery == 0 && p.done != p.total && progress) progress(p);
  }
  if (progress) progress(p);
  return s;
}

}  // namespace

TaskData encode_glue_task(const glue::TaskSpec& task, const fs::path& glue_dir, const text::Tokenizer& tok,
                          int max_length, size_t limit, const std::function<void(const EncodeProgress&)>& progress) {
  const bool pair = !task.text_b.empty();
  if (max_length < (pair ? 3 : 2))
    throw Error("max_length " + std::to_string(max_length) + " is too small for GLUE " + std::string(task.name) +
                (pair ? ": [CLS] A [SEP] B [SEP] needs at least 3" : ": [CLS] A [SEP] needs at least 2"));
  std::error_code ec;
  const fs::path dir = glue_dir / task.dir;
  if (!fs::is_directory(dir, ec))
    throw Error(dir.string() + ": not found (GLUE " + std::string(task.name) + " expects its train.tsv and " +
                std::string(task.dev_file) + " there)");
  TaskData d;
  d.glue_task = std::string(task.name);
  d.regression = task.labels.empty();
  d.labels.assign(task.labels.begin(), task.labels.end());
  d.max_length = max_length;
  d.vocab_size = static_cast<int>(tok.vocab_size());
  d.pad_id = tok.pad_id() >= 0 ? tok.pad_id() : 0;  // padding is masked out; any valid id serves
  d.splits.push_back(encode_split(task, dir / "train.tsv", "train", tok, max_length, limit, progress));
  d.splits.push_back(encode_split(task, dir / task.dev_file, "dev", tok, max_length, limit, progress));
  return d;
}

}  // namespace edgemt::train
