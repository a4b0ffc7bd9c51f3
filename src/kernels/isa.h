// Which instruction-set path the kernels take: chosen once per process from EDGEMT_ISA or cpuid.
#pragma once

#include <string>

namespace edgemt::ops {

// Ordered: each path needs the features of the ones before it. kAmx is kAvx512 plus Intel AMX bf16
// tiles, used by the AF8 linears with bf16 activations (kernels/amx_gemm.h); every other kernel runs
// its AVX-512 path there.
enum class Isa { kGeneric, kAvx2, kAvx512, kAmx };

const char* isa_name(Isa isa);  // "generic", "avx2", "avx512", "amx"

// The best path this CPU and OS support (AVX2 needs AVX2+FMA+BMI1/2+POPCNT, AVX-512 that and AVX512F;
// cpuid and XCR0 via the compiler's runtime; AMX needs AMX-TILE and AMX-BF16 in cpuid, the tile
// state enabled in XCR0, and Linux's permission for it, asked for once with arch_prctl). Always
// kGeneric off x86-64.
Isa detected_isa();
inline bool isa_supported(Isa isa) { return isa <= detected_isa(); }

struct IsaChoice {
  Isa isa;
  std::string warning;  // non-empty when the request was above what the CPU supports
};
// `request` is EDGEMT_ISA's value (nullptr or "" = unset → `detected`). A request above `detected`
// falls back to `detected` with a warning; an unknown value throws Error.
IsaChoice choose_isa(const char* request, Isa detected);

// choose_isa(getenv("EDGEMT_ISA"), detected_isa()), resolved on the first call; its warning goes
// to stderr once. Throws Error (on every call) when EDGEMT_ISA holds an unknown value.
Isa active_isa();

}  // namespace edgemt::ops

// Per-function target attributes: the AVX paths compile without -mavx2/-mavx512f globally and run
// only when detected_isa() allows them.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EDGEMT_X86 1
#define EDGEMT_TARGET_AVX2 __attribute__((target("avx2,fma,bmi,bmi2,popcnt")))
#define EDGEMT_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma,bmi,bmi2,popcnt")))
#else
#define EDGEMT_X86 0
#endif
