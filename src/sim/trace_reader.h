// Traces of `edgemt eval --trace` (docs/formats.md "Traces") read into plain structs: per sentence
// the work of the layers it ran, and a registry of every weight tensor seen (shape, density, class).
#pragma once

#include <istream>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/mapping_spec.h"

namespace edgemt::sim {

// y [M, N] = x [M, K] · Wᵀ with W = Trace::tensors[tensor].
struct GemmOp {
  TensorClass cls = TensorClass::SharedLayers;
  int tensor = -1;
  long M = 0, N = 0, K = 0;
  double density = 1;  // non-zero fraction of W
  bool qk = false;     // attention.query / attention.key: skipped for heads that attend to nothing
};

struct LayerOps {
  std::vector<GemmOp> gemms;  // execution order
  long heads = 0, head_dim = 0;
  std::vector<long> pairs;    // [heads] query–key pairs scored
  long layer_norm_rows = 0, layer_norm_width = 0, softmax_rows = 0, activation_elements = 0, residual_adds = 0;
  std::vector<GemmOp> offramp;  // empty when no ramp ran after this layer
  bool offramp_light = false;   // light ramps start with a LayerNorm of h₀
};

struct SentenceTrace {
  long index = 0;
  size_t work = 0;       // the first sentence of the trace with identical work (itself if none)
  int task = 0;          // into Trace::tasks
  long tokens = 0;       // T
  int layers = 0;        // L
  int exit_layer = 0;    // = layers run
  int predicted_exit_layer = 0;  // L̂, 0 when the trace has none
  long lookups = 0, embedding_width = 0;
  GemmOp embedding;      // E→H projection
  std::vector<LayerOps> layers_run;
  std::vector<GemmOp> head;  // pooler, classifier; empty when the sentence exited early
  long classes = 0;          // C (from the head or a ramp's classifier), for the entropy SFU work
};

struct TensorInfo {
  std::string file, name;  // "model" | "task", the tensor's name in it
  int task = -1;           // owning task for task-file tensors
  TensorClass cls = TensorClass::SharedLayers;
  long rows = 0, cols = 0;  // N, K
  double density = 1;
};

struct Trace {
  std::vector<std::string> sources;  // files read
  std::vector<std::string> tasks;
  std::vector<TensorInfo> tensors;
  std::vector<SentenceTrace> sentences;
  long layers = 0, hidden = 0, embedding_width = 0;
  bool full_depth_seen = false;  // some sentence ran all L layers, so every shared tensor was seen
  std::unordered_map<std::string, int> tensor_index;  // "task/file/name" → tensors index
};

// Appends the JSON lines of `in` to `trace`; `source` names the file in errors ("FILE:LINE: field: …").
void read_trace(std::istream& in, const std::string& source, Trace& trace);
void read_trace_file(const std::string& path, Trace& trace);

}  // namespace edgemt::sim
