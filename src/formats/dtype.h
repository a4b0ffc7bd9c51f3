// The tensor element types edgemt reads and writes, as one data table (name, size, float decoding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace edgemt {

enum class DType : uint8_t { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL };

struct DTypeTraits {
  DType dtype;
  std::string_view name;  // safetensors spelling
  size_t bytes;           // per element
  bool is_float;          // widened to f32 when the engine reads it as weights
};

const DTypeTraits& dtype_traits(DType dtype);
std::optional<DType> dtype_from_name(std::string_view name);

float f16_to_f32(uint16_t h);
float bf16_to_f32(uint16_t b);
uint16_t f32_to_f16(float f);  // round to nearest even; for writing test fixtures and exports

// Widens n elements of a float dtype (F32/F16/BF16/F64) at src into dst.
void widen_to_f32(DType dtype, const void* src, size_t n, float* dst);

}  // namespace edgemt
