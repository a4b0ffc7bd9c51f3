// edgemt compress: prune and quantise every safetensors file of a model directory, copy the rest,
// and publish the new directory with one rename.
#include "runtime/compress.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"
#include "edgemt/engine.h"
#include "formats/compressed.h"
#include "formats/model_dir.h"
#include "formats/tensor_access.h"

namespace edgemt {

namespace fs = std::filesystem;

namespace {

struct GroupRow {
  std::string_view name;
  PruneGroup group;
};
constexpr GroupRow kGroups[] = {
    {"embeddings", PruneGroup::Embeddings}, {"encoder", PruneGroup::Encoder}, {"tasks", PruneGroup::Tasks}};

// The matrices of each group, by name; '#' stands for a decimal index.
struct GroupPattern {
  PruneGroup group;
  std::string_view pattern;
};
constexpr GroupPattern kPatterns[] = {
    {PruneGroup::Embeddings, "embeddings.word_embeddings.weight"},
    {PruneGroup::Embeddings, "embeddings.position_embeddings.weight"},
    {PruneGroup::Embeddings, "embeddings.token_type_embeddings.weight"},
    {PruneGroup::Encoder, "encoder.embedding_hidden_mapping_in.weight"},
    {PruneGroup::Encoder, "encoder.albert_layer_groups.#.albert_layers.#.attention.query.weight"},
    {PruneGroup::Encoder, "encoder.albert_layer_groups.#.albert_layers.#.attention.key.weight"},
    {PruneGroup::Encoder, "encoder.albert_layer_groups.#.albert_layers.#.attention.value.weight"},
    {PruneGroup::Encoder, "encoder.albert_layer_groups.#.albert_layers.#.attention.dense.weight"},
    {PruneGroup::Encoder, "encoder.albert_layer_groups.#.albert_layers.#.ffn.weight"},
    {PruneGroup::Encoder, "encoder.albert_layer_groups.#.albert_layers.#.ffn_output.weight"},
    {PruneGroup::Tasks, "pooler.weight"},
    {PruneGroup::Tasks, "classifier.weight"},
    {PruneGroup::Tasks, "adapters.#.attention.down.weight"},
    {PruneGroup::Tasks, "adapters.#.attention.up.weight"},
    {PruneGroup::Tasks, "adapters.#.ffn.down.weight"},
    {PruneGroup::Tasks, "adapters.#.ffn.up.weight"},
};

bool matches(std::string_view pattern, std::string_view name) {
  size_t i = 0;
  for (char p : pattern) {
    if (p != '#') {
      if (i >= name.size() || name[i++] != p) return false;
      continue;
    }
    const size_t start = i;
    while (i < name.size() && name[i] >= '0' && name[i] <= '9') ++i;
    if (i == start) return false;
  }
  return i == name.size();
}

std::string_view strip_albert(std::string_view name) { return name.starts_with("albert.") ? name.substr(7) : name; }

// Summary row of a tensor: task packs are "tasks"; in the backbone file, by name.
std::string region_of(std::string_view name, bool task_pack) {
  const std::string_view n = strip_albert(name);
  if (task_pack || n.starts_with("pooler.") || n.starts_with("classifier.")) return "tasks";
  if (n.starts_with("embeddings.")) return "embeddings";
  if (n.starts_with("encoder.")) return "encoder";
  return "other";
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// "0.5", ".25", "0" → num / 10^decimals; nullopt unless a plain decimal in [0, 1).
std::optional<std::pair<uint64_t, uint64_t>> parse_fraction(std::string_view s) {
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot), frac = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  const auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(whole) || !digits(frac) || (whole.empty() && frac.empty()) || frac.size() > 18) return std::nullopt;
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  if (std::any_of(whole.begin(), whole.end(), [](char c) { return c != '0'; })) return std::nullopt;  // ≥ 1
  uint64_t num = 0, den = 1;
  for (char c : frac) {
    num = num * 10 + static_cast<uint64_t>(c - '0');
    den *= 10;
  }
  return std::pair{num, den};
}

}  // namespace

std::string_view prune_group_name(PruneGroup group) {
  for (const auto& row : kGroups)
    if (row.group == group) return row.name;
  return "?";
}

std::vector<PruneSpec> parse_prune_specs(std::string_view text) {
  std::vector<PruneSpec> specs;
  for (const std::string_view item : split(text, ',')) {
    const std::string where = "--prune '" + std::string(item) + "'";
    const auto parts = split(item, ':');
    if (parts.size() != 3) throw Error(where + ": expected METHOD:SPARSITY:GROUP, e.g. magnitude:0.5:encoder");
    if (parts[0] != "magnitude")
      throw Error(where + ": unknown method '" + std::string(parts[0]) +
                  "' (magnitude; movement pruning is a training step)");
    const auto frac = parse_fraction(parts[1]);
    if (!frac) throw Error(where + ": sparsity '" + std::string(parts[1]) + "' is not a decimal in [0, 1) such as 0.5");
    std::vector<PruneGroup> groups;
    for (const auto& row : kGroups)
      if (parts[2] == row.name || parts[2] == "all") groups.push_back(row.group);
    if (groups.empty())
      throw Error(where + ": unknown group '" + std::string(parts[2]) + "' (embeddings, encoder, tasks, all)");
    for (PruneGroup g : groups) {
      if (std::any_of(specs.begin(), specs.end(), [&](const PruneSpec& s) { return s.group == g; }))
        throw Error(where + ": group '" + std::string(prune_group_name(g)) + "' is pruned twice");
      specs.push_back({.group = g,
                       .sparsity = static_cast<double>(frac->first) / static_cast<double>(frac->second),
                       .num = frac->first,
                       .den = frac->second});
    }
  }
  return specs;
}

std::optional<PruneGroup> prune_group_of(std::string_view name) {
  const std::string_view n = strip_albert(name);
  for (const auto& p : kPatterns)
    if (matches(p.pattern, n)) return p.group;
  return std::nullopt;
}

size_t pruned_count(size_t n, const PruneSpec& spec) {
  return static_cast<size_t>(static_cast<unsigned __int128>(n) * spec.num / spec.den);
}

void magnitude_prune(std::span<float> w, size_t count) {
  count = std::min(count, w.size());
  if (count == 0) return;
  std::vector<size_t> order(w.size());
  std::iota(order.begin(), order.end(), size_t{0});
  const auto smaller = [&](size_t a, size_t b) {
    const float x = std::fabs(w[a]), y = std::fabs(w[b]);
    return x < y || (x == y && a < b);
  };
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count - 1), order.end(), smaller);
  for (size_t i = 0; i < count; ++i) w[order[i]] = 0.0f;
}

void RegionStats::add(const RegionStats& o) {
  tensors += o.tensors;
  parameters += o.parameters;
  matrix_elements += o.matrix_elements;
  matrix_zeros += o.matrix_zeros;
  bytes_before += o.bytes_before;
  bytes_after += o.bytes_after;
}

namespace {

using Regions = std::map<std::string, RegionStats>;

// Rewrites one safetensors file: matrices pruned by their group's spec and encoded (or written as
// F32); every other tensor copied byte for byte in its own dtype. Compressed inputs are decoded first.
void compress_file(const fs::path& src, const fs::path& dst, bool task_pack, const CompressOptions& o,
                   Regions& regions) {
  const SafetensorsFile f(src);
  const CompressedIndex& index = f.compressed_index();
  std::vector<CompressedTensor> encoded;
  std::vector<std::vector<float>> widened;
  encoded.reserve(f.tensors().size());  // TensorToWrite spans point into both: no reallocation
  widened.reserve(f.tensors().size());
  struct Slot {  // one output tensor, in source order
    std::string name;
    std::vector<int64_t> shape;
    const TensorInfo* copy = nullptr;  // a byte copy of the source
    int encoded = -1, widened = -1;    // else an index into `encoded` or `widened`
  };
  std::vector<Slot> slots;
  for (const TensorInfo& t : f.tensors()) {
    if (index.is_storage_only(t.name)) continue;  // a mask travels with its tensor
    const std::string where = src.string() + ": tensor '" + t.name + "'";
    const bool was_compressed = index.contains(t.name);
    RegionStats st{.tensors = 1, .bytes_before = t.nbytes};
    std::vector<float> w;
    std::vector<int64_t> shape = t.shape;
    if (was_compressed) {
      const CompressedView v = index.get(t.name);
      shape = v.shape;
      st.bytes_before += v.mask.size();
      w.resize(v.numel());
      decode_to_f32(v, w);
    } else if (dtype_traits(t.dtype).is_float) {
      w.resize(t.numel());
      widen_to_f32(t.dtype, f.data(t).data(), w.size(), w.data());
    }
    st.parameters = was_compressed ? w.size() : t.numel();
    for (size_t i = 0; i < w.size(); ++i)
      if (!std::isfinite(w[i]))
        throw Error(where + ": element " + std::to_string(i) + " is " + (std::isnan(w[i]) ? "NaN" : "Inf") +
                    "; compress needs finite weights");
    Slot slot{.name = t.name, .shape = shape};
    const bool matrix = (was_compressed || dtype_traits(t.dtype).is_float) && shape.size() == 2;
    if (!matrix && !was_compressed) {
      slot.copy = &t;
      st.bytes_after = t.nbytes;
    } else if (!matrix) {  // a compressed vector from elsewhere: written back as F32
      slot.widened = static_cast<int>(widened.size());
      st.bytes_after = 4 * w.size();
      widened.push_back(std::move(w));
    } else {
      const auto group = prune_group_of(t.name);
      const auto spec =
          std::find_if(o.prune.begin(), o.prune.end(), [&](const PruneSpec& s) { return group == s.group; });
      const bool pruned = spec != o.prune.end() && spec->num > 0;
      if (pruned) magnitude_prune(w, pruned_count(w.size(), *spec));
      st.matrix_elements = w.size();
      if (o.weights == WeightFormat::AdaptivFloat) {
        const af::AfFormat fmt = af::fit_format(w, o.bits, o.exp_bits, where);
        CompressedTensor c = compress_tensor(t.name, shape, w, fmt, pruned ? Layout::Bitmask : Layout::Dense);
        c.activations = o.activations;
        st.matrix_zeros =
            pruned ? w.size() - c.codes.size() : static_cast<size_t>(std::count(c.codes.begin(), c.codes.end(), 0));
        st.bytes_after = c.codes.size() + c.mask.size();
        slot.encoded = static_cast<int>(encoded.size());
        encoded.push_back(std::move(c));
      } else {
        st.matrix_zeros = static_cast<size_t>(std::count(w.begin(), w.end(), 0.0f));
        st.bytes_after = 4 * w.size();
        slot.widened = static_cast<int>(widened.size());
        widened.push_back(std::move(w));
      }
    }
    regions[region_of(t.name, task_pack)].add(st);
    slots.push_back(std::move(slot));
  }
  std::vector<TensorToWrite> out;
  for (const Slot& s : slots) {
    if (s.copy) {
      out.push_back({s.copy->name, s.copy->dtype, s.copy->shape, f.data(*s.copy)});
    } else if (s.encoded >= 0) {
      for (auto& t : stored_tensors(encoded[static_cast<size_t>(s.encoded)])) out.push_back(std::move(t));
    } else {
      const auto& w = widened[static_cast<size_t>(s.widened)];
      out.push_back({s.name, DType::F32, s.shape, std::as_bytes(std::span<const float>(w))});
    }
  }
  std::map<std::string, std::string> metadata = f.metadata();
  metadata.erase(std::string(kCompressedKey));
  if (!encoded.empty()) metadata[std::string(kCompressedKey)] = compressed_metadata(encoded);
  write_safetensors(dst, out, metadata);
}

void copy_synced(const fs::path& from, const fs::path& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw Error(from.string() + ": cannot read");
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  write_file_atomic(to, std::as_bytes(std::span<const char>(bytes)));
}

void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// config.json with this run appended to "edgemt": {"compress": [...]}, other fields untouched.
void write_config(const ModelDir& dir, const fs::path& dst, const CompressOptions& o) {
  std::ifstream in(dir.config_path);
  auto j = nlohmann::ordered_json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error(dir.config_path.string() + ": not a JSON object");
  nlohmann::ordered_json step = {{"weights", o.weights == WeightFormat::AdaptivFloat ? "adaptivfloat" : "f32"}};
  if (o.weights == WeightFormat::AdaptivFloat) {
    step["bits"] = o.bits;
    step["exp_bits"] = o.exp_bits;
    if (o.activations != Activations::F32) step["activations"] = std::string(activations_name(o.activations));
  }
  step["prune"] = nlohmann::ordered_json::array();
  for (const auto& p : o.prune)
    step["prune"].push_back(
        {{"method", "magnitude"}, {"sparsity", p.sparsity}, {"group", std::string(prune_group_name(p.group))}});
  auto& history = j["edgemt"]["compress"];
  if (!history.is_array()) history = nlohmann::ordered_json::array();
  history.push_back(step);
  const std::string text = j.dump(2) + "\n";
  write_file_atomic(dst / "config.json", std::as_bytes(std::span<const char>(text)));
}

// Everything of `model` that goes into the new directory, written under `tmp`.
void build(const ModelDir& dir, const fs::path& tmp, const CompressOptions& o, Regions& regions,
           std::vector<std::string>& not_copied) {
  write_config(dir, tmp, o);
  compress_file(dir.weights_path, tmp / "model.safetensors", /*task_pack=*/false, o, regions);
  for (const char* name : {"spiece.model", "tokenizer_config.json"})
    if (fs::is_regular_file(dir.root / name)) copy_synced(dir.root / name, tmp / name);
  std::vector<fs::directory_entry> top(fs::directory_iterator(dir.root), {});
  std::sort(top.begin(), top.end());
  for (const auto& e : top) {
    const std::string name = e.path().filename().string();
    if (name == "config.json" || name == "model.safetensors" || name == "spiece.model" ||
        name == "tokenizer_config.json" || (name == "tasks" && e.is_directory()))
      continue;
    not_copied.push_back(name);
  }
  if (!fs::is_directory(dir.root / "tasks")) return;
  std::vector<fs::directory_entry> packs(fs::directory_iterator(dir.root / "tasks"), {});
  std::sort(packs.begin(), packs.end());
  for (const auto& pack : packs) {
    const std::string rel = "tasks/" + pack.path().filename().string();
    if (!pack.is_directory()) {
      not_copied.push_back(rel);
      continue;
    }
    const fs::path dst = tmp / rel;
    fs::create_directories(dst);
    std::vector<fs::directory_entry> files(fs::directory_iterator(pack.path()), {});
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      const std::string name = f.path().filename().string();
      if (!f.is_regular_file())
        not_copied.push_back(rel + "/" + name);
      else if (name == "task.safetensors")
        compress_file(f.path(), dst / name, /*task_pack=*/true, o, regions);
      else
        copy_synced(f.path(), dst / name);  // task.json and whatever else the pack carries
    }
    sync_dir(dst);
  }
  sync_dir(tmp / "tasks");
}

// `out` as the user wrote it (for messages), `abs_out` normalised.
void check_out_path(const fs::path& model, const fs::path& out, const fs::path& abs_out) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(abs_out, ec)))
    throw Error(out.string() +
                ": already exists (edgemt compress writes a new directory; remove it or pick another --out)");
  const fs::path parent = abs_out.parent_path();
  if (!fs::is_directory(parent, ec))
    throw Error(out.string() + ": parent directory " + parent.string() + " does not exist");
  const fs::path m = fs::weakly_canonical(model), o = fs::weakly_canonical(abs_out);
  const auto [mi, oi] = std::mismatch(m.begin(), m.end(), o.begin(), o.end());
  if (mi == m.end())
    throw Error(out.string() + ": --out lies inside --model " + model.string() +
                "; write the compressed model elsewhere");
}

// rename(2) that refuses to replace an existing `to` (renameat2 RENAME_NOREPLACE where supported).
void publish(const fs::path& from, const fs::path& to) {
  int rc = ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(to, ec)))
      errno = EEXIST;
    else
      rc = ::rename(from.c_str(), to.c_str());
  }
  if (rc != 0) throw Error(to.string() + ": cannot move the finished directory into place: " + std::strerror(errno));
}

}  // namespace

CompressReport compress_model(const fs::path& model, const fs::path& out, const CompressOptions& o) {
  if (o.weights == WeightFormat::AdaptivFloat) af::check_bits(o.bits, o.exp_bits, "AdaptivFloat");
  const ModelDir dir = open_model_dir(model);
  fs::path abs_out = fs::absolute(out).lexically_normal();
  if (!abs_out.has_filename()) abs_out = abs_out.parent_path();  // "out/" names "out"
  check_out_path(model, out, abs_out);
  std::string tmpl = (abs_out.parent_path() / ("." + abs_out.filename().string() + ".tmp-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data()))
    throw Error(out.string() + ": cannot create a temporary directory beside it: " + std::strerror(errno));
  const fs::path tmp = tmpl;
  CompressReport report;
  try {
    fs::permissions(tmp, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                             fs::perms::others_exec);
    Regions regions;
    build(dir, tmp, o, regions, report.not_copied);
    try {
      const Engine check(tmp);  // the new directory must load before it is published
    } catch (const Error& e) {
      throw Error(std::string("the compressed model does not load: ") + e.what());
    }
    sync_dir(tmp);
    publish(tmp, abs_out);
    sync_dir(abs_out.parent_path());
    for (const char* name : {"embeddings", "encoder", "tasks", "other"})
      if (const auto it = regions.find(name); it != regions.end()) {
        report.regions.emplace_back(name, it->second);
        report.total.add(it->second);
      }
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  return report;
}

}  // namespace edgemt
