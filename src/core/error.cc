// Out-of-line failure path of EDGEMT_CHECK, kept cold.
#include "core/error.h"

namespace edgemt {

void fail_check(const char* cond, const char* file, int line) {
  throw InternalError(std::string("internal check failed: ") + cond + " at " + file + ":" +
                      std::to_string(line));
}

}  // namespace edgemt
