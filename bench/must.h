// Benchmarks stop at the first error: a figure measured past one would be a
// figure of something else.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "util/result.h"

namespace wasmhive::bench {

// "<program>: <what>" on stderr, then exit 1.
[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::exit(1);
}

template <class T>
T must(Result<T> result, const char* what) {
  if (!result) die(std::string(what) + ": " + result.error().describe());
  return std::move(*result);
}

inline void must(Result<void> result, const char* what) {
  if (!result) die(std::string(what) + ": " + result.error().describe());
}

}  // namespace wasmhive::bench
