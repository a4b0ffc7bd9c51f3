// f32 views of safetensors tensors.
#include "formats/tensor_access.h"

#include "core/error.h"

namespace edgemt {

const float* f32_tensor(const SafetensorsFile& f, const std::string& name, const std::vector<int64_t>& shape,
                        std::vector<std::unique_ptr<float[]>>& owned) {
  const TensorInfo* t = f.find(name);
  if (!t) throw Error(f.path().string() + ": missing tensor '" + name + "' (expected shape " + shape_str(shape) + ")");
  if (t->shape != shape)
    throw Error(f.path().string() + ": tensor '" + name + "' has shape " + shape_str(t->shape) + ", expected " +
                shape_str(shape));
  const auto& traits = dtype_traits(t->dtype);
  if (!traits.is_float)
    throw Error(f.path().string() + ": tensor '" + name + "' has dtype " + std::string(traits.name) +
                ", expected F32, F16 or BF16");
  const auto bytes = f.data(*t);
  if (t->dtype == DType::F32 && reinterpret_cast<uintptr_t>(bytes.data()) % alignof(float) == 0)
    return reinterpret_cast<const float*>(bytes.data());  // zero copy
  auto buf = std::make_unique<float[]>(t->numel());
  widen_to_f32(t->dtype, bytes.data(), t->numel(), buf.get());
  owned.push_back(std::move(buf));
  return owned.back().get();
}

}  // namespace edgemt
