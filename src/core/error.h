// Error type for every boundary (files, configs, CLI, public API) and the always-on invariant check.
#pragma once

#include <stdexcept>
#include <string>

namespace edgemt {

// A user-facing failure: the message names the file, tensor or field and what was expected.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A command line that cannot work (missing or malformed option) found after parsing: exit status 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A broken internal invariant (a bug in edgemt, not bad input).
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void fail_check(const char* cond, const char* file, int line);

}  // namespace edgemt

#define EDGEMT_CHECK(cond) \
  do {                     \
    if (!(cond)) ::edgemt::fail_check(#cond, __FILE__, __LINE__); \
  } while (0)
