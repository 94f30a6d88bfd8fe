// What every benchmark program shares: it stops at the first error (a figure
// measured past one would be a figure of something else), and takes --smoke.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
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

// Resident memory now and at its peak (VmRSS, VmHWM), in KiB.
inline std::pair<std::size_t, std::size_t> resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  std::size_t now = 0, peak = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) now = std::stoul(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) peak = std::stoul(line.substr(6));
  }
  return {now, peak};
}

// The q-quantile (0..1) of `values`, which it sorts.
template <class T>
T percentile(std::vector<T>& values, double q) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1,
                         static_cast<std::size_t>(q * static_cast<double>(values.size())))];
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
