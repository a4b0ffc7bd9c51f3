// edgemt simulate as a user runs it: a run in detail, a comparison, JSON and CSV for scripts, and
// one-line errors with the documented exit status.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "sim/synthetic_trace.h"
#include "support/files.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run;

fs::path trace_file(const std::string& name, const sim::SyntheticTraceOptions& o) {
  const fs::path p = testing::temp_dir("simulate_cli") / name;
  std::ofstream out(p);
  sim::write_synthetic_trace(out, o);
  return p;
}

void expect_error(const testing::Result& r, int status, const std::string& needle) {
  EXPECT_EQ(r.status, status) << r.err;
  EXPECT_EQ(r.err.rfind("edgemt: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(SimulateCli, RunInDetail) {
  const fs::path t = trace_file("a.jsonl", {.sentences = 20, .density = 0.4, .adapter_size = 16});
  const auto r = run({"simulate", "--accel", "edgebert-n16", "--mapping", "adapter-albert", "--trace", t.string(),
                      "--tasks", "5"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("edgebert-n16 · adapter-albert · DVFS none · 20 sentences of synthetic · 5 resident tasks"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rram           RRAM"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("energy per sentence:"), std::string::npos) << r.out;
}

TEST(SimulateCli, ComparisonJsonAndCsv) {
  const fs::path t = trace_file("b.jsonl", {.sentences = 12, .density = 0.4, .mean_exit_layer = 3.9, .predict = true});
  const fs::path csv = t.parent_path() / "b.csv";
  const std::vector<std::string> base = {"simulate", "--accel", "edgebert-n32", "--mapping",
                                         "albert-per-task,adapter-albert,all-sram", "--trace", t.string(),
                                         "--dvfs", "none,edgebert", "--latency-target-ms", "30"};
  const auto table = run(base);
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), 1 + 6 + 2) << table.out;
  auto with_json = base;
  with_json.insert(with_json.end(), {"--json", "--csv", csv.string()});
  const auto j = run(with_json);
  ASSERT_EQ(j.status, 0) << j.err;
  std::stringstream lines(j.out);
  int runs = 0;
  for (std::string line; std::getline(lines, line); ++runs) {
    const json o = json::parse(line);
    EXPECT_EQ(o["per_sentence"].size(), 12u);
    EXPECT_GT(o["mean"]["energy_pj"].get<double>(), 0);
    EXPECT_GT(o["mean"]["latency_ns"].get<double>(), 0);
  }
  EXPECT_EQ(runs, 6);
  const std::string text = testing::slurp(csv);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 6 * 12);
}

TEST(SimulateCli, BadInputIsOneLine) {
  const fs::path t = trace_file("c.jsonl", {.sentences = 2});
  const std::string trace = t.string();
  expect_error(run({"simulate", "--accel", "edgebert-n64", "--mapping", "adapter-albert", "--trace", trace}), 1,
               "--accel 'edgebert-n64': no such file or preset (presets: ");
  expect_error(run({"simulate", "--accel", "edgebert-n16", "--mapping", "sram-only", "--trace", trace}), 1,
               "--mapping 'sram-only': no such file or preset (presets: ");
  expect_error(run({"simulate", "--accel", "edgebert-n16", "--mapping", "adapter-albert", "--trace", "/nonexistent.jsonl"}),
               1, "/nonexistent.jsonl: cannot open trace");
  expect_error(run({"simulate", "--accel", "edgebert-n16", "--mapping", "adapter-albert", "--trace", trace, "--dvfs",
                    "edgebert"}),
               2, "--dvfs edgebert needs --latency-target-ms");
  expect_error(run({"simulate", "--accel", "edgebert-n16", "--mapping", "adapter-albert", "--trace", trace, "--dvfs",
                    "turbo", "--latency-target-ms", "5"}),
               2, "--dvfs: unknown DVFS policy 'turbo' (none, edgebert)");
  expect_error(run({"simulate", "--accel", "edgebert-n16", "--mapping", "adapter-albert", "--trace", trace,
                    "--latency-target-ms", "-3"}),
               2, "--latency-target-ms");
  expect_error(run({"simulate", "--accel", "edgebert-n16", "--mapping", "adapter-albert"}), 2, "--trace is required");
  const fs::path bad = t.parent_path() / "bad-accel.json";
  testing::write_text(bad, R"({"name": "x", "node_nm": 12, "pu": {"n": -16}})");
  expect_error(run({"simulate", "--accel", bad.string(), "--mapping", "adapter-albert", "--trace", trace}), 1,
               "bad-accel.json: pu.n: expected a positive integer, got -16");
  const fs::path mem = t.parent_path() / "bad-map.json";
  testing::write_text(mem, R"({"name": "m", "model": "shared-backbone", "memories": [{"name": "s", "technology": "SRAM",
      "capacity_bytes": 8, "banks": 16, "word_bits": 128}]})");
  expect_error(run({"simulate", "--accel", "edgebert-n16", "--mapping", mem.string(), "--trace", trace}), 1,
               "bad-map.json: memories[0].capacity_bytes: too small for anything");
}

TEST(SimulateCli, ModelThatDoesNotFitIsReported) {
  const fs::path t = trace_file("d.jsonl", {.sentences = 2});
  const fs::path map = t.parent_path() / "tiny.json";
  testing::write_text(map, R"({"name": "tiny", "model": "shared-backbone",
    "memories": [{"name": "sram", "technology": "SRAM", "capacity_bytes": 1048576, "banks": 16, "word_bits": 128}],
    "formats": {"embeddings": "af8", "shared_layers": "af8", "adapters": "af8", "offramps": "af8", "heads": "af8",
                "activations": "af8"},
    "placement": [{"class": "shared_layers", "memory": "sram"}]})");
  const auto r = run({"simulate", "--accel", "edgebert-n16", "--mapping", map.string(), "--trace", t.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("shared_layers: does not fit"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("DOES NOT FIT"), std::string::npos) << r.out;
  const auto j = run({"simulate", "--accel", "edgebert-n16", "--mapping", map.string(), "--trace", t.string(), "--json"});
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_FALSE(json::parse(j.out)["fits"].get<bool>());
}

TEST(SimulateCli, Help) {
  const auto r = run({"simulate", "--help"});
  EXPECT_EQ(r.status, 0);
  for (const char* opt : {"--accel", "--mapping", "--trace", "--tasks", "--latency-target-ms", "--dvfs", "--json", "--csv"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

}  // namespace
}  // namespace edgemt
