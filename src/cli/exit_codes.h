// The exit codes of the wasmhive command (see its --help), and how a
// command fails with one.
#pragma once

#include <cstdio>
#include <string>

#include "util/text.h"

namespace wasmhive::cli {

enum Exit { kSuccess = 0, kRuntimeFailure = 1, kUsage = 2, kInvalid = 3, kDataError = 4 };

// Writes "wasmhive: <message>" to stderr and returns `code`. Escaped: a
// message may quote a module's names or a guest's trap text.
inline int fail(int code, const std::string& message) {
  std::fprintf(stderr, "wasmhive: %s\n", escape_text(message).c_str());
  return code;
}

}  // namespace wasmhive::cli
