// ISA dispatch: detection against /proc/cpuinfo, the EDGEMT_ISA rules, and the env variable end to
// end in a child process (the choice is made once per process, so each value needs its own).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>

#include "kernels/af8_gemm.h"
#include "kernels/ref/af8_reference.h"
#include "kernels/sparse_gemm.h"
#include "support/paths.h"
#include "support/run_cli.h"

namespace edgemt {
namespace {

using ops::Isa;

TEST(Isa, Names) {
  EXPECT_STREQ(ops::isa_name(Isa::kGeneric), "generic");
  EXPECT_STREQ(ops::isa_name(Isa::kAvx2), "avx2");
  EXPECT_STREQ(ops::isa_name(Isa::kAvx512), "avx512");
  EXPECT_STREQ(ops::isa_name(Isa::kAmx), "amx");
}

TEST(Isa, DetectionAgreesWithProcCpuinfo) {
  std::ifstream in("/proc/cpuinfo");
  if (!in) GTEST_SKIP() << "no /proc/cpuinfo";
  std::string line, flags;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) {
      flags = line + " ";
      break;
    }
  const auto has = [&](const char* f) { return flags.find(std::string(" ") + f + " ") != std::string::npos; };
  const bool avx2 = has("avx2") && has("fma") && has("bmi1") && has("bmi2") && has("popcnt");
  // Linux lists amx_tile/amx_bf16 only where it supports the tile state (and then grants its use).
  const Isa expected = !avx2             ? Isa::kGeneric
                       : !has("avx512f") ? Isa::kAvx2
                       : has("amx_tile") && has("amx_bf16") ? Isa::kAmx
                                                            : Isa::kAvx512;
  EXPECT_EQ(ops::detected_isa(), expected) << flags;
  EXPECT_TRUE(ops::isa_supported(Isa::kGeneric));
}

TEST(Isa, ChoiceFollowsEdgemtIsa) {
  for (Isa detected : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
    SCOPED_TRACE(ops::isa_name(detected));
    for (const char* unset : {static_cast<const char*>(nullptr), ""}) {
      const auto c = ops::choose_isa(unset, detected);
      EXPECT_EQ(c.isa, detected);
      EXPECT_EQ(c.warning, "");
    }
    for (Isa request : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
      const auto c = ops::choose_isa(ops::isa_name(request), detected);
      if (request <= detected) {
        EXPECT_EQ(c.isa, request);
        EXPECT_EQ(c.warning, "");
      } else {  // an unsupported request falls back to the best supported path, with a warning
        EXPECT_EQ(c.isa, detected);
        EXPECT_EQ(c.warning, std::string("edgemt: warning: EDGEMT_ISA=") + ops::isa_name(request) +
                                 " is not supported by this CPU; using " + ops::isa_name(detected));
      }
    }
  }
}

TEST(Isa, UnknownValueIsAnError) {
  for (const char* bad : {"AVX2", "sse", "avx-512", " generic"}) {
    try {
      ops::choose_isa(bad, Isa::kAvx2);
      ADD_FAILURE() << bad << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("EDGEMT_ISA: unknown value '") + bad + "' (expected generic, avx2, avx512 or amx)");
    }
  }
}

TEST(Isa, ActiveIsaIsTheChoiceForThisProcess) {
  const char* env = std::getenv("EDGEMT_ISA");
  EXPECT_EQ(ops::active_isa(), ops::choose_isa(env, ops::detected_isa()).isa);
  EXPECT_TRUE(ops::isa_supported(ops::active_isa()));
}

// Run by the IsaEnv tests in a child process with EDGEMT_ISA set; disabled in ordinary runs.
TEST(IsaEnvChild, DISABLED_KernelsRunOnTheRequestedPath) {
  const std::string request = std::getenv("EDGEMT_ISA") ? std::getenv("EDGEMT_ISA") : "";
  if (request == "bogus") {
    for (int i = 0; i < 2; ++i) EXPECT_THROW(ops::active_isa(), Error);
    return;
  }
  const Isa isa = ops::active_isa();
  EXPECT_EQ(ops::active_isa(), isa);  // a second call: same answer, no second warning
  std::printf("active_isa=%s\n", ops::isa_name(isa));
  if (request == "generic") {
    EXPECT_EQ(isa, Isa::kGeneric);
  }

  // The public entry points run the chosen path: bit-identical to forcing it, and within tolerance.
  const int M = 9, K = 150, N = 40;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(M) * K), b(static_cast<size_t>(N));
  for (auto& v : x) v = u(rng);
  for (auto& v : b) v = u(rng);
  std::vector<uint8_t> codes(static_cast<size_t>(N) * K), mask((codes.size() + 7) / 8, 0), nz;
  for (size_t i = 0; i < codes.size(); ++i) {
    codes[i] = static_cast<uint8_t>(rng() % 3 == 0 ? 0 : rng());
    if (codes[i] & 0x7F) {
      mask[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
      nz.push_back(codes[i]);
    }
  }
  const ops::Af8Matrix dense{codes.data(), N, K, 3, -6};
  const ops::Af8BitmaskMatrix sparse{mask.data(), nz.data(), N, K, 3, -6};
  const ref::LinearF64 r = ref::linear_f64(x.data(), M, K, ref::af8_decode(dense), b.data(), N);
  const ops::Af8DenseWeights wd(dense, "w");
  const ops::Af8BitmaskWeights ws(sparse, "w");
  std::vector<float> y(static_cast<size_t>(M) * N), forced(y.size());
  for (int variant = 0; variant < 2; ++variant) {
    if (variant == 0) {
      ops::af8_linear(x.data(), M, K, wd, b.data(), y.data(), N);
      ops::af8_linear(isa, x.data(), M, K, wd, b.data(), forced.data(), N);
    } else {
      ops::af8_bitmask_linear(x.data(), M, K, ws, b.data(), y.data(), N);
      ops::af8_bitmask_linear(isa, x.data(), M, K, ws, b.data(), forced.data(), N);
    }
    EXPECT_EQ(y, forced) << variant;
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_LE(std::fabs(y[i] - r.y[i]), 1e-5 * r.scale[i]) << variant << " " << i;
    }
  }
}

struct Child {
  int status;
  std::string out, err;
};

Child run_child(const std::string& isa_value) {
  const auto dir = testing::temp_dir("isa_child_" + isa_value);
  const std::string cmd = "EDGEMT_ISA=" + isa_value + " /proc/" + std::to_string(getpid()) +
                          "/exe --gtest_also_run_disabled_tests --gtest_filter=IsaEnvChild.* >" +
                          (dir / "out").string() + " 2>" + (dir / "err").string() + " </dev/null";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, testing::slurp(dir / "out"), testing::slurp(dir / "err")};
}

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(IsaEnv, GenericForcesThePortablePath) {
  const Child c = run_child("generic");
  EXPECT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("active_isa=generic"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("[  PASSED  ] 1 test."), std::string::npos) << c.out;
  EXPECT_EQ(count(c.err, "warning"), 0) << c.err;
}

TEST(IsaEnv, UnsupportedRequestFallsBackWithOneWarning) {
  const Child c = run_child("amx");  // the top path: only an AMX machine has it
  EXPECT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_NE(c.out.find(std::string("active_isa=") + ops::isa_name(ops::detected_isa())), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("[  PASSED  ] 1 test."), std::string::npos) << c.out;
  const bool supported = ops::isa_supported(Isa::kAmx);
  EXPECT_EQ(count(c.err, "edgemt: warning: EDGEMT_ISA=amx is not supported by this CPU"), supported ? 0 : 1)
      << c.err;
}

TEST(IsaEnv, UnknownValueFailsEveryCall) {
  const Child c = run_child("bogus");
  EXPECT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_NE(c.out.find("[  PASSED  ] 1 test."), std::string::npos) << c.out;
}

}  // namespace
}  // namespace edgemt
