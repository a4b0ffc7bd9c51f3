// safetensors reader (mmap + full header validation, as strict as the reference Rust crate) and
// atomic writer.
#include "formats/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace edgemt {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kMaxHeaderBytes = 100u << 20;  // the reference implementation's limit

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw Error(path.string() + ": " + what);
}

int64_t as_index(const json& v, const fs::path& path, const std::string& where) {
  if (!v.is_number_integer()) fail(path, where + " must be a non-negative integer, got " + v.dump());
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(path, where + " is too large: " + v.dump());
  } else if (v.get<int64_t>() < 0) {
    fail(path, where + " must be a non-negative integer, got " + v.dump());
  }
  return v.get<int64_t>();
}

TensorInfo parse_entry(const std::string& name, const json& e, const fs::path& path) {
  const std::string where = "tensor '" + name + "'";
  if (!e.is_object()) fail(path, where + ": entry must be a JSON object, got " + e.dump());
  TensorInfo t;
  t.name = name;
  if (!e.contains("dtype") || !e["dtype"].is_string()) fail(path, where + ": missing string field 'dtype'");
  const auto dt = dtype_from_name(e["dtype"].get<std::string>());
  if (!dt) fail(path, where + ": unknown dtype '" + e["dtype"].get<std::string>() + "'");
  t.dtype = *dt;
  if (!e.contains("shape") || !e["shape"].is_array()) fail(path, where + ": missing array field 'shape'");
  size_t numel = 1;
  for (const auto& d : e["shape"]) {
    const int64_t v = as_index(d, path, where + ": shape dimension");
    t.shape.push_back(v);
    if (v != 0 && numel > std::numeric_limits<size_t>::max() / static_cast<size_t>(v))
      fail(path, where + ": shape " + shape_str(t.shape) + " overflows");
    numel *= static_cast<size_t>(v);
  }
  if (!e.contains("data_offsets") || !e["data_offsets"].is_array() || e["data_offsets"].size() != 2)
    fail(path, where + ": 'data_offsets' must be an array [begin, end]");
  const auto begin = static_cast<size_t>(as_index(e["data_offsets"][0], path, where + ": data_offsets"));
  const auto end = static_cast<size_t>(as_index(e["data_offsets"][1], path, where + ": data_offsets"));
  if (end < begin) fail(path, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] end before begin");
  const size_t elem = dtype_traits(t.dtype).bytes;
  if (numel > std::numeric_limits<size_t>::max() / elem) fail(path, where + ": byte size overflows");
  if (end - begin != numel * elem)
    fail(path, where + ": shape " + shape_str(t.shape) + " of " + std::string(dtype_traits(t.dtype).name) +
                   " needs " + std::to_string(numel * elem) + " bytes, data_offsets give " +
                   std::to_string(end - begin));
  t.offset = begin;
  t.nbytes = end - begin;
  return t;
}

}  // namespace

size_t TensorInfo::numel() const {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

std::string shape_str(std::span<const int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

SafetensorsFile::SafetensorsFile(const fs::path& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(path, "not a regular file");
  }
  map_size_ = static_cast<size_t>(st.st_size);
  if (map_size_ < 8) {
    ::close(fd);
    fail(path, "truncated: " + std::to_string(map_size_) + " bytes, a safetensors file starts with an 8-byte header size");
  }
  void* m = ::mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) fail(path, std::string("cannot map: ") + std::strerror(errno));
  map_ = static_cast<const std::byte*>(m);
  try {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(map_[i]);
    if (n > kMaxHeaderBytes) fail(path, "header size " + std::to_string(n) + " exceeds the 100 MiB limit");
    if (n > map_size_ - 8)
      fail(path, "truncated: header size " + std::to_string(n) + " but only " + std::to_string(map_size_ - 8) + " bytes follow");
    const auto* hb = reinterpret_cast<const char*>(map_ + 8);
    json header = json::parse(hb, hb + n, nullptr, /*allow_exceptions=*/false);
    if (header.is_discarded()) fail(path, "header is not valid JSON");
    if (!header.is_object()) fail(path, "header is not a JSON object");
    data_ = map_ + 8 + n;
    const size_t data_size = map_size_ - 8 - n;
    for (const auto& [key, value] : header.items()) {
      if (key == "__metadata__") {
        if (!value.is_object()) fail(path, "__metadata__ must be an object of strings");
        for (const auto& [mk, mv] : value.items()) {
          if (!mv.is_string()) fail(path, "__metadata__['" + mk + "'] must be a string");
          metadata_[mk] = mv.get<std::string>();
        }
        continue;
      }
      tensors_.push_back(parse_entry(key, value, path));
    }
    std::sort(tensors_.begin(), tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
      return a.offset != b.offset ? a.offset < b.offset : a.nbytes < b.nbytes;
    });
    size_t expected = 0;
    for (size_t i = 0; i < tensors_.size(); ++i) {
      const auto& t = tensors_[i];
      if (t.offset + t.nbytes > data_size)
        fail(path, "tensor '" + t.name + "': data_offsets [" + std::to_string(t.offset) + ", " +
                       std::to_string(t.offset + t.nbytes) + "] out of range (data buffer is " +
                       std::to_string(data_size) + " bytes)");
      if (t.offset < expected)
        fail(path, "tensor '" + t.name + "' overlaps tensor '" + tensors_[i - 1].name + "'");
      if (t.offset > expected)
        fail(path, "tensor '" + t.name + "' starts at " + std::to_string(t.offset) + ", leaving a gap after byte " +
                       std::to_string(expected));
      expected = t.offset + t.nbytes;
      index_[t.name] = i;
    }
    if (expected != data_size)
      fail(path, "data buffer has " + std::to_string(data_size - expected) + " bytes not covered by any tensor");
  } catch (...) {
    ::munmap(const_cast<std::byte*>(map_), map_size_);
    map_ = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(const_cast<std::byte*>(map_), map_size_);
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const std::byte> SafetensorsFile::data(const TensorInfo& t) const { return {data_ + t.offset, t.nbytes}; }

void write_file_atomic(const fs::path& path, std::span<const std::byte> bytes) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::string name = path.filename().string();
  name.insert(0, 1, '.');
  name.append(".tmp-XXXXXX");
  std::string tmpl = (dir / name).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) fail(path, std::string("cannot create a temporary file beside it: ") + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmpl.c_str());
      fail(path, std::string("write failed: ") + std::strerror(err));
    }
    done += static_cast<size_t>(w);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    fail(path, "cannot flush to disk");
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    fail(path, std::string("cannot rename into place: ") + std::strerror(err));
  }
}

void write_safetensors(const fs::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  size_t offset = 0;
  for (const auto& t : tensors) {
    size_t numel = 1;
    for (int64_t d : t.shape) numel *= static_cast<size_t>(d);
    const size_t nbytes = numel * dtype_traits(t.dtype).bytes;
    if (nbytes != t.data.size())
      throw Error(path.string() + ": tensor '" + t.name + "' has " + std::to_string(t.data.size()) +
                  " bytes, shape " + shape_str(t.shape) + " needs " + std::to_string(nbytes));
    if (header.contains(t.name)) throw Error(path.string() + ": tensor '" + t.name + "' written twice");
    header[t.name] = {{"dtype", std::string(dtype_traits(t.dtype).name)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // keep the data buffer 8-byte aligned
  std::vector<std::byte> out(8 + h.size() + offset);
  const uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>((n >> (8 * i)) & 0xffu);
  std::memcpy(out.data() + 8, h.data(), h.size());
  size_t pos = 8 + h.size();
  for (const auto& t : tensors) {
    if (!t.data.empty()) std::memcpy(out.data() + pos, t.data.data(), t.data.size());
    pos += t.data.size();
  }
  write_file_atomic(path, out);
}

}  // namespace edgemt
