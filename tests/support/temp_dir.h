// A fresh directory for one test, under the system's temp directory and named
// after the process and the running test, removed with everything in it when
// the test ends.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace wasmhive::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "wasmhive") {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(next()++);
    if (test) name += std::string("-") + test->name();
    for (char& c : name)
      if (c == '/') c = '_';  // parameterized test names
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  static int& next() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

}  // namespace wasmhive::testing
