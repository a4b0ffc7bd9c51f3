// libFuzzer entry point for the config + safetensors loader (build with -DEDGEMT_FUZZ=ON, clang).
#include "fuzz/model_loader_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  edgemt::fuzz::load_model_blob(data, size);
  return 0;
}
