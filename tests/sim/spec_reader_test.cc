// Field-checked JSON access: each kind of bad value is an error naming the file and field path.
#include "sim/spec_reader.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace edgemt::sim {
namespace {

using nlohmann::json;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SimSpecReader, ErrorsNameFileAndPath) {
  const json j = {{"a", {{"n", -2}, {"s", ""}, {"f", 2}, {"x", 1.5}}}, {"list", json::array({1})}};
  const SpecReader r(j, "spec.json");
  const SpecReader a = r.child("a");
  EXPECT_EQ(error_of([&] { a.positive("n"); }), "spec.json: a.n: expected a positive number, got -2");
  EXPECT_EQ(error_of([&] { a.string("s"); }), "spec.json: a.s: expected a non-empty string, got \"\"");
  EXPECT_EQ(error_of([&] { a.fraction("f"); }), "spec.json: a.f: expected a number in [0, 1], got 2");
  EXPECT_EQ(error_of([&] { a.positive_integer("x"); }), "spec.json: a.x: expected a positive integer, got 1.5");
  EXPECT_EQ(error_of([&] { a.number("missing"); }), "spec.json: a.missing: missing field");
  EXPECT_EQ(error_of([&] { r.array("list"); }), "spec.json: list[0]: expected an object, got 1");
  EXPECT_EQ(error_of([&] { r.child("list"); }), "spec.json: list: expected an object, got [1]");
  EXPECT_EQ(a.non_negative("f"), 2);
}

TEST(SimSpecReader, MissingAndInvalidFiles) {
  EXPECT_EQ(error_of([] { read_json_file("/nonexistent/spec.json"); }), "/nonexistent/spec.json: cannot open");
}

}  // namespace
}  // namespace edgemt::sim
