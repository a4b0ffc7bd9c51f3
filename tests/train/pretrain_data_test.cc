// Pretraining examples: SOP pairs stay inside one document and in order, masking hits 15 % with
// the 80/10/10 split and n-gram spans, and batches are padded consistently.
#include <gtest/gtest.h>

#include <cmath>

#include "train/pretrain_data.h"
#include "train/train_fixtures.h"

namespace edgemt {
namespace {

using train::Rng;

bool consecutive(const std::vector<int32_t>& v) {
  for (size_t i = 1; i < v.size(); ++i)
    if (v[i] != v[i - 1] + 1) return false;
  return !v.empty();
}

TEST(SopPair, SegmentsComeFromOneDocumentInOrderAndSwapHalfTheTime) {
  constexpr int kDocs = 12, kTokens = 30;
  const train::Shard shard = testing::counting_shard(kDocs, kTokens, 3);
  Rng rng(7);
  constexpr int kN = 4000;
  int swapped = 0;
  for (int i = 0; i < kN; ++i) {
    const size_t budget = 4 + static_cast<size_t>(i % 20);
    const train::SopPair p = train::sample_sop_pair(shard, budget, rng);
    ASSERT_FALSE(p.a.empty());
    ASSERT_FALSE(p.b.empty());
    ASSERT_LE(p.a.size() + p.b.size(), budget);
    // Document d holds ids kFirstPiece + d·kTokens … + kTokens − 1.
    const int32_t lo = testing::kFirstPiece + static_cast<int32_t>(p.document) * kTokens, hi = lo + kTokens;
    for (const auto* seg : {&p.a, &p.b})
      for (int32_t id : *seg) ASSERT_TRUE(id >= lo && id < hi) << "id " << id << " outside document " << p.document;
    ASSERT_TRUE(consecutive(p.a) && consecutive(p.b));
    const auto& first = p.swapped ? p.b : p.a;
    const auto& second = p.swapped ? p.a : p.b;
    ASSERT_LT(first.back(), second.front()) << "segments out of document order";
    swapped += p.swapped;
  }
  // Binomial(kN, 0.5): 4.5 standard deviations.
  EXPECT_NEAR(swapped / double(kN), 0.5, 4.5 * std::sqrt(0.25 / kN));
}

TEST(Masking, FifteenPercentEightyTenTenAndNgramSpans) {
  const train::SpecialIds sp = testing::kSpecials;
  constexpr uint32_t kVocab = 2000;
  Rng rng(11), data(12);
  train::MaskingOptions opts;
  opts.max_predictions = 1000;  // let the rate, not the cap, decide
  size_t pieces = 0, masked = 0, as_mask = 0, random = 0, kept = 0, in_runs = 0;
  for (int i = 0; i < 2000; ++i) {
    train::SopPair p;
    for (int k = 0, n = 10 + i % 50; k < n; ++k) p.a.push_back(5 + static_cast<int32_t>(data() % (kVocab - 5)));
    for (int k = 0, n = 5 + i % 31; k < n; ++k) p.b.push_back(5 + static_cast<int32_t>(data() % (kVocab - 5)));
    const auto m = train::mask_pair(p, sp, kVocab, opts, rng);
    const size_t n = p.a.size() + p.b.size();
    ASSERT_EQ(m.ids.size(), n + 3);
    EXPECT_EQ(m.ids[0], sp.cls);
    EXPECT_EQ(m.ids[p.a.size() + 1], sp.sep);
    EXPECT_EQ(m.ids.back(), sp.sep);
    EXPECT_EQ(m.type_ids[p.a.size() + 1], 0);
    EXPECT_EQ(m.type_ids[p.a.size() + 2], 1);
    size_t here = 0;
    for (size_t t = 0; t < m.ids.size(); ++t) {
      if (m.labels[t] == train::kIgnoreLabel) continue;
      ++here;
      const int32_t original = t <= p.a.size() ? p.a[t - 1] : p.b[t - p.a.size() - 2];
      ASSERT_EQ(m.labels[t], original);
      if (m.ids[t] == sp.mask)
        ++as_mask;
      else if (m.ids[t] == original)
        ++kept;
      else
        ++random;
      ASSERT_NE(m.ids[t], sp.cls);
      const bool left = t > 0 && m.labels[t - 1] != train::kIgnoreLabel;
      const bool right = t + 1 < m.ids.size() && m.labels[t + 1] != train::kIgnoreLabel;
      in_runs += left || right;
    }
    ASSERT_EQ(here, static_cast<size_t>(std::lround(0.15 * static_cast<double>(n)))) << "sequence " << i;
    pieces += n;
    masked += here;
  }
  // The count per sequence is exact (ALBERT's round(0.15 n)); overall 15 % within rounding.
  EXPECT_NEAR(masked / double(pieces), 0.15, 0.5 * 2000 / double(pieces));
  // The 80/10/10 split is a multinomial draw per masked piece: 4.5 standard deviations.
  const double M = double(masked);
  auto tol = [&](double p) { return 4.5 * std::sqrt(p * (1 - p) / M); };
  EXPECT_NEAR(as_mask / M, 0.8, tol(0.8));
  EXPECT_NEAR(random / M, 0.1, tol(0.1) + 1.0 / kVocab);
  EXPECT_NEAR(kept / M, 0.1, tol(0.1) + 1.0 / kVocab);
  // n-gram spans (mean length 18/11): about 2/3 of masked pieces have a masked neighbour; with
  // independent single-piece masking it would be about 28 %.
  EXPECT_GT(in_runs / M, 0.5);
}

TEST(Masking, CapAndMinimum) {
  Rng rng(5);
  train::SopPair tiny{.a = {10}, .b = {11}};
  train::MaskingOptions o;
  const auto m = train::mask_pair(tiny, testing::kSpecials, 100, o, rng);
  int n = 0;
  for (int32_t l : m.labels) n += l != train::kIgnoreLabel;
  EXPECT_EQ(n, 1);  // at least one prediction
  train::SopPair big;
  for (int i = 0; i < 300; ++i) (i % 2 ? big.a : big.b).push_back(10 + i);
  o.max_predictions = 20;
  const auto mb = train::mask_pair(big, testing::kSpecials, 400, o, rng);
  n = 0;
  for (int32_t l : mb.labels) n += l != train::kIgnoreLabel;
  EXPECT_EQ(n, 20);
}

TEST(Batch, PaddedRowsMatchTheirMasks) {
  const train::Shard shard = testing::topic_shard(64, 20, 4);
  Rng rng(9);
  const auto b = train::make_batch(shard, 8, 24, {}, rng);
  ASSERT_EQ(b.batch, 8);
  ASSERT_LE(b.seq, 24);
  ASSERT_EQ(b.ids.size(), static_cast<size_t>(8 * b.seq));
  int64_t real = 0;
  for (int64_t r = 0; r < b.batch; ++r) {
    EXPECT_EQ(b.ids[static_cast<size_t>(r * b.seq)], testing::kSpecials.cls);
    for (int64_t t = 0; t < b.seq; ++t) {
      const size_t i = static_cast<size_t>(r * b.seq + t);
      real += b.attention_mask[i];
      if (!b.attention_mask[i]) {
        EXPECT_EQ(b.ids[i], testing::kSpecials.pad);
        EXPECT_EQ(b.mlm_labels[i], train::kIgnoreLabel);
      }
    }
    EXPECT_TRUE(b.sop_labels[static_cast<size_t>(r)] == 0 || b.sop_labels[static_cast<size_t>(r)] == 1);
  }
  EXPECT_EQ(real, b.real_tokens);
}

}  // namespace
}  // namespace edgemt
