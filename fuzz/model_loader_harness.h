// The fuzzed surface: config.json + model.safetensors → validated config, typed weights and, for
// small configs, a forward pass. Shared by the libFuzzer target and the regression test.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgemt::fuzz {

// Input layout: u16 little-endian config length, the config.json bytes, then the safetensors bytes.
// Returns true when the model loaded (and ran), false when it was rejected with edgemt::Error; anything else
// (a crash, a sanitizer report, another exception) is a bug.
bool load_model_blob(const uint8_t* data, size_t size);

}  // namespace edgemt::fuzz
