// The work of one traced sentence as segments (embedding, each layer run with its off-ramp, the
// head), each a list of op timings (cycles, memory streaming, fill latency) plus energies that do
// not depend on time: dynamic logic energy at the spec's reference voltage and memory access energy.
#pragma once

#include <unordered_map>
#include <vector>

#include "sim/accel_spec.h"
#include "sim/memory_map.h"
#include "sim/pu_model.h"
#include "sim/trace_reader.h"

namespace edgemt::sim {

// One op: t(f) = max(cycles / f, mem_ns) + fill_ns with double buffering, else the sum.
struct Timing {
  double cycles = 0, mem_ns = 0, fill_ns = 0;
};

struct SegmentCost {
  std::vector<Timing> timings;
  double nonzero_macs = 0, zero_operand_macs = 0;
  double mac_pj = 0, sfu_pj = 0, decode_pj = 0;  // dynamic, at AccelSpec::Energy::at_voltage_v
  std::vector<double> read_pj, write_pj;         // per memory of the mapping
  std::vector<double> read_bytes, write_bytes;   // per memory of the mapping

  void clear(size_t memories);
  double logic_pj() const { return mac_pj + sfu_pj + decode_pj; }
  double latency_ns(double frequency_mhz, bool double_buffering) const;
};

class CostModel {
 public:
  CostModel(const AccelSpec& accel, const MappingSpec& mapping, const MemoryMap& map, const Trace& trace);

  // out[0]: embedding; out[l]: layer l (1 … exit layer) with its ramp; then the head if it ran.
  void sentence(const SentenceTrace& s, std::vector<SegmentCost>& out) const;

 private:
  struct Op;  // memory streams of the op being built
  void gemm(const GemmOp& g, long N, SegmentCost& c) const;
  void attention(const LayerOps& l, long T, SegmentCost& c) const;
  void sfu(const SfuOp& op, double elements, double rows, double read_bytes, double write_bytes, SegmentCost& c) const;
  void stream(Op& op, TensorClass cls, double read_bytes, double write_bytes, SegmentCost& c) const;
  void finish(Op& op, double cycles, SegmentCost& c) const;
  void embedding(const SentenceTrace& s, SegmentCost& c) const;
  void layer(const LayerOps& l, long T, long C, SegmentCost& c) const;
  const TileProfile& profile(const GemmOp& g, long N, bool bitmask) const;

  const AccelSpec& a_;
  const MappingSpec& m_;
  const MemoryMap& map_;
  const Trace& t_;
  double act_bytes_;
  mutable std::unordered_map<long, TileProfile> profiles_;  // (tensor, N) → expected tiles
  mutable std::vector<double> scratch_;                      // per-memory stream time of one op
};

}  // namespace edgemt::sim
