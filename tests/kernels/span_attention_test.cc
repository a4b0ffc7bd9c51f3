// Adaptive-span (banded) attention against the dense double reference of ALGORITHMS.md §5, on
// every ISA path the CPU has; window helpers against brute-force counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "kernels/attention.h"
#include "kernels/ref/attention_ref.h"
#include "kernels/ref/reference.h"
#include "support/files.h"

namespace edgemt {
namespace {

using ops::HeadSpan;
using ops::Isa;

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512})
    if (ops::isa_supported(isa)) out.push_back(isa);
  return out;
}

// max |a − b| ≤ tol · max(1, max |b|)
void expect_close(const std::vector<float>& a, const std::vector<float>& b, float tol) {
  ASSERT_EQ(a.size(), b.size());
  float max_ref = 1.0f, max_diff = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(b[i]));
    max_diff = std::max(max_diff, std::fabs(a[i] - b[i]));
  }
  EXPECT_LE(max_diff, tol * max_ref) << "max diff " << max_diff << " max ref " << max_ref;
}

// A packed batch: `count` sequences of 1..max_T tokens, every other one with a random key mask.
struct Batch {
  std::vector<ops::SeqSpan> seqs;
  std::vector<std::vector<uint8_t>> masks;
  int N = 0;
};

Batch random_batch(std::mt19937& rng, int count, int max_T) {
  Batch b;
  b.masks.resize(static_cast<size_t>(count));
  for (int s = 0; s < count; ++s) {
    const int T = 1 + static_cast<int>(rng() % static_cast<unsigned>(max_T));
    auto& m = b.masks[static_cast<size_t>(s)];
    m.assign(static_cast<size_t>(T), 1);
    for (int t = 0; t < T; ++t) m[static_cast<size_t>(t)] = (rng() % 4) != 0;  // query rows with no key left occur
    b.seqs.push_back({b.N, T, s % 2 ? m.data() : nullptr});
    b.N += T;
  }
  return b;
}

// A random head of one of the kinds the kernel distinguishes.
HeadSpan random_span(std::mt19937& rng, int max_T) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const float R = 0.25f + 8.0f * u(rng);
  switch (rng() % 6) {
    case 0:
      return {rng() % 2 ? -R : -R - 3.0f * u(rng), R};  // off: R + z ≤ 0
    case 1:
      return {-R + 0.05f + 0.95f * u(rng), R};  // window 0: R + z ∈ (0, 1]
    case 2:
      return {static_cast<float>(max_T) + 5.0f * u(rng), R};  // m ≡ 1 over any sequence: dense path
    case 3:
      return {static_cast<float>(max_T) * u(rng), 0.5f + 1.5f * u(rng)};  // short ramp
    default:
      return {6.0f * u(rng), R};  // small window, ramp inside it
  }
}

TEST(SpanAttention, MatchesReferenceOnRandomHeadsAndPackedBatches) {
  std::mt19937 rng(21);
  for (int trial = 0; trial < 40; ++trial) {
    const int NH = 1 + static_cast<int>(rng() % 6);
    const int DH_choices[] = {64, 32, 1 + static_cast<int>(rng() % 20)};  // 64, 32: the register paths
    const int DH = DH_choices[std::min(trial % 5, 2)];
    const int H = NH * DH, max_T = 1 + static_cast<int>(rng() % 40);
    Batch b = random_batch(rng, 1 + static_cast<int>(rng() % 4), max_T);
    std::vector<HeadSpan> spans;
    for (int h = 0; h < NH; ++h) spans.push_back(random_span(rng, max_T));
    const auto qkv = testing::random_floats(static_cast<size_t>(b.N) * 3 * H, rng(), 1.5f);
    std::vector<float> ref(static_cast<size_t>(b.N) * H);
    ref::span_attention(qkv.data(), H, NH, b.seqs, spans.data(), ref.data());
    for (Isa isa : supported_isas()) {
      std::vector<float> fast(ref.size(), std::numeric_limits<float>::quiet_NaN());
      ops::attention(isa, qkv.data(), H, NH, b.seqs, fast.data(), spans.data());
      SCOPED_TRACE(::testing::Message() << ops::isa_name(isa) << " trial " << trial << " NH " << NH << " DH " << DH
                                        << " N " << b.N);
      expect_close(fast, ref, 1e-5f);
    }
  }
}

TEST(SpanAttention, WindowAtLeastTIsFullAttention) {
  std::mt19937 rng(5);
  const int NH = 3, DH = 16, H = NH * DH;
  Batch b = random_batch(rng, 4, 30);
  const auto qkv = testing::random_floats(static_cast<size_t>(b.N) * 3 * H, 9);
  const std::vector<HeadSpan> spans(NH, HeadSpan{29.0f, 4.0f});  // m(d) = 1 for every d ≤ 29
  std::vector<float> full_ref(static_cast<size_t>(b.N) * H), span_ref(full_ref.size());
  ref::attention(qkv.data(), H, NH, b.seqs, full_ref.data());
  ref::span_attention(qkv.data(), H, NH, b.seqs, spans.data(), span_ref.data());
  expect_close(span_ref, full_ref, 1e-6f);
  for (Isa isa : supported_isas()) {
    std::vector<float> full(full_ref.size()), with_spans(full_ref.size());
    ops::attention(isa, qkv.data(), H, NH, b.seqs, full.data());
    ops::attention(isa, qkv.data(), H, NH, b.seqs, with_spans.data(), spans.data());
    EXPECT_EQ(with_spans, full) << ops::isa_name(isa);
    expect_close(full, full_ref, 1e-5f);
  }
}

TEST(SpanAttention, SelfOnlyHeadsCopyVAndOffHeadsAreZero) {
  std::mt19937 rng(8);
  const int NH = 3, DH = 7, H = NH * DH;
  Batch b = random_batch(rng, 3, 12);
  const auto qkv = testing::random_floats(static_cast<size_t>(b.N) * 3 * H, 10);
  const std::vector<HeadSpan> spans = {{0.0f, 1.0f}, {-2.0f, 2.0f}, {3.0f, 2.0f}};  // window 0, off, window 4
  EXPECT_EQ(ops::span_window(spans[0]), 0);
  EXPECT_EQ(ops::span_window(spans[1]), -1);
  EXPECT_EQ(ops::span_window(spans[2]), 4);
  for (Isa isa : supported_isas()) {
    std::vector<float> ctx(static_cast<size_t>(b.N) * H, std::numeric_limits<float>::quiet_NaN());
    ops::attention(isa, qkv.data(), H, NH, b.seqs, ctx.data(), spans.data());
    for (const auto& s : b.seqs)
      for (int i = 0; i < s.length; ++i) {
        const long row = s.offset + i;
        const bool visible = !s.key_mask || s.key_mask[i];
        for (int d = 0; d < DH; ++d) {
          EXPECT_EQ(ctx[row * H + d], visible ? qkv[row * 3 * H + 2 * H + d] : 0.0f) << "row " << row;
          EXPECT_EQ(ctx[row * H + DH + d], 0.0f) << "row " << row;
        }
      }
  }
}

TEST(SpanAttention, KeysOutsideTheWindowNeverContribute) {
  // Token T − 1's K and V are NaN: queries further than w from it must not see them.
  const int NH = 2, DH = 16, H = NH * DH, T = 40;
  const std::vector<HeadSpan> spans = {{2.0f, 2.0f}, {0.5f, 3.0f}};  // windows 3 and 3
  ASSERT_EQ(ops::span_window(spans[0]), 3);
  ASSERT_EQ(ops::span_window(spans[1]), 3);
  const std::vector<ops::SeqSpan> seqs = {{0, T, nullptr}};
  auto qkv = testing::random_floats(static_cast<size_t>(T) * 3 * H, 12);
  std::vector<float> ref(static_cast<size_t>(T) * H);
  ref::span_attention(qkv.data(), H, NH, seqs, spans.data(), ref.data());
  for (int c = H; c < 3 * H; ++c) qkv[static_cast<size_t>(T - 1) * 3 * H + c] = std::numeric_limits<float>::quiet_NaN();
  for (Isa isa : supported_isas()) {
    std::vector<float> ctx(ref.size());
    ops::attention(isa, qkv.data(), H, NH, seqs, ctx.data(), spans.data());
    const size_t far = static_cast<size_t>(T - 1 - 3) * H;  // rows 0 … T − 5
    expect_close(std::vector<float>(ctx.begin(), ctx.begin() + static_cast<long>(far)),
                 std::vector<float>(ref.begin(), ref.begin() + static_cast<long>(far)), 1e-5f);
    EXPECT_TRUE(std::isnan(ctx[static_cast<size_t>(T - 1) * H])) << "the last row does read its own NaN key";
  }
}

TEST(SpanAttention, WindowAndPairCounts) {
  EXPECT_EQ(ops::span_window({0.0f, 1.0f}), 0);     // m(0) = 1, m(1) = 0
  EXPECT_EQ(ops::span_window({0.5f, 0.5f}), 0);     // R + z = 1: m(1) = 0
  EXPECT_EQ(ops::span_window({0.0f, 1.5f}), 1);     // m(1) = 1/3
  EXPECT_EQ(ops::span_window({16.0f, 1.0f}), 16);   // m(16) = 1, m(17) = 0
  EXPECT_EQ(ops::span_window({15.5f, 16.0f}), 31);  // m(31) = 0.5/16
  EXPECT_EQ(ops::span_window({-1.0f, 1.0f}), -1);   // off
  EXPECT_EQ(ops::span_window({-3.0f, 1.0f}), -1);
  EXPECT_EQ(ops::span_window({1e30f, 1.0f}), 1 << 30);
  // Brute force: pairs (i, j) with m(|i − j|) > 0, for heads with window ≥ 1.
  std::mt19937 rng(4);
  for (int trial = 0; trial < 50; ++trial) {
    const int T = 1 + static_cast<int>(rng() % 70), NH = 1 + static_cast<int>(rng() % 5);
    std::vector<HeadSpan> spans;
    for (int h = 0; h < NH; ++h) spans.push_back(random_span(rng, T));
    long brute = 0;
    for (const HeadSpan& s : spans) {
      if (ops::span_window(s) < 1) continue;
      for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) brute += (s.ramp + s.z - std::abs(i - j)) / s.ramp > 0;
    }
    EXPECT_EQ(ops::attended_pairs(spans, T), brute) << "T " << T;
  }
  EXPECT_EQ(ops::attended_pairs(std::vector<HeadSpan>(12, HeadSpan{1e9f, 1.0f}), 128), 12L * 128 * 128);
  EXPECT_EQ(ops::attended_pairs(std::vector<HeadSpan>(12, HeadSpan{15.0f, 2.0f}), 128),
            12L * (128 * 33 - 16 * 17));  // window 16
}

}  // namespace
}  // namespace edgemt
