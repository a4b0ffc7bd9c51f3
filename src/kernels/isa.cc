// ISA detection and the EDGEMT_ISA override.
#include "kernels/isa.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "core/error.h"

namespace edgemt::ops {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kGeneric:
      return "generic";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAmx:
      return "amx";
  }
  return "?";
}

#if EDGEMT_X86
namespace {

// AMX-TILE and AMX-BF16 (cpuid 7.0 EDX bits 24, 22), the tile state on in XCR0 (bits 17, 18), and
// Linux's permission to use tile data (arch_prctl ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA; Linux
// 5.16+). Asked once per process; the permission covers every thread.
bool amx_usable() {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  if (!(d & (1u << 24)) || !(d & (1u << 22))) return false;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return false;  // OSXSAVE: xgetbv is allowed
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & (3u << 17)) != (3u << 17)) return false;
  constexpr long kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtiledata) == 0;
}

}  // namespace
#endif

Isa detected_isa() {
#if EDGEMT_X86
  static const Isa isa = [] {
    __builtin_cpu_init();
    // libgcc's checks include the OS's XCR0 state for YMM and ZMM/opmask registers.
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                      __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
                      __builtin_cpu_supports("popcnt");
    if (!avx2) return Isa::kGeneric;
    if (!__builtin_cpu_supports("avx512f")) return Isa::kAvx2;
    return amx_usable() ? Isa::kAmx : Isa::kAvx512;
  }();
  return isa;
#else
  return Isa::kGeneric;
#endif
}

IsaChoice choose_isa(const char* request, Isa detected) {
  if (request == nullptr || *request == '\0') return {detected, {}};
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512, Isa::kAmx}) {
    if (std::strcmp(request, isa_name(isa)) != 0) continue;
    if (isa <= detected) return {isa, {}};
    return {detected, std::string("edgemt: warning: EDGEMT_ISA=") + request + " is not supported by this CPU; using " +
                          isa_name(detected)};
  }
  throw Error(std::string("EDGEMT_ISA: unknown value '") + request + "' (expected generic, avx2, avx512 or amx)");
}

Isa active_isa() {
  // A throwing initialiser leaves the static uninitialised, so an unknown value fails every call.
  static const Isa isa = [] {
    const IsaChoice c = choose_isa(std::getenv("EDGEMT_ISA"), detected_isa());
    if (!c.warning.empty()) std::fprintf(stderr, "%s\n", c.warning.c_str());
    return c.isa;
  }();
  return isa;
}

}  // namespace edgemt::ops
