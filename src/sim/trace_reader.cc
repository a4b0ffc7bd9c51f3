// Reading trace lines. A line is ~20 KB and nlohmann parses ~40 MB/s, so lines that differ from an
// earlier one only in values that do not change the work (index, entropies, prediction) reuse its
// parsed record: 10,000 sentences read in a fraction of a second.
#include "sim/trace_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgemt::sim {

using nlohmann::json;

namespace {

struct Line {
  const std::string& source;
  size_t number;
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw Error(source + ":" + std::to_string(number) + ": " + field + ": " + what);
  }
  const json& get(const json& o, const char* key, const std::string& path) const {
    const auto it = o.find(key);
    if (it == o.end()) fail(path + key, "missing field");
    return *it;
  }
  long integer(const json& o, const char* key, const std::string& path, long min) const {
    const json& v = get(o, key, path);
    if (!v.is_number_integer() || v.get<long>() < min)
      fail(path + key, "expected an integer >= " + std::to_string(min) + ", got " + v.dump());
    return v.get<long>();
  }
};

TensorClass gemm_class(const std::string& op) {
  if (op.rfind("adapter.", 0) == 0) return TensorClass::Adapters;
  if (op.rfind("offramp.", 0) == 0) return TensorClass::Offramps;
  if (op == "pooler" || op == "classifier") return TensorClass::Heads;
  return TensorClass::SharedLayers;
}

GemmOp gemm(const Line& ln, const json& g, const std::string& path, int task, Trace& t) {
  if (!g.is_object()) ln.fail(path, "expected a GEMM object");
  const json& op = ln.get(g, "op", path + ".");
  const json& weight = ln.get(g, "weight", path + ".");
  const json& file = ln.get(g, "file", path + ".");
  const json& shape = ln.get(g, "shape", path + ".");
  const json& density = ln.get(g, "density", path + ".");
  if (!op.is_string() || !weight.is_string()) ln.fail(path, "op and weight must be strings");
  if (!file.is_string() || (file != "model" && file != "task"))
    ln.fail(path + ".file", "expected \"model\" or \"task\", got " + file.dump());
  if (!shape.is_array() || shape.size() != 3) ln.fail(path + ".shape", "expected [M, N, K]");
  for (const auto& d : shape)
    if (!d.is_number_integer() || d.get<long>() < 1)
      ln.fail(path + ".shape", "expected three positive integers, got " + shape.dump());
  if (!density.is_number() || !(density.get<double>() >= 0 && density.get<double>() <= 1))
    ln.fail(path + ".density", "expected a number in [0, 1], got " + density.dump());
  GemmOp r{.cls = gemm_class(op.get_ref<const std::string&>()),
           .M = shape[0].get<long>(),
           .N = shape[1].get<long>(),
           .K = shape[2].get<long>(),
           .density = density.get<double>(),
           .qk = op == "attention.query" || op == "attention.key"};
  const bool task_file = file == "task";
  const std::string& name = weight.get_ref<const std::string&>();
  std::string key = (task_file ? t.tasks[static_cast<size_t>(task)] + "/task/" : std::string("/model/")) + name;
  auto [it, added] = t.tensor_index.try_emplace(std::move(key), static_cast<int>(t.tensors.size()));
  if (added) {
    t.tensors.push_back({.file = task_file ? "task" : "model",
                         .name = name,
                         .task = task_file ? task : -1,
                         .cls = r.cls,
                         .rows = r.N,
                         .cols = r.K,
                         .density = r.density});
  } else {
    const TensorInfo& ti = t.tensors[static_cast<size_t>(it->second)];
    // Q/K projections of skipped heads are the same tensor: N may only shrink, never K.
    if (ti.cols != r.K || r.N > ti.rows)
      ln.fail(path + ".shape", "tensor " + name + " seen before as [" + std::to_string(ti.rows) + ", " +
                                   std::to_string(ti.cols) + "], now N " + std::to_string(r.N) + ", K " +
                                   std::to_string(r.K));
  }
  r.tensor = it->second;
  return r;
}

std::vector<GemmOp> gemms(const Line& ln, const json& o, const std::string& path, int task, Trace& t) {
  const json& a = ln.get(o, "gemms", path);
  if (!a.is_array()) ln.fail(path + "gemms", "expected an array");
  std::vector<GemmOp> out;
  out.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) out.push_back(gemm(ln, a[i], path + "gemms[" + std::to_string(i) + "]", task, t));
  return out;
}

LayerOps layer(const Line& ln, const json& l, const std::string& path, int task, Trace& t, long T) {
  if (!l.is_object()) ln.fail(path, "expected an object");
  LayerOps r;
  r.gemms = gemms(ln, l, path + ".", task, t);
  const json& att = ln.get(l, "attention", path + ".");
  r.heads = ln.integer(att, "heads", path + ".attention.", 1);
  r.head_dim = ln.integer(att, "head_dim", path + ".attention.", 1);
  const json& pairs = ln.get(att, "pairs", path + ".attention.");
  if (!pairs.is_array() || static_cast<long>(pairs.size()) != r.heads)
    ln.fail(path + ".attention.pairs", "expected one count per head (" + std::to_string(r.heads) + ")");
  for (const auto& p : pairs) {
    if (!p.is_number_integer() || p.get<long>() < 0 || p.get<long>() > T * T)
      ln.fail(path + ".attention.pairs", "expected counts in [0, T²], got " + p.dump());
    r.pairs.push_back(p.get<long>());
  }
  const json& sfu = ln.get(l, "sfu", path + ".");
  const std::string sp = path + ".sfu.";
  r.layer_norm_rows = ln.integer(sfu, "layer_norm_rows", sp, 0);
  r.layer_norm_width = ln.integer(sfu, "layer_norm_width", sp, 1);
  r.softmax_rows = ln.integer(sfu, "softmax_rows", sp, 0);
  r.activation_elements = ln.integer(sfu, "activation_elements", sp, 0);
  r.residual_adds = ln.integer(sfu, "residual_adds", sp, 0);
  if (const auto it = l.find("offramp"); it != l.end() && !it->is_null()) {
    r.offramp = gemms(ln, *it, path + ".offramp.", task, t);
    const json& kind = ln.get(*it, "kind", path + ".offramp.");
    if (kind != "light" && kind != "full") ln.fail(path + ".offramp.kind", "expected \"light\" or \"full\"");
    r.offramp_light = kind == "light";
  }
  return r;
}

int task_id(Trace& t, const std::string& name) {
  for (size_t i = 0; i < t.tasks.size(); ++i)
    if (t.tasks[i] == name) return static_cast<int>(i);
  t.tasks.push_back(name);
  return static_cast<int>(t.tasks.size() - 1);
}

void sentence(const Line& ln, const json& j, Trace& t) {
  if (!j.is_object()) ln.fail("record", "expected one JSON object per line");
  SentenceTrace s;
  s.index = ln.integer(j, "index", "", 0);
  const json& task = ln.get(j, "task", "");
  if (!task.is_string()) ln.fail("task", "expected a string");
  s.task = task_id(t, task.get<std::string>());
  s.tokens = ln.integer(j, "tokens", "", 1);
  s.layers = static_cast<int>(ln.integer(j, "layers", "", 1));
  s.exit_layer = static_cast<int>(ln.integer(j, "exit_layer", "", 1));
  if (s.exit_layer > s.layers) ln.fail("exit_layer", "exceeds layers (" + std::to_string(s.layers) + ")");
  if (ln.integer(j, "layers_run", "", 1) != s.exit_layer) ln.fail("layers_run", "differs from exit_layer");
  const json& pred = ln.get(j, "predicted_exit_layer", "");
  if (!pred.is_null()) {
    if (!pred.is_number_integer() || pred.get<long>() < 1 || pred.get<long>() > s.layers)
      ln.fail("predicted_exit_layer", "expected null or an integer in [1, layers], got " + pred.dump());
    s.predicted_exit_layer = pred.get<int>();
  }
  const json& emb = ln.get(j, "embedding", "");
  s.lookups = ln.integer(emb, "lookups", "embedding.", 1);
  s.embedding_width = ln.integer(emb, "width", "embedding.", 1);
  const auto eg = gemms(ln, emb, "embedding.", s.task, t);
  if (eg.size() != 1) ln.fail("embedding.gemms", "expected the one E→H projection");
  s.embedding = eg[0];
  const json& per_layer = ln.get(j, "per_layer", "");
  if (!per_layer.is_array() || static_cast<int>(per_layer.size()) != s.exit_layer)
    ln.fail("per_layer", "expected layers_run (" + std::to_string(s.exit_layer) + ") entries");
  s.layers_run.reserve(per_layer.size());
  for (size_t i = 0; i < per_layer.size(); ++i)
    s.layers_run.push_back(layer(ln, per_layer[i], "per_layer[" + std::to_string(i) + "]", s.task, t, s.tokens));
  if (const auto it = j.find("head"); it != j.end() && !it->is_null()) s.head = gemms(ln, *it, "head.", s.task, t);
  if (s.exit_layer == s.layers && s.head.empty()) ln.fail("head", "missing for a sentence that ran all layers");
  for (const auto* g : {s.head.empty() ? nullptr : &s.head.back(),
                        s.layers_run.back().offramp.empty() ? nullptr : &s.layers_run.back().offramp.back()})
    if (g) s.classes = g->N;

  if (t.layers == 0) {
    t.layers = s.layers;
    t.hidden = s.embedding.N;
    t.embedding_width = s.embedding_width;
  } else if (t.layers != s.layers || t.hidden != s.embedding.N || t.embedding_width != s.embedding_width) {
    ln.fail("layers", "a different model from earlier lines (L " + std::to_string(t.layers) + ", H " +
                          std::to_string(t.hidden) + ", E " + std::to_string(t.embedding_width) + ")");
  }
  t.full_depth_seen = t.full_depth_seen || s.exit_layer == s.layers;
  s.work = t.sentences.size();
  t.sentences.push_back(std::move(s));
}

// `line` without the values of the fields that vary between sentences of identical work (the
// writer's compact output: a value is a number, null, a bool, or for "entropies" a flat array of
// those). Returns false, so the caller parses in full, when a cut value looks like
// anything else; `index` receives the sentence index.
bool work_key(std::string_view line, std::string& key, long& index) {
  // "entrop" finds both "entropies":[…] (top level) and "entropy": (in off-ramps); index, label_id
  // and score are top-level fields that occur once.
  static constexpr std::string_view kCuts[] = {"\"index\":", "\"entrop", "\"label_id\":", "\"score\":"};
  std::vector<std::pair<size_t, size_t>> cuts;
  index = -1;
  for (size_t i = 0; i < std::size(kCuts); ++i) {
    for (size_t from = 0;;) {  // glibc memmem: ~1 GB/s here, several times std::search
      const void* hit = memmem(line.data() + from, line.size() - from, kCuts[i].data(), kCuts[i].size());
      if (!hit) break;
      size_t begin = static_cast<size_t>(static_cast<const char*>(hit) - line.data()) + kCuts[i].size();
      bool array = false;
      if (i == 1) {
        const std::string_view rest = line.substr(begin);
        if (rest.starts_with("ies\":[")) {
          begin += 6, array = true;
        } else if (rest.starts_with("y\":")) {
          begin += 3;
        } else {  // another string, e.g. the policy "entropy"
          from = begin;
          continue;
        }
      }
      const size_t end = array ? line.find(']', begin) : line.find_first_of(",}", begin);
      if (end == std::string_view::npos) return false;
      const std::string_view v = line.substr(begin, end - begin);
      if (v.find_first_not_of("0123456789+-.eEnultrfas,") != std::string_view::npos) return false;
      cuts.emplace_back(begin, end);
      if (i == 0) {
        if (std::from_chars(v.data(), v.data() + v.size(), index).ptr != v.data() + v.size() || index < 0)
          return false;
        break;
      }
      if (i >= 2) break;
      from = end;
    }
  }
  if (index < 0) return false;
  std::sort(cuts.begin(), cuts.end());
  key.clear();
  size_t from = 0;
  for (const auto& [b, e] : cuts) {
    if (b < from) return false;
    key.append(line.substr(from, b - from));
    from = e;
  }
  key.append(line.substr(from));
  return true;
}

}  // namespace

void read_trace(std::istream& in, const std::string& source, Trace& trace) {
  std::string text, key;
  std::unordered_map<std::string, size_t> seen;  // work key → sentence parsed in full
  size_t number = 0, before = trace.sentences.size();
  while (std::getline(in, text)) {
    ++number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    long index = 0;
    const bool keyed = work_key(text, key, index);
    if (keyed) {
      if (const auto it = seen.find(key); it != seen.end()) {
        trace.sentences.push_back(trace.sentences[it->second]);
        trace.sentences.back().index = index;
        continue;
      }
    }
    const Line ln{source, number};
    json j;
    try {
      j = json::parse(text);
    } catch (const json::parse_error& e) {
      throw Error(source + ":" + std::to_string(number) + ": invalid JSON: " + e.what());
    }
    sentence(ln, j, trace);
    if (keyed) seen.emplace(key, trace.sentences.size() - 1);
  }
  if (trace.sentences.size() == before) throw Error(source + ": no trace records (expected JSON lines from edgemt eval --trace)");
  trace.sources.push_back(source);
}

void read_trace_file(const std::string& path, Trace& trace) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open trace");
  read_trace(in, path, trace);
}

}  // namespace edgemt::sim
