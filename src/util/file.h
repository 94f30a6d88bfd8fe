#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "util/result.h"

namespace wasmhive {

// The largest file read_file reads unless told otherwise: ample for any
// component module, and a bound on what one path in a manifest can make the
// host allocate.
inline constexpr std::size_t kMaxModuleFileBytes = std::size_t{64} << 20;

// The whole of a regular file of at most `max_bytes` bytes. Never blocks on a
// FIFO and never reads a device: anything but a regular file is refused.
// Errors name the path: Errc::not_found (no such file), Errc::limit_exceeded
// (larger than max_bytes), Errc::invalid_argument (anything else).
Result<std::vector<std::uint8_t>> read_file(const std::filesystem::path& path,
                                            std::size_t max_bytes = kMaxModuleFileBytes);

// Whether `path` names a regular file (following symlinks), else an error as
// read_file would report it. Does not open the file.
Result<void> check_regular_file(const std::filesystem::path& path);

// How write_file treats a file already at the path.
enum class Overwrite {
  never,    // fail with already_exists (the file is created with O_EXCL)
  replace,  // write a temporary file beside it, then rename it over the old one
};

// Writes `bytes` to `path` with permission bits `mode` (before the umask),
// whole or not at all. Replacing keeps the old file's permissions and refuses
// anything but a regular file (a symlink, a device, a FIFO). Errors name the
// path: already_exists (Overwrite::never), not_found (no such directory),
// invalid_argument (anything else).
Result<void> write_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes,
                        Overwrite overwrite, unsigned mode = 0644);

}  // namespace wasmhive
