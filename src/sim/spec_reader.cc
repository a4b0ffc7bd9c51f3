// Field-checked JSON access for the simulator's specs.
#include "sim/spec_reader.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace edgemt::sim {

using nlohmann::json;

namespace {

std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

}  // namespace

SpecReader::SpecReader(const json& j, std::string source, std::string path)
    : j_(j), source_(std::move(source)), path_(std::move(path)) {
  if (!j_.is_object()) throw Error(source_ + ": " + (path_.empty() ? "top level" : path_) + ": expected an object");
}

std::string SpecReader::where(const std::string& key) const {
  return source_ + ": " + (path_.empty() ? key : path_ + "." + key);
}

void SpecReader::fail(const std::string& key, const std::string& what) const { throw Error(where(key) + ": " + what); }

bool SpecReader::has(const std::string& key) const { return j_.contains(key) && !j_.at(key).is_null(); }

const json& SpecReader::at(const std::string& key) const {
  if (!has(key)) fail(key, "missing field");
  return j_.at(key);
}

SpecReader SpecReader::child(const std::string& key) const {
  const json& v = at(key);
  if (!v.is_object()) fail(key, "expected an object, got " + shown(v));
  return SpecReader(v, source_, path_.empty() ? key : path_ + "." + key);
}

std::vector<SpecReader> SpecReader::array(const std::string& key) const {
  const json& v = at(key);
  if (!v.is_array() || v.empty()) fail(key, "expected a non-empty array, got " + shown(v));
  std::vector<SpecReader> out;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = (path_.empty() ? key : path_ + "." + key) + "[" + std::to_string(i) + "]";
    if (!v[i].is_object()) throw Error(source_ + ": " + p + ": expected an object, got " + shown(v[i]));
    out.emplace_back(v[i], source_, p);
  }
  return out;
}

std::vector<std::string> SpecReader::keys() const {
  std::vector<std::string> out;
  for (auto it = j_.begin(); it != j_.end(); ++it) out.push_back(it.key());
  return out;
}

std::string SpecReader::string(const std::string& key) const {
  const json& v = at(key);
  if (!v.is_string() || v.get<std::string>().empty()) fail(key, "expected a non-empty string, got " + shown(v));
  return v.get<std::string>();
}

std::string SpecReader::string_or(const std::string& key, const std::string& fallback) const {
  return has(key) ? string(key) : fallback;
}

bool SpecReader::boolean(const std::string& key) const {
  const json& v = at(key);
  if (!v.is_boolean()) fail(key, "expected true or false, got " + shown(v));
  return v.get<bool>();
}

double SpecReader::number(const std::string& key) const {
  const json& v = at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>())) fail(key, "expected a number, got " + shown(v));
  return v.get<double>();
}

double SpecReader::positive(const std::string& key) const {
  const double x = number(key);
  if (!(x > 0)) fail(key, "expected a positive number, got " + shown(at(key)));
  return x;
}

double SpecReader::non_negative(const std::string& key) const {
  const double x = number(key);
  if (x < 0) fail(key, "expected a number >= 0, got " + shown(at(key)));
  return x;
}

double SpecReader::fraction(const std::string& key) const {
  const double x = number(key);
  if (x < 0 || x > 1) fail(key, "expected a number in [0, 1], got " + shown(at(key)));
  return x;
}

long SpecReader::positive_integer(const std::string& key) const {
  const double x = number(key);
  if (!(x >= 1) || x != std::floor(x) || x > 9.0e15) fail(key, "expected a positive integer, got " + shown(at(key)));
  return static_cast<long>(x);
}

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::parse_error& e) {
    throw Error(path + ": invalid JSON: " + e.what());
  }
}

}  // namespace edgemt::sim
