// Per-op costs of a traced sentence: a GEMM's cycles and traffic by hand, memory energies equal to
// the table entries for every technology, Q/K projections skipped for heads that attend to nothing.
#include "sim/sentence_cost.h"

#include <gtest/gtest.h>

#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

// Every class in memory 0 except activations (memory 1).
MappingSpec two_memories(const TechTable& t, const std::string& tech) {
  MappingSpec m = testing::mapping("adapter-albert", t);
  m.memories = {m.memories[1], m.memories[1]};
  m.memories[0].name = "weights";
  m.memories[0].tech = *t.find(tech);
  m.memories[0].capacity_bytes = 1e9;
  m.placement.clear();
  for (int c = 0; c < kClassCount; ++c)
    m.placement.emplace_back(static_cast<TensorClass>(c), c == static_cast<int>(TensorClass::Activations) ? 1 : 0);
  m.spill = -1;
  return m;
}

TEST(SimSentenceCost, MemoryEnergiesReproduceTheTable) {
  // At the table's own node (no scaling) the energy of the bits each memory moved is its table entry.
  TechTable t = testing::techs();
  t.scaling = {.to_node_nm = 22};
  t.scaled = t.table;
  const AccelSpec a = testing::preset("edgebert-n16");
  const Trace tr = testing::synthetic({.sentences = 1, .min_tokens = 16, .max_tokens = 16, .density = 0.4});
  for (const auto& tech : t.table) {
    const MappingSpec m = two_memories(t, tech.name);
    const MemoryMap map = map_memory(m, footprint(tr, m, {}, 1));
    const CostModel model(a, m, map, tr);
    std::vector<SegmentCost> segs;
    model.sentence(tr.sentences[0], segs);
    double read_pj = 0, read_bytes = 0;
    for (const auto& s : segs) read_pj += s.read_pj[0], read_bytes += s.read_bytes[0];
    ASSERT_GT(read_bytes, 0) << tech.name;
    EXPECT_NEAR(read_pj / (8 * read_bytes), tech.read_pj_per_bit, 1e-12) << tech.name;
    double write_pj = 0, write_bytes = 0;
    for (const auto& s : segs) write_pj += s.write_pj[1], write_bytes += s.write_bytes[1];
    EXPECT_NEAR(write_pj / (8 * write_bytes), 0.264, 1e-12) << "activations in SRAM";
  }
}

TEST(SimSentenceCost, GemmCyclesAndTrafficByHand) {
  // One sentence, T 16, density 1, all weights in SRAM: the E→H projection [16, 768, 128] takes
  // 8 + 48·8·16 cycles and reads 768·128 AF8-bitmask weights (1.125 bytes) + 768 16-bit biases once
  // (16·128 bytes of input fit the input buffer), reads x 16·128 and writes y 16·768 bytes.
  const TechTable t = testing::techs();
  const AccelSpec a = testing::preset("edgebert-n16");
  const MappingSpec m = two_memories(t, "SRAM");
  const Trace tr = testing::synthetic({.sentences = 1, .min_tokens = 16, .max_tokens = 16});
  const MemoryMap map = map_memory(m, footprint(tr, m, {}, 1));
  const CostModel model(a, m, map, tr);
  std::vector<SegmentCost> segs;
  model.sentence(tr.sentences[0], segs);
  ASSERT_EQ(segs.size(), 14u);  // embedding, 12 layers, head
  const Timing& g = segs[0].timings.back();
  EXPECT_EQ(g.cycles, 8 + 48 * 8 * 16);
  const auto& mem = m.memories[0];
  EXPECT_DOUBLE_EQ(g.mem_ns, (768 * 128 * 1.125 + 2 * 768) / mem.read_bytes_per_ns);
  EXPECT_EQ(g.fill_ns, mem.tech.read_latency_ns);
  EXPECT_DOUBLE_EQ(segs[0].nonzero_macs, 16.0 * 768 * 128);
}

TEST(SimSentenceCost, HeadsThatCopyValuesSkipQueryAndKey) {
  const TechTable t = testing::techs();
  const AccelSpec a = testing::preset("edgebert-n16");
  const MappingSpec m = testing::mapping("adapter-albert", t);
  const Trace full = testing::synthetic({.sentences = 1, .min_tokens = 20, .max_tokens = 20});
  const Trace copy = testing::synthetic({.sentences = 1, .min_tokens = 20, .max_tokens = 20, .span_window = 0});
  std::vector<SegmentCost> sf, sc;
  const MemoryMap mf = map_memory(m, footprint(full, m, {}, 1)), mc = map_memory(m, footprint(copy, m, {}, 1));
  CostModel(a, m, mf, full).sentence(full.sentences[0], sf);
  CostModel(a, m, mc, copy).sentence(copy.sentences[0], sc);
  // Q and K projections (2·T·H·H) and attention (2·T²·H) disappear.
  EXPECT_DOUBLE_EQ(sf[1].nonzero_macs - sc[1].nonzero_macs, 2.0 * 20 * 768 * 768 + 2.0 * 20 * 20 * 768);
}

}  // namespace
}  // namespace edgemt::sim
