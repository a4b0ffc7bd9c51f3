// Footprints from the trace's tensor registry (shapes, densities) and the mapping's formats.
#include "sim/memory_map.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"

namespace edgemt::sim {

namespace {

size_t idx(TensorClass c) { return static_cast<size_t>(c); }

std::string mb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f MB", bytes / 1e6);
  return buf;
}

}  // namespace

double activation_bytes(const MappingSpec& m) {
  return stored_bytes(m.formats[idx(TensorClass::Activations)], 1, 1);
}

Footprint footprint(const Trace& t, const MappingSpec& m, const ModelDims& dims, long tasks) {
  EDGEMT_CHECK(tasks >= 1 && !t.sentences.empty());
  Footprint f;
  f.tasks = tasks;
  f.complete = t.full_depth_seen;
  // Embedding tables [V + P + types, E] in the embedding format (traces do not carry their density).
  const double E = static_cast<double>(t.embedding_width);
  const StorageFormat ef = m.formats[idx(TensorClass::Embeddings)];
  f.embedding_word_bytes = stored_bytes(ef, static_cast<double>(dims.vocab_size) * E, m.embedding_density);
  const double tables = static_cast<double>(dims.vocab_size + dims.max_positions + dims.type_vocab_size) * E;
  double shared[kClassCount] = {}, task_total[kClassCount] = {};
  shared[idx(TensorClass::Embeddings)] = stored_bytes(ef, tables, m.embedding_density);
  // Every weight seen: shared (model file, task −1) or owned by one task (task file).
  for (const auto& w : t.tensors) {
    const double bytes = stored_bytes(m.formats[idx(w.cls)], static_cast<double>(w.rows * w.cols), w.density) +
                         kParamBytes * static_cast<double>(w.rows);
    (w.task < 0 ? shared : task_total)[idx(w.cls)] += bytes;
  }
  const double seen_tasks = static_cast<double>(t.tasks.size());
  for (int c = 0; c < kClassCount; ++c) {
    const auto cls = static_cast<TensorClass>(c);
    // Per-task classes: the mean pack of the traced tasks, once per resident task.
    f.per_task[idx(cls)] = task_total[c] / seen_tasks + (per_task_class(cls) ? shared[c] : 0);
    if (per_task_class(cls))
      f.bytes[idx(cls)] = f.per_task[idx(cls)] * static_cast<double>(tasks);
    else
      f.bytes[idx(cls)] = shared[c] + task_total[c] / seen_tasks;
  }
  if (m.per_task_model) {  // (a): no adapters; every task its own embeddings and layers
    f.bytes[idx(TensorClass::Adapters)] = f.per_task[idx(TensorClass::Adapters)] = 0;
    for (auto c : {TensorClass::Embeddings, TensorClass::SharedLayers}) {
      f.per_task[idx(c)] = f.bytes[idx(c)];
      f.bytes[idx(c)] *= static_cast<double>(tasks);
    }
  }
  // Activations: the largest working set of one layer, x, q, k, v, context [T, H], the FFN's [T, I]
  // and one head's scores [T, keys] (heads run one after the other).
  double peak = 0;
  for (const auto& s : t.sentences) {
    const auto& l = s.layers_run.front();
    long I = 0;
    for (const auto& g : l.gemms) I = std::max(I, g.N);
    const long pairs = *std::max_element(l.pairs.begin(), l.pairs.end());
    peak = std::max(peak, static_cast<double>(s.tokens * (5 * t.hidden + I) + pairs));
  }
  f.bytes[idx(TensorClass::Activations)] = peak * activation_bytes(m);
  f.per_task[idx(TensorClass::Activations)] = 0;
  return f;
}

MemoryMap map_memory(const MappingSpec& m, const Footprint& f) {
  MemoryMap r;
  const size_t nm = m.memories.size();
  r.used_bytes.assign(nm, 0);
  for (auto& v : r.fraction) v.assign(nm, 0);
  auto spill = [&](TensorClass c, double bytes, const std::string& why) {
    const double total = f.bytes[idx(c)];
    if (m.spill >= 0) {
      const auto k = static_cast<size_t>(m.spill);
      if (r.used_bytes[k] + bytes <= m.memories[k].capacity_bytes) {
        r.used_bytes[k] += bytes;
        r.fraction[idx(c)][k] += bytes / total;
        r.spilled_bytes += bytes;
        r.notes.push_back(std::string(class_name(c)) + ": " + mb(bytes) + " " + why + ", spilled to " +
                          m.memories[k].name);
        return;
      }
    }
    r.fits = false;
    r.notes.push_back(std::string(class_name(c)) + ": does not fit: " + mb(bytes) + " " + why +
                      (m.spill >= 0 ? " and the spill memory is full" : " and the mapping has no spill memory"));
  };
  bool placed[kClassCount] = {};
  for (const auto& [c, k] : m.placement) {
    placed[idx(c)] = true;
    const double bytes = f.bytes[idx(c)];
    if (bytes <= 0) continue;
    const auto ku = static_cast<size_t>(k);
    const double put = std::min(bytes, std::max(0.0, m.memories[ku].capacity_bytes - r.used_bytes[ku]));
    r.used_bytes[ku] += put;
    r.fraction[idx(c)][ku] += put / bytes;
    if (bytes - put > 0) spill(c, bytes - put, "beyond the capacity of " + m.memories[ku].name);
  }
  for (int c = 0; c < kClassCount; ++c)
    if (!placed[c] && f.bytes[static_cast<size_t>(c)] > 0)
      spill(static_cast<TensorClass>(c), f.bytes[static_cast<size_t>(c)], "has no placement");
  return r;
}

}  // namespace edgemt::sim
