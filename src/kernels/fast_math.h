// Branch-free exp/tanh/erf that the compiler vectorises (libm's scalar calls do not), accurate to a
// few ulp of fp32 — far inside the engine's 1e-4 golden tolerance. ref/reference.cc uses libm.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace edgemt::ops {

// e^x, relative error ≤ 3e-7 on [-87, 88]; clamps outside (e^-87 ≈ 0, e^88 ≈ FLT_MAX/2).
inline float exp_approx(float x) {
  x = x < -87.0f ? -87.0f : x;  // ternaries, not fmin/fmax: these vectorise (with -fno-trapping-math)
  x = x > 88.0f ? 88.0f : x;
  const float t = x * 1.44269504088896341f;           // x / ln 2
  const float n = (t + 12582912.0f) - 12582912.0f;     // round to nearest (1.5·2^23 trick)
  const float y = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // x − n·ln2 in two parts (Cody–Waite), |y| ≤ ln2/2
  // e^y by its Taylor series to y^6 (truncation error ≤ 1.2e-7 relative)
  float p = 1.0f / 720.0f;
  p = p * y + 1.0f / 120.0f;
  p = p * y + 1.0f / 24.0f;
  p = p * y + 1.0f / 6.0f;
  p = p * y + 0.5f;
  p = p * y + 1.0f;
  p = p * y + 1.0f;
  const auto scale = std::bit_cast<float>(static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23);  // 2^n
  return p * scale;
}

inline float tanh_approx(float x) { return 1.0f - 2.0f / (exp_approx(2.0f * x) + 1.0f); }

// Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7 in exact arithmetic (≤ 5e-7 evaluated in fp32).
inline float erf_approx(float x) {
  const float a = std::fabs(x);
  const float t = 1.0f / (1.0f + 0.3275911f * a);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float r = 1.0f - p * t * exp_approx(-a * a);
  return std::copysign(r, x);
}

}  // namespace edgemt::ops
