// Typed access to a safetensors tensor with the checks every loader needs (present, shape, float),
// reading plain float tensors and compressed ones (formats/compressed.h) alike.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/compressed.h"
#include "formats/safetensors.h"

namespace edgemt {

// The tensor `name` of `f` as f32 with exactly `shape`: zero-copy when it is aligned F32, else a
// widened copy kept alive in `owned`. A compressed tensor (listed in `edgemt.tensors`) is decoded
// into `owned`, equal to decode() of each code. Throws edgemt::Error naming the file and tensor.
const float* f32_tensor(const SafetensorsFile& f, const std::string& name, const std::vector<int64_t>& shape,
                        std::vector<std::unique_ptr<float[]>>& owned);

// The codes, mask and format of `name` when it is stored compressed (validated, logical shape equal
// to `shape`), for kernels that use the codes directly; nullopt when it is stored as plain floats.
// Throws edgemt::Error like f32_tensor. The view lives as long as `f`.
std::optional<CompressedView> compressed_tensor(const SafetensorsFile& f, const std::string& name,
                                                const std::vector<int64_t>& shape);

// The file's tensors that hold `name`: {name}, plus `name.mask` for a bitmask-compressed tensor.
// Loaders that report unread tensors count all of them as read.
std::vector<std::string> storage_tensors(const SafetensorsFile& f, const std::string& name);

}  // namespace edgemt
