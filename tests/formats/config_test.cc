// config.json: HF defaults for missing fields, wrong types and impossible shapes named by field.
#include "formats/config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "support/paths.h"

namespace edgemt {
namespace {

using nlohmann::json;

std::string error_of(const json& j) {
  try {
    parse_albert_config(j, "cfg.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, MissingFieldsTakeHfAlbertConfigDefaults) {
  const AlbertConfig c = parse_albert_config(json::object(), "cfg.json");
  EXPECT_EQ(c.vocab_size, 30000);
  EXPECT_EQ(c.embedding_size, 128);
  EXPECT_EQ(c.hidden_size, 4096);
  EXPECT_EQ(c.num_hidden_layers, 12);
  EXPECT_EQ(c.num_hidden_groups, 1);
  EXPECT_EQ(c.num_attention_heads, 64);
  EXPECT_EQ(c.intermediate_size, 16384);
  EXPECT_EQ(c.inner_group_num, 1);
  EXPECT_EQ(c.hidden_act, Activation::GeluNew);
  EXPECT_EQ(c.max_position_embeddings, 512);
  EXPECT_EQ(c.type_vocab_size, 2);
  EXPECT_DOUBLE_EQ(c.layer_norm_eps, 1e-12);
  EXPECT_EQ(c.num_labels, 2);
  EXPECT_EQ(c.id2label, (std::vector<std::string>{"LABEL_0", "LABEL_1"}));
}

TEST(Config, ReadsEveryFieldTheEngineUses) {
  const json j = {{"vocab_size", 100}, {"embedding_size", 8},  {"hidden_size", 12},        {"num_hidden_layers", 6},
                  {"num_hidden_groups", 3}, {"num_attention_heads", 3}, {"intermediate_size", 20}, {"inner_group_num", 2},
                  {"hidden_act", "relu"}, {"max_position_embeddings", 40}, {"type_vocab_size", 3},
                  {"layer_norm_eps", 1e-5}, {"id2label", {{"1", "pos"}, {"0", "neg"}}}};
  const AlbertConfig c = parse_albert_config(j, "cfg.json");
  EXPECT_EQ(c.head_dim(), 4);
  EXPECT_EQ(c.layers_per_group(), 2);
  EXPECT_EQ(c.total_layers(), 12);
  EXPECT_EQ(c.hidden_act, Activation::Relu);
  EXPECT_EQ(c.id2label, (std::vector<std::string>{"neg", "pos"}));
  EXPECT_EQ(c.num_labels, 2);
  EXPECT_FALSE(c.is_regression());
  EXPECT_TRUE(parse_albert_config({{"num_labels", 1}}, "x").is_regression());
  EXPECT_EQ(parse_albert_config({{"hidden_act", "swish"}}, "x").hidden_act, Activation::Silu);
  EXPECT_EQ(parse_albert_config({{"hidden_act", "gelu"}}, "x").hidden_act, Activation::Gelu);
}

TEST(Config, RejectsWrongTypesAndImpossibleValuesNamingTheField) {
  struct Case {
    json j;
    const char* field;
  };
  const Case cases[] = {
      {{{"hidden_size", "768"}}, "'hidden_size'"},
      {{{"hidden_size", 0}}, "'hidden_size'"},
      {{{"hidden_size", 1.5}}, "'hidden_size'"},
      {{{"num_attention_heads", -4}}, "'num_attention_heads'"},
      {{{"hidden_size", 100}, {"num_attention_heads", 12}}, "'hidden_size'"},
      {{{"num_hidden_layers", 12}, {"num_hidden_groups", 5}}, "'num_hidden_groups'"},
      {{{"num_hidden_layers", 2}, {"num_hidden_groups", 4}}, "'num_hidden_groups'"},
      {{{"hidden_act", "tanh-ish"}}, "'hidden_act'"},
      {{{"hidden_act", 3}}, "'hidden_act'"},
      {{{"layer_norm_eps", -1}}, "'layer_norm_eps'"},
      {{{"layer_norm_eps", "small"}}, "'layer_norm_eps'"},
      {{{"id2label", {{"a", "x"}}}}, "'id2label'"},
      {{{"id2label", {{"1", "x"}}}}, "'id2label'"},
      {{{"model_type", "bert"}}, "'model_type'"},
      {{{"vocab_size", 99999999999}}, "'vocab_size'"},
      {{{"vocab_size", 10}, {"pad_token_id", 10}}, "'pad_token_id'"},
      {{{"position_embedding_type", "relative_key"}}, "'position_embedding_type'"},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(c.j);
    EXPECT_NE(msg.find(c.field), std::string::npos) << c.j.dump() << " → '" << msg << "'";
    EXPECT_NE(msg.find("cfg.json"), std::string::npos) << msg;
  }
  EXPECT_NE(error_of(json::array()).find("JSON object"), std::string::npos);
}

TEST(Config, LoadsTheSharedFixtureConfig) {
  EDGEMT_REQUIRE_SHARED();
  const AlbertConfig c = load_albert_config(testing::shared_dir() / "fixtures/hf/albert-tiny/cls/config.json");
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.num_labels, 3);
  EXPECT_EQ(c.hidden_act, Activation::GeluNew);
}

TEST(Config, MissingOrBrokenFileIsAnError) {
  EXPECT_THROW(load_albert_config("/nonexistent/config.json"), Error);
}

}  // namespace
}  // namespace edgemt
