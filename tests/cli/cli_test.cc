// The edgemt binary as a user runs it: outputs against the HF fixtures, exit codes, one-line errors.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "formats/safetensors.h"
#include "support/files.h"
#include "support/golden.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Result;
using testing::run;
using testing::slurp;

// One line on stderr, "edgemt: error: …" mentioning `needle`.
void expect_error(const Result& r, int status, const std::string& needle) {
  EXPECT_EQ(r.status, status) << r.err;
  EXPECT_EQ(r.err.rfind("edgemt: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
}

fs::path tiny() { return testing::shared_dir() / "fixtures/hf/albert-tiny"; }

json reference() {
  std::ifstream in(tiny() / "reference.json");
  return json::parse(in);
}

// A writable copy of the shared classifier directory.
fs::path tiny_copy(const std::string& name) {
  const fs::path d = testing::temp_dir(name);
  testing::copy_dir(tiny() / "cls", d);
  return d;
}

TEST(Cli, ClassifyJsonAgreesWithHfLogits) {
  EDGEMT_REQUIRE_SHARED();
  const json ref = reference();
  SafetensorsFile tensors(tiny() / "reference.safetensors");
  for (size_t k : {0u, 3u, 9u}) {
    const auto& c = ref["cases"][k];
    std::vector<std::string> args = {"classify", "--model", (tiny() / "cls").string(), "--json", c["text"]};
    if (c.contains("text_pair")) args.push_back(c["text_pair"]);
    const Result r = run(args);
    ASSERT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out);
    const TensorInfo* t = tensors.find("case" + std::to_string(k) + ".logits");
    const auto* logits = reinterpret_cast<const float*>(tensors.data(*t).data());
    const int argmax = static_cast<int>(std::max_element(logits, logits + 3) - logits);
    EXPECT_EQ(j["label_id"].get<int>(), argmax);
    EXPECT_EQ(j["label"].get<std::string>(), "LABEL_" + std::to_string(argmax));
    EXPECT_EQ(j["tokens"].get<size_t>(), c["input_ids"].size());
    EXPECT_EQ(j["task"], "default");
    double sum = 0;
    for (double p : j["probs"]) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-5);
    for (const char* key : {"exit_layer", "entropy", "latency_ms"}) EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(Cli, DumpMatchesEveryHfTensorForAPair) {
  EDGEMT_REQUIRE_SHARED();
  const json ref = reference();
  SafetensorsFile tensors(tiny() / "reference.safetensors");
  const size_t k = 8;  // the first pair case
  const auto& c = ref["cases"][k];
  const fs::path out = testing::temp_dir("dump") / "d.safetensors";
  const Result r = run({"dump", "--model", (tiny() / "cls").string(), "--out", out.string(), "--max-length",
                        std::to_string(c["max_length"].get<int>()), c["text"], c["text_pair"]});
  ASSERT_EQ(r.status, 0) << r.err;
  SafetensorsFile d(out);
  const auto* ids = reinterpret_cast<const int64_t*>(d.data(*d.find("input_ids")).data());
  const auto want = c["input_ids"].get<std::vector<int64_t>>();
  EXPECT_EQ(std::vector<int64_t>(ids, ids + want.size()), want);
  EXPECT_EQ(d.find("input_ids")->numel(), want.size());
  const auto* types = reinterpret_cast<const int64_t*>(d.data(*d.find("token_type_ids")).data());
  EXPECT_EQ(std::vector<int64_t>(types, types + want.size()), c["token_type_ids"].get<std::vector<int64_t>>());
  std::vector<std::string> names = {"pooled", "logits"};
  for (int l = 0; l <= 4; ++l) names.push_back("hidden." + std::to_string(l));
  for (const auto& n : names) {
    const TensorInfo* a = d.find(n);
    const TensorInfo* b = tensors.find("case" + std::to_string(k) + "." + n);
    ASSERT_TRUE(a && b) << n;
    ASSERT_EQ(a->shape, b->shape) << n;
    testing::expect_matches(testing::tensor_f32(d, n), testing::tensor_f32(tensors, b->name), n);
  }
  EXPECT_EQ(d.find("mlm_logits"), nullptr) << "a classifier has no MLM head";
}

TEST(Cli, DumpOfMlmModelHasMlmLogits) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path out = testing::temp_dir("dump_mlm") / "d.safetensors";
  const Result r = run({"dump", "--model", (tiny() / "mlm").string(), "--out", out.string(), "unflinchingly bleak and desperate"});
  ASSERT_EQ(r.status, 0) << r.err;
  SafetensorsFile d(out);
  SafetensorsFile ref(tiny() / "reference.safetensors");
  const TensorInfo* a = d.find("mlm_logits");
  const TensorInfo* b = ref.find("case1.mlm_logits");
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->shape, b->shape);
  testing::expect_matches(testing::tensor_f32(d, "mlm_logits"), testing::tensor_f32(ref, "case1.mlm_logits"), "mlm_logits");
}

TEST(Cli, EmptyAndOverlongTextBehaveAsHf) {
  EDGEMT_REQUIRE_SHARED();
  const std::string model = (tiny() / "cls").string();
  Result r = run({"classify", "--model", model, "--json", ""});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["tokens"], 2) << "empty text is [CLS] [SEP]";
  std::string longtext;
  for (int i = 0; i < 200; ++i) longtext += "word ";
  r = run({"classify", "--model", model, "--json", longtext});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["tokens"], 64) << "truncated to max_position_embeddings";
  r = run({"classify", "--model", model, "--json", "--max-length", "5", longtext});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["tokens"], 5);
}

TEST(Cli, InfoDescribesTheModel) {
  EDGEMT_REQUIRE_SHARED();
  const Result r = run({"info", "--model", (tiny() / "cls").string(), "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["config"]["hidden_size"], 64);
  ASSERT_EQ(j["tasks"].size(), 1u);
  EXPECT_EQ(j["tasks"][0]["name"], "default");
  EXPECT_EQ(j["tasks"][0]["labels"], json::array({"LABEL_0", "LABEL_1", "LABEL_2"}));
  size_t bytes = 0;
  for (const auto& [name, region] : j["regions"].items()) bytes += region["bytes"].get<size_t>();
  EXPECT_EQ(bytes, j["bytes"].get<size_t>());
  EXPECT_GT(j["regions"]["embeddings"]["parameters"].get<size_t>(), 3000u * 32u);
}

// The bundled model's file keeps its backbone's pooler and pretraining head, which no task serves
// from (each pack has its own): info names that region for what it is, not "task head".
TEST(Cli, InfoNamesTheHeadNoTaskUses) {
  const std::string model = (testing::source_dir() / "models" / "edgemt-albert-glue").string();
  const Result j = run({"info", "--model", model, "--json"});
  ASSERT_EQ(j.status, 0) << j.err;
  const json regions = json::parse(j.out)["regions"];
  EXPECT_FALSE(regions.contains("task head")) << regions.dump();
  ASSERT_TRUE(regions.contains("unused head")) << regions.dump();
  EXPECT_EQ(regions["unused head"]["parameters"], 768u * 768u + 768u + 2u * 768u + 2u);  // pooler + SOP classifier
  const Result text = run({"info", "--model", model});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("(unused head: "), std::string::npos) << text.out;
}

TEST(Cli, UsageErrorsExitTwo) {
  expect_error(run({"classify"}), 2, "TEXT");
  expect_error(run({"classify", "--bogus", "x"}), 2, "bogus");
  expect_error(run({"nonsense"}), 2, "nonsense");
  expect_error(run({"classify", "--threads", "0", "x"}), 2, "threads");
  expect_error(run({}), 2, "subcommand");
}

TEST(Cli, BadModelFilesAreOneLineErrorsNamingTheFile) {
  EDGEMT_REQUIRE_SHARED();
  expect_error(run({"classify", "--model", "/nonexistent/model", "x"}), 1, "/nonexistent/model");

  fs::path d = tiny_copy("bad_weights");
  const std::string bytes = slurp(d / "model.safetensors");
  testing::write_text(d / "model.safetensors", bytes.substr(0, bytes.size() / 2));
  expect_error(run({"classify", "--model", d.string(), "x"}), 1, "model.safetensors");

  d = tiny_copy("bad_spiece");
  testing::write_text(d / "spiece.model", "this is not a sentencepiece model");
  expect_error(run({"classify", "--model", d.string(), "x"}), 1, "spiece.model");

  d = tiny_copy("no_spiece");
  fs::remove(d / "spiece.model");
  expect_error(run({"classify", "--model", d.string(), "x"}), 1, "spiece.model");

  d = tiny_copy("bad_config");
  std::string cfg = slurp(d / "config.json");
  cfg.replace(cfg.find("\"num_attention_heads\": 4"), 24, "\"num_attention_heads\": 5");
  testing::write_text(d / "config.json", cfg);
  expect_error(run({"classify", "--model", d.string(), "x"}), 1, "num_attention_heads");

  d = tiny_copy("wrong_shape");
  cfg = slurp(tiny() / "cls/config.json");
  cfg.replace(cfg.find("\"intermediate_size\": 128"), 24, "\"intermediate_size\": 256");
  testing::write_text(d / "config.json", cfg);
  expect_error(run({"classify", "--model", d.string(), "x"}), 1, "ffn.weight");
}

TEST(Cli, MissingTensorIsNamed) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path d = tiny_copy("missing_tensor");
  SafetensorsFile src(tiny() / "cls/model.safetensors");
  std::vector<TensorToWrite> tensors;
  for (const auto& t : src.tensors())
    if (t.name != "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.key.bias")
      tensors.push_back({t.name, t.dtype, t.shape, src.data(t)});
  write_safetensors(d / "model.safetensors", tensors);
  expect_error(run({"classify", "--model", d.string(), "x"}), 1, "attention.key.bias");
}

TEST(Cli, InvalidUtf8TextIsAnError) {
  EDGEMT_REQUIRE_SHARED();
  expect_error(run({"classify", "--model", (tiny() / "cls").string(), "bad \xff\xfe text"}), 1, "UTF-8");
  expect_error(run({"classify", "--model", (tiny() / "cls").string(), "ok", "bad \xc3"}), 1, "UTF-8");
}

TEST(Cli, ExtraTensorsGetAWarningListingThem) {
  EDGEMT_REQUIRE_SHARED();
  const fs::path d = tiny_copy("extra_tensors");
  SafetensorsFile src(tiny() / "cls/model.safetensors");
  std::vector<TensorToWrite> tensors;
  for (const auto& t : src.tensors()) tensors.push_back({t.name, t.dtype, t.shape, src.data(t)});
  const std::vector<int64_t> pos(64, 0);
  tensors.push_back({"albert.embeddings.position_ids", DType::I64, {1, 64}, std::as_bytes(std::span(pos))});
  write_safetensors(d / "model.safetensors", tensors);
  const Result r = run({"classify", "--model", d.string(), "x"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("edgemt: warning:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("albert.embeddings.position_ids"), std::string::npos) << r.err;
}

TEST(Cli, Fp16CheckpointIsWidenedAtLoad) {
  EDGEMT_REQUIRE_SHARED();
  // The same classifier stored as F16: predictions equal those of an F32 file holding the
  // same (fp16-rounded) values.
  const fs::path d16 = tiny_copy("fp16"), d32 = tiny_copy("fp16_as_f32");
  SafetensorsFile src(tiny() / "cls/model.safetensors");
  std::vector<std::vector<uint16_t>> halves;
  std::vector<std::vector<float>> rounded;
  std::vector<TensorToWrite> t16, t32;
  for (const auto& t : src.tensors()) {
    const auto* f = reinterpret_cast<const float*>(src.data(t).data());
    auto& h = halves.emplace_back(t.numel());
    auto& r = rounded.emplace_back(t.numel());
    for (size_t i = 0; i < t.numel(); ++i) r[i] = f16_to_f32(h[i] = f32_to_f16(f[i]));
    t16.push_back({t.name, DType::F16, t.shape, std::as_bytes(std::span(h))});
    t32.push_back({t.name, DType::F32, t.shape, std::as_bytes(std::span(r))});
  }
  write_safetensors(d16 / "model.safetensors", t16);
  write_safetensors(d32 / "model.safetensors", t32);
  const Result a = run({"classify", "--model", d16.string(), "--json", "a charming journey"});
  const Result b = run({"classify", "--model", d32.string(), "--json", "a charming journey"});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(json::parse(a.out)["probs"], json::parse(b.out)["probs"]);
}

}  // namespace
}  // namespace edgemt
