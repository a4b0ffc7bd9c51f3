// Reading traces: every field the simulator uses, lines reused by their work, errors naming the
// file, line and field.
#include "sim/trace_reader.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/error.h"
#include "sim_fixtures.h"

namespace edgemt::sim {
namespace {

using nlohmann::json;

TEST(SimTraceReader, ReadsWhatTheWriterWrites) {
  const SyntheticTraceOptions o{.sentences = 5, .density = 0.4, .adapter_size = 16, .span_window = 3,
                                .mean_exit_layer = 3, .predict = true};
  const Trace t = testing::synthetic(o);
  ASSERT_EQ(t.sentences.size(), 5u);
  EXPECT_EQ(t.layers, 12);
  EXPECT_EQ(t.hidden, 768);
  EXPECT_EQ(t.embedding_width, 128);
  for (long i = 0; i < 5; ++i) {
    const json rec = synthetic_record(o, i);
    const SentenceTrace& s = t.sentences[static_cast<size_t>(i)];
    EXPECT_EQ(s.index, i);
    EXPECT_EQ(s.tokens, rec["tokens"].get<long>());
    EXPECT_EQ(s.exit_layer, rec["exit_layer"].get<int>());
    EXPECT_EQ(s.predicted_exit_layer, rec["predicted_exit_layer"].is_null() ? 0 : rec["predicted_exit_layer"].get<int>());
    ASSERT_EQ(s.layers_run.size(), static_cast<size_t>(s.exit_layer));
    const LayerOps& l = s.layers_run[0];
    ASSERT_EQ(l.gemms.size(), 10u);
    EXPECT_TRUE(l.gemms[0].qk);
    EXPECT_EQ(l.gemms[0].density, 0.4);
    EXPECT_EQ(l.gemms[4].cls, TensorClass::Adapters);
    EXPECT_EQ(l.pairs[0], s.tokens * 7 - 12);  // T(2w + 1) − w(w + 1), w = 3
    EXPECT_EQ(l.offramp.empty(), s.exit_layer == 12);
    EXPECT_EQ(s.head.empty(), s.exit_layer < 12);
  }
}

TEST(SimTraceReader, RepeatedWorkReusesTheParsedRecord) {
  const SyntheticTraceOptions o{.sentences = 1, .mean_exit_layer = 4};
  json a = synthetic_record(o, 0), b = a;
  b["index"] = 7;
  b["entropies"][0] = 0.123456;
  b["label_id"] = 1 - a["label_id"].get<int>();
  std::stringstream ss;
  ss << a.dump() << "\n" << b.dump() << "\n";
  Trace t;
  read_trace(ss, "x.jsonl", t);
  ASSERT_EQ(t.sentences.size(), 2u);
  EXPECT_EQ(t.sentences[1].index, 7);
  EXPECT_EQ(t.sentences[1].work, 0u) << "same work: the first record's";
  EXPECT_EQ(t.sentences[1].layers_run.size(), t.sentences[0].layers_run.size());
  b["per_layer"][0]["sfu"]["residual_adds"] = 1;  // different work: parsed on its own (and checked)
  std::stringstream s2;
  s2 << a.dump() << "\n" << b.dump() << "\n";
  Trace t2;
  read_trace(s2, "x.jsonl", t2);
  EXPECT_EQ(t2.sentences[1].work, 1u);
}

std::string error_of(const std::string& text) {
  std::stringstream ss(text);
  Trace t;
  try {
    read_trace(ss, "bad.jsonl", t);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SimTraceReader, BadLinesNameFileLineAndField) {
  const json good = synthetic_record({.sentences = 1}, 0);
  json a = good;
  a["per_layer"][2]["gemms"][1]["shape"] = {12, 768};
  EXPECT_EQ(error_of(good.dump() + "\n" + a.dump() + "\n"), "bad.jsonl:2: per_layer[2].gemms[1].shape: expected [M, N, K]");
  json b = good;
  b.erase("tokens");
  EXPECT_EQ(error_of(b.dump()), "bad.jsonl:1: tokens: missing field");
  json c = good;
  c["exit_layer"] = 13;
  EXPECT_EQ(error_of(c.dump()), "bad.jsonl:1: exit_layer: exceeds layers (12)");
  json d = good;
  d["per_layer"][0]["gemms"][0]["density"] = 1.5;
  EXPECT_EQ(error_of(d.dump()), "bad.jsonl:1: per_layer[0].gemms[0].density: expected a number in [0, 1], got 1.5");
  EXPECT_NE(error_of("{\"index\": 0,").find("bad.jsonl:1: invalid JSON"), std::string::npos);
  EXPECT_EQ(error_of("\n\n"), "bad.jsonl: no trace records (expected JSON lines from edgemt eval --trace)");
  json e = good;
  e["per_layer"][0]["attention"]["pairs"] = {1, 2};
  EXPECT_EQ(error_of(e.dump()), "bad.jsonl:1: per_layer[0].attention.pairs: expected one count per head (12)");
  json f = good;
  f["layers"] = 6;
  f["exit_layer"] = f["layers_run"] = 6;
  EXPECT_EQ(error_of(good.dump() + "\n" + f.dump()).rfind("bad.jsonl:2: per_layer: expected layers_run (6) entries", 0), 0u);
}

}  // namespace
}  // namespace edgemt::sim
