// Random AdaptivFloat-8 codes for kernel tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace edgemt::testing {

// A quarter zeros (0x00 and the "negative zero" 0x80), the rest any non-zero code of either sign.
inline std::vector<uint8_t> random_af8_codes(size_t n, std::mt19937& rng) {
  std::vector<uint8_t> c(n);
  for (auto& v : c) {
    const uint32_t r = rng();
    v = r % 4 == 0 ? static_cast<uint8_t>((r >> 8) & 0x80)
                   : static_cast<uint8_t>((1 + (r >> 8) % 127) | ((r >> 16) & 0x80));
  }
  return c;
}

}  // namespace edgemt::testing
