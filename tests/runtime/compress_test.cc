// compress_model on the bundled model and the HF fixtures: the compressed model runs exactly like a
// plain-F32 copy of its decoded weights; pruning hits ⌊s·n⌋ per matrix; codes are encode() of the
// pruned weights; task packs follow the same rules; failures leave no directory behind.
#include "runtime/compress.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "edgemt/engine.h"
#include "formats/compressed.h"
#include "formats/model_dir.h"
#include "formats/tensor_access.h"
#include "model/albert.h"
#include "runtime/pack_builder.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path demo_model() { return testing::source_dir() / "models/albert-tiny-sst2"; }
fs::path fixture(const std::string& name) { return testing::source_dir() / "tests/data/hf" / name; }

// ---- specs, groups, pruning ----

TEST(CompressSpecs, Parse) {
  auto s = parse_prune_specs("magnitude:0.5:encoder,magnitude:.25:tasks");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].group, PruneGroup::Encoder);
  EXPECT_EQ(s[0].num, 5u);
  EXPECT_EQ(s[0].den, 10u);
  EXPECT_DOUBLE_EQ(s[1].sparsity, 0.25);
  s = parse_prune_specs("magnitude:0:all");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2].group, PruneGroup::Tasks);
  EXPECT_EQ(s[2].num, 0u);
}

TEST(CompressSpecs, Errors) {
  const auto error = [](const std::string& text) {
    try {
      parse_prune_specs(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error("magnitude:0.5"),
            "--prune 'magnitude:0.5': expected METHOD:SPARSITY:GROUP, e.g. magnitude:0.5:encoder");
  EXPECT_EQ(error(""), "--prune '': expected METHOD:SPARSITY:GROUP, e.g. magnitude:0.5:encoder");
  EXPECT_EQ(error("magnitude:0.5:encoder,"), "--prune '': expected METHOD:SPARSITY:GROUP, e.g. magnitude:0.5:encoder");
  EXPECT_EQ(
      error("movement:0.5:encoder"),
      "--prune 'movement:0.5:encoder': unknown method 'movement' (magnitude; movement pruning is a training step)");
  for (const char* bad :
       {"1", "1.0", "1.5", "-0.1", "0.", ".", "0,5", "5e-1", "50%", "0.1234567890123456789", "abc", ""}) {
    const std::string spec = std::string("magnitude:") + bad + ":encoder";
    if (std::string(bad) == "0,5") continue;  // a comma splits items: covered above
    EXPECT_EQ(error(spec), "--prune '" + spec + "': sparsity '" + bad + "' is not a decimal in [0, 1) such as 0.5");
  }
  EXPECT_EQ(error("magnitude:0.5:decoder"),
            "--prune 'magnitude:0.5:decoder': unknown group 'decoder' (embeddings, encoder, tasks, all)");
  EXPECT_EQ(error("magnitude:0.5:encoder,magnitude:0.6:all"),
            "--prune 'magnitude:0.6:all': group 'encoder' is pruned twice");
}

TEST(CompressSpecs, Groups) {
  const std::string l = "albert.encoder.albert_layer_groups.2.albert_layers.11.";
  EXPECT_EQ(prune_group_of("albert.embeddings.word_embeddings.weight"), PruneGroup::Embeddings);
  EXPECT_EQ(prune_group_of("embeddings.token_type_embeddings.weight"), PruneGroup::Embeddings) << "bare AlbertModel";
  EXPECT_EQ(prune_group_of("albert.embeddings.LayerNorm.weight"), std::nullopt);
  EXPECT_EQ(prune_group_of("albert.encoder.embedding_hidden_mapping_in.weight"), PruneGroup::Encoder);
  for (const char* m :
       {"attention.query", "attention.key", "attention.value", "attention.dense", "ffn", "ffn_output"}) {
    EXPECT_EQ(prune_group_of(l + m + ".weight"), PruneGroup::Encoder) << m;
    EXPECT_EQ(prune_group_of(l + m + ".bias"), std::nullopt) << m;
  }
  EXPECT_EQ(prune_group_of(l + "attention.LayerNorm.weight"), std::nullopt);
  EXPECT_EQ(prune_group_of(l + "full_layer_layer_norm.weight"), std::nullopt);
  EXPECT_EQ(prune_group_of("albert.encoder.albert_layer_groups.x.albert_layers.0.ffn.weight"), std::nullopt);
  EXPECT_EQ(prune_group_of("albert.pooler.weight"), PruneGroup::Tasks);
  EXPECT_EQ(prune_group_of("classifier.weight"), PruneGroup::Tasks);
  EXPECT_EQ(prune_group_of("adapters.3.attention.down.weight"), PruneGroup::Tasks);
  EXPECT_EQ(prune_group_of("adapters.0.ffn.up.weight"), PruneGroup::Tasks);
  EXPECT_EQ(prune_group_of("adapters.0.full_norm.weight"), std::nullopt);
  EXPECT_EQ(prune_group_of("predictions.dense.weight"), std::nullopt);
}

TEST(CompressSpecs, PrunedCountIsAnExactFloor) {
  const auto count = [](const char* s, size_t n) {
    return pruned_count(n, parse_prune_specs(std::string("magnitude:") + s + ":encoder")[0]);
  };
  EXPECT_EQ(count("0.29", 100), 29u) << "0.29 · 100 is 28.999… in double";
  EXPECT_EQ(count("0.5", 7), 3u);
  EXPECT_EQ(count("0.999", 1000), 999u);
  EXPECT_EQ(count("0.999999999999999999", 1000), 999u);
  EXPECT_EQ(count("0", 1000), 0u);
  EXPECT_EQ(count("0.7", 3), 2u);
}

TEST(CompressSpecs, MagnitudePruneBreaksTiesByIndex) {
  std::vector<float> w{1.0f, -1.0f, 1.0f, 0.5f, -0.5f, 2.0f, -0.0f};
  magnitude_prune(w, 4);  // −0, ±0.5, then the first of the three |1|
  EXPECT_EQ(w, (std::vector<float>{0.0f, -1.0f, 1.0f, 0.0f, 0.0f, 2.0f, 0.0f}));
  std::vector<float> all{3.0f, -2.0f};
  magnitude_prune(all, 5);
  EXPECT_EQ(all, (std::vector<float>{0.0f, 0.0f}));
  const auto big = testing::random_floats(10001, 3);
  std::vector<float> p = big;
  magnitude_prune(p, 6000);
  float max_pruned = 0, min_kept = 1e30f;
  size_t zeros = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0.0f) {
      ++zeros;
      max_pruned = std::max(max_pruned, std::fabs(big[i]));
    } else {
      EXPECT_EQ(p[i], big[i]);
      min_kept = std::min(min_kept, std::fabs(big[i]));
    }
  }
  EXPECT_EQ(zeros, 6000u);
  EXPECT_LE(max_pruned, min_kept);
}

// ---- whole models ----

// A plain-F32 copy of a model directory: every tensor that decodes (compressed or float) as F32.
void write_decoded_copy(const fs::path& from, const fs::path& to) {
  testing::copy_dir(from, to);
  for (const auto& e : fs::recursive_directory_iterator(to)) {
    if (e.path().extension() != ".safetensors") continue;
    std::vector<std::vector<float>> keep;
    std::vector<TensorToWrite> out;
    {
      const SafetensorsFile f(e.path());
      const CompressedIndex index(f);
      std::vector<std::unique_ptr<float[]>> owned;
      keep.reserve(f.tensors().size());
      for (const auto& t : f.tensors()) {
        if (index.is_storage_only(t.name)) continue;
        const auto c = compressed_tensor(f, t.name, index.contains(t.name) ? index.get(t.name).shape : t.shape);
        const std::vector<int64_t> shape = c ? c->shape : t.shape;
        size_t n = 1;
        for (auto d : shape) n *= static_cast<size_t>(d);
        const float* p = f32_tensor(f, t.name, shape, owned);
        keep.emplace_back(p, p + n);
        out.push_back({t.name, DType::F32, shape, std::as_bytes(std::span<const float>(keep.back()))});
      }
      write_safetensors(e.path().string() + ".new", out);
    }
    fs::rename(e.path().string() + ".new", e.path());
  }
}

std::vector<Sequence> some_sequences(const AlbertConfig& c) {
  std::vector<Sequence> batch;
  for (int len : {std::min(9, c.max_position_embeddings), std::min(17, c.max_position_embeddings)}) {
    Sequence s;
    for (int i = 0; i < len; ++i) {
      s.ids.push_back((i * 7919 + len) % c.vocab_size);
      s.type_ids.push_back(i > len / 2 ? 1 % c.type_vocab_size : 0);
    }
    batch.push_back(std::move(s));
  }
  return batch;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& ref, const std::string& what) {
  ASSERT_EQ(got.size(), ref.size()) << what;
  ASSERT_FALSE(ref.empty()) << what;
  float max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(ref[i]));
    max_diff = std::max(max_diff, std::fabs(got[i] - ref[i]));
  }
  EXPECT_LE(max_diff, 1e-5f * max_ref) << what;
}

const CompressOptions kAf8Pruned{
    .prune = parse_prune_specs("magnitude:0.2:embeddings,magnitude:0.5:encoder,magnitude:0.3:tasks")};

class CompressFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(CompressFixture, RunsExactlyLikeItsDecodedWeights) {
  const fs::path src = GetParam() == "albert-tiny-sst2" ? demo_model() : fixture(GetParam());
  const fs::path work = testing::temp_dir("compress_fixture_" + GetParam());
  for (const auto& [tag, opts] : {std::pair{"af8", CompressOptions{}}, std::pair{"af8_pruned", kAf8Pruned},
                                  std::pair{"af6", CompressOptions{.bits = 6, .exp_bits = 2}}}) {
    const fs::path out = work / tag, decoded = work / (std::string(tag) + "_decoded");
    const CompressReport report = compress_model(src, out, opts);
    EXPECT_GT(report.total.bytes_before, report.total.bytes_after) << tag;
    write_decoded_copy(out, decoded);
    const Engine compressed(out), plain(decoded);
    const auto batch = some_sequences(compressed.model_dir().config);
    const bool mlm = compressed.model().weights().mlm.has_value();
    const auto a = compressed.model().forward(batch, {.mlm = mlm});
    const auto b = plain.model().forward(batch, {.mlm = mlm});
    expect_close(a.logits, b.logits, std::string(tag) + " logits");
    if (mlm) expect_close(a.mlm_logits, b.mlm_logits, std::string(tag) + " mlm_logits");
  }
}

INSTANTIATE_TEST_SUITE_P(Models, CompressFixture,
                         ::testing::Values("albert-tiny-sst2", "albert-groups", "albert-relu", "albert-silu-reg",
                                           "albert-gelu-mlm"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

// Every matrix of the output against the definition: prune the source matrix, fit, encode.
TEST(Compress, CodesAreEncodeOfThePrunedWeights) {
  const fs::path out = testing::temp_dir("compress_codes") / "out";
  compress_model(fixture("albert-groups"), out, kAf8Pruned);
  const SafetensorsFile src(fixture("albert-groups") / "model.safetensors"), dst(out / "model.safetensors");
  const CompressedIndex index(dst);
  size_t matrices = 0;
  for (const auto& t : src.tensors()) {
    std::vector<float> w = testing::tensor_f32(src, t.name);
    if (t.shape.size() != 2) {
      ASSERT_FALSE(index.contains(t.name)) << t.name;
      EXPECT_EQ(dst.find(t.name)->dtype, t.dtype) << t.name;
      const auto a = src.data(t), b = dst.data(*dst.find(t.name));
      EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << t.name << " is copied byte for byte";
      continue;
    }
    ++matrices;
    ASSERT_TRUE(index.contains(t.name)) << t.name;
    const auto group = prune_group_of(t.name);
    const auto spec =
        std::find_if(kAf8Pruned.prune.begin(), kAf8Pruned.prune.end(), [&](auto& s) { return s.group == group; });
    ASSERT_NE(spec, kAf8Pruned.prune.end()) << t.name << ": every matrix of this fixture is in a group";
    magnitude_prune(w, pruned_count(w.size(), *spec));
    const af::AfFormat f = af::fit_format(w, 8, 3);
    const std::vector<uint8_t> dense = af::encode(w, f);
    const CompressedView v = index.get(t.name);
    EXPECT_EQ(v.layout, Layout::Bitmask) << t.name;
    EXPECT_EQ(v.format.exp_bias, f.exp_bias) << t.name;
    EXPECT_EQ(v.shape, t.shape);
    std::vector<uint8_t> nonzero;
    for (size_t i = 0; i < dense.size(); ++i) {
      ASSERT_EQ(v.mask_bit(i), dense[i] != 0) << t.name << " element " << i;
      if (dense[i]) nonzero.push_back(dense[i]);
    }
    EXPECT_EQ(std::vector<uint8_t>(v.codes.begin(), v.codes.end()), nonzero) << t.name;
    EXPECT_LE(v.codes.size(), w.size() - pruned_count(w.size(), *spec)) << t.name;
  }
  EXPECT_EQ(matrices, 3u + 1 + 6 * 6 + 2);  // embeddings, E→H, 6 layers × 6, pooler + classifier
}

TEST(Compress, PrunesExactlyTheRequestedCountPerMatrix) {
  const fs::path out = testing::temp_dir("compress_sparsity") / "out";
  const CompressOptions opts{.weights = WeightFormat::F32,
                             .prune = parse_prune_specs("magnitude:0.37:encoder,magnitude:0.61:tasks")};
  const CompressReport report = compress_model(fixture("albert-relu"), out, opts);
  const SafetensorsFile src(fixture("albert-relu") / "model.safetensors"), dst(out / "model.safetensors");
  EXPECT_EQ(CompressedIndex(dst).names().size(), 0u) << "--weights f32 writes no compressed tensor";
  size_t pruned_matrices = 0;
  for (const auto& t : src.tensors()) {
    const std::vector<float> before = testing::tensor_f32(src, t.name), after = testing::tensor_f32(dst, t.name);
    const auto group = prune_group_of(t.name);
    if (t.shape.size() != 2 || group == PruneGroup::Embeddings) {
      EXPECT_EQ(after, before) << t.name;
      continue;
    }
    ASSERT_EQ(std::count(before.begin(), before.end(), 0.0f), 0)
        << t.name << ": the count below assumes no zeros before";
    const size_t zeros = static_cast<size_t>(std::count(after.begin(), after.end(), 0.0f));
    EXPECT_EQ(dst.find(t.name)->dtype, DType::F32);
    const auto spec = std::find_if(opts.prune.begin(), opts.prune.end(), [&](auto& s) { return s.group == group; });
    const size_t n = before.size();
    EXPECT_EQ(zeros, n * spec->num / spec->den) << t.name << ": ⌊s·n⌋";
    ++pruned_matrices;
  }
  EXPECT_EQ(pruned_matrices, 1u + 2 * 6 + 2);
  ASSERT_EQ(report.regions.size(), 3u);
  EXPECT_EQ(report.regions[1].first, "encoder");
  EXPECT_NEAR(static_cast<double>(report.regions[1].second.matrix_zeros) / report.regions[1].second.matrix_elements,
              0.37, 0.001);
}

TEST(Compress, KeepsF16VectorsAndRecordsWhatItDid) {
  const fs::path work = testing::temp_dir("compress_f16");
  compress_model(demo_model(), work / "out", {.prune = parse_prune_specs("magnitude:0.5:encoder")});
  const SafetensorsFile dst(work / "out/model.safetensors");
  EXPECT_EQ(dst.find("albert.embeddings.LayerNorm.weight")->dtype, DType::F16);
  EXPECT_EQ(dst.find("classifier.bias")->dtype, DType::F16);
  EXPECT_EQ(dst.find("classifier.weight")->dtype, DType::U8);
  EXPECT_EQ(dst.metadata().at("format"), "pt") << "other metadata is kept";
  for (const char* f : {"spiece.model", "tokenizer_config.json"})
    EXPECT_EQ(testing::slurp(demo_model() / f), testing::slurp(work / "out" / f)) << f;
  EXPECT_FALSE(fs::exists(work / "out/TRAINING.md"));

  std::ifstream in(work / "out/config.json");
  const json c = json::parse(in);
  EXPECT_EQ(c["hidden_size"], 256);
  EXPECT_EQ(c["edgemt"]["compress"], json::parse(R"([{"weights": "adaptivfloat", "bits": 8, "exp_bits": 3,
      "prune": [{"method": "magnitude", "sparsity": 0.5, "group": "encoder"}]}])"));
  EXPECT_NO_THROW(load_albert_config(work / "out/config.json"));

  // Compressing the output again decodes and re-encodes to the same codes, and appends to the history.
  compress_model(work / "out", work / "again", {.prune = parse_prune_specs("magnitude:0.5:encoder")});
  const SafetensorsFile again(work / "again/model.safetensors");
  for (const auto& t : dst.tensors()) {
    const auto a = dst.data(t), b = again.data(*again.find(t.name));
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << t.name;
  }
  std::ifstream in2(work / "again/config.json");
  EXPECT_EQ(json::parse(in2)["edgemt"]["compress"].size(), 2u);

  testing::write_text(work / "bad_config.json", R"({"model_type": "albert", "edgemt": 3})");
  try {
    load_albert_config(work / "bad_config.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("field 'edgemt' must be an object"), std::string::npos) << e.what();
  }
}

TEST(Compress, TaskPacksFollowTheTasksGroup) {
  const fs::path work = testing::temp_dir("compress_packs");
  testing::copy_dir(demo_model(), work / "model");
  const AlbertConfig c = load_albert_config(demo_model() / "config.json");
  testing::PackBuilder b;
  testing::add_random_head(b, c, 3, 5);
  testing::add_random_adapters(b, c, 8, c.total_layers(), 9);
  b.set_dtype("pooler.bias", DType::BF16);
  b.write(work / "model/tasks/three",
          R"({"labels": ["a", "b", "c"], "adapter": )" + testing::adapter_json(8, "gelu", false) + "}");
  testing::write_text(work / "model/tasks/three/notes.txt", "kept");
  compress_model(work / "model", work / "out", {.prune = parse_prune_specs("magnitude:0.4:tasks")});

  const SafetensorsFile pack(work / "out/tasks/three/task.safetensors");
  const CompressedIndex index(pack);
  EXPECT_EQ(index.get("adapters.1.ffn.up.weight").layout, Layout::Bitmask);
  EXPECT_EQ(index.get("pooler.weight").layout, Layout::Bitmask);
  EXPECT_FALSE(index.contains("adapters.1.full_norm.weight"));
  EXPECT_EQ(pack.find("pooler.bias")->dtype, DType::BF16);
  EXPECT_EQ(testing::slurp(work / "out/tasks/three/notes.txt"), "kept");
  const SafetensorsFile backbone(work / "out/model.safetensors");
  EXPECT_EQ(CompressedIndex(backbone).get("albert.pooler.weight").layout, Layout::Bitmask)
      << "the checkpoint's head is a task";
  EXPECT_EQ(CompressedIndex(backbone).get("albert.encoder.embedding_hidden_mapping_in.weight").layout, Layout::Dense);

  write_decoded_copy(work / "out", work / "decoded");
  const Engine compressed(work / "out"), plain(work / "decoded");
  const std::vector<TextInput> texts{{"a gorgeous , witty , seductive movie .", {}},
                                     {"the dullest film of the year", {}}};
  for (const char* task : {"three", "default"}) {
    const auto x = compressed.classify_batch(task, texts), y = plain.classify_batch(task, texts);
    for (size_t i = 0; i < texts.size(); ++i) expect_close(x[i].logits, y[i].logits, task);
  }
}

// ---- failures ----

std::string compress_error(const fs::path& model, const fs::path& out, const CompressOptions& opts = {}) {
  try {
    compress_model(model, out, opts);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_nothing_left(const fs::path& out) {
  EXPECT_FALSE(fs::exists(out)) << out;
  for (const auto& e : fs::directory_iterator(out.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << "temporary left behind: " << e.path();
}

TEST(CompressErrors, NonFiniteWeight) {
  const fs::path work = testing::temp_dir("compress_nan");
  testing::copy_dir(fixture("albert-relu"), work / "model");
  {
    const SafetensorsFile f(fixture("albert-relu") / "model.safetensors");
    std::vector<std::vector<float>> keep;
    keep.reserve(f.tensors().size());
    std::vector<TensorToWrite> out;
    for (const auto& t : f.tensors()) {
      keep.push_back(testing::tensor_f32(f, t.name));
      if (t.name.ends_with("layers.0.ffn.weight")) keep.back()[5] = std::nanf("");
      out.push_back({t.name, DType::F32, t.shape, std::as_bytes(std::span<const float>(keep.back()))});
    }
    write_safetensors(work / "model/model.safetensors", out);
  }
  fs::create_directories(work / "outs");
  const std::string msg = compress_error(work / "model", work / "outs/out");
  EXPECT_EQ(msg, (work / "model/model.safetensors").string() +
                     ": tensor 'albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight': element 5 is NaN; "
                     "compress needs finite weights");
  expect_nothing_left(work / "outs/out");
}

TEST(CompressErrors, OutputPlace) {
  const fs::path work = testing::temp_dir("compress_place");
  testing::copy_dir(fixture("albert-relu"), work / "model");
  fs::create_directories(work / "exists");
  EXPECT_EQ(compress_error(work / "model", work / "exists"),
            (work / "exists").string() +
                ": already exists (edgemt compress writes a new directory; remove it or pick another --out)");
  EXPECT_EQ(compress_error(work / "model", work / "model/sub"),
            (work / "model/sub").string() + ": --out lies inside --model " + (work / "model").string() +
                "; write the compressed model elsewhere");
  EXPECT_FALSE(fs::exists(work / "model/sub"));
  EXPECT_NE(compress_error(work / "model", work / "model/../model/x").find("lies inside --model"), std::string::npos);
  EXPECT_NE(compress_error(work / "model", work / "missing/out").find("parent directory"), std::string::npos);
  EXPECT_NE(compress_error(work / "nowhere", work / "out").find("not a model directory"), std::string::npos);
  EXPECT_EQ(compress_error(work / "model", work / "out", {.bits = 9}), "AdaptivFloat: bits 9 outside [3, 8]");
  expect_nothing_left(work / "out");
}

}  // namespace
}  // namespace edgemt
