#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "util/result.h"

namespace wasmhive {

// The whole file, or Errc::not_found / Errc::invalid_argument naming the path.
Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path);

}  // namespace wasmhive
