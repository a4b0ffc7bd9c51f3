// Compressed tensors in safetensors: dense and bitmask round trips, f32_tensor decoding them, and a
// one-line error naming file, tensor and field for every malformed description.
#include "formats/compressed.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "formats/tensor_access.h"
#include "support/files.h"
#include "support/paths.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::span<const std::byte> as_bytes(const std::vector<float>& v) { return std::as_bytes(std::span<const float>(v)); }

// w [3, 11] (33 elements: the mask's last byte is partial): every third element zero, one more that
// is kept but rounds to zero, the rest well inside every format's range.
std::vector<float> sample_weights() {
  std::vector<float> w(33);
  for (size_t i = 0; i < w.size(); ++i) w[i] = i % 3 == 0 ? 0.0f : (i % 2 ? -1.0f : 1.0f) * (0.5f + 0.07f * (i % 9));
  w[1] = 1e-9f;
  return w;
}

fs::path write_compressed(const std::string& name, const std::vector<CompressedTensor>& cts,
                          const std::vector<float>& plain) {
  const fs::path p = testing::temp_dir("compressed") / name;
  std::vector<TensorToWrite> out{{"plain.bias", DType::F32, {static_cast<int64_t>(plain.size())}, as_bytes(plain)}};
  for (const auto& c : cts)
    for (auto& t : stored_tensors(c)) out.push_back(t);
  write_safetensors(p, out, {{"format", "pt"}, {std::string(kCompressedKey), compressed_metadata(cts)}});
  return p;
}

TEST(Compressed, DenseRoundTrip) {
  const std::vector<float> w = sample_weights();
  const af::AfFormat f = af::fit_format(w, 8, 3);
  const CompressedTensor c = compress_tensor("layer.weight", {3, 11}, w, f, Layout::Dense);
  EXPECT_EQ(c.codes, af::encode(w, f));
  EXPECT_TRUE(c.mask.empty());
  const std::vector<float> bias{1.0f, 2.0f};
  const SafetensorsFile file(write_compressed("dense.safetensors", {c}, bias));
  EXPECT_EQ(file.find("layer.weight")->dtype, DType::U8);
  EXPECT_EQ(file.find("layer.weight")->shape, (std::vector<int64_t>{3, 11})) << "dense codes keep the logical shape";

  const CompressedIndex index(file);
  ASSERT_TRUE(index.contains("layer.weight"));
  EXPECT_FALSE(index.contains("plain.bias"));
  const CompressedView v = index.get("layer.weight");
  EXPECT_EQ(v.layout, Layout::Dense);
  EXPECT_EQ(v.format.bits, 8);
  EXPECT_EQ(v.format.exp_bits, 3);
  EXPECT_EQ(v.format.exp_bias, f.exp_bias);
  EXPECT_EQ(std::vector<uint8_t>(v.codes.begin(), v.codes.end()), c.codes);

  std::vector<std::unique_ptr<float[]>> owned;
  const float* got = f32_tensor(file, "layer.weight", {3, 11}, owned);
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(got[i], af::decode(c.codes[i], f)) << i;
  const float* b = f32_tensor(file, "plain.bias", {2}, owned);
  EXPECT_EQ(b[1], 2.0f);
  EXPECT_EQ(compressed_tensor(file, "plain.bias", {2}), std::nullopt);
  ASSERT_TRUE(compressed_tensor(file, "layer.weight", {3, 11}).has_value());
  EXPECT_EQ(storage_tensors(file, "layer.weight"), std::vector<std::string>{"layer.weight"});
}

TEST(Compressed, BitmaskRoundTrip) {
  const std::vector<float> w = sample_weights();
  const af::AfFormat f{.bits = 6, .exp_bits = 2, .exp_bias = af::choose_exp_bias(w, 6, 2)};
  const CompressedTensor c = compress_tensor("layer.weight", {3, 11}, w, f, Layout::Bitmask);
  const auto dense = af::encode(w, f);
  std::vector<uint8_t> nonzero;
  for (auto code : dense)
    if (code) nonzero.push_back(code);
  EXPECT_EQ(c.codes, nonzero);
  EXPECT_EQ(c.codes.size(), 21u) << "11 zeros, plus 1e-9 rounding to zero";
  ASSERT_EQ(c.mask.size(), 5u);
  EXPECT_EQ(c.mask[0], 0b10110100) << "elements 0, 1, 3, 6 are zero; LSB first";
  EXPECT_EQ(c.mask[4] >> 1, 0) << "padding bits past element 33 stay clear";

  const SafetensorsFile file(write_compressed("bitmask.safetensors", {c}, {0.5f}));
  const CompressedView v = CompressedIndex(file).get("layer.weight");
  EXPECT_EQ(v.layout, Layout::Bitmask);
  EXPECT_EQ(v.codes.size(), 21u);
  EXPECT_TRUE(CompressedIndex(file).is_storage_only("layer.weight.mask"));
  EXPECT_EQ(storage_tensors(file, "layer.weight"), (std::vector<std::string>{"layer.weight", "layer.weight.mask"}));
  std::vector<std::unique_ptr<float[]>> owned;
  const float* got = f32_tensor(file, "layer.weight", {3, 11}, owned);
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(got[i], af::decode(dense[i], f)) << i;
}

TEST(Compressed, ActivationsFieldIsWrittenOnlyForBf16AndReadBack) {
  const std::vector<float> w = sample_weights();
  const af::AfFormat f = af::fit_format(w, 8, 3);
  CompressedTensor plain = compress_tensor("a.weight", {3, 11}, w, f, Layout::Dense);
  CompressedTensor bf16 = compress_tensor("b.weight", {3, 11}, w, f, Layout::Bitmask);
  bf16.activations = Activations::Bf16;
  const json meta = json::parse(compressed_metadata(std::vector{plain, bf16}));
  EXPECT_FALSE(meta["a.weight"].contains("activations")) << "fp32, the default, keeps older files' entries";
  EXPECT_EQ(meta["b.weight"]["activations"], "bf16");
  const SafetensorsFile file(write_compressed("activations.safetensors", {plain, bf16}, {1.0f}));
  const CompressedIndex index(file);
  EXPECT_EQ(index.get("a.weight").activations, Activations::F32);
  EXPECT_EQ(index.get("b.weight").activations, Activations::Bf16);
  EXPECT_EQ(activations_name(Activations::Bf16), "bf16");
  EXPECT_EQ(activations_name(Activations::F32), "fp32");
}

TEST(Compressed, EmptyTensor) {
  const af::AfFormat f{.bits = 8, .exp_bits = 3, .exp_bias = 0};
  const CompressedTensor c = compress_tensor("e.weight", {0, 4}, {}, f, Layout::Bitmask);
  const SafetensorsFile file(write_compressed("empty.safetensors", {c}, {1.0f}));
  EXPECT_EQ(CompressedIndex(file).get("e.weight").numel(), 0u);
}

// Writes one file from raw pieces: U8/F32 tensors and the `edgemt.tensors` text as given.
struct RawTensor {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

std::string load_error(const std::string& meta, const std::vector<RawTensor>& tensors,
                       const std::vector<int64_t>& expect_shape = {2, 3}) {
  static int n = 0;
  const fs::path p = testing::temp_dir("compressed_errors") / ("bad" + std::to_string(n++) + ".safetensors");
  std::vector<TensorToWrite> out;
  for (const auto& t : tensors)
    out.push_back({t.name, t.dtype, t.shape, std::as_bytes(std::span<const uint8_t>(t.bytes))});
  write_safetensors(p, out, {{std::string(kCompressedKey), meta}});
  const SafetensorsFile file(p);
  std::vector<std::unique_ptr<float[]>> owned;
  try {
    f32_tensor(file, "w", expect_shape, owned);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_EQ(msg.rfind(p.string(), 0), 0u) << "names the file: " << msg;
    return msg;
  }
  return "(no error)";
}

json entry(json overrides = json::object()) {
  json e = {{"encoding", "adaptivfloat"}, {"bits", 8}, {"exp_bits", 3}, {"exp_bias", -7}, {"shape", {2, 3}},
            {"layout", "dense"}};
  e.update(overrides);
  return e;
}
std::string meta(const json& e) { return json{{"w", e}}.dump(); }
const RawTensor kDense{"w", DType::U8, {2, 3}, {1, 2, 3, 4, 5, 6}};

#define EXPECT_ERROR(msg, needle) EXPECT_NE((msg).find(needle), std::string::npos) << (msg)

// Loaders read tensor after tensor: the file parses and validates its index once and keeps it, and a
// broken index fails every read, not only the first.
TEST(Compressed, FileKeepsItsIndexAndABrokenOneFailsEveryRead) {
  const std::vector<float> w = sample_weights();
  const CompressedTensor c = compress_tensor("layer.weight", {3, 11}, w, af::fit_format(w, 8, 3), Layout::Bitmask);
  const SafetensorsFile file(write_compressed("kept.safetensors", {c}, {1.0f}));
  const CompressedIndex& first = file.compressed_index();
  EXPECT_EQ(&first, &file.compressed_index());
  EXPECT_TRUE(compressed_tensor(file, "layer.weight", {3, 11}).has_value());
  EXPECT_EQ(&first, &file.compressed_index()) << "reads go through the kept index";
  EXPECT_EQ(storage_tensors(file, "layer.weight"), (std::vector<std::string>{"layer.weight", "layer.weight.mask"}));

  const fs::path p = testing::temp_dir("compressed_errors") / "broken_index.safetensors";
  const std::vector<uint8_t> codes{1, 2, 3, 4, 5, 6};
  write_safetensors(p, {{"w", DType::U8, {2, 3}, std::as_bytes(std::span<const uint8_t>(codes))}},
                    {{std::string(kCompressedKey), "{\"w\": "}});
  const SafetensorsFile broken(p);
  for (int i = 0; i < 2; ++i) {
    std::vector<std::unique_ptr<float[]>> owned;
    EXPECT_THROW(f32_tensor(broken, "w", {2, 3}, owned), Error) << "read " << i;
    EXPECT_THROW(storage_tensors(broken, "w"), Error) << "read " << i;
  }
}

TEST(CompressedErrors, MetadataItself) {
  EXPECT_ERROR(load_error("{\"w\": ", {kDense}), "__metadata__ 'edgemt.tensors' is not valid JSON");
  EXPECT_ERROR(load_error("[1, 2]", {kDense}), "__metadata__ 'edgemt.tensors' must be a JSON object");
  EXPECT_ERROR(load_error(json{{"w", 3}}.dump(), {kDense}),
               "tensor 'w': edgemt.tensors entry must be an object, got 3");
}

TEST(CompressedErrors, Fields) {
  EXPECT_ERROR(load_error(meta(entry({{"encoding", "int8"}})), {kDense}),
               "tensor 'w': edgemt.tensors field 'encoding' is \"int8\", expected \"adaptivfloat\"");
  json no_bits = entry();
  no_bits.erase("bits");
  EXPECT_ERROR(load_error(meta(no_bits), {kDense}), "tensor 'w': edgemt.tensors entry lacks field 'bits'");
  EXPECT_ERROR(load_error(meta(entry({{"bits", "8"}})), {kDense}), "field 'bits' must be a small integer, got \"8\"");
  EXPECT_ERROR(load_error(meta(entry({{"bits", 9}})), {kDense}), "tensor 'w': edgemt.tensors: bits 9 outside [3, 8]");
  EXPECT_ERROR(load_error(meta(entry({{"exp_bits", 0}})), {kDense}),
               "tensor 'w': edgemt.tensors: exp_bits 0 outside [1, 6]");
  EXPECT_ERROR(load_error(meta(entry({{"exp_bits", 7}})), {kDense}), "exp_bits 7 outside [1, 6]");
  EXPECT_ERROR(load_error(meta(entry({{"exp_bias", 121}})), {kDense}),
               "tensor 'w': edgemt.tensors field 'exp_bias' 121 outside [-126, 120]");
  EXPECT_ERROR(load_error(meta(entry({{"exp_bias", -127}})), {kDense}), "field 'exp_bias' -127 outside [-126, 120]");
  EXPECT_ERROR(load_error(meta(entry({{"exp_bias", 1.5}})), {kDense}), "field 'exp_bias' must be a small integer");
  EXPECT_ERROR(load_error(meta(entry({{"shape", {2, -3}}})), {kDense}),
               "tensor 'w': edgemt.tensors field 'shape' must hold non-negative integers, got [2,-3]");
  EXPECT_ERROR(load_error(meta(entry({{"shape", "2x3"}})), {kDense}), "field 'shape' must be an array");
  EXPECT_ERROR(load_error(meta(entry({{"layout", "csr"}})), {kDense}),
               "tensor 'w': edgemt.tensors field 'layout' is \"csr\", expected \"dense\" or \"bitmask\"");
  EXPECT_ERROR(load_error(meta(entry({{"activations", "int8"}})), {kDense}),
               "tensor 'w': edgemt.tensors field 'activations' is \"int8\", expected \"fp32\" or \"bf16\"");
  EXPECT_ERROR(load_error(meta(entry({{"activations", 16}})), {kDense}),
               "tensor 'w': edgemt.tensors field 'activations' must be a string, got 16");
}

TEST(CompressedErrors, StoredTensors) {
  EXPECT_ERROR(load_error(meta(entry()), {{"v", DType::U8, {6}, {1, 2, 3, 4, 5, 6}}}),
               "tensor 'w': described in edgemt.tensors, but the file has no tensor 'w'");
  EXPECT_ERROR(load_error(meta(entry()), {{"w", DType::I8, {2, 3}, {1, 2, 3, 4, 5, 6}}}),
               "tensor 'w': 'w' has dtype I8, expected U8");
  EXPECT_ERROR(load_error(meta(entry()), {{"w", DType::U8, {5}, {1, 2, 3, 4, 5}}}),
               "tensor 'w': holds 5 codes, shape [2, 3] needs 6 (dense: one per element)");
  // Bitmask: 6 elements → 1 mask byte; mask 0b101101 has 4 bits set.
  const json bm = entry({{"layout", "bitmask"}});
  const RawTensor codes4{"w", DType::U8, {4}, {1, 2, 3, 4}};
  EXPECT_EQ(load_error(meta(bm), {codes4, {"w.mask", DType::U8, {1}, {0b101101}}}), "(no error)");
  EXPECT_ERROR(load_error(meta(bm), {codes4}),
               "tensor 'w': described in edgemt.tensors, but the file has no tensor 'w.mask'");
  EXPECT_ERROR(load_error(meta(bm), {codes4, {"w.mask", DType::U8, {2}, {0b101101, 0}}}),
               "tensor 'w': mask 'w.mask' has 2 bytes, shape [2, 3] needs 1 (one bit per element)");
  EXPECT_ERROR(load_error(meta(bm), {codes4, {"w.mask", DType::U8, {1}, {0b100101}}}),
               "tensor 'w': mask 'w.mask' has 3 bits set but there are 4 codes");
  EXPECT_ERROR(load_error(meta(bm), {codes4, {"w.mask", DType::U8, {1}, {0b1001101}}}),
               "tensor 'w': mask 'w.mask' has bits set past element 6 in its last byte");
  // 9 × 9 = 81 elements → 11 mask bytes: bits are counted in the first 8 bytes as a word and in the
  // last 3 bytes one by one; a set bit in either part counts.
  const json big = entry({{"layout", "bitmask"}, {"shape", {9, 9}}});
  std::vector<uint8_t> mask(11, 0);
  mask[0] = 0b11;     // 2 in the word
  mask[7] = 0x80;     // 1 at the word's last bit
  mask[8] = 0b1;      // 1 in the tail
  mask[10] = 0b1;     // element 80, the last
  const auto with = [&](size_t n_codes) {
    return load_error(meta(big), {{"w", DType::U8, {static_cast<int64_t>(n_codes)}, std::vector<uint8_t>(n_codes, 1)},
                                  {"w.mask", DType::U8, {11}, mask}},
                      {9, 9});
  };
  EXPECT_EQ(with(5), "(no error)");
  EXPECT_ERROR(with(4), "tensor 'w': mask 'w.mask' has 5 bits set but there are 4 codes");
  EXPECT_ERROR(load_error(meta(bm), {codes4, {"w.mask", DType::F32, {1}, {0, 0, 0, 0}}}),
               "'w.mask' has dtype F32, expected U8");
  // The mask of one compressed tensor cannot be described as another.
  const json both = {{"w", bm}, {"w.mask", entry({{"shape", {1}}})}};
  EXPECT_ERROR(load_error(both.dump(), {codes4, {"w.mask", DType::U8, {1}, {0b101101}}}),
               "tensor 'w.mask' is the mask of 'w' and cannot be a compressed tensor itself");
}

TEST(CompressedErrors, CodesAndShape) {
  EXPECT_ERROR(
      load_error(meta(entry({{"bits", 6}, {"exp_bits", 2}})), {{"w", DType::U8, {2, 3}, {1, 2, 63, 64, 5, 6}}}),
      "tensor 'w': code 64 at position 3 does not fit in bits 6");
  EXPECT_ERROR(load_error(meta(entry()), {kDense}, {3, 2}), "compressed tensor 'w' has shape [2, 3], expected [3, 2]");
  // Any malformed entry fails every read of the file, not only reads of that tensor.
  const json other = {{"w", entry()}, {"v", entry({{"layout", "csr"}})}};
  EXPECT_ERROR(load_error(other.dump(), {kDense, {"v", DType::U8, {2, 3}, {0, 0, 0, 0, 0, 0}}}),
               "tensor 'v': edgemt.tensors field 'layout' is \"csr\"");
}

}  // namespace
}  // namespace edgemt
