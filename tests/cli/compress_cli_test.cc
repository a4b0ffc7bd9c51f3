// edgemt compress as a user runs it: the summary, the output used by classify/info/eval (SST-2 dev
// accuracy within a point of the uncompressed model), and one-line errors that leave no directory.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "support/files.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run;

fs::path demo_model() { return testing::source_dir() / "models/albert-tiny-sst2"; }

void expect_error(const testing::Result& r, int status, const std::string& needle) {
  EXPECT_EQ(r.status, status) << r.err;
  EXPECT_EQ(r.err.rfind("edgemt: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(CompressCli, SummaryAndAUsableModel) {
  const fs::path out = testing::temp_dir("compress_cli") / "af8";
  const auto r =
      run({"compress", "--model", demo_model().string(), "--out", out.string(), "--prune", "magnitude:0.5:encoder"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("matrices AdaptivFloat 8-bit (3 exponent bits), encoder magnitude-pruned to 50 %"),
            std::string::npos)
      << r.out;
  // region, tensors, parameters, sparsity, bytes before, bytes after, ratio
  EXPECT_NE(r.out.find("encoder            18      543,744    50.0 %      1,087,488"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("embeddings          5      264,448"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("total              27      874,498"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not copied: TRAINING.md, dev_predictions.json"), std::string::npos) << r.out;

  const auto c = run({"classify", "--model", out.string(), "--json", "a gorgeous , witty , seductive movie ."});
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(json::parse(c.out)["label"], "positive");
  const auto i = run({"info", "--model", out.string(), "--json"});
  ASSERT_EQ(i.status, 0) << i.err;
  EXPECT_LT(json::parse(i.out)["bytes"].get<size_t>(), 1748996u / 2);

  const auto f32 = run({"compress", "--model", demo_model().string(), "--out", (out.parent_path() / "f32").string(),
                        "--weights", "f32"});
  ASSERT_EQ(f32.status, 0) << f32.err;
  EXPECT_NE(f32.out.find("matrices F32"), std::string::npos) << f32.out;
  const auto af6 = run({"compress", "--model", demo_model().string(), "--out",
                        (out.parent_path() / "af6").string() + "/", "--bits", "6", "--exp-bits", "2"});
  ASSERT_EQ(af6.status, 0) << af6.err;
  EXPECT_NE(af6.out.find("AdaptivFloat 6-bit (2 exponent bits)"), std::string::npos) << af6.out;
  EXPECT_TRUE(fs::is_regular_file(out.parent_path() / "af6/model.safetensors")) << "--out DIR/ names DIR";
  const auto bf16 = run({"compress", "--model", demo_model().string(), "--out", (out.parent_path() / "bf16").string(),
                         "--activations", "bf16"});
  ASSERT_EQ(bf16.status, 0) << bf16.err;
  EXPECT_NE(bf16.out.find("matrices AdaptivFloat 8-bit (3 exponent bits), bf16 activations\n"), std::string::npos)
      << bf16.out;
  const json config = json::parse(testing::slurp(out.parent_path() / "bf16/config.json"));
  EXPECT_EQ(config["edgemt"]["compress"].back()["activations"], "bf16");
}

TEST(CompressCli, Sst2AccuracyStaysWithinAPoint) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path dev = testing::shared_dir() / "glue/SST-2/dev.tsv";
  const fs::path out = testing::temp_dir("compress_cli_sst2") / "af8";
  ASSERT_EQ(run({"compress", "--model", demo_model().string(), "--out", out.string()}).status, 0);
  const fs::path bf16 = out.parent_path() / "af8-bf16";
  ASSERT_EQ(run({"compress", "--model", demo_model().string(), "--out", bf16.string(), "--activations", "bf16"}).status,
            0);
  double accuracy[3];
  for (int k = 0; k < 3; ++k) {
    const fs::path model = k == 0 ? demo_model() : k == 1 ? out : bf16;
    const auto r = run({"eval", "--model", model.string(), "--data", dev.string(), "--json", "--batch", "64"});
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    ASSERT_EQ(j["examples"], 872);
    accuracy[k] = j["accuracy"].get<double>();
  }
  EXPECT_GT(accuracy[0], 0.75) << "the bundled model's own accuracy";
  EXPECT_LE(std::abs(accuracy[1] - accuracy[0]), 0.01) << "uncompressed " << accuracy[0] << ", AF8 " << accuracy[1];
  EXPECT_LE(std::abs(accuracy[2] - accuracy[0]), 0.01)
      << "uncompressed " << accuracy[0] << ", AF8 with bf16 activations " << accuracy[2];
  std::printf("SST-2 dev: uncompressed %.4f, AF8 %.4f, AF8 + bf16 activations %.4f\n", accuracy[0], accuracy[1],
              accuracy[2]);
}

TEST(CompressCli, BadInputIsOneLineAndLeavesNothing) {
  const fs::path work = testing::temp_dir("compress_cli_errors");
  const fs::path out = work / "out";
  const std::string model = demo_model().string();
  const auto compress = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"compress", "--model", model, "--out", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  expect_error(compress({"--prune", "magnitude:0.5:decoder"}), 1,
               "unknown group 'decoder' (embeddings, encoder, tasks, all)");
  expect_error(compress({"--prune", "magnitude:1.0:encoder"}), 1, "sparsity '1.0' is not a decimal in [0, 1)");
  expect_error(compress({"--prune", "magnitude:-0.2:all"}), 1, "sparsity '-0.2' is not a decimal in [0, 1)");
  expect_error(compress({"--prune", "magnitude/0.5/encoder"}), 1, "expected METHOD:SPARSITY:GROUP");
  expect_error(compress({"--prune", "magnitude:0.5:all,magnitude:0.1:tasks"}), 1, "group 'tasks' is pruned twice");
  expect_error(compress({"--bits", "9"}), 1, "--bits/--exp-bits: bits 9 outside [3, 8]");
  expect_error(compress({"--exp-bits", "7"}), 1, "--bits/--exp-bits: exp_bits 7 outside [1, 6]");
  expect_error(compress({"--bits", "4", "--exp-bits", "3"}), 1, "exp_bits 3 outside [1, 2]");
  expect_error(compress({"--weights", "int4"}), 1, "--weights 'int4': expected af8 or f32");
  expect_error(compress({"--weights", "f32", "--bits", "6"}), 2, "--bits and --exp-bits apply to --weights af8 only");
  expect_error(compress({"--bits", "eight"}), 2, "--bits");
  expect_error(compress({"--activations", "fp16"}), 1, "--activations 'fp16': expected fp32 or bf16");
  expect_error(compress({"--weights", "f32", "--activations", "bf16"}), 2,
               "--activations bf16 applies to 8-bit AdaptivFloat weights (--weights af8) only");
  expect_error(compress({"--bits", "6", "--exp-bits", "2", "--activations", "bf16"}), 2,
               "--activations bf16 applies to 8-bit AdaptivFloat weights");
  expect_error(run({"compress", "--model", model}), 2, "--out is required");
  expect_error(run({"compress", "--model", model, "--out", (demo_model() / "inner").string()}), 1,
               "--out lies inside --model");
  EXPECT_FALSE(fs::exists(demo_model() / "inner"));
  expect_error(run({"compress", "--model", (work / "nothing").string(), "--out", out.string()}), 1,
               "not a model directory");
  EXPECT_FALSE(fs::exists(out));

  fs::create_directories(work / "taken");
  testing::write_text(work / "taken/keep.txt", "mine");
  expect_error(run({"compress", "--model", model, "--out", (work / "taken").string()}), 1, "already exists");
  EXPECT_EQ(testing::slurp(work / "taken/keep.txt"), "mine");

  // A NaN in a weight: the error names the file and tensor, and neither --out nor a temporary remains.
  testing::copy_dir(demo_model(), work / "nan_model");
  {
    std::string bytes = testing::slurp(work / "nan_model/model.safetensors");
    const std::string name = "\"albert.pooler.weight\"";
    const size_t at = bytes.find(name);
    ASSERT_NE(at, std::string::npos);
    const size_t header =
        8 + static_cast<size_t>(static_cast<unsigned char>(bytes[0]) | (static_cast<unsigned char>(bytes[1]) << 8) |
                                (static_cast<unsigned char>(bytes[2]) << 16));
    const size_t begin = bytes.find("[", bytes.find("data_offsets", at)) + 1;
    const size_t offset = std::stoul(bytes.substr(begin));
    bytes[header + offset + 6] = '\x00';  // pooler.weight element 3 := F16 0x7e00, a NaN
    bytes[header + offset + 7] = '\x7e';
    testing::write_text(work / "nan_model/model.safetensors", bytes);
  }
  expect_error(run({"compress", "--model", (work / "nan_model").string(), "--out", out.string()}), 1,
               "model.safetensors: tensor 'albert.pooler.weight': element 3 is NaN; compress needs finite weights");
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(work))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

}  // namespace
}  // namespace edgemt
