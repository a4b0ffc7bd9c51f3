// f32 views of safetensors tensors: zero-copy F32, widened F16/BF16/F64, decoded AdaptivFloat.
#include "formats/tensor_access.h"

#include "core/error.h"

namespace edgemt {

namespace {

bool may_be_compressed(const SafetensorsFile& f) { return f.metadata().count(std::string(kCompressedKey)) > 0; }

void check_shape(const SafetensorsFile& f, const std::string& name, const std::vector<int64_t>& got,
                 const std::vector<int64_t>& shape, const char* kind) {
  if (got != shape)
    throw Error(f.path().string() + ": " + kind + "tensor '" + name + "' has shape " + shape_str(got) + ", expected " +
                shape_str(shape));
}

}  // namespace

std::optional<CompressedView> compressed_tensor(const SafetensorsFile& f, const std::string& name,
                                                const std::vector<int64_t>& shape) {
  if (!may_be_compressed(f)) return std::nullopt;
  const CompressedIndex& index = f.compressed_index();  // validated, so a broken file fails on any read
  if (!index.contains(name)) return std::nullopt;
  CompressedView v = index.get(name);
  check_shape(f, name, v.shape, shape, "compressed ");
  return v;
}

std::vector<std::string> storage_tensors(const SafetensorsFile& f, const std::string& name) {
  std::vector<std::string> r{name};
  if (!may_be_compressed(f)) return r;
  const CompressedIndex& index = f.compressed_index();
  if (index.contains(name) && index.get(name).layout == Layout::Bitmask) r.push_back(name + std::string(kMaskSuffix));
  return r;
}

const float* f32_tensor(const SafetensorsFile& f, const std::string& name, const std::vector<int64_t>& shape,
                        std::vector<std::unique_ptr<float[]>>& owned) {
  if (const auto c = compressed_tensor(f, name, shape)) {
    auto buf = std::make_unique<float[]>(c->numel());
    decode_to_f32(*c, {buf.get(), c->numel()});
    owned.push_back(std::move(buf));
    return owned.back().get();
  }
  const TensorInfo* t = f.find(name);
  if (!t) throw Error(f.path().string() + ": missing tensor '" + name + "' (expected shape " + shape_str(shape) + ")");
  check_shape(f, name, t->shape, shape, "");
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
