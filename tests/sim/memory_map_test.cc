// Footprints and placement: EdgeBERT's embedding size, one backbone vs one model per task, spills
// to DRAM, and a model that cannot fit reported as a value.
#include "sim/memory_map.h"

#include <gtest/gtest.h>

#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

size_t idx(TensorClass c) { return static_cast<size_t>(c); }

TEST(SimMemoryMap, EmbeddingsAreEdgeBertsTwoMegabytes) {
  // 30000 × 128 word embeddings, 60 % pruned, AF8 + bitmask: 0.4·3.84 M + 3.84 M / 8 = 2.016 MB.
  const TechTable t = testing::techs();
  const Trace tr = testing::synthetic({.sentences = 2});
  const Footprint f = footprint(tr, testing::mapping("adapter-albert", t), {}, 1);
  EXPECT_DOUBLE_EQ(f.embedding_word_bytes, 2016000);
  EXPECT_DOUBLE_EQ(f.bytes[idx(TensorClass::Embeddings)], (30000 + 512 + 2) * 128 * 0.525);
}

TEST(SimMemoryMap, SharedBackboneCountsOncePerTaskModelPerTask) {
  const TechTable t = testing::techs();
  const Trace tr = testing::synthetic({.sentences = 3, .density = 0.4, .adapter_size = 16});
  const Footprint b = footprint(tr, testing::mapping("adapter-albert", t), {}, 5);
  const Footprint a = footprint(tr, testing::mapping("albert-per-task", t), {}, 5);
  // Shared layer weights of ALBERT-base: 4·768² + 2·768·3072 + E→H 768·128, at 0.525 bytes each,
  // plus 16-bit biases.
  const double layer = (4.0 * 768 * 768 + 2.0 * 768 * 3072 + 768.0 * 128) * 0.525 + 2 * (4 * 768 + 3072 + 768 + 768);
  EXPECT_DOUBLE_EQ(b.bytes[idx(TensorClass::SharedLayers)], layer);
  EXPECT_DOUBLE_EQ(a.bytes[idx(TensorClass::SharedLayers)], 5 * layer);
  // Adapters: 12 applications × 2 adapters × (2·768·16 weights at 1 byte + biases 16 + 768 at 2 bytes).
  EXPECT_DOUBLE_EQ(b.per_task[idx(TensorClass::Adapters)], 12 * 2 * (2 * 768 * 16 + 2 * (16 + 768)));
  EXPECT_DOUBLE_EQ(b.bytes[idx(TensorClass::Adapters)], 5 * b.per_task[idx(TensorClass::Adapters)]);
  EXPECT_EQ(a.bytes[idx(TensorClass::Adapters)], 0) << "a fine-tuned ALBERT has no adapters";
  EXPECT_DOUBLE_EQ(a.bytes[idx(TensorClass::Heads)], b.bytes[idx(TensorClass::Heads)]);
}

TEST(SimMemoryMap, OverflowSpillsToDram) {
  const TechTable t = testing::techs();
  const MappingSpec m = testing::mapping("albert-per-task", t);
  const Trace tr = testing::synthetic({.sentences = 2, .density = 0.4});
  const MemoryMap map = map_memory(m, footprint(tr, m, {}, 5));
  EXPECT_TRUE(map.fits);
  EXPECT_GT(map.spilled_bytes, 0);
  EXPECT_DOUBLE_EQ(map.used_bytes[0], m.memories[0].capacity_bytes) << "SRAM filled before spilling";
  ASSERT_FALSE(map.notes.empty());
  EXPECT_NE(map.notes[0].find("spilled to dram"), std::string::npos) << map.notes[0];
  for (int c = 0; c < kClassCount; ++c) {
    const auto& f = map.fraction[static_cast<size_t>(c)];
    const double sum = f[0] + f[1];
    if (sum > 0) {
      EXPECT_NEAR(sum, 1.0, 1e-12) << class_name(static_cast<TensorClass>(c));
    }
  }
}

TEST(SimMemoryMap, ModelThatCannotFitIsReportedNotThrown) {
  const TechTable t = testing::techs();
  MappingSpec m = testing::mapping("adapter-albert", t);
  m.spill = -1;
  m.memories[0].capacity_bytes = 1 << 20;  // 1 MiB of RRAM for a 5.8 MB backbone
  const Trace tr = testing::synthetic({.sentences = 2, .density = 0.4});
  const MemoryMap map = map_memory(m, footprint(tr, m, {}, 1));
  EXPECT_FALSE(map.fits);
  bool named = false;
  for (const auto& n : map.notes) named = named || n.find("embeddings: does not fit") != std::string::npos;
  EXPECT_TRUE(named) << map.notes.size();
}

TEST(SimMemoryMap, EarlyExitOnlyTracesAreMarkedIncomplete) {
  const TechTable t = testing::techs();
  Trace tr = testing::synthetic({.sentences = 1, .mean_exit_layer = 1});
  EXPECT_FALSE(tr.full_depth_seen);
  EXPECT_FALSE(footprint(tr, testing::mapping("adapter-albert", t), {}, 1).complete);
}

}  // namespace
}  // namespace edgemt::sim
