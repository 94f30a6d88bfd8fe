// What every benchmark program shares: it stops at the first error (a figure
// measured past one would be a figure of something else), and takes --smoke.
#pragma once

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

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

// Google Benchmark's arguments, plus --smoke: one short iteration of each, for
// the test suite (not a measurement). False when an argument is unknown.
inline bool initialize(int argc, char** argv, bool& smoke) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--smoke")
      smoke = true;
    else
      args.push_back(argv[i]);
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  return !benchmark::ReportUnrecognizedArguments(count, args.data());
}

}  // namespace wasmhive::bench
