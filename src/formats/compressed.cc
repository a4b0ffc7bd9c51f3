// Compressed-tensor metadata: parsing and validation of `edgemt.tensors`, decoding, writing.
#include "formats/compressed.h"

#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgemt {

using nlohmann::json;

namespace {

constexpr std::string_view kEncoding = "adaptivfloat";  // the one encoding so far

struct LayoutRow {
  std::string_view name;
  Layout layout;
};
constexpr LayoutRow kLayouts[] = {{"dense", Layout::Dense}, {"bitmask", Layout::Bitmask}};

struct ActivationsRow {
  std::string_view name;
  Activations activations;
};
constexpr ActivationsRow kActivations[] = {{"fp32", Activations::F32}, {"bf16", Activations::Bf16}};

std::string brief(const json& v) {
  std::string s = v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::span<const uint8_t> bytes_of(const SafetensorsFile& f, const TensorInfo& t) {
  const auto d = f.data(t);
  return {reinterpret_cast<const uint8_t*>(d.data()), d.size()};
}

// Parses and checks one entry; `where` is "<file>: tensor '<name>'".
class EntryParser {
 public:
  EntryParser(const SafetensorsFile& f, const std::string& name, const json& e)
      : f_(f), name_(name), e_(e), where_(f.path().string() + ": tensor '" + name + "'") {}

  CompressedView parse() {
    if (!e_.is_object()) fail("edgemt.tensors entry must be an object, got " + brief(e_));
    CompressedView v;
    v.name = name_;
    const std::string enc = string_field("encoding");
    if (enc != kEncoding) fail("edgemt.tensors field 'encoding' is \"" + enc + "\", expected \"adaptivfloat\"");
    v.format.bits = int_field("bits");
    v.format.exp_bits = int_field("exp_bits");
    af::check_bits(v.format.bits, v.format.exp_bits, where_ + ": edgemt.tensors");
    v.format.exp_bias = int_field("exp_bias");
    if (v.format.exp_bias < af::kMinExpBias || v.format.exp_bias > v.format.max_exp_bias())
      fail("edgemt.tensors field 'exp_bias' " + std::to_string(v.format.exp_bias) + " outside [" +
           std::to_string(af::kMinExpBias) + ", " + std::to_string(v.format.max_exp_bias()) + "] (f32 range)");
    v.shape = shape_field();
    v.layout = layout_field();
    v.activations = activations_field();
    const TensorInfo& codes = u8_tensor(name_);
    v.codes = bytes_of(f_, codes);
    const size_t numel = v.numel();
    if (v.layout == Layout::Dense) {
      if (codes.numel() != numel)
        fail("holds " + std::to_string(codes.numel()) + " codes, shape " + shape_str(v.shape) + " needs " +
             std::to_string(numel) + " (dense: one per element)");
      return v;
    }
    const std::string mask_name = name_ + std::string(kMaskSuffix);
    const TensorInfo& mask = u8_tensor(mask_name);
    v.mask = bytes_of(f_, mask);
    if (v.mask.size() != (numel + 7) / 8)
      fail("mask '" + mask_name + "' has " + std::to_string(v.mask.size()) + " bytes, shape " + shape_str(v.shape) +
           " needs " + std::to_string((numel + 7) / 8) + " (one bit per element)");
    size_t ones = 0, i = 0;  // 8 bytes at a time: this build's popcount is a library call (no -mpopcnt)
    for (; i + 8 <= v.mask.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, v.mask.data() + i, 8);
      ones += static_cast<size_t>(std::popcount(word));
    }
    for (; i < v.mask.size(); ++i) ones += static_cast<size_t>(std::popcount(v.mask[i]));
    if (numel % 8 && (v.mask.back() >> (numel % 8)))
      fail("mask '" + mask_name + "' has bits set past element " + std::to_string(numel) + " in its last byte");
    if (ones != v.codes.size())
      fail("mask '" + mask_name + "' has " + std::to_string(ones) + " bits set but there are " +
           std::to_string(v.codes.size()) + " codes (bitmask: one code per set bit)");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(where_ + ": " + what); }

  const json& field(const char* key) const {
    if (!e_.contains(key)) fail(std::string("edgemt.tensors entry lacks field '") + key + "'");
    return e_[key];
  }
  std::string string_field(const char* key) const {
    const json& v = field(key);
    if (!v.is_string()) fail(std::string("edgemt.tensors field '") + key + "' must be a string, got " + brief(v));
    return v.get<std::string>();
  }
  int int_field(const char* key) const {
    const json& v = field(key);
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > 1u << 20) ||
        (!v.is_number_unsigned() && (v.get<int64_t>() < -(1 << 20) || v.get<int64_t>() > (1 << 20))))
      fail(std::string("edgemt.tensors field '") + key + "' must be a small integer, got " + brief(v));
    return static_cast<int>(v.get<int64_t>());
  }
  std::vector<int64_t> shape_field() const {
    const json& s = field("shape");
    if (!s.is_array()) fail("edgemt.tensors field 'shape' must be an array, got " + brief(s));
    std::vector<int64_t> shape;
    size_t numel = 1;
    for (const json& d : s) {
      if (!d.is_number_integer() || (!d.is_number_unsigned() && d.get<int64_t>() < 0) ||
          d.get<uint64_t>() > (uint64_t{1} << 48))
        fail("edgemt.tensors field 'shape' must hold non-negative integers, got " + brief(s));
      const auto n = d.get<uint64_t>();
      if (n && numel > (size_t{1} << 62) / n) fail("edgemt.tensors field 'shape' " + brief(s) + " is too large");
      numel *= n;
      shape.push_back(static_cast<int64_t>(n));
    }
    return shape;
  }
  Layout layout_field() const {
    const std::string s = string_field("layout");
    for (const auto& row : kLayouts)
      if (row.name == s) return row.layout;
    fail("edgemt.tensors field 'layout' is \"" + s + "\", expected \"dense\" or \"bitmask\"");
  }
  Activations activations_field() const {
    if (!e_.contains("activations")) return Activations::F32;
    const std::string s = string_field("activations");
    for (const auto& row : kActivations)
      if (row.name == s) return row.activations;
    fail("edgemt.tensors field 'activations' is \"" + s + "\", expected \"fp32\" or \"bf16\"");
  }
  const TensorInfo& u8_tensor(const std::string& name) const {
    const TensorInfo* t = f_.find(name);
    if (!t) fail("described in edgemt.tensors, but the file has no tensor '" + name + "'");
    if (t->dtype != DType::U8)
      fail("'" + name + "' has dtype " + std::string(dtype_traits(t->dtype).name) +
           ", expected U8 (AdaptivFloat codes)");
    return *t;
  }

  const SafetensorsFile& f_;
  const std::string& name_;
  const json& e_;
  std::string where_;
};

}  // namespace

std::string_view activations_name(Activations a) {
  for (const auto& row : kActivations)
    if (row.activations == a) return row.name;
  return "?";
}

std::string_view layout_name(Layout layout) {
  for (const auto& row : kLayouts)
    if (row.layout == layout) return row.name;
  return "?";
}

size_t CompressedView::numel() const {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

CompressedIndex::CompressedIndex(const SafetensorsFile& f) : file_(f) {
  const auto it = f.metadata().find(std::string(kCompressedKey));
  if (it == f.metadata().end()) return;
  const std::string where = f.path().string() + ": __metadata__ '" + std::string(kCompressedKey) + "'";
  const json j = json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(where + " is not valid JSON");
  if (!j.is_object()) throw Error(where + " must be a JSON object {tensor name: description}, got " + brief(j));
  for (const auto& [name, e] : j.items()) entries_.emplace(name, EntryParser(f, name, e).parse());
  for (const auto& [name, v] : entries_) {
    if (v.layout != Layout::Bitmask) continue;
    std::string mask = name + std::string(kMaskSuffix);
    if (entries_.count(mask))
      throw Error(f.path().string() + ": tensor '" + mask + "' is the mask of '" + name +
                  "' and cannot be a compressed tensor itself");
    masks_.emplace(std::move(mask), name);
  }
}

const CompressedIndex& SafetensorsFile::compressed_index() const {
  const std::lock_guard lock(compressed_mutex_);
  if (!compressed_) compressed_ = std::make_shared<const CompressedIndex>(*this);  // a throw leaves it unset
  return *compressed_;
}

CompressedView CompressedIndex::get(std::string_view name) const {
  const auto it = entries_.find(name);
  EDGEMT_CHECK(it != entries_.end());
  const CompressedView& v = it->second;
  if (v.format.bits < 8)
    for (size_t i = 0; i < v.codes.size(); ++i)
      if (v.codes[i] >> v.format.bits)
        throw Error(file_.path().string() + ": tensor '" + v.name + "': code " + std::to_string(v.codes[i]) +
                    " at position " + std::to_string(i) + " does not fit in bits " + std::to_string(v.format.bits));
  return v;
}

std::vector<std::string> CompressedIndex::names() const {
  std::vector<std::string> r;
  for (const auto& [name, v] : entries_) r.push_back(name);
  return r;
}

void decode_to_f32(const CompressedView& t, std::span<float> dst) {
  EDGEMT_CHECK(dst.size() == t.numel());
  const af::DecodeTable lut = af::decode_table(t.format);
  if (t.layout == Layout::Dense) {
    for (size_t i = 0; i < dst.size(); ++i) dst[i] = lut[t.codes[i]];
    return;
  }
  size_t k = 0;
  for (size_t i = 0; i < dst.size(); ++i) dst[i] = t.mask_bit(i) ? lut[t.codes[k++]] : 0.0f;
}

CompressedTensor compress_tensor(const std::string& name, const std::vector<int64_t>& shape, std::span<const float> w,
                                 const af::AfFormat& format, Layout layout) {
  size_t numel = 1;
  for (int64_t d : shape) numel *= static_cast<size_t>(d);
  EDGEMT_CHECK(numel == w.size());
  CompressedTensor t{.name = name,
                     .format = format,
                     .shape = shape,
                     .layout = layout,
                     .codes = af::encode(w, format, name),
                     .mask = {}};
  if (layout == Layout::Dense) return t;
  t.mask.assign((numel + 7) / 8, 0);
  size_t k = 0;
  for (size_t i = 0; i < numel; ++i) {
    if (t.codes[i] == 0) continue;
    t.mask[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
    t.codes[k++] = t.codes[i];
  }
  t.codes.resize(k);
  return t;
}

std::vector<TensorToWrite> stored_tensors(const CompressedTensor& t) {
  const auto bytes = [](const std::vector<uint8_t>& v) { return std::as_bytes(std::span<const uint8_t>(v)); };
  if (t.layout == Layout::Dense) return {{t.name, DType::U8, t.shape, bytes(t.codes)}};
  return {{t.name, DType::U8, {static_cast<int64_t>(t.codes.size())}, bytes(t.codes)},
          {t.name + std::string(kMaskSuffix), DType::U8, {static_cast<int64_t>(t.mask.size())}, bytes(t.mask)}};
}

std::string compressed_metadata(std::span<const CompressedTensor> ts) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& t : ts) {
    j[t.name] = {
        {"encoding", std::string(kEncoding)}, {"bits", t.format.bits}, {"exp_bits", t.format.exp_bits},
        {"exp_bias", t.format.exp_bias},      {"shape", t.shape},      {"layout", std::string(layout_name(t.layout))}};
    if (t.activations != Activations::F32) j[t.name]["activations"] = std::string(activations_name(t.activations));
  }
  return j.dump();
}

}  // namespace edgemt
