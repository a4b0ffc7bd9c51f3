// Reading simulator spec JSON into plain structs: every getter checks presence, type and range and
// throws edgemt::Error naming the file and the field path ("edgebert-n16.json: pu.n: …").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgemt::sim {

class SpecReader {
 public:
  // `j` must outlive the reader; `path` is the dotted location of `j` inside `source`.
  SpecReader(const nlohmann::json& j, std::string source, std::string path = "");

  bool has(const std::string& key) const;
  SpecReader child(const std::string& key) const;                // a required object
  std::vector<SpecReader> array(const std::string& key) const;   // a required, non-empty array of objects
  std::vector<std::string> keys() const;                         // of this object, in file order

  std::string string(const std::string& key) const;
  std::string string_or(const std::string& key, const std::string& fallback) const;
  bool boolean(const std::string& key) const;
  double number(const std::string& key) const;                   // finite
  double positive(const std::string& key) const;                 // > 0
  double non_negative(const std::string& key) const;             // >= 0
  double fraction(const std::string& key) const;                 // in [0, 1]
  long positive_integer(const std::string& key) const;           // whole and > 0

  std::string where(const std::string& key) const;               // "source: path.key"
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const nlohmann::json& at(const std::string& key) const;
  const nlohmann::json& j_;
  std::string source_, path_;
};

// Parses a JSON file; a missing file or a syntax error is an edgemt::Error naming it.
nlohmann::json read_json_file(const std::string& path);

}  // namespace edgemt::sim
