// The benchmark's peers and summary (bench/README.md): the Python ONNX Runtime peer feeds the bench
// LCG's ids like the Node one and rejects bad arguments in one line; a bundle left on a machine
// without Node is summarised as that machine's run. Each test skips where its interpreter is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Result;
using testing::run_shell;
using testing::shell_quote;

bool have(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

const fs::path kOrt = testing::source_dir() / "bench" / "ort";
// The first ids of the bench sequence (state 42, MMIX constants, 5 + (state >> 33) % 29995), as
// `node ort_bench.mjs --print-ids 8` printed them when the sequence was defined.
const json kFirstIds = json::array({8749, 29736, 1328, 5173, 29769, 25546, 28759, 29285});

TEST(BenchPeers, PythonPeerFeedsTheBenchIds) {
  if (!have("python3")) GTEST_SKIP() << "python3 not found: the Python ORT peer is not checked";
  const Result r = run_shell("python3 " + shell_quote((kOrt / "ort_bench.py").string()) + " --print-ids 8");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), kFirstIds);
  // The Node peer imports onnxruntime-node even to print ids: compared where bench/ort is installed.
  if (!have("node") || !fs::exists(kOrt / "node_modules" / "onnxruntime-node")) return;
  const Result py = run_shell("python3 " + shell_quote((kOrt / "ort_bench.py").string()) + " --print-ids 300");
  const Result js = run_shell("node " + shell_quote((kOrt / "ort_bench.mjs").string()) + " --print-ids 300");
  ASSERT_EQ(js.status, 0) << js.err;
  EXPECT_EQ(json::parse(py.out), json::parse(js.out)) << "both peers time the same input";
}

TEST(BenchPeers, PythonPeerErrorsAreOneLine) {
  if (!have("python3")) GTEST_SKIP() << "python3 not found: the Python ORT peer is not checked";
  const std::string peer = "python3 " + shell_quote((kOrt / "ort_bench.py").string());
  for (const auto& [args, needle] : std::vector<std::pair<std::string, std::string>>{
           {"--seq 0 --model m.onnx", "--seq must be >= 1, got 0"},
           {"--threads 0 --model m.onnx", "--threads must be >= 1, got 0"},
           {"--iters 5", "--model FILE.onnx is required"},
           {"--seq abc", "argument --seq: invalid int value: 'abc' (see --help)"},
           {"--bogus 1", "unrecognized arguments: --bogus 1 (see --help)"}}) {
    const Result r = run_shell(peer + " " + args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_EQ(r.err, "ort_bench: error: " + needle + "\n") << args;
  }
}

// A bundle as run-four-way.sh leaves it: one round of every side at one length (the bf16-activation
// side only where asked: runs before it lack it), a ceiling line, and the facts of a machine that is
// not this one.
fs::path write_bundle(bool bf16_side = false) {
  const fs::path dir = testing::temp_dir(bf16_side ? "four_way_bundle_bf16" : "four_way_bundle");
  std::vector<std::pair<std::string, double>> sides = {{"edgemt_fp32", 50}, {"edgemt_af8", 25},
                                                       {"ort_fp32", 60},    {"ort_int8", 40},
                                                       {"edgemt_ee12", 48}, {"edgemt_ee4", 16}};
  if (bf16_side) sides.emplace_back("edgemt_af8_bf16", 20);
  std::ofstream raw(dir / "raw.jsonl");
  for (const auto& [side, ms] : sides)
    raw << json{{"side", side},
                {"round", 1},
                {"seq", 64},
                {"threads", 2},
                {"result", {{"median_ms", ms}, {"min_ms", ms - 1}, {"max_ms", ms + 1}}}}
               .dump()
        << "\n";
  std::ofstream checks(dir / "checks.jsonl");
  checks << json{{"side", "edgemt_fp32"}, {"result", {{"check_max_rel_err", 1e-6}}}}.dump() << "\n";
  checks << json{{"side", "ceiling"},
                 {"threads", 2},
                 {"result",
                  {{"gemm_ceiling",
                    {{"n", 2048}, {"sgemm_gflops", 300.0}, {"packed_gflops", 270.0}, {"fma_peak_gflops", 350.0}}}}}}
                .dump()
         << "\n";
  std::ofstream(dir / "machine.json") << json{
      {"date", "2026-11-30T19:14:44Z"},
      {"git_sha", "0123456789abcdef"},
      {"git_dirty", nullptr},
      {"lscpu", "Architecture: x86_64\nModel name:  Bundled Test CPU\nCPU(s):  16\n"},
      {"cpus", 16},
      {"mem_gib", 125.0},
      {"hostname", "bundle-host"},
      {"loadavg_at_end", {1.5, 0.5, 0.2}},
      {"env",
       {{"BENCH_ORT_VERSION", "1.30.0"},
        {"BENCH_ORT_BINDING", "python"},
        {"BENCH_ROUNDS", "1"},
        {"BENCH_LOADAVG_START",
         "0.36 0.08 0.03"}}}}.dump();
  return dir;
}

TEST(BenchPeers, BundleIsSummarisedAsTheMachineThatRanIt) {
  if (!have("node")) GTEST_SKIP() << "node not found: the four-way summary is not checked";
  const fs::path bundle = write_bundle(), out = testing::temp_dir("four_way_summary");
  const Result r = run_shell("node " + shell_quote((kOrt / "summarize_four_way.mjs").string()) + " --bundle " +
                             shell_quote(bundle.string()) + " --out-dir " + shell_quote(out.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(out / "latest-four-way-bundle.md"));
  EXPECT_FALSE(fs::exists(out / "latest-four-way.md")) << "the local machine's summary is left alone";
  const fs::path result = out / "four-way-20261130T191444Z-0123456789.json";
  ASSERT_TRUE(fs::exists(result)) << r.out;
  const json j = json::parse(testing::slurp(result));
  EXPECT_EQ(j["git_sha"], "0123456789abcdef");
  EXPECT_EQ(j["machine"]["model_name"], "Bundled Test CPU");
  EXPECT_EQ(j["machine"]["hostname"], "bundle-host");
  EXPECT_EQ(j["machine"]["loadavg_at_start"], json::array({0.36, 0.08, 0.03}));
  EXPECT_EQ(j["env"]["onnxruntime_binding"], "python");
  EXPECT_EQ(j["env"]["node"], nullptr) << "the bundle's machine had no Node";
  const json row = j["rows"][0];
  EXPECT_DOUBLE_EQ(row["edgemt_fp32_vs_ort_fp32"].get<double>(), 1.2);  // 60 / 50
  EXPECT_DOUBLE_EQ(row["edgemt_af8_vs_ort_fp32"].get<double>(), 2.4);   // 60 / 25
  EXPECT_DOUBLE_EQ(row["early_exit_speedup"].get<double>(), 3.0);       // 48 / 16
  EXPECT_NE(r.out.find("ONNX Runtime 1.30.0 (Python)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Bundled Test CPU, 16 CPUs"), std::string::npos) << r.out;
  EXPECT_FALSE(row.contains("edgemt_af8_bf16_vs_ort_fp32")) << "no bf16-activation side in this run";
  EXPECT_EQ(r.out.find("bf16-act"), std::string::npos) << r.out;

  const Result both = run_shell("node " + shell_quote((kOrt / "summarize_four_way.mjs").string()) + " --bundle " +
                                shell_quote(bundle.string()) + " --raw x --out-dir " + shell_quote(out.string()));
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("--bundle replaces --raw and --checks"), std::string::npos) << both.err;
}

TEST(BenchPeers, Bf16ActivationSideGetsItsColumns) {
  if (!have("node")) GTEST_SKIP() << "node not found: the four-way summary is not checked";
  const fs::path bundle = write_bundle(true), out = testing::temp_dir("four_way_summary_bf16");
  const Result r = run_shell("node " + shell_quote((kOrt / "summarize_four_way.mjs").string()) + " --bundle " +
                             shell_quote(bundle.string()) + " --out-dir " + shell_quote(out.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(testing::slurp(out / "four-way-20261130T191444Z-0123456789.json"));
  const json row = j["rows"][0];
  EXPECT_DOUBLE_EQ(row["edgemt_af8_bf16_vs_ort_fp32"].get<double>(), 3.0);  // 60 / 20
  EXPECT_DOUBLE_EQ(row["edgemt_af8_bf16_vs_ort_int8"].get<double>(), 2.0);  // 40 / 20
  EXPECT_NE(r.out.find("| 3.00× | 2.00× |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--activations bf16"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace edgemt
