// Per-op cycles, memory streams and energies of a traced sentence (docs/simulator.md "Per sentence").
#include "sim/sentence_cost.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace edgemt::sim {

namespace {

size_t idx(TensorClass c) { return static_cast<size_t>(c); }
double ceil_div(double a, double b) { return std::ceil(a / b - 1e-12); }

}  // namespace

struct CostModel::Op {
  double fill_ns = 0;
};

void SegmentCost::clear(size_t memories) {
  timings.clear();
  nonzero_macs = zero_operand_macs = mac_pj = sfu_pj = decode_pj = 0;
  for (auto* v : {&read_pj, &write_pj, &read_bytes, &write_bytes}) v->assign(memories, 0);
}

double SegmentCost::latency_ns(double frequency_mhz, bool double_buffering) const {
  const double ghz = frequency_mhz / 1000;
  double t = 0;
  for (const auto& op : timings) {
    const double compute = op.cycles / ghz;
    t += (double_buffering ? std::max(compute, op.mem_ns) : compute + op.mem_ns) + op.fill_ns;
  }
  return t;
}

CostModel::CostModel(const AccelSpec& accel, const MappingSpec& mapping, const MemoryMap& map, const Trace& trace)
    : a_(accel), m_(mapping), map_(map), t_(trace), act_bytes_(activation_bytes(mapping)) {
  scratch_.assign(m_.memories.size(), 0);
}

const TileProfile& CostModel::profile(const GemmOp& g, long N, bool bitmask) const {
  const long key = (static_cast<long>(g.tensor) << 32) | (N << 1) | (bitmask ? 1 : 0);
  auto it = profiles_.find(key);
  if (it == profiles_.end())
    it = profiles_.emplace(key, expected_tiles(N, g.K, bitmask ? g.density : 1.0, a_.pu.n, a_.pu.bitmask_decoders))
             .first;
  return it->second;
}

// Bytes of class `cls` read and written, split over the memories it lives in (MemoryMap::fraction);
// each memory streams its share at its bandwidth, in parallel with the others.
void CostModel::stream(Op& op, TensorClass cls, double read_bytes, double write_bytes, SegmentCost& c) const {
  const auto& frac = map_.fraction[idx(cls)];
  for (size_t k = 0; k < frac.size(); ++k) {
    if (frac[k] == 0) continue;
    const MemoryInstance& mem = m_.memories[k];
    const double r = read_bytes * frac[k], w = write_bytes * frac[k];
    c.read_pj[k] += 8 * r * mem.tech.read_pj_per_bit;
    c.write_pj[k] += 8 * w * mem.tech.write_pj_per_bit;
    c.read_bytes[k] += r;
    c.write_bytes[k] += w;
    scratch_[k] += r / mem.read_bytes_per_ns + w / mem.write_bytes_per_ns;
    if (r > 0) op.fill_ns = std::max(op.fill_ns, mem.tech.read_latency_ns);
  }
}

void CostModel::finish(Op& op, double cycles, SegmentCost& c) const {
  double mem_ns = 0;
  for (auto& s : scratch_) mem_ns = std::max(mem_ns, s), s = 0;
  c.timings.push_back({cycles, mem_ns, op.fill_ns});
}

// y [M, N] = x [M, K] · Wᵀ. Weights are re-read once per chunk of tokens that fits the input buffer
// (half of it when double-buffered); x is read once, y written once.
void CostModel::gemm(const GemmOp& g, long N, SegmentCost& c) const {
  const StorageFormat fmt = m_.formats[idx(g.cls)];
  const bool bitmask = fmt == StorageFormat::Af8Bitmask;
  const GemmCycles gc = cycles_for(profile(g, N, bitmask), g.M);
  const auto& e = a_.energy;
  c.nonzero_macs += gc.nonzero_macs;
  c.zero_operand_macs += gc.zero_operand_macs;
  c.mac_pj += gc.nonzero_macs * e.mac_pj + gc.zero_operand_macs * e.mac_zero_operand_pj;
  if (bitmask) c.decode_pj += gc.decoded_rows * e.decode_pj_per_row;
  const double chunk = static_cast<double>(a_.pu.input_buffer_bytes) / (a_.pu.double_buffering ? 2 : 1);
  const double x_bytes = static_cast<double>(g.M * g.K) * act_bytes_;
  const double passes = ceil_div(x_bytes, chunk);
  const double w_bytes = stored_bytes(fmt, static_cast<double>(N * g.K), g.density) + kParamBytes * static_cast<double>(N);
  Op op;
  stream(op, g.cls, passes * w_bytes, 0, c);
  stream(op, TensorClass::Activations, x_bytes, static_cast<double>(g.M * N) * act_bytes_, c);
  finish(op, gc.cycles, c);
}

// Per head with p > 0 query–key pairs: Q·Kᵀ then P·V, each T·⌈keys/n⌉·⌈DH/n⌉ cycles with keys = ⌈p/T⌉
// (K or V rows stationary in the array), 2·p·DH MACs, dense. A head with p = 0 copies V (ALGORITHMS.md §5).
void CostModel::attention(const LayerOps& l, long T, SegmentCost& c) const {
  const double n = static_cast<double>(a_.pu.n), DH = static_cast<double>(l.head_dim), t = static_cast<double>(T);
  double cycles = 0, macs = 0, pairs = 0, active = 0;
  for (long p : l.pairs) {
    if (p == 0) continue;
    ++active;
    pairs += static_cast<double>(p);
    cycles += 2 * t * ceil_div(ceil_div(static_cast<double>(p), t), n) * ceil_div(DH, n);
    macs += 2 * static_cast<double>(p) * DH;
  }
  c.nonzero_macs += macs;
  c.mac_pj += macs * a_.energy.mac_pj;
  const double heads = static_cast<double>(l.heads);
  Op op;
  // Reads: Q, K, V of active heads, V of copying heads, the probabilities; writes: scores, context.
  stream(op, TensorClass::Activations, ((3 * active + (heads - active)) * t * DH + pairs) * act_bytes_,
         (heads * t * DH + pairs) * act_bytes_, c);
  finish(op, cycles, c);
  sfu(a_.sfu.softmax, pairs, static_cast<double>(l.softmax_rows), pairs * act_bytes_, pairs * act_bytes_, c);
}

// cycles = ⌈elements · passes / lanes⌉ + rows · row_cycles; inputs and outputs through activation memory.
void CostModel::sfu(const SfuOp& op, double elements, double rows, double read_bytes, double write_bytes,
                    SegmentCost& c) const {
  if (elements <= 0) return;
  const double cycles = ceil_div(elements * static_cast<double>(op.passes), static_cast<double>(a_.sfu.lanes)) +
                        rows * static_cast<double>(op.row_cycles);
  c.sfu_pj += elements * op.energy_pj_per_element;
  Op o;
  stream(o, TensorClass::Activations, read_bytes, write_bytes, c);
  finish(o, cycles, c);
}

// Lookups of T rows in the word, position and type tables (E wide, embedding format), their sum and
// LayerNorm on the SFU, then the E→H projection.
void CostModel::embedding(const SentenceTrace& s, SegmentCost& c) const {
  const double rows = static_cast<double>(s.lookups), E = static_cast<double>(s.embedding_width);
  Op op;
  stream(op, TensorClass::Embeddings,
         stored_bytes(m_.formats[idx(TensorClass::Embeddings)], 3 * rows * E, m_.embedding_density), 0, c);
  finish(op, 0, c);
  sfu(a_.sfu.elementwise, 2 * rows * E, 0, 0, rows * E * act_bytes_, c);
  sfu(a_.sfu.layer_norm, rows * E, rows, rows * E * act_bytes_, rows * E * act_bytes_, c);
  gemm(s.embedding, s.embedding.N, c);
}

void CostModel::layer(const LayerOps& l, long T, long C, SegmentCost& c) const {
  const long active = static_cast<long>(std::count_if(l.pairs.begin(), l.pairs.end(), [](long p) { return p > 0; }));
  double act_elements = static_cast<double>(l.activation_elements), residual = static_cast<double>(l.residual_adds);
  for (const auto& g : l.gemms) {
    if (g.cls == TensorClass::Adapters && m_.per_task_model) {  // (a) has no adapters: drop their work
      (g.N < g.K ? act_elements : residual) -= static_cast<double>(g.M * g.N);
      continue;
    }
    const long N = g.qk ? g.N * active / l.heads : g.N;
    if (N > 0) gemm(g, N, c);
  }
  attention(l, T, c);
  const double ln = static_cast<double>(l.layer_norm_rows * l.layer_norm_width);
  sfu(a_.sfu.layer_norm, ln, static_cast<double>(l.layer_norm_rows), ln * act_bytes_, ln * act_bytes_, c);
  sfu(a_.sfu.activation, act_elements, 0, 0, 0, c);  // fused after the accumulators
  sfu(a_.sfu.elementwise, residual, 0, residual * act_bytes_, 0, c);
  if (l.offramp.empty()) return;
  const double H = static_cast<double>(t_.hidden);
  if (l.offramp_light) sfu(a_.sfu.layer_norm, H, 1, H * act_bytes_, H * act_bytes_, c);
  for (size_t i = 0; i < l.offramp.size(); ++i) {
    gemm(l.offramp[i], l.offramp[i].N, c);
    if (i + 1 < l.offramp.size()) sfu(a_.sfu.activation, static_cast<double>(l.offramp[i].N), 0, 0, 0, c);  // tanh
  }
  sfu(a_.sfu.entropy, static_cast<double>(C), 1, 0, 0, c);
}

void CostModel::sentence(const SentenceTrace& s, std::vector<SegmentCost>& out) const {
  const size_t segments = 1 + s.layers_run.size() + (s.head.empty() ? 0 : 1);
  if (out.size() < segments) out.resize(segments);
  out.resize(segments);
  for (auto& seg : out) seg.clear(m_.memories.size());
  embedding(s, out[0]);
  for (size_t l = 0; l < s.layers_run.size(); ++l) layer(s.layers_run[l], s.tokens, s.classes, out[l + 1]);
  if (s.head.empty()) return;
  SegmentCost& h = out.back();
  for (size_t i = 0; i < s.head.size(); ++i) {
    gemm(s.head[i], s.head[i].N, h);
    if (i + 1 < s.head.size()) sfu(a_.sfu.activation, static_cast<double>(s.head[i].N), 0, 0, 0, h);  // tanh
  }
  sfu(a_.sfu.entropy, static_cast<double>(s.classes), 1, 0, 0, h);
}

}  // namespace edgemt::sim
