// Task packs built inside tests: a head and Houlsby adapters for a backbone config, random or
// chosen values, written with the project's safetensors writer (docs/formats.md "Task packs with
// adapters"). Tensors can be dropped, reshaped or retyped to make broken packs.
#pragma once

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/config.h"
#include "formats/dtype.h"
#include "formats/safetensors.h"
#include "support/files.h"
#include "support/golden.h"

namespace edgemt::testing {

struct PackTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;  // exactly what the file holds, after rounding to dtype
  DType dtype = DType::F32;
};

inline float bf16_round(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
  return bf16_to_f32(static_cast<uint16_t>(u >> 16));
}

class PackBuilder {
 public:
  std::vector<PackTensor> tensors;

  PackTensor& add(const std::string& name, std::vector<int64_t> shape, std::vector<float> values) {
    tensors.push_back({name, std::move(shape), std::move(values), DType::F32});
    return tensors.back();
  }
  PackTensor& get(const std::string& name) {
    for (auto& t : tensors)
      if (t.name == name) return t;
    ADD_FAILURE() << "no tensor " << name;
    return tensors.front();
  }
  const std::vector<float>& values(const std::string& name) { return get(name).values; }
  void remove(const std::string& name) {
    std::erase_if(tensors, [&](const PackTensor& t) { return t.name == name; });
  }
  // Stores `name` as dtype from now on; its values become the dtype's (F16/BF16 rounding).
  void set_dtype(const std::string& name, DType dtype) {
    PackTensor& t = get(name);
    t.dtype = dtype;
    for (float& v : t.values) {
      if (dtype == DType::F16)
        v = f16_to_f32(f32_to_f16(v));
      else if (dtype == DType::BF16)
        v = bf16_round(v);
      else if (dtype == DType::I32)
        v = static_cast<float>(static_cast<int32_t>(v));
    }
  }

  // dir/task.json (the text given) and dir/task.safetensors.
  void write(const std::filesystem::path& dir, const std::string& task_json) const {
    std::filesystem::create_directories(dir);
    std::vector<std::vector<std::byte>> storage;
    std::vector<TensorToWrite> out;
    for (const auto& t : tensors) {
      std::vector<std::byte> bytes(t.values.size() * dtype_traits(t.dtype).bytes);
      for (size_t i = 0; i < t.values.size(); ++i) {
        const float v = t.values[i];
        std::byte* p = bytes.data() + i * dtype_traits(t.dtype).bytes;
        if (t.dtype == DType::F32) {
          std::memcpy(p, &v, 4);
        } else if (t.dtype == DType::F16) {
          const uint16_t h = f32_to_f16(v);
          std::memcpy(p, &h, 2);
        } else if (t.dtype == DType::BF16) {
          uint32_t u;
          std::memcpy(&u, &v, 4);
          const auto b = static_cast<uint16_t>(u >> 16);  // values are already bf16-rounded
          std::memcpy(p, &b, 2);
        } else {
          const auto n = static_cast<int32_t>(v);
          std::memcpy(p, &n, 4);
        }
      }
      storage.push_back(std::move(bytes));
    }
    for (size_t k = 0; k < tensors.size(); ++k)
      out.push_back({tensors[k].name, tensors[k].dtype, tensors[k].shape, std::span<const std::byte>(storage[k])});
    write_safetensors(dir / "task.safetensors", out);
    write_text(dir / "task.json", task_json);
  }
};

// pooler.* and classifier.* with C classes, random.
inline void add_random_head(PackBuilder& b, const AlbertConfig& c, int C, uint32_t seed) {
  const int64_t H = c.hidden_size;
  b.add("pooler.weight", {H, H}, random_floats(static_cast<size_t>(H * H), seed, 0.2f));
  b.add("pooler.bias", {H}, random_floats(static_cast<size_t>(H), seed + 1, 0.1f));
  b.add("classifier.weight", {C, H}, random_floats(static_cast<size_t>(C * H), seed + 2, 0.2f));
  b.add("classifier.bias", {C}, random_floats(static_cast<size_t>(C), seed + 3, 0.1f));
}

// The head of an HF classifier checkpoint (albert.pooler.*, classifier.*), widened to F32.
inline void add_checkpoint_head(PackBuilder& b, const SafetensorsFile& model) {
  for (const char* n : {"albert.pooler.weight", "albert.pooler.bias", "classifier.weight", "classifier.bias"}) {
    const TensorInfo* t = model.find(n);
    std::string name = n;
    if (name.rfind("albert.", 0) == 0) name = name.substr(7);
    b.add(name, t->shape, tensor_f32(model, n));
  }
}

// adapters.{a}.* for a = 0..sets−1 with bottleneck m: random bottlenecks, LayerNorms near (1, 0).
inline void add_random_adapters(PackBuilder& b, const AlbertConfig& c, int m, int sets, uint32_t seed) {
  const int64_t H = c.hidden_size, M = m;
  const auto n = [](int64_t x) { return static_cast<size_t>(x); };
  for (int a = 0; a < sets; ++a) {
    const std::string p = "adapters." + std::to_string(a) + ".";
    const uint32_t s = seed + 100u * static_cast<uint32_t>(a);
    for (const char* part : {"attention", "ffn"}) {
      const uint32_t q = s + (part[0] == 'a' ? 0u : 50u);
      b.add(p + part + ".down.weight", {M, H}, random_floats(n(M * H), q, 0.2f));
      b.add(p + part + ".down.bias", {M}, random_floats(n(M), q + 1, 0.1f));
      b.add(p + part + ".up.weight", {H, M}, random_floats(n(H * M), q + 2, 0.2f));
      b.add(p + part + ".up.bias", {H}, random_floats(n(H), q + 3, 0.1f));
    }
    for (const char* norm : {"attention_norm", "full_norm"}) {
      const uint32_t q = s + (norm[0] == 'a' ? 10u : 20u);
      std::vector<float> gamma = random_floats(n(H), q, 0.1f);
      for (float& g : gamma) g += 1.0f;
      b.add(p + norm + ".weight", {H}, std::move(gamma));
      b.add(p + norm + ".bias", {H}, random_floats(n(H), q + 1, 0.1f));
    }
  }
}

// offramps.{l}.* for each l in `layers`: "light" (norm + classifier) or "full" (pooler + classifier),
// random; C classes.
inline void add_random_offramps(PackBuilder& b, const AlbertConfig& c, int C, const std::vector<int>& layers,
                                const std::string& kind, uint32_t seed) {
  const int64_t H = c.hidden_size;
  const auto n = [](int64_t x) { return static_cast<size_t>(x); };
  for (int l : layers) {
    const std::string p = "offramps." + std::to_string(l) + ".";
    const uint32_t s = seed + 10u * static_cast<uint32_t>(l);
    if (kind == "full") {
      b.add(p + "pooler.weight", {H, H}, random_floats(n(H * H), s, 0.2f));
      b.add(p + "pooler.bias", {H}, random_floats(n(H), s + 1, 0.1f));
    } else {
      std::vector<float> gamma = random_floats(n(H), s, 0.1f);
      for (float& g : gamma) g += 1.0f;
      b.add(p + "norm.weight", {H}, std::move(gamma));
      b.add(p + "norm.bias", {H}, random_floats(n(H), s + 1, 0.1f));
    }
    b.add(p + "classifier.weight", {C, H}, random_floats(n(C * H), s + 2, 0.2f));
    b.add(p + "classifier.bias", {C}, random_floats(n(C), s + 3, 0.1f));
  }
}

// Makes off-ramp l answer `bias` whatever the input: zero classifier weights, that bias. A large gap
// between the biases is a certain ramp (entropy ≈ 0), equal biases an uncertain one (entropy ln C).
inline void set_offramp_output(PackBuilder& b, int l, const std::vector<float>& bias) {
  const std::string p = "offramps." + std::to_string(l) + ".classifier.";
  std::fill(b.get(p + "weight").values.begin(), b.get(p + "weight").values.end(), 0.0f);
  b.get(p + "bias").values = bias;
}

inline std::string adapter_json(int m, const std::string& activation, bool shared) {
  return R"({"size": )" + std::to_string(m) + R"(, "activation": ")" + activation + R"(", "share_across_layers": )" +
         (shared ? "true" : "false") + "}";
}

}  // namespace edgemt::testing
