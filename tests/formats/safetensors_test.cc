// safetensors reader/writer: round trips, dtype conversions, and every malformed-header path.
#include "formats/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "support/files.h"
#include "support/paths.h"

namespace edgemt {
namespace {

using testing::temp_dir;
using testing::write_raw_safetensors;

// Expects construction to throw edgemt::Error whose message contains `needle`.
void expect_load_error(const std::filesystem::path& p, const std::string& needle) {
  try {
    SafetensorsFile f(p);
    FAIL() << "no error for " << p << ", expected: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << "message must name the file: " << e.what();
  }
}

TEST(Safetensors, RoundTripKeepsNamesShapesBytesAndMetadata) {
  const auto dir = temp_dir("st_roundtrip");
  const std::vector<float> a = testing::random_floats(15, 1);
  const std::vector<uint16_t> b = {0x3c00, 0xc000, 0x0001};
  const std::vector<int64_t> c = {7, -3};
  write_safetensors(dir / "x.safetensors",
                    {{"a", DType::F32, {3, 5}, std::as_bytes(std::span(a))},
                     {"b.half", DType::F16, {3}, std::as_bytes(std::span(b))},
                     {"c", DType::I64, {2}, std::as_bytes(std::span(c))},
                     {"empty", DType::F32, {0, 4}, {}}},
                    {{"format", "pt"}});
  SafetensorsFile f(dir / "x.safetensors");
  ASSERT_EQ(f.tensors().size(), 4u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  const TensorInfo* ta = f.find("a");
  ASSERT_NE(ta, nullptr);
  EXPECT_EQ(ta->shape, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(std::memcmp(f.data(*ta).data(), a.data(), 60), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f.data(*ta).data()) % 4, 0u) << "writer keeps data aligned";
  std::vector<float> wide(3);
  widen_to_f32(DType::F16, f.data(*f.find("b.half")).data(), 3, wide.data());
  EXPECT_EQ(wide[0], 1.0f);
  EXPECT_EQ(wide[1], -2.0f);
  EXPECT_EQ(wide[2], std::ldexp(1.0f, -24));
  EXPECT_EQ(f.find("empty")->numel(), 0u);
  EXPECT_EQ(f.find("missing"), nullptr);
}

TEST(Safetensors, WriteIsAtomicAndLeavesNoTempFiles) {
  const auto dir = temp_dir("st_atomic");
  const std::vector<float> a(4, 1.0f);
  write_safetensors(dir / "m.safetensors", {{"a", DType::F32, {4}, std::as_bytes(std::span(a))}});
  // A failing write (byte count does not match the shape) must not touch the existing file.
  EXPECT_THROW(write_safetensors(dir / "m.safetensors", {{"a", DType::F32, {5}, std::as_bytes(std::span(a))}}), Error);
  SafetensorsFile f(dir / "m.safetensors");
  EXPECT_EQ(f.find("a")->shape, (std::vector<int64_t>{4}));
  size_t files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(Safetensors, HalfConversionsRoundTripEveryFiniteValue) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(f32_to_f16(f), h) << "f16 bits " << h;
  }
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00) << "tie rounds to even";
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02) << "tie rounds to even";
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xc040), -3.0f);
}

TEST(Safetensors, RejectsTruncatedFile) {
  const auto dir = temp_dir("st_trunc");
  testing::write_text(dir / "t.safetensors", "abc");
  expect_load_error(dir / "t.safetensors", "truncated");
  testing::write_text(dir / "e.safetensors", "");
  expect_load_error(dir / "e.safetensors", "truncated");
}

TEST(Safetensors, RejectsHeaderLongerThanFile) {
  const auto dir = temp_dir("st_long");
  std::string bytes(8, '\0');
  bytes[0] = 100;
  testing::write_text(dir / "h.safetensors", bytes + "{}");
  expect_load_error(dir / "h.safetensors", "header size 100");
}

TEST(Safetensors, RejectsOversizedHeader) {
  const auto dir = temp_dir("st_huge");
  std::string bytes(8, '\0');
  bytes[7] = 1;  // 2^56
  testing::write_text(dir / "h.safetensors", bytes + "{}");
  expect_load_error(dir / "h.safetensors", "exceeds");
}

TEST(Safetensors, RejectsHeaderThatIsNotJsonOrNotAnObject) {
  const auto dir = temp_dir("st_json");
  write_raw_safetensors(dir / "a.safetensors", "{not json", 0);
  expect_load_error(dir / "a.safetensors", "not valid JSON");
  write_raw_safetensors(dir / "b.safetensors", "[1, 2]", 0);
  expect_load_error(dir / "b.safetensors", "not a JSON object");
  write_raw_safetensors(dir / "c.safetensors", R"({"__metadata__": {"k": 3}})", 0);
  expect_load_error(dir / "c.safetensors", "__metadata__");
}

TEST(Safetensors, RejectsBadEntries) {
  const auto dir = temp_dir("st_entries");
  struct Case {
    const char* header;
    size_t data;
    const char* needle;
  };
  const Case cases[] = {
      {R"({"w": {"dtype": "F99", "shape": [1], "data_offsets": [0, 4]}})", 4, "unknown dtype 'F99'"},
      {R"({"w": {"shape": [1], "data_offsets": [0, 4]}})", 4, "'dtype'"},
      {R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})", 20, "needs 24 bytes"},
      {R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4, "non-negative"},
      {R"({"w": {"dtype": "F32", "shape": "x", "data_offsets": [0, 4]}})", 4, "'shape'"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", 4, "data_offsets"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", 4, "end before begin"},
      {R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4, "out of range"},
      {R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "v": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 12, "overlaps"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8, "gap"},
      {R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 12, "not covered"},
      {R"({"w": 5})", 0, "JSON object"},
      {R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 4]}})", 4, "overflow"},
  };
  int i = 0;
  for (const auto& c : cases) {
    const auto p = dir / ("case" + std::to_string(i++) + ".safetensors");
    write_raw_safetensors(p, c.header, c.data);
    SCOPED_TRACE(c.header);
    expect_load_error(p, c.needle);
  }
}

TEST(Safetensors, MissingFileIsAnError) { expect_load_error("/nonexistent/x.safetensors", "cannot open"); }

TEST(Safetensors, ReadsTheSharedHfFixture) {
  EDGEMT_REQUIRE_SHARED();
  SafetensorsFile f(testing::shared_dir() / "fixtures/hf/albert-tiny/cls/model.safetensors");
  const TensorInfo* t = f.find("albert.embeddings.word_embeddings.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->dtype, DType::F32);
  EXPECT_EQ(t->shape, (std::vector<int64_t>{3000, 32}));
}

}  // namespace
}  // namespace edgemt
