// The engine on a compressed model (AF8 weights, encoder pruned to 50 %: the AF8 dense and bitmask
// kernels, or on an AMX CPU bf16 tiles with x as three bf16 terms) against the engine on the same
// values decoded to F32 (the packed fp32 kernel), natively and under EDGEMT_ISA=generic; and `edgemt info`'s parameter count of a compressed model.
//
// Tolerance: every weight widens to exactly the fp32 value the decoded model holds (tested in
// tests/kernels), so the two runs differ only in the order of fp32 sums inside the GEMMs (the
// bitmask kernel also skips the zero terms): ~1e-7 of Σ|x·w| per output (docs/kernels.md), carried
// through the 4 layers by LayerNorm and GELU. Measured on this model: 1.3e-7 (AVX2) and 1.6e-7
// (generic) of the largest |logit|. 1e-5 leaves ~60× margin for other CPUs and thread counts, and
// is orders of magnitude below what compression itself changes (checked: > 10× kTol), so running
// the wrong codes, a wrong exponent bias, a lost row or a wrong q|k|v column block fails it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <variant>

#include "edgemt/engine.h"
#include "formats/compressed.h"
#include "formats/safetensors.h"
#include "model/albert.h"
#include "runtime/compress.h"
#include "support/engine_logits.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/run_cli.h"
#include "text/tokenizer.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;

constexpr double kTol = 1e-5;

// `in` with every compressed tensor written as plain F32 (its decoded values) and no masks.
void write_decoded(const fs::path& in, const fs::path& out) {
  const SafetensorsFile f(in);
  const CompressedIndex index(f);
  std::vector<std::vector<float>> values;
  values.reserve(f.tensors().size());
  std::vector<TensorToWrite> ts;
  for (const auto& t : f.tensors()) {
    if (index.is_storage_only(t.name)) continue;
    if (!index.contains(t.name)) {
      ts.push_back({t.name, t.dtype, t.shape, f.data(t)});
      continue;
    }
    const CompressedView v = index.get(t.name);
    values.emplace_back(v.numel());
    decode_to_f32(v, values.back());
    ts.push_back({t.name, DType::F32, v.shape, std::as_bytes(std::span<const float>(values.back()))});
  }
  write_safetensors(out, ts);
}

struct Models {
  fs::path original, compressed, decoded;
};

const Models& models() {
  static const Models m = [] {
    const fs::path root = testing::temp_dir("compressed_engine");
    Models r{testing::source_dir() / "models/albert-tiny-sst2", root / "compressed", root / "decoded"};
    compress_model(r.original, r.compressed, {.prune = parse_prune_specs("magnitude:0.5:encoder")});
    testing::copy_dir(r.compressed, r.decoded);
    write_decoded(r.compressed / "model.safetensors", r.decoded / "model.safetensors");
    return r;
  }();
  return m;
}

std::vector<float> logits(const Engine& e, const std::string& text) { return testing::engine_logits(e, text); }

const std::vector<std::string> kTexts = {
    "a gripping, beautifully acted film.",
    "it is a dull, lifeless and overlong exercise in style over substance, with a plot that makes no sense "
    "and characters nobody could care about, though the score is lovely and the photography often striking.",
    "ok"};

TEST(CompressedEngine, RunsCompressedWeightsInTheirKernels) {
  const Engine e(models().compressed);
  const AlbertWeights& w = e.model().weights();
  const LayerW& l = w.groups.at(0).at(0);
  ASSERT_TRUE(l.ffn.parts && l.qkv.parts);
  ASSERT_EQ(l.ffn.parts->size(), 1u);
  ASSERT_EQ(l.qkv.parts->size(), 3u);  // q, k, v keep their own exponent biases
  EXPECT_EQ(l.qkv.parts->at(2).row0, 2 * w.proj.out);
  ASSERT_TRUE(w.pooler && w.pooler->parts);
  if (ops::active_isa() == ops::Isa::kAmx) {  // every AF8 weight as bf16 tiles, x as three bf16 terms
    for (const LinearW* lw : {&l.ffn, &l.ffn_out, &l.qkv, &*w.pooler})
      for (const LinearPart& p : *lw->parts) {
        EXPECT_TRUE(std::holds_alternative<ops::AmxBf16Weights>(p.w));
        EXPECT_FALSE(p.bf16_x);
      }
  } else {
    EXPECT_TRUE(std::holds_alternative<ops::Af8BitmaskWeights>(l.ffn.parts->at(0).w));  // pruned to 50 %
    EXPECT_TRUE(std::holds_alternative<ops::Af8BitmaskWeights>(l.ffn_out.parts->at(0).w));
    EXPECT_TRUE(std::holds_alternative<ops::Af8DenseWeights>(w.pooler->parts->at(0).w));  // not pruned
  }

  const Engine d(models().decoded);
  const LayerW& ld = d.model().weights().groups.at(0).at(0);
  ASSERT_TRUE(ld.qkv.parts);  // fp32: q, k, v stacked and packed once, one GEMM
  ASSERT_EQ(ld.qkv.parts->size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ops::PackedF32Weights>(ld.qkv.parts->at(0).w));
  EXPECT_EQ(ld.qkv.out, 3 * w.proj.out);
}

// Traces' non-zero fractions come from the prepared parts (the model keeps no fp32 copy of a
// compressed weight); they must count exactly what the decoded fp32 weights hold, per q|k|v block too.
TEST(CompressedEngine, NonzeroCountsFromPartsMatchTheDecodedWeights) {
  const Engine c(models().compressed), d(models().decoded);
  const AlbertWeights &wc = c.model().weights(), &wd = d.model().weights();
  const auto same = [](const LinearW& a, const LinearW& b, int blocks, const char* what) {
    SCOPED_TRACE(what);
    ASSERT_TRUE(a.parts);
    ASSERT_TRUE(b.parts);  // fp32: counted from the packed panels
    ASSERT_TRUE(std::holds_alternative<ops::PackedF32Weights>(b.parts->at(0).w));
    const int rows = a.out / blocks;
    for (int k = 0; k < blocks; ++k) {
      const long n = count_nonzeros(b, k * rows, rows);
      EXPECT_EQ(count_nonzeros(a, k * rows, rows), n) << "block " << k;
      EXPECT_GT(n, 0);
    }
    EXPECT_EQ(count_nonzeros(a, 3, 5), count_nonzeros(b, 3, 5));  // a range inside one panel/group
    EXPECT_DOUBLE_EQ(nonzero_fraction(a), nonzero_fraction(b));
  };
  same(wc.proj, wd.proj, 1, "proj");
  const LayerW &lc = wc.groups.at(0).at(0), &ld = wd.groups.at(0).at(0);
  same(lc.qkv, ld.qkv, 3, "qkv");
  same(lc.attn_out, ld.attn_out, 1, "attn_out");
  same(lc.ffn, ld.ffn, 1, "ffn");
  same(lc.ffn_out, ld.ffn_out, 1, "ffn_out");
  same(*wc.pooler, *wd.pooler, 1, "pooler");
  // Pruned to 50 % by magnitude: about half of the encoder's weights are left.
  EXPECT_NEAR(nonzero_fraction(lc.ffn), 0.5, 0.01);
  EXPECT_GT(nonzero_fraction(*wc.pooler), 0.99);  // the head is not in the pruned group
}

TEST(CompressedEngine, SameLogitsAsTheDecodedFp32Model) {
  const Engine c(models().compressed), d(models().decoded), o(models().original);
  double max_quant = 0;
  for (const auto& text : kTexts) {
    SCOPED_TRACE(text);
    const auto yc = logits(c, text), yd = logits(d, text), yo = logits(o, text);
    ASSERT_EQ(yc.size(), yd.size());
    double max_ref = 0;
    for (float v : yd) max_ref = std::max(max_ref, std::fabs(static_cast<double>(v)));
    for (size_t i = 0; i < yc.size(); ++i) {
      EXPECT_LE(std::fabs(yc[i] - yd[i]), kTol * max_ref) << i;
      max_quant = std::max(max_quant, std::fabs(static_cast<double>(yd[i]) - yo[i]) / max_ref);
    }
  }
  // The comparison means something only if compression changed the model far beyond kTol.
  EXPECT_GT(max_quant, 10 * kTol);
}

TEST(CompressedEngine, SameLogitsUnderGenericIsa) {
  // The child process builds its own models in its own temporary directory.
  const fs::path dir = testing::temp_dir("compressed_engine_generic");
  const std::string cmd = "EDGEMT_ISA=generic /proc/" + std::to_string(getpid()) +
                          "/exe --gtest_filter=CompressedEngine.SameLogitsAsTheDecodedFp32Model:"
                          "CompressedEngine.RunsCompressedWeightsInTheirKernels >" +
                          (dir / "out").string() + " 2>&1 </dev/null";
  const int rc = std::system(cmd.c_str());
  const std::string out = testing::slurp(dir / "out");
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << out;
  EXPECT_NE(out.find("[  PASSED  ] 2 tests"), std::string::npos) << out;
}

TEST(CompressedEngine, InfoCountsLogicalParameters) {
  const auto params = [](const fs::path& dir) {
    const auto r = testing::run({"info", "--model", dir.string(), "--json"});
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out)["parameters"].get<size_t>();
  };
  EXPECT_EQ(params(models().compressed), params(models().original));
}

}  // namespace
}  // namespace edgemt
