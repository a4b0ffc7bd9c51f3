// Broken task packs with adapters: every defect is one edgemt::Error line naming the file and the
// field or tensor (albert-groups backbone: H 64, 12 layer applications).
#include <gtest/gtest.h>

#include "core/error.h"
#include "runtime/pack_builder.h"
#include "runtime/task_pack.h"
#include "support/paths.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;

AlbertConfig groups_config() {
  return load_albert_config(testing::source_dir() / "tests/data/hf/albert-groups/config.json");
}

// A valid pack: 3 labels, m = 8, `sets` adapter sets.
testing::PackBuilder valid_pack(int sets) {
  const AlbertConfig c = groups_config();
  testing::PackBuilder b;
  testing::add_random_head(b, c, 3, 1);
  testing::add_random_adapters(b, c, 8, sets, 2);
  return b;
}

std::string json_with(const std::string& adapter, const std::string& extra = "") {
  return R"({"labels": ["a", "b", "c"])" + extra + (adapter.empty() ? "" : R"(, "adapter": )" + adapter) + "}";
}

// Loading `b` with `task_json` fails with one line naming `file` and every needle.
void expect_error(const testing::PackBuilder& b, const std::string& task_json, const std::string& file,
                  const std::vector<std::string>& needles) {
  const fs::path dir = testing::temp_dir("pack_errors") / "task";
  b.write(dir, task_json);
  try {
    load_task_pack(dir, groups_config());
    ADD_FAILURE() << "no error for " << task_json;
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find((dir / file).string()), std::string::npos) << "file not named: " << m;
    for (const auto& n : needles) EXPECT_NE(m.find(n), std::string::npos) << "expected '" << n << "' in: " << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
}

const std::string kPerLayer = testing::adapter_json(8, "gelu", false);
const std::string kShared = testing::adapter_json(8, "gelu", true);

TEST(TaskPackErrors, ValidPacksLoad) {
  const fs::path dir = testing::temp_dir("pack_ok") / "task";
  valid_pack(12).write(dir, json_with(kPerLayer, R"(, "max_length": 64)"));
  const TaskPack p = load_task_pack(dir, groups_config());
  ASSERT_TRUE(p.adapters);
  EXPECT_EQ(p.adapters->sets.size(), 12u);
  EXPECT_EQ(p.info.max_length, 64u);
  EXPECT_TRUE(p.unused.empty());
  valid_pack(1).write(dir, json_with(testing::adapter_json(8, "swish", true)));
  const TaskPack s = load_task_pack(dir, groups_config());
  EXPECT_EQ(s.adapters->spec.activation, Activation::Silu);
  EXPECT_EQ(s.info.adapter->activation, "silu");
  valid_pack(0).write(dir, json_with(""));
  EXPECT_FALSE(load_task_pack(dir, groups_config()).adapters) << "no 'adapter': a head-only pack";
}

TEST(TaskPackErrors, MissingTensor) {
  auto b = valid_pack(12);
  b.remove("adapters.11.ffn.up.bias");
  expect_error(b, json_with(kPerLayer), "task.safetensors", {"missing tensor 'adapters.11.ffn.up.bias'", "[64]"});
  b = valid_pack(1);
  b.remove("adapters.0.full_norm.weight");
  expect_error(b, json_with(kShared), "task.safetensors", {"'adapters.0.full_norm.weight'"});
}

TEST(TaskPackErrors, WrongShape) {
  auto b = valid_pack(12);
  b.get("adapters.3.attention.down.weight").shape = {8, 65};
  b.get("adapters.3.attention.down.weight").values.resize(8 * 65);
  expect_error(b, json_with(kPerLayer), "task.safetensors",
               {"'adapters.3.attention.down.weight'", "[8, 65]", "expected [8, 64]"});
  b = valid_pack(12);
  b.get("adapters.7.attention_norm.bias").shape = {63};
  b.get("adapters.7.attention_norm.bias").values.resize(63);
  expect_error(b, json_with(kPerLayer), "task.safetensors", {"'adapters.7.attention_norm.bias'", "expected [64]"});
  // The JSON's size disagrees with the tensors.
  expect_error(valid_pack(12), json_with(testing::adapter_json(16, "gelu", false)), "task.safetensors",
               {"'adapters.0.attention.down.weight'", "expected [16, 64]"});
}

TEST(TaskPackErrors, WrongDtype) {
  auto b = valid_pack(12);
  b.set_dtype("adapters.2.ffn.up.weight", DType::I32);
  expect_error(b, json_with(kPerLayer), "task.safetensors", {"'adapters.2.ffn.up.weight'", "I32", "F32, F16 or BF16"});
}

TEST(TaskPackErrors, BadAdapterFields) {
  const auto b = valid_pack(12);
  expect_error(b, json_with(testing::adapter_json(8, "tanh", false)), "task.json", {"'adapter.activation'", "'tanh'"});
  expect_error(b, json_with(testing::adapter_json(0, "gelu", false)), "task.json", {"'adapter.size'", "≥ 1"});
  expect_error(b, json_with(testing::adapter_json(-3, "gelu", false)), "task.json", {"'adapter.size'"});
  expect_error(b, json_with(R"({"size": "8", "activation": "gelu", "share_across_layers": false})"), "task.json",
               {"'adapter.size'"});
  expect_error(b, json_with(R"({"size": 8.5, "activation": "gelu", "share_across_layers": false})"), "task.json",
               {"'adapter.size'"});
  expect_error(b, json_with(R"({"size": 8, "share_across_layers": false})"), "task.json", {"'adapter.activation'"});
  expect_error(b, json_with(R"({"size": 8, "activation": "gelu"})"), "task.json", {"'adapter.share_across_layers'"});
  expect_error(b, json_with(R"({"size": 8, "activation": "gelu", "share_across_layers": 0})"), "task.json",
               {"'adapter.share_across_layers'"});
  expect_error(b, json_with(R"("houlsby")"), "task.json", {"'adapter'", "object"});
}

TEST(TaskPackErrors, SetCountMustMatchShareAcrossLayers) {
  // Shared, but one set per layer application in the file.
  expect_error(valid_pack(12), json_with(kShared), "task.safetensors",
               {"'adapters.1.", "'adapter.share_across_layers' true", "1 adapter set"});
  // Per application, but only the one shared set in the file.
  expect_error(valid_pack(1), json_with(kPerLayer), "task.safetensors",
               {"adapter set 1", "'adapter.share_across_layers' false", "12 adapter sets", "inner_group_num 2"});
  // One set too many.
  expect_error(valid_pack(13), json_with(kPerLayer), "task.safetensors", {"'adapters.12."});
  // A set index that is not a number.
  auto b = valid_pack(1);
  b.add("adapters.x.attention.down.weight", {8, 64}, std::vector<float>(8 * 64));
  expect_error(b, json_with(kShared), "task.safetensors", {"'adapters.x.attention.down.weight'"});
}

TEST(TaskPackErrors, AdapterTensorsNeedTheAdapterField) {
  expect_error(valid_pack(12), json_with(""), "task.safetensors", {"'adapters.0.", "task.json", "'adapter'"});
}

TEST(TaskPackErrors, BadMaxLength) {
  const auto b = valid_pack(0);
  for (const char* v : {"1", "0", "65", "\"128\"", "12.5", "true"})
    expect_error(b, json_with("", std::string(R"(, "max_length": )") + v), "task.json", {"'max_length'", "[2, 64]"});
}

}  // namespace
}  // namespace edgemt
