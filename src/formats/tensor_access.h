// Typed access to a safetensors tensor with the checks every loader needs (present, shape, float).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/safetensors.h"

namespace edgemt {

// The tensor `name` of `f` as f32 with exactly `shape`: zero-copy when it is aligned F32, else a
// widened copy kept alive in `owned`. Throws edgemt::Error naming the file and tensor.
const float* f32_tensor(const SafetensorsFile& f, const std::string& name, const std::vector<int64_t>& shape,
                        std::vector<std::unique_ptr<float[]>>& owned);

}  // namespace edgemt
