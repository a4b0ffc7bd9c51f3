// ISA detection and the EDGEMT_ISA override.
#include "kernels/isa.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

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
  }
  return "?";
}

Isa detected_isa() {
#if EDGEMT_X86
  static const Isa isa = [] {
    __builtin_cpu_init();
    // libgcc's checks include the OS's XCR0 state for YMM and ZMM/opmask registers.
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                      __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
                      __builtin_cpu_supports("popcnt");
    if (!avx2) return Isa::kGeneric;
    return __builtin_cpu_supports("avx512f") ? Isa::kAvx512 : Isa::kAvx2;
  }();
  return isa;
#else
  return Isa::kGeneric;
#endif
}

IsaChoice choose_isa(const char* request, Isa detected) {
  if (request == nullptr || *request == '\0') return {detected, {}};
  for (Isa isa : {Isa::kGeneric, Isa::kAvx2, Isa::kAvx512}) {
    if (std::strcmp(request, isa_name(isa)) != 0) continue;
    if (isa <= detected) return {isa, {}};
    return {detected, std::string("edgemt: warning: EDGEMT_ISA=") + request + " is not supported by this CPU; using " +
                          isa_name(detected)};
  }
  throw Error(std::string("EDGEMT_ISA: unknown value '") + request + "' (expected generic, avx2 or avx512)");
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
