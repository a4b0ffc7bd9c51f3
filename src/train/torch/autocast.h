// bf16 autocast on CUDA for one forward pass, over the two C++ APIs: libtorch < 2.4 has
// at::autocast::set_enabled / set_autocast_gpu_dtype; 2.4+ takes the device type
// (set_autocast_enabled / set_autocast_dtype) and deprecates the old calls.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace edgemt::train {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define EDGEMT_AUTOCAST_DEVICE_API 1
#endif

// Does nothing when disabled (CPU training runs in fp32). Like Python's torch.autocast, clears the
// cast cache when the outermost guard ends; backward runs outside the guard.
class AutocastGuard {
 public:
  explicit AutocastGuard(bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
#ifdef EDGEMT_AUTOCAST_DEVICE_API
    previous_ = at::autocast::is_autocast_enabled(at::kCUDA);
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    previous_ = at::autocast::is_enabled();
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
#endif
    at::autocast::increment_nesting();
  }
  ~AutocastGuard() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#ifdef EDGEMT_AUTOCAST_DEVICE_API
    at::autocast::set_autocast_enabled(at::kCUDA, previous_);
#else
    at::autocast::set_enabled(previous_);
#endif
  }
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool enabled_;
  bool previous_ = false;
};

}  // namespace edgemt::train
