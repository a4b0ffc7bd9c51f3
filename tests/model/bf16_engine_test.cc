// The engine on a compressed model whose AF8 tensors ask for bf16 activations (`compress
// --activations bf16`): its parts are prepared as asked (AMX tiles with one bf16 term of x where the
// CPU has AMX, else AF8 kernels that round x first), they count the same non-zeros, and the logits are the same on every
// path (native vs EDGEMT_ISA=generic) while differing from the fp32-activation model by bf16's
// rounding.
//
// Tolerances: the bf16 products are exact on every path (bf16 × AF8 fits fp32's significand), so the
// paths differ only in the order of fp32 sums, as for the fp32-activation model
// (compressed_engine_test.cc): 1e-5 of the largest |logit|. bf16 rounds each activation by up to
// 2^-9 relative, far above that: the two models must differ by more than 10 × 1e-5 but stay within
// 5e-2 of the largest |logit| (measured on this model: see the test's output).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <variant>

#include "edgemt/engine.h"
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

struct Models {
  fs::path fp32_act, bf16_act;
};

const Models& models() {
  static const Models m = [] {
    const fs::path root = testing::temp_dir("bf16_engine");
    const fs::path src = testing::source_dir() / "models/albert-tiny-sst2";
    Models r{root / "fp32-act", root / "bf16-act"};
    compress_model(src, r.fp32_act, {.prune = parse_prune_specs("magnitude:0.5:encoder")});
    compress_model(src, r.bf16_act,
                   {.prune = parse_prune_specs("magnitude:0.5:encoder"), .activations = Activations::Bf16});
    return r;
  }();
  return m;
}

std::vector<float> logits(const Engine& e, const std::string& text) { return testing::engine_logits(e, text); }

const std::vector<std::string> kTexts = {"a gripping, beautifully acted film.",
                                         "it is a dull, lifeless and overlong exercise in style over substance.",
                                         "ok"};

TEST(Bf16Engine, PartsArePreparedAsTheTensorsAsk) {
  const Engine e(models().bf16_act), f(models().fp32_act);
  const LayerW& l = e.model().weights().groups.at(0).at(0);
  const LayerW& lf = f.model().weights().groups.at(0).at(0);
  const bool amx = ops::active_isa() == ops::Isa::kAmx;
  for (const LinearW* lw : {&l.qkv, &l.attn_out, &l.ffn, &l.ffn_out}) {
    ASSERT_TRUE(lw->parts);
    for (const LinearPart& p : *lw->parts) {
      EXPECT_TRUE(p.bf16_x);
      if (amx) EXPECT_TRUE(std::holds_alternative<ops::AmxBf16Weights>(p.w));
      else EXPECT_TRUE(std::holds_alternative<ops::Af8BitmaskWeights>(p.w));  // pruned to 50 %
    }
  }
  for (const LinearPart& p : *lf.ffn.parts) EXPECT_FALSE(p.bf16_x) << "the fp32-activation model rounds nothing";
  // Non-zeros are counted from whichever layout the parts have.
  EXPECT_EQ(count_nonzeros(l.ffn, 0, l.ffn.out), count_nonzeros(lf.ffn, 0, lf.ffn.out));
  EXPECT_EQ(count_nonzeros(l.qkv, 5, 40), count_nonzeros(lf.qkv, 5, 40));
}

TEST(Bf16Engine, LogitsDifferFromFp32ActivationsByRoundingOnly) {
  const Engine e(models().bf16_act), f(models().fp32_act);
  double max_diff = 0;
  for (const auto& text : kTexts) {
    const auto yb = logits(e, text), yf = logits(f, text);
    ASSERT_EQ(yb.size(), yf.size());
    double max_ref = 0;
    for (float v : yf) max_ref = std::max(max_ref, std::fabs(static_cast<double>(v)));
    for (size_t i = 0; i < yb.size(); ++i) max_diff = std::max(max_diff, std::fabs(yb[i] - yf[i]) / max_ref);
  }
  std::printf("bf16 vs fp32 activations: largest logit difference %.2e of the largest |logit| (%s)\n", max_diff,
              ops::isa_name(ops::active_isa()));
  EXPECT_GT(max_diff, 1e-4) << "bf16 rounding must show";
  EXPECT_LT(max_diff, 5e-2);
}

// Writes the bf16 model's logits to a file in a child process under EDGEMT_ISA, to compare paths.
TEST(Bf16EngineChild, DISABLED_WriteLogits) {
  const Engine e(models().bf16_act);
  FILE* f = std::fopen(std::getenv("BF16_LOGITS_OUT"), "w");
  ASSERT_NE(f, nullptr);
  for (const auto& text : kTexts)
    for (float v : logits(e, text)) std::fprintf(f, "%.9g\n", v);
  std::fclose(f);
}

TEST(Bf16Engine, SameLogitsOnEveryPath) {
  const Engine e(models().bf16_act);
  std::vector<float> native;
  for (const auto& text : kTexts)
    for (float v : logits(e, text)) native.push_back(v);
  const fs::path dir = testing::temp_dir("bf16_engine_generic");
  const std::string cmd = "EDGEMT_ISA=generic BF16_LOGITS_OUT=" + (dir / "logits").string() + " /proc/" +
                          std::to_string(getpid()) +
                          "/exe --gtest_also_run_disabled_tests --gtest_filter=Bf16EngineChild.* >" +
                          (dir / "out").string() + " 2>&1 </dev/null";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << testing::slurp(dir / "out");
  std::vector<float> generic;
  FILE* f = std::fopen((dir / "logits").c_str(), "r");
  ASSERT_NE(f, nullptr);
  for (float v; std::fscanf(f, "%f", &v) == 1;) generic.push_back(v);
  std::fclose(f);
  ASSERT_EQ(generic.size(), native.size());
  double max_ref = 0;
  for (float v : native) max_ref = std::max(max_ref, std::fabs(static_cast<double>(v)));
  for (size_t i = 0; i < native.size(); ++i) EXPECT_LE(std::fabs(native[i] - generic[i]), 1e-5 * max_ref) << i;
}

}  // namespace
}  // namespace edgemt
